"""A capture that runs for days, compressed: does any process's memory grow with the traffic?

    python benchmarks/soak.py [--flows 400000] [--rate 800] [--quiet] [--db URL]

This process plays the proxy's part, as `benchmarks/writer.py` does: from an event loop it hands a
writer process (`db/writerprocess.py`, one classifier process, a new SQLite file or the PostgreSQL
database `--db` names) `--rate` flows a second, as `Capture.response` does, with a live view's
counts kept (`phonehome capture`; `--quiet` keeps none).  The traffic is a lab's over days, sped
up: six phones; a third of the flows to trackers the entity map knows, the rest to hosts that are
new every few flows, on addresses that change every other flow (content networks rotate theirs);
every body carries values never seen before (event times, search words, pages, session IDs) beside
each phone's fixed ones.  Every cache that remembers hosts, addresses or values fills within the
first half.

The resident memory of each process (this one, the writer process, the classifier) is sampled as
the flows go; one summary line gives each process's memory at the start and end of the second
half and its growth there per 100,000 flows, and a verdict: every process grows by under 5 MB per
100,000 flows once its caches are full.  The allocator's own creep takes a while to level off
after the caches fill (a 200,000-flow run can end near the line): the default is 400,000 flows,
about nine minutes.  The proxy's own process holds what mitmproxy holds on
top of this one's part; that is mitmproxy's and not measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonehome.classifiers.model import Exchange  # noqa: E402

from benchmarks.writer import start_writer  # noqa: E402

GROWTH_MB = 5.0  # per 100,000 flows in the second half, for each process
TRACKERS = (
    "app-measurement.com", "graph.facebook.com", "api.mixpanel.com", "sdk.iad-01.braze.com", "tracking.miui.com",
    "data.mistat.intl.xiaomi.com", "www.google-analytics.com", "api2.branch.io", "in.appcenter.ms",
    "settings.crashlytics.com", "api.amplitude.com", "app.adjust.com",
)  # fmt: skip
PHONES = tuple((f"10.0.0.{n}", f"{861234567890000 + 7 * n:015d}") for n in range(2, 8))
START = datetime(2026, 12, 1, tzinfo=UTC)


def rss_mb(pid: int) -> float:
    """Resident memory now, in MB; 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def flow(i: int, prefix: str, rnd: random.Random) -> Exchange:
    """The i-th flow of the lab's traffic (see the module's text)."""
    client, imei = PHONES[i % len(PHONES)]
    host = (
        TRACKERS[i % len(TRACKERS)]
        if i % 3 == 0
        else f"e{i // 3}.cdn{i % 41}.site{(i // 11) % 20000}.example"
    )
    n = i // 2  # a new address every other flow
    address = f"{23 + n % 150}.{(n // 150) % 250}.{(n // 37500) % 250}.{1 + n % 251}"
    body = json.dumps({
        "imei": imei, "session": f"{rnd.getrandbits(64):016x}",
        "lat": f"{rnd.uniform(-60, 60):.4f}", "lon": f"{rnd.uniform(-170, 170):.4f}",
        "q": f"words {i} {rnd.getrandbits(20)}", "page": f"https://news.example.org/story/{i}?ref=home",
        "events": [{"screen_name": f"Screen{i % 97}", "ts": 1764000000000 + 10 * i + j} for j in range(5)],
    }).encode()  # fmt: skip
    return Exchange(
        time=START + timedelta(milliseconds=50 * i), method="POST", url=f"https://{host}/v1/collect?n={i}",
        request_headers=(("Host", host), ("Content-Type", "application/json"), ("User-Agent", f"okhttp/4.{i % 12}.0")),
        request_body=body, status=200, fingerprint=f"{prefix}{i}", client_address=client, server_ip=address,
    )  # fmt: skip


def soak(
    flows: int, rate: float, live: bool, url: str, tmp: Path
) -> tuple[list[tuple[int, list[float]]], int]:
    """RSS samples [(flows handed over, [this, writer, classifier])] and the flows stored."""
    prefix = f"soak{time.time_ns()}-"
    writer, writer_pid, classifiers = start_writer(url or str(tmp / "soak.db"), tmp, prefix, live)
    pids = (os.getpid(), writer_pid)
    samples: list[tuple[int, list[float]]] = []
    every = max(1, flows // 40)
    rnd = random.Random(7)

    def sample(i: int) -> None:
        samples.append((i, [*(rss_mb(p) for p in pids), sum(rss_mb(p) for p in classifiers)]))

    async def feed() -> None:
        start = time.perf_counter()
        for i in range(flows):
            wait = start + i / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            item = flow(i, prefix, rnd)
            if not writer.submit_nowait(item):
                await asyncio.to_thread(writer.submit, item)
            if i % every == 0:
                sample(i)
        while writer.lag() > 0:
            await asyncio.sleep(0.01)
        sample(flows)

    asyncio.run(feed())
    stats = writer.close()
    return samples, stats.stored


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=400_000)
    parser.add_argument("--rate", type=float, default=800.0, help="flows a second handed over")
    parser.add_argument("--quiet", action="store_true", help="no live view's counts (capture --quiet)")
    parser.add_argument("--db", default="", help="a PostgreSQL URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples, stored = soak(args.flows, args.rate, not args.quiet, args.db, Path(tmp))
    half = min(samples, key=lambda s: abs(s[0] - args.flows / 2))
    end = samples[-1]
    span = (end[0] - half[0]) / 100_000
    parts, grown = [], []
    for n, name in enumerate(("this process (the proxy's part)", "writer process", "classifier")):
        growth = (end[1][n] - half[1][n]) / span if span else 0.0
        grown.append(growth)
        parts.append(
            f"{name} {samples[0][1][n]:.0f} MB at the start, {half[1][n]:.0f} at half, {end[1][n]:.0f} at the end "
            f"({growth:+.1f} MB per 100,000 flows)"
        )
    verdict = "PASS" if all(g < GROWTH_MB for g in grown) and stored == args.flows else "FAIL"
    into = "PostgreSQL" if args.db else "SQLite"
    view = "no live view" if args.quiet else "a live view's counts"
    print(
        f"soak: {args.flows:,} flows at {args.rate:.0f}/s into {into}, {view}, {stored:,} stored: "
        + "; ".join(parts)
        + f"; {verdict}: every process under {GROWTH_MB:.0f} MB per 100,000 flows in the second half"
    )


if __name__ == "__main__":
    main()
