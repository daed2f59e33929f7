"""phonehome.report.jsondoc: the JSON report written a device at a time (by orjson) reads as the whole
report, whatever the devices and the text they carry: the text of `json.dumps(indent=2)` but for the
spelling of floats, and exactly that text for values orjson refuses."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.db.store import Store

from phonehome.report.build import open_report
from phonehome.report.jsondoc import Dumped, dumped, dumps, json_parts

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"devices": []', '\n  "devices": ', "</script>", "\u2028", "{}", "[]"]
)
LEAF = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | TEXT
# Finite: json writes NaN and Infinity as `NaN` and `Infinity`, which are not JSON, orjson as `null`.  A
# report's only floats are findings' confidence, between 0 and 1.
FLOAT = st.floats(allow_nan=False, allow_infinity=False)


def _values(leaf: Any) -> Any:
    return st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                        max_leaves=12)  # fmt: skip


VALUE = _values(LEAF)
WITH_FLOATS = _values(LEAF | FLOAT)


def _whole(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _report(draw: Any, value: Any) -> dict[str, Any]:
    before = draw(st.dictionaries(TEXT.filter(lambda k: k != "devices"), value, max_size=4))
    devices = draw(st.lists(st.dictionaries(TEXT, value, max_size=4), max_size=4))
    after = draw(st.dictionaries(TEXT.filter(lambda k: k != "devices"), value, max_size=4))
    return {**before, "devices": devices, **{k: v for k, v in after.items() if k not in before}}


def _streamed(report: dict[str, Any]) -> str:
    return "".join(json_parts({**report, "devices": iter(report["devices"])}))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_parts_are_the_whole_dump(data: Any) -> None:
    """Without floats, the text is exactly json.dumps's."""
    report = _report(data.draw, VALUE)
    assert _streamed(report) == _whole(report)


# A float as json or orjson spells it: `1e-07` or `1e-7`, `1e-05` or `0.00001`, `1e+16` in both.
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?=,?$)", re.MULTILINE)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_floats_read_the_same(data: Any) -> None:
    """With floats, any parser reads the same values, and the texts differ only in how numbers are
    spelled: each line the same but for a number of the same value."""
    report = _report(data.draw, WITH_FLOATS)
    text, whole = _streamed(report), _whole(report)
    assert json.loads(text) == json.loads(whole) == report
    lines, expected = text.split("\n"), whole.split("\n")
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        if line != want:
            a, b = _NUMBER.search(line), _NUMBER.search(want)
            assert a and b and float(a.group()) == float(b.group())
            assert line[: a.start()] == want[: b.start()] and line[a.end() :] == want[b.end() :]


@pytest.mark.parametrize(
    "refused",
    [
        "lone \ud800 surrogate",  # not UTF-8: json writes it as it is (a UTF-8 file then refuses it)
        2**64,  # past 64 bits
        -(2**63) - 1,
        {1: "an int key"},  # keys that are not strings: json writes them as strings
        {None: "a None key", True: "a bool key", 1.5: "a float key"},
    ],
)
def test_what_orjson_refuses_is_dumped_by_json(refused: Any) -> None:
    """Each part orjson refuses is json.dumps's text, wherever it is; the other parts are orjson's."""
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(refused)
    assert dumps(refused) == json.dumps(refused, indent=2, ensure_ascii=False)
    plain = {"kind": "imei", "n": [1, 2.5e-7], "é": None}
    for report in (
        {"head": refused, "devices": [plain, plain]},
        {"head": plain, "devices": [plain, {"x": [refused]}, plain]},
        {"head": plain, "devices": [{"x": refused}]},
        {"whole": refused},
    ):
        text = _streamed(report) if "devices" in report else "".join(json_parts(report))
        assert json.loads(text) == json.loads(_whole(report))
        assert text.replace("2.5e-7", "2.5e-07") == _whole(report)
        if "devices" in report:  # encoded where the section is made, the same text here
            encoded = [dumped(d) for d in report["devices"]]
            assert "".join(json_parts({**report, "devices": iter(encoded)})) == text


def test_a_value_neither_encoder_takes_fails_as_before() -> None:
    with pytest.raises(TypeError):
        "".join(json_parts({"devices": [{"kinds": {"imei"}}]}))


def test_a_report_without_devices_key_is_dumped_whole() -> None:
    assert "".join(json_parts({"a": 1})) == _whole({"a": 1})


def test_the_reports_json_streamed_is_the_reports_json(hostile_db: str, sample_db: str) -> None:
    for db in (hostile_db, sample_db):
        store = Store(db, create=False)
        try:
            report = open_report(store)
            assert "".join(json_parts(report.streamed())) == _whole(report.as_dict())
        finally:
            store.dispose()


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_devices_dumped_where_they_are_made_read_as_written_here(data: Any) -> None:
    """A report's worker encodes each device's section (`dumped`): the same text as the dict's."""
    report = _report(data.draw, WITH_FLOATS)
    encoded = [dumped(d) for d in report["devices"]]
    assert all(isinstance(e, Dumped) for e in encoded)
    assert "".join(json_parts({**report, "devices": iter(encoded)})) == _streamed(report)
