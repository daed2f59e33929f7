"""Time and memory of a replay of hostile files: each must be linear in size, never a multiple of it.

    python benchmarks/hostile.py [--scale 1.0]

Three files a tester once used, each beside 100 ordinary entries, each replayed (read, classified,
stored) in its own process:

- deep: one entry with a value nested 100,000 levels deep (about 1.2 MB; once 10.8 GB of memory);
- escaped: one entry whose body is a 48 MB JSON document, so JSON-escaped in the HAR (once 205 s
  and 722 MB);
- multipart: one entry whose body has 100,000 multipart parts (once 11.7 s for one flow).

`--scale` shrinks or grows the escaped and multipart bodies (for a quick look). Prints one line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import launched, read_launched  # noqa: E402


def _good(i: int) -> dict[str, object]:
    return {
        "startedDateTime": f"2026-11-20T08:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "request": {
            "method": "GET",
            "url": f"https://good.example.com/{i}?imei=861234567890127",
            "headers": [],
        },
        "response": {"status": 200, "headers": []},
    }


def _write(path: Path, special: str) -> Path:
    """100 ordinary entries and the special one (already JSON text) in the middle."""
    head = ",".join(json.dumps(_good(i)) for i in range(50))
    tail = ",".join(json.dumps(_good(50 + i)) for i in range(50))
    path.write_text('{"log": {"version": "1.2", "entries": [' + head + "," + special + "," + tail + "]}}")
    return path


def deep(path: Path) -> Path:
    entry = json.dumps(_good(1000))[:-1] + ', "_custom": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return _write(path, entry)


def escaped(path: Path, scale: float) -> Path:
    events = [{"event": "screen_view", "screen": f"com.example.Screen{i}", "note": 'quote " and \\ slash'}
              for i in range(int(480_000 * scale))]  # fmt: skip
    body = json.dumps({"events": events})  # about 48 MB at scale 1
    entry = {
        "startedDateTime": "2026-11-20T09:00:00Z",
        "request": {"method": "POST", "url": "https://big.example.com/upload", "headers": [],
                    "postData": {"mimeType": "application/json", "text": body}},
        "response": {"status": 200, "headers": []},
    }  # fmt: skip
    return _write(path, json.dumps(entry))


def multipart(path: Path, scale: float) -> Path:
    parts = int(100_000 * scale)
    body = "".join(
        f'--b\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nv{i}\r\n' for i in range(parts)
    )
    entry = {
        "startedDateTime": "2026-11-20T09:00:00Z",
        "request": {"method": "POST", "url": "https://parts.example.com/upload", "headers": [],
                    "postData": {"mimeType": "multipart/form-data; boundary=b", "text": body + "--b--\r\n"}},
        "response": {"status": 200, "headers": []},
    }  # fmt: skip
    return _write(path, json.dumps(entry))


def _replay(har: Path, db: Path) -> tuple[float, float, int, int]:
    """Replayed in a process of its own, started by the launcher of benchmarks/_common.py: its peak
    RSS is its own, not this script's (which built the file)."""
    code = (
        "import time;from phonehome.db.store import Store;from phonehome.pipeline import replay;"
        f"s=Store({str(db)!r});t=time.perf_counter();r=replay(s,[{str(har)!r}]);dt=time.perf_counter()-t;"
        "f=r.files[0];print(dt, f.stored, f.entries+f.skipped_total)"
    )
    report = db.with_suffix(".launched")
    out = subprocess.run(
        launched([sys.executable, "-c", code], report), check=True, capture_output=True, text=True
    )
    dt, stored, total = out.stdout.split()
    return float(dt), read_launched(report).peak_rss_mb, int(stored), int(total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, make in (
            ("deep", lambda p: deep(p)),
            ("escaped", lambda p: escaped(p, args.scale)),
            ("multipart", lambda p: multipart(p, args.scale)),
        ):
            har = make(folder / f"{name}.har")
            size = har.stat().st_size / 1e6
            dt, rss, stored, total = _replay(har, folder / f"{name}.db")
            parts.append(
                f"{name} ({size:.1f} MB): {dt:.1f} s, peak RSS {rss:.0f} MB, {stored} of {total} stored"
            )
    print("hostile: " + "; ".join(parts))


if __name__ == "__main__":
    main()
