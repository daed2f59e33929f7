"""phonehome.sources.zone: a HAR's recording zone from its first startedDateTime; dumps are UTC."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.db.store import Store

from phonehome.pipeline import replay
from phonehome.sources.zone import file_zone, zone_of_time


def _har(times: list[str], page: str | None = None) -> dict[str, object]:
    entries = [
        {"startedDateTime": t, "time": 1, "request": {"method": "GET", "url": f"https://x.example/{i}", "headers": [],
         "queryString": [], "httpVersion": "HTTP/1.1", "cookies": [], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                      "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1,
                      "bodySize": 0}, "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}
        for i, t in enumerate(times)
    ]  # fmt: skip
    pages = [{"startedDateTime": page, "id": "p", "title": "", "pageTimings": {}}] if page else []
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "t", "version": "1"},
            "pages": pages,
            "entries": entries,
        }
    }


@pytest.mark.parametrize(
    ("text", "zone"),
    [("2024-05-01T08:00:01.900+02:00", "+02:00"), ("2024-05-01T08:00:01-05:30", "-05:30"),
     ("2024-05-01T08:00:01Z", "UTC"), ("2024-05-01T08:00:01.123456+00:00", "UTC"), ("2024-05-01T08:00:01", "UTC"),
     ("yesterday", "UTC")],
)  # fmt: skip
def test_zone_of_time(text: str, zone: str) -> None:
    assert zone_of_time(text) == zone


def test_first_entry_names_the_zone(tmp_path: Path) -> None:
    path = tmp_path / "a.har"
    path.write_text(json.dumps(_har(["2024-05-01T08:00:01+09:00", "2024-05-01T08:00:02+02:00"],
                                    page="2024-05-01T08:00:00-04:00")))  # fmt: skip
    assert file_zone(path) == "+09:00"


def test_gzip_har_and_unreadable_files(tmp_path: Path) -> None:
    gz = tmp_path / "a.har.gz"
    gz.write_bytes(gzip.compress(json.dumps(_har(["2024-05-01T08:00:01+01:00"])).encode()))
    assert file_zone(gz) == "+01:00"
    dump = tmp_path / "x.flows"
    dump.write_bytes(b"\x00\x01binary dump")
    assert file_zone(dump) == "UTC"
    assert file_zone(tmp_path / "missing.har") == "UTC"


@given(st.binary(max_size=300))
def test_any_bytes_give_a_zone_or_utc(data: bytes) -> None:
    from phonehome.sources.zone import _first_started

    started = _first_started(data)
    zone = "UTC" if started is None else zone_of_time(started.decode("ascii", "replace"))
    assert zone == "UTC" or (zone[0] in "+-" and len(zone) == 6)


def test_replay_stores_the_har_zone(tmp_path: Path) -> None:
    path = tmp_path / "berlin.har"
    path.write_text(json.dumps(_har(["2024-05-01T08:00:01.900+02:00"])))
    store = Store(str(tmp_path / "t.db"))
    try:
        replay(store, [path], label="berlin")
        assert store.session_zone("berlin") == "+02:00"
    finally:
        store.dispose()
