"""Re-running the classifiers over stored flows replaces their findings, and only theirs (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from phonehome.classifiers.detect.known import KnownValues
from phonehome.classifiers.model import Analysis, Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import Filters, findings
from phonehome.db.reanalyze import exchange_of, reanalyze
from phonehome.db.store import Store

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
