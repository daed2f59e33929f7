"""phonehome.export: HAR out, redacted by default, full with --reveal, importable either way."""

from __future__ import annotations

import json
import os
from pathlib import Path

from phonehome.db.queries import Filters
from phonehome.db.store import Store

from phonehome.export import export_har
from phonehome.pipeline import replay
from tests.phonehome.report.conftest import hostile_exchanges  # noqa: F401 - shared fixture module

SECRETS = ("861234567890127", "38400000-8cf0-11bd-b23e-10b96e40000d", "alice@example.com", "9f3b2c1d4e5f6a7b")


def _db(tmp_path: Path) -> Store:
    from phonehome.classifiers.registry import analyze

    store = Store(str(tmp_path / "e.db"))
    sid = store.open_session("s", "capture")
    exchanges = hostile_exchanges()
    store.write(sid, "", [analyze(x) for x in exchanges])
    return store


def test_redacted_by_default(tmp_path: Path) -> None:
    store = _db(tmp_path)
    out = tmp_path / "out.har"
    n = export_har(store, Filters(), out)
    store.dispose()
    assert n == 11
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = out.read_text()
    har = json.loads(text)
    assert len(har["log"]["entries"]) == 11
    for secret in SECRETS:
        assert secret not in text
    bodies = [e for e in har["log"]["entries"] if "_phonehome" in e]
    assert bodies and all(e["request"]["postData"]["text"] == "" for e in bodies)
    assert "192.168.1.23" not in text  # the phone's own address is left out too


def test_reveal_round_trips_through_replay(tmp_path: Path) -> None:
    store = _db(tmp_path)
    out = tmp_path / "full.har"
    export_har(store, Filters(host="xiaomi.com"), out, reveal=True)
    store.dispose()
    text = out.read_text()
    assert "9f3b2c1d4e5f6a7b" in text
    again = Store(str(tmp_path / "again.db"))
    report = replay(again, [out], label="again")
    again.dispose()
    assert report.stored == 8 and report.findings >= 8


def test_existing_file_is_made_private(tmp_path: Path) -> None:
    store = _db(tmp_path)
    out = tmp_path / "old.har"
    out.write_text("old")
    os.chmod(out, 0o644)
    export_har(store, Filters(), out)
    store.dispose()
    assert os.stat(out).st_mode & 0o777 == 0o600


def test_reveal_never_writes_a_password(tmp_path: Path) -> None:
    import base64
    from datetime import UTC, datetime

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    secret = "hunter2-Secret"
    basic = base64.b64encode(f"alice:{secret}".encode()).decode()
    ex = Exchange(
        datetime(2026, 12, 1, tzinfo=UTC), "POST", f"https://login.example.org/s?pwd={secret}",
        request_headers=(("Content-Type", "application/json"), ("Authorization", f"Basic {basic}")),
        request_body=json.dumps({"user": "alice", "password": secret}).encode(), fingerprint="p",
    )  # fmt: skip
    store = Store(str(tmp_path / "p.db"))
    try:
        sid = store.open_session("p", "replay")
        store.write(sid, "p", [analyze(ex)])
        for reveal in (False, True):
            out = tmp_path / f"p{reveal}.har"
            assert export_har(store, Filters(), out, reveal=reveal) == 1
            text = out.read_text()
            assert secret not in text and basic not in text
            assert ('"user": \\"alice\\"' in text or "alice" in text) == reveal  # the rest is all there
    finally:
        store.dispose()


def _devices_db(db: str) -> Store:
    """One capture of two phones (pixel named, the other known by its address) and a replay."""
    from dataclasses import replace

    from phonehome.classifiers.registry import analyze

    store = Store(db)
    exchanges = hostile_exchanges()
    sid = store.open_session("lab", "capture")
    phones = [
        replace(x, client_address="192.168.1.40" if i % 2 else "192.168.1.41")
        for i, x in enumerate(exchanges)
    ]
    store.write(sid, "", [analyze(x) for x in phones], {"192.168.1.40": "pixel"})
    replayed = [replace(x, client_address=None, fingerprint=f"r{i}") for i, x in enumerate(exchanges[:2])]
    store.write(store.open_session("old.har", "replay"), "old.har", [analyze(x) for x in replayed])
    return store


def test_one_page_per_session_and_device(db_url: str, tmp_path: Path) -> None:
    store = _devices_db(db_url)
    out = tmp_path / "lab.har"
    n = export_har(store, Filters(), out)
    store.dispose()
    log = json.loads(out.read_text())["log"]
    assert n == 13 == len(log["entries"])
    pages = {p["id"]: p for p in log["pages"]}
    titles = [p["title"] for p in log["pages"]]
    assert sorted(titles) == ["lab · device 1", "lab · pixel", "old.har · old.har"]
    assert all(p["startedDateTime"] and p["pageTimings"] == {} for p in log["pages"])
    for entry in log["entries"]:
        page = pages[entry["pageref"]]
        assert (entry["_session"], entry["_device"]) == (page["_session"], page["_device"])
    assert sum(e["_device"] == "pixel" for e in log["entries"]) == 5
    times = [e["startedDateTime"] for e in log["entries"]]
    assert times == sorted(times)  # entries stay in time order
    assert "192.168.1.41" not in out.read_text() and "192.168.1.40" not in out.read_text()


def test_reveal_keeps_addresses_and_a_device_filter_keeps_one_page(db_url: str, tmp_path: Path) -> None:
    store = _devices_db(db_url)
    out = tmp_path / "one.har"
    n = export_har(store, Filters(session="lab", device="192.168.1.41"), out, reveal=True)
    store.dispose()
    log = json.loads(out.read_text())["log"]
    assert n == 6 and [p["title"] for p in log["pages"]] == ["lab · 192.168.1.41"]
    assert {e["pageref"] for e in log["entries"]} == {log["pages"][0]["id"]}
    again = Store(str(tmp_path / "again.db"))
    report = replay(again, [out], label="again")  # pages and the added fields do not disturb an import
    again.dispose()
    assert report.stored == 6
