"""classifiers.decode.text: bytes that are not printable text are noted, not kept as a value."""

from __future__ import annotations

import random

import pytest
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.decode.text import printable

from tests.classifiers._helpers import exchange


def test_random_binary_body() -> None:
    body = random.Random(7).randbytes(4096)
    d = decode(exchange(headers=(("Content-Type", "application/octet-stream"),), body=body))
    assert d.notes == ["undecoded: binary body at body"]
    assert d.fields == []


@pytest.mark.parametrize(
    "text",
    ["hello", "a\tb\r\nc", "café", "日本語", "a" * 600 + "\x00"],  # only the first 512 characters are read
)
def test_printable(text: str) -> None:
    assert printable(text)


@pytest.mark.parametrize("text", ["", "a\x00b", "\x1b[31mred", "caf\ufffd"])  # last: a UTF-8 decoding error
def test_not_printable(text: str) -> None:
    assert not printable(text)
