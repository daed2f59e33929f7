"""The writer in a process of its own: the proxy's process only copies each flow and hands it over.

With `capture --workers N` (N >= 1) classifying and storing leave the proxy's interpreter.  The
hook pickles the flow's snapshot and writes it to a pipe from the event loop without ever blocking:
what the pipe cannot take at once waits in an outbox that the loop writes out when the pipe drains.
No thread of the proxy's process takes the interpreter's lock per flow, so the proxy keeps its
speed and its latency (docs/performance.md#capture).

The writer process runs the same `Writer` as a replay (batches, retries, the spill file) and a
`ClassifierPool` of N classifier processes, so that a detector that crashes or never returns on one
flow costs that flow's findings and not the capture's storing: its classifier is replaced, the flow
stored with a note (docs/reliability.md).  Only if they cannot start does it classify itself.  It reports
back on a second pipe, a few times a second: how many items it has finished (stored or spilled),
its running counts for the live view, and its error if the database fails.

Nothing answered is lost with it: the proxy keeps every item's bytes until the writer process says
it finished it.  If that process dies, what it had not finished is handed back (`lost()`) for the
spill file.  If the proxy's process is killed, the writer process reads the end of its pipe, stores
everything it received, and exits.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import fcntl
import io
import logging
import os
import pickle
import select
import signal
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phonehome.classifiers.model import Analysis, Exchange
from phonehome.db.tally import FEED, Recent, Snapshot
from phonehome.db.workers import _CONTEXT, WORKER_TIMEOUT, WRITER_PRELOAD, cores, place

log = logging.getLogger(__name__)

REPORT_EVERY = 0.02  # seconds between the writer process's reports while it has news
START_TIMEOUT = 120.0  # seconds the writer process (and its classifiers) may take to start
PIPE_SIZE = 1 << 20  # bytes asked of the kernel for the pipe (Linux' default ceiling)
READ_SIZE = 1 << 20  # bytes the writer process reads from it at a time
_F_SETPIPE_SZ = 1031
_HEADER = struct.Struct("!i")  # multiprocessing.Connection's framing: recv_bytes reads it back


def default_classifiers() -> int:
    """A capture's classifier processes: the proxy takes a core and the writer process one, they get
    the rest, and there is always one, so that a detector stuck on a flow costs that flow and not the
    capture's storing (docs/reliability.md)."""
    return max(1, cores() - 2)


@dataclass(frozen=True)
class Config:
    """What the writer process needs; everything here pickles."""

    db: str
    session_id: int
    device: str
    analyzer: Callable[[Exchange], Analysis]
    names: Mapping[str, str]
    spill_path: str  # where `spill` saves flows the database does not take, for messages
    spill: Callable[[], Any]  # makes the spill file (`HarSpill`): `write(exchange)`, `close()`
    workers: int  # classifier processes the writer process starts (at least 1)
    max_bytes: int
    parent: int = 0  # the proxy's process id: when it is gone, store what came and stop
    nice: int = 10  # added to the writer's and classifiers' scheduling niceness
    spare_a_cpu: bool = True  # keep the writer and classifiers off one CPU (`spare_a_cpu`)
    # Running counts and the recent findings, for a live view; without one (`capture --quiet`,
    # `mitmdump -s`), its reports carry the finished count alone.
    live: bool = True
    timeout: float = WORKER_TIMEOUT  # seconds a classifier may take for one part before it is replaced


@dataclass(frozen=True, slots=True)
class Report:
    """The writer process's news: finished items, counts for the live view, and its state."""

    finished: int
    snapshot: Snapshot
    feed: tuple[Recent, ...]
    dropped: int
    error: str | None
    spilled: int
    problems: tuple[str, ...] = ()


