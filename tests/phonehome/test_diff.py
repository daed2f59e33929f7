"""phonehome.diff: what appeared, went or changed between two sessions."""

from __future__ import annotations

from dataclasses import replace
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
    assert any(line.startswith("  ~ advertising ID (2 → 1)") for line in lines)
    assert any(line.startswith("  - Singapore") for line in lines)  # countries by name, kinds by label


def _two_devices(db: str) -> Store:
    """Two sessions of two phones (one named pixel, one known by its address) and, after, a tablet."""
    store = Store(db)
    names = {"192.168.1.40": "pixel", "192.168.1.42": "tablet"}

    def at(x: Exchange, client: str) -> Exchange:
        return replace(x, client_address=client)

    before = store.open_session("on", "capture")
    after = store.open_session("off", "capture")
    store.write(before, "", [analyze(x) for x in (
        at(_ex("https://tracking.intl.miui.com/track/v4", "b1", "8.219.52.190", b"imei=861234567890127"), "192.168.1.40"),
        at(_ex("https://app.adjust.com/session", "b2", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
           "192.168.1.41"),
    )], names)  # fmt: skip
    store.write(after, "", [analyze(x) for x in (
        at(_ex("https://app.adjust.com/session", "a1", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
           "192.168.1.40"),
        at(_ex("https://app.adjust.com/session", "a2", "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"),
           "192.168.1.41"),
        at(_ex("https://www.google.com/search?q=weather+berlin", "a3", "142.250.201.68"), "192.168.1.42"),
    )], names)  # fmt: skip
    return store


def test_sessions_of_several_devices_are_also_compared_device_by_device(db_url: str) -> None:
    store = _two_devices(db_url)
    d = diff_sessions(store, "on", "off")
    store.dispose()
    # The whole sessions, as before.
    assert (d["before"]["flows"], d["after"]["flows"]) == (2, 3)
    assert {x["name"] for x in d["kinds"]["disappeared"]} == {"imei"}
    assert d["before"]["device"] is None
    assert d["before"]["devices"] == [{"device": "192.168.1.41", "flows": 1, "findings": 1},
                                      {"device": "pixel", "flows": 1, "findings": 1}]  # fmt: skip
    # Then each device seen in both.
    by = {x["device"]: x for x in d["by_device"]}
    assert sorted(by) == ["192.168.1.41", "pixel"]
    assert {x["name"] for x in by["pixel"]["kinds"]["disappeared"]} == {"imei"}
    assert {x["name"] for x in by["pixel"]["kinds"]["appeared"]} == {"advertising_id"}
    assert by["192.168.1.41"]["kinds"]["unchanged"] == [{"name": "advertising_id", "count": 1}]
    assert (by["pixel"]["before"], by["pixel"]["after"]) == (
        {"flows": 1, "findings": 1},
        {"flows": 1, "findings": 1},
    )
    lines = diff_lines(d)
    assert "Device pixel: 1 → 1 request, 1 → 1 finding" in lines
    assert "  Kinds of data:" in lines and "    - IMEI (phone hardware ID) (1)" in lines
    assert "Devices only after: tablet (1 request)" in lines


def test_one_device_or_two_devices_of_one_session(db_url: str) -> None:
    store = _two_devices(db_url)
    one = diff_sessions(store, "on", "off", before_device="pixel", after_device="pixel")
    two = diff_sessions(store, "off", "off", before_device="pixel", after_device="tablet")
    store.dispose()
    assert (one["before"]["device"], one["by_device"]) == ("pixel", [])
    assert {x["name"] for x in one["kinds"]["disappeared"]} == {"imei"}
    assert {x["name"] for x in two["kinds"]["appeared"]} == {"search_query"}
    assert {x["name"] for x in two["kinds"]["disappeared"]} == {"advertising_id"}
    assert diff_lines(two)[:2] == [
        "before: off, device pixel (1 request, 1 finding)",
        "after:  off, device tablet (1 request, 1 finding)",
    ]


def test_single_device_sessions_keep_their_output(tmp_path: Path) -> None:
    """Replays (each its own device, named by its label) are compared as wholes, as before."""
    store = Store(str(tmp_path / "r.db"))
    for label, fp in (("a.har", "r1"), ("b.har", "r2")):
        store.write(store.open_session(label, "replay"), label, [analyze(_ex("https://app.adjust.com/session", fp,
                    "3.65.142.9", b"gps_adid=38400000-8cf0-11bd-b23e-10b96e40000d"))])  # fmt: skip
    d = diff_sessions(store, "a.har", "b.har")
    store.dispose()
    assert d["by_device"] == [] and not any(line.startswith(("Device", "Devices")) for line in diff_lines(d))
