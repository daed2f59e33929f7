"""Report cost: building and rendering a report, beside exporting the same findings as JSONL.

    python benchmarks/report.py [--entries 20000]

Replays a synthetic HAR (the bundled sample's entries repeated) into a fresh database, then in
separate processes on the same database: (a) `phonehome findings --format jsonl` as the baseline
(the cheapest full read of the same rows), (b) the report's content plus the HTML rendering.
Prints one summary line with both times, their ratio and each peak RSS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import launched, read_launched, synthetic_har  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, report: Path) -> tuple[float, float, str]:
    """`code` in a process of its own, started by the launcher of benchmarks/_common.py (so its peak
    RSS is its own, not this script's, which built the HAR): the time it prints, its peak RSS, and
    what else it prints."""
    out = subprocess.run(
        launched([sys.executable, "-c", code], report), check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    dt, extra = out.split(maxsplit=1)
    return float(dt), read_launched(report).peak_rss_mb, extra.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        har = synthetic_har(Path(tmp) / "bench.har", args.entries)
        db = str(Path(tmp) / "bench.db")
        subprocess.run(
            [sys.executable, "-c", f"from phonehome.db.store import Store;from phonehome.pipeline import replay;"
             f"replay(Store({db!r}),[{str(har)!r}])"], check=True, cwd=ROOT,
        )  # fmt: skip
        head = "import sys,time,io;from phonehome.db.store import Store;"
        base_t, base_rss, n = _run(
            head + "from db import queries;from phonehome.output import write_jsonl;"
            f"s=Store({db!r},create=False);t=time.perf_counter();buf=io.StringIO();"
            "n=write_jsonl(queries.findings(s,queries.Filters()),buf);"
            "print(time.perf_counter()-t,n)",
            Path(tmp) / "findings.launched",
        )
        rep_t, rep_rss, size = _run(
            head
            + "from phonehome.report.build import build_report;from phonehome.report.html import render_html;"
            f"s=Store({db!r},create=False);t=time.perf_counter();h=render_html(build_report(s));"
            "print(time.perf_counter()-t,len(h))",
            Path(tmp) / "report.launched",
        )
    print(
        f"report: {args.entries} flows, {n} findings: HTML report {rep_t:.2f} s ({int(size) / 1e6:.1f} MB, peak RSS "
        f"{rep_rss:.0f} MB); findings JSONL export {base_t:.2f} s (peak RSS {base_rss:.0f} MB); ratio {rep_t / base_t:.2f}"
    )


if __name__ == "__main__":
    main()
