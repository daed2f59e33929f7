"""A Cookie request header split into its name-value pairs."""

from __future__ import annotations


def split_cookies(header: str, limit: int) -> tuple[list[tuple[str, str]], bool]:
    """The name-value pairs of at most `limit` pieces between `;`s, and whether there were more."""
    # Split as browsers do (RFC 6265 5.4): SimpleCookie stops at the first value it dislikes (JSON,
    # spaces) and silently drops it and every cookie after it.
    pieces = header.split(";", limit)
    cut = len(pieces) > limit
    pairs = []
    for piece in pieces[:limit]:
        name, sep, value = piece.strip().partition("=")
        if sep and name.strip():
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            pairs.append((name.strip(), value))
    return pairs, cut
