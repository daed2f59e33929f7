"""Revision 0010: `blind_spots` of a migrated database made exactly as a fresh one (server defaults
dropped, PostgreSQL's names of the table's own, SQLite's table as create_all writes it); every row
keeps its id, down to 9 and up again works, and a fresh database passes through untouched, on both
databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from phonehome.db.store import REVISIONS, Store, Unread, alembic_config
from sqlalchemy import event, inspect, text

from tests.db.conftest import back_to_version_1
from tests.db.migrations.test_env import _schema

T = datetime(2026, 12, 1, tzinfo=UTC)
ROWS = [  # id, client address, host: with gaps, as deleted sessions leave them
    (3, "10.0.0.7", "pinned.example"),
    (7, None, "other.example"),
    (42, "10.0.0.9", "bank.example"),
]


def _phonehome_4_table(conn: sa.Connection) -> None:
    """`tls_failures` as phonehome 4 made it (create_all of its model): on PostgreSQL with a SERIAL
    id (sequence `tls_failures_id_seq`), on SQLite with a table-level foreign key."""
    meta = sa.MetaData()
    sa.Table("sessions", meta, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "tls_failures", meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("time", sa.DateTime, nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("server_ip", sa.String(45), nullable=True),
        sa.Column("error", sa.Text, nullable=False),
    ).create(conn)  # fmt: skip


def _version_4(url: str, table: Callable[[sa.Connection], None] | None) -> int:
    """An unstamped database of schema 1 as tests/db/conftest.py makes it (its `tls_failures` is that
    of schemas 1 to 4), holding ROWS as refused certificates; `table`, if given, makes `tls_failures`
    instead of conftest's hand-written V4_TLS_FAILURES.  Returns the session's id."""
    store = Store(url)
    try:
        sid = store.open_session("old", "capture")
        with store.engine.begin() as conn:
            back_to_version_1(lambda sql: conn.execute(text(sql)))
            if table is not None:
                conn.execute(text("DROP TABLE tls_failures"))
                table(conn)
            for id_, address, host in ROWS:
                conn.execute(
                    text("INSERT INTO tls_failures (id, session_id, time, client_address, host, error) "
                         "VALUES (:id, :sid, :t, :a, :h, 'refused')"),
                    {"id": id_, "sid": sid, "t": T.replace(tzinfo=None), "a": address, "h": host},
                )  # fmt: skip
            if conn.dialect.name == "postgresql" and table is not None:
                # As if the rows had been written through the sequence.
                conn.execute(text("SELECT setval('tls_failures_id_seq', 42)"))
    finally:
        store.dispose()
    return sid


def _stored(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT id, client_address, host, device, kind, error FROM blind_spots ORDER BY id"
        ))]  # fmt: skip


MIGRATED = [(i, a, h, a or "", "client_tls", "refused") for i, a, h in ROWS]


def _made(store: Store) -> dict[str, Any]:
    """What `_schema` compares of `blind_spots`, and more: on SQLite the very DDL text of the table
    and its index; on PostgreSQL every constraint's name and definition, and the id's sequence."""
    made: dict[str, Any] = {"schema": _schema(store)["blind_spots"]}
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            made["ddl"] = conn.execute(text(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'blind_spots' ORDER BY name"
            )).all()  # fmt: skip
        else:
            made["constraints"] = conn.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'blind_spots'::regclass ORDER BY conname"
            )).all()  # fmt: skip
            made["sequence"] = conn.execute(text(
                "SELECT pg_get_serial_sequence('blind_spots', 'id'), data_type, start_value, increment_by, "
                "max_value FROM pg_sequences "
                "WHERE schemaname || '.' || sequencename = pg_get_serial_sequence('blind_spots', 'id')"
            )).all()  # fmt: skip
    return made


def _fresh(url: str) -> dict[str, Any]:
    fresh = Store(url)
    try:
        return _made(fresh)
    finally:
        fresh.dispose()


@pytest.mark.parametrize("table", [None, _phonehome_4_table], ids=["conftest", "phonehome-4"])
def test_rows_and_ids_survive_and_the_table_is_made_as_a_fresh_one(
    db_url: str, other_db_url: str, table: Callable[[sa.Connection], None] | None
) -> None:
    fresh = _fresh(other_db_url)
    sid = _version_4(db_url, table)
    store = Store(db_url, create=False)  # migrated to head
    try:
        assert _stored(store) == MIGRATED
        assert _made(store) == fresh
        # A new blind spot takes the next id (PostgreSQL: from the sequence, made or renamed).
        store.write(sid, "", [Unread(T, "new.example", None, None, "refused")])
        assert [r[0] for r in _stored(store)] == [3, 7, 42, 43]
        # Deleting the session deletes its blind spots (ON DELETE CASCADE on both databases).
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM sessions WHERE id = :sid"), {"sid": sid})
        assert _stored(store) == []
    finally:
        store.dispose()


def test_up_down_to_9_and_up_again_keeps_rows_and_ids(db_url: str, other_db_url: str) -> None:
    fresh = _fresh(other_db_url)
    _version_4(db_url, None)
    store = Store(db_url, create=False)
    try:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[9])
        defaults = {c["name"]: c.get("default") for c in inspect(store.engine).get_columns("blind_spots")}
        assert "''" in str(defaults["device"]) and "'client_tls'" in str(defaults["kind"])  # 0005's, back
        assert _stored(store) == MIGRATED
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[10])
        assert _stored(store) == MIGRATED
        assert _made(store) == fresh
    finally:
        store.dispose()


def test_a_fresh_database_stamped_at_9_passes_through_untouched(db_url: str) -> None:
    """A database create_all made at schema 9 (its `blind_spots` is schema 10's) moves to 10 by reading
    alone: not one statement but Alembic's own stamp writes anything."""
    store = Store(db_url)
    try:
        before = _schema(store)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
            run: list[str] = []
            event.listen(conn, "before_cursor_execute", lambda *a: run.append(" ".join(a[2].split())))
            command.upgrade(alembic_config(conn), REVISIONS[10])
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0010"
        writes = [s for s in run if not s.upper().startswith(("SELECT", "PRAGMA", "WITH"))]
        assert len(writes) == 1 and writes[0].startswith("UPDATE alembic_version"), writes
        assert _schema(store) == before
    finally:
        store.dispose()


def test_sqlite_rebuilds_only_a_table_nothing_refers_to(tmp_path: Path) -> None:
    """Up copies `blind_spots` on SQLite only after checking nothing refers to it: should something
    (here a view) refer to it, the migration stops and the database stays as it was."""
    store = Store(str(tmp_path / "v9.db"))
    try:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[9])  # 0005's defaults back: up must copy
            conn.execute(text("CREATE VIEW refused AS SELECT host FROM blind_spots"))
        with pytest.raises(RuntimeError, match="blind_spots is referred to by"), store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[10])
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
            assert conn.execute(text("SELECT count(*) FROM refused")).scalar() == 0
    finally:
        store.dispose()


