from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from phonehome.classifiers.model import Exchange

from phonehome.sources import Item, Skipped, SourceError, har, open_source
from phonehome.sources.har import _epoch, _int, read_har

# Real exports from mitmproxy's test data, kept in the repository (tests/data/har-clients/README.md).
HAR_DIR = Path(__file__).resolve().parents[2] / "data" / "har-clients"

# file -> (exchanges, skipped) as measured on the shared exports.
REAL_EXPORTS = {
    "flows-corrupted_gzip_body.har": (1, 0),
    "flows-error_log.har": (2, 0),
    "flows-event_stream.har": (2, 0),
    "flows-incomplete_log.har": (4, 0),
    "flows-websocket.har": (5, 0),  # 3 handshakes + 2 client messages
    "har_files-charles.har": (1, 0),
    "har_files-chrome.har": (3, 0),
    "har_files-firefox.har": (14, 0),
    "har_files-head-content-length.har": (1, 0),
    "har_files-insomnia.har": (1, 0),
    "har_files-postdata.har": (1, 0),
    "har_files-safari.har": (19, 0),
    "har_files-with-bom.har": (1, 0),
}
METHODS = {"GET", "POST", "HEAD", "WEBSOCKET"}


def shared(name: str) -> Path:
    return HAR_DIR / name


def read(path: Path) -> list[Item]:
    return list(open_source(path))


def exchanges(items: list[Item]) -> list[Exchange]:
    return [i for i in items if isinstance(i, Exchange)]


