"""Replay throughput and memory, as a user runs it, beside mitmdump reading the same file.

    python benchmarks/replay.py [--entries 5000] [--workers N] [--rounds 2] [--traffic sample|recorded]
                                [--analyses-reused]

On one HAR, side by side in one run, each command in its own process and timed from start to exit (start-up included), best of
`--rounds`:

- `phonehome replay FILE --workers 0`: read, classify and store in one process;
- `phonehome replay FILE --workers N`: classified in N worker processes (default: the command's, one
  per core but one);
- `mitmdump -n -r FILE`: mitmproxy reading the same file, no addon, no server;
- parsing the JSON alone (the floor): `json.loads` of the whole file in a fresh interpreter;
- with `--analyses-reused`, `phonehome replay FILE --workers 0` once more, each distinct request
  classified once and its analysis reused (`benchmarks/_reused.py`): on the sample, whose entries are
  50 requests repeated, what reading and storing cost with classifying next to free; the floor
  that no classifier, however fast, brings a replay below.

The HAR is the bundled sample's entries (a phone's dense tracker requests, 1.9 KB an entry) repeated
with fresh times, or with `--traffic recorded` the real-world set's HAR entries (pages recorded by
browsers and proxies, response bodies included, 3.9 KB an entry) that mitmproxy's reader accepts.

Prints one summary line: flows/s and peak RSS of each, and the ratios the goals are stated in.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import installed_bytecode, recorded_har, synthetic_har  # noqa: E402
from phonehome.cli.common import default_workers  # noqa: E402


def _bin(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


ENV: dict[str, str] = dict(os.environ)  # what every command runs with (main: phonehome's bytecode cached)


def _timed(args: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one command run to its end in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{args[0]} failed ({done.returncode}): {done.stderr[-500:]}")
    # ru_maxrss of children is the largest child so far: run the smallest first, or read it per run.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return dt, max(peak, before) / 1024


def _rss(args: list[str]) -> float:
    """Peak RSS (MB) of one run, measured by /usr/bin/time when present (per process, not the max so far)."""
    if not Path("/usr/bin/time").exists():
        return float("nan")
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, env=ENV)
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return int(last) / 1024 if last.isdigit() else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--traffic", choices=("sample", "recorded"), default="sample")
    parser.add_argument("--analyses-reused", action="store_true",
                        help="also time the replay with each distinct request classified once (benchmarks/_reused.py)")  # fmt: skip
    parser.add_argument("--no-bytecode", action="store_true",
                        help="do not compile phonehome's modules first: run as the environment says")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_bytecode:
            cached = installed_bytecode(ENV)
            ENV.clear()
            ENV.update(cached)
        har = (recorded_har if args.traffic == "recorded" else synthetic_har)(
            Path(tmp) / "bench.har", args.entries
        )
        size_mb = har.stat().st_size / 1e6
        runs = {
            "inline": lambda r: [_bin("phonehome"), "replay", str(har), "--db", f"{tmp}/i{r}.db", "--workers", "0"],
            "workers": lambda r: [_bin("phonehome"), "replay", str(har), "--db", f"{tmp}/w{r}.db",
                                  "--workers", str(args.workers)],
            "mitmdump": lambda r: [_bin("mitmdump"), "-n", "-q", "-r", str(har)],
            "parse": lambda r: [sys.executable, "-c", f"import json; json.loads(open({str(har)!r}, 'rb').read())"],
        }  # fmt: skip
        if args.analyses_reused:
            runs["reused"] = lambda r: [sys.executable, str(Path(__file__).with_name("_reused.py")), "replay",
                                        str(har), "--db", f"{tmp}/r{r}.db", "--workers", "0"]  # fmt: skip
        best: dict[str, float] = {}
        for r in range(args.rounds):
            for name, make in runs.items():
                dt, _ = _timed(make(r))
                best[name] = min(best.get(name, float("inf")), dt)
        rss = {name: _rss(make(args.rounds)) for name, make in runs.items()}
    n = args.entries
    rate = {name: n / t for name, t in best.items()}
    print(
        f"replay: {n} entries ({size_mb:.1f} MB HAR, {args.traffic}), best of {args.rounds}, start-up included"
        f"{' (phonehome not compiled first)' if args.no_bytecode else ''}: "
        f"phonehome replay --workers 0 {rate['inline']:,.0f} flows/s ({rss['inline']:.0f} MB), "
        f"--workers {args.workers} {rate['workers']:,.0f} flows/s ({rss['workers']:.0f} MB); "
        f"mitmdump -n -r {rate['mitmdump']:,.0f} flows/s ({rss['mitmdump']:.0f} MB); "
        f"json.loads alone {rate['parse']:,.0f} flows/s; "
        f"workers / mitmdump {rate['workers'] / rate['mitmdump']:.2f}x, "
        f"workers time / parse time {best['workers'] / best['parse']:.1f}x"
        + (
            f"; analyses reused (reading and storing alone, --workers 0) {rate['reused']:,.0f} flows/s "
            f"({rss['reused']:.0f} MB), its time / parse time {best['reused'] / best['parse']:.1f}x"
            if "reused" in best
            else ""
        )
    )


if __name__ == "__main__":
    main()
