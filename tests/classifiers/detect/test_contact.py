"""classifiers.contact: email addresses and phone numbers."""

from __future__ import annotations

import pytest
from phonehome.classifiers.detect.contact import detect_email, detect_phone_number, region_of
from phonehome.classifiers.model import Field, Kind, Source, Where

from tests.classifiers._helpers import essentials, fld

# -- email --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("email", "Alice@Example.COM"), ["alice@example.com"]),
        (fld("u", "alice@example.com", Where.QUERY), ["alice@example.com"]),
        (fld("msg", "write to bob.smith+tag@mail.example.co.uk today"), ["bob.smith+tag@mail.example.co.uk"]),
        (fld("cc", "a@example.com; b_c@example.org"), ["a@example.com", "b_c@example.org"]),
        (fld("account", "zhang.san@qq.com", Where.COOKIE), ["zhang.san@qq.com"]),
    ],
)
def test_email_positive(field: Field, expected: list[str]) -> None:
    assert essentials(detect_email(field)) == [(Kind.EMAIL, e, Source.PATTERN, None) for e in expected]


@pytest.mark.parametrize(
    ("field", "confidence"),
    [
        (fld("email", "alice@example.com"), 0.97),  # keyed
        (fld("x", " alice@example.com "), 0.97),  # the whole value
        (fld("x", "from alice@example.com"), 0.9),  # inside other text, no key
    ],
)
def test_email_confidence(field: Field, confidence: float) -> None:
    assert [f.confidence for f in detect_email(field)] == [confidence]


@pytest.mark.parametrize(
    "field",
    [
        fld("icon", "https://cdn.example.com/img/logo@2x.png"),  # retina asset
        fld("script", "/static/app@3x.js"),
        fld("from", "noreply@example.com"),  # a service, not a person
        fld("email", "support@example.com"),
        fld("dsn", "https://3f2a9c@o12345.ingest.sentry.io/678"),
        fld("dep", "lodash@4.17.21"),  # package@version
        fld("email", "alice at example dot com"),
        fld("email", "alice@localhost"),
    ],
)
def test_email_negative(field: Field) -> None:
    assert detect_email(field) == []


@pytest.mark.parametrize("value", ["banner@2x.jpeg", "icon@3x.svg"])
def test_retina_jpeg_and_svg_are_not_emails(value: str) -> None:
    assert detect_email(fld("src", value)) == []


# -- phone number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "confidence"),
    [
        (fld("phone", "+86 138 1234 5678"), "+8613812345678", 0.95),
        (
            fld("mobile", "13812345678", siblings={"mobile": "13812345678", "country": "cn"}),
            "+8613812345678",
            0.95,
        ),
        (fld("msisdn", "(415) 555-2671", siblings={"sim_country_iso": "US"}), "+14155552671", 0.95),
        (fld("phoneNumber", "+44 20 7946 0958", Where.QUERY), "+442079460958", 0.95),
        # No country known: digits only, lower confidence.
        (fld("tel", "13812345678"), "13812345678", 0.6),
        (fld("line1Number", "+999123456"), "999123456", 0.6),  # not a valid number: digits
    ],
)
def test_phone_number_positive(field: Field, expected: str, confidence: float) -> None:
    found = detect_phone_number(field)
    assert essentials(found) == [(Kind.PHONE_NUMBER, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("order_id", "+8613812345678"),  # phone-shaped, but digit strings need a phone key
        fld("phone", "0000000000"),  # placeholder
        fld("phone", "+1 111 111 1111"),
        fld("phone", "12345"),  # too short
        fld("phone", "1234567890123456"),  # too long
        fld("phone", "Pixel 7"),  # the phone's model, not its number
        fld("mobile", "1"),  # "is mobile" flag
        fld("mobile", "true"),
    ],
)
def test_phone_number_negative(field: Field) -> None:
    assert detect_phone_number(field) == []


