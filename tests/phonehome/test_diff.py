"""phonehome.diff: what appeared, went or changed between two sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store

from phonehome.diff import diff_lines, diff_sessions

T = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _ex(url: str, fp: str, ip: str, body: bytes = b"") -> Exchange:
    return Exchange(T, "POST" if body else "GET", url, request_body=body, server_ip=ip, status=200, fingerprint=fp,
                    request_headers=(("Content-Type", "application/x-www-form-urlencoded"),))  # fmt: skip


def test_before_and_after_a_setting(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "d.db"))
    before = store.open_session("programme on", "capture")
    after = store.open_session("programme off", "capture")
    store.write(before, "", [analyze(x) for x in (
        _ex("https://tracking.intl.miui.com/track/v4", "b1", "8.219.52.190", b"imei=861234567890127&lat=52.5200&lon=13.4050"),
        _ex("https://app.adjust.com/session", "b2", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
        _ex("https://app.adjust.com/session", "b3", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
    )])  # fmt: skip
    store.write(after, "", [analyze(x) for x in (
        _ex("https://app.adjust.com/session", "a1", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
        _ex("https://www.google.com/search?q=weather+berlin", "a2", "142.250.201.68"),
    )])  # fmt: skip
    d = diff_sessions(store, "programme on", "programme off")
    store.dispose()
    gone = {x["name"] for x in d["kinds"]["disappeared"]}
    assert {"imei", "coordinates"} <= gone
    assert {x["name"] for x in d["companies"]["disappeared"]} == {"Xiaomi"}
    assert {x["name"] for x in d["kinds"]["appeared"]} >= {"search_query"}
    changed = {x["name"]: (x["before"], x["after"]) for x in d["kinds"]["changed"]}
    assert changed["advertising_id"] == (2, 1)
    assert "SG" in {x["name"] for x in d["countries"]["disappeared"]}
    assert (d["before"]["flows"], d["after"]["flows"]) == (3, 2)
    lines = diff_lines(d)
    assert any(line.startswith("  - Xiaomi") for line in lines)
    assert any(line.startswith("  ~ advertising_id (2 → 1)") for line in lines)
