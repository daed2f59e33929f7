"""The decoder as a whole against hostile exchanges: random bytes under every content type it
dispatches on, truncated and mutated valid bodies, deep nesting, bombs, lone surrogates and absurd
lengths.  Properties: `decode` returns (never raises, never notes an error of its own), within a
generous multiple of its time budget, with at most `max_fields` fields, none longer than
`max_value_chars`, and a bounded number of notes.

The hypothesis profile comes from tests/conftest.py: `ci` (200 derandomized cases per test) by
default, `HYPOTHESIS_PROFILE=fuzz` for a long local search; the heavy tests run a tenth of that.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
import zlib
from functools import cache
from typing import Any
from urllib.parse import quote

import brotli
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonehome.classifiers.decode.limits import Decoded, Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI

# Not a timing test: a case that takes ten times its budget on a loaded machine still passes; one
# that is unbounded (seconds per megabyte, or quadratic) does not.
SLOW = 5.0
HEAVY = settings(
    max_examples=max(10, settings().max_examples // 10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- building blocks ------------------------------------------------------------------------------


def up_to(top: int) -> st.SearchStrategy[int]:
    """0..top, with top itself drawn often: the heavy tests must reach their extremes every run."""
    return st.just(top) | st.integers(0, top)


SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff", "\udc80"])
FRAGMENTS = st.sampled_from(
    ["{", "}", "[", "]", '"', ":", ",", "\\", "\\u", "\\ud800", "%", "%25", "%2", "%E2%82", "%ac", "=",
     "&", ";", "+", "eyJ", ".", "eyJhbGciOiJub25lIn0", "QUFBQUFBQUFBQUFBQUFB", "==", "-", "_", "null",
     "1e999", "-0", " ", "\n", "\r\n", "\t", "\x00", "\x7f", "é", "€", "\ufffd", "http://", "--b",
     "imei", IMEI, "(", "\u2028"]
)  # fmt: skip
TEXT = st.lists(st.one_of(FRAGMENTS, SURROGATES, st.text(max_size=6)), max_size=24).map("".join)


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


PROTOBUF = st.recursive(
    st.builds(
        pb_field, st.integers(1, 40), st.integers(0, 2**64 - 1) | st.binary(max_size=12) | TEXT.map(utf8)
    ),
    lambda inner: st.builds(pb_field, st.integers(1, 40), st.lists(inner, max_size=4).map(b"".join)),
    max_leaves=20,
).map(bytes)
BOUNDARY = st.text(alphabet="abcXYZ019'()+_,-./:=? ", min_size=0, max_size=12)


@st.composite
def multipart(draw: st.DrawFn) -> tuple[bytes, str]:
    boundary = draw(BOUNDARY)
    nl = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    body = draw(st.binary(max_size=20))
    for _ in range(draw(st.integers(0, 5))):
        heads = draw(st.lists(st.sampled_from([
            f'Content-Disposition: form-data; name="{draw(TEXT)}"', "Content-Transfer-Encoding: base64",
            "Content-Transfer-Encoding: quoted-printable", "Content-Type: application/json",
            "Content-Type: multipart/mixed; boundary=" + boundary, " folded", "From x", draw(TEXT),
        ]), max_size=4))  # fmt: skip
        body += nl + b"--" + utf8(boundary) + nl + b"".join(utf8(h) + nl for h in heads) + nl
        body += draw(st.binary(max_size=30) | TREES.map(lambda t: utf8(json.dumps(t))))
    if draw(st.booleans()):
        body += nl + b"--" + utf8(boundary) + b"--" + nl
    return body, f"multipart/form-data; boundary={boundary}"


def grpc(messages: list[bytes]) -> bytes:
    return b"".join(b"\x00" + len(m).to_bytes(4, "big") + m for m in messages)


def compress(codec: str, data: bytes) -> bytes:
    if codec == "gzip":
        return gzip.compress(data, mtime=0)
    if codec == "deflate":
        return zlib.compress(data)
    if codec == "raw":
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return c.compress(data) + c.flush()
    if codec == "br":
        return brotli.compress(data, quality=1)
    return zstandard.ZstdCompressor().compress(data)


CODECS = ["gzip", "deflate", "raw", "br", "zstd"]
MEDIA_TYPES = st.sampled_from(
    ["", "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
     "multipart/form-data", "multipart/mixed; boundary=", "application/x-protobuf", "application/grpc",
     "application/grpc+proto", "text/plain", "application/octet-stream", "application/x-ndjson"]
)  # fmt: skip
# A media type the decoder dispatches on, often with hostile parameters after it (surrogates,
# nested comments, quotes, another boundary), or any text at all.
CONTENT_TYPES = MEDIA_TYPES | st.builds(str.__add__, MEDIA_TYPES, TEXT) | TEXT
CODINGS = (
    st.sampled_from(["", "gzip", "deflate", "br", "zstd", "identity", "gzip, br", "x-gzip", "compress"])
    | TEXT
)

# (body, the content type that fits it)
VALID_BODIES = st.one_of(
    TREES.map(lambda t: (utf8(json.dumps(t, ensure_ascii=False)), "application/json")),
    st.lists(st.tuples(TEXT, TEXT), max_size=6).map(
        lambda kv: (utf8("&".join(f"{quote(k, errors='surrogatepass')}={v}" for k, v in kv)), "")
    ),
    st.lists(TREES, max_size=5).map(lambda ts: (utf8("\n".join(json.dumps(t) for t in ts)), "")),
    multipart(),
    PROTOBUF.map(lambda p: (p, "application/x-protobuf")),
    st.lists(PROTOBUF, max_size=3).map(lambda ps: (grpc(ps), "application/grpc")),
    TEXT.map(lambda t: (utf8(t), "text/plain")),
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    body, ctype = draw(VALID_BODIES | st.tuples(st.binary(max_size=400), CONTENT_TYPES))
    for _ in range(draw(st.integers(0, 2))):  # wrapped: base64 into JSON, compressed, percent-encoded
        layer = draw(st.sampled_from(["b64json", "compress", "percent", "none"]))
        if layer == "b64json":
            body = utf8(json.dumps({"d": base64.b64encode(body).decode()}))
        elif layer == "compress":
            body = compress(draw(st.sampled_from(CODECS)), body)
        elif layer == "percent":
            body = b"d=" + quote(body).encode()
    if body and draw(st.booleans()):  # truncated
        body = body[: draw(st.integers(0, len(body) - 1))]
    if body and draw(st.integers(0, 4)) == 0:  # a few bytes changed
        mutated = bytearray(body)
        for _ in range(draw(st.integers(1, 3))):
            mutated[draw(st.integers(0, len(body) - 1))] = draw(st.integers(0, 255))
        body = bytes(mutated)
    return body, ctype


@st.composite
def exchanges(draw: st.DrawFn, body_strategy: st.SearchStrategy[tuple[bytes, str]] | None = None) -> Exchange:
    body, ctype = draw(body_strategy if body_strategy is not None else bodies())
    ctype = draw(st.just(ctype) | CONTENT_TYPES)
    headers = [("Content-Type", ctype)] if ctype else []
    coding = draw(CODINGS)
    if coding:
        headers.append(("Content-Encoding", coding))
    headers += draw(
        st.lists(st.tuples(TEXT | st.sampled_from(["Cookie", "Authorization", "X-Data"]), TEXT), max_size=4)
    )
    host = draw(st.sampled_from(["h.example.com", "a]b", "[::1]:8", "", "x@y:z"]) | TEXT)
    path = "/".join(draw(st.lists(TEXT, max_size=4)))
    url = f"{draw(st.sampled_from(['https', 'http', '']))}://{host}/{path}?{draw(TEXT)}#{draw(TEXT)}"
    return exchange(url=url, headers=tuple(headers), body=body)


SMALL_LIMITS = st.builds(
    Limits,
    max_depth=st.integers(0, 12),
    max_fields=st.integers(0, 60),
    max_decompressed=st.integers(0, 100_000),
    max_value_chars=st.integers(0, 50),
    time_budget=st.sampled_from([0.0, 0.01, 0.5]),
    max_parts=st.integers(0, 5),
    max_headers=st.integers(0, 5),
    max_body=st.integers(0, 2000),
    max_json_items=st.integers(0, 30),
    max_notes=st.integers(0, 4),
)


def check(ex: Exchange, limits: Limits | None = None) -> Decoded:
    """Decode `ex` and assert every property; the Decoded for further checks."""
    limits = limits or Limits()
    start = time.perf_counter()
    decoded = decode(ex, limits)
    elapsed = time.perf_counter() - start
    assert elapsed < SLOW, f"{elapsed:.1f}s"
    assert len(decoded.fields) <= limits.max_fields
    assert all(len(f.value) <= limits.max_value_chars for f in decoded.fields)
    assert len(decoded.notes) <= limits.max_notes + 2, decoded.notes
    assert not [n for n in decoded.notes if n.startswith(("decoder error", "limit: recursion"))], (
        decoded.notes
    )
    return decoded


# -- small and many ---------------------------------------------------------------------------------


@given(exchanges())
def test_hostile_exchanges(ex: Exchange) -> None:
    check(ex)


@given(exchanges(), SMALL_LIMITS)
def test_hostile_exchanges_under_small_limits(ex: Exchange, limits: Limits) -> None:
    check(ex, limits)


@given(st.binary(max_size=2000), CONTENT_TYPES, CODINGS)
def test_random_bytes_under_every_content_type(body: bytes, ctype: str, coding: str) -> None:
    check(exchange(headers=(("Content-Type", ctype), ("Content-Encoding", coding)), body=body))


# -- deep, huge and explosive: fewer cases, each big ------------------------------------------------

_OPENERS = ["[", '{"a":', '{"a":[', "[[{}, "]
_CLOSERS = {"[": "]", '{"a":': "}", '{"a":[': "]}", "[[{}, ": "]]"}


@st.composite
def deep(draw: st.DrawFn) -> tuple[bytes, str]:
    """Nesting up to 100,000 levels deep of JSON, JSON in strings, base64, percent escapes, protobuf,
    gzip or multipart, with a value beside it that must not be lost."""
    kind = draw(
        st.sampled_from(["json", "json-in-string", "base64", "percent", "protobuf", "gzip", "multipart"])
    )
    levels = max(1, draw(up_to(100_000 if kind in ("json", "protobuf") else 300)))
    if kind == "json":
        opener = draw(st.sampled_from(_OPENERS))
        inner = opener * levels + "1" + _CLOSERS[opener] * levels
        closed = draw(st.booleans())
        return utf8(f'{{"imei": "{IMEI}", "x": {inner if closed else inner[: len(inner) // 2]}}}'), ""
    if kind == "json-in-string":
        value: Any = IMEI
        for _ in range(min(levels, 24)):  # escaping doubles the size per level
            value = json.dumps({"a": value})
        return utf8(value), "application/json"
    if kind == "base64":
        data = IMEI.encode()
        for _ in range(min(levels, 40)):
            data = base64.b64encode(data)
        return b"d=" + data, ""
    if kind == "percent":
        text = IMEI
        for _ in range(min(levels, 40)):
            text = quote(text, safe="")
        return utf8("d=" + text), ""
    if kind == "protobuf":
        data = pb_field(1, 1)
        for _ in range(min(levels, 3000)):
            data = pb_field(1, data)
        return data, "application/x-protobuf"
    if kind == "gzip":
        data = IMEI.encode()
        for _ in range(min(levels, 50)):
            data = gzip.compress(data, mtime=0)
        return data, ""
    body, ctype = b"", "multipart/mixed; boundary=b0"
    for i in range(min(levels, 60)):
        body = f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode() + body
        body += f"\r\n--b{i}--\r\n".encode()
    return body, ctype


@cache
def _bombs() -> list[tuple[bytes, str]]:
    """Small compressed inputs that expand hugely: 64 MB of zeros, of `[`, of a JSON string."""
    sources = [b"\0" * (64 << 20), b"[" * (64 << 20), b'{"a": "' + b"x" * (64 << 20) + b'"}']
    return [(compress(codec, data), codec) for data in sources for codec in ("gzip", "br", "zstd")]


@st.composite
def bombs(draw: st.DrawFn) -> tuple[bytes, str]:
    data, codec = draw(st.sampled_from(_bombs()))
    wrap = draw(st.sampled_from(["body", "header", "base64-in-json", "many-in-protobuf"]))
    if wrap == "base64-in-json":
        return utf8(json.dumps({"d": base64.b64encode(data).decode()})), "application/json"
    if wrap == "many-in-protobuf":  # the same bomb in many fields: the inflate budget is per exchange
        return b"".join(pb_field(i % 30 + 1, data) for i in range(draw(st.integers(1, 200)))), ""
    return data, ""


ABSURD = st.tuples(
    st.sampled_from(["a", "%41", "%E2%82%AC", "&", "a=1&", ";", "[", "[]", "{}", "[1,", '"\\u00e9', "\\",
                     "eyJ", "QUFB", "\ud800", "/", "--b\r\n", "\n", "{}\n", "=", " "]),
    up_to(3_000_000),
).map(lambda t: t[0] * (t[1] // len(t[0])))  # fmt: skip


@st.composite
def absurd(draw: st.DrawFn) -> Exchange:
    """Megabytes of one fragment in the body, a header, a cookie, the path or the query; or 100,000 headers."""
    text = draw(ABSURD)
    where = draw(
        st.sampled_from(["body", "json", "header", "cookie", "path", "query", "headers", "multipart"])
    )
    ctype = draw(CONTENT_TYPES)
    if where == "multipart":  # as many parts as the fragments make
        parts = "--b\r\n\r\n" + text.replace("--b\r\n", "\r\n--b\r\n\r\nv")
        return exchange(headers=(("Content-Type", "multipart/form-data; boundary=b"),), body=utf8(parts))
    if where == "body":
        return exchange(headers=(("Content-Type", ctype),), body=utf8(text))
    if where == "json":
        return exchange(headers=(("Content-Type", ctype),), body=utf8(json.dumps({"a": text, "imei": IMEI})))
    if where in ("header", "cookie"):
        return exchange(headers=(("Cookie" if where == "cookie" else "X-Data", text),))
    if where == "path":
        return exchange(url="https://h.example.com/" + text)
    if where == "query":
        return exchange(url="https://h.example.com/?" + text)
    return exchange(headers=tuple((f"x-{i}", text[:10]) for i in range(draw(up_to(100_000)))))


@HEAVY
@given(exchanges(deep()))
def test_deep_nesting(ex: Exchange) -> None:
    check(ex)


@HEAVY
@given(exchanges(bombs()))
def test_bombs(ex: Exchange) -> None:
    check(ex)


@HEAVY
@given(absurd())
def test_absurd_lengths(ex: Exchange) -> None:
    check(ex)


@HEAVY
@given(st.sampled_from(_OPENERS), up_to(100_000), st.booleans())
def test_deep_json_keeps_what_is_beside_it(opener: str, levels: int, content_type: bool) -> None:
    deep_value = opener * levels + "1" + _CLOSERS[opener] * levels
    body = utf8(f'{{"imei": "{IMEI}", "x": {deep_value}, "after": "a"}}')
    headers = (("Content-Type", "application/json"),) if content_type else ()
    # A loaded machine may spend the 0.5 s budget before the first field: this is about depth, not time.
    d = check(exchange(headers=headers, body=body), Limits(time_budget=60))
    assert [f.value for f in d.fields if f.path in ("imei", "after")] == [IMEI, "a"]


@HEAVY
@given(up_to(100_000), st.sampled_from([b"\r\n", b"\n"]))
def test_many_parts_keep_the_first(parts: int, nl: bytes) -> None:
    part = b"--b" + nl + b'Content-Disposition: form-data; name="p"' + nl + nl + b"v" + nl
    body = part.replace(b"v", IMEI.encode()) + part * parts + b"--b--"
    d = check(exchange(headers=(("Content-Type", "multipart/form-data; boundary=b"),), body=body))
    assert d.fields[0].value == IMEI