def test_phone_region_hint_ignores_non_country_values() -> None:
    field = fld("mobile", "13812345678", siblings={"country": "China", "cc": "86"})
    assert essentials(detect_phone_number(field)) == [(Kind.PHONE_NUMBER, "13812345678", Source.KEY, None)]


# -- international numbers under any key -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("contact", "+49 151 12345678"), "+4915112345678"),
        (fld("x", "0086-15920348716"), "+8615920348716"),  # `00` is the international prefix
        (fld("to", "0086 159 2034 8716", Where.QUERY), "+8615920348716"),
        (fld("recipient", "+1 (415) 555-2671"), "+14155552671"),
        (fld("x", " +4915112345678 "), "+4915112345678"),
        (fld("note", "+44 20 7946 0958"), "+442079460958"),
    ],
)
def test_unkeyed_international_number(field: Field, expected: str) -> None:
    found = detect_phone_number(field)
    assert essentials(found) == [(Kind.PHONE_NUMBER, expected, Source.PATTERN, None)]
    assert found[0].confidence == 0.85


@pytest.mark.parametrize(
    "field",
    [
        # Keys that name some other number.
        fld("order_id", "+49 151 12345678"),
        fld("orderNo", "0086-15920348716"),
        fld("txn_no", "0086-15920348716"),
        fld("invoice", "+4915112345678"),
        fld("seq", "+4915112345678"),
        fld("promo_code", "+4915112345678"),
        fld("serial", "+4915112345678"),
        # Not international, not valid, or too short.
        fld("x", "015112345678"),  # national form: needs a phone key
        fld("x", "+1 111 111 1111"),
        fld("x", "0049 151"),
        fld("x", "00000000000"),
        fld("x", "+49 151 1234567890123456"),
        fld("x", "+49-151-1234abcd"),
    ],
)
def test_unkeyed_international_number_negative(field: Field) -> None:
    assert detect_phone_number(field) == []


# -- regions from country and locale fields -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("country", "de", "DE"),
        ("countrycode", "US", "US"),
        ("region", "GB", "GB"),
        ("simcountryiso", " cn ", "CN"),
        ("locale", "en_US", "US"),
        ("lang", "de-DE", "DE"),
        ("userlocale", "pt_BR", "BR"),
        ("acceptlanguage", "zh-CN,zh;q=0.9,en;q=0.8", "CN"),
        ("language", "fil-PH", "PH"),  # three-letter language
        # Near misses.
        ("country", "DEU", None),  # alpha-3
        ("country", "Germany", None),
        ("cc", "86", None),  # a calling code
        ("language", "en", None),  # a language alone names no country
        ("locale", "english_US", None),
        ("name", "en_US", None),  # not a locale key
        ("title", "DE", None),
    ],
)
def test_region_of(key: str, value: str, expected: str | None) -> None:
    assert region_of(key, value) == expected


@pytest.mark.parametrize(
    ("siblings", "expected", "confidence"),
    [
        ({"country": "DE"}, "+4915112345678", 0.95),
        ({"locale": "de_DE"}, "+4915112345678", 0.95),
        ({"sim_country_iso": "de"}, "+4915112345678", 0.95),
        # No usable country: the digits as sent, at lower confidence.
        ({"country": "Germany"}, "015112345678", 0.6),
        ({"country": "US"}, "015112345678", 0.6),  # not a valid US number
        ({}, "015112345678", 0.6),
    ],
)
def test_national_number_with_a_country_sibling(
    siblings: dict[str, str], expected: str, confidence: float
) -> None:
    field = fld("phone", "015112345678", siblings={"phone": "015112345678", **siblings})
    found = detect_phone_number(field)
    assert essentials(found) == [(Kind.PHONE_NUMBER, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


def test_an_address_needs_a_real_domain() -> None:
    # Counters in a cookie (`effcl@0.totcl`, `0.clicks@0.scroll`) look like addresses and are not.
    assert detect_email(fld("_dyrc", "effcl@0.totcl|0.clicks@0.scroll")) == []
    assert [f.value for f in detect_email(fld("u", "li.wei@163.com"))] == ["li.wei@163.com"]
