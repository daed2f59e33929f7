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
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonehome.classifiers.decode.request import decode  # noqa: E402
from phonehome.classifiers.model import Exchange  # noqa: E402
from phonehome.classifiers.registry import analyze  # noqa: E402


def tracker_request() -> Exchange:
    """A typical analytics upload: a 2 KB form body, `data=base64(JSON events)`: form, base64, JSON."""
    events: list[dict[str, Any]] = [
        {
            "event": name, "properties": {
                "time": 1763625600 + i, "distinct_id": "7c3e91a4d2f60b58", "$os": "Android",
                "$os_version": "13", "$model": "23021RAAEG", "$carrier": "Movistar", "$screen_width": 1080,
                "mp_lib": "android", "$app_version_string": "5.2.1", "screen_name": f"Screen{i}",
                "duration": 1200 + i,
            },
        }
        for i, name in enumerate(["app_open", "view_item", "search", "add_to_cart", "checkout"])
    ]  # fmt: skip
    events[2]["properties"]["query"] = "running shoes"
    data = base64.b64encode(json.dumps(events).encode()).decode()
    body = urlencode({"data": data, "ip": "1", "verbose": "0"}).encode()
    return Exchange(
        time=datetime.now(UTC), method="POST", url="https://api-js.mixpanel.com/track/?ip=1",
        request_headers=(("Content-Type", "application/x-www-form-urlencoded"),
                         ("User-Agent", "Dalvik/2.1.0 (Linux; U; Android 13; 23021RAAEG Build/TKQ1.221114.001)")),
        request_body=body,
    )  # fmt: skip


def mi_browser_request() -> Exchange:
    """A heavier one: Mi Browser's `data_list=base64(gzip(JSON array of 12 events))`, four layers."""
    events: list[dict[str, Any]] = [
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


def _line(name: str, ex: Exchange, n: int) -> str:
    decoded = decode(ex)
    # Real layers only: `list` and `column` name joined views the decoder adds, not wrapping.
    layers = max(len([e for e in f.encodings if e not in ("list", "column")]) for f in decoded.fields)
    d = _per_call(decode, ex, n)
    a = _per_call(analyze, ex, n)
    return (
        f"{name} ({len(ex.request_body)} B body, {layers} layers, {len(decoded.fields)} fields, "
        f"{len(analyze(ex).findings)} findings): decode {d:.0f} µs, decode+detect {a:.0f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"classify: {_line('typical', tracker_request(), args.n)}; "
        f"{_line('mi-browser', mi_browser_request(), args.n // 4)} (best of 5, one core)"
    )


if __name__ == "__main__":
    main()
