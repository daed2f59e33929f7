"""phonehome.resolve: --resolve fills in missing server addresses, once per host, and says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.reanalyze import KEPT_NOTES

from phonehome.resolve import RESOLVED_NOTE, Resolver


def _exchange(url: str, ip: str | None = None) -> Exchange:
    return Exchange(time=datetime(2026, 1, 1, tzinfo=UTC), method="GET", url=url, server_ip=ip)


def test_each_host_is_resolved_once_and_failures_are_remembered() -> None:
    asked: list[str] = []

    def lookup(host: str) -> str | None:
        asked.append(host)
        return "203.0.113.5" if host == "a.example" else None

    r = Resolver(lookup)
    for _ in range(5):
        assert r.address("A.example.") == "203.0.113.5"
        assert r.address("b.example") is None
    assert asked == ["a.example", "b.example"]
    assert r.address("198.51.100.2") == "198.51.100.2"  # an address needs no lookup
    assert r.address("[2001:db8::1]") == "2001:db8::1"
    assert asked == ["a.example", "b.example"]


def test_fill_keeps_recorded_addresses() -> None:
    r = Resolver(lambda host: "203.0.113.5")
    kept, added = r.fill(_exchange("https://a.example/x", "198.51.100.9"))
    assert (kept.server_ip, added) == ("198.51.100.9", False)
    filled, added = r.fill(_exchange("https://a.example/x"))
    assert (filled.server_ip, added) == ("203.0.113.5", True)


def test_prepare_notes_the_flows_it_fills_in() -> None:
    r = Resolver(lambda host: "203.0.113.5")
    filled = r.prepare(replace(_exchange("https://a.example/x"), notes=("invalid UTF-8 replaced",)))
    assert filled.server_ip == "203.0.113.5"
    assert filled.notes == ("invalid UTF-8 replaced", RESOLVED_NOTE)
    recorded = _exchange("https://a.example/x", "198.51.100.9")
    assert r.prepare(recorded) is recorded  # a recorded address is kept, and no note added
    unknown = _exchange("https://nowhere.example/x")
    assert Resolver(lambda host: None).prepare(unknown) is unknown
    assert RESOLVED_NOTE in KEPT_NOTES  # re-analysis keeps the provenance


def test_the_note_reaches_the_stored_analysis() -> None:
    """The note travels on the exchange, so an analysis made anywhere (a worker process) has it."""
    analysis = analyze(Resolver(lambda host: "203.0.113.5").prepare(_exchange("https://a.example/x")))
    assert analysis.exchange.server_ip == "203.0.113.5" and analysis.destination.ip == "203.0.113.5"
    assert RESOLVED_NOTE in analysis.notes
