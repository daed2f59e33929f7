"""Revision 0006: the read side's indexes; down to 5 and up again keeps every row, on both databases,
and a fresh database has the same indexes as a migrated one."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text

T = datetime(2026, 12, 1, tzinfo=UTC)
NEW = {
    "flows": {"ix_flows_session_device_time": ["session_id", "device", "time"],
              "ix_flows_destination_id": ["destination_id"]},
    "findings": {"ix_findings_flow_kind": ["flow_id", "kind"]},
    "blind_spots": {"ix_blind_spots_session_id": ["session_id"]},
}  # fmt: skip


def _indexes(store: Store, table: str) -> dict[str, list[str]]:
    return {str(ix["name"]): list(ix["column_names"]) for ix in inspect(store.engine).get_indexes(table)}


def _fill(store: Store) -> None:
    sid = store.open_session("s", "capture")
    ex = Exchange(T, "GET", "https://x.example/a?imei=490154203237518", fingerprint="1",
                  client_address="10.0.0.7")  # fmt: skip
    store.write(sid, "", [analyze(ex)])


# Replaced in schema 8 by indexes that begin with the same columns (test_0008_flow_finding_counts.py).
REPLACED_IN_8 = {"ix_flows_session_device_time", "ix_flows_destination_id"}


def test_a_fresh_database_has_the_indexes(db_url: str) -> None:
    store = Store(db_url)
    try:
        for table, every in NEW.items():
            wanted = {name: cols for name, cols in every.items() if name not in REPLACED_IN_8}
            found = _indexes(store, table)
            assert all(found.get(name) == cols for name, cols in wanted.items()), (table, found)
        assert "ix_findings_flow_id" not in _indexes(store, "findings")  # replaced by (flow_id, kind)
    finally:
        store.dispose()


def test_down_to_5_and_up_again_keeps_rows_and_indexes(db_url: str) -> None:
    store = Store(db_url)
    try:
        _fill(store)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[5])
        for table, wanted in NEW.items():
            assert not set(wanted) & set(_indexes(store, table)), table
        assert _indexes(store, "findings")["ix_findings_flow_id"] == ["flow_id"]
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT kind, value FROM findings")).one() == ("imei", "490154203237518")
            command.upgrade(alembic_config(conn), REVISIONS[6])
        for table, wanted in NEW.items():
            found = _indexes(store, table)
            assert all(found.get(name) == cols for name, cols in wanted.items()), (table, found)
        assert "ix_findings_flow_id" not in _indexes(store, "findings")
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM flows")).scalar() == 1
            assert conn.execute(text("SELECT kind FROM findings")).scalar() == "imei"
    finally:
        store.dispose()


def test_up_again_over_indexes_already_there(db_url: str) -> None:
    """A database moved down by hand that kept the new indexes still moves up (each step checks)."""
    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
            command.upgrade(alembic_config(conn), REVISIONS[6])
        assert "ix_findings_flow_kind" in _indexes(store, "findings")
    finally:
        store.dispose()
