"""Base64 and base64url values: which strings to try, and the bytes they decode to."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING

from phonehome.classifiers.model import Where

if TYPE_CHECKING:
    from phonehome.classifiers.decode.walker import Walker

_B64_RE = re.compile(r"^[A-Za-z0-9+/_-]{16,}={0,2}$")
# Hex digits, maybe grouped by dashes: digests, device IDs and UUIDs (advertising IDs, install and
# session IDs, in nearly every tracker request).  They fit the base64url alphabet but are IDs: a
# UUID's 36 characters decoded as base64url are 27 random bytes, and trying them as protobuf, raw
# deflate and brotli cost a fifth of classifying a request (docs/performance.md#capture) and could
# only ever find noise.  Random base64 of 16 or more characters drawn from these 23 of its 64
# letters alone is a chance below 1 in 10 million.
_HEX_ONLY = re.compile(r"^[0-9A-Fa-f-]+$")

# Exported bound, for the walker's hot path: CPython 3.11 calls a method of an imported name through
# a new bound-method object each time (no LOAD_METHOD), which the walker would pay on every value.
match_base64 = _B64_RE.match
match_hex = _HEX_ONLY.match


def expand_base64(
    walker: Walker, where: Where, path: str, key: str, text: str, enc: tuple[str, ...], depth: int
) -> None:
    urlsafe = "-" in text or "_" in text
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(padded)
    except (binascii.Error, ValueError):
        return
    layer = "base64url" if urlsafe else "base64"
    walker.bytes_value(where, path, key, raw, enc + (layer,), depth + 1, require_text=True)
