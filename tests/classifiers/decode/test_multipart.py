"""classifiers.decode.multipart: multipart bodies into one field per part, whatever the boundary."""

from __future__ import annotations

import base64
import time
from email.parser import BytesParser
from email.policy import HTTP

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from phonehome.classifiers.decode.limits import Decoded
from phonehome.classifiers.decode.multipart import boundary, read_part, split_parts
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, PAYLOAD, at, only, rows


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


# -- split by hand: the standard library's parts, bounded ----------------------------------------------

_BOUNDARY = "b0undary"


def _part(name: str, content: bytes, *headers: str) -> bytes:
    head = f'Content-Disposition: form-data; name="{name}"\r\n' + "".join(h + "\r\n" for h in headers)
    return b"--" + _BOUNDARY.encode() + b"\r\n" + head.encode() + b"\r\n" + content + b"\r\n"


def _decode_parts(*parts: bytes, close: bool = True, boundary: str = _BOUNDARY) -> Decoded:
    body = b"".join(parts) + (b"--" + boundary.encode() + b"--\r\n" if close else b"")
    ctype = f"multipart/form-data; boundary={boundary}"
    return decode(exchange(headers=(("Content-Type", ctype),), body=body))


def test_a_hundred_thousand_parts_stop_at_max_parts_and_keep_the_first() -> None:
    # email.parser read every part before the first could be looked at: 6 to 12 s, and nothing kept.
    parts = [_part("imei", IMEI.encode())] + [_part(f"f{i}", b"v") for i in range(100_000)]
    start = time.perf_counter()
    d = _decode_parts(*parts)
    assert time.perf_counter() - start < 5  # about 0.02 s
    assert only(d, "imei", IMEI).encodings == ("multipart",)
    assert len(d.fields) == 1000
    assert d.notes == ["limit: multipart at body stopped after 1000 parts, rest not decoded"]


def test_transfer_encodings_and_nested_multipart() -> None:
    inner = b'--in\r\nContent-Disposition: form-data; name="deep"\r\n\r\n' + IMEI.encode() + b"\r\n--in--"
    d = _decode_parts(
        _part("b", base64.b64encode(PAYLOAD), "Content-Transfer-Encoding: base64"),
        _part("q", b"alice=40example.com", "Content-Transfer-Encoding: quoted-printable"),
        _part("n", inner, "Content-Type: multipart/mixed; boundary=in"),
    )
    assert only(d, "b.imei", IMEI).encodings == ("multipart", "json")
    assert [f.value for f in at(d, "q")] == ["alice@example.com"]
    assert only(d, "n.deep", IMEI).encodings == ("multipart", "multipart")


def test_hostile_heads_cost_at_most_their_part() -> None:
    d = _decode_parts(
        _part("a", b"1", "X-Long: " + "x" * 20_000),  # a head over 16 KB: skipped, noted
        _part("b", b"2", "Content-Type: text/plain; x=" + "(" * 5000),  # email recursed on this
        _part("=?utf-8?q?c?=", b"3"),
        b"--"
        + _BOUNDARY.encode()
        + b"\r\nContent-Disposition: form-data; name*=utf-8''%E2%82%AC\r\n\r\n4\r\n",
        close=False,  # never closed: the last part runs to the end
    )
    assert [(f.path, f.value) for f in d.fields] == [("b", "2"), ("=?utf-8?q?c?=", "3"), ("€", "4")]
    assert d.notes == ["limit: multipart part 0 at body has over 16384 bytes of headers, skipped"]


def test_a_hostile_content_type_is_no_recursion() -> None:
    ctype = "multipart/form-data; a=" + "(" * 100_000 + "; boundary=" + _BOUNDARY
    body = _part("imei", IMEI.encode()) + b"--" + _BOUNDARY.encode() + b"--"
    d = decode(exchange(headers=(("Content-Type", ctype),), body=body))
    assert [f.value for f in d.fields] == [IMEI]


@pytest.mark.parametrize("body", [b"no delimiter at all", b"--other\r\n\r\nx\r\n--other--"])
def test_no_parts_is_noted(body: bytes) -> None:
    d = decode(exchange(headers=(("Content-Type", "multipart/form-data; boundary=b"),), body=body))
    assert (d.fields, d.notes) == ([], ["undecoded: multipart body without parts"])


def test_boundary_missing_or_quoted() -> None:
    assert boundary("multipart/form-data") == b""
    assert boundary('multipart/form-data; charset=x; BOUNDARY="a \\"b\\" c"') == b'a "b" c'
    assert boundary("multipart/mixed;boundary=\udc80x") == "\udc80x".encode("utf-8", "surrogatepass")


_names = st.text(alphabet="abcXYZ019_-.", min_size=1, max_size=8)
_contents = st.binary(max_size=40) | st.text(alphabet="ab\r\n -=:;", max_size=40).map(str.encode)
_boundaries = st.text(alphabet="abcXYZ019'()+_,-./:=?", min_size=1, max_size=30)


@given(st.lists(st.tuples(_names, _contents), min_size=1, max_size=6), _boundaries, st.booleans())
def test_parts_are_those_the_standard_library_finds(
    parts: list[tuple[str, bytes]], boundary_text: str, crlf: bool
) -> None:
    nl = b"\r\n" if crlf else b"\n"
    delimiter = b"--" + boundary_text.encode()
    # RFC 2046: the boundary never occurs in the content.  When it does, the standard library's
    # reading is a quirk of its line-by-line state machine, not a rule worth copying.
    assume(all(delimiter not in content for _, content in parts))
    body = b"preamble" + nl
    for name, content in parts:
        body += delimiter + nl + f'Content-Disposition: form-data; name="{name}"'.encode() + nl + nl
        body += content + nl
    body += delimiter + b"--" + nl + b"epilogue"
    ctype = f'multipart/form-data; boundary="{boundary_text}"'
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    expected = [
        (p.get_param("name", header="content-disposition"), p.get_payload(decode=True))
        for p in message.iter_parts()
    ]
    got = [read_part(chunk) for chunk in split_parts(body, boundary_text.encode())]
    assert [(p.name(), p.payload()) for p in got if p is not None] == expected


@given(st.binary(max_size=300), _boundaries)
def test_any_bytes_split_without_raising(body: bytes, boundary_text: str) -> None:
    for chunk in split_parts(body, boundary_text.encode()):
        part = read_part(chunk)
        if part is not None:
            part.name(), part.content_type(), part.payload()
