"""Fitting values to columns: the same result whatever the database, the original always recoverable."""

from __future__ import annotations

import ast
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.db.fit import INT_MAX, INT_MIN, ORIGINAL_CHARS, clean, clean_json, fit_row, fit_value, original
from phonehome.db.models import FLOWS
from sqlalchemy import JSON, Integer, String, Text

FLOWS = FLOWS


def test_clean_replaces_nul_and_lone_surrogates_only() -> None:
    assert clean("a\x00b\udc00c") == "a\ufffdb\ufffdc"
    assert clean("plain ascii") == "plain ascii"
    assert clean("ünïcode 😀") == "ünïcode 😀"


@given(st.text())
def test_clean_always_gives_storable_utf8(text: str) -> None:
    cleaned = clean(text)
    cleaned.encode("utf-8")  # strict: a lone surrogate would raise
    assert "\x00" not in cleaned
    assert len(cleaned) == len(text)


@pytest.mark.parametrize(
    ("value", "nullable", "expected"),
    [
        (200, True, 200),
        (99999999999999999999, True, None),
        (10**19, False, INT_MAX),
        (-(10**19), False, INT_MIN),
        (True, True, None),  # a JSON `true` where a number belongs
        ("200", True, None),
    ],
)
def test_integers_outside_32_bits_become_null_or_the_bound(
    value: object, nullable: bool, expected: object
) -> None:
    assert fit_value(Integer(), value, nullable) == expected


def test_strings_are_cleaned_then_cut_to_the_column() -> None:
    assert fit_value(String(5), "ab\x00cdefg", True) == "ab\ufffdcd"
    assert fit_value(Text(), "x" * 100_000, True) == "x" * 100_000


def test_json_strings_are_cleaned_and_non_finite_numbers_dropped() -> None:
    assert clean_json([["Host", "a\x00"], {"k\udc00": math.inf}, 1, None, True]) == [
        ["Host", "a\ufffd"],
        {"k\ufffd": None},
        1,
        None,
        True,
    ]
    assert fit_value(JSON(), [1.5, math.nan], True) == [1.5, None]


def test_fit_row_keeps_the_originals_of_what_changed() -> None:
    row, originals = fit_row(
        FLOWS,  # type: ignore[arg-type]
        {"status": 99999999999999999999, "host": "h" * 300, "url": "http://x/\x00", "method": "GET"},
    )
    assert row["status"] is None and len(row["host"]) == 255 and row["url"] == "http://x/\ufffd"
    assert row["method"] == "GET" and "method" not in originals
    assert ast.literal_eval(originals["status"]) == 99999999999999999999
    assert ast.literal_eval(originals["host"]) == "h" * 300
    assert ast.literal_eval(originals["url"]) == "http://x/\x00"


def test_originals_are_bounded() -> None:
    assert original(1 << 100_000).startswith("<an integer of 100001 bits>")
    long = original("y" * 100_000)
    assert len(long) < ORIGINAL_CHARS + 40 and long.endswith("<100002 characters>")


@given(
    st.dictionaries(
        st.sampled_from(
            ["status", "host", "method", "url", "http_version", "request_bytes", "notes", "error"]
        ),
        st.one_of(st.integers(), st.text(), st.lists(st.text(), max_size=3), st.none(), st.floats()),
    )
)
def test_fit_row_is_total_and_the_result_fits(values: dict[str, object]) -> None:
    row, originals = fit_row(FLOWS, values)  # type: ignore[arg-type]
    for name, value in row.items():
        column = FLOWS.c[name]
        if isinstance(column.type, Integer) and value is not None:
            assert INT_MIN <= value <= INT_MAX
        if isinstance(value, str):
            value.encode("utf-8")
            assert "\x00" not in value
            length = getattr(column.type, "length", None)
            assert length is None or len(value) <= length
        if name in originals:
            assert originals[name].isprintable() or originals[name].startswith("<")


def _fits_slowly(value: object) -> bool:
    """The element-by-element check `_fits_json` makes when its one-pass shortcut does not apply."""
    if isinstance(value, str):
        return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_fits_slowly(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _fits_slowly(k) and _fits_slowly(v) for k, v in value.items())
    return value is None or isinstance(value, bool | int)


_TEXT = st.text(st.characters(blacklist_categories=()), max_size=8)  # NUL and lone surrogates too
_SCALARS = st.one_of(_TEXT, st.integers(), st.floats(), st.none(), st.booleans())
_JSONISH = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(_JSONISH)
def test_the_one_pass_check_agrees_with_the_element_by_element_one(value: object) -> None:
    """Headers (lists of pairs) and notes (lists of strings) are checked in one pass: same answer."""
    from phonehome.db.fit import _fits_json

    assert _fits_json(value) == _fits_slowly(value)
