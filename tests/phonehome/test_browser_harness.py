"""The browser harness can fail: hostile pages are caught, inert ones pass.

Each page is written by hand into tmp_path. The hostile strings are the kind a captured request
could carry into the report (a host name, a header, a body); escaped under a strict CSP they must
show as text and do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.phonehome import _browser
from tests.phonehome._browser import Chromium, open_html, require_chromium

PWNED = "window.__pwned"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
STRICT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    """One Chromium for the module; each page still gets a fresh context."""
    require_chromium()
    with Chromium() as chromium:
        yield chromium


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _page(tmp_path: Path, body: str, *, head: str = "", name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">{head}<title>t</title></head>\n'
        f"<body>{body}</body></html>\n",
        encoding="utf-8",
    )
    return path


def _csp(policy: str) -> str:
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


def test_unescaped_script_and_handler_are_reported_as_executed(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(
        tmp_path,
        f"<h1>Report</h1>\n{SCRIPT}\n<script>window.__ran_script = true; alert('hi')</script>\n{IMG}",
    )
    report = browser.open_html(page, globals=[PWNED, "window.__ran_script", "window.__never_set"])
    # The inline script set 1, then the image's error handler (fired after the aborted load) set 2.
    assert report.globals[PWNED] == 2, report.summary()
    assert report.globals["window.__ran_script"] is True
    assert report.globals["window.__never_set"] is None
    # src=x resolved against the page: a file:// request, aborted like any other.
    assert report.requests == [(tmp_path / "x").as_uri()], report.summary()
    assert report.routed == report.requests
    assert report.dialogs == ["alert: hi"]


def test_remote_stylesheet_and_fetch_are_recorded_and_blocked(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(
        tmp_path,
        "<h1>Report</h1><script>fetch('http://127.0.0.1:9/beacon').catch(() => { window.__failed = true; });"
        "</script>",
        head='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    )
    report = browser.open_html(page, globals=["window.__failed"])
    assert sorted(report.requests) == ["http://127.0.0.1:9/beacon", "http://127.0.0.1:9/x.css"], (
        report.summary()
    )
    assert sorted(report.routed) == sorted(report.requests)
    assert "GET stylesheet http://127.0.0.1:9/x.css" in report.request_details
    assert "GET fetch http://127.0.0.1:9/beacon" in report.request_details
    # The harness aborted the fetch: the page saw it fail rather than reach anything.
    assert report.globals["window.__failed"] is True


def test_other_ways_out_are_recorded_and_blocked(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(
        tmp_path,
        "<h1>Report</h1><script>"
        "new WebSocket('ws://127.0.0.1:9/ws');"
        "navigator.sendBeacon('http://127.0.0.1:9/ping', 'data');"
        "window.open('http://127.0.0.1:9/popup');"
        "new Image().src = 'http://tracker.invalid/pixel.png';"
        "throw new Error('boom');"
        "</script>",
    )
    report = browser.open_html(page)
    expected = [
        "ws://127.0.0.1:9/ws",
        "http://127.0.0.1:9/ping",
        "http://127.0.0.1:9/popup",
        "http://tracker.invalid/pixel.png",
    ]
    assert sorted(report.routed) == sorted(expected), report.summary()
    assert sorted(report.requests) == sorted(expected)
    assert len(report.popups) == 1
    assert report.page_errors == ["boom"]


def test_escaped_hostile_strings_under_strict_csp_do_nothing(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    hostile = [
        SCRIPT,
        IMG,
        '<link rel=stylesheet href="http://127.0.0.1:9/x.css">',
        "<b onmouseover=alert(1)>x</b>",
    ]
    body = "<h1 id=headline>Report</h1>" + "".join(f"<p>{_escape(s)}</p>" for s in hostile)
    # The page's own inline script is allowed by the policy and marks that scripts can run here.
    body += "<script>window.__own = 'ran'</script>"
    page = _page(tmp_path, body, head=_csp(STRICT_CSP))
    report = browser.open_html(page, globals=[PWNED, "window.__own"], selectors=["#headline"])
    assert report.globals == {PWNED: None, "window.__own": "ran"}, report.summary()
    assert report.requests == [], report.summary()
    assert report.dialogs == []
    assert report.page_errors == []
    assert report.csp_violations == [], report.summary()
    assert report.console == [], report.summary()
    for s in hostile:
        assert s in report.text
    assert report.visible["#headline"] is True


def test_csp_blocking_a_remote_image_is_a_recorded_violation(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(
        tmp_path,
        '<h1>Report</h1><img alt="" src="http://127.0.0.1:9/pixel.png">',
        head=_csp(STRICT_CSP),
    )
    report = browser.open_html(page)
    pixel = "http://127.0.0.1:9/pixel.png"
    assert [v["blockedURI"] for v in report.csp_violations] == [pixel], report.summary()
    assert report.csp_violations[0]["effectiveDirective"] == "img-src"
    # The page attempted it (so it is in requests), but CSP refused it inside the browser:
    # it never reached the route, let alone the network.
    assert report.requests == [pixel], report.summary()
    assert report.blocked_by_csp == [pixel]
    assert report.routed == []


def test_visibility_of_hidden_and_shown_elements(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(
        tmp_path,
        '<h1 id="headline">Where did it go?</h1>'
        '<div id="hidden" style="display:none">secret</div>'
        '<div id="empty" style="width:0;height:0;overflow:hidden">zero</div>'
        '<svg id="chart" width="200" height="100" role="img"><rect width="200" height="100" fill="#36c"/></svg>',
        head=_csp(STRICT_CSP),
    )
    selectors = ["#headline", "#hidden", "#empty", "#chart", "#missing"]
    report = browser.open_html(page, selectors=selectors)
    assert report.visible == {
        "#headline": True,
        "#hidden": False,
        "#empty": False,
        "#chart": True,
        "#missing": False,
    }
    chart = report.boxes["#chart"]
    assert chart is not None and chart["width"] == 200 and chart["height"] == 100
    assert report.boxes["#hidden"] is None and report.boxes["#missing"] is None
    assert "secret" not in report.text


def test_screenshot_is_a_png(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(tmp_path, "<h1>Report</h1>" + "<p>line</p>" * 200, head=_csp(STRICT_CSP))
    shot = tmp_path / "shots" / "report.png"
    # The module-level open_html finds the browser open in this thread.
    report = open_html(page, screenshot=shot, width=412, height=915)
    assert report.screenshot == shot
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # Full page: taller than the viewport (the IHDR height, big-endian at bytes 20..24).
    assert int.from_bytes(data[20:24], "big") > 915
    assert int.from_bytes(data[16:20], "big") == 412


def test_actions_run_before_results_are_collected(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    script = (
        "<script>document.getElementById('sort').addEventListener('click', () => {"
        "const ul = document.getElementById('list');"
        "[...ul.children].sort((a, b) => a.textContent.localeCompare(b.textContent))"
        ".forEach((li) => ul.appendChild(li)); });</script>"
    )
    page = _page(
        tmp_path,
        '<button id="sort">Sort</button><ul id="list"><li>c</li><li>a</li><li>b</li></ul>' + script,
        head=_csp(STRICT_CSP),
    )
    before = browser.open_html(page)
    after = browser.open_html(
        page,
        actions=[
            lambda p: p.click("#sort"),
            lambda p: p.evaluate("() => { window.__clicked = true; }"),
        ],
        globals=["window.__clicked"],
    )
    assert before.text.split() == ["Sort", "c", "a", "b"]
    assert after.text.split() == ["Sort", "a", "b", "c"]
    assert after.globals["window.__clicked"] is True


def test_open_html_launches_its_own_browser_when_none_is_open(tmp_path: Path, browser: Chromium) -> None:
    require_chromium()
    page = _page(tmp_path, "<h1 id=headline>Alone</h1><script>window.__pwned = 3</script>")
    # Another thread has no Chromium open, so open_html launches (and closes) one of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(open_html, page, globals=[PWNED], selectors=["#headline"]).result(timeout=60)
    assert report.globals[PWNED] == 3
    assert report.visible == {"#headline": True}
    with pytest.raises(RuntimeError, match="already open"):
        Chromium().__enter__()


def test_require_chromium_skips_locally_and_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_browser.ENV_CHROMIUM, str(tmp_path / "no-such-chromium"))
    assert _browser.chromium_path() is None
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_chromium()
