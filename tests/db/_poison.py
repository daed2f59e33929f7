"""Analyzers that misbehave on purpose, importable by a spawned worker process (tests of db/workers.py)."""

from __future__ import annotations

import os
import time

from phonehome.classifiers.model import Analysis, Exchange
from phonehome.classifiers.registry import analyze


def crashing_or_hanging(exchange: Exchange) -> Analysis:
    """`/crash` takes the worker process down, `/hang` never answers, `/raise` raises; the rest classify."""
    if "/crash" in exchange.url:
        os._exit(3)
    if "/hang" in exchange.url:
        time.sleep(3600)
    if "/raise" in exchange.url:
        raise ValueError("a detector broke")
    return analyze(exchange)


def never_starts(exchange: Exchange) -> Analysis:  # pragma: no cover - the worker dies before
    raise AssertionError("unreachable")


class Unimportable:
    """Pickles as a reference to a module a worker cannot import: the worker dies at start-up."""

    def __reduce__(self) -> tuple[object, ...]:
        return (__import__, ("phonehome_module_that_does_not_exist",))

    def __call__(self, exchange: Exchange) -> Analysis:
        return analyze(exchange)


def bulky(exchange: Exchange) -> Analysis:
    """An analysis whose answer alone fills a pipe: a note of 200,000 characters."""
    analysis = analyze(exchange)
    return Analysis(
        analysis.exchange,
        analysis.findings,
        analysis.destination,
        analysis.fields,
        (*analysis.notes, "x" * 200_000),
    )


def modules_loaded(exchange: Exchange) -> Analysis:
    """The analysis, with a note saying which of the database's modules this process has loaded."""
    import sys

    analysis = analyze(exchange)
    loaded = sorted(m for m in ("sqlalchemy", "phonehome.db.store", "alembic") if m in sys.modules)
    return Analysis(analysis.exchange, analysis.findings, analysis.destination, notes=(",".join(loaded),))


def _unreadable() -> object:
    raise MemoryError("a part too big to load")


class Unreadable:
    """Pickles, and fails to load in the process that receives it (as a part of huge bodies would)."""

    def __reduce__(self) -> tuple[object, ...]:
        return (_unreadable, ())


def hogging(exchange: Exchange) -> Analysis:
    """`/hog` never answers and never lets go of the interpreter's lock (a regular expression that
    backtracks for ever, as a detector's could): the worker's other threads stand still too."""
    import re

    if "/hog" in exchange.url:
        re.match(r"(a|aa)+$", "a" * 90 + "b")
    return analyze(exchange)


def hogging_or_raising(exchange: Exchange) -> Analysis:
    """`/hog` as `hogging`, `/raise` as `crashing_or_hanging`; the rest classify."""
    if "/raise" in exchange.url:
        raise ValueError("a detector broke")
    return hogging(exchange)


def slow(exchange: Exchange) -> Analysis:
    """Classifies, 20 ms an exchange: a backlog that takes a while to flush."""
    time.sleep(0.02)
    return analyze(exchange)
