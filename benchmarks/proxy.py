"""Proxy throughput with phonehome's capture addon, beside plain mitmdump, on loopback; and the cost
of what a capture shows while it runs.

    python benchmarks/proxy.py [--requests 2000] [--connections 8] [--rounds 2] [--rate R]

A local HTTP server on 127.0.0.1, each proxy on a free port, keep-alive clients posting a small
tracker-like JSON body with personal data.  The proxies run one after the other, in rounds, in the
same process tree, so the ratios are what to compare; each variant's best round is reported:

- mitmdump: plain `mitmdump`, no addon;
- quiet: `phonehome capture --quiet` (no view);
- live: `phonehome capture` on a pseudo-terminal, so the live view redraws while the load runs;
- lines: `phonehome capture` on a pipe, so it prints a line per finding.

Prints one summary line.  The clients send as fast as the proxy answers, so the rate is the
proxy's capacity, and a request's latency there is mostly its wait in the queue.  With `--rate R`
they send R requests a second in all, evenly paced, below what either proxy can take: the rates
are then the same and the latencies say what a request costs on its way through.
"""

from __future__ import annotations

import argparse
import fcntl
import http.client
import json
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BODY = json.dumps(
    {"imei": "861234567890127", "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d", "lat": "52.5200", "lon": "13.4050",
     "events": [{"screen_name": "Home", "duration": 1200 + i} for i in range(10)]}
).encode()  # fmt: skip


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _start(args: list[str], marker: str, terminal: bool = False) -> tuple[subprocess.Popen[bytes], int]:
    """Start a proxy and wait for its ready line; on a pseudo-terminal (100x40) when `terminal`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if terminal:
        parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=child, stderr=child, env=env)
        os.close(child)
        stream = os.fdopen(parent, "rb", buffering=0)
    else:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        assert proc.stdout is not None
        stream = proc.stdout
    seen = bytearray()
    found = threading.Event()

    def drain() -> None:
        # Read everything the proxy prints, from its first byte, so it never blocks on a full pipe.
        while True:
            try:
                chunk = stream.read(65536) if terminal else stream.read1(65536)  # type: ignore[attr-defined]
            except OSError:
                chunk = b""
            if not chunk:
                found.set()
                return
            if not found.is_set():
                seen.extend(chunk)
                if marker.encode() in seen and b"\n" in seen.split(marker.encode(), 1)[1]:
                    found.set()

    threading.Thread(target=drain, daemon=True).start()
    found.wait(60)
    if marker.encode() in seen:
        line = seen.split(marker.encode(), 1)[1].split(b"\n", 1)[0].decode()
        digits = "".join(ch for ch in line.strip().rstrip(".").rsplit(":", 1)[1] if ch.isdigit())
        return proc, int(digits)
    proc.kill()
    raise SystemExit(f"proxy did not start: {args}")


LATENCIES: dict[str, list[float]] = {}  # per variant, every request's round trip in the measured run
# Per variant, the measured run's CPU seconds a request: (the proxy's process, its whole tree).
CPU: dict[str, tuple[float, float]] = {}


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and its descendants now (the capture's writer process and classifier workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _load(
    proxy_port: int, server_port: int, requests: int, connections: int, record: str = "", rate: float = 0.0
) -> float:
    per = requests // connections
    errors: list[BaseException] = []
    seen: list[float] = []
    gap = connections / rate if rate else 0.0  # seconds between one connection's requests
    start = time.perf_counter() + 0.05

    def worker(n: int) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=30)
            for i in range(per):
                if gap:  # on a schedule, the connections staggered: a late request is not sent early
                    wait = start + (i + n / connections) * gap - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                t0 = time.perf_counter()
                conn.request("POST", f"http://127.0.0.1:{server_port}/collect?n={i}", body=BODY,
                             headers={"Content-Type": "application/json"})  # fmt: skip
                conn.getresponse().read()
                seen.append(time.perf_counter() - t0)
            conn.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    if errors:
        raise SystemExit(f"load failed: {errors[0]!r}")
    if record:
        LATENCIES.setdefault(record, []).extend(seen)
    return per * connections / elapsed


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")


def _stored(db: str) -> int:
    """Flows committed so far, read beside the running proxy (SQLite in WAL mode allows it)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM flows").fetchone()[0])
    except sqlite3.Error:
        return 0