def spare_a_cpu() -> frozenset[int]:
    """Keep this process, and the classifier processes it starts (they inherit it), off the first
    CPU it may use, when it may use two or more; return the CPUs it may use again when the proxy is
    done (`share_the_cpus`), or nothing if it left none.

    The proxy may run on every CPU, and now always finds one where none of these runs.  Woken by the
    proxy's write, this process was often put on the proxy's own CPU, and a request then waited
    for its batch: at 250 requests a second on 2 cores, the slowest 1% took 1.2–1.6 ms longer than
    through mitmdump, and −1.1 to +0.4 ms with this (docs/performance.md#capture)."""
    if not hasattr(os, "sched_setaffinity"):  # not Linux
        return frozenset()
    try:
        allowed = frozenset(os.sched_getaffinity(0))
        if len(allowed) < 2:
            return frozenset()
        os.sched_setaffinity(0, allowed - {min(allowed)})
    except OSError:  # a container that refuses it: run where allowed
        return frozenset()
    return allowed


def share_the_cpus(cpus: frozenset[int], pids: Sequence[int]) -> None:
    """The proxy is done (Ctrl-C): these processes take every CPU again for the flush, which took
    half as long again on one CPU."""
    for pid in pids:
        place(pid, cpus)


def _serve(requests: Any, reports: Any, config: Config) -> None:
    """The writer process: items in, stored in batches, news out; stop at an empty item or EOF."""
    from phonehome.db.store import Store, StoreError, Writer, WriterStats
    from phonehome.db.workers import ClassifierPool

    # Ctrl-C reaches the whole process group: the proxy decides when this process stops (it flushes).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The proxy comes first: under load this process (and the classifiers it starts, which inherit
    # it) runs on what the proxy leaves, and catches up when the phone is quiet.
    with contextlib.suppress(OSError):
        os.nice(config.nice)
    cpus = spare_a_cpu() if config.spare_a_cpu else frozenset()
    note = ""
    pool = None
    if config.workers >= 1:
        pool = ClassifierPool(config.analyzer, config.workers, config.timeout)
        if not pool.wait_ready():
            pool.close()
            pool, note = None, "classifier processes did not start; the writer process classifies"
    store = Store(config.db)
    spill = config.spill()
    writer = Writer(
        store, config.session_id, config.device, analyzer=config.analyzer, spill=spill.write,
        names=config.names, pool=pool, max_bytes=config.max_bytes, live=config.live,
    ).start()  # fmt: skip
    send_lock = threading.Lock()
    reports.send(("ready", note))
    submitted = 0
    done = threading.Event()

    def report() -> None:
        last: tuple[int, int, int] | None = None
        beat = 0.0
        while True:
            stopping = done.wait(REPORT_EVERY)
            finished = submitted - writer.waiting
            snap = writer.tally.snapshot()
            now = time.monotonic()
            state = (finished, snap.flows + sum(n for _, n in snap.blind_spots), writer.stats.spilled)
            if state != last or now - beat > 0.5 or writer.error is not None:
                feed, dropped = writer.tally.drain()
                news = Report(
                    finished, snap, tuple(feed), dropped,
                    None if writer.error is None else str(writer.error).splitlines()[0],
                    writer.stats.spilled, tuple(writer.stats.problems),
                )  # fmt: skip
                with send_lock, contextlib.suppress(OSError, ValueError):
                    reports.send(("report", news))
                last, beat = state, now
            if stopping:
                return

    reporter = threading.Thread(target=report, name="phonehome-reporter", daemon=True)
    reporter.start()
    for data in _received(requests, config.parent):
        if not data:
            break
        try:
            item = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - cannot happen with our own pickles; never die of it
            log.error("phonehome: an item could not be read in the writer process: %s", exc)
            submitted += 1
            continue
        writer.submit(item)
        submitted += 1
    if cpus:
        share_the_cpus(cpus, [os.getpid()])
        if pool is not None:
            pool.run_on(cpus)  # a classifier replaced during the flush too
    error: str | None = None
    stats = WriterStats()
    try:
        stats = writer.close()
    except StoreError as exc:
        error = str(exc)
        stats = writer.stats
    finally:
        done.set()
        reporter.join()
        if pool is not None:
            pool.close()
        spill.close()
        store.dispose()
    with send_lock, contextlib.suppress(OSError, ValueError):
        reports.send(("closed", stats, error))


