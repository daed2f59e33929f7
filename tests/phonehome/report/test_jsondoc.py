"""phonehome.report.jsondoc: the JSON report written a device at a time is exactly `json.dumps` of the
whole report, whatever the devices and the text they carry."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.db.store import Store

from phonehome.report.build import open_report
from phonehome.report.jsondoc import json_parts

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"devices": []', '\n  "devices": ', "</script>", "\u2028", "{}", "[]"]
)
LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
VALUE = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=12)  # fmt: skip


def _whole(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=200, deadline=None)
@given(
    before=st.dictionaries(TEXT.filter(lambda k: k != "devices"), VALUE, max_size=4),
    devices=st.lists(st.dictionaries(TEXT, VALUE, max_size=4), max_size=4),
    after=st.dictionaries(TEXT.filter(lambda k: k != "devices"), VALUE, max_size=4),
)
def test_parts_are_the_whole_dump(before: dict[str, Any], devices: list[Any], after: dict[str, Any]) -> None:
    report = {**before, "devices": devices, **{k: v for k, v in after.items() if k not in before}}
    streamed = {**report, "devices": iter(devices)}
    assert "".join(json_parts(streamed)) == _whole(report)


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
