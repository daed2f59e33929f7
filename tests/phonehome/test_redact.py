"""phonehome.redact: what shareable outputs show of personal values."""

from __future__ import annotations

import pytest

from phonehome.redact import Redactor, mask, redact_findings, redact_value


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("861234567890127", "86*********0127"),
        ("abcdef", "ab***f"),
        ("abcd", "****"),
        ("", ""),
        ("38400000-8cf0-11bd-b23e-10b96e40000d", "38******************************000d"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked
    assert len(mask(text)) == len(text)


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("imei", "861234567890127", "86*********0127"),
        ("email", "alice@example.com", "a****@*******.com"),
        ("phone_number", "+8613812345678", "+8********5678"),
        ("coordinates", "52.520008,13.404954", "52.52,13.40"),
        ("coordinates", "-33.8688,151.2093", "-33.87,151.21"),
        ("visited_url", "https://elpais.com/politica/2026-11-20/x.html?id=1", "https://elpais.com/…"),
        ("search_query", "abortion clinic near me", "a**********************"),
        ("wifi_network", "HomeNet-5G", "H*********"),
        ("wifi_network", "a4:50:46:12:34:56", "a4***********4:56"),
        ("device_model", "Redmi Note 8 Pro", "Redmi Note 8 Pro"),
        ("installed_apps", "com.a,com.b", "com.a,com.b"),
    ],
)
def test_redact_value(kind: str, value: str, shown: str) -> None:
    assert redact_value(kind, value) == shown


def test_free_text_and_urls_are_masked() -> None:
    r = Redactor(
        [("imei", "861234567890127"), ("email", "alice@example.com"), ("coordinates", "52.520008,13.404954")]
    )
    url = r.url(
        "https://t.example/v1/861234567890127/x?e=alice%40example.com&lat=52.520008&lon=13.404954"
        "&gaid=38400000-8cf0-11bd-b23e-10b96e40000d&lang=en&n=3"
    )
    for secret in (
        "861234567890127",
        "alice",
        "52.520008",
        "13.404954",
        "38400000-8cf0-11bd-b23e-10b96e40000d",
    ):
        assert secret not in url
    assert "lang=en" in url and "n=3" in url and url.startswith("https://t.example/v1/")
    assert (
        r.text("uid=861234567890127 MAIL ALICE@EXAMPLE.COM") == "uid=86*********0127 MAIL a****@*******.com"
    )


def test_phone_numbers_are_masked_without_their_country_code() -> None:
    r = Redactor([("phone_number", "+8613812345678")])
    assert "13812345678" not in r.text("tel=13812345678")


def test_reveal_masks_nothing() -> None:
    r = Redactor([("imei", "861234567890127")], reveal=True)
    assert r.url("https://x.example/?imei=861234567890127") == "https://x.example/?imei=861234567890127"
    assert r.value("imei", "861234567890127") == "861234567890127"


def test_redact_findings_rows() -> None:
    rows = [
        {
            "kind": "imei",
            "value": "861234567890127",
            "url": "https://x.example/?i=861234567890127",
            "path": "i",
        }
    ]
    (out,) = redact_findings(rows)
    assert out["value"] == "86*********0127" and "861234567890127" not in out["url"]


def test_values_nested_in_encoded_urls_are_masked() -> None:
    r = Redactor([("email", "sam.rivera@example.com")])
    url = r.url(
        "https://accounts.example/signin?continue=https%3A%2F%2Faccounts.example%2Fsignin%3F"
        "login_hint%3Dsam.rivera%2540example.com%26locale%3Den_US&region=US"
    )
    assert (
        "sam.rivera" not in url and "region=US" in url and url.startswith("https://accounts.example/signin?")
    )


def test_a_url_python_refuses_is_still_masked() -> None:
    from phonehome.redact import Redactor, redact_value

    masked = Redactor().url("http://a]b/x?imei=861234567890127")
    assert masked.startswith("http://a]b/x?imei=") and "861234567890127" not in masked
    assert redact_value("visited_url", "http://a]b/private/page") == "http://a]b/…"


