"""Percent-encoded values: which to decode, and their decoded text.

`unquote` spends Python time and a small object on every escape (20 s and 15 times the text's size
for 48 MB of them), so a long text is decoded in chunks with a check between them.  A chunk ends where no escape and no UTF-8 character spelt in
escapes can be split: before a character that no escape holds, before a `%` that starts a new run of
escapes or spells an ASCII or lead byte, or after four continuation bytes in a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import unquote

_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_SAFE_CUT = re.compile(
    r"[^%0-9A-Fa-f]|(?<!%[0-9A-Fa-f]{2})%|%(?![89ABab][0-9A-Fa-f])|(?:%[89ABab][0-9A-Fa-f]){4}"
)
CHUNK = 64 * 1024

# Exported bound, for the walker's hot path (see `match_base64` in base64.py).
search_percent = _PERCENT_RE.search


def percent_decoded(text: str, check: Callable[[], None] | None = None, chunk: int = CHUNK) -> str | None:
    """`text` with its percent escapes decoded; None for a URL, or when decoding changes nothing.

    `check` is called before each chunk of a long text and may raise to stop the work.
    """
    if text[:8].lower().startswith(("http://", "https://")):
        return None
    decoded = unquote_text(text, check, chunk)
    return decoded if decoded != text else None


def unquote_text(text: str, check: Callable[[], None] | None = None, chunk: int = CHUNK) -> str:
    """`urllib.parse.unquote(text)`, in chunks when `text` is long (the same result)."""
    return unquote(text) if len(text) <= chunk else "".join(_chunks(text, check, chunk))


def _chunks(text: str, check: Callable[[], None] | None, chunk: int) -> Iterator[str]:
    start, end_of_text = 0, len(text)
    while start < end_of_text:
        if check is not None:
            check()
        end = start + chunk
        if end >= end_of_text:
            end = end_of_text
        else:
            cut = _SAFE_CUT.search(text, end)
            if cut is None:
                end = end_of_text
            else:
                end = cut.end() if cut.end() - cut.start() > 1 else cut.start()
        yield unquote(text[start:end])
        start = end
