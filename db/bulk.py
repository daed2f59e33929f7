"""Many rows into one table in one statement, without SQLAlchemy's work on each row's parameters.

`conn.execute(insert(table), rows)` looks at every value of every row in Python (its key, its
type's bind processor, the statement's parameter order): on SQLite that was more than the
database's own work for a flow and its findings.  Here the statement is written once per table
and set of keys, each column's bind processor is looked up once (the same processor SQLAlchemy
would call, from the column's type for this dialect), and the rows go to the driver as tuples
through `exec_driver_sql`, so SQLAlchemy still wraps the driver's errors (`IntegrityError`,
`OperationalError`) and runs inside the caller's transaction.

Only SQLite takes this path; other databases get `conn.execute(insert(table), rows)`, whose
multi-row VALUES they need.  A table whose rows leave out a column that has a Python-side default
goes the general way too: that default is SQLAlchemy's to apply.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

_Processor = Callable[[Any], Any]


class _Prepared:
    __slots__ = ("get", "processed", "single", "sql")

    def __init__(self, sql: str, keys: tuple[str, ...], processed: list[tuple[int, _Processor]]) -> None:
        self.sql = sql
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
    prepared = _prepare(conn.dialect, table, keys) if conn.dialect.name == "sqlite" else None
    if prepared is None or any(len(row) != len(keys) for row in rows):
        conn.execute(insert(table), list(rows))
        return
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


def _prepare(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Prepared | None:
    known = _PREPARED.setdefault(dialect, {})
    key = (table.name, keys)
    try:
        return known[key]
    except KeyError:
        prepared = known[key] = _make(dialect, table, keys)
        return prepared


def _make(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Prepared | None:
    if dialect.paramstyle != "qmark" or not keys or any(k not in table.c for k in keys):
        return None
    for column in table.c:
        if column.key not in keys and (column.default is not None or column.onupdate is not None):
            return None  # SQLAlchemy fills this in
    quote = dialect.identifier_preparer.quote
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        dialect.identifier_preparer.format_table(table),
        ", ".join(quote(table.c[k].name) for k in keys),
        ", ".join("?" for _ in keys),
    )
    processed: list[tuple[int, _Processor]] = []
    for i, k in enumerate(keys):
        process = table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processed.append((i, process))
    return _Prepared(sql, keys, processed)
