"""phonehome.db.zones: the zone a session is stored with."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from phonehome.db.store import Store
from phonehome.db.zones import machine_zone, offset_name, zone_of_offset


def test_zone_of_offset() -> None:
    assert zone_of_offset(timedelta(hours=2)) == "+02:00"
    assert zone_of_offset(timedelta(hours=-3, minutes=-30)) == "-03:30"
    assert zone_of_offset(timedelta(0)) == "UTC"
    assert zone_of_offset(None) == "UTC"
    assert zone_of_offset(timedelta(hours=30)) == "UTC"
    assert offset_name(timedelta(hours=5, minutes=45)) == "+05:45"


@pytest.mark.parametrize(
    ("tz", "zone"),
    [("Europe/Berlin", "Europe/Berlin"), (":America/New_York", "America/New_York"), ("Etc/UTC", "UTC"),
     ("UTC", "UTC")],
)  # fmt: skip
def test_machine_zone_from_tz(monkeypatch: pytest.MonkeyPatch, tz: str, zone: str) -> None:
    monkeypatch.setenv("TZ", tz)
    assert machine_zone() == zone


def test_machine_zone_without_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "No/SuchZone")
    monkeypatch.setattr("os.path.realpath", lambda p: "/nowhere")
    zone = machine_zone()
    assert zone == "UTC" or (zone[0] in "+-" and len(zone) == 6)


def test_a_capture_records_the_machine_zone_and_a_replay_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    store = Store(str(tmp_path / "z.db"))
    try:
        store.open_session("live", "capture")
        store.open_session("har", "replay", zone="-04:00")
        store.open_session("dump", "replay")
        assert store.session_zone("live") == "Asia/Tokyo"
        assert store.session_zone("har") == "-04:00"
        assert store.session_zone("dump") == "UTC"
        store.open_session("live", "capture", zone="+01:00")  # a reopened session keeps its zone
        assert store.session_zone("live") == "Asia/Tokyo"
        assert store.session_zone("no such session") == "UTC"
    finally:
        store.dispose()
