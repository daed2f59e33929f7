"""Whether decoded bytes are printable text, worth keeping as a value."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")


def printable(text: str) -> bool:
    return bool(text) and _UNPRINTABLE.search(text, 0, 512) is None
