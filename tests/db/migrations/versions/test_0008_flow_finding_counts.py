"""Revision 0008: flows count their findings and list their kinds; a database written by schema 7 is
filled in by the migration, down to 7 and up again keeps every row, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text

T = datetime(2026, 12, 1, tzinfo=UTC)
COUNTS = {"ix_flows_session_device_counts": ["session_id", "device", "time", "findings"],
          "ix_flows_destination_counts": ["destination_id", "findings", "kinds"]}  # fmt: skip
REPLACED = {"ix_flows_session_device_time": ["session_id", "device", "time"],
            "ix_flows_destination_id": ["destination_id"]}  # fmt: skip


def _columns(store: Store) -> set[str]:
    return {str(c["name"]) for c in inspect(store.engine).get_columns("flows")}


def _indexes(store: Store) -> dict[str, list[str]]:
    return {str(ix["name"]): list(ix["column_names"]) for ix in inspect(store.engine).get_indexes("flows")}


def _stored(store: Store) -> list[tuple[str, int, str]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT url, findings, kinds FROM flows ORDER BY url"))]  # type: ignore[misc]


def _fill(store: Store) -> None:
    sid = store.open_session("s", "replay")
    store.write(sid, "s", [
        analyze(Exchange(T, "GET", "https://x.example/a?imei=490154203237518&email=a@example.com", fingerprint="1")),
        analyze(Exchange(T, "GET", "https://x.example/b", fingerprint="2")),
        analyze(Exchange(T, "GET", "https://x.example/c?imei=490154203237518", fingerprint="3")),
    ])  # fmt: skip


def test_a_fresh_database_has_the_columns_and_indexes(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert {"findings", "kinds"} <= _columns(store)
        found = _indexes(store)
        assert all(found.get(name) == cols for name, cols in COUNTS.items()), found
        assert not set(REPLACED) & set(found)
    finally:
        store.dispose()


def test_a_schema_7_database_is_counted_when_migrated_and_down_and_up_again(db_url: str) -> None:
    store = Store(db_url)
    try:
        _fill(store)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[7])
            conn.execute(text("UPDATE meta SET value = '7' WHERE key = 'schema_version'"))
        assert not {"findings", "kinds"} & _columns(store)
        found = _indexes(store)
        assert all(found.get(name) == cols for name, cols in REPLACED.items()) and not set(COUNTS) & set(
            found
        )
        # Findings written by schema 7 after the counts were gone: one more kind on a, c's taken away.
        with store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO findings (flow_id, category, kind, value, location, path, encodings, confidence,"
                " source, detector) SELECT id, 'identifier', 'android_id', '9f3b2c1d4e5f6a7b', 'query', 'aid',"
                " '[]', 0.9, 'key', 'detect_android_id' FROM flows WHERE url LIKE '%/a?%'"
            ))  # fmt: skip
            conn.execute(
                text("DELETE FROM findings WHERE flow_id IN (SELECT id FROM flows WHERE url LIKE '%/c?%')")
            )
    finally:
        store.dispose()
    store = Store(db_url)  # opened: migrated to 8, counted
    try:
        counted = [
            ("https://x.example/a?imei=490154203237518&email=a@example.com", 3, "android_id,email,imei"),
            ("https://x.example/b", 0, ""),
            ("https://x.example/c?imei=490154203237518", 0, ""),
        ]
        assert _stored(store) == counted
        found = _indexes(store)
        assert all(found.get(name) == cols for name, cols in COUNTS.items()) and not set(REPLACED) & set(
            found
        )
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[7])
        assert not {"findings", "kinds"} & _columns(store)
        assert all(_indexes(store).get(name) == cols for name, cols in REPLACED.items())
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM findings")).scalar() == 3
            command.upgrade(alembic_config(conn), REVISIONS[8])
        assert _stored(store) == counted
    finally:
        store.dispose()


def test_up_again_over_columns_already_there_counts_afresh(db_url: str) -> None:
    """A database moved down by hand that kept the columns moves up, and its counts are made again."""
    store = Store(db_url)
    try:
        _fill(store)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE flows SET findings = 7, kinds = 'imei'"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
            command.upgrade(alembic_config(conn), REVISIONS[8])
        assert [(n, kinds) for _, n, kinds in _stored(store)] == [(2, "email,imei"), (0, ""), (1, "imei")]
    finally:
        store.dispose()