def _received(requests: Any, parent: int) -> Iterator[bytes]:
    """Every item the proxy's process sends, until its stop (an empty item) or its end.

    The end is the pipe's end, or the proxy's process exiting (watched through a pidfd): a process
    the proxy's process started may hold a copy of the pipe, so the end of the pipe alone is not
    enough to know that the proxy is gone.  What it sent before it went is read first.

    Read a megabyte at a time and cut into items here (`Frames`), not one `recv_bytes` (two reads)
    an item: each read gives up the interpreter's lock and must wait to take it back from the
    writer's thread, which a backlog of 2,000 flows at Ctrl-C made a fifth of the flush
    (docs/performance.md#ctrl-c-with-2000-flows-waiting-python-benchmarksproxypy---backlog-2000)."""
    fd = requests.fileno()
    frames = Frames()
    # Read into one buffer, kept: `os.read(fd, READ_SIZE)` made a megabyte object for every read,
    # 20 µs where the read itself takes 1, and a live capture reads about once a flow.
    pipe = io.FileIO(fd, "rb", closefd=False)
    chunk = memoryview(bytearray(READ_SIZE))

    def read() -> bool:
        """What the pipe holds now, up to READ_SIZE, fed to `frames`; False at its end."""
        n = pipe.readinto(chunk)
        return n is None or frames.feed(chunk[:n])

    try:
        gone: int | None = os.pidfd_open(parent)
    except (AttributeError, OSError):
        gone = None
    try:
        while True:
            ready = select.select([fd] if gone is None else [fd, gone], [], [], None if gone else 1.0)[0]
            if fd not in ready:
                if gone in ready or not _running(parent):
                    while select.select([fd], [], [], 0)[0] and read():
                        yield from frames.items()
                    yield from frames.items()
                    return
                continue
            if not read():
                yield from frames.items()
                return  # the pipe ended, within an item or between two
            yield from frames.items()
    except OSError:
        return
    finally:
        if gone is not None:
            os.close(gone)


class Frames:
    """Items cut out of the bytes of a pipe framed as `multiprocessing.Connection` frames them
    (`_frame`): a 4-byte length, or -1 and an 8-byte length; an item cut short at the end is dropped,
    and a length no frame has is an OSError (the reader stops; the proxy spills what is unfinished)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes | memoryview) -> bool:
        """Add what was read; False at the end of the pipe (nothing read)."""
        self._buffer += data
        return bool(data)

    def items(self) -> Iterator[bytes]:
        """The whole items received so far, in order."""
        buffer, at = self._buffer, 0
        while len(buffer) - at >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer, at)
            if size < -1:
                raise OSError(f"a corrupt frame in the pipe (length {size})")
            start = at + _HEADER.size
            if size == -1:
                if len(buffer) - start < 8:
                    break
                (size,) = struct.unpack_from("!Q", buffer, start)
                start += 8
            if len(buffer) - start < size:
                break
            item = bytes(memoryview(buffer)[start : start + size])  # one copy, the view let go at once
            at = start + size
            yield item
        del buffer[:at]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RemoteTally:
    """The writer process's running counts, as the live view reads a `Tally`: never a query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot = Snapshot()
        self._feed: collections.deque[Recent] = collections.deque(maxlen=FEED)
        self._dropped = 0

    def update(self, report: Report) -> None:
        with self._lock:
            self._snapshot = report.snapshot
            overflow = max(0, len(self._feed) + len(report.feed) - FEED)
            self._feed.extend(report.feed)
            self._dropped += report.dropped + overflow

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def drain(self) -> tuple[list[Recent], int]:
        with self._lock:
            items, dropped = list(self._feed), self._dropped
            self._feed.clear()
            self._dropped = 0
            return items, dropped


