"""db/workers.py: classification in worker processes gives the same analyses as in-process, and a
worker that crashes or hangs costs only the flow that brought it down."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from phonehome.classifiers.detect.known import KnownValues
from phonehome.classifiers.model import Exchange
from phonehome.db.store import Store, Writer
from phonehome.db.workers import ClassifierPool, PoolBroken
from sqlalchemy import text

from phonehome.pipeline import make_analyzer
from phonehome.sources import open_source
from tests.db._poison import Unimportable, Unreadable, bulky, crashing_or_hanging, hogging

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
T = datetime(2026, 12, 6, tzinfo=UTC)


def _corpus() -> list[Exchange]:
    return [item for item in open_source(CORPUS / "corpus.har") if isinstance(item, Exchange)]


def test_the_same_analyses_as_in_this_process_on_the_corpus() -> None:
    """Findings, destinations, notes, apps: equal, flow by flow, with the user's known values too."""
    exchanges = _corpus()
    known = KnownValues.from_toml(CORPUS / "known.toml")
    analyzer = make_analyzer(known)
    expected = [analyzer(e) for e in exchanges]
    with ClassifierPool(analyzer, 2) as pool:
        got = pool.classify(exchanges)
    assert len(got) == len(expected) == len(exchanges) > 400
    for e, g in zip(expected, got, strict=True):
        assert g.exchange is e.exchange or g.exchange == e.exchange
        assert (g.findings, g.destination, g.notes, g.app, g.app_evidence, g.fields) == (
            e.findings, e.destination, e.notes, e.app, e.app_evidence, e.fields,
        )  # fmt: skip
    assert sum(len(a.findings) for a in got) > 1000


def _ex(path: str, n: int = 0) -> Exchange:
    return Exchange(T, "GET", f"https://t.example{path}?imei=861234567890127&n={n}", fingerprint=f"{path}{n}")


def test_a_crash_or_a_hang_costs_only_that_flow_and_the_worker_is_replaced() -> None:
    batch = [_ex("/ok", 1), _ex("/crash"), _ex("/ok", 2), _ex("/hang"), _ex("/raise"), _ex("/ok", 3)]
    with ClassifierPool(crashing_or_hanging, 2, timeout=3.0) as pool:
        got = pool.classify(batch)
        assert [a.exchange for a in got] == batch  # in order, every one
        assert [len(a.findings) for a in got] == [1, 0, 1, 0, 0, 1]
        for a in (got[1], got[3]):
            assert a.notes and "stopped its worker process" in a.notes[0]
        assert got[4].notes == ("analysis failed: ValueError: a detector broke",)
        assert pool.stats.lost == 2 and pool.stats.replaced >= 2
        # The pool keeps serving afterwards.
        again = pool.classify([_ex("/ok", 4), _ex("/ok", 5)])
        assert [len(a.findings) for a in again] == [1, 1]


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="one CPU"
)
def test_workers_run_where_they_are_told_those_started_later_too() -> None:
    """A capture's flush gives its classifiers every CPU (db/writerprocess.py); one replaced during
    the flush is forked by a server that still has fewer, and must be told too."""
    one = frozenset({max(os.sched_getaffinity(0))})
    with ClassifierPool(crashing_or_hanging, 1, timeout=3.0) as pool:
        first = pool.pids()
        pool.run_on(one)
        assert [os.sched_getaffinity(pid) for pid in first] == [one]
        got = pool.classify([_ex("/crash"), _ex("/ok", 1)])
        assert [len(a.findings) for a in got] == [0, 1]
        assert pool.stats.replaced >= 1 and pool.pids() != first
        assert [os.sched_getaffinity(pid) for pid in pool.pids()] == [one]


def test_workers_that_cannot_start_say_so() -> None:
    pool = ClassifierPool(Unimportable(), 1, timeout=30.0)  # type: ignore[arg-type]
    try:
        with pytest.raises(PoolBroken):
            pool.classify([_ex("/ok", 1)])
    finally:
        pool.close()


