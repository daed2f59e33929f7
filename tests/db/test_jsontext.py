"""db/jsontext.py: the JSON columns' text reads back as the standard module reads its own."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.db.jsontext import dumps, loads, long_digits

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # any size: beyond 64 bits orjson refuses them
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # lone surrogates included
)
_KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, with -0.0 and 0.0 told apart as JSON tells them apart."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@given(VALUES)
def test_written_text_reads_back_as_the_standard_module_reads_its_own(value: Any) -> None:
    expected = json.loads(json.dumps(value))
    text = dumps(value)
    assert isinstance(text, str)
    assert _same(json.loads(text), expected)
    assert _same(loads(text), expected)
    assert _same(loads(text.encode("utf-8", "surrogatepass")), expected)


@given(st.integers(-(2**64), -(2**63) - 1) | st.integers(2**63 - 1, 2**64) | st.integers(-(2**65), 2**65))
def test_an_integer_near_64_bits_reads_back_an_integer(value: int) -> None:
    assert _same(loads(json.dumps(value)), value)
    assert _same(loads(json.dumps([value]).encode()), [value])


@given(VALUES)
def test_text_the_standard_module_wrote_reads_the_same(value: Any) -> None:
    text = json.dumps(value)
    assert _same(loads(text), json.loads(text))


@pytest.mark.parametrize(
    "value",
    [2**64, -(2**70), 10**4000, "\udc00", {"k": "\ud800x"}, [1, 2**65]],
    ids=["2**64", "-2**70", "4000 digits", "lone surrogate", "surrogate in a dict", "big in a list"],
)
def test_what_orjson_refuses_goes_through_the_standard_module(value: Any) -> None:
    assert loads(dumps(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize(
    "text",
    ["NaN", "[Infinity, -Infinity]", "[1e400]", "123456789012345678901234567890",
     # Just outside what orjson reads as an integer: below -2**63 it gives a float.
     "[-9223372036854775809]", "-9999999999999999999", "[-18446744073709551615]", "18446744073709551616"],
)  # fmt: skip
def test_text_orjson_refuses_or_reads_otherwise_is_read_as_the_standard_module_reads_it(text: str) -> None:
    got, expected = loads(text), json.loads(text)
    assert repr(got) == repr(expected)


def test_a_long_number_inside_a_string_reads_the_same() -> None:
    assert loads('{"id": "123456789012345678901234"}') == {"id": "123456789012345678901234"}


def test_not_json_is_refused_as_the_standard_module_refuses_it() -> None:
    with pytest.raises(json.JSONDecodeError):
        loads("{not json")
    with pytest.raises(TypeError):
        dumps({(1, 2): 3})  # a key no JSON has


@pytest.mark.parametrize(
    ("data", "long"),
    [
        (b'{"url": "https://a/simgad/11827364512849201773"}', False),
        (b'{"q": "id=12345678901234567890&x"}', False),
        (b'{"s": "12345678901234567890"}', False),
        (b'["ab12345678901234567890"]', False),
        (b'{"n": 12345678901234567890}', True),
        (b'{"n":-12345678901234567890}', True),
        (b"[1,12345678901234567890]", True),
        (b"[\n12345678901234567890]", True),
        (b"12345678901234567890", True),
        (b"[1.12345678901234567890]", True),
        (b"[1e+12345678901234567890]", True),
        (b"[1234567890123456789.5]", True),
        (b"[123456789012345678]", False),  # 18 digits: orjson reads it as the standard module does
        (b'{"s": "a 12345678901234567890"}', True),  # after a space it may be a number: the slow way
        (b'{"uid": "1795000532187-6402918375518824136"}', False),  # a dash after a digit is no sign
        (b'{"v": "v1.12345678901234567890"}', True),  # a point after a digit may be a fraction's
        (b"[-12345678901234567890]", True),
        (b"[1E-12345678901234567890]", True),
        (b"-12345678901234567890", True),
        (b'{"a":[0,-1234567890123456789]}', True),
    ],
)
def test_long_digits_tells_a_number_that_may_be_one_from_an_id_in_a_string(data: bytes, long: bool) -> None:
    assert long_digits(data) is long
    if not long:
        assert loads(data) == json.loads(data)
