"""The report's per-app view: each app with its requests, data, receivers and the signal that named it;
app names and evidence are captured text, escaped in every format."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store
from rich.console import Console

from phonehome.report.build import UNKNOWN_APP, build_report
from phonehome.report.html import render_html
from phonehome.report.markdown import render_markdown
from phonehome.report.terminal import render_terminal
from tests.phonehome.report.test_html import Dom
from tests.phonehome.report.test_markdown import tables

GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
# An iOS bundle name is whatever the User-Agent says, percent-decoded: here a script tag.
HOSTILE_NAME = '<script>window["__pwned"]=5</script>'
HOSTILE_UA = "%3Cscript%3Ewindow[%22__pwned%22]=5%3C%2Fscript%3E/1 CFNetwork/1402 Darwin/22.2.0"
# A package's "version" is quoted in the evidence.
HOSTILE_VERSION_UA = "com.example.evil/1<img\tsrc=x\tonerror=window.__pwned=6>"


def _exchanges() -> list[Exchange]:
    t = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    return [
        Exchange(t, "GET", f"https://googleads.g.doubleclick.net/mads/gma?msid=com.example.game&rdid={GAID}",
                 status=200, fingerprint="a1"),
        Exchange(t + timedelta(seconds=5), "GET", f"https://app-measurement.com/a?msid=com.example.game&gaid={GAID}",
                 status=200, fingerprint="a2"),
        Exchange(t + timedelta(seconds=9), "GET", "https://news.example/p",
                 request_headers=(("X-Requested-With", "com.example.news"),), status=200, fingerprint="a3"),
        Exchange(t + timedelta(seconds=12), "GET", f"https://t.example/p?gaid={GAID}",
                 request_headers=(("User-Agent", "okhttp/4.9.2"),), status=200, fingerprint="a4"),
        Exchange(t + timedelta(seconds=15), "GET", "https://ios.example/p?email=alice@example.com",
                 request_headers=(("User-Agent", HOSTILE_UA),), status=200, fingerprint="a5"),
        Exchange(t + timedelta(seconds=18), "GET", "https://evil.example/p",
                 request_headers=(("User-Agent", HOSTILE_VERSION_UA),), status=200, fingerprint="a6"),
    ]  # fmt: skip


@pytest.fixture()
def apps_db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "apps.db")
    store = Store(path)
    store.write(store.open_session("apps", "replay"), "phone", [analyze(ex) for ex in _exchanges()])
    store.dispose()
    yield path


def _report(db: str, **kw: Any) -> dict[str, Any]:
    store = Store(db, create=False)
    try:
        return build_report(store, **kw)
    finally:
        store.dispose()


def test_each_app_with_its_flows_data_receivers_and_signal(apps_db: str) -> None:
    report = _report(apps_db)
    apps = {a["label"]: a for a in report["devices"][0]["apps"]}
    game = apps["com.example.game"]
    assert (game["app"], game["flows"], game["hosts"]) == ("com.example.game", 2, 2)
    assert game["findings"] >= 2 and "advertising_id" in game["kinds"]
    assert game["evidence"] == ["query parameter msid"]
    assert game["companies"] and all(isinstance(c, str) for c in game["companies"])
    assert apps["com.example.news"]["evidence"] == ["X-Requested-With header"]
    assert apps[HOSTILE_NAME]["evidence"][0].endswith("the iOS app's bundle name, not its ID")
    unknown = apps[UNKNOWN_APP]
    assert (unknown["app"], unknown["flows"], unknown["evidence"]) == (None, 1, [])
    assert "advertising_id" in unknown["kinds"]
    # Listed by what they sent, the flows no request attributed last; the JSON only gains fields.
    assert report["devices"][0]["apps"][-1]["app"] is None
    json.dumps(report)


def test_app_names_and_evidence_are_escaped_in_html(apps_db: str) -> None:
    page = render_html(_report(apps_db, reveal=True))
    assert HOSTILE_NAME not in page and "<img" not in page
    assert "&lt;script&gt;window[&quot;__pwned&quot;]=5&lt;/script&gt;" in page
    dom = Dom()
    dom.feed(page)
    assert not [t for t, _ in dom.tags if t in ("img", "iframe", "object", "embed")]
    assert sum(1 for t, _ in dom.tags if t == "script") == 1  # ours
    for _, attrs in dom.tags:
        assert not any(k.startswith("on") for k in attrs)
    text = "".join(dom.text)
    assert "Apps" in text and "com.example.game" in text and "query parameter msid" in text
    assert "nothing in the request names the app" in text


def test_markdown_and_terminal_show_the_apps(apps_db: str) -> None:
    report = _report(apps_db)
    text = render_markdown(report)
    assert "### Apps" in text and "<script>" not in text and "<img" not in text
    apps_table = next(t for t in tables(text) if t[0][:2] == ["app", "named by"])
    assert all(len(row) == len(apps_table[0]) for row in apps_table)
    assert any("com.example.game" in row[0] for row in apps_table)
    buf = io.StringIO()
    render_terminal(Console(file=buf, width=200, force_terminal=False, color_system=None), report)
    out = buf.getvalue()
    assert "Apps" in out and "com.example.news" in out and "X-Requested-With header" in out


def test_hostile_app_names_stay_inert_in_headless_chromium(apps_db: str, tmp_path: Path) -> None:
    from tests.phonehome._browser import open_html, require_chromium

    require_chromium()
    path = tmp_path / "apps.html"
    path.write_text(render_html(_report(apps_db, reveal=True)), encoding="utf-8")
    report = open_html(path, globals=["window.__pwned"], selectors=["table[id$=apps]"])
    assert report.globals["window.__pwned"] is None, report.summary()
    assert report.requests == [] and report.dialogs == [] and report.page_errors == [], report.summary()
    assert report.csp_violations == [], report.summary()
    assert all(report.visible.values()), report.visible
    assert HOSTILE_NAME in report.text  # shown, as text
