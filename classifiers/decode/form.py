"""Form-encoded values and bodies (`a=1&b=2`): which text is one, and its key-value pairs."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

_FORM_RE = re.compile(r"^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)+$")

# Exported bound, for the walker's hot path (see `match_base64` in base64.py).
match_form = _FORM_RE.match


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The key-value pairs of a query string or form, blank values kept."""
    return parse_qsl(text, keep_blank_values=True)


def is_form_body(text: str, content_type: str, require_text: bool) -> bool:
    """Whether a stripped text body (or bytes value) is a form: declared, well-formed, or one bare `k=v`."""
    return bool(
        "form-urlencoded" in content_type.lower()
        or _FORM_RE.match(text)
        or ("=" in text.rstrip("=") and "\n" not in text and " " not in text and not require_text)
    )
