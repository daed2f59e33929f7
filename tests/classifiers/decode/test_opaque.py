"""classifiers.decode.opaque: encrypted-looking values are noted, never guessed at."""

from __future__ import annotations

import base64
import random
from urllib.parse import urlencode

import pytest
from phonehome.classifiers.decode.opaque import looks_random
from phonehome.classifiers.decode.request import decode

from tests.classifiers._helpers import exchange


def test_encrypted_looking_base64_is_noted_not_guessed() -> None:
    rng = random.Random(3)
    blob = bytes(rng.getrandbits(8) for _ in range(300))
    body = urlencode({
        "data": base64.b64encode(blob).decode(),
        "sig": base64.b64encode(blob[:32]).decode(),  # short: a signature or token, not a payload
        "zeros": base64.b64encode(bytes(300)).decode(),  # long but structured: not ciphertext
    }).encode()  # fmt: skip
    notes = decode(
        exchange(headers=(("Content-Type", "application/x-www-form-urlencoded"),), body=body)
    ).notes
    assert notes == ["undecoded: opaque 300-byte value at body:data (encrypted, or an unknown format)"]


@pytest.mark.parametrize(
    "raw", [random.Random(3).randbytes(300), random.Random(5).randbytes(48), bytes(range(256))]
)
def test_looks_random(raw: bytes) -> None:
    assert looks_random(raw)


@pytest.mark.parametrize(
    "raw",
    [
        bytes(300),  # zeros
        b"imei=490154203237518&model=Pixel+7&" * 10,  # text
        bytes(range(64)) * 5,  # structured: few distinct bytes for its length
    ],
)
def test_structured_bytes_do_not_look_random(raw: bytes) -> None:
    assert not looks_random(raw)
