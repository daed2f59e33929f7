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
from phonehome.db.models import FINDINGS, FLOWS, UTCDateTime
from phonehome.db.store import Store, database_url
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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
from sqlalchemy.exc import IntegrityError, OperationalError

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
    Column("time", UTCDateTime),
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

# What both databases store: PostgreSQL refuses NUL in text and integers beyond 32 bits in an
# INTEGER whichever way they come (the store fits values first: db/fit.py).
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_row = st.fixed_dictionaries(
    {
        "number": st.none() | st.integers(-(2**31), 2**31 - 1),
        "name": st.none() | _text.map(lambda t: t[:40]),
        "text": st.none() | _text,
        "flag": st.none() | st.booleans(),
        "time": st.none()
        | st.datetimes(min_value=datetime(1970, 1, 2), timezones=st.just(UTC))
        | st.datetimes(min_value=datetime(1970, 1, 2)),
        "data": _json,
        "body": st.none() | st.binary(max_size=40),
        "score": st.none() | st.floats(allow_nan=False),
    }
)


def _engine(url: str) -> Any:
    engine = create_engine(
        database_url(url), json_serializer=jsontext.dumps, json_deserializer=jsontext.loads
    )
    _META.create_all(engine)
    return engine


def _stored(engine: Any, table: str) -> list[tuple[Any, ...]]:
    """The rows as the database holds them: what each value became on its way in (SQLite: the value
    and its storage class; PostgreSQL: its text)."""
    if engine.dialect.name == "sqlite":
        sql = f"SELECT *, typeof(number), typeof(flag), typeof(time), typeof(body) FROM {table} ORDER BY id"
    else:
        columns = [c.name for c in _META.tables[table].c]
        # Ordered by the table's id: a bare `id` would be the text column of that name made here.
        sql = f"SELECT {', '.join(f'CAST({c} AS TEXT)' for c in columns)} FROM {table} ORDER BY {table}.id"
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(sql))


@pytest.fixture()
def engines(db_url: str, other_db_url: str) -> Any:
    """Two new databases of one kind: rows go into one through db/bulk.py, into the other through
    SQLAlchemy's own insert."""
    ours, theirs = _engine(db_url), _engine(other_db_url)
    yield ours, theirs
    ours.dispose()
    theirs.dispose()


@given(rows=st.lists(_row, min_size=1, max_size=6))
def test_rows_are_stored_as_sqlalchemy_stores_them(engines: Any, rows: list[dict[str, Any]]) -> None:
    ours, theirs = engines
    with ours.begin() as conn:
        conn.execute(ROWS.delete())
        bulk.insert_rows(conn, ROWS, rows)
    with theirs.begin() as conn:
        conn.execute(ROWS.delete())
        conn.execute(insert(ROWS), rows)
    assert _stored(ours, "rows") == _stored(theirs, "rows")
    with ours.connect() as a, theirs.connect() as b:  # and read back alike through the types
        assert list(a.execute(select(ROWS).order_by(ROWS.c.id))) == list(
            b.execute(select(ROWS).order_by(ROWS.c.id))
        )


def test_the_statement_goes_to_sqlite_once_for_all_rows(tmp_path: Path) -> None:
    engine = _engine(str(tmp_path / "a.db"))
    seen: list[tuple[str, bool]] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append((a[2], a[5])))
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"number": i, "name": str(i)} for i in range(50)])
    assert seen == [("INSERT INTO rows (number, name) VALUES (?, ?)", True)]
    assert _stored(engine, "rows")[49][:3] == (50, 49, "49")
    engine.dispose()


def test_postgresql_gets_one_copy_for_all_rows(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(postgres_url)
    copied: list[tuple[str, int]] = []
    real = bulk._copy
    monkeypatch.setattr(
        bulk, "_copy", lambda conn, p, values: copied.append((p.sql, len(values))) or real(conn, p, values)
    )
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"number": i, "name": str(i)} for i in range(50)])
    assert copied == [("COPY rows (number, name) FROM STDIN", 50)]
    assert not [s for s in seen if "INSERT" in s]
    assert _stored(engine, "rows")[49][:3] == ("50", "49", "49")
    engine.dispose()