def skipped(items: list[Item]) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def entry(url: str = "https://example.com/a", method: str = "GET", **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": []}
    request.update(extra.pop("request", {}))
    base: dict[str, Any] = {
        "startedDateTime": "2024-01-02T03:04:05.123Z",
        "request": request,
        "response": {"status": 200, "headers": [], "bodySize": 5, "content": {"size": 5}},
    }
    base.update(extra)
    return base


def write_har(tmp_path: Path, entries: list[Any], name: str = "t.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


# --- the shared real-world exports ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL_EXPORTS))
def test_real_export_gives_sane_exchanges(name: str) -> None:
    items = read(shared(name))
    got = exchanges(items)
    assert (len(got), len(skipped(items))) == REAL_EXPORTS[name]
    for ex in got:
        assert ex.time.tzinfo is not None and ex.time.utcoffset() == UTC.utcoffset(None)
        assert datetime(2020, 1, 1, tzinfo=UTC) < ex.time < datetime(2030, 1, 1, tzinfo=UTC)
        assert ex.method in METHODS
        assert ex.url.startswith(("http://", "https://")) and ex.host
        assert re.fullmatch(r"[0-9a-f]{64}(:ws:\d+)?", ex.fingerprint)
        assert ex.status is None or 100 <= ex.status <= 599
        assert ex.error is not None or ex.status is not None or ex.method == "WEBSOCKET"
        assert ex.response_bytes >= 0
        for header in (*ex.request_headers, *ex.response_headers):
            assert isinstance(header[0], str) and isinstance(header[1], str)
            assert not header[0].startswith(":")
    assert len({ex.fingerprint for ex in got}) == len(got)


def test_corrupted_file_is_one_line_source_error() -> None:
    path = shared("corrupted_har-brokenfile.har")
    with pytest.raises(SourceError) as info:
        open_source(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not a HAR file or mitmproxy flow dump")
    assert "invalid JSON at byte 22" in message


def test_chrome_export_fields() -> None:
    first, offline, logo = exchanges(read(shared("har_files-chrome.har")))
    assert first.time == datetime(2023, 3, 30, 0, 0, 54, 250000, tzinfo=UTC)
    assert (first.method, first.url, first.http_version) == ("GET", "https://mitmproxy.org/", "http/2.0")
    assert first.header("accept-encoding") == "gzip, deflate, br"
    assert first.header(":authority") is None  # pseudo headers dropped
    assert (first.status, first.response_bytes, first.server_ip) == (304, 0, "108.138.246.80")
    # status 0 plus Chrome's _error: no response, empty serverIPAddress, empty httpVersion
    assert (offline.status, offline.error) == (None, "net::ERR_INTERNET_DISCONNECTED")
    assert (offline.server_ip, offline.http_version) == (None, "HTTP/1.1")
    # bodySize -1 falls back to content.size
    assert (logo.http_version, logo.response_bytes) == ("h3", 7108)


def test_offsets_are_converted_to_utc() -> None:
    first = exchanges(read(shared("har_files-firefox.har")))[0]
    assert first.time == datetime(2023, 3, 29, 23, 58, 59, 303000, tzinfo=UTC)
    assert first.http_version == "HTTP/3" and first.response_bytes == 5509


def test_incomplete_log_entries_have_no_response() -> None:
    got = exchanges(read(shared("flows-incomplete_log.har")))
    assert [e.method for e in got] == ["GET", "GET", "POST", "POST"]
    assert all(e.status is None and e.error == "no response" for e in got)
    assert got[0].header("host") == "example.com"


def test_error_log_keeps_error_and_form_body() -> None:
    failed, posted = exchanges(read(shared("flows-error_log.har")))
    assert failed.status is None and failed.error is not None
    assert failed.error.startswith("Multiple exceptions: [Errno 60] Connect call failed")
    assert (posted.status, posted.error, posted.http_version) == (405, None, "HTTP/2.0")
    assert posted.request_body == b"key1=value1&key2=value2"
    assert posted.header("content-type") == "application/x-www-form-urlencoded"
    assert posted.server_ip == "100.26.90.23"


def test_broken_entries_are_counted_and_good_ones_still_come(tmp_path: Path) -> None:
    # The shared incomplete log only lacks responses; break some of its entries for real.
    good = json.loads(shared("flows-incomplete_log.har").read_text())["log"]["entries"]
    no_url = json.loads(json.dumps(good[0]))
    del no_url["request"]["url"]
    relative = json.loads(json.dumps(good[1]))
    relative["request"]["url"] = "/search?q=1"
    no_method = json.loads(json.dumps(good[2]))
    no_method["request"]["method"] = ""
    path = write_har(tmp_path, [good[0], no_url, 42, relative, good[1], {"response": {}}, no_method, good[3]])
    items = read(path)
    assert [(s.index, s.reason) for s in skipped(items)] == [
        (1, "entry 1: request.url missing"),
        (2, "entry 2: not an object"),
        (3, "entry 3: request.url is not absolute: /search?q=1"),
        (5, "entry 5: request missing"),
        (6, "entry 6: request.method missing"),
    ]
    assert [e.url for e in exchanges(items)] == [
        "https://example.com/",
        "https://google.com/",
        "https://google.com/",
    ]


def test_bom_file_reads_like_the_same_file_without_it() -> None:
    (with_bom,) = exchanges(read(shared("har_files-with-bom.har")))
    (plain,) = exchanges(read(shared("har_files-postdata.har")))
    assert with_bom == plain
    assert with_bom.request_body.startswith(b'{"metadata":{"pageViewId":1689428126308,')
    assert len(with_bom.request_body) == 1310
    assert with_bom.header("content-type") == "text/plain;charset=UTF-8"


def test_websocket_messages_sent_by_the_client_become_exchanges() -> None:
    got = exchanges(read(shared("flows-websocket.har")))
    assert [e.method for e in got] == ["GET", "GET", "GET", "WEBSOCKET", "WEBSOCKET"]
    handshake, foo, bar = got[2:]
    assert (foo.request_body, bar.request_body) == (b"foo", b"bar")
    assert foo.url == bar.url == handshake.url
    assert foo.fingerprint == f"{handshake.fingerprint}:ws:1"
    assert bar.fingerprint == f"{handshake.fingerprint}:ws:2"
    assert foo.time == datetime.fromtimestamp(1693314240.7948081, UTC)
    assert foo.status is None and foo.error is None and foo.server_ip == "143.244.202.177"
    # cookies list and Cookie header are both present: no second Cookie header is added
    assert [n for n, _ in handshake.request_headers if n.lower() == "cookie"] == ["Cookie"]


def test_binary_websocket_message_is_base64_decoded(tmp_path: Path) -> None:
    messages = [
        {"type": "send", "time": 1700000000.5, "opcode": 2, "data": "AAEC/w=="},
        {"type": "receive", "time": 1700000001, "opcode": 1, "data": "ignored"},
        {"type": "send", "time": "not a time", "opcode": 1, "data": "héllo"},
    ]
    path = write_har(tmp_path, [entry("wss://ws.example.com/s", _webSocketMessages=messages)])
    handshake, binary, text = exchanges(read(path))
    assert binary.request_body == b"\x00\x01\x02\xff"
    assert binary.time == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)
    assert text.request_body == "héllo".encode()
    assert text.time == handshake.time  # an unreadable message time falls back to the entry's
    assert text.fingerprint.endswith(":ws:2") and handshake.tls


def test_params_only_post_rebuilds_a_form_body(tmp_path: Path) -> None:
    post = {"mimeType": "application/x-www-form-urlencoded", "params": [
        {"name": "gps_adid", "value": "38400000-8cf0-11bd-b23e-10b96e40000d"},
        {"name": "q", "value": "a b&c"},
        {"name": "empty"},
    ]}  # fmt: skip
    path = write_har(tmp_path, [entry(method="POST", request={"postData": post})])
    (ex,) = exchanges(read(path))
    assert ex.request_body == b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d&q=a+b%26c&empty="
    assert ex.header("Content-Type") == "application/x-www-form-urlencoded"


def test_post_data_text_mime_type_cookies_and_base64(tmp_path: Path) -> None:
    entries = [
        entry(
            method="POST",
            request={
                "postData": {"mimeType": "application/json", "text": '{"imei":"861234567890127"}'},
                "cookies": [{"name": "sid", "value": "abc"}, {"name": "uid", "value": "7"}],
            },
        ),
        entry(
            method="POST",
            request={
                "headers": [{"name": "Content-Type", "value": "application/octet-stream"}],
                "postData": {"mimeType": "text/plain", "text": "H4sIAAAA", "_encoding": "base64"},
            },
        ),
        entry(method="POST", request={"postData": {"text": "not base64!", "encoding": "base64"}}),
    ]
    as_json, as_base64, bad_base64 = exchanges(read(write_har(tmp_path, entries)))
    assert as_json.request_body == b'{"imei":"861234567890127"}'
    assert as_json.request_headers == (("Cookie", "sid=abc; uid=7"), ("Content-Type", "application/json"))
    assert as_base64.request_body == b"\x1f\x8b\x08\x00\x00\x00"
    # an existing Content-Type header wins over postData.mimeType
    assert as_base64.request_headers == (("Content-Type", "application/octet-stream"),)
    assert bad_base64.request_body == b"not base64!"


def test_same_file_twice_gives_the_same_fingerprints() -> None:
    path = shared("har_files-safari.har")
    first = [e.fingerprint for e in exchanges(read(path))]
    assert first == [e.fingerprint for e in exchanges(read(path))]
    # Safari exported entries 9 and 10 with the same time, method and URL: still two fingerprints.
    assert len(set(first)) == len(first) == 19


def test_identical_entries_get_different_fingerprints(tmp_path: Path) -> None:
    path = write_har(tmp_path, [entry(), entry(), entry(url="https://example.com/b"), entry()])
    prints = [e.fingerprint for e in exchanges(read(path))]
    assert len(set(prints)) == 4
    # ... and they are stable: the n-th copy always gets the same one
    assert prints == [e.fingerprint for e in exchanges(read(path))]
    other = write_har(tmp_path, [entry(), entry()], name="other.har")
    assert [e.fingerprint for e in exchanges(read(other))] == [prints[0], prints[1]]


def test_truncated_real_file_yields_entries_before_the_cut(tmp_path: Path) -> None:
    data = shared("har_files-firefox.har").read_bytes()
    # One page comes before the 14 entries, so the 7th "startedDateTime" is inside entry 5.
    starts = [m.start() for m in re.finditer(rb'"startedDateTime"', data)]
    cut = tmp_path / "cut.har"
    cut.write_bytes(data[: starts[6] + 30])
    items = read(cut)
    assert len(exchanges(items)) == 5
    assert items[-1] == Skipped(5, "entry 5: the file ends inside it (cut short?)")
    full = exchanges(read(shared("har_files-firefox.har")))
    assert exchanges(items) == full[:5]


def test_syntax_error_mid_file_costs_only_that_entry(tmp_path: Path) -> None:
    path = write_har(tmp_path, [entry(), entry(url="https://example.com/BROKEN"), entry()])
    path.write_text(path.read_text().replace('"https://example.com/BROKEN"', "https://x"))
    items = read(path)
    assert len(exchanges(items)) == 2
    [skip] = skipped(items)
    assert skip.index == 1 and skip.reason.startswith("entry 1: invalid JSON at byte ")


def test_json_without_log_entries_is_not_har(tmp_path: Path) -> None:
    for i, doc in enumerate([{"log": {"version": "1.2"}}, {"entries": []}, {"log": {"entries": {}}}]):
        path = tmp_path / f"x{i}.json"
        path.write_text(json.dumps(doc))
        with pytest.raises(SourceError, match=r"x\d\.json: is JSON but not HAR \(no log\.entries\)$"):
            read_har(path)


def test_empty_entries_is_a_valid_empty_har(tmp_path: Path) -> None:
    assert read(write_har(tmp_path, [])) == []


def test_time_falls_back_to_previous_entry_then_file_mtime(tmp_path: Path) -> None:
    no_time = entry()
    del no_time["startedDateTime"]
    entries = [no_time, entry(startedDateTime="2024-05-06T07:08:09+02:00"), entry(startedDateTime="garbage")]
    path = write_har(tmp_path, entries)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    first, second, third = exchanges(read(path))
    assert first.time == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert second.time == datetime(2024, 5, 6, 5, 8, 9, tzinfo=UTC)
    assert third.time == second.time


def test_fingerprints_are_the_digest_of_the_entry_and_its_repeats(tmp_path: Path) -> None:
    """The fingerprint scheme is fixed: a file replayed again after an upgrade must find its flows."""
    ws = [{"type": "send", "time": 1_700_000_000, "data": "hi"}]
    path = write_har(tmp_path, [entry(method="POST", _webSocketMessages=ws), entry(method="POST")])

    def expected(occurrence: int) -> str:
        digest = hashlib.sha256()
        for part in (b"2024-01-02T03:04:05.123Z", b"POST", b"https://example.com/a", b""):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest() if occurrence < 0 else _sha(digest, occurrence)

    first, message, second = exchanges(read(path))
    assert first.fingerprint == expected(0)
    assert message.fingerprint == f"{expected(0)}:ws:0"
    assert second.fingerprint == expected(1)


def _sha(digest: Any, occurrence: int) -> str:
    digest.update(occurrence.to_bytes(8, "big"))
    return str(digest.hexdigest())


def test_a_websocket_message_without_a_time_takes_its_entrys_even_when_that_is_the_previous_one(
    tmp_path: Path,
) -> None:
    untimed = entry(
        _webSocketMessages=[{"type": "send", "data": "a"}, {"type": "send", "time": 0, "data": "b"}]
    )
    del untimed["startedDateTime"]
    path = write_har(tmp_path, [entry(startedDateTime="2024-05-06T07:08:09Z"), untimed])
    times = [e.time for e in exchanges(read(path))]
    previous = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert times == [previous, previous, previous, datetime(1970, 1, 1, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1+01:00", datetime(2024, 1, 2, 2, 4, 5, 100000, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456789-0530", datetime(2024, 1, 2, 8, 34, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),  # naive: taken as UTC
    ],
)
def test_started_date_time_formats(tmp_path: Path, stamp: str, expected: datetime) -> None:
    (ex,) = exchanges(read(write_har(tmp_path, [entry(startedDateTime=stamp)])))
    assert ex.time == expected


def test_response_variants(tmp_path: Path) -> None:
    no_response = entry()
    del no_response["response"]
    entries = [
        no_response,
        entry(response={"status": 0, "_error": "net::ERR_CONNECTION_RESET", "bodySize": -1}),
        entry(response={"status": 200.0, "bodySize": -1, "content": {"size": 1234}}),
        entry(response={"status": 204, "bodySize": -1, "content": {}}),
        entry(
            response={"status": 200, "headers": [{"name": "set-cookie", "value": "a=1"}], "bodySize": 10},
            serverIPAddress="[2001:db8::1]",
            _clientAddress="10.0.0.7",
        ),
    ]
    missing, reset, sized, empty, full = exchanges(read(write_har(tmp_path, entries)))
    assert (missing.status, missing.error, missing.response_bytes) == (None, "no response", 0)
    assert (reset.status, reset.error) == (None, "net::ERR_CONNECTION_RESET")
    assert (sized.status, sized.response_bytes) == (200, 1234)
    assert (empty.status, empty.response_bytes, empty.error) == (204, 0, None)
    assert full.response_headers == (("set-cookie", "a=1"),) and full.response_bytes == 10
    assert (full.server_ip, full.client_address) == ("2001:db8::1", "10.0.0.7")


def test_url_and_method_problems_are_skipped_with_reasons(tmp_path: Path) -> None:
    entries = [
        entry(url="data:image/png;base64,AAAA"),
        entry(url="example.com/path"),
        entry(url="http://[::1/"),
        entry(url="chrome-extension://abcdef/page.js"),
        entry(url="localhost:8080/x"),
        entry(url="https:///nohost"),
        entry(method=None),  # type: ignore[arg-type]
        {"request": {"method": "GET", "url": 5}},
        entry(url="http://ok.example/"),
    ]
    items = read(write_har(tmp_path, entries))
    assert [s.reason for s in skipped(items)] == [
        "entry 0: request.url is not HTTP: data:image/png;base64,AAAA",
        "entry 1: request.url is not absolute: example.com/path",
        "entry 3: request.url is not HTTP: chrome-extension://abcdef/page.js",
        "entry 4: request.url is not absolute: localhost:8080/x",
        "entry 5: request.url is not absolute: https:///nohost",
        "entry 6: request.method missing",
        "entry 7: request.url is not a string",
    ]
    # Python refuses `http://[::1/`; the request still went out, so it is imported as the proxy read it.
    assert [e.host for e in exchanges(items)] == ["::1", "ok.example"]


def test_unexpected_failure_inside_an_entry_skips_only_that_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = har._cookie_header

    def explode(raw: object) -> str:
        if raw == ["boom"]:
            raise RuntimeError("unexpected\nshape")
        return real(raw)

    monkeypatch.setattr(har, "_cookie_header", explode)
    items = read(write_har(tmp_path, [entry(), entry(request={"cookies": ["boom"]}), entry()]))
    assert skipped(items) == [Skipped(1, "entry 1: RuntimeError: unexpected shape")]
    assert len(exchanges(items)) == 2


def test_numbers_may_be_decimals() -> None:
    assert _int(Decimal("200")) == 200
    assert _int(Decimal("12.0")) == 12
    assert _int(Decimal("NaN")) is None
    assert _int(True) is None and _int("17") == 17 and _int("x") is None
    assert _epoch(Decimal("1693314240.5")) == datetime(2023, 8, 29, 13, 4, 0, 500000, tzinfo=UTC)
    assert _epoch(None) is None and _epoch(Decimal("1e30")) is None


# -- hostile files: one bad entry costs at most itself ----------------------------------------------

from tests.phonehome.sources._poisons import POISONS, write  # noqa: E402


@pytest.mark.parametrize("name", list(POISONS))
def test_a_poisoned_entry_costs_at_most_itself(tmp_path: Path, name: str) -> None:
    raw, imported = POISONS[name]
    items = read(write(tmp_path, "p.har", [raw]))
    good = [e for e in exchanges(items) if e.url.startswith("https://good.example.com/")]
    assert len(good) == 200
    assert len(exchanges(items)) == 200 + imported
    if not imported:
        [skip] = skipped(items)
        assert skip.index == 100 and skip.reason.startswith("entry 100: ")
    else:
        assert skipped(items) == []


def test_all_poisons_in_one_file(tmp_path: Path) -> None:
    items = read(write(tmp_path, "all.har", [raw for raw, _ in POISONS.values()]))
    assert len(exchanges(items)) == 200 + sum(imported for _, imported in POISONS.values())
    reasons = {s.index: s.reason for s in skipped(items)}
    assert "nested 100001 levels deep" in reasons[100 + list(POISONS).index("100k-deep nesting")]


def test_what_was_repaired_is_noted_on_the_flow(tmp_path: Path) -> None:
    raw, _ = POISONS["invalid UTF-8"]
    [bad] = [e for e in exchanges(read(write(tmp_path, "u.har", [raw], around=1))) if "p.example" in e.url]
    assert bad.url == "https://p.example.com/\ufffd\ufffd-u"
    [note] = bad.notes
    assert re.fullmatch(r"HAR entry 1: invalid UTF-8 at byte \d+ of the entry replaced with U\+FFFD", note)


def test_huge_numbers_are_dropped_not_fatal(tmp_path: Path) -> None:
    poisons = [POISONS[n][0] for n in ("integer of 100k digits", "status 1e300", "size 1e19")]
    bad = [e for e in exchanges(read(write(tmp_path, "n.har", poisons, around=0)))]
    assert [e.status for e in bad] == [None, int(1e300), 200]  # the store fits both to its column
    assert bad[2].response_bytes == 10**19  # the store fits it to its column, keeping this original


def test_deep_nesting_costs_memory_near_the_file_size(tmp_path: Path) -> None:
    import tracemalloc

    path = write(tmp_path, "deep.har", [POISONS["100k-deep nesting"][0]], around=5)
    tracemalloc.start()
    try:
        items = read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(exchanges(items)) == 10
    assert peak < 20 * path.stat().st_size  # it once took 10.8 GB for a 1.2 MB file


def test_gzip_compressed_har(tmp_path: Path) -> None:
    import gzip

    plain = shared("har_files-firefox.har").read_bytes()
    path = tmp_path / "x.har.gz"
    path.write_bytes(gzip.compress(plain))
    assert len(exchanges(read(path))) == 14
    cut = tmp_path / "cut.har.gz"
    packed = gzip.compress(plain)
    cut.write_bytes(packed[: len(packed) * 3 // 4])
    items = read(cut)
    assert skipped(items)[-1].reason.endswith("rest of file unreadable")


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)
_ENTRYISH = st.fixed_dictionaries(
    {},
    optional={
        "startedDateTime": st.one_of(st.text(max_size=30), _ANY_JSON),
        "request": st.one_of(
            _ANY_JSON,
            st.fixed_dictionaries(
                {"method": st.one_of(st.sampled_from(["GET", "POST"]), _ANY_JSON),
                 "url": st.one_of(st.just("https://e.example/x"), st.text(max_size=40).map(lambda t: "http://" + t), _ANY_JSON)},
                optional={"headers": _ANY_JSON, "postData": _ANY_JSON, "cookies": _ANY_JSON, "httpVersion": _ANY_JSON},
            ),
        ),
        "response": _ANY_JSON,
        "serverIPAddress": _ANY_JSON,
        "_webSocketMessages": _ANY_JSON,
    },
)  # fmt: skip


@settings(deadline=None)
@given(st.lists(_ENTRYISH, max_size=5))
def test_any_entry_shape_is_read_or_skipped_never_raised(
    tmp_path_factory: pytest.TempPathFactory, entries: list[Any]
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.har"
    path.write_text(json.dumps({"log": {"entries": entries}}), encoding="utf-8", errors="surrogatepass")
    items = read(path)
    assert len([i for i in items if isinstance(i, Skipped) and i.index >= 0]) <= len(entries)


@settings(deadline=None)
@given(st.binary(max_size=300), st.integers(0, 2000))
def test_random_bytes_and_cuts_never_raise(
    tmp_path_factory: pytest.TempPathFactory, noise: bytes, cut: int
) -> None:
    base = shared("har_files-chrome.har").read_bytes()
    folder = tmp_path_factory.mktemp("fuzz")
    for i, data in enumerate(
        [noise, base[:cut] + noise, base[: len(base) - cut] + noise, b'{"log":{"entries":[' + noise]
    ):
        path = folder / f"{i}.har"
        path.write_bytes(data)
        try:
            read(path)
        except SourceError:
            pass  # refused as a whole, with one line: allowed


# -- JSONP-wrapped HAR (HAR Viewer, PhantomJS netsniff) -----------------------------------------


def _requests(items: list[Item]) -> list[tuple[str, str]]:
    return [(i.method, i.url) for i in items if isinstance(i, Exchange)]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("onInputData(", ");"),
        ("onInputData (\n", "\n);\n"),
        ("\ufeff  harCallback(", ")"),
        ("window.x.y$(", ")"),
    ],
)
def test_jsonp_wrapped_har_reads_like_the_har_inside(tmp_path: Path, opening: str, closing: str) -> None:
    plain = shared("har_files-postdata.har")
    wrapped = tmp_path / "wrapped.har"
    wrapped.write_text(opening + plain.read_text(encoding="utf-8-sig") + closing, encoding="utf-8")
    assert _requests(list(open_source(wrapped))) == _requests(list(open_source(plain)))
    assert _requests(list(open_source(wrapped)))


def test_jsonp_wrapped_har_gzipped(tmp_path: Path) -> None:
    import gzip

    plain = shared("har_files-chrome.har")
    wrapped = tmp_path / "wrapped.har.gz"
    wrapped.write_bytes(
        gzip.compress(("onInputData(" + plain.read_text(encoding="utf-8-sig") + ");").encode())
    )
    assert _requests(list(open_source(wrapped))) == _requests(list(open_source(plain)))


@pytest.mark.parametrize("text", ["onInputData", "onInputData(42);", "hello world(", 'x("not json")'])
def test_things_that_only_look_like_jsonp_are_refused_in_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.har"
    path.write_text(text)
    with pytest.raises(SourceError) as err:
        list(open_source(path))
    assert "\n" not in str(err.value)


# --- entries parsed by orjson ---------------------------------------------------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
# Number literals as a file may spell them: any digits, fraction and exponent JSON allows.
_NUMBER_TEXT = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{'.' + frac if frac else ''}{'e' + exp if exp else ''}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"\A(0|[1-9][0-9]{0,24})\Z"),
    st.from_regex(r"\A[0-9]{0,24}\Z"),
    st.from_regex(r"\A[+-]?[0-9]{1,3}\Z") | st.just(""),
)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type all the way down, -0.0 told from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        return repr(a) == repr(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@given(value=_JSON_VALUES, ascii_only=st.booleans(), numbers=st.lists(_NUMBER_TEXT, max_size=4))
def test_what_orjson_reads_of_an_entry_is_what_the_standard_module_reads(
    value: Any, ascii_only: bool, numbers: list[str]
) -> None:
    """Fails if an entry orjson is allowed to read comes out different in any value or type."""
    for text in (json.dumps(value, ensure_ascii=ascii_only), f"[{', '.join(numbers)}]"):
        data = text.encode("utf-8", "surrogatepass")
        got = har._parse_plain(data)
        if got is har._NOT_PLAIN:
            continue
        assert _same(got, json.loads(data.decode("utf-8"))), text


_LONG_IDS = st.builds(
    lambda before, digits, after: f"{before}{digits}{after}",
    st.sampled_from(["", "/", "id=", "&x=", "a", "_", "%2F", "e", "-", ".", " ", ":", ",", "["]),
    st.from_regex(r"\A[0-9]{19,26}\Z"),
    st.sampled_from(["", "/", "&", "x"]),
)
_BIG_NUMBERS = st.integers(10**18, 10**25) | st.integers(-(10**25), -(10**18))


@given(
    st.lists(
        _LONG_IDS
        | _BIG_NUMBERS
        | st.dictionaries(st.sampled_from(["id", "u"]), _LONG_IDS | _BIG_NUMBERS, max_size=2),
        max_size=5,
    ),
    st.sampled_from([{}, {"separators": (",", ":")}, {"indent": 1}]),
)
def test_long_digits_in_strings_are_read_by_orjson_and_long_numbers_are_not(
    values: list[Any], fmt: dict[str, Any]
) -> None:
    """A tracker's long ids in URLs and strings no longer send an entry the slow way; a number of as
    many digits still does (orjson would read some as floats).  Fails if either goes the other way."""
    text = json.dumps(values, **fmt)
    got = har._parse_plain(text.encode())
    if got is not har._NOT_PLAIN:
        assert _same(got, json.loads(text)), text
    scalars = [x for v in values for x in (v.values() if isinstance(v, dict) else [v])]
    if any(isinstance(x, int) for x in scalars):
        assert got is har._NOT_PLAIN, text  # a number of 19 digits or more: the standard module reads it
    elif all(x[:1] not in ("", "e", "-", ".", " ", ":", ",", "[") for x in scalars):
        # Digits after a letter, `/`, `=`, `%2F`, `_` can only be inside a string; after what a
        # number could follow (exponent, sign, point, space, `:`, `,`, `[`) they still go the slow way.
        assert got is not har._NOT_PLAIN, text


def test_orjson_reads_most_entries_and_leaves_the_rest_to_the_standard_module() -> None:
    """The fast path is taken (or this test fails), and what it must not read goes the other way."""
    assert har._parse_plain(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    for data in (b'["\\ud800"]', b"[NaN]", b"[1e400]", b'["\xff"]', b"[-9223372036854775809]",
                 b'{"a": 1,}', b"[1]" + b" " * (har._PLAIN_MAX)):  # fmt: skip
        assert har._parse_plain(data) is har._NOT_PLAIN, data[:40]


# --- entries cut by parsing them, or by counting brackets: the same import ------------------------


def _read_both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Item], list[Item]]:
    fast = read(path)
    real = har.EntryScanner

    def bracket_cut(f: Any, chunk: int = 1 << 20, parse: Any = None, max_depth: int = 0) -> Any:
        return real(f, chunk)

    with monkeypatch.context() as m:
        m.setattr(har, "EntryScanner", bracket_cut)
        slow = read(path)
    return fast, slow


