"""Re-running the classifiers over stored flows replaces their findings, and only theirs (both databases)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest
from phonehome.classifiers.detect.known import KnownValues
from phonehome.classifiers.model import Analysis, Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import Filters, findings
from phonehome.db.reanalyze import exchange_of, reanalyze
from phonehome.db.store import Store
from sqlalchemy import select

IMEI = "861234567890127"


def _exchange(i: int, body: bytes) -> Exchange:
    return Exchange(
        time=datetime(2026, 11, 20, 8, 0, i, tzinfo=UTC), method="POST", url=f"https://t.example.com/e/{i}",
        request_headers=(("Content-Type", "application/json"),), request_body=body, status=200, fingerprint=str(i),
    )  # fmt: skip


def test_reanalyze_with_known_values_finds_hashed_ids_and_keeps_flows(db_url: str) -> None:
    import hashlib

    digest = hashlib.sha256(IMEI.encode()).hexdigest()
    store = Store(db_url)
    try:
        a = store.open_session("a", "replay")
        b = store.open_session("b", "replay")
        # Stored with an analyzer that found nothing, as an old phonehome might have.
        nothing = lambda ex: Analysis(ex, (), analyze(ex).destination)  # noqa: E731
        store.write(a, "d", [nothing(_exchange(1, f'{{"h":"{digest}"}}'.encode()))])
        store.write(b, "d", [analyze(_exchange(2, f'{{"imei":"{IMEI}"}}'.encode()))])
        assert list(findings(store, Filters(session="a"))) == []

        known = KnownValues.from_mapping({"imei": [IMEI]})
        result = reanalyze(store, partial(analyze, known=known), session="a")
        assert (result.flows, result.findings_before, result.findings_after) == (1, 0, 1)
        row = next(findings(store, Filters(session="a")))
        assert (row["kind"], row["value"], row["source"], row["hashed"], row["path"]) == (
            "imei", IMEI, "known", "sha256", "h",
        )  # fmt: skip
        # Session b was not touched.
        assert [r["source"] for r in findings(store, Filters(session="b"))] == ["key"]

        everything = reanalyze(store, analyze)
        assert everything.flows == 2 and everything.findings_before == 2
        assert {r["source"] for r in findings(store, Filters())} == {"key"}
    finally:
        store.dispose()


def test_exchange_of_round_trips_what_the_store_kept(db_url: str) -> None:
    from phonehome.db.models import FLOWS
    from sqlalchemy import select

    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        original = _exchange(3, b'{"email":"e@example.com"}')
        store.write(sid, "d", [analyze(original)])
        with store.engine.connect() as conn:
            flow = conn.execute(select(FLOWS)).one()
            again = exchange_of(flow)
        assert again == original
    finally:
        store.dispose()


def test_reanalyze_counts_each_flows_new_findings_on_the_flow(db_url: str) -> None:
    """The flow's `findings` and `kinds` follow its findings as they are replaced (schema 8)."""
    from sqlalchemy import text

    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        store.write(
            sid, "d", [analyze(_exchange(4, f'{{"imei":"{IMEI}","email":"e@example.com"}}'.encode()))]
        )
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT findings, kinds FROM flows")).one() == (2, "email,imei")
        nothing = lambda ex: Analysis(ex, (), analyze(ex).destination)  # noqa: E731
        assert reanalyze(store, nothing).findings_after == 0
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT findings, kinds FROM flows")).one() == (0, "")
        reanalyze(store, analyze)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT findings, kinds FROM flows")).one() == (2, "email,imei")
    finally:
        store.dispose()


def _stuck_store(db_url: str) -> Store:
    store = Store(db_url)
    sid = store.open_session("s", "replay")
    exchanges = [_exchange(i, f'{{"imei":"{IMEI}"}}'.encode()) for i in range(12)]
    exchanges[5] = replace(exchanges[5], url="https://t.example.com/hog/5")
    exchanges[8] = replace(exchanges[8], url="https://t.example.com/raise/8")
    store.write(sid, "d", [analyze(ex) for ex in exchanges])
    return store


