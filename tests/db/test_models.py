"""Schema details: time zones survive the round trip, vocabulary checks list every enum member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from phonehome.classifiers.model import Kind
from phonehome.db.models import FINDINGS, UTCDateTime
from sqlalchemy.dialects import sqlite


def test_utc_datetime_round_trip() -> None:
    col = UTCDateTime()
    dialect = sqlite.dialect()
    local = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    stored = col.process_bind_param(local, dialect)
    assert stored == datetime(2026, 11, 20, 8, 0)
    assert col.process_result_value(stored, dialect) == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert col.process_bind_param(None, dialect) is None


def test_kind_check_constraint_lists_every_kind() -> None:
    # Two forms of one rule, each made on its own database (schema 11): ORs on SQLite, a list elsewhere.
    checks = [c for c in FINDINGS.constraints if getattr(c, "name", "") == "ck_kind_vocabulary"]
    assert len(checks) == 2
    for check in checks:
        sql = str(check.sqltext)
        assert all(f"'{k.value}'" in sql for k in Kind)
        assert "'shoe_size'" not in sql
