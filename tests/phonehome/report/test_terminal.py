"""phonehome.report.terminal: the answer first; captured text never becomes markup or escapes."""

from __future__ import annotations

import io

from phonehome.db.store import Store
from rich.console import Console

from phonehome.report.build import build_report
from phonehome.report.terminal import render_terminal


def _render(db: str, **kw: object) -> str:
    store = Store(db, create=False)
    try:
        report = build_report(store, **kw)  # type: ignore[arg-type]
    finally:
        store.dispose()
    buf = io.StringIO()
    render_terminal(Console(file=buf, width=200, highlight=False, soft_wrap=False), report)
    return buf.getvalue()


def test_answer_first(sample_db: str) -> None:
    out = _render(sample_db)
    assert out.splitlines()[0].startswith("Your phone sent your phone's IMEI to")
    assert "Values are redacted" in out
    for title in ("What was collected", "Who received it", "Where it went", "Evidence"):
        assert title in out


def test_hostile_text_is_shown_literally(hostile_db: str) -> None:
    out = _render(hostile_db, reveal=True)
    assert "red]markup[/]" in out  # shown, not interpreted as markup
    assert "\x1b" not in out
    assert "Unencrypted HTTP carrying" in out and "Refused our certificate" in out
    assert "was contacted every ~5 min" in out
