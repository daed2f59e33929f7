"""Revision 0009: `flows(time, id)`; a fresh database has it, down to 8 and up again keeps every row and
makes it again, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text

T = datetime(2026, 12, 1, tzinfo=UTC)
INDEX = ("ix_flows_time", ["time", "id"])


def _indexes(store: Store) -> dict[str, list[str]]:
    return {str(ix["name"]): list(ix["column_names"]) for ix in inspect(store.engine).get_indexes("flows")}


def test_a_fresh_database_has_the_index(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert _indexes(store).get(INDEX[0]) == INDEX[1]
    finally:
        store.dispose()


def test_down_to_8_and_up_again_keeps_rows_and_the_index(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "s", [analyze(Exchange(T, "GET", "https://x.example/a?imei=490154203237518",
                                                fingerprint="1"))])  # fmt: skip
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[8])
        assert INDEX[0] not in _indexes(store)
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM findings")).scalar() == 1
            command.upgrade(alembic_config(conn), REVISIONS[9])
        assert _indexes(store).get(INDEX[0]) == INDEX[1]
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT url, findings, kinds FROM flows")).one() == (
                "https://x.example/a?imei=490154203237518", 1, "imei",
            )  # fmt: skip
    finally:
        store.dispose()


def test_up_again_over_the_index_already_there(db_url: str) -> None:
    """A database moved down by hand that kept the index still moves up (the step checks)."""
    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
            command.upgrade(alembic_config(conn), REVISIONS[9])
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
        assert _indexes(store).get(INDEX[0]) == INDEX[1]
    finally:
        store.dispose()
