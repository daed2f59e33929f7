"""Replay throughput and memory: our per-entry importer + classify + store, beside mitmproxy's HAR reader.

    python benchmarks/replay.py [--entries 5000]

Both run in this process on the same file, so the ratio is what to compare across machines.
Prints one summary line.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import synthetic_har  # noqa: E402


def _ours(har: Path, db: Path) -> tuple[float, float]:
    code = (
        "import sys,time,resource;from phonehome.db.store import Store;from phonehome.pipeline import replay;"
        f"s=Store({str(db)!r});t=time.perf_counter();r=replay(s,[{str(har)!r}]);dt=time.perf_counter()-t;"
        "assert r.stored>0;print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    dt, rss = out.split()
    return float(dt), float(rss)


def _mitmproxy_reader(har: Path) -> tuple[float, float]:
    code = (
        "import sys,time,json,resource;from mitmproxy.io import har;t=time.perf_counter();"
        f"data=json.loads(open({str(har)!r},'rb').read());"
        "flows=[har.request_to_flow(e) for e in data['log']['entries']];dt=time.perf_counter()-t;"
        "print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    dt, rss = out.split()
    return float(dt), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        har = synthetic_har(Path(tmp) / "bench.har", args.entries)
        size_mb = har.stat().st_size / 1e6
        ours_t, ours_rss = _ours(har, Path(tmp) / "bench.db")
        ref_t, ref_rss = _mitmproxy_reader(har)
    print(
        f"replay: {args.entries} entries ({size_mb:.1f} MB HAR): phonehome import+classify+store "
        f"{args.entries / ours_t:,.0f} flows/s, peak RSS {ours_rss:.0f} MB; mitmproxy's HAR reader alone "
        f"{args.entries / ref_t:,.0f} flows/s, peak RSS {ref_rss:.0f} MB; time ratio {ours_t / ref_t:.2f}"
    )


if __name__ == "__main__":
    main()
