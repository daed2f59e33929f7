"""Many rows into one table at once, without SQLAlchemy's work on each row's parameters.

`conn.execute(insert(table), rows)` looks at every value of every row in Python (its key, its
type's bind processor, the statement's parameter order), and on PostgreSQL sends the rows as
multi-row `INSERT ... VALUES` statements the server parses and plans whole.  Here the statement is
written once per table and set of keys, each column's bind processor is looked up once (the same
processor SQLAlchemy would call, from the column's type for this dialect), and the rows go to the
driver as tuples:

- SQLite: one `executemany` through `exec_driver_sql`, so SQLAlchemy still wraps the driver's
  errors and runs it in the caller's transaction;
- PostgreSQL: one `COPY ... FROM STDIN` stream on the same connection and transaction (psycopg's
  `cursor.copy`), about five times cheaper for the server and this process than the INSERTs.  The
  driver's errors are wrapped as SQLAlchemy wraps them (`IntegrityError`, `OperationalError`, ...),
  and a lost connection is invalidated, so callers handle them exactly as before.

Other databases, and rows that leave out a column with a Python-side default (SQLAlchemy's to
fill in), take `conn.execute(insert(table), rows)`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

_Processor = Callable[[Any], Any]


class _Prepared:
    __slots__ = ("copy", "get", "processed", "single", "sql")

    def __init__(
        self, sql: str, keys: tuple[str, ...], processed: list[tuple[int, _Processor]], copy: bool
    ) -> None:
        self.sql = sql  # the INSERT with one placeholder a column (SQLite), or the COPY (PostgreSQL)
        self.copy = copy
        self.get = itemgetter(*keys)  # the row's values in the statement's order
        self.single = len(keys) == 1  # then `get` gives the value itself, not a tuple of one
        self.processed = processed  # (position, bind processor) of the columns that have one


# Per dialect (its bind processors are its own: the JSON serializer is the engine's), then per
# table and keys; a dialect that is gone takes its statements with it.
_PREPARED: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], _Prepared | None]] = (
    weakref.WeakKeyDictionary()
)


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, each a column of `table`) in `conn`'s transaction."""
    if not rows:
        return
    keys = tuple(rows[0])
    prepared = _prepare(conn.dialect, table, keys)
    if prepared is None or any(len(row) != len(keys) for row in rows):
        conn.execute(insert(table), list(rows))
    elif prepared.copy:
        _copy(conn, prepared, parameters(prepared, rows))
    else:
        conn.exec_driver_sql(prepared.sql, parameters(prepared, rows))


def parameters(prepared: _Prepared, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's values as the driver takes them (a KeyError if a row lacks one of the keys)."""
    get, processed = prepared.get, prepared.processed
    values = [(get(row),) for row in rows] if prepared.single else [get(row) for row in rows]
    if not processed:
        return values
    out = []
    for value in values:
        row = list(value)
        for i, process in processed:
            row[i] = process(row[i])
        out.append(tuple(row))
    return out


def _copy(conn: Connection, prepared: _Prepared, values: list[tuple[Any, ...]]) -> None:
    dialect = conn.dialect
    dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
    raw = conn.connection.dbapi_connection
    try:
        with raw.cursor() as cursor, cursor.copy(prepared.sql) as copy:  # type: ignore[union-attr]
            for row in values:
                copy.write_row(row)
    except dbapi_error as exc:
        lost = dialect.is_disconnect(exc, raw, None)  # type: ignore[arg-type]
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            prepared.sql, None, exc, dbapi_error, connection_invalidated=lost, dialect=dialect
        ) from exc


def _prepare(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Prepared | None:
    known = _PREPARED.setdefault(dialect, {})
    key = (table.name, keys)
    try:
        return known[key]
    except KeyError:
        prepared = known[key] = _make(dialect, table, keys)
        return prepared


def _make(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Prepared | None:
    if not keys or any(k not in table.c for k in keys):
        return None
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        copy = False
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        copy = True
    else:
        return None
    for column in table.c:
        if column.key not in keys and (column.default is not None or column.onupdate is not None):
            return None  # SQLAlchemy fills this in
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(table.c[k].name) for k in keys)
    name = dialect.identifier_preparer.format_table(table)
    if copy:
        sql = f"COPY {name} ({columns}) FROM STDIN"
    else:
        sql = f"INSERT INTO {name} ({columns}) VALUES ({', '.join('?' for _ in keys)})"
    processed: list[tuple[int, _Processor]] = []
    for i, k in enumerate(keys):
        process = table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processed.append((i, process))
    return _Prepared(sql, keys, processed, copy)
