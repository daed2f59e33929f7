"""phonehome.report.html: one inert, self-contained file; checked as a DOM and in headless Chromium."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from phonehome.db.store import Store

from phonehome.report.build import build_report
from phonehome.report.html import CSP, render_html
from tests.phonehome._browser import open_html, require_chromium
from tests.phonehome.report.conftest import XSS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.script_bodies: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "script":
            self.script_bodies.append(data)
        elif not (self.stack and self.stack[-1] == "style"):
            self.text.append(data)


def _html(db: str, **kw: Any) -> str:
    store = Store(db, create=False)
    try:
        return render_html(build_report(store, **kw))
    finally:
        store.dispose()


def test_structure_and_policy(hostile_db: str) -> None:
    page = _html(hostile_db)
    dom = Dom()
    dom.feed(page)
    metas = [a for t, a in dom.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert metas and metas[0]["content"] == CSP
    assert "default-src 'none'" in CSP and "unsafe-inline" not in CSP and "http" not in CSP
    scripts = [a for t, a in dom.tags if t == "script"]
    assert len(scripts) == 1 and not scripts[0]  # ours, inline, no src
    ids = {a.get("id") for _, a in dom.tags if a.get("id")}
    for tag, attrs in dom.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("src", "href", "action", "formaction", "srcset", "xlink:href"):
            # Only links within the page (a headline to its evidence), to an element that exists.
            inside = (
                key == "href" and tag == "a" and (attrs[key] or "").startswith("#") and attrs[key][1:] in ids
            )
            assert key not in attrs or not attrs[key] or inside, (tag, attrs)
    assert not [t for t, _ in dom.tags if t in ("img", "iframe", "object", "embed", "link", "form", "base")]
    text = "".join(dom.text)
    assert "window.__pwned" in text  # the hostile strings are there, as text
    assert sum(1 for t, _ in dom.tags if t == "svg") >= 3
    assert any(a.get("id") == "headline" for _, a in dom.tags)


def test_every_hostile_string_is_escaped(hostile_db: str) -> None:
    page = _html(hostile_db, reveal=True)
    for s in (XSS[0], XSS[1], XSS[3]):
        assert s not in page
    # A javascript: URL is harmless as text; it must never become a link (the DOM test checks attributes).
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


def test_tables_have_consistent_columns(sample_db: str) -> None:
    page = _html(sample_db)

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[tuple[str, int]] = []
            self.table = ""
            self.cells = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table":
                self.table = dict(attrs).get("id") or ""
            elif tag == "tr":
                self.cells = 0
            elif tag in ("td", "th"):
                self.cells += 1

        def handle_endtag(self, tag: str) -> None:
            if tag == "tr":
                self.rows.append((self.table, self.cells))

    t = Tables()
    t.feed(page)
    widths: dict[str, set[int]] = {}
    for table, n in t.rows:
        widths.setdefault(table, set()).add(n)
    assert widths and all(len(w) == 1 for w in widths.values()), widths


@pytest.fixture(scope="module")
def chromium() -> None:
    require_chromium()


def test_hostile_report_in_headless_chromium(
    chromium: None, hostile_db: str, sample_db: str, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name, db in (("hostile", hostile_db), ("phone", sample_db)):
        path = tmp_path / f"{name}.html"
        path.write_text(_html(db, reveal=(name == "hostile")), encoding="utf-8")
        shot = ARTIFACTS / f"report-{name}-evidence-open.png"
        report = open_html(
            path,
            width=1280,  # the headers are clicked: below 600 px the tables are cards, headers hidden
            screenshot=shot,
            globals=["window.__pwned"],
            selectors=["#headline", "[id^=chart-companies]", "svg[id^=chart-flow]", "[id^=chart-time]",
                       "table[id$=evidence]"],
            actions=[
                lambda page: page.click("table[id$=receivers] th:nth-child(8)"),
                lambda page: page.click("details.evidence summary"),  # the evidence is one click away
            ],
        )  # fmt: skip
        assert report.globals["window.__pwned"] is None, report.summary()
        assert report.requests == [] and report.routed == [], report.summary()
        assert report.dialogs == [] and report.page_errors == [] and report.popups == [], report.summary()
        assert report.csp_violations == [], report.summary()
        assert all(report.visible.values()), report.visible
        assert "Your phone sent" in report.text
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if name == "hostile":
            assert "<script>window.__pwned=1</script>" in report.text  # shown, as text


def test_sorting_and_filtering_work(chromium: None, sample_db: str, tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text(_html(sample_db), encoding="utf-8")
    first_col = "Array.from(document.querySelectorAll('table[id$=receivers] tbody tr')).map(r => +r.cells[7].textContent)"
    shown = "Array.from(document.querySelectorAll('table[id$=evidence] tbody tr')).filter(r => !r.classList.contains('hidden')).length"
    report = open_html(
        path,
        width=1280,
        globals=[first_col, shown],
        actions=[
            lambda page: page.click("table[id$=receivers] th:nth-child(8)"),
            lambda page: page.click("details.evidence summary"),
            lambda page: page.fill(".filters input", "googleads"),
        ],
    )
    findings = report.globals[first_col]
    assert findings == sorted(findings)
    assert 0 < report.globals[shown] < 60


def test_phone_screen_screenshot(chromium: None, sample_db: str, tmp_path: Path) -> None:
    """The artefact a person looks at: the report as it opens on a phone-sized screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = tmp_path / "phone.html"
    path.write_text(_html(sample_db), encoding="utf-8")
    shot = ARTIFACTS / "report-phone.png"
    report = open_html(path, screenshot=shot, selectors=["#headline", "details.evidence summary"])
    assert all(report.visible.values()) and report.requests == []
    box = report.boxes["#headline"]
    assert box is not None and box["y"] < 200 and box["width"] <= 412  # the answer comes first, and fits
