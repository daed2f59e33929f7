"""The text of the JSON columns: written and read by orjson, in C, with the standard module behind it.

Every flow carries six JSON values and every finding two, so the writer encodes about 16,000 a
second at full speed and the standard encoder was a tenth of the cost of storing a flow
(docs/performance.md#capture).  orjson writes the same values (non-ASCII characters as UTF-8 rather
than `\\u` escapes, which every JSON reader takes alike) and refuses what the standard module
accepts (integers beyond 64 bits, lone surrogates, keys that are not strings; `NaN` and `1e400`
when reading) and reads an integer outside [-2**63, 2**64) as a float: 20 digits, or 19 after a
minus sign (-9223372036854775809).  Those rare values go through
the standard module instead, so every value reads back as the standard module would read it, and
nothing stored before is refused now.  (A NaN is written as null: `db/fit.py` has made every
non-finite number null before any value gets here.)
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# A run of digits orjson could read as a float rather than an integer (2**64 has 20 digits, -2**63-1
# has 19); it may be inside a string, and then the standard module reads that text just as well,
# only slower.
_LONG = re.compile("[0-9]{19}")
# The same test on bytes, in C: every byte mapped to what it can be next to a number's digits
# (digit "0", sign "S", point "P", exponent "E", what a value follows "N": whitespace, `:`, `,`,
# `[`; anything else " "), then the runs that can be a number's.  A run after anything else (`/123…`
# in a URL, `"123…`, `id=123…`, `uid":"1795-640…`) is inside a string, where both read it alike.
_CLASS = {**dict.fromkeys(b"0123456789", b"0"), **dict.fromkeys(b"+-", b"S"), ord("."): b"P",
          **dict.fromkeys(b"eE", b"E"), **dict.fromkeys(b" \t\r\n:,[", b"N")}  # fmt: skip
_DIGITS = bytes(_CLASS.get(b, b" ")[0] for b in range(256))
_LONG_RUN = b"0" * 19
# An integer's digits follow what a value follows, or its sign there; a fraction's the point after a
# digit; an exponent's the `e` after a digit, or its sign.
_NUMBER_RUNS = tuple(before + _LONG_RUN for before in (b"N", b"NS", b"0P", b"0E", b"0ES"))


def long_digits(data: bytes) -> bool:
    """Whether `data` holds a run of digits orjson might read otherwise than the standard module:
    19 or more where a number's digits can be (a tracker's long id inside a string is not)."""
    classes = data.translate(_DIGITS)
    if _LONG_RUN not in classes:
        return False
    return classes.startswith((_LONG_RUN, b"S" + _LONG_RUN)) or any(run in classes for run in _NUMBER_RUNS)


def dumps(value: Any) -> str:
    """`value` as JSON text."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    """The value JSON `text` holds."""
    if long_digits(text) if isinstance(text, bytes) else _LONG.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
