"""Every regular expression phonehome compiles, given the inputs that make patterns backtrack: does
each take time in proportion to its input?

    python benchmarks/patterns.py [--size 2000] [--grow 10]

The patterns are found by importing every module of the installed package and taking each compiled
pattern it holds at module level.  Each is given inputs of the shape `prefix + unit * n + ending`,
built from its own literal characters and runs (`Android`, `wifi`) and from characters every pattern
meets (digits, letters, `_`, spaces, brackets, punctuation), at `--size` characters, through
the calls its module makes (`search` tries every start, `match` one; all of them when the module
hands the pattern on): 600 to 35,000 inputs a pattern.  The slowest of them is timed again at
`--grow` and `--grow`² times the size.  From the one to the other a linear pattern takes about
`--grow` times as long, a quadratic one about its square.  A call still running after a second is
stopped (SIGALRM: Python's `re` checks for signals while it backtracks) and its growth counted as
unbounded.

Prints one line, then a line for each pattern whose time grew more than twice as fast as its input
(goal: none).  An audit of December 2026 found four such patterns in the detectors, one of them
exponential (docs/reliability.md); `tests/test_patterns.py` runs the same inputs, small, on every
pattern, and fails on one that is exponential.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Characters every pattern meets in traffic: word characters, separators, brackets, quotes, escapes.
COMMON = tuple("aZ09_ .-:/=&,;|()[]{}\"'\\@%+*#!?\t\n\u00e9\u2019")
ENDINGS = ("", "!", " ", " x", "\n", "\x00")
PACKAGES = ("phonehome", "phonehome.classifiers", "phonehome.db", "phonehome.addons")
STOP_AFTER = 1.0  # seconds: a call still running is counted as exponential


@dataclass(frozen=True, slots=True)
class Found:
    origin: str  # module.NAME
    pattern: re.Pattern[Any]
    # How its module calls it: `search` (from every start: also finditer, findall, sub, split),
    # `match`, `fullmatch`; all three when its module never names the call (it is handed on).
    calls: tuple[str, ...] = ("search", "match", "fullmatch")


_SEARCHING = {"search": "search", "finditer": "search", "findall": "search", "sub": "search",
              "subn": "search", "split": "search", "match": "match", "fullmatch": "fullmatch"}  # fmt: skip


def _calls(source: str, attr: str) -> tuple[str, ...]:
    """The calls made on `attr`: the first `.method(` after its name on the same line, which also
    reads `(_RUN if depth else _RUN_TOP).match(...)`."""
    methods = "|".join(_SEARCHING)
    used = {_SEARCHING[m] for m in re.findall(rf"\b{re.escape(attr)}\b[^\n]*?\.({methods})\(", source)}
    return tuple(sorted(used)) or ("search", "match", "fullmatch")


def patterns() -> list[Found]:
    """Each compiled pattern held at module level anywhere in the installed package, once."""
    names: dict[str, None] = {}
    for top in PACKAGES:  # the repository's folders are these packages (pyproject.toml's package-dir)
        package = importlib.import_module(top)
        found = pkgutil.walk_packages(package.__path__, f"{top}.")
        # Alembic's migration scripts run inside Alembic only; they hold no pattern.
        names.update((info.name, None) for info in found if ".migrations" not in info.name)
    seen: set[int] = set()
    out: list[Found] = []
    for name in names:
        module = importlib.import_module(name)
        source = inspect.getsource(module)
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, re.Pattern) and id(value) not in seen:
                seen.add(id(value))
                out.append(Found(f"{module.__name__}.{attr}", value, _calls(source, attr)))
    return out


def _literals(pattern: re.Pattern[Any]) -> tuple[set[str], set[str]]:
    """The pattern's literal characters (in and out of classes) and its literal runs of 2 or more."""
    from re import _parser  # type: ignore[attr-defined]

    chars: set[str] = set()
    runs: set[str] = set()
    source = pattern.pattern.decode("latin-1") if isinstance(pattern.pattern, bytes) else pattern.pattern
    flags = pattern.flags & ~re.UNICODE if isinstance(pattern.pattern, bytes) else pattern.flags

    def walk(items: Any) -> None:
        run = ""
        for op, arg in items:
            if op is _parser.LITERAL:
                run += chr(arg)
                chars.add(chr(arg))
                continue
            if len(run) >= 2:
                runs.add(run)
            run = ""
            if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, _parser.POSSESSIVE_REPEAT):
                walk(arg[2])
            elif op is _parser.SUBPATTERN:
                walk(arg[-1])
            elif op is _parser.ATOMIC_GROUP:
                walk(arg)
            elif op is _parser.BRANCH:
                for branch in arg[1]:
                    walk(branch)
            elif op in (_parser.ASSERT, _parser.ASSERT_NOT):
                walk(arg[1])
            elif op is _parser.IN:
                for kind, value in arg:
                    if kind is _parser.LITERAL:
                        chars.add(chr(value))
                    elif kind is _parser.RANGE:
                        chars.update((chr(value[0]), chr(value[1])))
        if len(run) >= 2:
            runs.add(run)

    walk(_parser.parse(source, flags))
    return chars, runs


