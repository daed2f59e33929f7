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
# The same test on bytes, in two C calls: every byte to "0" if a digit, else to " ", then a run.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_RUN = b"0" * 19
_RUNS = re.compile(rb"0{19,}")
# What can come just before the digits of a JSON number: its sign, point or exponent, or what a
# value follows (whitespace, `:`, `,`, `[`).  Digits after anything else (`/123…` in a URL, `"123…`,
# `id=123…`) are inside a string, where both modules read them alike.
_NUMBER_BEFORE = frozenset(b"-+.eE \t\r\n:,[")


def long_digits(data: bytes) -> bool:
    """Whether `data` holds a run of digits orjson might read otherwise than the standard module:
    one that could be a number's (a long id in a URL cannot, and is common in trackers' requests)."""
    digits = data.translate(_DIGITS)
    if _LONG_RUN not in digits:
        return False
    return any(m.start() == 0 or data[m.start() - 1] in _NUMBER_BEFORE for m in _RUNS.finditer(digits))


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
