"""db/writerprocess.py: capture's writer in a process of its own stores every item handed over, from
the event loop or another thread, through a full pipe, and loses nothing when either side dies."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import signal
import struct
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.model import Exchange
from phonehome.db.models import BlindSpot
from phonehome.db.store import Store, StoreError, Unread
from phonehome.db.writerprocess import Config, Frames, WriterProcess, _frame
from sqlalchemy import text

from phonehome.pipeline import make_analyzer
from phonehome.sources.harwrite import HarSpill
from tests.db._poison import hogging

BODY = json.dumps({"imei": "861234567890127", "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d"}).encode()


def _ex(i: int, body: bytes = BODY) -> Exchange:
    return Exchange(
        time=datetime(2024, 5, 1, 8, 0, tzinfo=UTC), method="POST", url=f"https://t.example/collect/{i}",
        request_headers=(("content-type", "application/json"),), request_body=body, status=204,
        fingerprint=f"f{i}", client_address="10.0.0.7",
    )  # fmt: skip


def _start(
    tmp_path: Path, workers: int = 1, db: str | None = None, **kw: object
) -> tuple[WriterProcess, str]:
    db = db or str(tmp_path / "w.db")
    store = Store(db)
    session = store.open_session("t", "capture")
    store.dispose()
    kw.setdefault("analyzer", make_analyzer(None, None))
    config = Config(
        db=db, session_id=session, device="", names={"10.0.0.7": "pixel"},
        spill_path=str(tmp_path / "spill.har"), spill=functools.partial(HarSpill, tmp_path / "spill.har"), workers=workers, max_bytes=16 << 20, parent=os.getpid(),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    writer = WriterProcess(config)
    assert writer.wait_ready(), "the writer process did not start"
    return writer, db


def _count(db: str, sql: str) -> int:
    store = Store(db, create=False)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        store.dispose()


@pytest.mark.parametrize("workers", [1, 2])
def test_items_handed_over_from_the_event_loop_are_all_stored(tmp_path: Path, workers: int) -> None:
    writer, db = _start(tmp_path, workers)

    async def hand_over() -> None:
        for i in range(300):
            if not writer.submit_nowait(_ex(i)):
                assert await asyncio.to_thread(writer.submit, _ex(i))
        item = Unread(time=datetime(2024, 5, 1, tzinfo=UTC), host="pinned.example", client_address="10.0.0.7",
                      server_ip=None, error="client refused the certificate", kind=BlindSpot.CLIENT_TLS)  # fmt: skip
        assert writer.submit_nowait(item)

    asyncio.run(hand_over())
    assert writer.wait_for_lag(0.0, timeout=60)
    view = writer.tally.snapshot()
    assert view.flows == 300 and view.findings == 600 and dict(view.devices) == {"pixel": 300}
    assert dict(view.blind_spots) == {"client_tls": 1}
    feed, dropped = writer.tally.drain()
    assert len(feed) == 600 and dropped == 0 and writer.tally.drain() == ([], 0)
    stats = writer.close()
    assert (stats.stored, stats.findings, stats.tls_failures) == (300, 600, 1)
    assert _count(db, "SELECT count(*) FROM flows WHERE device = 'pixel'") == 300
    assert _count(db, "SELECT count(*) FROM findings") == 600
    assert not writer.process.is_alive() and writer.lost() == []


def test_a_flow_whose_classifying_never_returns_costs_only_its_findings(tmp_path: Path) -> None:
    """One classifier process, the default on 2 or 3 cores: a detector stuck on one flow, holding the
    interpreter, costs that flow's findings; it is stored with a note, and every flow after it is
    classified and stored as before (the writer process never stops storing)."""
    writer, db = _start(tmp_path, 1, analyzer=hogging, timeout=3.0)
    items = [_ex(i) for i in range(40)]
    items[10] = dataclasses.replace(items[10], url="https://t.example/hog/10")
    for item in items:
        assert writer.submit(item)
    assert writer.wait_for_lag(0.0, timeout=60), "the writer process stopped storing"
    stats = writer.close()
    assert stats.stored == 40
    store = Store(db, create=False)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT url, notes, (SELECT count(*) FROM findings f WHERE f.flow_id = flows.id) "
                                     "FROM flows ORDER BY id")).all()  # fmt: skip
    finally:
        store.dispose()
    assert [r[0] for r in rows] == [i.url for i in items]
    assert [r[2] for r in rows] == [0 if i == 10 else 2 for i in range(40)]
    assert "stopped its worker process" in json.loads(rows[10][1])[-1]


def test_a_full_pipe_never_blocks_the_loop_and_the_outbox_is_written_out(tmp_path: Path) -> None:
    """Items far bigger than the pipe: the hook returns at once, the loop writes the rest as it drains."""
    writer, db = _start(tmp_path)
    body = b"x" * 400_000
    longest = 0.0

    async def hand_over() -> None:
        nonlocal longest
        for i in range(30):
            t = time.perf_counter()
            handed = writer.submit_nowait(_ex(i, body))
            longest = max(longest, time.perf_counter() - t)
            if not handed:
                assert await asyncio.to_thread(writer.submit, _ex(i, body))
            await asyncio.sleep(0)
        while writer._outbox:  # the loop writes the rest when the pipe drains
            await asyncio.sleep(0.01)

    asyncio.run(hand_over())
    assert longest < 1.0  # a blocking write of 12 MB into a stalled pipe would take far longer
    assert writer.close().stored == 30
    assert _count(db, "SELECT count(*) FROM flows") == 30


def test_items_from_another_thread_while_the_loop_runs(tmp_path: Path) -> None:
    writer, db = _start(tmp_path)

    async def main() -> None:
        assert writer.submit_nowait(_ex(0))  # the loop is known from here on
        await asyncio.gather(*(asyncio.to_thread(writer.submit, _ex(i)) for i in range(1, 50)))

    asyncio.run(main())
    assert writer.close().stored == 50


def test_the_budget_of_unfinished_bytes_is_kept(tmp_path: Path) -> None:
    writer, _ = _start(tmp_path)
    writer.max_bytes = 50_000
    os.kill(writer.process.pid, signal.SIGSTOP)  # the writer process takes nothing for now
    try:
        handed = [writer.submit_nowait(_ex(i, b"y" * 20_000)) for i in range(5)]
        assert handed[:2] == [True, True] and not any(handed[3:])
    finally:
        os.kill(writer.process.pid, signal.SIGCONT)
    assert writer.close().stored == sum(handed)


def test_a_killed_writer_process_hands_back_what_it_had_not_stored(tmp_path: Path) -> None:
    writer, _ = _start(tmp_path)
    os.kill(writer.process.pid, signal.SIGSTOP)
    for i in range(20):
        assert writer.submit_nowait(_ex(i))
    writer.process.kill()
    deadline = time.monotonic() + 30
    while writer.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not writer.alive and not writer.submit_nowait(_ex(99))
    assert not writer.submit(_ex(100))  # from a thread too: the caller keeps the item
    lost = writer.lost()
    assert [e.url for e in lost] == [f"https://t.example/collect/{i}" for i in range(20)]
    with pytest.raises(StoreError, match="writer process stopped \\(killed by signal 9\\)"):
        writer.close(timeout=10)


def test_when_the_proxy_process_ends_the_writer_stores_all_it_received(tmp_path: Path) -> None:
    """The proxy's process is killed: its writer process reads what is in the pipe, stores it, exits."""
    db = str(tmp_path / "w.db")
    script = f"""
import os, sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_writerprocess import _ex, _start
from pathlib import Path
writer, _ = _start(Path({str(tmp_path)!r}), db={db!r})
print(writer.process.pid, flush=True)
for i in range(200):
    writer.submit(_ex(i))
print("handed", flush=True)
time.sleep(60)
"""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert proc.stdout.readline().strip() == "handed"
    proc.kill()
    proc.wait(30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the writer process outlived the proxy's by a minute")
    assert _count(db, "SELECT count(*) FROM flows") == 200


def test_a_database_that_fails_is_said_and_its_flows_spilled(tmp_path: Path) -> None:
    db = tmp_path / "gone.db"
    writer, _ = _start(tmp_path, db=str(db))
    with Store(str(db), create=False).engine.begin() as conn:
        conn.execute(text("DROP TABLE findings"))
        conn.execute(text("DROP TABLE flows"))
    for i in range(5):
        assert writer.submit_nowait(_ex(i))
    with pytest.raises(StoreError, match="5 flows were saved to the spill file"):
        writer.close()
    spilled = json.loads((tmp_path / "spill.har").read_text())
    assert len(spilled["log"]["entries"]) == 5


def test_frames_are_what_multiprocessing_reads() -> None:
    assert _frame(5) == struct.pack("!i", 5)
    assert _frame(1 << 31) == struct.pack("!i", -1) + struct.pack("!Q", 1 << 31)


def _framed(item: bytes, long_header: bool) -> bytes:
    """An item as the proxy frames it; with `long_header`, the form used beyond 2 GB."""
    if long_header:
        return struct.pack("!i", -1) + struct.pack("!Q", len(item)) + item
    return _frame(len(item)) + item


@settings(max_examples=300)
@given(
    items=st.lists(st.tuples(st.binary(max_size=300), st.booleans()), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=8),
    short=st.integers(min_value=1, max_value=20),
)
def test_the_items_are_cut_out_of_the_stream_whatever_the_reads(
    items: list[tuple[bytes, bool]], cuts: list[int], short: int
) -> None:
    """Whatever sizes the pipe's reads come in, the items come out whole and in order; an item cut
    short at the end of the stream (the proxy killed while writing it) is not given."""
    stream = b"".join(_framed(item, long) for item, long in items)
    last = len(_framed(*items[-1])) if items else 0
    cut_short = stream[: len(stream) - min(short, last)]  # into the last item's frame, not before it
    points = sorted({min(c, len(cut_short)) for c in cuts})
    frames, got = Frames(), []
    for start, end in zip([0, *points], [*points, len(cut_short)], strict=True):
        assert frames.feed(cut_short[start:end]) or start == end
        got.extend(frames.items())
    whole = [item for item, _ in items]
    assert got == (whole[:-1] if whole else [])
    assert frames.feed(stream[len(cut_short) :]) or not whole
    assert list(frames.items()) == whole[-1:]
    assert frames.feed(b"") is False


def test_a_length_no_frame_has_stops_the_reader() -> None:
    frames = Frames()
    frames.feed(_frame(1) + b"a" + struct.pack("!i", -5) + b"zzzz")
    with pytest.raises(OSError, match="corrupt frame"):
        list(frames.items())


def test_the_writer_process_reads_a_backlog_bigger_than_its_pipe_in_order(tmp_path: Path) -> None:
    """Thousands of items written while the writer process is stopped: all stored, in their order."""
    writer, db = _start(tmp_path)
    os.kill(writer.process.pid, signal.SIGSTOP)
    try:

        async def hand_over() -> None:
            for i in range(3000):
                if not writer.submit_nowait(_ex(i)):
                    assert await asyncio.to_thread(writer.submit, _ex(i))
            await asyncio.sleep(0)

        asyncio.run(hand_over())
    finally:
        os.kill(writer.process.pid, signal.SIGCONT)
    assert writer.close().stored == 3000
    store = Store(db, create=False)
    try:
        with store.engine.connect() as conn:
            urls = conn.execute(text("SELECT url FROM flows ORDER BY id")).scalars().all()
    finally:
        store.dispose()
    assert urls == [f"https://t.example/collect/{i}" for i in range(3000)]


def test_the_writer_process_runs_below_the_proxy(tmp_path: Path) -> None:
    writer, _ = _start(tmp_path)
    try:
        assert os.getpriority(os.PRIO_PROCESS, writer.process.pid) > os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        writer.close()


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="one CPU"
)
def test_the_writer_process_and_its_classifiers_leave_the_proxy_a_cpu(tmp_path: Path) -> None:
    writer, _ = _start(tmp_path, workers=2)
    try:
        mine = os.sched_getaffinity(0)
        kept = mine - {min(mine)}
        assert os.sched_getaffinity(writer.process.pid) == kept
        kids = [k.pid for k in psutil.Process(writer.process.pid).children(recursive=True)]
        assert len(kids) >= 2  # its fork server and classifiers
        assert all(os.sched_getaffinity(pid) == kept for pid in kids)
    finally:
        writer.close()
    (tmp_path / "plain").mkdir()
    plain, _ = _start(tmp_path / "plain", spare_a_cpu=False)
    try:
        assert os.sched_getaffinity(plain.process.pid) == os.sched_getaffinity(0)
    finally:
        plain.close()


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="one CPU"
)
def test_when_the_proxy_is_done_the_flush_has_every_cpu(tmp_path: Path) -> None:
    from tests.db._poison import slow

    writer, db = _start(tmp_path, analyzer=slow)
    seen: list[set[int]] = []
    try:
        pid = writer.process.pid
        for i in range(60):  # 1.2 s of classifying: still flushing when the stop arrives
            assert writer.submit(_ex(i))
        seen.append(os.sched_getaffinity(pid))
        closing = threading.Thread(target=writer.close)
        closing.start()
        while closing.is_alive():
            with contextlib.suppress(OSError):
                seen.append(os.sched_getaffinity(pid))
            time.sleep(0.005)
        closing.join()
    finally:
        writer.close()
    mine = os.sched_getaffinity(0)
    assert seen[0] == mine - {min(mine)}  # while the proxy runs
    assert mine in seen  # and once it is done
    assert _count(db, "SELECT count(*) FROM flows") == 60