def _rows(store: Store) -> dict[str, tuple[list[str], int, int]]:
    """url -> (notes, findings counted on the flow, findings stored) of every flow."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT url, notes, findings, (SELECT count(*) FROM findings f WHERE f.flow_id = flows.id) FROM flows"
        )).all()  # fmt: skip
    return {url: (json.loads(notes) if isinstance(notes, str) else notes, n, m) for url, notes, n, m in rows}


def test_a_detector_stuck_on_one_flow_costs_that_flow_only(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a worker process, a detector that never returns (holding the interpreter) on one flow and
    one that raises on another: the re-analysis ends, every other flow is re-analysed, and those
    two keep the findings found before, with a note that says why, counted in `failed`."""
    from phonehome.db import reanalyze as module
    from phonehome.db.workers import ClassifierPool

    from tests.db._poison import hogging_or_raising

    monkeypatch.setattr(module, "ClassifierPool", partial(ClassifierPool, timeout=3.0))
    store = _stuck_store(db_url)
    try:
        result = reanalyze(store, hogging_or_raising, workers=1, batch=5)
        assert (result.flows, result.failed, result.findings_before, result.findings_after) == (12, 2, 12, 12)
        rows = _rows(store)
        assert all(n == m == 1 for _, n, m in rows.values())
        assert "stopped its worker process" in rows["https://t.example.com/hog/5"][0][-1]
        assert "ValueError: a detector broke" in rows["https://t.example.com/raise/8"][0][-1]
        assert all(
            "re-analysis" not in " ".join(notes) for url, (notes, _, _) in rows.items() if url[-1] not in "58"
        )
        again = reanalyze(store, hogging_or_raising, workers=1, batch=5)  # the same note is not added twice
        assert again.failed == 2 and _rows(store) == rows
    finally:
        store.dispose()


def test_in_this_process_a_detector_that_raises_costs_that_flow_only(db_url: str) -> None:
    """`workers=0`: a detector that raises on one flow no longer ends the re-analysis."""
    from tests.db._poison import crashing_or_hanging

    store = _stuck_store(db_url)
    try:

        def raising(ex: Exchange) -> Analysis:
            return crashing_or_hanging(ex) if "/raise" in ex.url else analyze(ex)

        result = reanalyze(store, raising)
        assert (result.flows, result.failed, result.findings_after) == (12, 1, 12)
        notes = _rows(store)["https://t.example.com/raise/8"][0]
        assert notes[-1].startswith("analysis failed: ValueError: a detector broke")
    finally:
        store.dispose()


def test_where_worker_processes_cannot_start_it_reanalyses_in_this_process(db_url: str) -> None:
    """Workers that die as they start (their analyzer cannot be loaded there): the pool gives up,
    and every flow is re-analysed in this process, none lost."""
    from tests.db._poison import Unimportable

    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "d", [analyze(_exchange(i, f'{{"imei":"{IMEI}"}}'.encode())) for i in range(7)])
        result = reanalyze(store, Unimportable(), workers=1, batch=3)  # type: ignore[arg-type]
        assert (result.flows, result.failed, result.findings_before, result.findings_after) == (7, 0, 7, 7)
    finally:
        store.dispose()


def test_prepare_changes_each_flow_here_before_worker_processes_classify_it(db_url: str) -> None:
    """`reanalyze --resolve`: addresses are looked up in this process (the lookup, a closure, never
    goes to the workers), each host once; the flows are classified in a worker with the address,
    stored with it and with the note saying so, and a second run keeps that note once."""
    from phonehome.db.models import FLOWS

    from phonehome.resolve import RESOLVED_NOTE, Resolver

    asked: list[str] = []
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "d", [analyze(_exchange(i, f'{{"imei":"{IMEI}"}}'.encode())) for i in range(5)])
        for _ in range(2):
            resolver = Resolver(lambda host: asked.append(host) or "203.0.113.5")
            result = reanalyze(store, analyze, workers=1, batch=2, prepare=resolver.prepare)
            assert (result.flows, result.failed, result.findings_after) == (5, 0, 5)
            with store.engine.connect() as conn:
                rows = conn.execute(select(FLOWS.c.server_ip, FLOWS.c.notes)).all()
            assert [(ip, list(notes)) for ip, notes in rows] == [("203.0.113.5", [RESOLVED_NOTE])] * 5
        assert asked == ["t.example.com"]  # the second run's flows had their address stored
    finally:
        store.dispose()
