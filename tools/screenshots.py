#!/usr/bin/env python3
"""Screenshots of the demo's HTML report for the docs: `python tools/screenshots.py`.

Replays the bundled sample (what `phonehome demo` shows) into a temporary database, renders its HTML
report and has headless Chromium (the tests' offline harness, tests/phonehome/_browser.py) take the
top of the page at 390 px (a phone) and 1280 px (a laptop) into docs/img/report-390.png and
docs/img/report-1280.png.  docs/img/report.sha256 keeps the SHA-256 of the exact HTML shot: the report
has no clock in it, so a test rebuilds it and compares, and fails while the pictures show an older
report, whatever the fonts or the Chromium of the machine running the tests.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
HASH_FILE = IMG / "report.sha256"
# (file, viewport width, height shot): the top of the page, where the answer is.
SHOTS = (("report-390.png", 390, 1500), ("report-1280.png", 1280, 1100))
# The report is given a fixed "now" so that nothing in it depends on when the script ran.
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def demo_html() -> str:
    """The HTML report of the demo, as `phonehome demo` then `phonehome report --format html` make it."""
    from phonehome.db.store import Store

    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay
    from phonehome.report.build import build_report
    from phonehome.report.html import render_html

    with tempfile.TemporaryDirectory(prefix="phonehome-shots-") as tmp:
        store = Store(str(Path(tmp) / "demo.db"))
        try:
            replay(store, [sample_path()], label="demo")
            return render_html(build_report(store, now=NOW))
        finally:
            store.dispose()


def digest(page: str) -> str:
    return hashlib.sha256(page.encode("utf-8")).hexdigest()


def main() -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the tests' browser harness
    from tests.phonehome._browser import Chromium, chromium_path

    if chromium_path() is None:
        print("no Chromium found: apt-get install chromium (or set PHONEHOME_CHROMIUM)", file=sys.stderr)
        return 2
    page = demo_html()
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="phonehome-shots-") as tmp:
        path = Path(tmp) / "report.html"
        path.write_text(page, encoding="utf-8")
        with Chromium() as browser:
            for name, width, height in SHOTS:
                report = browser.open_html(
                    path, width=width, height=height, screenshot=IMG / name, full_page=False
                )
                if report.page_errors or report.csp_violations or report.requests:
                    print(f"{name}: the page misbehaved: {report.summary()}", file=sys.stderr)
                    return 1
                print(f"wrote {(IMG / name).relative_to(ROOT)} ({(IMG / name).stat().st_size:,} bytes)")
    HASH_FILE.write_text(f"{digest(page)}  demo report HTML shot in {', '.join(n for n, _, _ in SHOTS)}\n")
    print(f"wrote {HASH_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
