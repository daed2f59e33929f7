"""classifiers.contact: email addresses and phone numbers."""

from __future__ import annotations

import pytest

from classifiers.contact import detect_email, detect_phone_number
from classifiers.model import Field, Kind, Source, Where
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
