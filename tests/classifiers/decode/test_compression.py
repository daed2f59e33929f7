"""classifiers.decode.compression: every codec peeled, raw deflate and brotli found, bombs capped."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable
from urllib.parse import quote

import brotli
import pytest
import zstandard
from phonehome.classifiers.decode.limits import Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, PAYLOAD, at, only, rows


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize(
    ("coding", "body", "encodings"),
    [
        ("gzip", gzip.compress(PAYLOAD), ("gzip", "json")),
        ("x-gzip", gzip.compress(PAYLOAD), ("gzip", "json")),
        (None, gzip.compress(PAYLOAD), ("gzip", "json")),  # sniffed from the magic bytes
        ("deflate", zlib.compress(PAYLOAD), ("deflate", "json")),  # zlib-wrapped, as RFC 9110 says
        ("deflate", _raw_deflate(PAYLOAD), ("deflate", "json")),  # raw, as some clients send
        (None, zlib.compress(PAYLOAD), ("zlib", "json")),
        ("br", brotli.compress(PAYLOAD), ("br", "json")),
        ("zstd", zstandard.ZstdCompressor().compress(PAYLOAD), ("zstd", "json")),
        (None, zstandard.ZstdCompressor().compress(PAYLOAD), ("zstd", "json")),
        ("identity", PAYLOAD, ("json",)),
        ("gzip, br", brotli.compress(gzip.compress(PAYLOAD)), ("br", "gzip", "json")),  # last applied first
    ],
)
def test_compressed_body(coding: str | None, body: bytes, encodings: tuple[str, ...]) -> None:
    headers = (("Content-Encoding", coding),) if coding else ()
    d = decode(exchange(headers=headers, body=body))
    assert rows(d) == [(Where.BODY, "imei", "imei", IMEI, encodings)]
    assert d.notes == []


@pytest.mark.parametrize(
    "body",
    [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!garbage!", b"imei=" + IMEI.encode()],
    ids=["broken-gzip", "not-gzip-at-all"],
)
def test_corrupt_gzip_with_content_encoding(body: bytes) -> None:
    d = decode(exchange(headers=(("Content-Encoding", "gzip"),), body=body))
    assert d.notes[0] == "undecoded: gzip data at body is corrupt (error)"
    # The body is still looked at as sent: a client that lies about its encoding loses nothing.
    assert [f.value for f in d.fields] == ([] if body.startswith(b"\x1f\x8b") else [IMEI])


ZEROS = 50 * 1024 * 1024


CAP = 1024 * 1024


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    zeros = b"\0" * ZEROS
    return {
        "gzip": gzip.compress(zeros, compresslevel=9),
        "br": brotli.compress(zeros, quality=1),
        "zstd": zstandard.ZstdCompressor().compress(zeros),
    }


@pytest.fixture(scope="module")
def gzip_bomb(bombs: dict[str, bytes]) -> bytes:
    return bombs["gzip"]


def test_gzip_bomb_is_capped(gzip_bomb: bytes) -> None:
    d = decode(
        exchange(headers=(("Content-Encoding", "gzip"),), body=gzip_bomb), Limits(max_decompressed=CAP)
    )
    # The capped output (zeros) is binary, not text: noted as undecoded rather than kept as a value.
    assert d.notes == [f"limit: decompressed data over {CAP} bytes at body", "undecoded: binary body at body"]
    assert d.fields == []


def test_gzip_bomb_costs_little_memory(gzip_bomb: bytes) -> None:
    peak = _peak_memory(lambda: decode(exchange(body=gzip_bomb), Limits(max_decompressed=CAP)))
    assert peak < 4 * CAP


def _peak_memory(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_brotli_and_zstd_bombs_are_noted(coding: str, bombs: dict[str, bytes]) -> None:
    headers = (("Content-Encoding", coding),)
    d = decode(exchange(headers=headers, body=bombs[coding]), Limits(max_decompressed=CAP))
    assert d.notes == [f"limit: decompressed data over {CAP} bytes at body", "undecoded: binary body at body"]
    assert d.fields == []


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_brotli_and_zstd_bombs_cost_little_memory(coding: str, bombs: dict[str, bytes]) -> None:
    headers = (("Content-Encoding", coding),)
    peak = _peak_memory(
        lambda: decode(exchange(headers=headers, body=bombs[coding]), Limits(max_decompressed=CAP))
    )
    # Brotli before 1.2 cannot limit its output: one input byte may still expand to one copy
    # command (~16 MB at most), so the bound there is the cap plus that, whatever the bomb's size.
    bounded = "output_buffer_limit" in (brotli.Decompressor.process.__doc__ or "")
    assert peak < (4 * CAP if coding == "zstd" or bounded else CAP + 32 * 1024 * 1024)


INNER = json.dumps({"imei": IMEI, "model": "Pixel 7"}).encode()


@pytest.mark.parametrize(
    ("packed", "layer"),
    [(_raw_deflate(INNER), "deflate"), (brotli.compress(INNER), "br")],
    ids=["raw-deflate", "brotli"],
)
def test_base64_of_raw_deflate_and_brotli_is_decoded(packed: bytes, layer: str) -> None:
    token = base64.b64encode(packed).decode()
    d = decode(exchange(body=json.dumps({"d": token}).encode()))
    f = only(d, "d.imei", IMEI)
    assert (f.key, f.encodings) == ("imei", ("json", "base64", layer, "json"))
    assert only(d, "d.model", "Pixel 7").encodings == ("json", "base64", layer, "json")


def test_base64_of_brotli_text_is_emitted_as_text() -> None:
    token = base64.b64encode(brotli.compress(b"hello world, this is plain text")).decode()
    d = decode(exchange(url=f"https://h.example.com/?d={quote(token, safe='')}"))
    assert [(f.value, f.encodings) for f in at(d, "d")] == [
        (token, ()),
        ("hello world, this is plain text", ("base64", "br")),
    ]


def test_base64_of_compressed_binary_is_not_emitted() -> None:
    packed = _raw_deflate(bytes(range(256)) * 4)  # inflates, but to binary
    token = base64.b64encode(packed).decode()
    d = decode(exchange(body=json.dumps({"d": token}).encode()))
    assert rows(d) == [(Where.BODY, "d", "d", token, ("json",))]
