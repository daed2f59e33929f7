"""Form-encoded values and bodies (`a=1&b=2`): which text is one, and its key-value pairs."""

from __future__ import annotations

import re
from collections.abc import Callable

from phonehome.classifiers.decode.percent import unquote_text

# Possessive: the same matches (no class holds `&`, so nothing given back could match), but without
# the backtracking state that cost 2.7 GB and 4 s on a 48 MB form.
_FORM_RE = re.compile(r"^[^\s=&]++=[^\s&]*+(?:&[^\s=&]++=[^\s&]*+)++$")

# Exported bound, for the walker's hot path (see `match_base64` in base64.py).
match_form = _FORM_RE.match


def form_pairs(
    text: str, limit: int, check: Callable[[], None] | None = None
) -> tuple[list[tuple[str, str]], bool]:
    """The key-value pairs of a query string or form, blank values kept, from at most `limit` pieces
    between `&`s; and whether there were more (then only those were read, nothing built for the rest).

    The pairs are `parse_qsl(text, keep_blank_values=True)`'s, but a long value is unquoted in chunks
    with `check` called between them (see percent.py)."""
    pieces = text.split("&", limit)
    cut = len(pieces) > limit
    if cut:
        pieces.pop()
    pairs = []
    for piece in pieces:
        if piece:
            name, _, value = piece.partition("=")
            pairs.append(
                (unquote_text(name.replace("+", " "), check), unquote_text(value.replace("+", " "), check))
            )
    return pairs, cut


def is_form_body(text: str, content_type: str, require_text: bool) -> bool:
    """Whether a stripped text body (or bytes value) is a form: declared, well-formed, or one bare `k=v`."""
    return bool(
        "form-urlencoded" in content_type.lower()
        or _FORM_RE.match(text)
        or ("=" in text.rstrip("=") and "\n" not in text and " " not in text and not require_text)
    )
