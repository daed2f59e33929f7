"""Cost of classifying one typical tracker request: a ~2 KB form body of base64(gzip(JSON)) events.

    python benchmarks/classify.py [--n 2000]

Prints one summary line: microseconds per request for decode alone and for the full analysis.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers.decode import decode  # noqa: E402
from classifiers.model import Exchange  # noqa: E402
from classifiers.registry import analyze  # noqa: E402


def tracker_request() -> Exchange:
    events = [
        {
            "event": "page_view", "time": 1763625600000 + i, "distinct_id": "7c3e91a4d2f60b58",
            "properties": {"url": f"https://news.example.org/article/{i}?ref=home", "title": "A headline " * 3,
                           "$model": "23021RAAEG", "$os_version": "13", "$carrier": "Movistar",
                           "search_word": "weather madrid", "session": i},
        }
        for i in range(12)
    ]  # fmt: skip
    data = base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()
    body = urlencode({"crc": "1234567", "gzip": "1", "data_list": data}).encode()
    return Exchange(
        time=datetime.now(UTC), method="POST", url="https://sa.api.intl.miui.com/sa?project=global_browser",
        request_headers=(("Content-Type", "application/x-www-form-urlencoded"),
                         ("User-Agent", "Dalvik/2.1.0 (Linux; U; Android 13; 23021RAAEG Build/TKQ1.221114.001)")),
        request_body=body,
    )  # fmt: skip


def _per_call(fn, arg, n: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            fn(arg)
        best = min(best, (time.perf_counter() - t) / n)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    ex = tracker_request()
    layers = max(len(f.encodings) for f in decode(ex).fields)
    d = _per_call(decode, ex, args.n)
    a = _per_call(analyze, ex, args.n)
    print(
        f"classify: {len(ex.request_body)} B body, {layers} layers, {len(analyze(ex).findings)} findings: "
        f"decode {d:.0f} µs, decode+detect {a:.0f} µs per request (best of 5 x {args.n})"
    )


if __name__ == "__main__":
    main()
