"""Revision 0011: on SQLite the vocabulary checks of `findings` as OR comparisons, the same rules, so
an insert no longer builds a temporary index per row (read from the insert's program, not timed);
PostgreSQL keeps its lists. Findings survive down to 10 and up again, and what was refused is still
refused, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from phonehome.classifiers.model import Category, Exchange, Hash, Kind, Source, Where
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text
from sqlalchemy.exc import DataError, IntegrityError

_ROW = (
    "INSERT INTO findings (flow_id, category, kind, value, location, path, encodings, confidence, source,"
    " detector, hashed) VALUES (:flow, :category, :kind, 'v', :location, 'p', '[]', 0.9, :source, 'd', :hashed)"
)
GOOD = {"category": "identifier", "kind": "imei", "location": "query", "source": "key", "hashed": None}


def _flow(store: Store) -> int:
    sid = store.open_session("s", "replay")
    ex = Exchange(datetime(2026, 12, 1, tzinfo=UTC), "GET", "https://x.example/a?imei=490154203237518",
                  fingerprint="1")  # fmt: skip
    store.write(sid, "s", [analyze(ex)])
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM flows")).scalar_one())


def _ephemeral(store: Store) -> bool:
    """Whether SQLite's program for one finding's insert opens a temporary index (an IN list)."""
    with store.engine.connect() as conn:
        ops = [row[1] for row in conn.exec_driver_sql("EXPLAIN " + _ROW, {"flow": 1, **GOOD})]
    assert "Insert" in ops  # the program was read
    return "OpenEphemeral" in ops


def _checks(store: Store) -> dict[str, str]:
    return {c["name"]: c["sqltext"] for c in inspect(store.engine).get_check_constraints("findings")}


def _listed(sql: str) -> bool:
    """A list form: `IN (...)` as written, or as PostgreSQL keeps it (`= ANY (ARRAY[...])`)."""
    return " IN (" in sql.upper() or "= ANY (ARRAY[" in sql.upper()


def test_every_value_of_the_vocabulary_is_accepted_and_others_refused(db_url: str) -> None:
    store = Store(db_url)
    try:
        flow = _flow(store)
        for column, enum in (("category", Category), ("kind", Kind), ("location", Where),
                             ("source", Source), ("hashed", Hash)):  # fmt: skip
            for member in enum:
                with store.engine.begin() as conn:
                    conn.execute(text(_ROW), {**GOOD, "flow": flow, column: member.value})
            for bad in ("", "IMEI", f"{next(iter(enum)).value} ", "x' OR '1'='1"):
                # PostgreSQL refuses what is longer than the column before it checks the vocabulary
                with pytest.raises((IntegrityError, DataError)), store.engine.begin() as conn:
                    conn.execute(text(_ROW), {**GOOD, "flow": flow, column: bad})
    finally:
        store.dispose()


def test_findings_survive_down_and_up_and_only_sqlite_changes_form(db_url: str) -> None:
    store = Store(db_url)
    try:
        _flow(store)
        on_sqlite = store.url.startswith("sqlite")
        fresh = _checks(store)
        assert len(fresh) == 6 and any(_listed(sql) for sql in fresh.values()) != on_sqlite
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[10])
        assert {name for name, sql in _checks(store).items() if _listed(sql)} == {
            "ck_category_vocabulary", "ck_kind_vocabulary", "ck_location_vocabulary",
            "ck_source_vocabulary", "ck_hashed_vocabulary",
        }  # fmt: skip
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[11])
            assert conn.execute(text("SELECT kind, value FROM findings")).one() == ("imei", "490154203237518")
        assert _checks(store) == fresh
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(text(_ROW), {**GOOD, "flow": 1, "kind": "imie"})
    finally:
        store.dispose()


def test_sqlite_checks_a_finding_without_a_temporary_index(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "c.db"))
    try:
        _flow(store)
        assert not _ephemeral(store)  # a fresh database
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[10])
        assert _ephemeral(store)  # schema 10: an IN list, an index made for every row
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[11])
        assert not _ephemeral(store)  # migrated
    finally:
        store.dispose()
