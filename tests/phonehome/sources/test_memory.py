"""Reading a file holds one entry at a time: memory does not grow with the file (no timing here).

Peaks are measured with tracemalloc, which counts Python's own allocations exactly, so the margins
below are far from noise: keeping every entry, its raw text or its parsed form would cost megabytes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow
from phonehome.classifiers.model import Exchange

from phonehome.sources import Item, open_source
from phonehome.sources.har import Occurrences

MB = 1 << 20


def _entry(i: int) -> dict[str, object]:
    body = json.dumps(
        {
            "imei": "861234567890127",
            "email": f"user{i}@example.com",
            "lat": 40.4169,
            "n": i,
            "events": [{"name": f"screen{n}", "ts": 1700000000 + n} for n in range(40)],
        }  # fmt: skip
    )
    return {
        "startedDateTime": f"2026-11-20T08:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 10}00Z",
        "request": {
            "method": "POST",
            "url": f"https://tracker.example/v1/events?seq={i}",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "User-Agent", "value": "okhttp/4.11.0"}, {"name": "X-Id", "value": str(i)}],
            "postData": {"mimeType": "application/json", "text": body},
        },
        "response": {"status": 200, "headers": [], "content": {"size": 3000, "text": "x" * 3000}},
    }


def _har(path: Path, entries: Iterator[dict[str, object]], compress: bool = False) -> Path:
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:  # type: ignore[operator]
        f.write(b'{"log": {"version": "1.2", "entries": [\n')
        for n, e in enumerate(entries):
            f.write((b",\n" if n else b"") + json.dumps(e).encode())
        f.write(b"\n]}}")
    return path


def _dump(path: Path, n: int) -> Path:
    with open(path, "wb") as f:
        writer = FlowWriter(f)
        for i in range(n):
            flow = tflow.tflow(resp=True)
            flow.request.path = f"/v1/events?seq={i}"
            flow.request.content = json.dumps(_entry(i)).encode() * 2
            writer.add(flow)
    return path


def _peak(path: Path, each: Callable[[Item], None] = lambda _: None) -> tuple[int, int]:
    """(items read, peak bytes traced) while reading the whole file."""
    tracemalloc.start()
    try:
        n = 0
        for item in open_source(path):
            assert isinstance(item, Exchange), item
            each(item)
            n += 1
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["har", "har.gz", "flows"])
def test_memory_does_not_grow_with_the_file(tmp_path: Path, kind: str) -> None:
    def make(n: int) -> Path:
        path = tmp_path / f"{n}.{kind}"
        if kind == "flows":
            return _dump(path, n)
        return _har(path, (_entry(i) for i in range(n)), compress=kind == "har.gz")

    n = 100 if kind == "flows" else 250  # mitmproxy's reader is slow under tracemalloc
    small, big = make(n), make(4 * n)
    size = len(gzip.decompress(big.read_bytes())) if kind == "har.gz" else big.stat().st_size
    assert size > 3 * MB  # keeping the entries would show
    n_small, peak_small = _peak(small)
    n_big, peak_big = _peak(big)
    assert (n_small, n_big) == (n, 4 * n)
    # 3n more entries of 4 to 8 KB: keeping each, its raw text or its parsed form costs 2.5 MB and
    # more; what may grow is the table that tells identical entries apart (at most 32 bytes each).
    assert peak_big - peak_small < 256 * 1024, (peak_small, peak_big)


@pytest.mark.parametrize("kind", ["har", "flows"])
def test_a_big_entry_is_not_held_while_its_flow_is_used(tmp_path: Path, kind: str) -> None:
    body = bytes(range(256)) * (8 * MB // 256)
    if kind == "har":
        entries = [_entry(i) for i in range(5)]
        entries[2]["request"]["postData"] = {  # type: ignore[index]
            "mimeType": "application/octet-stream",
            "encoding": "base64",
            "text": base64.b64encode(body).decode(),
        }
        path = _har(tmp_path / "big.har", iter(entries))
        entry_size = len(json.dumps(entries[2]))
    else:
        flows = [tflow.tflow(resp=True) for _ in range(5)]
        flows[2].request.content = body
        path = tmp_path / "big.flows"
        with open(path, "wb") as f:
            writer = FlowWriter(f)
            for one in flows:
                writer.add(one)
        entry_size = len(body)
        del flows
    held: list[int] = []

    def each(item: Item) -> None:
        assert isinstance(item, Exchange)
        if len(item.request_body) == len(body):
            held.append(tracemalloc.get_traced_memory()[0])

    _, peak = _peak(path, each)
    assert held
    # While its flow is classified, only the body (8 MB) and the scanner's last read are held: not
    # the entry's bytes (10.7 MB in the HAR), its text, its parsed form or mitmproxy's flow.
    assert held[0] < len(body) + 2 * MB, held
    # Cutting and parsing it: its text and the parsed string (2 x 10.7 MB) at once, then the body.
    assert peak < 2 * entry_size + len(body) + 4 * MB, peak


def test_occurrences_count_repeats_in_a_compact_table() -> None:
    seen = Occurrences(capacity=4)
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(10_000)]
    assert [seen.count(d) for d in digests] == [0] * 10_000
    assert [seen.count(digests[7]) for _ in range(3)] == [1, 2, 3]
    assert seen.count(digests[8]) == 1
    assert len(seen) == 10_000
    assert seen.nbytes() <= 32 * 10_000
    # Digests that share their first 8 bytes are counted together: still told apart by the caller,
    # which adds the count to the full digest.
    twin = digests[0][:8] + b"\x00" * 24
    assert seen.count(twin) == 1
    assert seen.count(b"\x00" * 32) == 0  # the free-slot marker is a key like any other
    assert seen.count(b"\x00" * 32) == 1


def test_replay_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """The whole path, read -> classify -> store: 80 bodies of 1 MB cost what 20 do."""
    from phonehome.db.store import Store

    from phonehome.pipeline import replay

    text = ("lorem ipsum dolor sit amet " * 40_000)[:MB]

    def entry(i: int) -> dict[str, object]:
        e = _entry(i)
        e["request"]["postData"] = {"mimeType": "text/plain", "text": f"{text}{i}"}  # type: ignore[index]
        return e

    peaks = []
    for n in (20, 80):
        har = _har(tmp_path / f"{n}.har", (entry(i) for i in range(n)))
        store = Store(str(tmp_path / f"{n}.db"))
        tracemalloc.start()
        try:
            report = replay(store, [har])
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
            store.dispose()
        assert report.stored == n
        har.unlink()
    # 60 MB more of bodies: a reader that runs ahead of classification by a bounded number of
    # bytes holds the same few MB at either size.
    assert peaks[1] - peaks[0] < 20 * MB, [p // MB for p in peaks]
