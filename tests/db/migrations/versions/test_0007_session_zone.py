"""Revision 0007: sessions gain a nullable `zone`; down to 6 and up again keeps every row, on both
databases, and a session stored before it reads as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text


def _columns(store: Store) -> set[str]:
    return {str(c["name"]) for c in inspect(store.engine).get_columns("sessions")}


def test_a_fresh_database_has_the_column(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert "zone" in _columns(store)
    finally:
        store.dispose()


def test_down_to_6_and_up_again_keeps_rows(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay", zone="Europe/Berlin")
        ex = Exchange(datetime(2026, 12, 1, tzinfo=UTC), "GET", "https://x.example/a?imei=490154203237518",
                      fingerprint="1")  # fmt: skip
        store.write(sid, "s", [analyze(ex)])
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[6])
        assert "zone" not in _columns(store)
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT label, source FROM sessions")).one() == ("s", "replay")
            command.upgrade(alembic_config(conn), REVISIONS[7])
        assert "zone" in _columns(store)
        with store.engine.connect() as conn:
            # The zone went with the column; the session is read in UTC, as before this version.
            assert conn.execute(text("SELECT label, zone FROM sessions")).one() == ("s", None)
            assert conn.execute(text("SELECT kind FROM findings")).scalar() == "imei"
        assert store.session_zone("s") == "UTC"
        store.open_session("s", "replay", zone="+02:00")  # a session without a zone takes the next one given
        assert store.session_zone("s") == "+02:00"
    finally:
        store.dispose()


def test_a_schema_6_database_opens_migrated(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.open_session("old", "capture", zone="UTC")
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[6])
            conn.execute(text("UPDATE meta SET value = '6' WHERE key = 'schema_version'"))
    finally:
        store.dispose()
    store = Store(db_url)
    try:
        assert "zone" in _columns(store)
        assert store.session_zone("old") == "UTC"
    finally:
        store.dispose()