class WriterProcess:
    """The proxy's side: the same calls as a `Writer` (`submit_nowait`, `submit`, `lag`,
    `wait_for_lag`, `close`, `alive`, `error`, `stats`, `tally`), answered by a process."""

    def __init__(self, config: Config) -> None:
        from phonehome.db.store import WriterStats

        self.config = config
        self.max_bytes = config.max_bytes
        self.tally = RemoteTally()
        self.stats = WriterStats()
        self.error: str | None = None
        self.note = ""  # said once it started, e.g. that its classifier processes did not start
        self.spill_path = Path(config.spill_path)
        self._lock = threading.Condition()
        # (submitted at, pickled item), oldest first, until the writer process has finished it.
        self._unacked: collections.deque[tuple[float, bytes]] = collections.deque()
        self._bytes = 0
        self._acked = 0
        self._outbox = bytearray()
        self._out_lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watching = False
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._gone = False  # the writer process ended or cannot be reached
        self._stopped = False
        _CONTEXT.set_forkserver_preload(list(WRITER_PRELOAD))  # unless a server runs already
        theirs, self._requests = _CONTEXT.Pipe(duplex=False)
        self._reports, mine = _CONTEXT.Pipe(duplex=False)
        self.process = _CONTEXT.Process(
            target=_serve, args=(theirs, mine, config), name="phonehome-writer", daemon=False
        )
        self.process.start()
        theirs.close()
        mine.close()
        self._fd = self._requests.fileno()
        with contextlib.suppress(OSError):
            fcntl.fcntl(self._fd, _F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(self._fd, False)
        self._reader = threading.Thread(target=self._read_reports, name="phonehome-reports", daemon=True)
        self._reader.start()
        # Runs before multiprocessing's own exit handler, which would wait for this process forever.
        atexit.register(self._hang_up)

    # -- state ------------------------------------------------------------------------------------

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """True once the writer process (and its classifiers) started; False if it could not."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self._gone or time.monotonic() > deadline:
                return False
        return not self._gone

    @property
    def alive(self) -> bool:
        return not self._gone and not self._stopped

    @property
    def spilled(self) -> int:
        return self.stats.spilled

    def lag(self) -> float:
        """Seconds the oldest item the writer process has not finished has waited."""
        try:
            return max(0.0, time.monotonic() - self._unacked[0][0])
        except IndexError:
            return 0.0

    def wait_for_lag(self, limit: float, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.lag() > limit and not self._gone:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(min(remaining, 0.05))
        return self.lag() <= limit

    # -- handing items over -----------------------------------------------------------------------

    def submit_nowait(self, item: Exchange | Any) -> bool:
        """Hand the item over from the event loop; False when the budget of unfinished bytes is spent."""
        if self._gone:
            return False
        data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._bytes and self._bytes + len(data) > self.max_bytes:
                return False
            self._keep(data)
        self._put(data)
        return True

    def submit(self, item: Exchange | Any) -> bool:
        """Hand the item over from any thread, waiting for room in the budget; False if the writer
        process is gone (the caller keeps the item)."""
        data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            while self._bytes and self._bytes + len(data) > self.max_bytes and not self._gone:
                self._lock.wait(0.5)
            if self._gone:
                return False
            self._keep(data)
        loop = self._loop
        if loop is not None and loop.is_running() and not _on_loop(loop):
            done = threading.Event()

            def put() -> None:
                try:
                    self._put(data)
                finally:
                    done.set()

            loop.call_soon_threadsafe(put)
            done.wait()
        else:
            self._put(data)
        return True

    def _keep(self, data: bytes) -> None:
        self._unacked.append((time.monotonic(), data))
        self._bytes += len(data)

    def _put(self, data: bytes) -> None:
        """Frame and write: on the event loop never blocking (the rest waits in the outbox, written
        when the pipe drains); off the loop, as a plain blocking write."""
        if self._loop is None:
            with contextlib.suppress(RuntimeError):
                self._loop = asyncio.get_running_loop()
        with self._out_lock:
            self._outbox += _frame(len(data))
            self._outbox += data
            self._write()
            if self._outbox and not self._watching:
                self._write_all()

    def _writable(self) -> None:
        with self._out_lock:
            self._write()

    def _write_all(self) -> None:
        while self._outbox and not self._gone:
            select.select([], [self._fd], [], 1.0)
            self._write()

    def _write(self) -> None:
        """Write what the pipe takes now; on the loop, watch the pipe for the rest."""
        while self._outbox:
            try:
                n = os.write(self._fd, self._outbox)
            except BlockingIOError:
                break
            except OSError:
                self._outbox.clear()  # the process is gone; its items come back through lost()
                break
            del self._outbox[:n]
        if not self._outbox:
            self._unwatch()
        elif not self._watching and self._loop is not None and _on_loop(self._loop):
            self._loop.add_writer(self._fd, self._writable)
            self._watching = True

    def _unwatch(self) -> None:
        if self._watching and self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_writer(self._fd)
        self._watching = False

    # -- news from the writer process -------------------------------------------------------------

    def _read_reports(self) -> None:
        try:
            while True:
                try:
                    kind, *rest = self._reports.recv()
                except (EOFError, OSError):
                    return
                if kind == "ready":
                    self.note = rest[0]
                    self._ready.set()
                elif kind == "report":
                    self._take(rest[0])
                elif kind == "closed":
                    # It read everything up to the stop and stored or spilled all of it.
                    self.stats, error = rest
                    self.error = error or self.error
                    with self._lock:
                        self._unacked.clear()
                        self._bytes = 0
                    self._closed.set()
                    return
        finally:
            with self._lock:
                self._gone = True
                self._lock.notify_all()

    def _take(self, report: Report) -> None:
        self.tally.update(report)
        self.stats.spilled = report.spilled
        self.stats.problems = list(report.problems)
        if report.error is not None:
            self.error = report.error
        self._finished(report.finished)

    def _finished(self, finished: int) -> None:
        with self._lock:
            while self._acked < finished and self._unacked:
                _, data = self._unacked.popleft()
                self._bytes -= len(data)
                self._acked += 1
            self._lock.notify_all()

    def lost(self) -> list[Any]:
        """The items handed over that the writer process never finished (it died): for the spill file."""
        with self._lock:
            items = [pickle.loads(data) for _, data in self._unacked]
            self._unacked.clear()
            self._bytes = 0
            return items

    # -- stopping ---------------------------------------------------------------------------------

    def close(self, timeout: float | None = None) -> Any:
        """Write out what is queued, let the writer process store it, and return its stats.

        Raises StoreError as `Writer.close` does when the database failed."""
        from phonehome.db.store import StoreError

        if not self._stopped:
            self._stopped = True
            self._unwatch()
            with self._out_lock, contextlib.suppress(OSError):
                os.set_blocking(self._fd, True)  # the process reads it all: write the rest, then stop
                self._outbox += _HEADER.pack(0)
                while self._outbox:
                    del self._outbox[: os.write(self._fd, self._outbox)]
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._closed.wait(0.1) and not self._gone:
                if deadline is not None and time.monotonic() > deadline:
                    break
            if not self._closed.is_set():
                code = self.process.exitcode
                how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                self.error = self.error or f"the writer process stopped ({how})"
            self._hang_up()
            self.process.join(10 if timeout is None else timeout)
            if self.process.is_alive():  # pragma: no cover - only if it hangs after saying closed
                self.process.kill()
                self.process.join(5)
            atexit.unregister(self._hang_up)
        if self.error is not None:
            kept = f"; {self.spilled} flows were saved to the spill file instead" if self.spilled else ""
            raise StoreError(f"could not write to the database: {str(self.error).splitlines()[0]}{kept}")
        return self.stats

    def close_quietly(self) -> None:
        """Stop a writer process that could not start, saying nothing."""
        with contextlib.suppress(Exception):
            self.close(timeout=10)

    def _hang_up(self) -> None:
        with contextlib.suppress(OSError):
            self._requests.close()


def _frame(size: int) -> bytes:
    """The length header `multiprocessing.Connection.recv_bytes` reads."""
    if size > 0x7FFFFFFF:
        return _HEADER.pack(-1) + struct.pack("!Q", size)
    return _HEADER.pack(size)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
