"""No regular expression in phonehome backtracks exponentially on the inputs that make patterns do so.

Every pattern the installed package compiles (held at module level or in its tables, closures and
objects, written into a call, or made at run time from what it ships) is given the shapes of
`benchmarks/patterns.py` (its own literals and runs, and the characters traffic is made of, repeated
between a prefix and an ending), small: a pattern that is exponential on one of them never finishes,
and the bound stops it.  Whether a pattern is quadratic takes timing at two sizes, which the
benchmark does (docs/performance.md).
"""

from __future__ import annotations

import re

import pytest

from benchmarks.patterns import Found, built, patterns, shapes
from tests._deadline import bounded

SIZE = 48  # characters: an exponential pattern tries some 2^48 ways; a linear one takes microseconds

FOUND = patterns()


def test_the_patterns_are_found_across_the_package() -> None:
    """At module level, inside module-level data (a table of tuples, a closure kept in a table), made
    at run time from what phonehome ships (an adapter's path and field paths, the entry cutter's
    deepest pattern), and written into a call in a function's body, with the call it is given."""
    origins = {f.origin: f for f in FOUND}
    assert len(FOUND) > 250
    for known in ("phonehome.classifiers.detect.browsing._CODED", "phonehome.classifiers.detect.device._UA_PARENS",
                  "phonehome.sources.jsonscan._STRING_BODY", "phonehome.behaviour._VERSION",
                  "phonehome.classifiers.destinations.party._MODELS[0][0]",
                  "phonehome.classifiers.detect.tracking.COOKIES['_ga'][2].<regex>",
                  "adapter adjust: path", "adapter adjust: field gps_adid",
                  "phonehome.sources.jsonscan._object_start(16)"):  # fmt: skip
        assert known in origins, known
    inline = [f for o, f in origins.items() if o.startswith("phonehome.classifiers.detect.known:")]
    assert any(f.pattern.pattern == r"[0-9]{15}" and f.calls == ("fullmatch",) for f in inline)
    assert len({(type(f.pattern.pattern), f.pattern.pattern, f.pattern.flags) for f in FOUND}) == len(FOUND)


def test_the_shapes_find_the_exponential_pattern_of_the_audit() -> None:
    """The search-code pattern as it was before the audit: some shape makes it run past the bound."""
    before = re.compile(r"^\S{30,}$|^(?=[^ ]*\d)(?:[\w]*[.:|;,_=/-]){2,}[\w.:|;,_=/-]*$|^[0-9a-fA-F-]{16,}$")
    with pytest.raises(AssertionError, match="still matching"), bounded(1.0):
        for shape in shapes(before):
            text = built(before, shape, SIZE)
            before.search(text)
            before.fullmatch(text)


@pytest.mark.parametrize("found", FOUND, ids=lambda f: f.origin)
def test_no_pattern_backtracks_exponentially(found: Found) -> None:
    """Through every call, `search` too, whichever its module makes: a pattern handed on today may be
    searched with tomorrow, and 48 characters cost any linear or quadratic pattern microseconds."""
    pattern = found.pattern
    with bounded():
        for shape in shapes(pattern):
            text = built(pattern, shape, SIZE)
            pattern.search(text)
            pattern.fullmatch(text)
