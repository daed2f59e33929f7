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
_LONG_BYTES = re.compile(b"[0-9]{19}")


def dumps(value: Any) -> str:
    """`value` as JSON text."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    """The value JSON `text` holds."""
    if (_LONG if isinstance(text, str) else _LONG_BYTES).search(text):  # type: ignore[arg-type]
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