def test_sparing_a_cpu_keeps_all_but_the_first_or_the_only_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from phonehome.db import writerprocess

    def pretend(cpus: set[int]) -> dict[str, set[int]]:
        state = {"cpus": set(cpus)}
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(state["cpus"]), raising=False)
        monkeypatch.setattr(os, "sched_setaffinity", lambda pid, c: state.update(cpus=set(c)), raising=False)
        return state

    for allowed, kept in (({0, 1}, {1}), ({2, 5, 7}, {5, 7}), ({3}, {3})):
        state = pretend(allowed)
        given_back = writerprocess.spare_a_cpu()
        assert state["cpus"] == kept
        assert given_back == (frozenset(allowed) if len(allowed) > 1 else frozenset())

    def refuse(pid: int, cpus: object) -> None:
        raise PermissionError("not in this container")

    pretend({0, 1})
    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    assert writerprocess.spare_a_cpu() == frozenset()
    writerprocess.share_the_cpus(frozenset({0, 1}), [os.getpid()])  # refused: said nothing, raised nothing


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=700), max_size=12),
    chunks=st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=6),
)
def test_items_are_read_whole_from_a_real_pipe_through_the_reused_buffer(
    sizes: list[int], chunks: list[int]
) -> None:
    """The writer process reads its pipe into one buffer it keeps (a new megabyte object a read cost
    20 µs): items longer than that buffer, and writes cut anywhere, still come out whole, in order,
    each its own copy, until the pipe ends."""
    import threading

    from phonehome.db import writerprocess

    items = [bytes([i % 251]) * size for i, size in enumerate(sizes)]
    stream = b"".join(_frame(len(item)) + item for item in items)
    read, write = os.pipe()

    def writing() -> None:
        at, k = 0, 0
        while at < len(stream):
            step = chunks[k % len(chunks)]
            os.write(write, stream[at : at + step])
            at, k = at + step, k + 1
        os.close(write)

    old = writerprocess.READ_SIZE
    writerprocess.READ_SIZE = 97  # far below the items: one item takes many reads
    try:
        writer = threading.Thread(target=writing)
        writer.start()
        with os.fdopen(read, "rb", buffering=0) as pipe:
            got = list(writerprocess._received(pipe, os.getpid()))
        writer.join()
    finally:
        writerprocess.READ_SIZE = old
    assert got == items


def test_without_a_live_view_the_writer_process_reports_what_it_finished_only(tmp_path: Path) -> None:
    """`Config.live` False (`capture --quiet`, `mitmdump -s`): no running counts and no findings one
    by one cross the pipe, yet the finished count does, so the proxy lets go of what is stored."""
    writer, db = _start(tmp_path, live=False)

    async def hand_over() -> None:
        for i in range(200):
            if not writer.submit_nowait(_ex(i)):
                assert await asyncio.to_thread(writer.submit, _ex(i))

    asyncio.run(hand_over())
    deadline = time.monotonic() + 60
    while writer.lag() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer.lag() == 0, "the finished count never came back"
    assert writer.tally.snapshot().flows == 0 and writer.tally.drain() == ([], 0)
    writer.close()
    assert _count(db, "SELECT count(*) FROM flows") == 200
    assert _count(db, "SELECT count(*) FROM findings") == 400