_ENTRY_PARTS = st.fixed_dictionaries(
    {
        "url": st.sampled_from(
            ["https://a.example/x?id=12345678901234567890", "http://b.example/", "data:x", "/rel"]
        ),
        "headers": st.lists(st.sampled_from([":authority", "User-Agent", "Cookie", "x"]), max_size=3),
        "body": st.one_of(
            st.none(), st.text(max_size=30), st.just("[[[[{]}]]"), st.just('{"k": [1, {"a": 2}]}')
        ),
        "status": st.one_of(st.integers(-1, 600), st.just(10**30), st.just(1.5), st.none()),
        "first": st.sampled_from(["startedDateTime", "pageref", "_initiator"]),
        "deep": st.integers(0, 70),
    }
)


def _built(parts: dict[str, Any]) -> dict[str, Any]:
    value: Any = 1
    for _ in range(parts["deep"]):
        value = [value]
    request: dict[str, Any] = {
        "method": "POST",
        "url": parts["url"],
        "headers": [{"name": n, "value": "v"} for n in parts["headers"]],
        "nested": value,
    }
    if parts["body"] is not None:
        request["postData"] = {"mimeType": "application/json", "text": parts["body"]}
    doc: dict[str, Any] = {parts["first"]: "x"} if parts["first"] != "startedDateTime" else {}
    doc |= {
        "startedDateTime": "2026-11-20T09:00:00Z",
        "request": request,
        "response": {"status": parts["status"]},
    }
    return doc


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(_ENTRY_PARTS, min_size=1, max_size=12),
    st.sampled_from([{}, {"separators": (",", ":")}, {"indent": 2}]),
)
def test_an_import_is_the_same_whether_entries_are_cut_by_parsing_or_by_brackets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[dict[str, Any]], fmt: dict[str, Any]
) -> None:
    """Exchanges, fingerprints, skips and their reasons (an entry nested too deep, a URL that is not
    HTTP, a status of 10**30) come out the same either way (fails if `Parsed` entries were handled
    otherwise than the same entries as bytes)."""
    path = tmp_path / "p.har"
    path.write_text(json.dumps({"log": {"entries": [_built(p) for p in parts]}}, **fmt))
    fast, slow = _read_both(path, monkeypatch)
    assert fast == slow


def test_the_poisons_import_the_same_whether_cut_by_parsing_or_by_brackets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = _read_both(write(tmp_path, "all.har", [raw for raw, _ in POISONS.values()]), monkeypatch)
    assert fast == slow
