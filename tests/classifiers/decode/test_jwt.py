"""classifiers.jwt: the claims of JWS compact tokens, and nothing from dotted strings that are not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from collections.abc import Callable

import pytest
from phonehome.classifiers.decode.jwt import jwt_payload

CLAIMS = {"sub": "861234567890127", "email": "alice@example.com", "iat": 1714564800, "aud": ["sdk"]}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def part(obj: object) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def hs256(claims: object, key: bytes = b"secret") -> str:
    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    return f"{signing_input}.{b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def rs256(claims: object) -> str:
    # A 2048-bit RSA signature is 256 bytes; its content does not matter to a reader.
    signature = random.Random(1).randbytes(256)
    header = {"alg": "RS256", "kid": "a1b2c3", "typ": "JWT"}
    return f"{part(header)}.{part(claims)}.{b64url(signature)}"


# -- positives ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [hs256, rs256])
def test_signed_tokens(make: Callable[[object], str]) -> None:
    assert jwt_payload(make(CLAIMS)) == CLAIMS


def test_bearer_prefix_and_whitespace() -> None:
    token = hs256(CLAIMS)
    assert jwt_payload(f"Bearer {token}") == CLAIMS
    assert jwt_payload(f"  bearer   {token}\n") == CLAIMS


def test_unsecured_token_has_an_empty_signature() -> None:
    assert jwt_payload(f"{part({'alg': 'none'})}.{part(CLAIMS)}.") == CLAIMS


def test_padded_parts_and_unicode_claims() -> None:
    claims = {"name": "Zoë 北京", "n": 1}
    padded = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode()
    assert jwt_payload(f"{part({'alg': 'HS256'})}.{padded}.c2ln") == claims


def test_list_payload() -> None:
    assert jwt_payload(hs256([1, "two"])) == [1, "two"]


def test_signature_is_not_checked() -> None:
    good = hs256(CLAIMS)
    assert jwt_payload(good[:-4] + "AAAA") == CLAIMS


# -- negatives ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Bearer ",
        f"{part({'alg': 'HS256'})}.{part(CLAIMS)}",  # two parts
        f"{part({'alg': 'HS256'})}.{part(CLAIMS)}.sig.extra",  # four parts (not JWE either)
        "1.2.3",
        "10.0.2.15",
        "api.example.com",
        "www.googleapis.com",
        "com.example.app",
        "aGVsbG8gd29ybGQ.aGVsbG8gd29ybGQ.aGVsbG8",  # base64, but not JSON
        f"{part({'typ': 'JWT'})}.{part(CLAIMS)}.c2ln",  # header without alg
        f"{part({'alg': 5})}.{part(CLAIMS)}.c2ln",  # alg not a string
        f"{part(['alg'])}.{part(CLAIMS)}.c2ln",  # header not an object
        f"{part({'alg': 'HS256'})}.{part('just a string')}.c2ln",  # payload not an object or list
        f"{part({'alg': 'HS256'})}.{part(CLAIMS)}.c2l+",  # "+" is not base64url
        f"{part({'alg': 'HS256'})}.{b64url(b'{not json')}.c2ln",
        f"{part({'alg': 'HS256'})}.{b64url(bytes([0xFF, 0xFE]))}.c2ln",  # not UTF-8
        f"{part({'alg': 'HS256'})}..c2ln",  # empty payload
        f"{part({'alg': 'HS256'})}.A.c2ln",  # impossible base64 length
        f"{part({'alg': 'HS256'})}.{b64url(b'[' * 100000)}.c2ln",  # deep nesting
    ],
)
def test_not_a_jwt(value: str) -> None:
    assert jwt_payload(value) is None


def test_random_dotted_strings_never_raise() -> None:
    rng = random.Random(1)
    alphabet = "ABCxyz019-_=.+/ eyJ{}\"'"
    for _ in range(5000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert jwt_payload(value) is None or isinstance(jwt_payload(value), dict | list)