def shapes(pattern: re.Pattern[Any]) -> Iterator[tuple[str, str, str]]:
    """(prefix, unit, ending) for the pattern: what makes a pattern try many ways to read an input."""
    chars, runs = _literals(pattern)
    words = sorted(runs, key=lambda r: (len(r), r))[:12]
    units = [
        *sorted(set(COMMON) | chars),
        *words,
        *(w + c for w in words for c in (" ", ".", "_", "0", "(")),
        *(a + c for a in ("0", "a", "_") for c in sorted(chars | {" ", "."})),  # `0.0.0.…`, `a-a-a-…`
    ]
    prefixes = ["", "0", "a", *sorted(chars)[:24], *words]
    for prefix in dict.fromkeys(prefixes):
        for unit in dict.fromkeys(units):
            for ending in ENDINGS:
                yield prefix, unit, ending


def built(pattern: re.Pattern[Any], shape: tuple[str, str, str], size: int) -> Any:
    """The input of that shape at about `size` characters, as bytes for a bytes pattern."""
    prefix, unit, ending = shape
    text = prefix + unit * max(1, size // len(unit)) + ending
    return text.encode("latin-1", "replace") if isinstance(pattern.pattern, bytes) else text


class Stopped(Exception):
    """A call ran past `STOP_AFTER`."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def timed(found: Found, text: Any, repeats: int = 1) -> float:
    """The fastest of `repeats` runs of the pattern's calls on `text`, in seconds; inf if stopped."""
    calls = [getattr(found.pattern, name) for name in found.calls]
    best = float("inf")
    previous = signal.signal(signal.SIGALRM, _stop)
    try:
        for _ in range(repeats):
            signal.setitimer(signal.ITIMER_REAL, STOP_AFTER)
            try:
                t = time.perf_counter()
                for call in calls:
                    call(text)
                best = min(best, time.perf_counter() - t)
            except Stopped:
                return float("inf")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return best


@dataclass(frozen=True, slots=True)
class Growth:
    origin: str
    calls: tuple[str, ...]
    shape: tuple[str, str, str]
    small: float
    big: float

    @property
    def ratio(self) -> float:
        if self.small == float("inf") or not self.small:
            return float("inf")
        return self.big / self.small


def growth(found: Found, size: int, grow: int) -> tuple[Growth, int]:
    """The pattern's slowest input at `size`, timed again at `size * grow` and `size * grow**2`
    (below some 20,000 characters the first calls' memory, not the pattern, sets the pace: `_RUN`
    took 16x longer for 10x the input there, and 8-10x from there to 2,000,000); and how many inputs."""
    worst, worst_shape, tried = -1.0, ("", "", ""), 0
    for shape in shapes(found.pattern):
        tried += 1
        took = timed(found, built(found.pattern, shape, size))
        if took > worst:
            worst, worst_shape = took, shape
        if took == float("inf"):
            break
    small = timed(found, built(found.pattern, worst_shape, size * grow), repeats=3)
    big = (
        small if small == float("inf") else timed(found, built(found.pattern, worst_shape, size * grow**2), 3)
    )
    return Growth(found.origin, found.calls, worst_shape, small, big), tried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="characters of each input")
    parser.add_argument(
        "--grow", type=int, default=10, help="the slowest input again at this many times the size"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    found = patterns()
    results: list[Growth] = []
    inputs = 0
    for one in found:
        result, tried = growth(one, args.size, args.grow)
        results.append(result)
        inputs += tried
    over = [r for r in results if r.ratio > 2 * args.grow]
    steepest = max(results, key=lambda r: r.ratio)
    slowest = max(results, key=lambda r: r.big)
    print(
        f"patterns: {len(found)} patterns, {inputs:,} inputs of {args.size:,} characters in "
        f"{time.perf_counter() - t0:.0f} s; {len(over)} grew more than {2 * args.grow}x for {args.grow}x "
        f"the input (goal: none); steepest {steepest.ratio:.1f}x ({steepest.origin}); slowest at "
        f"{args.size * args.grow**2:,} characters {slowest.big * 1000:.1f} ms ({slowest.origin})"
    )
    for r in sorted(over, key=lambda r: -r.ratio):
        prefix, unit, ending = r.shape
        print(f"  {r.origin} ({', '.join(r.calls)}): {r.small * 1000:.2f} -> {r.big * 1000:.2f} ms "
              f"({r.ratio:.0f}x) on {prefix!r} + {unit!r} * n + {ending!r}")  # fmt: skip


if __name__ == "__main__":
    main()
