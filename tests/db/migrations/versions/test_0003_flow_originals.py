"""Revision 0003: flows gain a nullable `originals` column; existing rows keep their data (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text


def test_existing_flows_survive_down_and_up(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        ex = Exchange(datetime(2026, 11, 1, tzinfo=UTC), "GET", "https://x.example/a", fingerprint="1")
        store.write(sid, "s", [analyze(ex)])
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[2])
        assert "originals" not in {c["name"] for c in inspect(store.engine).get_columns("flows")}
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[3])
            assert conn.execute(text("SELECT url, originals FROM flows")).one() == (
                "https://x.example/a",
                None,
            )
    finally:
        store.dispose()
