"""classifiers.decode.base64: base64 and base64url values decoded, hex strings left alone."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, at, only, rows


def test_base64_query_value() -> None:
    token = base64.b64encode(json.dumps({"email": "alice@example.com", "n": 1}).encode()).decode()
    assert "+" not in token and "/" not in token  # stays the same through the query string
    d = decode(exchange(url=f"https://h.example.com/?t={token}"))
    f = only(d, "t.email", "alice@example.com")
    assert (f.where, f.key, f.encodings) == (Where.QUERY, "email", ("base64", "json"))


def test_base64url_value_without_padding() -> None:
    raw = json.dumps({"email": "alice@example.com", "k": "??>>~~"}).encode()
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert "_" in token or "-" in token
    d = decode(exchange(body=json.dumps({"t": token}).encode()))
    assert only(d, "t.email", "alice@example.com").encodings == ("json", "base64url", "json")


def test_base64_text_that_is_not_text_is_not_emitted() -> None:
    blob = base64.b64encode(bytes(range(0, 256, 7))).decode()
    d = decode(exchange(url=f"https://h.example.com/?b={quote(blob, safe='')}"))
    assert rows(d) == [(Where.QUERY, "b", "b", blob, ())]


def test_base64_body_with_padding() -> None:
    body = base64.b64encode(b'{"imei":"%s"}' % IMEI.encode())
    assert body.endswith(b"=")
    d = decode(exchange(body=body))
    assert only(d, "imei", IMEI).encodings == ("base64", "json")


# Each 4-character group of these decodes, as base64, to 3 printable bytes (`a000` -> `kM4`).
HEX_LOOKS_LIKE_BASE64 = "a000a001a002a003a004a005a006a007"
# Dashed hex that decodes, as base64url, to printable bytes (`a00-` -> `kM>`).
DASHED_HEX_LOOKS_LIKE_BASE64URL = "a00-a01-a04-a05-a08-a09-"


@pytest.mark.parametrize(
    "value",
    [
        HEX_LOOKS_LIKE_BASE64,
        HEX_LOOKS_LIKE_BASE64.upper(),
        "0eaed834a1e6f4b2bf0c024e0013dea1",
        "1234567890123456",
        "38400000-8cf0-11bd-b23e-10b96e40000d",  # a UUID (here an advertising ID)
        "38400000-8CF0-11BD-B23E-10B96E40000D",
        DASHED_HEX_LOOKS_LIKE_BASE64URL,
    ],
)
def test_hex_strings_dashed_or_not_are_not_base64_decoded(value: str) -> None:
    d = decode(exchange(body=json.dumps({"d": value}).encode()))
    assert rows(d) == [(Where.BODY, "d", "d", value, ("json",))]


def test_the_hex_fixtures_would_decode_as_base64_text() -> None:
    assert base64.b64decode(HEX_LOOKS_LIKE_BASE64) == b"kM4kM5kM6kM7kM8kM9kM:kM;"
    assert base64.urlsafe_b64decode(DASHED_HEX_LOOKS_LIKE_BASE64URL) == b"kM>kM~kN>kN~kO>kO~"


def test_one_letter_beyond_hex_makes_it_base64_again() -> None:
    value = HEX_LOOKS_LIKE_BASE64[:-1] + "g"
    d = decode(exchange(body=json.dumps({"d": value}).encode()))
    assert [(f.value, f.encodings) for f in at(d, "d")] == [
        (value, ("json",)),
        ("kM4kM5kM6kM7kM8kM9kM:kM", ("json", "base64")),  # the trailing space is stripped
    ]