def test_the_writer_stores_every_flow_and_counts_the_lost(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    try:
        sid = store.open_session("w", "replay")
        with ClassifierPool(crashing_or_hanging, 2, timeout=3.0) as pool:
            writer = Writer(store, sid, device="w", pool=pool).start()
            for item in [_ex("/ok", 1), _ex("/crash"), _ex("/ok", 2)]:
                writer.submit(item)
            stats = writer.close()
        assert (stats.stored, stats.findings, stats.failed_analyses) == (3, 2, 1)
        assert any("stopped a classifier process" in p for p in stats.problems)
    finally:
        store.dispose()


def test_the_writer_falls_back_to_this_process_when_workers_cannot_start(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "f.db"))
    try:
        sid = store.open_session("f", "replay")
        pool = ClassifierPool(Unimportable(), 1)  # type: ignore[arg-type]
        writer = Writer(store, sid, device="f", pool=pool).start()
        writer.submit(_ex("/ok", 1))
        stats = writer.close()
        pool.close()
        assert (stats.stored, stats.findings) == (1, 1)
        assert any("classifier processes do not start" in p for p in stats.problems)
    finally:
        store.dispose()


def test_wait_ready_says_whether_workers_started() -> None:
    with ClassifierPool(crashing_or_hanging, 2) as pool:
        assert pool.wait_ready()
        assert [len(a.findings) for a in pool.classify([_ex("/ok", 9)])] == [1]
    broken = ClassifierPool(Unimportable(), 1)  # type: ignore[arg-type]
    try:
        assert not broken.wait_ready(timeout=60)
    finally:
        broken.close()


def test_submissions_overlap_and_come_back_in_order_even_when_one_crashes() -> None:
    """The writer sends batch N+1 before it stores batch N: each comes back whole, in order."""
    first = [_ex("/ok", i) for i in range(6)]
    second = [_ex("/ok", 10), _ex("/crash"), _ex("/ok", 11), _ex("/ok", 12)]
    with ClassifierPool(crashing_or_hanging, 2, timeout=10.0) as pool:
        sent_first = pool.submit(first)
        sent_second = pool.submit(second)
        got_first = pool.collect(sent_first)
        got_second = pool.collect(sent_second)
    assert [a.exchange for a in got_first] == first and all(len(a.findings) == 1 for a in got_first)
    assert [a.exchange for a in got_second] == second
    assert [len(a.findings) for a in got_second] == [1, 0, 1, 1] and pool.stats.lost == 1


