"""A Cookie request header split into its name-value pairs."""

from __future__ import annotations

from collections.abc import Iterator


def split_cookies(header: str) -> Iterator[tuple[str, str]]:
    # Split as browsers do (RFC 6265 5.4): SimpleCookie stops at the first value it dislikes (JSON,
    # spaces) and silently drops it and every cookie after it.
    for piece in header.split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep and name.strip():
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            yield name.strip(), value
