"""Big inputs, bounded memory: replaying a ~1 GB HAR and a ~1 GB mitmproxy dump, and their peak RSS.

    python benchmarks/bigfile.py [--size 1GB] [--dir DIR] [--keep] [--gzip] [--no-mitmdump]
                                 [--only har|dump] [--workers default,0]

Generates (into a temporary folder, or DIR) a HAR of realistic entries built from the bundled
sample's requests (varied URLs, headers and times; half of them to hosts new every few entries, on
server addresses that change every other entry; JSON and form bodies carrying personal data;
response bodies as many browsers export them; now and then a body of several MB, some of them
base64) and a mitmproxy dump of the same flows written with mitmproxy's own `FlowWriter`.  Then
each file is replayed by `phonehome replay FILE --db ...` in a child process, and read by
`mitmdump -n -r FILE` for comparison.  Each child's peak RSS is measured by the launcher of
benchmarks/_common.py, a small process that runs only that child (`getrusage(RUSAGE_CHILDREN)`: the
largest single process), so nothing of this script is counted; with classifier workers the sum
over all the command's processes is also sampled.  Each file is replayed once per `--workers`
setting: by default as the command chooses (one worker process per core for a big file) and with
`--workers 0` (everything in one process).
Prints one summary line per run.  The files are deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import base64
import copy
import gzip
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import SAMPLE, launched, read_launched  # noqa: E402

BIN = Path(sys.executable).parent
MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Run:
    rc: int
    seconds: float
    peak_rss_mb: float  # the largest single process (the command itself, or one of its workers)
    peak_tree_mb: float  # all its processes at once (it and its classifier workers), sampled
    processes: int  # the most processes seen at once
    # The same sum in proportional set size: a page shared by several of them (the classifiers are
    # forked from one server that loaded phonehome) is counted once, split between them.
    peak_tree_pss_mb: float = 0.0


def measure(cmd: list[str]) -> Run:
    """Run `cmd` through the launcher of benchmarks/_common.py: its wall time and peak RSS, its own.

    The launcher's `getrusage(RUSAGE_CHILDREN)` gives the largest process's peak exactly; the sum over
    the command and its worker processes is sampled every 20 ms (psutil), since no counter keeps it.
    """
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "launched"
        proc = subprocess.Popen(launched(cmd, report), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wrapper = psutil.Process(proc.pid)
        tree_peak, pss_peak, most = 0, 0, 0
        while proc.poll() is None:
            try:
                members = wrapper.children(recursive=True)
                total = pss = 0
                for member in members:
                    try:
                        total += member.memory_info().rss
                        if len(members) > 1:
                            pss += member.memory_full_info().pss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            tree_peak, most = max(tree_peak, total), max(most, len(members))
            pss_peak = max(pss_peak, pss)
            time.sleep(0.02)
        done = read_launched(report)
    peak = done.peak_rss_mb
    return Run(proc.returncode, done.seconds, peak, max(tree_peak / MB, peak), max(most, 1), pss_peak / MB)


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    for suffix, factor in (("K", 1 << 10), ("M", MB), ("G", 1 << 30)):
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


# -- generating ---------------------------------------------------------------------------------

_USER_AGENTS = [
    "Mozilla/5.0 (Linux; Android 13; 23021RAAEG Build/TP1A.220624.014) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "Dalvik/2.1.0 (Linux; U; Android 13; 23021RAAEG Build/TP1A.220624.014)",
    "okhttp/4.11.0",
    "com.pixelforge.blockpuzzle/4.1.2 (Linux; U; Android 13; es_ES; 23021RAAEG)",
]
_PEOPLE = [
    ("alice.martin@example.com", "+34612345678", "861234567890127", 40.4169, -3.7035),
    ("bob.lee@example.org", "+8613812345678", "352099001761481", 22.5431, 114.0579),
    ("carla.ruiz@example.net", "+14155550123", "490154203237518", 37.7749, -122.4194),
]
_WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()


class Generator:
    """Entries made from the sample's requests: each one different (URL, time, body), so none is a
    duplicate of another."""

    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        log = json.loads(SAMPLE.read_text())["log"]
        self.templates: list[dict[str, Any]] = log["entries"]
        self.creator = log.get("creator", {"name": "phonehome-bench", "version": "1"})
        self.start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
        # One random blob, cut at different offsets for each big body (generating MBs per entry
        # would dominate the run).
        self.blob = self.rng.randbytes(8 * MB)

    def entry(self, i: int) -> dict[str, Any]:
        rng = self.rng
        e = copy.deepcopy(self.templates[i % len(self.templates)])
        e["startedDateTime"] = (self.start + timedelta(milliseconds=41 * i)).isoformat()
        req = e["request"]
        if i % 2:
            # Half to hosts new every few entries, as a phone's traffic meets them over days: every
            # cache of hosts fills as it would.
            host = f"e{i // 6}.cdn{i % 29}.site{(i // 13) % 30000}.example"
            req["url"] = urlunsplit(urlsplit(req["url"])._replace(netloc=host))
            for h in req.get("headers", []):
                if h.get("name", "").lower() == "host":
                    h["value"] = host
        n = i // 2  # on addresses that change every other entry (content networks rotate theirs)
        e["serverIPAddress"] = f"{23 + n % 150}.{(n // 150) % 250}.{(n // 37500) % 250}.{1 + n % 251}"
        sep = "&" if "?" in req["url"] else "?"
        req["url"] = f"{req['url']}{sep}_seq={i}&_r={rng.getrandbits(32):08x}"
        headers = [h for h in req.get("headers", []) if h.get("name", "").lower() != "user-agent"]
        headers.append({"name": "User-Agent", "value": rng.choice(_USER_AGENTS)})
        headers.append({"name": "X-Request-Id", "value": f"{rng.getrandbits(128):032x}"})
        req["headers"] = headers
        email, phone, imei, lat, lon = rng.choice(_PEOPLE)
        kind = rng.random()
        if req["method"] == "POST" and kind < 0.3:
            body = {
                "device": {"imei": imei, "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d"},
                "user": {"email": email, "phone": phone},
                "location": {"lat": round(lat + rng.uniform(-0.01, 0.01), 5), "lon": lon},
                "events": [
                    {"name": rng.choice(_WORDS), "ts": 1700000000 + i, "screen": f"Screen{n}"}
                    for n in range(rng.randint(1, 12))
                ],
            }
            req["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
        elif req["method"] == "POST" and kind < 0.45:
            text = f"imei={imei}&email={email}&lat={lat}&lon={lon}&n={i}"
            req["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": text}
        resp = e.setdefault("response", {"status": 200, "headers": []})
        if rng.random() < 0.4:  # response bodies, as a browser's "Save all as HAR with content"
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(200, 6000)))
            resp["content"] = {"size": len(words), "mimeType": "text/html", "text": words}
        if i % 1500 == 750:  # now and then a body of several MB
            self._big(e, i)
        return e

    def _big(self, e: dict[str, Any], i: int) -> None:
        size = self.rng.randint(2 * MB, 6 * MB)
        offset = self.rng.randint(0, len(self.blob) - size)
        chunk = self.blob[offset : offset + size]
        if (i // 1500) % 2:  # an upload, base64 as HAR writes binary bodies
            e["request"]["method"] = "POST"
            e["request"]["postData"] = {
                "mimeType": "application/octet-stream",
                "encoding": "base64",
                "text": base64.b64encode(chunk).decode("ascii"),
            }
        else:  # a download of a big image
            text = base64.b64encode(chunk).decode("ascii")
            e["response"]["content"] = {"size": size, "mimeType": "image/jpeg", "encoding": "base64",
                                        "text": text}  # fmt: skip

    def entries(self, target: int) -> Iterator[tuple[dict[str, Any], bytes]]:
        """(entry, its JSON) until about `target` bytes of JSON have been produced."""
        written, i = 0, 0
        while written < target:
            e = self.entry(i)
            data = json.dumps(e, separators=(",", ":")).encode()
            written += len(data) + 1
            i += 1
            yield e, data


def write_har(gen: Generator, path: Path, size: int, compress: bool = False) -> int:
    """A HAR of about `size` bytes (before compression); the number of entries."""
    opener = gzip.open(path, "wb", compresslevel=1) if compress else open(path, "wb")
    n = 0
    with opener as f:
        head = {"version": "1.2", "creator": gen.creator}
        f.write(b'{"log":' + json.dumps(head).encode()[:-1] + b',"entries":[\n')
        for _entry, data in gen.entries(size):
            if n:
                f.write(b",\n")
            f.write(data)
            n += 1
        f.write(b"\n]}}\n")
    return n


def write_dump(gen: Generator, path: Path, size: int) -> int:
    """A mitmproxy dump of about `size` bytes, the same kind of flows, written by mitmproxy."""
    from mitmproxy.io import FlowWriter
    from mitmproxy.io.har import request_to_flow

    n = 0
    with open(path, "wb") as f:
        writer = FlowWriter(f)
        for entry, _data in gen.entries(size * 4):
            writer.add(request_to_flow(entry))
            n += 1
            if n % 1000 == 0 and f.tell() >= size:
                break
    return n


# -- running ------------------------------------------------------------------------------------


def replay(path: Path, db: Path, workers: str) -> Run:
    db.unlink(missing_ok=True)
    extra = [] if workers == "default" else ["--workers", workers]
    return measure([str(BIN / "phonehome"), "replay", str(path), "--db", str(db), *extra])


def mitmdump(path: Path) -> Run:
    return measure([str(BIN / "mitmdump"), "-n", "-q", "-r", str(path)])


def stored_flows(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return int(conn.execute("select count(*) from flows").fetchone()[0])


def line(
    kind: str, path: Path, entries: int, raw_size: int, workers: str, ours: Run, stored: int, ref: Run | None
) -> str:
    size = path.stat().st_size
    gz = f", {raw_size / MB:,.0f} MB uncompressed" if raw_size != size else ""
    how = "" if workers == "default" else f" --workers {workers}"
    text = (
        f"bigfile: {kind} {size / MB:,.0f} MB{gz}, {entries:,} entries: phonehome replay{how} "
        f"{ours.seconds:.1f} s, {entries / ours.seconds:,.0f} flows/s, peak RSS {ours.peak_rss_mb:.0f} MB"
        f"{_tree(ours)}, {stored:,} flows stored (exit {ours.rc})"
    )
    if ref is not None:
        text += (
            f"; mitmdump -n -r {ref.seconds:.1f} s, {entries / ref.seconds:,.0f} flows/s, "
            f"peak RSS {ref.peak_rss_mb:,.0f} MB (exit {ref.rc})"
        )
    return text


def _tree(run: Run) -> str:
    if run.processes <= 1:
        return ""
    return (
        f" (largest process; {run.processes} processes together {run.peak_tree_mb:.0f} MB RSS, "
        f"{run.peak_tree_pss_mb:.0f} MB PSS: shared pages counted once)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1GB", help="size of each file (e.g. 1GB, 200MB)")
    parser.add_argument("--dir", type=Path, help="where to write the files (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--gzip", action="store_true", help="also replay the HAR gzip'ed (.har.gz)")
    parser.add_argument("--no-mitmdump", action="store_true", help="skip mitmdump's reading")
    parser.add_argument("--only", choices=["har", "dump"], help="one kind of file only")
    parser.add_argument(
        "--workers", default="default,0",
        help="comma-separated --workers values to replay with ('default': the command's own choice)",
    )  # fmt: skip
    args = parser.parse_args()
    size = parse_size(args.size)
    settings = [w.strip() for w in args.workers.split(",") if w.strip()]

    folder = args.dir or Path(tempfile.mkdtemp(prefix="phonehome-bigfile-"))
    folder.mkdir(parents=True, exist_ok=True)
    # Two files of `size` (three with --gzip), the databases (about a tenth each), some room.
    need = size * (3 if args.gzip else 2) + size // 2
    free = shutil.disk_usage(folder).free
    if free < need:
        sys.exit(f"bigfile: {free / MB:,.0f} MB free in {folder}, {need / MB:,.0f} MB needed; try --size")
    made: list[Path] = []
    try:
        if args.only in (None, "har"):
            har = folder / "big.har"
            made.append(har)
            t = time.perf_counter()
            n = write_har(Generator(), har, size)
            print(f"(generated {har} in {time.perf_counter() - t:.0f} s)", file=sys.stderr)
            db = folder / "har.db"
            made.append(db)
            for i, workers in enumerate(settings):
                ours = replay(har, db, workers)
                ref = None if args.no_mitmdump or i else mitmdump(har)
                print(
                    line("HAR", har, n, har.stat().st_size, workers, ours, stored_flows(db), ref), flush=True
                )
            if args.gzip:
                gz = folder / "big.har.gz"
                made.append(gz)
                with open(har, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
                    shutil.copyfileobj(src, dst, MB)
                db = folder / "gz.db"
                made.append(db)
                ours = replay(gz, db, settings[0])
                size = har.stat().st_size
                print(line("HAR.gz", gz, n, size, settings[0], ours, stored_flows(db), None), flush=True)
            if not args.keep:
                har.unlink()
        if args.only in (None, "dump"):
            dump = folder / "big.flows"
            made.append(dump)
            t = time.perf_counter()
            n = write_dump(Generator(), dump, size)
            print(f"(generated {dump} in {time.perf_counter() - t:.0f} s)", file=sys.stderr)
            db = folder / "dump.db"
            made.append(db)
            for i, workers in enumerate(settings):
                ours = replay(dump, db, workers)
                ref = None if args.no_mitmdump or i else mitmdump(dump)
                size = dump.stat().st_size
                print(line("dump", dump, n, size, workers, ours, stored_flows(db), ref), flush=True)
    finally:
        if not args.keep:
            for p in made:
                p.unlink(missing_ok=True)
            if args.dir is None:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"(files kept in {folder})", file=sys.stderr)


if __name__ == "__main__":
    main()
