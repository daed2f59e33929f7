"""HAR written by phonehome reads back through phonehome's own importer, entry for entry."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from phonehome.classifiers.model import Exchange

from phonehome.sources import Skipped, open_source
from phonehome.sources.harwrite import HarSpill, har_entry

EXCHANGES = [
    Exchange(
        time=datetime(2026, 11, 20, 8, 0, i, tzinfo=UTC), method="POST", url=f"https://t.example.com/e?n={i}",
        request_headers=(("Content-Type", "application/json"), ("User-Agent", "x")),
        request_body=b'{"imei":"861234567890127"}' if i % 2 else bytes([0x1F, 0x8B, 0, 1, 2, 0xFF]),
        status=200 if i else None, server_ip="203.0.113.9", client_address="192.168.1.23",
        error=None if i else "connection reset",
    )
    for i in range(3)
]  # fmt: skip


def test_spill_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "spill.har"
    spill = HarSpill(path)
    assert not path.exists()  # nothing written, no file
    for ex in EXCHANGES:
        spill.write(ex)
    spill.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(json.loads(path.read_text())["log"]["entries"]) == 3
    back = [item for item in open_source(path)]
    assert all(not isinstance(item, Skipped) for item in back)
    for original, again in zip(EXCHANGES, back, strict=True):
        assert isinstance(again, Exchange)
        assert (again.time, again.method, again.url, again.request_body, again.server_ip) == (
            original.time, original.method, original.url, original.request_body, original.server_ip,
        )  # fmt: skip
        assert again.status == original.status and again.client_address == "192.168.1.23"


def test_an_unclosed_spill_still_replays_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "cut.har"
    spill = HarSpill(path)
    for ex in EXCHANGES[:2]:
        spill.write(ex)  # the process dies here: no closing brackets
    items = list(open_source(path))
    assert [i.url for i in items if isinstance(i, Exchange)] == [EXCHANGES[0].url, EXCHANGES[1].url]
    assert len([i for i in items if isinstance(i, Skipped)]) == 1


def test_binary_bodies_are_base64_in_the_entry() -> None:
    entry = har_entry(EXCHANGES[0])
    assert entry["request"]["postData"]["encoding"] == "base64"
    assert entry["_error"] == "connection reset" and entry["response"]["status"] == 0


# -- every poison survives the spill file -------------------------------------------------------------

from tests.db.test_store_hostile import POISONS  # noqa: E402


def test_every_poison_replays_from_a_spill_file(tmp_path: Path) -> None:
    path = tmp_path / "spill.har"
    spill = HarSpill(path)
    poisoned = [ex for _, ex, _ in POISONS]
    for ex in poisoned:
        spill.write(ex)
    spill.close()
    items = list(open_source(path))
    back = [i for i in items if isinstance(i, Exchange)]
    assert [i for i in items if isinstance(i, Skipped)] == []
    assert [e.url for e in back] == [e.url for e in poisoned]  # surrogates and NUL included
    assert [e.method for e in back] == [e.method for e in poisoned]
    assert [e.status for e in back] == [e.status for e in poisoned]
    assert [e.request_headers for e in back] == [e.request_headers for e in poisoned]
