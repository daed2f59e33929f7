"""Revision 0005: `tls_failures` becomes `blind_spots` (with kind and device), flows gain
`app_evidence`; rows survive down and up, and a typo in a blind spot's kind is refused (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.models import BlindSpot
from phonehome.db.store import REVISIONS, Store, Unread, alembic_config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

T = datetime(2026, 12, 1, tzinfo=UTC)


def _fill(store: Store) -> None:
    sid = store.open_session("s", "capture")
    ex = Exchange(T, "GET", "https://x.example/a?imei=490154203237518", fingerprint="1",
                  request_headers=(("X-Requested-With", "com.example.app"),), client_address="10.0.0.7")  # fmt: skip
    store.write(sid, "", [
        analyze(ex),
        Unread(T, "pinned.example", "10.0.0.7", None, "client refused the certificate"),
        Unread(T, "quic.example", "10.0.0.7", None, "UDP", BlindSpot.UDP),
    ], names={"10.0.0.7": "pixel"})  # fmt: skip


def test_down_to_4_keeps_refusals_and_flows_then_up_again(db_url: str) -> None:
    store = Store(db_url)
    try:
        _fill(store)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[4])
        tables = set(inspect(store.engine).get_table_names())
        assert "tls_failures" in tables and "blind_spots" not in tables
        assert "app_evidence" not in {c["name"] for c in inspect(store.engine).get_columns("flows")}
        with store.engine.begin() as conn:
            # Version 4 knew refused client certificates only; the flow and its finding are kept.
            assert conn.execute(text("SELECT host FROM tls_failures")).scalars().all() == ["pinned.example"]
            assert conn.execute(text("SELECT kind FROM findings")).scalars().all() == ["imei"]
            command.upgrade(alembic_config(conn), REVISIONS[5])
            assert conn.execute(text("SELECT kind, device, host FROM blind_spots")).one() == (
                "client_tls", "10.0.0.7", "pinned.example",
            )  # fmt: skip
            assert conn.execute(text("SELECT app, app_evidence FROM flows")).one()[0] == "com.example.app"
    finally:
        store.dispose()


def test_stored_with_the_device_name_and_kind(db_url: str) -> None:
    store = Store(db_url)
    try:
        _fill(store)
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, device, host FROM blind_spots ORDER BY host")).all()
            assert [tuple(r) for r in rows] == [
                ("client_tls", "pixel", "pinned.example"), ("udp", "pixel", "quic.example"),
            ]  # fmt: skip
            assert conn.execute(text("SELECT device FROM flows")).scalar() == "pixel"
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO blind_spots (session_id, time, host, kind, error, device) "
                "SELECT session_id, time, 'h', 'udpp', 'e', '' FROM blind_spots LIMIT 1"
            ))  # fmt: skip
    finally:
        store.dispose()
