"""db/bulk.py: rows inserted past SQLAlchemy's per-row work are the rows SQLAlchemy would store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.model import Analysis, Destination, Exchange, Finding, Kind, Source, Where
from phonehome.db import bulk, jsontext
from phonehome.db.models import FINDINGS, FLOWS
from phonehome.db.store import Store
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

_META = MetaData()
# Every column type the flows and findings tables use, each nullable.
ROWS = Table(
    "rows",
    _META,
    Column("id", Integer, primary_key=True),
    Column("number", Integer),
    Column("name", String(40)),
    Column("text", Text),
    Column("flag", Boolean),
    Column("time", DateTime(timezone=True)),
    Column("data", JSON),
    Column("body", LargeBinary),
    Column("score", Float),
    Column("unique_key", String(20), unique=True),
)
WITH_DEFAULT = Table(
    "with_default",
    _META,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("tags", JSON, nullable=False, default=list),
)

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_row = st.fixed_dictionaries(
    {
        "number": st.none() | st.integers(-(2**63), 2**63 - 1),
        "name": st.none() | st.text(max_size=40),
        "text": st.none() | st.text(),
        "flag": st.none() | st.booleans(),
        "time": st.none()
        | st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC))
        | st.datetimes(min_value=datetime(1970, 1, 2)),
        "data": _json,
        "body": st.none() | st.binary(max_size=40),
        "score": st.none() | st.floats(allow_nan=False),
    }
)


def _engine(path: Path) -> Any:
    engine = create_engine(
        f"sqlite:///{path}", json_serializer=jsontext.dumps, json_deserializer=jsontext.loads
    )
    _META.create_all(engine)
    return engine


def _stored(engine: Any, table: str) -> list[tuple[Any, ...]]:
    """The rows as SQLite holds them: what each value became on its way in, not read back by a type."""
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(f"SELECT *, typeof(number), typeof(flag) FROM {table} ORDER BY id"))


@given(rows=st.lists(_row, min_size=1, max_size=6))
def test_rows_are_stored_as_sqlalchemy_stores_them(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    for name in ("a.db", "b.db"):
        (tmp_path / name).unlink(missing_ok=True)
    ours, theirs = _engine(tmp_path / "a.db"), _engine(tmp_path / "b.db")
    try:
        with ours.begin() as conn:
            bulk.insert_rows(conn, ROWS, rows)
        with theirs.begin() as conn:
            conn.execute(insert(ROWS), rows)
        assert _stored(ours, "rows") == _stored(theirs, "rows")
        with ours.connect() as a, theirs.connect() as b:  # and read back alike through the types
            assert list(a.execute(select(ROWS))) == list(b.execute(select(ROWS)))
    finally:
        ours.dispose()
        theirs.dispose()


def test_the_statement_goes_to_the_driver_once_for_all_rows(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.db")
    seen: list[tuple[str, bool]] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append((a[2], a[5])))
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"number": i, "name": str(i)} for i in range(50)])
    assert seen == [("INSERT INTO rows (number, name) VALUES (?, ?)", True)]
    assert _stored(engine, "rows")[49][:3] == (50, 49, "49")
    engine.dispose()


def test_a_refused_row_raises_sqlalchemys_error_and_the_transaction_decides(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.db")
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"unique_key": "a"}])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"unique_key": "b"}, {"unique_key": "a"}])
    assert [r[-3] for r in _stored(engine, "rows")] == ["a"]  # the refused batch left nothing
    engine.dispose()


def test_a_missing_column_with_a_default_is_left_to_sqlalchemy(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.db")
    with engine.begin() as conn:
        bulk.insert_rows(conn, WITH_DEFAULT, [{"name": "x"}, {"name": "y"}])
    with engine.connect() as conn:
        assert list(conn.execute(select(WITH_DEFAULT.c.tags))) == [([],), ([],)]
    engine.dispose()


def test_rows_of_different_keys_are_left_to_sqlalchemy(tmp_path: Path) -> None:
    """SQLAlchemy takes the first row's keys for all (it ignores the second row's `name`): the same here."""
    rows: list[dict[str, Any]] = [{"number": 1}, {"number": 2, "name": "b"}]
    ours, theirs = _engine(tmp_path / "a.db"), _engine(tmp_path / "b.db")
    with ours.begin() as conn:
        bulk.insert_rows(conn, ROWS, rows)
    with theirs.begin() as conn:
        conn.execute(insert(ROWS), rows)
    assert _stored(ours, "rows") == _stored(theirs, "rows")
    assert [r[1] for r in _stored(ours, "rows")] == [1, 2]
    ours.dispose()
    theirs.dispose()


def test_nothing_to_insert_is_no_statement(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.db")
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [])
    assert not [s for s in seen if s.startswith("INSERT")]
    engine.dispose()


def _analysis(i: int) -> Analysis:
    exchange = Exchange(
        time=datetime(2026, 1, 1, tzinfo=UTC),
        method="POST",
        url=f"https://t.example/{i}",
        request_headers=(("Host", "t.example"),),
        request_body=b"x",
        fingerprint=f"fp{i}",
    )
    finding = Finding(Kind.IMEI, "490154203237518", Where.BODY, "imei", (), 0.9, Source.KEY, "detect_imei")
    return Analysis(exchange, (finding,), Destination(host="t.example", domain="t.example"))


def test_the_store_writes_flows_and_findings_this_way_on_sqlite(tmp_path: Path) -> None:
    """Fails if the store stops using the fast path (or the fast path stops applying to its rows)."""
    store = Store(str(tmp_path / "s.db"))
    seen: list[tuple[str, bool]] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: seen.append((a[2], a[5])))
    session = store.open_session("s", "replay")
    store.write(session, "d", [_analysis(i) for i in range(3)])
    inserts = {s.split("(")[0].strip(): many for s, many in seen if s.startswith("INSERT INTO")}
    assert inserts.get(f"INSERT INTO {FLOWS.name}") is True
    assert inserts.get(f"INSERT INTO {FINDINGS.name}") is True
    with store.engine.connect() as conn:
        assert conn.execute(select(FINDINGS.c.value, FINDINGS.c.flow_id)).all() == [
            ("490154203237518", 1), ("490154203237518", 2), ("490154203237518", 3)
        ]  # fmt: skip
    store.dispose()
