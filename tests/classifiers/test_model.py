"""classifiers.model: the persisted vocabulary and the records every part shares."""

from __future__ import annotations

import dataclasses

import pytest
from phonehome.classifiers.model import (
    KIND_CATEGORY,
    Analysis,
    Category,
    Destination,
    Field,
    Finding,
    Hash,
    Kind,
    Source,
    Where,
    finding,
    never_sent,
)

from tests.classifiers._helpers import T0, exchange

# -- the vocabulary is a persisted contract: these exact strings, added to but never renamed -----


def test_category_values() -> None:
    assert [c.value for c in Category] == [
        "identifier", "contact", "location", "browsing", "app_usage", "device", "credentials",
    ]  # fmt: skip


def test_kind_values_match_design_table() -> None:
    assert {k.value for k in Kind} == {
        "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "advertising_id", "mac_address",
        "device_id", "email", "phone_number", "coordinates", "cell_tower", "wifi_network", "visited_url",
        "search_query", "installed_apps", "app_activity", "device_model", "os_version", "carrier",
        "tracking_id", "person_name", "postal_address", "password",
    }  # fmt: skip


def test_where_source_hash_values() -> None:
    assert [w.value for w in Where] == ["query", "path", "header", "cookie", "body"]
    assert [s.value for s in Source] == ["pattern", "key", "known", "adapter", "behaviour"]
    assert [h.value for h in Hash] == ["md5", "sha1", "sha256"]


def test_every_kind_has_a_category() -> None:
    assert set(KIND_CATEGORY) == set(Kind)


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        (Kind.IMEI, Category.IDENTIFIER),
        (Kind.DEVICE_ID, Category.IDENTIFIER),
        (Kind.EMAIL, Category.CONTACT),
        (Kind.PHONE_NUMBER, Category.CONTACT),
        (Kind.CELL_TOWER, Category.LOCATION),
        (Kind.WIFI_NETWORK, Category.LOCATION),
        (Kind.SEARCH_QUERY, Category.BROWSING),
        (Kind.INSTALLED_APPS, Category.APP_USAGE),
        (Kind.CARRIER, Category.DEVICE),
    ],
)
def test_kind_category(kind: Kind, category: Category) -> None:
    assert kind.category is category


def test_str_enums_compare_as_their_value() -> None:
    assert Kind.IMEI == "imei"
    assert f"{Where.COOKIE}" == "cookie"
    assert Source("adapter") is Source.ADAPTER


# -- Exchange ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scheme", "tls", "host"),
    [
        ("https://API.Example.com:8443/x?y=1", "https", True, "api.example.com"),
        ("HTTP://example.com/", "http", False, "example.com"),
        ("wss://push.example.com/socket", "wss", True, "push.example.com"),
        ("ws://10.0.0.2:8080/", "ws", False, "10.0.0.2"),
        ("https://[2001:DB8::1]/", "https", True, "2001:db8::1"),
    ],
)
def test_exchange_url_properties(url: str, scheme: str, tls: bool, host: str) -> None:
    ex = exchange(url=url)
    assert (ex.scheme, ex.tls, ex.host) == (scheme, tls, host)


def test_exchange_header_is_case_insensitive_and_first_wins() -> None:
    ex = exchange(headers=(("X-Token", "one"), ("x-token", "two"), ("Content-Type", "text/plain")))
    assert ex.header("x-TOKEN") == "one"
    assert ex.header("content-type") == "text/plain"
    assert ex.header("cookie") is None


def test_exchange_defaults_and_frozen() -> None:
    ex = exchange()
    assert (ex.http_version, ex.status, ex.response_bytes, ex.fingerprint) == ("HTTP/1.1", None, 0, "")
    assert ex.time == T0
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.url = "https://other.example/"  # type: ignore[misc]


# -- Field, Finding, finding() ------------------------------------------------------------------


def test_field_equality_ignores_siblings() -> None:
    a = Field(Where.QUERY, "lat", "lat", "22.54", (), "h.example", {"lon": "114.05"})
    b = Field(Where.QUERY, "lat", "lat", "22.54", (), "h.example", None)
    assert a == b
    assert "siblings" not in repr(a)


