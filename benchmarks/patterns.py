"""Every regular expression phonehome compiles, given the inputs that make patterns backtrack: does
each take time in proportion to its input?

    python benchmarks/patterns.py [--size 2000] [--grow 10]

The patterns are found by importing every module of the installed package and taking each compiled
pattern it holds at module level or inside its module-level data (tables, closures, its own
objects), and those it makes at run time from what it ships (the endpoint adapters' paths, the HAR
entry cutter's patterns).  Each is given inputs of the shape `prefix + unit * n + ending`,
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
import ast
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
    """Each compiled pattern phonehome holds, once: at module level, inside module-level data
    (`_held`: tables of patterns, closures, phonehome's own objects) and made at run time from what
    phonehome ships (`_made`)."""
    names: dict[str, None] = {}
    for top in PACKAGES:  # the repository's folders are these packages (pyproject.toml's package-dir)
        package = importlib.import_module(top)
        found = pkgutil.walk_packages(package.__path__, f"{top}.")
        # Alembic's migration scripts run inside Alembic only; they hold no pattern.
        names.update((info.name, None) for info in found if ".migrations" not in info.name)
    seen: set[int] = set()
    out: list[Found] = []
    modules = [importlib.import_module(name) for name in names]
    for module in modules:
        source = inspect.getsource(module)
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, re.Pattern) and id(value) not in seen:
                seen.add(id(value))
                out.append(Found(f"{module.__name__}.{attr}", value, _calls(source, attr)))
    visited: set[int] = set()
    for module in modules:
        for attr, value in sorted(vars(module).items()):
            if not isinstance(value, re.Pattern) and not inspect.ismodule(value):
                _held(value, f"{module.__name__}.{attr}", 0, visited, seen, out)
    # Written into calls, and made at run time: the same text and flags as one found above is the
    # same pattern (`re` compiles it again once its cache of 512 is full), tried with the calls its
    # inline uses name too.
    place = {_key(f.pattern): i for i, f in enumerate(out)}
    for found in [*(f for module in modules for f in _inline(module)), *_made()]:
        at = place.get(_key(found.pattern))
        if at is None:
            place[_key(found.pattern)] = len(out)
            out.append(found)
        elif found.origin.endswith(" re.compile"):
            continue  # compiled and handed on: its calls are those found where it is kept
        else:
            calls = tuple(sorted({*out[at].calls, *found.calls}))
            out[at] = Found(out[at].origin, out[at].pattern, calls)
    return out


def _key(pattern: re.Pattern[Any]) -> tuple[Any, ...]:
    return type(pattern.pattern), pattern.pattern, pattern.flags


def _ours(thing: Any) -> bool:
    return str(getattr(thing, "__module__", "") or "").split(".")[0] in PACKAGES


def _held(value: Any, origin: str, depth: int, visited: set[int], seen: set[int], out: list[Found]) -> None:
    """Patterns inside `value`: in its items (tuples, lists, sets, a dict's keys and values), a
    function's closure and defaults, or the attributes of one of phonehome's own objects and
    classes, a few levels down.  Their calls are unknown: all three are tried."""
    if isinstance(value, re.Pattern):
        if id(value) not in seen:
            seen.add(id(value))
            out.append(Found(origin, value))
        return
    if depth > 5 or isinstance(value, (str, bytes, int, float, bool, type(None))) or id(value) in visited:
        return
    visited.add(id(value))
    items: list[tuple[str, Any]] = []
    if isinstance(value, (tuple, list)):
        items = [(f"{origin}[{i}]", item) for i, item in enumerate(value)]
    elif isinstance(value, (set, frozenset)):
        items = [(f"{origin}{{}}", item) for item in value]
    elif isinstance(value, dict):
        items = [(f"{origin}[{key!r}]", item) for key, item in value.items()]
        items += [(f"{origin} key", key) for key in value]
    elif inspect.isfunction(value) and _ours(value):
        cells = zip(value.__code__.co_freevars, value.__closure__ or (), strict=True)
        items = [
            (f"{origin}.<{name}>", cell.cell_contents)
            for name, cell in cells
            if cell.cell_contents is not value
        ]
        items += [(f"{origin}.<default>", d) for d in value.__defaults__ or ()]
    elif inspect.isclass(value) and _ours(value):
        items = [
            (f"{origin}.{name}", item) for name, item in vars(value).items() if not name.startswith("__")
        ]
    elif _ours(type(value)) and not inspect.isroutine(value):
        attrs = dict(getattr(value, "__dict__", {}))
        for cls in type(value).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if hasattr(value, slot):
                    attrs.setdefault(slot, getattr(value, slot))
        items = [(f"{origin}.{name}", item) for name, item in attrs.items()]
    for where, item in items:
        _held(item, where, depth + 1, visited, seen, out)


_CALLED = {
    "compile": ("search", "match", "fullmatch"),
    **{name: (call,) for name, call in _SEARCHING.items()},
}


def _inline(module: Any) -> Iterator[Found]:
    """Patterns written into a call in a function's body, `re.sub(r"[^0-9A-Za-z]", "", value)`:
    compiled as `re` compiles them (with flags written as `re.NAME`), called as written."""
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CALLED
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, (str, bytes))
        ):  # fmt: skip
            continue
        flags = 0
        written = [k.value for k in node.keywords if k.arg == "flags"]
        if node.func.attr == "compile" and len(node.args) > 1:
            written.append(node.args[1])
        for value in written:
            for name in ast.walk(value):
                if (
                    isinstance(name, ast.Attribute)
                    and isinstance(name.value, ast.Name)
                    and name.value.id == "re"
                ):
                    flags |= int(getattr(re, name.attr))
        origin = f"{module.__name__}:{node.lineno} re.{node.func.attr}"
        yield Found(origin, re.compile(node.args[0].value, flags), _CALLED[node.func.attr])


def _made() -> Iterator[Found]:
    """Patterns phonehome makes at run time from what it ships: each endpoint adapter's path
    (searched in a request's URL path) and field paths (`compile_path`, matched against a field's
    path), and the HAR entry cutter's pattern of each depth (compiled when an entry first reaches it)."""
    from phonehome.classifiers.detect.adapters import ADAPTERS

    from phonehome.sources import jsonscan

    for adapter in ADAPTERS:
        if adapter.path:
            yield Found(f"adapter {adapter.name}: path", re.compile(adapter.path), ("search",))
        for (regex, _), pattern in zip(adapter.rules, adapter.fields, strict=True):
            yield Found(f"adapter {adapter.name}: field {pattern}", regex, ("match",))
    for depth in range(1, jsonscan.FAST_DEPTH + 1):
        yield Found(
            f"phonehome.sources.jsonscan._object_start({depth})", jsonscan._object_start(depth), ("match",)
        )


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
