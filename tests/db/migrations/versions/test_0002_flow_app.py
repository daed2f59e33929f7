"""Revision 0002: flows gain a nullable `app` column; existing rows keep their data."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import text


def test_existing_flows_survive_down_and_up(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        ex = Exchange(
            datetime(2026, 11, 1, tzinfo=UTC),
            "GET",
            "https://x.example/?msid=com.example.app",
            fingerprint="1",
        )
        store.write(sid, "s", [analyze(ex)])
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[1])
            command.upgrade(alembic_config(conn), REVISIONS[2])
            assert conn.execute(text("SELECT url, app FROM flows")).one() == (
                "https://x.example/?msid=com.example.app",
                None,
            )
    finally:
        store.dispose()
