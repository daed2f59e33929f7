"""Shared by the store and migration tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

V4_TLS_FAILURES = (
    "CREATE TABLE tls_failures (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL "
    "REFERENCES sessions(id) ON DELETE CASCADE, time TIMESTAMP NOT NULL, client_address VARCHAR(64), "
    "host VARCHAR(255) NOT NULL, server_ip VARCHAR(45), error TEXT NOT NULL)"
)


def back_to_version_1(execute: Callable[[str], Any]) -> None:
    """Turn a fresh database into one written by schema version 1 (before Alembic), with plain SQL:
    the newer columns and tables taken away, the stamp removed."""
    for sql in (
        # Schema 9's index; schema 8's indexes and columns (an index goes before a column it holds),
        # schema 6's indexes.
        "DROP INDEX ix_flows_time",
        "DROP INDEX ix_flows_session_device_counts",
        "DROP INDEX ix_flows_destination_counts",
        "ALTER TABLE flows DROP COLUMN findings",
        "ALTER TABLE flows DROP COLUMN kinds",
        "DROP INDEX ix_findings_flow_kind",
        "CREATE INDEX ix_findings_flow_id ON findings (flow_id)",
        "ALTER TABLE flows DROP COLUMN app",
        "ALTER TABLE flows DROP COLUMN originals",
        "ALTER TABLE flows DROP COLUMN app_evidence",
        "ALTER TABLE findings DROP COLUMN evidence",
        "DROP TABLE blind_spots",
        V4_TLS_FAILURES,
        "DROP TABLE alembic_version",
        "UPDATE meta SET value='1' WHERE key='schema_version'",
    ):
        execute(sql)