def _bin(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="capture --workers (default: its own)")
    parser.add_argument("--only", default="", help="comma-separated variants to run (default: all)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="send this many requests a second in all, paced (default: as fast as answered)")  # fmt: skip
    parser.add_argument("--backlog", type=int, default=0,
                        help="only this: time Ctrl-C's flush of this many flows held back by a stopped writer")  # fmt: skip
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    if args.backlog:
        _backlog(args, port)
        server.shutdown()
        return
    results: dict[str, float] = {}
    flush = 0.0
    stored = backlog = 0
    with tempfile.TemporaryDirectory() as tmp:
        capture = [_bin("phonehome"), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
                   "--confdir", f"{tmp}/conf"]  # fmt: skip
        if args.workers is not None:
            capture += ["--workers", str(args.workers)]
        runs = {
            "mitmdump": ([_bin("mitmdump"), "--listen-host", "127.0.0.1", "--listen-port", "0",
                          "--set", f"confdir={tmp}/conf", "--set", "flow_detail=0"], "proxy listening at", False),
            "quiet": ([*capture, "--quiet"], "Listening on", False),
            "live": (capture, "Listening on", True),
            "lines": (capture, "Listening on", False),
            # Everything in the proxy's own process: the writer thread classifies and stores.
            "in-process": ([*capture, "--quiet", "--workers", "0"], "Listening on", False),
        }  # fmt: skip
        if args.only:
            runs = {k: v for k, v in runs.items() if k in {"mitmdump", *args.only.split(",")}}
        for round_ in range(args.rounds):
            for name, (cmd, marker, terminal) in runs.items():
                db = f"{tmp}/bench-{name}-{round_}.db"
                full = [*cmd, "--db", db] if name != "mitmdump" else cmd
                proc, proxy_port = _start(full, marker, terminal)
                _load(proxy_port, port, args.connections * 10, args.connections)  # warm up
                tree = _tree(proc.pid)
                own, total = _cpu(proc.pid), sum(_cpu(p) for p in tree)
                rate = _load(proxy_port, port, args.requests, args.connections, record=name, rate=args.rate)
                own, total = _cpu(proc.pid) - own, sum(_cpu(p) for p in tree) - total
                if rate > results.get(name, 0.0):
                    CPU[name] = (own / args.requests, total / args.requests)
                results[name] = max(results.get(name, 0.0), rate)
                committed = _stored(db) if name == "quiet" else 0
                t = time.perf_counter()
                proc.send_signal(signal.SIGINT)
                proc.wait(120)
                if name == "quiet":
                    flush = max(flush, time.perf_counter() - t)
                    stored = _stored(db)
                    backlog = max(backlog, stored - committed)
    server.shutdown()
    m = results["mitmdump"]
    # The rate moves by a tenth from run to run on a shared machine; the CPU a request costs the
    # proxy's own process moves less, and says what the rate would be with a core free for the rest.
    cpu = "; CPU a request, proxy process (with its writer and workers): " + ", ".join(
        f"{k} {own * 1e6:.0f} us ({total * 1e6:.0f})" for k, (own, total) in CPU.items()
    )
    if "quiet" in CPU:
        cpu += f"; mitmdump's / capture --quiet's proxy process {CPU['mitmdump'][0] / CPU['quiet'][0]:.2f}"
    if set(results) != {"mitmdump", "quiet", "live", "lines", "in-process"}:
        print("proxy:", ", ".join(f"{k} {v:,.0f} req/s (ratio {v / m:.2f}, median {_median(LATENCIES[k]) * 1000:.1f} ms, "
                                  f"p99 {_p99(LATENCIES[k]) * 1000:.1f} ms)"
                                  for k, v in results.items()) + cpu)  # fmt: skip
        return
    print(
        f"proxy: {args.requests} POSTs over {args.connections} connections, best of {args.rounds}: mitmdump {m:,.0f} req/s; "
        f"phonehome capture --quiet {results['quiet']:,.0f} (ratio {results['quiet'] / m:.2f}), "
        f"with the live view {results['live']:,.0f} (ratio {results['live'] / m:.2f}), "
        f"line per finding {results['lines']:,.0f} (ratio {results['lines'] / m:.2f}), "
        f"everything in the proxy's process (--workers 0) {results['in-process']:,.0f} "
        f"(ratio {results['in-process'] / m:.2f}, p99 {_p99(LATENCIES['in-process']) * 1000:.1f} ms); "
        f"live view / quiet {results['live'] / results['quiet']:.2f}; "
        f"p99 latency mitmdump {_p99(LATENCIES['mitmdump']) * 1000:.1f} ms, capture --quiet "
        f"{_p99(LATENCIES['quiet']) * 1000:.1f} ms (added {(_p99(LATENCIES['quiet']) - _p99(LATENCIES['mitmdump'])) * 1000:.1f} ms); "
        f"{stored} flows stored, Ctrl-C flush {flush:.1f} s for a backlog of {backlog} flows{cpu}"
    )


def _backlog(args: argparse.Namespace, port: int) -> None:
    """A backlog made on purpose: `phonehome capture --quiet`'s child processes (the writer, and the
    classifiers if any) are stopped (SIGSTOP) while `--backlog` requests go through the proxy, so
    every one of them waits in the proxy; then they are continued and Ctrl-C is sent at once.  The
    time from Ctrl-C to the capture's exit is the flush; every flow must be stored."""
    import psutil

    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/backlog.db"
        cmd = [_bin("phonehome"), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
               "--confdir", f"{tmp}/conf", "--quiet", "--db", db]  # fmt: skip
        if args.workers is not None:
            cmd += ["--workers", str(args.workers)]
        proc, proxy_port = _start(cmd, "Listening on", False)
        warm = args.connections * 10
        _load(proxy_port, port, warm, args.connections)
        deadline = time.monotonic() + 60
        while _stored(db) < warm and time.monotonic() < deadline:  # the warm-up stored: nothing left over
            time.sleep(0.05)
        children = psutil.Process(proc.pid).children(recursive=True)
        for child in children:
            child.suspend()
        _load(proxy_port, port, args.backlog, args.connections)
        before = _stored(db)
        for child in children:
            child.resume()
        t = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        proc.wait(300)
        flush = time.perf_counter() - t
        sent = warm + args.backlog // args.connections * args.connections
        stored = _stored(db)
    print(f"proxy: Ctrl-C flush {flush:.2f} s for a backlog of {sent - before:,} flows (held back by a stopped "
          f"writer); {stored:,} of {sent:,} flows stored; exit {proc.returncode}")  # fmt: skip


if __name__ == "__main__":
    main()
