"""classifiers.decode.request: the URL, headers and body of a whole exchange, each field with its `where`."""

from __future__ import annotations

import base64
import gzip
import json
from urllib.parse import urlencode

import pytest
from phonehome.classifiers.decode.limits import Limits
from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Where

from tests.classifiers._helpers import exchange
from tests.classifiers.decode._helpers import FORM, IMEI, PAYLOAD, only, rows


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


def test_header_value_is_expanded() -> None:
    token = base64.b64encode(json.dumps({"imei": IMEI, "os": "android"}).encode()).decode()
    d = decode(exchange(headers=(("X-Ctx", token),)))
    f = only(d, "x-ctx.imei", IMEI)
    assert (f.where, f.key, f.encodings) == (Where.HEADER, "imei", ("base64", "json"))


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


def test_unknown_content_encoding_is_noted() -> None:
    d = decode(exchange(headers=(("Content-Encoding", "compress"),), body=PAYLOAD))
    assert d.notes == ["undecoded: unknown content-encoding 'compress'"]
    assert rows(d) == [(Where.BODY, "imei", "imei", IMEI, ("json",))]


def test_empty_exchange() -> None:
    d = decode(exchange(url="https://h.example.com"))
    assert (d.fields, d.notes) == ([], [])


def test_only_the_first_headers_are_read() -> None:
    headers = tuple((f"x-{i}", "v") for i in range(5000))
    d = decode(exchange(headers=headers), Limits(max_headers=10))
    assert [f.path for f in d.fields] == [f"x-{i}" for i in range(10)]
    assert d.notes == ["limit: 5000 headers, only the first 10 decoded"]


def test_a_content_encoding_of_many_layers_is_not_unwrapped() -> None:
    d = decode(exchange(headers=(("Content-Encoding", "gzip, " * 100_000),), body=b"imei=" + IMEI.encode()))
    assert (d.fields, d.notes) == ([], ["limit: content-encoding has over 10 layers, body not decoded"])


def test_a_path_of_a_million_slashes() -> None:
    d = decode(exchange(url="https://h.example.com/" + "/" * 1_000_000 + "imei"))
    assert d.fields == [] and d.notes == ["limit: path has over 5001 segments, rest not decoded"]


def test_a_bug_in_a_layer_is_noted_and_what_was_found_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    import phonehome.classifiers.decode.request as request

    def boom(*_: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr(request, "_decode_body", boom)
    d = decode(exchange(url="https://h.example.com/?imei=" + IMEI, body=b"x"))
    assert [f.value for f in d.fields] == [IMEI]
    assert d.notes == ["decoder error: KeyError: 'bug'"]
