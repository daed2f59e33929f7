"""Proxy throughput with phonehome's capture addon, beside plain mitmdump, on loopback.

    python benchmarks/proxy.py [--requests 2000] [--connections 8]

A local HTTP server on 127.0.0.1, each proxy on a free port, keep-alive clients posting a small
tracker-like JSON body with personal data.  Both proxies run one after the other in the same
process tree, so the ratio is what to compare.  Prints one summary line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
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


def _start(args: list[str], marker: str) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sel.select(deadline - time.monotonic()):
        line = proc.stdout.readline().decode()
        if marker in line:
            # Keep draining output so the proxy never blocks on a full pipe.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, int(line.split(marker, 1)[1].strip().rstrip(".").rsplit(":", 1)[1])
        if not line:
            break
    proc.kill()
    raise SystemExit(f"proxy did not start: {args}")


def _load(proxy_port: int, server_port: int, requests: int, connections: int) -> float:
    per = requests // connections
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=30)
            for i in range(per):
                conn.request("POST", f"http://127.0.0.1:{server_port}/collect?n={i}", body=BODY,
                             headers={"Content-Type": "application/json"})  # fmt: skip
                conn.getresponse().read()
            conn.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    if errors:
        raise SystemExit(f"load failed: {errors[0]!r}")
    return per * connections / elapsed


def _bin(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            "mitmdump": ([_bin("mitmdump"), "--listen-host", "127.0.0.1", "--listen-port", "0",
                          "--set", f"confdir={tmp}/conf", "--set", "flow_detail=0"], "proxy listening at"),
            "phonehome": ([_bin("phonehome"), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
                           "--confdir", f"{tmp}/conf", "--db", f"{tmp}/bench.db"], "Listening on"),
        }  # fmt: skip
        for name, (cmd, marker) in runs.items():
            proc, proxy_port = _start(cmd, marker)
            _load(proxy_port, port, args.connections * 10, args.connections)  # warm up
            results[name] = _load(proxy_port, port, args.requests, args.connections)
            t = time.perf_counter()
            proc.send_signal(signal.SIGINT)
            proc.wait(120)
            if name == "phonehome":
                results["flush"] = time.perf_counter() - t
        stored = subprocess.run(
            [_bin("phonehome"), "flows", "--db", f"{tmp}/bench.db", "--format", "jsonl"],
            capture_output=True,
            text=True,
        ).stdout.count("\n")
    server.shutdown()
    print(
        f"proxy: {args.requests} POSTs over {args.connections} connections: mitmdump {results['mitmdump']:,.0f} req/s, "
        f"phonehome capture {results['phonehome']:,.0f} req/s (ratio {results['phonehome'] / results['mitmdump']:.2f}); "
        f"{stored} flows stored, Ctrl-C flush {results['flush']:.1f} s"
    )


if __name__ == "__main__":
    main()
