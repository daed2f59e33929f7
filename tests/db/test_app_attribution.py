"""The app a flow was attributed to, and the signal that named it: stored, re-analysed, queried, filtered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from phonehome.classifiers.model import Analysis, Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import Filters, findings, flows
from phonehome.db.reanalyze import reanalyze
from phonehome.db.store import Store

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"


def _exchanges() -> list[Exchange]:
    return [
        Exchange(T, "GET", f"https://googleads.g.doubleclick.net/mads/gma?msid=com.example.game&rdid={GAID}",
                 fingerprint="1"),
        Exchange(T, "GET", "https://x.example/p", request_headers=(("X-Requested-With", "com.example.news"),),
                 fingerprint="2"),
        Exchange(T, "GET", f"https://t.example/p?gaid={GAID}", request_headers=(("User-Agent", "okhttp/4.9.2"),),
                 fingerprint="3"),
    ]  # fmt: skip


def test_flows_carry_app_and_evidence_and_filter_by_app(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "phone", [analyze(ex) for ex in _exchanges()])
        rows = {r["host"]: r for r in flows(store, Filters())}
        assert (rows["googleads.g.doubleclick.net"]["app"], rows["googleads.g.doubleclick.net"]["app_evidence"]) == (
            "com.example.game", "query parameter msid",
        )  # fmt: skip
        assert rows["x.example"]["app_evidence"] == "X-Requested-With header"
        assert (rows["t.example"]["app"], rows["t.example"]["app_evidence"]) == (None, None)
        assert [r["host"] for r in flows(store, Filters(app="com.example.news"))] == ["x.example"]
        assert {r["app"] for r in findings(store, Filters(app="com.example.game"))} == {"com.example.game"}
        assert list(flows(store, Filters(app="com.nobody"))) == []
    finally:
        store.dispose()


def test_reanalyze_recomputes_app_and_evidence(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("old", "replay")
        # Stored by a phonehome that named no app.
        store.write(sid, "phone", [Analysis(ex, (), analyze(ex).destination) for ex in _exchanges()])
        before = {r["host"]: r for r in flows(store, Filters())}
        # Read from the headers alone until re-analysed (as for flows stored before schema 2).
        assert before["x.example"]["app_evidence"] == "X-Requested-With header"
        assert before["googleads.g.doubleclick.net"]["app"] is None
        reanalyze(store, analyze)
        rows = {r["host"]: r for r in flows(store, Filters())}
        assert rows["googleads.g.doubleclick.net"]["app_evidence"] == "query parameter msid"
        assert rows["x.example"]["app"] == "com.example.news"
    finally:
        store.dispose()


def test_flows_cli_jsonl_and_app_option(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from phonehome.cli.main import main

    db = str(tmp_path / "p.db")
    store = Store(db)
    try:
        store.write(store.open_session("s", "replay"), "phone", [analyze(ex) for ex in _exchanges()])
    finally:
        store.dispose()
    result = CliRunner().invoke(main, ["flows", "--db", db, "--format", "jsonl", "--app", "com.example.game"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["app"], r["app_evidence"]) for r in rows] == [("com.example.game", "query parameter msid")]
