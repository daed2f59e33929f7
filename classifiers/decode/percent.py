"""Percent-encoded values: which to decode, and their decoded text."""

from __future__ import annotations

import re
from urllib.parse import unquote

_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")

# Exported bound, for the walker's hot path (see `match_base64` in base64.py).
search_percent = _PERCENT_RE.search


def percent_decoded(text: str) -> str | None:
    """`text` with its percent escapes decoded; None for a URL, or when decoding changes nothing."""
    if text.lower().startswith(("http://", "https://")):
        return None
    decoded = unquote(text)
    return decoded if decoded != text else None
