"""Field paths: the key a path ends in, for values found without a key of their own."""

from __future__ import annotations


def last_key(path: str) -> str:
    tail = path.rsplit(".", 1)[-1]
    return tail.split("[", 1)[0]
