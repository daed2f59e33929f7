"""JSON text to a tree within bounds: nesting depth and the number of values are capped before the
tree is built, so a hostile document costs memory near its own size and time linear in it.

`json.loads` is used whenever that is safe: a short text, or one whose values (estimated at C speed
as its commas and opening brackets) are within the cap.  A text too deep for it (it raises
RecursionError some thousand levels down) or holding too many values is first cut by a scanner that
looks only at brackets, commas and strings: a value nested deeper than `max_depth` levels becomes
`null` (what is beside it is kept), and after `max_items` values the document is closed where it
stands.  The scanner keeps no tree, so a 100,000-deep document costs one pass and one copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import NamedTuple

# At most about 32,000 values: cheap whatever their shape, so not worth counting.
_SMALL = 64 * 1024
_TOKEN = re.compile(r'[\[\]{},"]')
# Possessive, so a long string with many escapes costs neither backtracking state nor time.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_TRAILING_SPACE = re.compile(r"[ \t\n\r]*\Z")
_CLOSE = {"[": "]", "{": "}"}
_CHECK_EVERY = 4096  # tokens between two calls of `check`


class JsonDoc(NamedTuple):
    node: object
    deepest: int  # when values deeper than max_depth were dropped: the deepest nesting seen, else 0
    cut: bool  # whether the document was closed after max_items values


def estimate_items(text: str) -> int:
    """An upper bound on the values in JSON `text`, give or take one (commas inside strings count too)."""
    return text.count(",") + text.count("[") + text.count("{")


def load_json(
    text: str, *, max_depth: int, max_items: int, check: Callable[[], None] | None = None
) -> JsonDoc:
    """The tree of `text` within the bounds; ValueError when `text` is not JSON.

    `check` is called every few thousand tokens while scanning and may raise to stop the work.
    """
    if len(text) <= _SMALL or estimate_items(text) <= max_items:
        try:
            return JsonDoc(json.loads(text), 0, False)
        except RecursionError:
            pass
    pruned, deepest, cut = prune(text, max_depth, max_items, check)
    return JsonDoc(json.loads(pruned), deepest, cut)


def prune(
    text: str, max_depth: int, max_items: int, check: Callable[[], None] | None = None
) -> tuple[str, int, bool]:
    """`text` with every value below `max_depth` levels replaced by null and cut after `max_items`
    values, the deepest nesting dropped (0 if none) and whether it was cut.

    Raises ValueError for what cannot be JSON (an unterminated string, text after the top value), so
    a caller never parses a document the scanner could not follow.
    """
    out: list[str] = []
    stack: list[str] = []
    copied = 0  # text[copied:] is still to be copied to `out`
    items = 0
    skip = 0  # brackets open inside the value being dropped; 0 when not dropping
    deepest = 0
    steps = 0
    pos = 0
    search = _TOKEN.search
    while (m := search(text, pos)) is not None:
        start = m.start()
        pos = start + 1
        ch = text[start]
        steps += 1
        if check is not None and not steps % _CHECK_EVERY:
            check()
        if ch == '"':
            string = _STRING.match(text, start)
            if string is None:
                raise ValueError("unterminated string")
            pos = string.end()
        elif skip:
            if ch == "[" or ch == "{":
                skip += 1
                deepest = max(deepest, len(stack) + skip)
            elif ch == "]" or ch == "}":
                skip -= 1
                if not skip:
                    copied = pos
        elif ch == ",":
            if not stack:
                raise ValueError("a comma outside any array or object")
            items += 1
            if items >= max_items:
                out.append(text[copied:start])
                return _closed(out, stack), deepest, True
        elif ch == "[" or ch == "{":
            items += 1
            if items > max_items:
                out += (text[copied:start], "null")
                return _closed(out, stack), deepest, True
            if len(stack) >= max_depth:
                out += (text[copied:start], "null")
                skip = 1
                deepest = max(deepest, len(stack) + 1)
            else:
                stack.append(ch)
        elif stack:
            stack.pop()
            if not stack and _TRAILING_SPACE.match(text, pos) is None:
                raise ValueError("extra data after the top value")
    if skip:
        raise ValueError("the text ends inside a value")
    out.append(text[copied:])
    return "".join(out), deepest, False


def _closed(out: list[str], stack: list[str]) -> str:
    out.extend(_CLOSE[c] for c in reversed(stack))
    return "".join(out)
