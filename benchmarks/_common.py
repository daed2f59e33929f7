"""Shared helpers for the benchmarks: HAR files built from the bundled sample, or from captures other
people recorded (the real-world set)."""

from __future__ import annotations

import gzip
import json
import resource
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "phone-session.har"
REALWORLD = ROOT / "tests" / "realworld"


def synthetic_har(path: Path, entries: int) -> Path:
    """The sample's entries repeated with fresh times until `entries` are written."""
    base = json.loads(SAMPLE.read_text())["log"]
    out = []
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for i in range(entries):
        entry = dict(base["entries"][i % len(base["entries"])])
        entry["startedDateTime"] = (start + timedelta(milliseconds=37 * i)).isoformat()
        out.append(entry)
    path.write_text(json.dumps({"log": {**base, "entries": out}}))
    return path


def recorded_har(path: Path, entries: int) -> Path:
    """The real-world set's HAR entries (browsers' and proxies' recordings, with their response
    bodies) that mitmproxy's reader accepts, repeated with fresh times until `entries` are written."""
    from mitmproxy.io.har import request_to_flow

    recorded = []
    for har in sorted([*REALWORLD.glob("*.har"), *REALWORLD.glob("*.har.gz")]):
        raw = gzip.decompress(har.read_bytes()) if har.suffix == ".gz" else har.read_bytes()
        try:
            log = json.loads(raw.decode("utf-8-sig"))["log"]
        except ValueError:  # the set keeps a file cut short on purpose
            continue
        for entry in log["entries"]:
            try:
                request_to_flow(entry)
            except Exception:  # noqa: BLE001 - what mitmproxy cannot read is left out of both runs
                continue
            recorded.append(entry)
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    out = []
    for i in range(entries):
        entry = dict(recorded[i % len(recorded)])
        entry["startedDateTime"] = (start + timedelta(milliseconds=37 * i)).isoformat()
        out.append(entry)
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "benchmark", "version": "1"},
                                        "entries": out}}))  # fmt: skip
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# On Linux, the peak RSS that getrusage gives a process starts from the peak of the process that
# started it: the kernel carries the high-water mark across execve.  A command started by a benchmark
# that holds a few hundred MB (a HAR it built, a database it filled) would be reported at least that
# big, whatever it used.  So a command whose memory is measured is started by this small Python
# process instead, which writes to the file named first: the time.monotonic() at which it started the
# command and at which the command ended, and the command's peak RSS in KB (the largest of it and the
# processes it waited for).  SIGTERM to it kills the command (a timeout); a command killed by a signal
# ends it by the same signal.
_LAUNCHER = """\
import os, resource, signal, subprocess, sys, time
started = time.monotonic()
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: child.kill())
code = child.wait()
ended = time.monotonic()
with open(sys.argv[1], "w") as out:
    out.write(f"{started} {ended} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
if code < 0:
    if -code not in (signal.SIGKILL, signal.SIGSTOP):  # the two a handler cannot be set for
        signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


@dataclass(frozen=True, slots=True)
class Launched:
    """What the launcher wrote of a command it ran: its own times, and its peak RSS."""

    started: float  # time.monotonic()
    ended: float
    peak_rss_mb: float

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def launched(args: list[str], report: Path) -> list[str]:
    """`args`, run by the launcher above, which writes to `report` (`read_launched`)."""
    return [sys.executable, "-c", _LAUNCHER, str(report), *args]


def read_launched(report: Path) -> Launched:
    started, ended, kb = report.read_text().split()
    return Launched(float(started), float(ended), int(kb) / 1024)


@dataclass
class Tally:
    """True positives, false positives and misses per kind, and the precision and recall they give."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def precision(self, kind: str | None = None) -> float:
        tp = self.tp[kind] if kind else sum(self.tp.values())
        fp = self.fp[kind] if kind else sum(self.fp.values())
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, kind: str | None = None) -> float:
        tp = self.tp[kind] if kind else sum(self.tp.values())
        fn = self.fn[kind] if kind else sum(self.fn.values())
        return tp / (tp + fn) if tp + fn else 1.0


# phonehome's folders, compiled by `installed_bytecode` (tools/ and tests/ are not installed).
_SOURCES = ("addons", "classifiers", "db", "examples", "phonehome")


def installed_bytecode(env: dict[str, str]) -> dict[str, str]:
    """`env` with phonehome's modules compiled once, in place (`__pycache__`, ignored by git), and
    bytecode read from there, as an installed copy has it: `pip install` compiles what it installs,
    and mitmdump on the other side of a comparison is so installed.  Without this, a development
    install under `PYTHONDONTWRITEBYTECODE` (some CI containers set it) compiles every phonehome
    module again at every start: about 0.3 s a command that a user never pays."""
    import subprocess
    import sys

    env = {k: v for k, v in env.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    folders = [str(ROOT / name) for name in _SOURCES if (ROOT / name).is_dir()]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *folders], env=env, check=True, capture_output=True
    )
    return env
