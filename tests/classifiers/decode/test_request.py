"""classifiers.decode: every layer peeled, with the `where`, `path` and `encodings` it records.

Hostile input must end in a note, never an exception.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import tracemalloc
import zlib
from collections.abc import Callable
from urllib.parse import quote, urlencode

import brotli
import pytest
import zstandard
from phonehome.classifiers.decode.request import Decoded, Limits, decode
from phonehome.classifiers.model import Field, Where

from tests.classifiers._helpers import exchange

IMEI = "490154203237518"
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)
JSON_CT = (("Content-Type", "application/json"),)


def rows(decoded: Decoded) -> list[tuple[Where, str, str, str, tuple[str, ...]]]:
    return [(f.where, f.path, f.key, f.value, f.encodings) for f in decoded.fields]


def at(decoded: Decoded, path: str) -> list[Field]:
    return [f for f in decoded.fields if f.path == path]


def only(decoded: Decoded, path: str, value: str) -> Field:
    [found] = [f for f in decoded.fields if f.path == path and f.value == value]
    return found


# -- URL: path segments and query -----------------------------------------------------------------


def test_path_segments_key_is_previous_segment() -> None:
    d = decode(exchange(url=f"https://h.example.com/v1/device/{IMEI}/caf%C3%A9"))
    assert rows(d) == [
        (Where.PATH, "/0", "", "v1", ()),
        (Where.PATH, "/1", "v1", "device", ()),
        (Where.PATH, "/2", "device", IMEI, ()),
        (Where.PATH, "/3", IMEI, "café", ()),  # percent-decoded
    ]
    assert d.notes == []


def test_query_fields_with_siblings() -> None:
    d = decode(exchange(url="https://h.example.com/?lat=22.5431&lon=114.0579&Q=cheap+flights&empty="))
    assert rows(d) == [
        (Where.QUERY, "lat", "lat", "22.5431", ()),
        (Where.QUERY, "lon", "lon", "114.0579", ()),
        (Where.QUERY, "Q", "q", "cheap flights", ()),  # path keeps the case, key is lower-cased
        (Where.QUERY, "empty", "empty", "", ()),
    ]
    assert dict(d.fields[0].siblings or {}) == {
        "lat": "22.5431",
        "lon": "114.0579",
        "q": "cheap flights",
        "empty": "",
    }


# -- headers and cookies ------------------------------------------------------------------------


def test_boring_headers_skipped_cookie_split() -> None:
    headers = (
        ("Host", "h.example.com"),
        ("Accept-Encoding", "gzip"),
        ("Content-Type", "application/json"),
        ("Content-Length", "0"),
        ("Connection", "keep-alive"),
        ("User-Agent", "Dalvik/2.1.0"),
        ("X-Device-Imei", IMEI),
        ("Cookie", "sid=abc123; imei=" + IMEI),
    )
    d = decode(exchange(headers=headers))
    assert rows(d) == [
        (Where.HEADER, "user-agent", "user-agent", "Dalvik/2.1.0", ()),
        (Where.HEADER, "x-device-imei", "x-device-imei", IMEI, ()),
        (Where.COOKIE, "sid", "sid", "abc123", ()),
        (Where.COOKIE, "imei", "imei", IMEI, ()),
    ]


def test_cookie_that_simplecookie_rejects_is_split_by_hand() -> None:
    d = decode(exchange(headers=(("Cookie", "a=hello world; b=2"),)))
    assert rows(d) == [(Where.COOKIE, "a", "a", "hello world", ()), (Where.COOKIE, "b", "b", "2", ())]


def test_json_cookie_and_the_cookies_after_it_are_decoded() -> None:
    d = decode(exchange(headers=(("Cookie", 'uid=1; prefs={"email":"alice@example.com"}; imei=' + IMEI),)))
    assert only(d, "prefs.email", "alice@example.com").encodings == ("json",)
    assert at(d, "imei")[0].value == IMEI


def test_header_value_is_expanded() -> None:
    token = base64.b64encode(json.dumps({"imei": IMEI, "os": "android"}).encode()).decode()
    d = decode(exchange(headers=(("X-Ctx", token),)))
    f = only(d, "x-ctx.imei", IMEI)
    assert (f.where, f.key, f.encodings) == (Where.HEADER, "imei", ("base64", "json"))


# -- form and JSON bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("headers", [FORM, ()], ids=["content-type", "sniffed"])
def test_form_body(headers: tuple) -> None:
    d = decode(exchange(headers=headers, body=b"imei=" + IMEI.encode() + b"&email=alice%40example.com"))
    assert rows(d) == [
        (Where.BODY, "imei", "imei", IMEI, ("form",)),
        (Where.BODY, "email", "email", "alice@example.com", ("form",)),
    ]
    assert dict(d.fields[0].siblings or {}) == {"imei": IMEI, "email": "alice@example.com"}


def test_json_nested_objects_and_arrays() -> None:
    body = {"a": {"b": [{"c": "x", "d": 2, "e": True, "n": None}]}, "Top": 1.5}
    d = decode(exchange(headers=JSON_CT, body=json.dumps(body).encode()))
    assert rows(d) == [
        (Where.BODY, "a.b[0].c", "c", "x", ("json",)),
        (Where.BODY, "a.b[0].d", "d", "2", ("json",)),
        (Where.BODY, "a.b[0].e", "e", "true", ("json",)),  # null is skipped
        (Where.BODY, "Top", "top", "1.5", ("json",)),
    ]
    assert dict(d.fields[0].siblings or {}) == {"c": "x", "d": "2", "e": "true"}
    assert dict(d.fields[3].siblings or {}) == {"top": "1.5"}


def test_json_string_array_joined_as_list_field() -> None:
    body = {"apps": ["com.tencent.mm", "org.telegram.messenger", "com.whatsapp"], "mixed": ["a", 1]}
    d = decode(exchange(body=json.dumps(body).encode()))
    assert rows(d) == [
        (Where.BODY, "apps[0]", "apps", "com.tencent.mm", ("json",)),
        (Where.BODY, "apps[1]", "apps", "org.telegram.messenger", ("json",)),
        (Where.BODY, "apps[2]", "apps", "com.whatsapp", ("json",)),
        (Where.BODY, "apps", "apps", "com.tencent.mm,org.telegram.messenger,com.whatsapp", ("json", "list")),
        (Where.BODY, "mixed[0]", "mixed", "a", ("json",)),
        (Where.BODY, "mixed[1]", "mixed", "1", ("json",)),  # not all strings: no joined field
    ]
    # Array items see the scalars of the object holding the array (here: none).
    assert d.fields[0].siblings == {}


def test_array_items_inherit_the_holding_objects_scalars() -> None:
    d = decode(exchange(body=json.dumps({"hashes": ["ab" * 32, "cd" * 32], "country": "DE"}).encode()))
    item = next(f for f in d.fields if f.path == "hashes[0]")
    assert item.siblings == {"country": "DE"}


def test_json_inside_a_json_string() -> None:
    body = {"payload": json.dumps({"device": {"imei": IMEI}})}
    d = decode(exchange(body=json.dumps(body).encode()))
    f = only(d, "payload.device.imei", IMEI)
    assert (f.key, f.encodings) == ("imei", ("json", "json"))


def test_ndjson_lines() -> None:
    d = decode(exchange(body=b'{"a": "1"}\n\n{"b": {"c": "x"}}\n'))
    assert rows(d) == [
        (Where.BODY, "[0].a", "a", "1", ("ndjson",)),
        (Where.BODY, "[1].b.c", "c", "x", ("ndjson",)),
    ]


# -- encodings inside values ----------------------------------------------------------------------


def test_double_percent_encoded_value() -> None:
    d = decode(exchange(body=json.dumps({"e": quote(quote("alice@example.com"))}).encode()))
    assert [(f.value, f.encodings) for f in at(d, "e")] == [
        ("alice%2540example.com", ("json",)),
        ("alice%40example.com", ("json", "percent")),
        ("alice@example.com", ("json", "percent", "percent")),
    ]


def test_double_percent_encoded_query_value() -> None:
    d = decode(
        exchange(url="https://h.example.com/?u=" + quote(quote("alice@example.com", safe=""), safe=""))
    )
    assert [(f.value, f.encodings) for f in at(d, "u")] == [
        ("alice%40example.com", ()),
        ("alice@example.com", ("percent",)),
    ]


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


def test_mi_browser_shape_form_base64_gzip_json() -> None:
    events = [{"event": "view", "properties": {"url": "https://news.example.org/story", "ts": 1714564800}}]
    data_list = base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()
    d = decode(
        exchange(
            url="https://data.mistat.intl.xiaomi.com/mistats/v3",
            headers=FORM,
            body=urlencode({"data_list": data_list, "app_id": "2882303761517"}).encode(),
        )
    )
    f = only(d, "data_list[0].properties.url", "https://news.example.org/story")
    assert (f.where, f.key, f.encodings, f.host) == (
        Where.BODY, "url", ("form", "base64", "gzip", "json"), "data.mistat.intl.xiaomi.com",
    )  # fmt: skip
    assert dict(f.siblings or {}) == {"url": "https://news.example.org/story", "ts": "1714564800"}
    assert only(d, "app_id", "2882303761517").encodings == ("form",)


# -- compressed bodies ----------------------------------------------------------------------------

PAYLOAD = json.dumps({"imei": IMEI}).encode()


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


def test_unknown_content_encoding_is_noted() -> None:
    d = decode(exchange(headers=(("Content-Encoding", "compress"),), body=PAYLOAD))
    assert d.notes == ["undecoded: unknown content-encoding 'compress'"]
    assert rows(d) == [(Where.BODY, "imei", "imei", IMEI, ("json",))]


# -- multipart --------------------------------------------------------------------------------------


def _multipart(boundary: str) -> bytes:
    b = boundary.encode()
    return (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="email"\r\n\r\nalice@example.com\r\n'
        b"--" + b + b'\r\nContent-Disposition: form-data; name="meta"; filename="m.json"\r\n'
        b"Content-Type: application/json\r\n\r\n" + PAYLOAD + b"\r\n"
        b"--" + b + b"--\r\n"
    )


def test_multipart_form_data() -> None:
    boundary = "3f8d2c1e-0b7a-4c55-9e21-6a1f0d9c4b72"  # OkHttp's: a lower-case UUID
    d = decode(exchange(headers=(("Content-Type", f"multipart/form-data; boundary={boundary}"),),
                        body=_multipart(boundary)))  # fmt: skip
    assert rows(d) == [
        (Where.BODY, "email", "email", "alice@example.com", ("multipart",)),
        (Where.BODY, "meta.imei", "imei", IMEI, ("multipart", "json")),
    ]
    assert d.notes == []


def test_multipart_with_browser_style_boundary() -> None:
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    d = decode(exchange(headers=(("Content-Type", f"multipart/form-data; boundary={boundary}"),),
                        body=_multipart(boundary)))  # fmt: skip
    assert d.notes == []
    assert only(d, "meta.imei", IMEI).encodings == ("multipart", "json")


# -- hostile input: a note, never an exception ------------------------------------------------------

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


def test_deeply_nested_json_body() -> None:
    d = decode(exchange(body=b"[" * 5000 + b"]" * 5000))
    assert len(d.notes) == 1 and d.notes[0].startswith("limit: ")
    assert d.fields == []


def test_nesting_deeper_than_max_depth() -> None:
    node: object = {"imei": IMEI}
    for _ in range(20):
        node = {"n": node}
    d = decode(exchange(body=json.dumps(node).encode()), Limits(max_depth=10))
    assert d.notes == ["limit: nesting deeper than 10 at " + ".".join(["n"] * 10)]
    assert not any(f.value == IMEI for f in d.fields)


def test_nested_base64_layers() -> None:
    value = "alice@example.com"
    for _ in range(15):
        value = base64.b64encode(value.encode()).decode()
    d = decode(exchange(url=f"https://h.example.com/?d={value}"))
    assert d.notes == ["limit: nesting deeper than 10 at d"]
    # Each base64 layer costs two levels (the text, then the bytes it decodes to).
    assert [f.encodings.count("base64") for f in d.fields] == [0, 1, 2, 3, 4, 5]
    assert all(f.path == "d" and f.where == Where.QUERY for f in d.fields)


def test_deep_query_value_does_not_lose_the_body() -> None:
    d = decode(
        exchange(url="https://h.example.com/?q=" + "[" * 5000, headers=FORM, body=b"imei=" + IMEI.encode())
    )
    assert d.notes
    assert only(d, "imei", IMEI).where == Where.BODY


def test_max_fields() -> None:
    query = "&".join(f"k{i}=v{i}" for i in range(50))
    d = decode(
        exchange(url=f"https://h.example.com/?{query}", body=b"imei=" + IMEI.encode()), Limits(max_fields=10)
    )
    assert [f.path for f in d.fields] == [f"k{i}" for i in range(10)]
    assert d.notes == ["limit: more than 10 fields, rest not decoded"]


def test_max_value_chars() -> None:
    d = decode(exchange(url="https://h.example.com/?x=" + "a" * 100), Limits(max_value_chars=10))
    assert rows(d)[0] == (Where.QUERY, "x", "x", "a" * 10, ())


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


def test_random_binary_body() -> None:
    body = random.Random(7).randbytes(4096)
    d = decode(exchange(headers=(("Content-Type", "application/octet-stream"),), body=body))
    assert d.notes == ["undecoded: binary body at body"]
    assert d.fields == []


def test_time_budget_zero() -> None:
    d = decode(exchange(url="https://h.example.com/a/b?x=1"), Limits(time_budget=0))
    assert d.notes == ["limit: decoding took over 0s, rest not decoded"]
    assert d.fields == []


def test_empty_exchange() -> None:
    d = decode(exchange(url="https://h.example.com"))
    assert (d.fields, d.notes) == ([], [])


# -- protobuf: siblings by field number, repeated strings joined ---------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _pb_str(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _pb_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _siblings(f: Field) -> dict[str, str] | None:
    return None if f.siblings is None else dict(f.siblings)


def test_protobuf_fields_carry_siblings_by_field_number() -> None:
    param = _pb_str(1, "_sn") + _pb_str(2, "CheckoutScreen") + _pb_int(3, 7)
    d = decode(exchange(body=_pb_str(1, param) + _pb_int(2, 42)))
    assert [(*row, _siblings(f)) for row, f in zip(rows(d), d.fields, strict=True)] == [
        (Where.BODY, "1.1", "1", "_sn", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        (Where.BODY, "1.2", "2", "CheckoutScreen", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        (Where.BODY, "1.3", "3", "7", ("protobuf",), {"1": "_sn", "2": "CheckoutScreen", "3": "7"}),
        # The outer message's siblings hold its scalars only: the nested message is not one.
        (Where.BODY, "2", "2", "42", ("protobuf",), {"2": "42"}),
    ]  # fmt: skip


def test_protobuf_siblings_stay_within_their_message() -> None:
    first = _pb_str(1, "_sn") + _pb_str(2, "Home")
    second = _pb_str(1, "_o") + _pb_str(2, "auto")
    d = decode(exchange(body=_pb_str(1, first) + _pb_str(1, second)))
    assert [(f.value, _siblings(f)) for f in d.fields if f.path == "1.2"] == [
        ("Home", {"1": "_sn", "2": "Home"}),
        ("auto", {"1": "_o", "2": "auto"}),
    ]


def test_repeated_protobuf_strings_are_also_offered_joined() -> None:
    apps = [_pb_str(5, p) for p in ("com.tencent.mm", "org.telegram.messenger", "com.whatsapp")]
    d = decode(exchange(body=_pb_str(1, b"".join(apps) + _pb_int(6, 3))))
    assert [(f.path, f.value, f.encodings) for f in d.fields] == [
        ("1.5", "com.tencent.mm", ("protobuf",)),
        ("1.5", "org.telegram.messenger", ("protobuf",)),
        ("1.5", "com.whatsapp", ("protobuf",)),
        ("1.6", "3", ("protobuf",)),
        ("1.5", "com.tencent.mm,org.telegram.messenger,com.whatsapp", ("protobuf", "list")),
    ]
    joined = d.fields[-1]
    assert (joined.key, joined.siblings) == ("5", None)


def test_a_single_or_non_string_protobuf_field_is_not_joined() -> None:
    d = decode(exchange(body=_pb_str(1, _pb_str(5, "com.tencent.mm") + _pb_int(6, 1) + _pb_int(6, 2))))
    assert not any("list" in f.encodings for f in d.fields)
    assert [(f.path, f.value) for f in d.fields] == [("1.5", "com.tencent.mm"), ("1.6", "1"), ("1.6", "2")]


# -- raw deflate and brotli inside base64; hex is not base64 ------------------------------------------

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


# Each 4-character group of these decodes, as base64, to 3 printable bytes (`a000` -> `kM4`).
HEX_LOOKS_LIKE_BASE64 = "a000a001a002a003a004a005a006a007"


@pytest.mark.parametrize(
    "value",
    [
        HEX_LOOKS_LIKE_BASE64,
        HEX_LOOKS_LIKE_BASE64.upper(),
        "0eaed834a1e6f4b2bf0c024e0013dea1",
        "1234567890123456",
    ],
)
def test_hex_only_strings_are_not_base64_decoded(value: str) -> None:
    d = decode(exchange(body=json.dumps({"d": value}).encode()))
    assert rows(d) == [(Where.BODY, "d", "d", value, ("json",))]


def test_the_hex_fixture_would_decode_as_base64_text() -> None:
    assert base64.b64decode(HEX_LOOKS_LIKE_BASE64) == b"kM4kM5kM6kM7kM8kM9kM:kM;"


def test_one_letter_beyond_hex_makes_it_base64_again() -> None:
    value = HEX_LOOKS_LIKE_BASE64[:-1] + "g"
    d = decode(exchange(body=json.dumps({"d": value}).encode()))
    assert [(f.value, f.encodings) for f in at(d, "d")] == [
        (value, ("json",)),
        ("kM4kM5kM6kM7kM8kM9kM:kM", ("json", "base64")),  # the trailing space is stripped
    ]


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