def test_a_refused_row_raises_sqlalchemys_error_and_the_transaction_decides(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"unique_key": "a"}])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [{"unique_key": "b"}, {"unique_key": "a"}])
    with engine.begin() as conn:  # and in a savepoint, the transaction goes on after it
        with pytest.raises(IntegrityError), conn.begin_nested():
            bulk.insert_rows(conn, ROWS, [{"unique_key": "c"}, {"unique_key": "a"}])
        bulk.insert_rows(conn, ROWS, [{"unique_key": "d"}])
    with engine.connect() as conn:
        assert list(conn.scalars(select(ROWS.c.unique_key).order_by(ROWS.c.id))) == ["a", "d"]
    engine.dispose()


def test_a_lost_postgresql_connection_is_an_operational_error_and_not_reused(postgres_url: str) -> None:
    engine = _engine(postgres_url)
    conn = engine.connect()
    conn.begin()
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with engine.connect() as other:
        # With a timeout (PostgreSQL 14+) it returns once the backend is gone, not when signalled.
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({pid}, 10000)").scalar()
    with pytest.raises(OperationalError) as raised:
        bulk.insert_rows(conn, ROWS, [{"number": 1}])
    assert raised.value.connection_invalidated and conn.invalidated
    conn.close()
    with engine.connect() as conn:  # the pool gives a working connection, not the dead one
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_a_missing_column_with_a_default_is_left_to_sqlalchemy(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        bulk.insert_rows(conn, WITH_DEFAULT, [{"name": "x"}, {"name": "y"}])
    with engine.connect() as conn:
        assert list(conn.execute(select(WITH_DEFAULT.c.tags))) == [([],), ([],)]
    engine.dispose()


def test_rows_of_different_keys_are_left_to_sqlalchemy(engines: Any) -> None:
    """SQLAlchemy takes the first row's keys for all (it ignores the second row's `name`): the same here."""
    rows: list[dict[str, Any]] = [{"number": 1}, {"number": 2, "name": "b"}]
    ours, theirs = engines
    with ours.begin() as conn:
        bulk.insert_rows(conn, ROWS, rows)
    with theirs.begin() as conn:
        conn.execute(insert(ROWS), rows)
    assert _stored(ours, "rows") == _stored(theirs, "rows")
    with ours.connect() as conn:
        assert list(conn.scalars(select(ROWS.c.number))) == [1, 2]


def test_nothing_to_insert_is_no_statement(db_url: str) -> None:
    engine = _engine(db_url)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with engine.begin() as conn:
        bulk.insert_rows(conn, ROWS, [])
    assert not [s for s in seen if s.startswith(("INSERT", "COPY"))]
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


def test_the_store_writes_flows_and_findings_this_way(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails if the store stops using the fast path (or the fast path stops applying to its rows)."""
    store = Store(db_url)
    used: list[str] = []
    real_copy = bulk._copy
    monkeypatch.setattr(
        bulk, "_copy", lambda conn, p, v: used.append(p.sql.split()[1]) or real_copy(conn, p, v)
    )
    event.listen(store.engine, "before_cursor_execute", lambda *a: a[5] and used.append(a[2].split()[2]))
    session = store.open_session("s", "replay")
    store.write(session, "d", [_analysis(i) for i in range(3)])
    assert {FLOWS.name, FINDINGS.name} <= set(used)
    with store.engine.connect() as conn:
        urls = list(conn.scalars(select(FLOWS.c.url).order_by(FLOWS.c.id)))
        found = conn.execute(select(FINDINGS.c.value, FLOWS.c.url).join(FLOWS).order_by(FINDINGS.c.id)).all()
    assert urls == [f"https://t.example/{i}" for i in range(3)]  # ids follow the batch's order
    assert found == [("490154203237518", f"https://t.example/{i}") for i in range(3)]
    store.dispose()
