"""Revision 0004: the new kinds, category and source are accepted, `findings.evidence` exists, and
existing rows survive a round trip down and up (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import REVISIONS, Store, alembic_config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

_ROW = (
    "INSERT INTO findings (flow_id, category, kind, value, location, path, encodings, confidence, source,"
    " detector) VALUES (:flow, :category, :kind, 'v', 'query', 'p', '[]', 0.9, :source, 'd')"
)


def _flow(store: Store) -> int:
    sid = store.open_session("s", "replay")
    ex = Exchange(
        datetime(2026, 11, 1, tzinfo=UTC), "GET", "https://x.example/a?imei=490154203237518", fingerprint="1"
    )
    store.write(sid, "s", [analyze(ex)])
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM flows")).scalar_one())


def test_existing_findings_survive_down_and_up(db_url: str) -> None:
    store = Store(db_url)
    try:
        _flow(store)
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[3])
        assert "evidence" not in {c["name"] for c in inspect(store.engine).get_columns("findings")}
        with store.engine.begin() as conn:
            command.upgrade(alembic_config(conn), REVISIONS[4])
            assert conn.execute(text("SELECT kind, value, evidence FROM findings")).one() == (
                "imei", "490154203237518", None,
            )  # fmt: skip
    finally:
        store.dispose()


def test_new_vocabulary_accepted_and_typos_still_refused(db_url: str) -> None:
    store = Store(db_url)
    try:
        flow = _flow(store)
        with store.engine.begin() as conn:
            conn.execute(
                text(_ROW), {"flow": flow, "category": "credentials", "kind": "password", "source": "key"}
            )
            conn.execute(
                text(_ROW),
                {"flow": flow, "category": "identifier", "kind": "device_id", "source": "behaviour"},
            )
        for bad in ({"category": "identifier", "kind": "pasword", "source": "key"},
                    {"category": "credential", "kind": "password", "source": "key"},
                    {"category": "identifier", "kind": "device_id", "source": "behavior"}):  # fmt: skip
            with pytest.raises(IntegrityError), store.engine.begin() as conn:
                conn.execute(text(_ROW), {"flow": flow, **bad})
    finally:
        store.dispose()


def test_downgrade_removes_what_version_3_cannot_hold(db_url: str) -> None:
    store = Store(db_url)
    try:
        flow = _flow(store)
        with store.engine.begin() as conn:
            conn.execute(
                text(_ROW), {"flow": flow, "category": "contact", "kind": "person_name", "source": "key"}
            )
            command.downgrade(alembic_config(conn), REVISIONS[3])
            assert conn.execute(text("SELECT kind FROM findings")).scalars().all() == ["imei"]
    finally:
        store.dispose()
