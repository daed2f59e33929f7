"""Many processes into one database: 1, 2 and 4 `phonehome replay` processes at once, into one
PostgreSQL database and into one SQLite file.

    python benchmarks/scale.py [--entries 3000] [--counts 1,2,4] [--pg URL] [--workers 0] [--store-only]

Each process replays its own HAR: copies of one generated file (the bundled sample's entries, with
fresh times) whose URLs differ per copy, so no entry is a duplicate of another and every one must
be stored.  For each count the database is new (PostgreSQL: a dedicated database `phonehome_scale`,
created on the server of `--pg` and dropped at the end; SQLite: a new file) and its schema is
made before the clock starts; the processes start together, and the rate is all their flows over
the time from the first start to the last exit.  Beside each rate: how many cores the replay processes kept busy on average (their CPU time over
the wall time; the database server's is not counted) and the machine's load average before the
run, since the cores may be shared with other work.

Then it checks what was stored: every flow once (the count equals the entries replayed, no
fingerprint twice, each copy in its own session), and every process exited 0 with nothing on
stderr but its summary; anything else is printed.  With --store-only the database's own curve is
measured too: the same files classified first, untimed, then only written (batches of 256, as the
writer commits them) by 1, 2 and 4 processes at once.  One summary line per backend.  Nothing in CI
runs this: it needs a PostgreSQL server (`.ci/postgres` starts one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SAMPLE  # noqa: E402

BIN = Path(sys.executable).parent
PG = "postgresql+psycopg://phonehome:secret@127.0.0.1:54329/postgres"
DATABASE = "phonehome_scale"


def make_copies(folder: Path, entries: int, copies: int) -> list[Path]:
    """`copies` HARs of `entries` entries each; copy j's URLs carry `_copy=j`, so all differ."""
    base = json.loads(SAMPLE.read_text())["log"]
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    paths = []
    for j in range(copies):
        out = []
        for i in range(entries):
            entry = json.loads(json.dumps(base["entries"][i % len(base["entries"])]))
            entry["startedDateTime"] = (start + timedelta(milliseconds=37 * i)).isoformat()
            url = entry["request"]["url"]
            entry["request"]["url"] = f"{url}{'&' if '?' in url else '?'}_copy={j}&_n={i}"
            out.append(entry)
        path = folder / f"copy-{j}.har"
        path.write_text(json.dumps({"log": {**base, "entries": out}}))
        paths.append(path)
    return paths


def flows_in(path: Path) -> int:
    from phonehome.classifiers.model import Exchange

    from phonehome.sources import open_source

    return sum(1 for item in open_source(path) if isinstance(item, Exchange))


@dataclass
class Result:
    backend: str
    count: int
    flows: int
    seconds: float
    cpu: float  # CPU seconds the replay processes used (the database server's not counted)
    load: float  # the machine's load average (1 min) when they started: other work on its cores
    stored: int
    duplicates: int
    sessions: dict[str, int]
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.stored / self.seconds


def run_together(files: list[Path], db: str, workers: str | None) -> tuple[float, float, list[str]]:
    """Start one `phonehome replay` per file at once; (seconds to the last exit, CPU seconds they
    used, problems)."""
    extra = [] if workers is None else ["--workers", workers]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(BIN / "phonehome"), "replay", str(f), "--db", db, "--label", f.stem, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for f in files
    ]
    problems = []
    for f, proc in zip(files, procs, strict=True):
        out, err = proc.communicate()
        if proc.returncode != 0:
            problems.append(f"{f.name}: exit {proc.returncode}: {(err or out).strip()[-600:]}")
        elif any(w in err.lower() for w in ("error", "traceback", "retrying", "warning")):
            problems.append(f"{f.name}: {err.strip()[-600:]}")
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, problems


# -- the database alone: classified before the clock starts, then only stored --------------------

_WRITER = """
import sys, time
from pathlib import Path
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store
from phonehome.sources import open_source
har, db, label, go = sys.argv[1:5]
analyses = [analyze(i) for i in open_source(har) if isinstance(i, Exchange)]
store = Store(db)
session = store.open_session(label, "replay")
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.005)
t = time.perf_counter()
stored = 0
for n in range(0, len(analyses), 256):
    stored += store.write(session, label, analyses[n : n + 256]).stored
print(stored, time.perf_counter() - t, flush=True)
"""


def store_together(files: list[Path], db: str) -> tuple[float, int, list[str]]:
    """Each process classifies its file first, then all store at once in batches of 256, as the
    writer does; (seconds from the start signal to the last one done, flows stored, problems)."""
    go = Path(tempfile.mkdtemp(prefix="phonehome-go-")) / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(f), db, f.stem, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for f in files
    ]
    problems = []
    for f, proc in zip(files, procs, strict=True):
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            problems.append(f"{f.name}: did not start: {proc.communicate()[1].strip()[-600:]}")
    t = time.perf_counter()
    go.touch()
    stored = 0
    for f, proc in zip(files, procs, strict=True):
        out, err = proc.communicate()
        if proc.returncode != 0 or not out.strip():
            problems.append(f"{f.name}: exit {proc.returncode}: {err.strip()[-600:]}")
            continue
        stored += int(out.split()[0])
    seconds = time.perf_counter() - t
    go.unlink()
    go.parent.rmdir()
    return seconds, stored, problems


def store_only(backend: str, count: int, files: list[Path], folder: Path, pg: str) -> tuple[float, list[str]]:
    """Flows stored per second by `count` processes writing at once, classification excluded."""
    if backend == "PostgreSQL":
        db = pg_fresh(pg)
    else:
        path = folder / f"store-{count}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db = str(path)
    _create(db)
    seconds, stored, problems = store_together(files, db)
    expected = sum(flows_in(f) for f in files)
    if stored != expected:
        problems.append(f"{stored} flows stored, {expected} classified")
    return stored / seconds, problems