def test_postgresql_every_part_that_differs_is_altered(postgres_url: str) -> None:
    """Each step of up on PostgreSQL, on a table at 0009 differing from create_all's in every part the
    migration checks: a column's type and nullability, the primary key's name, a foreign key without
    ON DELETE CASCADE under another name, the id's sequence under another name."""
    store = Store(postgres_url)
    try:
        fresh = _made(store)  # made by create_all
        sid = store.open_session("s", "capture")
        store.write(sid, "", [Unread(T, "pinned.example", "10.0.0.7", None, "refused")])
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[9])
            for sql in (
                "ALTER TABLE blind_spots ALTER COLUMN host TYPE VARCHAR(300)",
                "ALTER TABLE blind_spots ALTER COLUMN error DROP NOT NULL",
                "ALTER TABLE blind_spots RENAME CONSTRAINT blind_spots_pkey TO old_pkey",
                "ALTER TABLE blind_spots DROP CONSTRAINT blind_spots_session_id_fkey",
                "ALTER TABLE blind_spots ADD CONSTRAINT old_fkey FOREIGN KEY (session_id) REFERENCES sessions(id)",
                "ALTER SEQUENCE blind_spots_id_seq RENAME TO old_id_seq",
            ):
                conn.execute(text(sql))
            command.upgrade(alembic_config(conn), REVISIONS[10])
        assert _made(store) == fresh
        assert [r[:3] for r in _stored(store)] == [(1, "10.0.0.7", "pinned.example")]
    finally:
        store.dispose()
