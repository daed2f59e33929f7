"""Captured values made to fit the schema, the same way on every database, with the original kept.

A hostile server or file can put anything in a flow: a status of 99999999999999999999, a host of
10,000 characters, a NUL byte in a URL, a lone surrogate (`\\udc00`) in a header.  SQLite stores most
of that and PostgreSQL refuses it, and either refusal used to lose a whole batch.  Here every value
is fitted to its column's type before any database sees it:

- text: NUL and lone surrogates become U+FFFD; a `String(n)` column is cut to n characters;
- integers outside the 32-bit range become NULL where the column allows it, else the nearest bound;
- JSON: strings inside are cleaned the same way, non-finite numbers become null.

What changed is returned as `{column: original}`, the original written as a Python literal (`repr`),
which any database stores and `ast.literal_eval` reads back; the flow keeps it in `originals`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import JSON, Integer, String, Table, Text

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
ORIGINAL_CHARS = 4096  # an original longer than this is kept cut, with its full length said
_BAD = re.compile("[\x00\ud800-\udfff]")


def plain(text: str) -> bool:
    """Whether `clean` would leave the text as it is: no NUL and no lone surrogate."""
    return text.isascii() and "\x00" not in text or not _BAD.search(text)


def clean(text: str) -> str:
    """`text` without what no database stores: NUL and lone surrogates become U+FFFD."""
    if text.isascii() and "\x00" not in text:
        return text
    return _BAD.sub("\ufffd", text)


def clean_json(value: Any) -> Any:
    """A JSON value with every string cleaned and every non-finite number made null."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return {clean(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return clean(str(value))


def original(value: Any) -> str:
    """The value as a Python literal, cut to ORIGINAL_CHARS (huge integers included)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * ORIGINAL_CHARS:
        return f"<an integer of {value.bit_length()} bits>"
    text = repr(value)
    if len(text) > ORIGINAL_CHARS:
        return text[:ORIGINAL_CHARS] + f"… <{len(text)} characters>"
    return text


def fit_value(column_type: Any, value: Any, nullable: bool) -> Any:
    """`value` as the column can hold it (the same value when it already fits)."""
    if value is None:
        return None
    if isinstance(column_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            return None if nullable else 0
        if INT_MIN <= value <= INT_MAX:
            return value
        return None if nullable else max(INT_MIN, min(INT_MAX, value))
    if isinstance(column_type, String | Text):
        text = clean(value if isinstance(value, str) else _text(value))
        length = getattr(column_type, "length", None)
        return text[:length] if length else text
    if isinstance(column_type, JSON):
        return clean_json(value)
    return value


def _text(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 4 * ORIGINAL_CHARS:
        return original(value)  # str() refuses integers of more than 4300 digits
    return str(value)


_OTHER, _TEXT, _INT, _JSON = range(4)
_PLANS: dict[int, dict[str, tuple[int, int | None, bool]]] = {}


def _plan(table: Table) -> dict[str, tuple[int, int | None, bool]]:
    """Per column: (what kind of value, its length limit, whether it may be NULL); made once."""
    plan = _PLANS.get(id(table))
    if plan is None:
        plan = {}
        for column in table.c:
            t = column.type
            kind = (
                _INT if isinstance(t, Integer) else _TEXT if isinstance(t, String | Text)
                else _JSON if isinstance(t, JSON) else _OTHER
            )  # fmt: skip
            plan[column.name] = (kind, getattr(t, "length", None), bool(column.nullable))
        _PLANS[id(table)] = plan
    return plan


def _fits_json(value: Any) -> bool:
    """Whether `clean_json` would leave `value` as it is (checked without copying it)."""
    if type(value) is list:
        # The common shapes, checked in one pass: a list of strings (notes, encodings) or of string
        # pairs (headers).  A character is bad or not on its own, so their concatenation tells.
        joined: str | None = None
        try:
            if not value or type(value[0]) is str:
                joined = "".join(value)
            elif all(type(v) is list or type(v) is tuple for v in value):
                joined = "".join(["".join(v) for v in value])
        except TypeError:
            joined = None  # another shape: element by element below
        if joined is not None:
            return joined.isascii() and "\x00" not in joined or not _BAD.search(joined)
    if isinstance(value, str):
        return value.isascii() and "\x00" not in value or not _BAD.search(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_fits_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _fits_json(k) and _fits_json(v) for k, v in value.items())
    return value is None or isinstance(value, bool | int)


def fit_row(table: Table, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The row with every value fitted to `table`'s columns, and the originals of those changed."""
    plan = _plan(table)
    fitted: dict[str, Any] = {}
    originals: dict[str, str] = {}
    for name, value in values.items():
        kind, length, nullable = plan[name]
        # The common case first: a value that already fits is passed through untouched.
        if value is None or kind == _OTHER:
            fitted[name] = value
            continue
        if kind == _TEXT:
            if (
                type(value) is str
                and (length is None or len(value) <= length)
                and (value.isascii() and "\x00" not in value or not _BAD.search(value))
            ):
                fitted[name] = value
                continue
        elif kind == _INT:
            if type(value) is int and INT_MIN <= value <= INT_MAX:
                fitted[name] = value
                continue
        elif _fits_json(value):
            fitted[name] = value
            continue
        column = table.c[name]
        new = fit_value(column.type, value, nullable)
        if new is not value and new != value:
            # A JSON column's original as JSON holds it: a pair given as a tuple is a list there.
            originals[name] = original(_listed(value) if kind == _JSON else value)
        fitted[name] = new
    return fitted, originals


def _listed(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_listed(v) for v in value]
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    return value
