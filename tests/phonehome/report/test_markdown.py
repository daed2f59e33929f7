"""phonehome.report.markdown: tables that parse, captured text that stays text."""

from __future__ import annotations

import re

from phonehome.db.store import Store

from phonehome.report.build import build_report
from phonehome.report.markdown import md, render_markdown
from tests.phonehome.report.conftest import XSS

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _md(db: str, **kw: object) -> str:
    store = Store(db, create=False)
    try:
        return render_markdown(build_report(store, **kw))  # type: ignore[arg-type]
    finally:
        store.dispose()


def tables(text: str) -> list[list[list[str]]]:
    """Every pipe table: rows of cells, split on unescaped pipes."""
    out: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append([c.strip() for c in _CELL_SPLIT.split(line)[1:-1]])
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def test_tables_are_well_formed(sample_db: str, hostile_db: str) -> None:
    for db in (sample_db, hostile_db):
        found = tables(_md(db, reveal=True))
        assert len(found) >= 6
        for t in found:
            header, rule, *rows = t
            assert all(set(c) == {"-"} for c in rule)
            assert all(len(r) == len(header) for r in rows), (header, rows[:2])


def test_headings_and_headline(sample_db: str) -> None:
    text = _md(sample_db)
    assert text.startswith("# What the phone sent, to whom, and where\n")
    assert "> Your phone sent your phone's IMEI to" in text
    for heading in (
        "### What was collected",
        "### Who received it",
        "### Where it went",
        "### Evidence",
        "### Blind spots",
    ):
        assert heading in text


def test_hostile_strings_are_inert(hostile_db: str) -> None:
    text = _md(hostile_db, reveal=True)
    assert "<script>" not in text and "<img" not in text and "](http" not in text
    assert "&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;" in text


def test_md_escape() -> None:
    assert md("a|b") == "a\\|b"
    assert md("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert md("[x](y)") == "\\[x\\](y)"
    assert md("86***0127") == "86\\*\\*\\*0127"
    assert md("line\nbreak") == "line break"
    assert XSS[4] not in md(XSS[4])


def test_empty_sections_and_tables_are_left_out(sample_db: str, hostile_db: str) -> None:
    from phonehome.report.markdown import _table, _without_empty_sections

    assert _table(["a", "b"], []) == []
    assert _without_empty_sections(["## D", "", "### Empty", "", "### Full", "", "| a |", "", "### Last", ""]) == [
        "## D", "", "### Full", "", "| a |", "",
    ]  # fmt: skip
    for db in (sample_db, hostile_db):
        lines = _md(db).splitlines()
        for i, line in enumerate(lines):
            if line.startswith("### "):
                rest = next(x for x in lines[i + 1 :] if x.strip())
                assert not rest.startswith(("#", "---")), (line, rest)
        assert all(lines[i] or lines[i + 1] for i in range(len(lines) - 1))  # never two blank lines
        assert not any(re.search(r"\b1 (requests|hosts|findings)\b", x) for x in lines)


def test_words_and_local_times(sample_db: str) -> None:
    store = Store(sample_db, create=False)
    try:
        report = build_report(store)
    finally:
        store.dispose()
    report["zones"] = {d["session"]: "Asia/Tokyo" for d in report["devices"]}
    text = render_markdown(report)
    assert " JST" in text and "| android\\_id |" not in text and "| Android ID |" in text