def test_finding_helper_copies_location_from_field() -> None:
    fld = Field(Where.BODY, "data_list[0].properties.url", "url", "x", ("form", "base64", "gzip", "json"))
    f = finding(fld, Kind.VISITED_URL, "https://a.example/", 0.9, Source.KEY, "visited_url")
    assert f == Finding(
        kind=Kind.VISITED_URL,
        value="https://a.example/",
        where=Where.BODY,
        path="data_list[0].properties.url",
        encodings=("form", "base64", "gzip", "json"),
        confidence=0.9,
        source=Source.KEY,
        detector="visited_url",
        hashed=None,
    )
    assert f.category is Category.BROWSING


def test_finding_helper_keeps_digest() -> None:
    fld = Field(Where.QUERY, "imei_md5", "imei_md5", "0" * 32)
    f = finding(fld, Kind.IMEI, "0" * 32, 0.85, Source.KEY, "imei", Hash.MD5)
    assert f.hashed is Hash.MD5
    assert f.category is Category.IDENTIFIER


def test_destination_and_analysis_defaults() -> None:
    dest = Destination(host="a.example.com", domain="example.com")
    assert (dest.ip, dest.country, dest.asn, dest.anycast, dest.categories, dest.region) == (
        None, "unknown", None, False, (), "unknown",
    )  # fmt: skip
    analysis = Analysis(exchange=exchange(), findings=(), destination=dest)
    assert (analysis.fields, analysis.notes) == (0, ())


# -- split_url: total on hostile input -----------------------------------------------------------

from urllib.parse import urlsplit  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from phonehome.classifiers.model import split_url  # noqa: E402


@pytest.mark.parametrize(
    ("url", "host", "path", "query"),
    [
        ("http://a]b/x?y=1", "a]b", "/x", "y=1"),  # what `Host: a]b` turns into
        ("http://[::1/p", "::1", "/p", ""),
        ("https://u:p@[2001:db8::1]:8443/p?q", "2001:db8::1", "/p", "q"),
        ("HTTP://Example.COM:80/A", "example.com", "/A", ""),
        ("garbage", "", "garbage", ""),
        ("", "", "", ""),
    ],
)
def test_split_url_cuts_what_urlsplit_refuses(url: str, host: str, path: str, query: str) -> None:
    parts = split_url(url)
    assert (parts.host, parts.path, parts.query) == (host, path, query)


def test_exchange_host_never_raises() -> None:
    assert exchange(url="http://a]b/").host == "a]b"


_URLISH = st.text(alphabet=st.sampled_from(list("ab:/[]@?#%.1\x00\udc00é ")), max_size=40)


@given(st.one_of(_URLISH, st.text(max_size=60)).map(lambda t: "http://" + t))
def test_split_url_is_total_and_agrees_with_urlsplit(url: str) -> None:
    parts = split_url(url)
    try:
        split = urlsplit(url)
        expected = (split.hostname or "").lower()
    except ValueError:
        return  # cut by hand: only totality is promised
    assert parts.host == expected
    assert (parts.path, parts.query) == (split.path, split.query)


# URLs as traffic has them, and beside them what a plain-looking one can hide: user info, brackets,
# `%`, backslashes, uppercase, controls, a port, fragments before and after a query.
_URL_PARTS = st.text(alphabet=st.sampled_from(list("aZ09.-_~:/?#&=@[]%\\ \t\n\x7fé!$'()*+,;")), max_size=30)


@settings(max_examples=500)
@given(
    st.sampled_from(["http://", "https://", "HTTP://", "http:/", "ftp://", "http:\\\\"]),
    _URL_PARTS,
    _URL_PARTS,
)
def test_split_url_of_plain_urls_agrees_with_urlsplit(scheme: str, netloc: str, rest: str) -> None:
    """The one-match path for common URLs gives what urlsplit gives, scheme and netloc included
    (fails if it takes a URL it reads otherwise)."""
    url = scheme + netloc + rest
    parts = split_url(url)
    try:
        split = urlsplit(url)
        expected = (split.scheme, (split.hostname or "").lower(), split.path, split.query, split.netloc)
    except ValueError:
        return
    assert tuple(parts) == expected


