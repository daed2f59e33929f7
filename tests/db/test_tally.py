"""db/tally.py: the writer's running counts, read from another thread while they change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from phonehome.classifiers.model import Analysis, Destination, Exchange, Finding, Kind, Source, Where
from phonehome.db import tally as tally_module
from phonehome.db.tally import FEED, Tally

T = datetime(2026, 12, 6, tzinfo=UTC)


def _analysis(host: str, kinds: tuple[Kind, ...] = (), *, entity: str | None = None, country: str = "US",
              status: int | None = 200, error: str | None = None) -> Analysis:  # fmt: skip
    ex = Exchange(T, "GET", f"https://{host}/x", status=status, error=error)
    found = tuple(Finding(k, f"v-{k.value}", Where.QUERY, "k", (), 0.9, Source.KEY, "test") for k in kinds)
    return Analysis(ex, found, Destination(host=host, domain=host, country=country, entity=entity))


def test_counts_flows_findings_receivers_countries_and_devices() -> None:
    tally = Tally()
    tally.add_flows([
        (_analysis("a.example", (Kind.IMEI, Kind.EMAIL), entity="Acme", country="CN"), "pixel"),
        (_analysis("b.example", (Kind.IMEI,)), "pixel"),
        (_analysis("c.example"), "iphone"),
    ])  # fmt: skip
    s = tally.snapshot()
    assert (s.flows, s.findings, s.not_sent) == (3, 3, 0)
    assert dict(s.kinds) == {"imei": 2, "email": 1} and s.kinds[0] == ("imei", 2)
    assert dict(s.companies) == {"Acme": 1, "b.example": 1, "c.example": 1}
    assert dict(s.countries) == {"CN": 1, "US": 2}
    assert dict(s.devices) == {"pixel": 2, "iphone": 1}
    assert [r.kind for r in s.newest] == ["imei", "email", "imei"]  # newest first
    assert s.newest[-1].receiver == "Acme" and s.last_traffic is not None


def test_a_capture_meeting_new_hosts_for_days_keeps_counts_for_the_busiest_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tally_module, "RECEIVERS", 4)
    tally = Tally()
    for i in range(200):
        tally.add_flows([(_analysis("busy.example"), "pixel"), (_analysis("busier.example"), "pixel")])
        tally.add_flows([(_analysis("busier.example"), "pixel"), (_analysis(f"new{i}.example"), "pixel")])
        assert len(tally._companies) <= 8  # noqa: SLF001
    s = tally.snapshot()
    assert s.companies[:2] == (("busier.example", 400), ("busy.example", 200))
    assert s.flows == 800  # every flow counted, whatever its receiver


def test_a_request_that_never_left_is_counted_as_not_sent_only() -> None:
    tally = Tally()
    tally.add_flows([(_analysis("gone.example", (Kind.IMEI,), status=502, error="Connection refused"), "d")])
    s = tally.snapshot()
    assert (s.flows, s.not_sent, s.findings, s.kinds, s.companies) == (1, 1, 0, (), ())


def test_blind_spots_by_kind() -> None:
    tally = Tally()
    tally.add_blind_spots(["client_tls", "client_tls", "udp"])
    assert dict(tally.snapshot().blind_spots) == {"client_tls": 2, "udp": 1}


def test_drain_returns_each_finding_once_and_counts_what_did_not_fit() -> None:
    tally = Tally()
    tally.add_flows([(_analysis("a.example", (Kind.IMEI,)), "d")])
    items, dropped = tally.drain()
    assert [r.kind for r in items] == ["imei"] and dropped == 0
    assert tally.drain() == ([], 0)
    many = [(_analysis(f"h{i}.example", (Kind.EMAIL,)), "d") for i in range(FEED + 25)]
    tally.add_flows(many)
    items, dropped = tally.drain()
    assert len(items) == FEED and dropped == 25


def test_snapshots_are_consistent_while_the_writer_adds() -> None:
    tally = Tally()
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            tally.add_flows([(_analysis("a.example", (Kind.IMEI, Kind.EMAIL)), "d")])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(300):
            s = tally.snapshot()
            assert s.findings == 2 * s.flows == sum(n for _, n in s.kinds)
    finally:
        stop.set()
        thread.join()


def test_a_writer_without_a_live_view_keeps_no_counts(tmp_path: Path) -> None:
    """A replay shows no live view: its writer stores the same and counts nothing beside."""
    from phonehome.db.store import Store, Writer

    store = Store(str(tmp_path / "t.db"))
    try:
        sid = store.open_session("t", "replay")
        ex = [Exchange(datetime(2026, 12, 7, tzinfo=UTC), "GET", f"https://t.example/?imei=861234567890127&n={n}",
                       fingerprint=str(n)) for n in range(3)]  # fmt: skip
        counted, quiet = Writer(store, sid).start(), Writer(store, sid, live=False).start()
        for writer, part in ((counted, ex[:2]), (quiet, ex[2:])):
            for item in part:
                writer.submit(item)
        assert (counted.close().stored, quiet.close().stored) == (2, 1)
        assert (counted.tally.snapshot().flows, counted.tally.snapshot().findings) == (2, 2)
        assert quiet.tally.snapshot() == Tally().snapshot()
    finally:
        store.dispose()
