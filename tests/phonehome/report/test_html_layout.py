"""phonehome.report.html at 390 px and 1280 px in headless Chromium: the answer first, nothing
scrolls sideways, the charts are there, the flow diagram's labels never overlap, the category
colours stay apart for a colour-blind reader, and hostile captured strings change none of it."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store

from phonehome.report.build import build_report
from phonehome.report.html import render_html
from tests.phonehome._browser import Chromium, png_pixels, require_chromium
from tests.phonehome.report.conftest import XSS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
LONG_HOST = "x" * 63 + "." + "y" * 63 + "." + "z" * 50 + ".example.com"
STRANGE_HOSTS = (
    LONG_HOST,
    "\u202eevil\u200b\u200d.\u05e9\u05dc\u05d5\u05dd.example",  # right-to-left override, zero-width, Hebrew
    "\u0645\u062b\u0627\u0644" * 8 + ".example",  # Arabic
    "t" + "\u200b" * 30 + ".example",  # zero-width spaces
    "\u5e7f\u544a\u8ffd\u8e2a\u670d\u52a1\u5668" * 4 + ".example",  # wide characters
)


def _strange_exchanges() -> list[Exchange]:
    t = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    out = []
    for i, host in enumerate(STRANGE_HOSTS):
        out.append(Exchange(
            t + timedelta(seconds=7 * i), "GET",
            f"https://{host}/p/\u202e{'w' * 300}{XSS[0]}?imei=861234567890127&gaid=38400000-8cf0-11bd-b23e-10b96e40000d"
            f"&q=\u05e9\u05dc\u05d5\u05dd\u200b&lat=52.520008&lon=13.404954&email=alice@example.com",
            request_headers=(("User-Agent", "Mozilla/5.0 (Linux; Android 12; " + "\u202e" + "W" * 200 + ")"),),
            server_ip="203.0.113.9", client_address="192.168.1.23", status=200, fingerprint=f"s{i}",
        ))  # fmt: skip
    return out


@pytest.fixture()
def strange_db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "strange.db")
    store = Store(path)
    sid = store.open_session("\u202esession " + "s" * 120 + XSS[1], "capture")
    store.write(sid, "", [analyze(ex) for ex in _strange_exchanges()])
    store.dispose()
    yield path


def _page(db: str, tmp_path: Path, name: str, reveal: bool = False) -> Path:
    store = Store(db, create=False)
    try:
        page = render_html(build_report(store, reveal=reveal))
    finally:
        store.dispose()
    path = tmp_path / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    return path


# Read in the page after load: widths, the flow diagram's label boxes, the cards.
OVERFLOW = """(() => {
  const over = (e) => e ? e.scrollWidth - e.clientWidth : null;
  const doc = document.documentElement;
  return {
    document: doc.scrollWidth - doc.clientWidth,
    summary: over(document.querySelector('#summary')),
    top: over(document.querySelector('#top') && document.querySelector('#top').parentElement),
    receivers: over(document.querySelector('table[id$=receivers]').parentElement),
    receivers_table: over(document.querySelector('table[id$=receivers]')),
    collected: over(document.querySelector('table[id$=collected]').parentElement),
    charts: over(document.querySelector('.charts')),
  };
})()"""
# The labels of the flow diagram drawn at this width (a wide and a narrow one exist; one is shown).
LABEL_BOXES = """Array.from(document.querySelectorAll('svg[id^=chart-flow]'))
  .filter(svg => svg.getClientRects().length > 0)
  .flatMap(svg => Array.from(svg.querySelectorAll('text')).map(t => {
    const b = t.getBBox(); return [b.x, b.y, b.width, b.height, t.textContent, svg.id]; }))"""
CARD_CELLS = """Array.from(document.querySelectorAll('table[id$=receivers] td')).map(td =>
  [getComputedStyle(td).display, td.getAttribute('data-label'),
   getComputedStyle(td, '::before').content, td.textContent === ''])"""
HEADLINE_LINES = """(() => { const h = document.querySelector('#headline');
  return h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight); })()"""
FIRST_CHART_Y = "document.querySelector('.charts').getBoundingClientRect().top + window.scrollY"


def _overlaps(boxes: list[list[Any]]) -> list[tuple[str, str]]:
    out = []
    for a, b in itertools.combinations(boxes, 2):
        ax, ay, aw, ah, at, asvg = a
        bx, by, bw, bh, bt, bsvg = b
        if asvg == bsvg and aw and bw and ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
            out.append((at, bt))
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    require_chromium()
    with Chromium() as b:
        yield b


@pytest.mark.parametrize("width", [390, 1280])
def test_answer_first_and_nothing_scrolls_sideways(
    browser: Chromium, width: int, sample_db: str, hostile_db: str, strange_db: str, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for name, db in (("phone", sample_db), ("hostile", hostile_db), ("strange", strange_db)):
        path = _page(db, tmp_path, name, reveal=name != "phone")
        report = browser.open_html(
            path, width=width, height=900,
            screenshot=ARTIFACTS / f"report-{name}-{width}.png",
            globals=["window.__pwned", OVERFLOW, LABEL_BOXES, CARD_CELLS, HEADLINE_LINES, FIRST_CHART_Y],
            selectors=["#headline", "#summary", "svg[id^=chart-flow] >> visible=true", "[id^=chart-companies]", "[id^=chart-time]",
                       "table[id$=receivers]", ".legend"],
        )  # fmt: skip
        where = f"{name} at {width} px: {report.summary()}"
        assert report.globals["window.__pwned"] is None, where
        assert report.page_errors == [] and report.csp_violations == [] and report.requests == [], where
        assert all(report.visible.values()), (where, report.visible)
        over = report.globals[OVERFLOW]
        assert all(v is not None and v <= 0 for v in over.values()), (where, over)
        boxes = report.globals[LABEL_BOXES]
        assert len(boxes) >= 3 and _overlaps(boxes) == [], (where, _overlaps(boxes))
        drawn = {box[5] for box in boxes}  # one drawing shown: the narrow one on a phone
        assert len(drawn) == 1 and all(i.endswith("-narrow") == (width == 390) for i in drawn), (where, drawn)
        headline = report.boxes["#headline"]
        assert headline is not None and headline["y"] < 60, where
        assert report.globals[HEADLINE_LINES] <= (4.5 if width == 390 else 2.5), where
        cells = report.globals[CARD_CELLS]
        assert cells and all(label for _, label, _, _ in cells), where  # every cell says its column
        for display, label, before, empty in cells:
            if width == 390:  # a card: each cell beside its column's name (data-label); empty ones left out
                assert (display, before) == (("none", before) if empty else ("grid", f'"{label}"')), where
            else:
                assert display == "table-cell", where
        if name == "phone":
            assert report.globals[FIRST_CHART_Y] < (1400 if width == 390 else 800), where


def _mode_colour(rows: list[bytes], box: dict[str, float], scale: float) -> tuple[int, int, int]:
    """The most frequent colour inside `box` (CSS px, relative to the shot), its edges left out."""
    seen: Counter[tuple[int, int, int]] = Counter()
    x0, y0 = round((box["x"] + 2) * scale), round((box["y"] + 2) * scale)
    x1, y1 = round((box["x"] + box["width"] - 2) * scale), round((box["y"] + box["height"] - 2) * scale)
    for y in range(y0, y1):
        row = rows[y]
        for x in range(x0, x1):
            seen[row[4 * x], row[4 * x + 1], row[4 * x + 2]] += 1
    return seen.most_common(1)[0][0]


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """Euclidean distance in CIELAB (D65): about 2.3 is the smallest difference people notice."""

    def lab(c: tuple[int, int, int]) -> tuple[float, float, float]:
        lin = [((v / 255 + 0.055) / 1.055) ** 2.4 if v / 255 > 0.04045 else v / 255 / 12.92 for v in c]
        x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
        y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
        z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
        f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
        return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])

    la, lb = lab(a), lab(b)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


MIN_DISTANCE = 25.0  # CIELAB: ten times "just noticeable"; clearly different swatches side by side


def test_category_colours_stay_apart_with_deuteranopia(browser: Chromium, tmp_path: Path) -> None:
    """The legend of every category, drawn by Chromium as a person with deuteranopia sees it; the
    swatches' colours, measured on the screenshot's pixels, stay clearly apart pair by pair."""
    from phonehome.report.html import _legend
    from phonehome.report.palette import CATEGORY_COLOURS

    cats = list(CATEGORY_COLOURS)
    path = tmp_path / "legend.html"
    page = render_html({"headline": ["x"], "devices": [], "redacted": True, "sources": "", "overview": {}})
    path.write_text(page.replace("<main>", "<main>" + _legend("t", cats), 1), encoding="utf-8")
    boxes = "Array.from(document.querySelectorAll('#t-legend i.sw')).map(e => { const b = e.getBoundingClientRect(), l = document.querySelector('#t-legend').getBoundingClientRect(); return {x: b.x - l.x, y: b.y - l.y, width: b.width, height: b.height}; })"  # noqa: E501
    colours = {}
    for vision in (None, "deuteranopia"):
        shot = ARTIFACTS / f"legend-{vision or 'normal'}.png"
        report = browser.open_html(path, width=1280, screenshot=shot, screenshot_of="#t-legend",
                                   vision_deficiency=vision, globals=[boxes])  # fmt: skip
        assert report.page_errors == [] and report.csp_violations == [], report.summary()
        width, _, rows = png_pixels(shot.read_bytes())
        found = report.globals[boxes]
        assert len(found) == len(cats)
        legend_width = max(b["x"] + b["width"] for b in found)
        scale = width / max(legend_width, 1) if width < legend_width else 1.0
        colours[vision] = [_mode_colour(rows, b, scale) for b in found]
    normal, deut = colours[None], colours["deuteranopia"]
    assert normal != deut  # the simulation did change what was drawn
    for (i, a), (j, b) in itertools.combinations(enumerate(deut), 2):
        assert _distance(a, b) > MIN_DISTANCE, (cats[i], cats[j], a, b, _distance(a, b))


def test_print_layout(browser: Chromium, sample_db: str, tmp_path: Path) -> None:
    """Printed: no sticky headers, no filters, the charts whole."""
    path = _page(sample_db, tmp_path, "print")
    probe = """(() => ({
      sticky: Array.from(document.querySelectorAll('th')).filter(t => getComputedStyle(t).position === 'sticky').length,
      filters: Array.from(document.querySelectorAll('.filters')).filter(f => getComputedStyle(f).display !== 'none').length,
      avoid: Array.from(document.querySelectorAll('.chart')).every(c => getComputedStyle(c).breakInside === 'avoid'),
    }))()"""
    report = browser.open_html(path, width=800, media="print", globals=[probe])
    assert report.globals[probe] == {"sticky": 0, "filters": 0, "avoid": True}, report.summary()
