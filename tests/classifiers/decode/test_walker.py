"""classifiers.decode.walker: JSON trees and NDJSON walked into fields, with paths and siblings."""

from __future__ import annotations

import json
import time

from phonehome.classifiers.decode.limits import Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import IMEI, only, rows

JSON_CT = (("Content-Type", "application/json"),)


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


def test_deeply_nested_json_body() -> None:
    d = decode(exchange(body=b"[" * 5000 + b"]" * 5000))
    assert len(d.notes) == 1 and d.notes[0].startswith("limit: ")
    assert d.fields == []


def test_ndjson_lines_stop_like_pairs() -> None:
    d = decode(exchange(body=b'{"a": "1"}\n' * 8000 + b"not json"))
    assert len(d.fields) == 5000 and d.notes == ["limit: more than 5000 fields, rest not decoded"]
    d = decode(exchange(body=b"{}\n" * 8000 + b"not json"))  # lines that make no field
    assert d.notes == [
        "limit: NDJSON at body stopped after 5001 lines (at most 5001 lines, 100000 values), rest not decoded"
    ]


def test_a_deep_ndjson_line_costs_only_its_depth() -> None:
    d = decode(exchange(body=b'{"a": "1"}\n' + b"[" * 50_000 + b"]" * 50_000 + b'\n{"b": "2"}'))
    assert [(f.path, f.value) for f in d.fields] == [("[0].a", "1"), ("[2].b", "2")]
    assert d.notes == ["limit: NDJSON line 1 at body nested too deep or too long, cut"]


def test_columns_of_a_list_of_objects_stop_at_the_first_gap() -> None:
    # 2,000 keys in the first object, none in the 20,000 after it: each column ends at its first
    # gap, so this is not 40 million lookups.
    first = {f"k{i}": "v" for i in range(2000)}
    body = json.dumps({"items": [first] + [{}] * 20_000}).encode()
    start = time.perf_counter()
    d = decode(exchange(headers=JSON_CT, body=body), Limits(time_budget=60))
    assert time.perf_counter() - start < 5  # about 0.01 s
    assert not [f for f in d.fields if "[*]" in f.path]
    d = decode(exchange(headers=JSON_CT, body=json.dumps({"l": [{"a": "x", "b": 1}, {"a": "y"}]}).encode()))
    assert only(d, "l[*].a", "x,y").encodings == ("json", "column")


# -- key=value pairs in free text, pairs of numbers ---------------------------------------------------


def test_key_value_pairs_inside_log_text_become_fields() -> None:
    log = '11-21 09:00:01 I Loc: fix provider=fused lat=41.3874 lon=2.1686 acc=12\nD Sync: model="Pixel 7" result=OK\n'
    body = json.dumps({"log": log}).encode()
    d = decode(exchange(headers=(("Content-Type", "application/json"),), body=body))
    got = {(f.path, f.value, f.encodings) for f in d.fields if "text" in f.encodings}
    assert ("log.line0.lat", "41.3874", ("json", "text")) in got
    assert ("log.line1.model", "Pixel 7", ("json", "text")) in got
    lat = next(f for f in d.fields if f.path == "log.line0.lat")
    assert lat.siblings is not None and lat.siblings["lon"] == "2.1686"


def test_prose_with_one_equals_sign_is_left_alone() -> None:
    body = json.dumps({"msg": "the answer is x=1 and nothing more"}).encode()
    d = decode(exchange(headers=(("Content-Type", "application/json"),), body=body))
    assert not [f for f in d.fields if "text" in f.encodings]


def test_text_pairs_are_bounded_by_the_field_limit() -> None:
    log = " ".join(f"k{i}=v{i}" for i in range(5000))
    d = decode(exchange(headers=(("Content-Type", "application/json"),), body=json.dumps({"log": log}).encode()),
               Limits(max_fields=100))  # fmt: skip
    assert len(d.fields) <= 101 and any("limit" in n for n in d.notes)


def test_a_pair_of_numbers_is_offered_joined_beside_its_object() -> None:
    body = json.dumps({"geometry": {"type": "Point", "coordinates": [2.16412, 41.39215]}}).encode()
    d = decode(exchange(headers=(("Content-Type", "application/json"),), body=body))
    joined = [f for f in d.fields if f.path == "geometry.coordinates"]
    assert [(f.value, f.encodings) for f in joined] == [("2.16412,41.39215", ("json", "list"))]
    assert joined[0].siblings is not None and joined[0].siblings["type"] == "Point"