def test_never_sent() -> None:
    assert never_sent(None, "Connection refused") and never_sent(0, "net::ERR_NAME_NOT_RESOLVED")
    assert not never_sent(200, "Connection refused")  # answered: it got there
    assert never_sent(
        502, "Server connection to ('t.example', 443) failed: Connection refused"
    )  # the proxy's 502
    assert not never_sent(502, None)  # a gateway upstream answered 502: the request got there
    assert not never_sent(None, "timed out")  # sent, perhaps received: unknown, so counted
    assert not never_sent(None, None)


# -- an Exchange crosses a pipe once or twice a flow: its pickle keeps every field and the time's zone

import pickle  # noqa: E402
from datetime import UTC, datetime, timedelta, timezone  # noqa: E402

from hypothesis import settings  # noqa: E402
from phonehome.classifiers.model import Exchange  # noqa: E402

_text = st.text(max_size=20)
_headers = st.lists(st.tuples(_text, _text), max_size=3).map(tuple)
_zones = st.one_of(
    st.just(UTC),
    st.none(),
    st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
_exchanges = st.builds(
    Exchange,
    time=st.builds(lambda t, tz: t.replace(tzinfo=tz), st.datetimes(), _zones),
    method=_text,
    url=_text,
    request_headers=_headers,
    request_body=st.binary(max_size=40),
    http_version=_text,
    status=st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70)),
    response_headers=_headers,
    response_bytes=st.integers(min_value=0, max_value=2**70),
    server_ip=st.one_of(st.none(), _text),
    client_address=st.one_of(st.none(), _text),
    error=st.one_of(st.none(), _text),
    fingerprint=_text,
    notes=st.lists(_text, max_size=2).map(tuple),
)


@settings(max_examples=300)
@given(_exchanges)
def test_an_exchange_comes_back_from_its_pickle_whole(exchange: Exchange) -> None:
    back = pickle.loads(pickle.dumps(exchange, pickle.HIGHEST_PROTOCOL))
    assert back == exchange
    # Equal times may differ in zone (same instant): the zone must come back too.
    assert back.time.tzinfo == exchange.time.tzinfo
    assert back.time.utcoffset() == exchange.time.utcoffset()
    assert repr(back) == repr(exchange)


def test_the_pickle_carries_every_field() -> None:
    # A field added to Exchange and not to its __reduce__ would be lost between processes.
    _, args = Exchange(time=datetime(2026, 1, 1, tzinfo=UTC), method="GET", url="https://a/").__reduce__()
    assert len(args) == 1 + len(dataclasses.fields(Exchange))
    assert all(f.compare for f in dataclasses.fields(Exchange))


# -- what a classifier process is sent --------------------------------------------------------------

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

from phonehome.classifiers.model import READ_BY_CLASSIFIERS, classifiable, to_classify  # noqa: E402
from phonehome.classifiers.registry import analyze  # noqa: E402
from phonehome.db.packing import pack  # noqa: E402

_CLASSIFIERS = Path(__file__).resolve().parents[2] / "classifiers"


def test_no_classifier_reads_a_field_a_classifier_process_is_not_sent() -> None:
    """A classifier reading, say, `exchange.status` would see it in a replay's own process and not in
    a worker: add the field to `to_classify` and `READ_BY_CLASSIFIERS` first."""
    unsent = {f.name for f in dataclasses.fields(Exchange)} - set(READ_BY_CLASSIFIERS)
    assert unsent and not unsent & set(READ_BY_CLASSIFIERS)
    reads = []
    for path in sorted(_CLASSIFIERS.rglob("*.py")):
        if path.name == "model.py" and path.parent == _CLASSIFIERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in unsent:
                if node.attr == "error" and isinstance(node.value, ast.Name) and node.value.id == "zlib":
                    continue  # zlib.error, the exception
                reads.append(f"{path.relative_to(_CLASSIFIERS)}:{node.lineno}: .{node.attr}")
    assert not reads, reads


@settings(max_examples=150, deadline=None)
@given(_exchanges)
def test_what_a_classifier_process_is_sent_classifies_as_the_whole_exchange(exchange: Exchange) -> None:
    fields = to_classify(exchange)
    assert fields == tuple(getattr(exchange, name) for name in READ_BY_CLASSIFIERS)
    assert pack(analyze(classifiable(fields))) == pack(analyze(exchange))
