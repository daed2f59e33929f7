"""classifiers.decode.limits: depth, field, size and time bounds end in a note, never an exception."""

from __future__ import annotations

import base64
import json

from phonehome.classifiers.decode.limits import Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import FORM, IMEI, only, rows


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
    # Never closed, so not JSON at all (json.loads recursed before it could tell): kept as text.
    d = decode(
        exchange(url="https://h.example.com/?q=" + "[" * 5000, headers=FORM, body=b"imei=" + IMEI.encode())
    )
    assert d.notes == []
    assert only(d, "imei", IMEI).where == Where.BODY
    # Closed, it is JSON too deep to walk: noted, and the body is still decoded.
    d = decode(
        exchange(
            url="https://h.example.com/?q=" + "[" * 5000 + "]" * 5000,
            headers=FORM,
            body=b"imei=" + IMEI.encode(),
        )
    )
    assert d.notes == ["limit: JSON nested deeper than 10 at q (5000 levels), deeper values not decoded"]
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


def test_time_budget_zero() -> None:
    d = decode(exchange(url="https://h.example.com/a/b?x=1"), Limits(time_budget=0))
    assert d.notes == ["limit: decoding took over 0s, rest not decoded"]
    assert d.fields == []


def test_notes_are_kept_once_and_at_most_max_notes() -> None:
    headers = (("Content-Encoding", "x1, x2, x3, x4, x5"), ("Content-Encoding", "x1"))
    d = decode(exchange(headers=headers, body=b"a=1"), Limits(max_notes=2))
    assert d.notes == [
        "undecoded: unknown content-encoding 'x5'",
        "undecoded: unknown content-encoding 'x4'",
        "limit: 3 more notes not kept",
    ]


def test_a_value_over_max_body_is_not_looked_into() -> None:
    d = decode(exchange(body=json.dumps({"imei": IMEI}).encode()), Limits(max_body=5))
    assert d.fields == [] and d.notes == ["limit: 27-byte value at body over 5 bytes, not decoded"]
