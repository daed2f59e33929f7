"""Every function cache in phonehome is bounded: a capture runs for days, meeting new hosts,
addresses and values all the while, and must not keep each one it met.

Read as source, like tests/test_layers.py: `functools.cache` and `lru_cache(maxsize=None)` (or no
bound given some other way) fail here, wherever they hide.  What the bounds hold a long capture to is
measured by `benchmarks/soak.py` (docs/performance.md).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.test_layers import package_dirs


def _sources() -> Iterator[Path]:
    for folder in package_dirs().values():
        yield from (p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def unbounded_caches(source: str) -> list[int]:
    """The lines of `source` that make a function cache without a size bound."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) == "lru_cache":
            size = next((k.value for k in node.keywords if k.arg == "maxsize"), None)
            if size is None and node.args:
                size = node.args[0]
            if isinstance(size, ast.Constant) and size.value is None:
                lines.append(node.lineno)
            elif size is not None and not isinstance(size, ast.Constant | ast.Name | ast.Attribute):
                lines.append(node.lineno)  # a computed bound: spell it as a constant
        elif isinstance(node, ast.Attribute) and node.attr == "cache" and _name(node.value) == "functools":
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "functools":
            lines.extend(node.lineno for alias in node.names if alias.name == "cache")
    return sorted(set(lines))


def test_the_check_finds_unbounded_caches() -> None:
    assert unbounded_caches("from functools import cache\n@cache\ndef f(x): ...\n") == [1]
    assert unbounded_caches("import functools\n@functools.cache\ndef f(x): ...\n") == [2]
    assert unbounded_caches("@lru_cache(maxsize=None)\ndef f(x): ...\n") == [1]
    assert unbounded_caches("@functools.lru_cache(None)\ndef f(x): ...\n") == [1]
    assert unbounded_caches("@lru_cache(maxsize=4096)\ndef f(x): ...\n") == []
    assert unbounded_caches("g = lru_cache(maxsize=CACHED)(h)\n") == []
    assert unbounded_caches("@lru_cache\ndef f(x): ...\n") == []  # 128
    assert unbounded_caches("cache = {}\nself.cache.get(x)\n") == []


def test_every_function_cache_is_bounded() -> None:
    found = {
        str(path): lines
        for path in _sources()
        if (lines := unbounded_caches(path.read_text(encoding="utf-8")))
    }
    assert found == {}
