"""A bound on a call that could run for ever, for tests of regular expressions fed hostile input.

Python's `re` checks for signals while it backtracks, so SIGALRM stops a match that has gone
exponential or quadratic: the test fails in seconds with a clear message instead of hanging the
suite.  The bound is a guard against a match that would take minutes, never a speed goal: the
inputs given are ones the patterns read in milliseconds and their catastrophic forms in far more
than the bound (docs/performance.md says where speed is measured)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

BOUND = 20.0  # seconds


class Backtracked(AssertionError):
    """The call ran past its bound: a pattern backtracking on the input it was given."""


@contextmanager
def bounded(seconds: float = BOUND) -> Iterator[None]:
    """Fail the block if it runs longer than `seconds` (main thread only, as pytest runs tests)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Backtracked(f"still matching after {seconds:g} s: the pattern backtracks on this input")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
