"""db/migrations/env.py: Alembic runs on the connection Store hands over, the whole chain up and down,
on SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from phonehome.db.models import SCHEMA_VERSION
from phonehome.db.store import MIGRATIONS, REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text

from tests.db.conftest import back_to_version_1


def test_revisions_form_one_chain_matching_the_schema_versions() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert heads == [REVISIONS[SCHEMA_VERSION]]
    chain = [rev.revision for rev in script.walk_revisions()]
    assert sorted(chain) == sorted(REVISIONS.values())


def test_down_and_up_again(db_url: str) -> None:
    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[1])
        cols = {c["name"] for c in inspect(store.engine).get_columns("flows")}
        assert "app" not in cols
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == REVISIONS[SCHEMA_VERSION]
            )
        assert "app" in {c["name"] for c in inspect(store.engine).get_columns("flows")}
    finally:
        store.dispose()


def test_an_unstamped_version_1_database_is_migrated_to_head(db_url: str) -> None:
    """A database written before Alembic (schema 1: no flows.app, no alembic_version) opens and migrates,
    every row kept; built as test_store builds it, by taking the newer parts away with plain SQL."""
    from datetime import UTC, datetime

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    store = Store(db_url)
    try:
        sid = store.open_session("old", "replay")
        ex = Exchange(datetime(2026, 11, 1, tzinfo=UTC), "GET", "https://t.example/x?imei=861234567890127",
                      fingerprint="v1")  # fmt: skip
        store.write(sid, "old", [analyze(ex)])
        with store.engine.begin() as conn:
            back_to_version_1(lambda sql: conn.execute(text(sql)))
            conn.execute(
                text(
                    f"INSERT INTO tls_failures (id, session_id, time, client_address, host, error) "
                    f"VALUES (1, {sid}, '2026-11-01 00:00:00', '10.0.0.7', 'pinned.example', 'refused')"
                )
            )
    finally:
        store.dispose()
    store = Store(db_url, create=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar() == str(
                SCHEMA_VERSION
            )
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == REVISIONS[SCHEMA_VERSION]
            )
            assert conn.execute(text("SELECT count(*), min(app) FROM flows")).one() == (1, None)
            assert conn.execute(text("SELECT value FROM findings")).scalar() == "861234567890127"
            # Version 4's refusals became blind spots of the client-TLS kind, under their address.
            assert conn.execute(text("SELECT kind, device, host FROM blind_spots")).one() == (
                "client_tls",
                "10.0.0.7",
                "pinned.example",
            )
        sid = store.open_session("new", "replay")
        ex = Exchange(datetime(2026, 11, 2, tzinfo=UTC), "GET", "https://t.example/y",
                      request_headers=(("X-Requested-With", "com.example.app"),), fingerprint="v2")  # fmt: skip
        store.write(sid, "new", [analyze(ex)])
        with store.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT app FROM flows WHERE fingerprint='v2'")).scalar()
                == "com.example.app"
            )
    finally:
        store.dispose()


def _schema(store: Store) -> dict[str, dict[str, Any]]:
    """What each table is made of, as the database reports it: columns (type, nullability, default),
    indexes, unique, check and foreign-key constraints, primary key, each constraint by its name
    (PostgreSQL names every one; SQLite only those the DDL names)."""
    insp = inspect(store.engine)
    return {
        table: {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in insp.get_columns(table)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"])) for ix in insp.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(table)),
            "foreign_keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    str(fk.get("options")),
                )
                for fk in insp.get_foreign_keys(table)
            ),  # fmt: skip
            "primary_key": tuple(insp.get_pk_constraint(table)[k] for k in ("name", "constrained_columns")),
        }
        for table in sorted(insp.get_table_names())
    }


def test_a_version_1_database_migrated_to_head_is_made_as_a_fresh_one(db_url: str, other_db_url: str) -> None:
    """metadata.create_all and the chain of migrations from version 1 make the same tables, every part
    of each compared (revision 0010 made `blind_spots` so: 0005 had left 0004's names, server defaults
    and, from the hand-written version-4 table, types and a foreign key without ON DELETE CASCADE).
    Columns are compared as a set: a migration adds a column last, where create_all puts it in order."""
    fresh = Store(db_url)
    try:
        made = _schema(fresh)
    finally:
        fresh.dispose()
    old = Store(other_db_url)
    try:
        with old.engine.begin() as conn:
            back_to_version_1(lambda sql: conn.execute(text(sql)))
    finally:
        old.dispose()
    old = Store(other_db_url, create=False)
    try:
        migrated = _schema(old)
    finally:
        old.dispose()
    assert set(made) == set(migrated)
    for table in made:
        assert made[table] == migrated[table], table
