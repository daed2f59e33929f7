"""What a live capture's storing costs: the writer process and its classifier fed as the proxy feeds
them, at a steady rate, with and without a live view.

    python benchmarks/writer.py [--flows 5000] [--rate 700] [--rounds 3] [--db URL]

This process plays the proxy's part: from an event loop it hands the writer process
(`db/writerprocess.py`, one classifier process, a new SQLite file, or the PostgreSQL database `--db`
names, a new session each round) the proxy benchmark's request
(`benchmarks/proxy.py`: a JSON body with an IMEI, an advertising ID, coordinates and screen events)
`--rate` times a second, as `Capture.response` does, then waits until all are stored.  Two variants
alternate in rounds: `view` keeps the running counts a live view reads (`phonehome capture`), `quiet`
keeps none (`phonehome capture --quiet`, `mitmdump -s`).

Prints one summary line: for each variant, the median over rounds of the CPU microseconds a flow in
the writer process, in its classifier process, and in this one (snapshot, pickle, pipe, reports),
and how long after the last flow was handed over all were stored.  The machine is far from busy at
this rate, so these move less from run to run than `benchmarks/proxy.py`'s request rates do.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonehome.classifiers.model import Exchange  # noqa: E402
from phonehome.db.store import Store  # noqa: E402
from phonehome.db.writerprocess import Config, WriterProcess  # noqa: E402

from benchmarks.proxy import BODY, _cpu, _tree  # noqa: E402
from phonehome.pipeline import make_analyzer  # noqa: E402
from phonehome.sources.harwrite import HarSpill  # noqa: E402


def _exchange(i: int, prefix: str) -> Exchange:
    return Exchange(
        time=datetime(2026, 12, 7, 8, 0, tzinfo=UTC), method="POST", url=f"http://127.0.0.1:8000/collect?n={i}",
        request_headers=(("Host", "127.0.0.1:8000"), ("Content-Type", "application/json")), request_body=BODY,
        status=200, fingerprint=f"{prefix}{i}", client_address="127.0.0.1", server_ip="127.0.0.1",
    )  # fmt: skip


def start_writer(db: str, tmp: Path, prefix: str, live: bool) -> tuple[WriterProcess, int, list[int]]:
    """A writer process with one classifier process, on a new capture session of `db`, as a capture
    starts one; with its pid and its classifier processes' pids."""
    store = Store(db)
    session = store.open_session(f"bench-{prefix}", "capture")
    store.dispose()
    spill = tmp / "spill.har"
    config = Config(
        db=db, session_id=session, device="", names={}, spill_path=str(spill),
        spill=functools.partial(HarSpill, spill), workers=1, max_bytes=16 << 20, parent=os.getpid(),
        analyzer=make_analyzer(None, None), live=live,
    )  # fmt: skip
    writer = WriterProcess(config)
    if not writer.wait_ready():
        raise SystemExit("the writer process did not start")
    writer_pid = writer.process.pid
    assert writer_pid is not None
    return writer, writer_pid, [p for p in _tree(writer_pid) if p != writer_pid]


def _round(tmp: Path, flows: int, rate: float, live: bool, url: str) -> tuple[float, float, float, float]:
    """(writer process, classifier, this process) CPU µs a flow, and seconds from the last hand-over
    to the last flow stored."""
    prefix = f"w{time.time_ns()}-"  # every round's flows new, in a database that keeps them all
    writer, writer_pid, classifiers = start_writer(url or str(tmp / f"{prefix}.db"), tmp, prefix, live)
    before = {p: _cpu(p) for p in (writer_pid, *classifiers)}
    own = time.process_time()

    async def feed() -> float:
        start = time.perf_counter()
        for i in range(flows):
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            item = _exchange(i, prefix)
            if not writer.submit_nowait(item):
                await asyncio.to_thread(writer.submit, item)
        handed = time.perf_counter()
        while writer.lag() > 0:
            await asyncio.sleep(0.005)
        return time.perf_counter() - handed

    drained = asyncio.run(feed())
    own = time.process_time() - own
    after = {p: _cpu(p) for p in before}
    writer.close()
    per = 1e6 / flows
    return (
        (after[writer_pid] - before[writer_pid]) * per,
        sum(after[p] - before[p] for p in classifiers) * per,
        own * per,
        drained,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=700.0, help="flows a second handed over")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: a new SQLite file each round)")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float, float]]] = {"view": [], "quiet": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name in results:
                results[name].append(_round(Path(tmp), args.flows, args.rate, name == "view", args.db))
    parts = []
    for name, runs in results.items():
        writer, classifier, proxy, drained = (statistics.median(r[i] for r in runs) for i in range(4))
        parts.append(
            f"{name}: writer process {writer:.0f} µs, classifier {classifier:.0f} µs, proxy's part {proxy:.0f} µs "
            f"(all stored {drained:.2f} s after the last)"
        )
    into = "PostgreSQL" if args.db else "SQLite"
    print(
        f"writer: {args.flows} flows at {args.rate:.0f}/s into {into}, CPU a flow, median of {args.rounds}: "
        + "; ".join(parts)
    )


if __name__ == "__main__":
    main()
