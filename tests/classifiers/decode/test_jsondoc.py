"""classifiers.decode.jsondoc: JSON trees with their depth and size capped before they are built."""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.decode.jsondoc import estimate_items, load_json, prune

DEEP = 100_000


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_small_documents_are_json_loads() -> None:
    text = '{"a": [1, {"b": "c,[{"}], "d": null}'
    assert load_json(text, max_depth=10, max_items=100) == (json.loads(text), 0, False)


def test_a_deep_value_becomes_null_and_what_is_beside_it_is_kept() -> None:
    text = '{"imei": "490154203237518", "x": ' + _deep(DEEP) + ', "y": [1, 2]}'
    doc = load_json(text, max_depth=3, max_items=1000)
    assert doc.node == {"imei": "490154203237518", "x": [[None]], "y": [1, 2]}
    assert doc.deepest == DEEP + 1 and not doc.cut


def test_deep_objects_too() -> None:
    text = '{"a":' * DEEP + "1" + "}" * DEEP
    assert load_json(text, max_depth=2, max_items=10).node == {"a": {"a": None}}


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = json.dumps(["[[[{{{", {"k": "]]]}}}", "e": '\\"[['}])
    assert prune(text, 2, 100) == (text, 0, False)


def test_many_values_are_cut_and_closed() -> None:
    assert prune("[1,2,3,4,5]", 10, 3) == ("[1,2]", 0, True)
    assert prune('{"a":[1,2],"b":{"c":[3,4,5]}}', 10, 3) == ('{"a":[1]}', 0, True)
    assert prune('{"a":[1,2],"b":{"c":[3,4,5]}}', 10, 5) == ('{"a":[1,2],"b":{"c":null}}', 0, True)


def test_a_long_document_with_many_values_is_cut_before_parsing() -> None:
    text = json.dumps([{"k": {}}] * 300_000)  # 3 MB, ~30 times that as a tree
    tracemalloc.start()
    try:
        doc = load_json(text, max_depth=10, max_items=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert doc.cut and isinstance(doc.node, list) and 300 <= len(doc.node) <= 1000
    assert peak < len(text)


@pytest.mark.parametrize(
    "text", ["[1] [2]", "1,2", '["abc', "[[[", "[1]x", '{"a":1},{"b":2}', "[" * 5000, '{"a":' * 5000]
)
def test_what_cannot_be_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        load_json(text * 30 if len(text) < 100 else text, max_depth=3, max_items=10)


def test_scanning_is_linear_and_checked() -> None:
    calls = []
    text = _deep(400_000)
    start = time.perf_counter()
    load_json(text, max_depth=5, max_items=10, check=lambda: calls.append(1))
    assert time.perf_counter() - start < 10  # about 0.2 s; generous for shared machines
    assert len(calls) >= 100

    def stop() -> None:
        raise TimeoutError

    with pytest.raises(TimeoutError):
        load_json(text, max_depth=5, max_items=10, check=stop)


def test_estimate_is_an_upper_bound() -> None:
    assert estimate_items('[1, {"a": [2, 3]}, "x,y"]') == 7  # 4 commas (one in a string), 3 openings


# -- properties -----------------------------------------------------------------------------------

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_trees = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=40,
)


def _cut_at(node: Any, levels: int) -> Any:
    """`node` with every container below `levels` levels replaced by None."""
    if isinstance(node, list | dict):
        if levels <= 0:
            return None
        if isinstance(node, list):
            return [_cut_at(v, levels - 1) for v in node]
        return {k: _cut_at(v, levels - 1) for k, v in node.items()}
    return node


def _depth(node: Any) -> int:
    if isinstance(node, list):
        return 1 + max(map(_depth, node), default=0)
    if isinstance(node, dict):
        return 1 + max(map(_depth, node.values()), default=0)
    return 0


@given(_trees.filter(lambda n: isinstance(n, list | dict)), st.integers(1, 6), st.booleans())
def test_pruning_keeps_exactly_the_levels_asked_for(node: Any, levels: int, indent: bool) -> None:
    text = json.dumps(node, indent=1 if indent else None)
    pruned, deepest, cut = prune(text, levels, 10**6)
    assert json.loads(pruned) == _cut_at(node, levels)
    assert not cut and deepest == (_depth(node) if _depth(node) > levels else 0)


@given(_trees.filter(lambda n: isinstance(n, list | dict)), st.integers(1, 30))
def test_a_cut_document_is_json_and_a_prefix_of_the_whole(node: Any, items: int) -> None:
    text = json.dumps(node)
    pruned, _, cut = prune(text, 100, items)
    json.loads(pruned)  # always JSON
    assert cut or pruned == text


@given(st.text(alphabet='[]{},:"\\ 01ae\n', max_size=60), st.integers(1, 5), st.integers(1, 20))
def test_any_text_is_a_tree_or_a_value_error(text: str, levels: int, items: int) -> None:
    try:
        doc = load_json(text * 2000, max_depth=levels, max_items=items)
    except ValueError:
        return
    assert _depth(doc.node) <= max(levels, 1) or not (doc.deepest or doc.cut)