def test_a_next_part_and_an_answer_bigger_than_their_pipes_do_not_wait_for_each_other() -> None:
    """Batch N+1 is sent while the worker sends batch N's answer: with both bigger than a pipe holds,
    each side once waited for the other forever (a capture under load stopped storing)."""
    big = [Exchange(time=datetime(2024, 1, 1, tzinfo=UTC), method="POST", url=f"https://t.example/{i}",
                    request_body=b"a" * 300_000) for i in range(4)]  # fmt: skip
    result: list[int] = []

    def pipeline() -> None:
        with ClassifierPool(bulky, 1, timeout=60.0) as pool:
            first = pool.submit(big[:2])
            second = pool.submit(big[2:])
            result.extend(len(a.notes[-1]) for a in pool.collect(first) + pool.collect(second))

    thread = threading.Thread(target=pipeline, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the parent and its worker wait for each other"
    assert result == [200_000] * 4


def test_a_part_the_worker_cannot_read_costs_only_its_unreadable_flow() -> None:
    """A part that fails to load in the worker (MemoryError, say) stops that worker, which is
    replaced; the part is classified again one exchange at a time.  Before, the worker's reading
    thread died alone: the worker waited for parts forever, and its parent, with the next part
    bigger than the pipe, waited to send it, past every deadline (the replay hung)."""
    bad = Exchange(T, "GET", "https://t.example/unreadable", notes=(Unreadable(),), fingerprint="bad")  # type: ignore[arg-type]
    first = [_ex("/ok", 1), bad, _ex("/ok", 2)]
    second = [Exchange(T, "POST", f"https://t.example/big?imei=861234567890127&n={i}", request_body=b"a" * 300_000)
              for i in range(2)]  # fmt: skip
    result: list[list[int]] = []

    def pipeline() -> None:
        with ClassifierPool(crashing_or_hanging, 1, timeout=60.0) as pool:
            sent_first = pool.submit(first)
            sent_second = pool.submit(second)
            got = pool.collect(sent_first) + pool.collect(sent_second)
            assert [a.exchange for a in got] == [*first, *second]
            assert "stopped its worker process" in got[1].notes[-1]
            assert pool.stats.lost == 1 and pool.stats.replaced >= 2
            result.append([len(a.findings) for a in got])

    thread = threading.Thread(target=pipeline, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the parent waits for a worker that reads no more"
    assert result == [[1, 0, 1, 1, 1]]


def test_a_worker_that_hangs_holding_the_interpreter_is_replaced_while_the_next_part_waits() -> None:
    """A detector stuck in C (a regular expression backtracking for ever) holds the worker's lock:
    its reading thread stops too, the pipe fills, and the parent's send of the next part would
    wait past every deadline.  The worker is killed at its deadline whatever the parent is doing."""
    first = [_ex("/ok", 1), _ex("/hog"), _ex("/ok", 2)]
    second = [Exchange(T, "POST", f"https://t.example/big?imei=861234567890127&n={i}", request_body=b"a" * 300_000)
              for i in range(2)]  # fmt: skip
    result: list[list[int]] = []

    def pipeline() -> None:
        with ClassifierPool(hogging, 1, timeout=3.0) as pool:
            assert pool.wait_ready()  # a worker still starting gets START_TIMEOUT (a capture waits so)
            sent_first = pool.submit(first)
            sent_second = pool.submit(second)
            got = pool.collect(sent_first) + pool.collect(sent_second)
            assert [a.exchange for a in got] == [*first, *second]
            assert "stopped its worker process" in got[1].notes[-1]
            assert pool.stats.lost == 1
            result.append([len(a.findings) for a in got])

    thread = threading.Thread(target=pipeline, daemon=True)
    thread.start()
    thread.join(90)
    assert not thread.is_alive(), "the parent waits to send to a worker that reads no more"
    assert result == [[1, 0, 1, 1, 1]]


def test_the_writer_keeps_batches_at_the_workers_while_it_stores_the_oldest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is stored with the next `AHEAD` already sent to the workers, and every flow is
    stored in the order it came."""
    from phonehome.db import store as store_module

    store = Store(str(tmp_path / "a.db"))
    sent = stored = 0
    in_hand: list[int] = []
    submit, write = ClassifierPool.submit, Store.write

    queued = threading.Event()

    def counting_submit(self: ClassifierPool, exchanges: list[Exchange]) -> object:
        nonlocal sent
        queued.wait(60)  # the first batch waits until every flow is queued: every batch is full
        sent += bool(exchanges)
        return submit(self, exchanges)

    def counting_write(self: Store, *args: object, **kwargs: object) -> object:
        nonlocal stored
        in_hand.append(sent - stored)
        stored += 1
        return write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ClassifierPool, "submit", counting_submit)
    monkeypatch.setattr(Store, "write", counting_write)
    try:
        sid = store.open_session("a", "replay")
        with ClassifierPool(crashing_or_hanging, 1, timeout=30.0) as pool:
            writer = Writer(store, sid, device="a", pool=pool, batch=4).start()
            for i in range(40):
                writer.submit(_ex("/ok", i))
            queued.set()
            stats = writer.close()
        with store.engine.connect() as conn:
            urls = [u for (u,) in conn.execute(text("SELECT url FROM flows ORDER BY id"))]
    finally:
        store.dispose()
    assert stats.stored == 40 and urls == [_ex("/ok", i).url for i in range(40)]
    assert in_hand[: -store_module.AHEAD] == [store_module.AHEAD + 1] * (10 - store_module.AHEAD)


def test_a_send_that_nobody_reads_fails_after_its_time() -> None:
    import multiprocessing
    import time

    from phonehome.db.workers import _bounded_sends

    mine, theirs = multiprocessing.Pipe()
    try:
        _bounded_sends(mine, 0.3)
        t = time.monotonic()
        with pytest.raises(OSError):
            mine.send_bytes(b"x" * 20_000_000)  # far more than a socket buffer holds
        assert time.monotonic() - t < 10
    finally:
        mine.close()
        theirs.close()
    reader, writer = multiprocessing.Pipe(duplex=False)  # not a socket: left as it is
    try:
        _bounded_sends(writer, 0.3)
        writer.send(b"small")
        assert reader.recv() == b"small"
    finally:
        reader.close()
        writer.close()