# -- passwords: hidden in every output, --reveal included ---------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a=1&password=hunter2&b=2", "a=1&password=********&b=2"),
        ('{"user":"a","password": "hunter 2"}', '{"user":"a","password": "********"}'),
        ('{"passwd":"a,b\\" c"}', '{"passwd":"********"}'),
        ("session%5Bpassword%5D=abc%21x&y=1", "session%5Bpassword%5D=********&y=1"),
        ("loginPassword=xyz", "loginPassword=********"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [redacted]"),
        ("passport=X123&bypass=1", "passport=X123&bypass=1"),  # not passwords
    ],
)
def test_hide_passwords(text: str, shown: str) -> None:
    from phonehome.redact import hide_passwords

    assert hide_passwords(text) == shown


def test_reveal_still_hides_passwords() -> None:
    from phonehome.redact import Redactor

    r = Redactor(reveal=True)
    assert (
        r.url("https://x.example/login?user=a&password=hunter2")
        == "https://x.example/login?user=a&password=********"
    )
    assert "hunter2" not in r.text('{"password":"hunter2"}')


# -- many known values: looked up by the text's own substrings, with the same result ------------------


def _every_form_in_turn(r: Redactor, text: str) -> str:
    """The rule as written: every known form, longest first, replaced wherever the text still holds it."""
    from phonehome.redact import hide_passwords

    text = hide_passwords(text)
    for raw in sorted(r._values, key=len, reverse=True):
        if raw in text:
            text = text.replace(raw, r._values[raw])
    return text


def test_masking_with_many_values_replaces_as_testing_every_value_does() -> None:
    import random

    rnd = random.Random(13)
    kinds = ("imei", "email", "advertising_id", "coordinates", "phone_number", "wifi_network", "device_id")
    # A small alphabet, so forms overlap, nest and reappear after a replacement.
    pairs = [(rnd.choice(kinds), "".join(rnd.choice("ab1234.:@-") for _ in range(rnd.randint(3, 14))))
             for _ in range(300)]  # fmt: skip
    r = Redactor(pairs)
    for _ in range(3000):
        text = "".join(
            rnd.choice(pairs)[1]
            if rnd.random() < 0.5
            else "".join(rnd.choice("ab1234.:@-/?=&") for _ in range(5))
            for _ in range(rnd.randint(0, 6))
        )
        assert r.text(text) == _every_form_in_turn(r, text), text
        assert r.text(text) == _every_form_in_turn(r, text)  # remembered, the same


def test_a_value_added_later_is_masked_in_text_seen_before() -> None:
    r = Redactor([("imei", "861234567890127")])
    text = "id=861234567890127&mail=alice@example.com"
    assert "alice@example.com" in r.text(text)
    r.add("email", "alice@example.com")
    assert "alice@example.com" not in r.text(text) and "861234567890127" not in r.text(text)


def test_forms_sharing_their_first_characters_are_each_found() -> None:
    """Many known values begin alike (every visited page's `https://...`, in each encoding), in many
    lengths, one ending where the text ends: each is found and masked as testing every value finds."""
    pages = [f"https://news{i % 7}.example/article/{i}" for i in range(60)]
    ids = [f"did-{i:04d}" + "x" * (i % 5) for i in range(40)]
    r = Redactor([("visited_url", p) for p in pages] + [("device_id", d) for d in ids])
    texts = [f"u={p}&id={d}" for p, d in zip(pages, ids, strict=False)] + [
        f"{pages[3]}{pages[4]}", f"seen {pages[59]}", "prefix did-0012xx", "https://news1.example/", ids[7][:-1],
    ]  # fmt: skip
    for text in texts:
        assert r.text(text) == _every_form_in_turn(r, text), text