# -- the two backends ---------------------------------------------------------------------------


def _pg_admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_fresh(url: str) -> str:
    import psycopg

    with psycopg.connect(_pg_admin(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return url.rsplit("/", 1)[0] + "/" + DATABASE


def pg_drop(url: str) -> None:
    import psycopg

    with psycopg.connect(_pg_admin(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def pg_counts(db: str) -> tuple[int, int, dict[str, int]]:
    import psycopg

    with psycopg.connect(_pg_admin(db)) as conn:
        return _counts(conn)


def sqlite_counts(path: Path) -> tuple[int, int, dict[str, int]]:
    with sqlite3.connect(path) as conn:
        return _counts(conn)


def _counts(conn: object) -> tuple[int, int, dict[str, int]]:
    """(flows, flows sharing a fingerprint with another, flows per session label)."""
    run = conn.execute  # type: ignore[attr-defined]
    stored = run("SELECT count(*) FROM flows").fetchone()[0]
    twice = run("SELECT count(*) - count(DISTINCT fingerprint) FROM flows").fetchone()[0]
    rows = run(
        "SELECT s.label, count(f.id) FROM sessions s LEFT JOIN flows f ON f.session_id = s.id GROUP BY s.label"
    ).fetchall()
    return int(stored), int(twice), {label: int(n) for label, n in rows}


def _create(db: str) -> None:
    """The schema, made before the clock starts: what is timed is replaying, not migrating."""
    from phonehome.db.store import Store

    Store(db).dispose()


def measure(
    backend: str, count: int, files: list[Path], folder: Path, pg: str, workers: str | None
) -> Result:
    per_file = [flows_in(f) for f in files]
    if backend == "PostgreSQL":
        db = pg_fresh(pg)
        _create(db)
        load = os.getloadavg()[0]
        seconds, cpu, problems = run_together(files, db, workers)
        stored, twice, sessions = pg_counts(db)
    else:
        path = folder / f"scale-{count}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _create(str(path))
        load = os.getloadavg()[0]
        seconds, cpu, problems = run_together(files, str(path), workers)
        stored, twice, sessions = sqlite_counts(path)
    result = Result(backend, count, sum(per_file), seconds, cpu, load, stored, twice, sessions, problems)
    if stored != sum(per_file):
        problems.append(f"{stored} flows stored, {sum(per_file)} replayed")
    if twice:
        problems.append(f"{twice} flows share a fingerprint")
    for f, n in zip(files, per_file, strict=True):
        if sessions.get(f.stem) != n:
            problems.append(f"session {f.stem}: {sessions.get(f.stem)} flows, {n} in its file")
    return result


def summary(results: list[Result], entries: int) -> str:
    backend = results[0].backend
    one = results[0].rate
    parts = [
        f"{r.count} process{'es' if r.count > 1 else ''} {r.rate:,.0f} flows/s ({r.rate / one:.2f}x, "
        f"{r.cpu / r.seconds:.2f} cores)"
        for r in results
    ]
    problems = sum(len(r.problems) for r in results)
    total = sum(r.stored for r in results)
    check = f"all {total:,} flows stored once, no errors" if not problems else f"{problems} problems (above)"
    return f"scale: {backend}, {entries:,} entries per process: " + ", ".join(parts) + f"; {check}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=3000, help="entries in each process's HAR")
    parser.add_argument("--counts", default="1,2,4", help="how many processes at once, in turn")
    parser.add_argument("--pg", default=os.environ.get("PHONEHOME_SCALE_PG", PG), help="a PostgreSQL server")
    parser.add_argument("--backends", default="PostgreSQL,SQLite")
    parser.add_argument(
        "--workers", default="0",
        help="each process's --workers ('default': the command's own choice; 0: one process each)",
    )  # fmt: skip
    parser.add_argument(
        "--store-only", action="store_true",
        help="also time storing alone: each process classifies its file first, then all write at once",
    )  # fmt: skip
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    workers = None if args.workers == "default" else args.workers
    backends = [b.strip() for b in args.backends.split(",")]
    with tempfile.TemporaryDirectory(prefix="phonehome-scale-") as tmp:
        folder = Path(tmp)
        files = make_copies(folder, args.entries, max(counts))
        lines = []
        try:
            for backend in backends:
                results = []
                for count in counts:
                    r = measure(backend, count, files[:count], folder, args.pg, workers)
                    for p in r.problems:
                        print(f"  {backend}, {count} processes: {p}", file=sys.stderr)
                    print(
                        f"  {backend}: {count} at once, {r.stored:,} flows stored in {r.seconds:.1f} s, "
                        f"{r.rate:,.0f} flows/s, duplicates {r.duplicates}; the replays used "
                        f"{r.cpu / r.seconds:.2f} cores ({r.cpu / r.stored * 1e3:.2f} ms CPU a flow), "
                        f"load average {r.load:.1f} before",
                        file=sys.stderr,
                    )
                    results.append(r)
                line = summary(results, args.entries)
                if args.store_only:
                    rates = []
                    for count in counts:
                        rate, problems = store_only(backend, count, files[:count], folder, args.pg)
                        for p in problems:
                            print(f"  {backend}, storing only, {count} processes: {p}", file=sys.stderr)
                        rates.append(f"{count}: {rate:,.0f}")
                    line += "; storing alone (classified first) " + ", ".join(rates) + " flows/s"
                lines.append(line)
        finally:
            if "PostgreSQL" in backends:
                pg_drop(args.pg)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
