"""Classification in worker processes: the proxy or the file reader only hands exchanges over.

A `ClassifierPool` keeps `processes` workers (forked from multiprocessing's fork server, so no lock
or thread of the parent is copied into them), each with its own pipe.  `classify(exchanges)` cuts the list into one part per worker,
sends the parts, and collects the analyses in the original order, with the interpreter's lock
released while it waits: the workers use the other cores.

A worker that dies (a crash in a C library, `os._exit`) or does not answer within `timeout` seconds
is killed and replaced.  Its part is then classified again one exchange at a time in fresh workers,
so only the exchange that brings a worker down is lost to classification: it comes back as an
`Analysis` without findings and with a note saying what happened, and is stored like any other.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from phonehome.classifiers.model import (
    Analysis,
    Classifiable,
    Destination,
    Exchange,
    classifiable,
    split_url,
    to_classify,
)
from phonehome.db.packing import Packed, pack, unpack

log = logging.getLogger(__name__)

Analyzer = Callable[[Exchange], Analysis]


def cores() -> int:
    """The cores the scheduler lets this process use (its affinity where the system says, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - no affinity call on this system
        return max(1, os.cpu_count() or 1)


WORKER_TIMEOUT = 30.0  # seconds a worker may take for one part before it is replaced
START_TIMEOUT = 120.0  # seconds a new worker may take to start (import phonehome) on a loaded machine
# Workers are forked from a clean server process that imported the classifiers once (no lock or
# thread of the proxy is ever copied into them, and a replaced worker starts in milliseconds).
_CONTEXT = multiprocessing.get_context("forkserver")
# What the fork server loads before it forks: the classifiers, built and frozen (db/preload.py), and
# the module of the workers' own loop.  A classifier process needs nothing of the database: its
# modules (SQLAlchemy, the store) were once loaded here too, and took the server 0.38 s to start
# instead of 0.22 while a replay waited for its first worker.
PRELOAD = ("phonehome.db.preload", "phonehome.db.workers")
# A capture's server also forks the writer process (db/writerprocess.py), which stores.
WRITER_PRELOAD = (*PRELOAD, "phonehome.db.writerprocess", "phonehome.db.store")


def start_server(preload: Sequence[str] = PRELOAD) -> None:
    """Start the fork server now, unless it runs already, and return at once.

    It imports and builds the classifiers (`preload`: about 0.2 s) on another core while this
    process goes on importing its command and opening the database; the first worker then forks
    from a server that is ready instead of waiting for it (docs/performance.md#start-up).  A server
    that is never used exits with this process."""
    from multiprocessing import forkserver

    _CONTEXT.set_forkserver_preload(list(preload))
    forkserver.ensure_running()


def _serve(conn: multiprocessing.connection.Connection, analyzer: Analyzer) -> None:
    """A worker's loop: parts in, analyses (or the error of each exchange that failed) out."""
    # Ctrl-C reaches the whole process group: the parent decides when workers stop (it flushes first).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(READY)  # it started: a death from now on is the data's doing, not the start-up's
    # Parts are read as they come, whatever this worker is doing: the parent may send the next part
    # while this one sends its answer, and with both pipes full each would wait for the other.
    parts: queue.SimpleQueue[list[Classifiable] | None] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                part = conn.recv()
            except (EOFError, OSError):
                part = None
            except Exception as exc:  # noqa: BLE001 - a part it cannot read: this worker stops
                # (MemoryError for a part of huge bodies, a class it cannot load).  Were this thread
                # to end alone, this process would wait for parts forever and its parent, once the
                # pipe is full, for room in it: the parent replaces a worker that stopped, and
                # classifies what it had sent one exchange at a time.
                log.warning("phonehome: a classifier process could not read the exchanges sent to it (%s: %s); "
                            "it stops and is replaced", type(exc).__name__, str(exc)[:200])  # fmt: skip
                part = None
            parts.put(part)
            if part is None:
                return

    threading.Thread(target=read, name="phonehome-parts", daemon=True).start()
    while True:
        part = parts.get()
        if part is None:
            return
        out: list[Packed | str] = []
        for fields in part:
            try:
                out.append(pack(analyzer(classifiable(fields))))
            except Exception as exc:  # noqa: BLE001 - reported back, stored with a note
                out.append(f"{FAILED}{type(exc).__name__}: {exc}"[:300])
        conn.send(out)


FAILED = "analysis failed: "  # how the note of an exchange whose classification failed begins


def failed(exchange: Exchange, note: str) -> Analysis:
    """An exchange whose classification failed: stored without findings, with the reason noted."""
    host = split_url(exchange.url).host
    return Analysis(exchange, (), Destination(host=host, domain=host, ip=exchange.server_ip), notes=(note,))


def is_failed(analysis: Analysis) -> bool:
    """Whether `analysis` stands for a classification that failed (`failed`), not a finished one."""
    return not analysis.findings and len(analysis.notes) == 1 and analysis.notes[0].startswith(FAILED)


def analysed(analyzer: Analyzer, exchange: Exchange) -> Analysis:
    """`analyzer(exchange)` in this process; if it raises, `failed` with the reason."""
    try:
        return analyzer(exchange)
    except Exception as exc:  # noqa: BLE001 - the exchange is kept all the same, with a note
        return failed(exchange, f"{FAILED}{type(exc).__name__}: {exc}"[:300])


@dataclass(slots=True, eq=False)
class _Part:
    """Exchanges sent to one worker; `result` once it answered, `lost` if it went down with them."""

    exchanges: list[Exchange]
    result: list[Any] | None = None
    lost: bool = False

    @property
    def settled(self) -> bool:
        return self.result is not None or self.lost


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    started: bool = False  # it said READY: a worker that dies before that could not start at all
    # Parts sent and not yet answered, oldest first (a worker answers in order), and since when the
    # oldest has been the one it works on.
    outstanding: collections.deque[_Part] = field(default_factory=collections.deque)
    since: float = 0.0


class PoolBroken(RuntimeError):
    """Worker processes cannot start here (several died before answering): classify in-process."""


BROKEN_AFTER = 2  # workers in a row that die before they could start
READY = "ready"


@dataclass(slots=True)
class PoolStats:
    replaced: int = 0  # workers that crashed or hung and were replaced
    lost: int = 0  # exchanges stored without classification because of that


class ClassifierPool:
    """`processes` worker processes running `analyzer` (which must pickle: it is sent to each)."""

    def __init__(self, analyzer: Analyzer, processes: int, timeout: float = WORKER_TIMEOUT) -> None:
        if processes < 1:
            raise ValueError("a pool needs at least one process")
        self.analyzer = analyzer
        self.processes = processes
        self.timeout = timeout
        self.stats = PoolStats()
        self._workers: list[_Worker] = []
        self._stillborn = 0  # workers in a row that died before they could start
        self._cpus: frozenset[int] = frozenset()  # where its workers run, once `run_on` says

    def start(self) -> ClassifierPool:
        while len(self._workers) < self.processes:
            self._workers.append(self._spawn())
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Start the workers and wait until each has started (imported phonehome); True if all did.

        A capture calls this before it says it is listening, so the first flows find workers ready."""
        self.start()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            while not worker.started:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.conn.poll(remaining):
                    return False
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    return False
                if message == READY:
                    self._started(worker)
        return True

    def _started(self, worker: _Worker) -> None:
        """The worker said READY: from now on its work, and a send to it, get `timeout`."""
        worker.started = True
        _bounded_sends(worker.conn, self.timeout)

    def _spawn(self) -> _Worker:
        _CONTEXT.set_forkserver_preload(list(PRELOAD))  # unless a server runs already
        mine, theirs = _CONTEXT.Pipe()
        _bounded_sends(mine, START_TIMEOUT)  # it reads nothing until it has started
        process = _CONTEXT.Process(
            target=_serve, args=(theirs, self.analyzer), name="phonehome-classifier", daemon=True
        )
        process.start()
        theirs.close()
        if self._cpus and process.pid is not None:
            place(process.pid, self._cpus)
        return _Worker(process, mine, since=time.monotonic())

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.conn.close()
        self._workers = []

    def __enter__(self) -> ClassifierPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pids(self) -> list[int]:
        """The process ids of its workers now."""
        return [pid for w in self._workers if (pid := w.process.pid) is not None]

    def run_on(self, cpus: frozenset[int]) -> None:
        """Its workers run on these CPUs from now on, those started later to replace one included
        (a worker is forked by a server that keeps the CPUs it had when it started)."""
        self._cpus = cpus
        for pid in self.pids():
            place(pid, cpus)

    def classify(self, exchanges: Sequence[Exchange]) -> list[Analysis]:
        """Every exchange's analysis, in order; never raises for an exchange (see the module).

        Raises `PoolBroken` when worker processes cannot run here at all."""
        return self.collect(self.submit(exchanges))

    def submit(self, exchanges: Sequence[Exchange]) -> list[_Part]:
        """Send the exchanges, one part per worker, and return at once; `collect` gets the analyses.
        Several submissions may be outstanding: each worker answers its parts in order."""
        if self._stillborn >= BROKEN_AFTER:
            raise PoolBroken("classifier processes do not start")
        if not exchanges:
            return []
        self.start()
        n = min(len(self._workers), len(exchanges))
        size = -(-len(exchanges) // n)
        parts = [_Part(list(exchanges[i : i + size])) for i in range(0, len(exchanges), size)]
        for i, part in enumerate(parts):
            self._send(i, part)
        return parts

    def collect(self, parts: list[_Part]) -> list[Analysis]:
        """The analyses of a submission, in order: parts lost with a worker are classified again one
        exchange at a time in fresh workers."""
        self._settle(parts)
        out: list[Analysis] = []
        for part in parts:
            if part.result is None:
                out.extend(self._one_by_one(part.exchanges))
            else:
                out.extend(_as_analysis(e, r) for e, r in zip(part.exchanges, part.result, strict=True))
        return out

    def _send(self, i: int, part: _Part) -> None:
        worker = self._workers[i]
        try:
            # What the classifiers read of each, not the whole exchange (`to_classify`).
            worker.conn.send([to_classify(e) for e in part.exchanges])
        except (OSError, ValueError) as exc:
            log.warning("phonehome: a classifier process could not be reached (%s); replacing it", exc)
            part.lost = True
            self._replace(i)
            return
        if not worker.outstanding:
            worker.since = time.monotonic()
        worker.outstanding.append(part)

    def _deadline(self, worker: _Worker) -> float:
        # A worker still starting (importing phonehome) gets START_TIMEOUT; its work then `timeout`.
        return worker.since + (self.timeout if worker.started else START_TIMEOUT)

    def _settle(self, parts: list[_Part]) -> None:
        """Read answers until every one of `parts` has its result or is lost with its worker."""
        while not all(p.settled for p in parts):
            waiting = {w.conn: i for i, w in enumerate(self._workers) if w.outstanding}
            if not waiting:  # pragma: no cover - a part is always outstanding somewhere until settled
                for p in parts:
                    p.lost = p.lost or p.result is None
                return
            soonest = min(self._deadline(self._workers[i]) for i in waiting.values())
            ready = multiprocessing.connection.wait(
                list(waiting), timeout=max(0.0, soonest - time.monotonic())
            )
            for ready_conn in ready:
                i = waiting[ready_conn]  # type: ignore[index]
                worker = self._workers[i]
                try:
                    message: Any = worker.conn.recv()
                except (EOFError, OSError):
                    log.warning("phonehome: a classifier process stopped; replacing it")
                    self._replace(i)
                    continue
                if message == READY:
                    self._started(worker)
                    worker.since = time.monotonic()
                    self._stillborn = 0
                    continue
                part = worker.outstanding.popleft()
                part.result = message
                worker.since = time.monotonic()
            now = time.monotonic()
            for i, worker in enumerate(self._workers):
                if worker.outstanding and worker.conn not in ready and self._deadline(worker) <= now:
                    log.warning("phonehome: a classifier process gave no answer in time; replacing it")
                    self._replace(i)

    def _one_by_one(self, exchanges: list[Exchange]) -> list[Analysis]:
        out = []
        for exchange in exchanges:
            if self._stillborn >= BROKEN_AFTER:
                raise PoolBroken("classifier processes do not start")
            (part,) = self.submit([exchange])
            self._settle([part])
            if part.result is None and self._stillborn >= BROKEN_AFTER:
                raise PoolBroken("classifier processes do not start")
            if part.result is None:
                self.stats.lost += 1
                out.append(failed(exchange, f"{FAILED}classifying it stopped its worker process "
                                            f"(it crashed, or gave no answer in {self.timeout:.0f} s)"))  # fmt: skip
            else:
                out.append(_as_analysis(exchange, part.result[0]))
        return out

    def _replace(self, i: int) -> None:
        """Kill worker i (whatever it was doing is lost) and start a fresh one in its place."""
        old = self._workers[i]
        for part in old.outstanding:
            part.lost = True
        if old.process.is_alive():
            old.process.kill()
        old.process.join(timeout=5)
        old.conn.close()
        self.stats.replaced += 1
        if not old.started:
            self._stillborn += 1
            if self._stillborn >= BROKEN_AFTER:
                log.error("phonehome: classifier processes do not start here; classifying in this process")
        self._workers[i] = self._spawn()


def place(pid: int, cpus: frozenset[int]) -> None:
    """Process `pid` runs on `cpus` (where the system allows it: else it stays where it is)."""
    with contextlib.suppress(OSError, AttributeError):  # gone already, refused, or not Linux
        os.sched_setaffinity(pid, cpus)


def _bounded_sends(conn: multiprocessing.connection.Connection, seconds: float) -> None:
    """A send on `conn` fails (OSError) once `seconds` pass with no byte taken, instead of waiting
    for ever.  A started worker's reading thread empties its pipe as parts come, so a full pipe
    means the worker reads no more: a detector stuck in C holds its interpreter, reading thread and
    all.  The caller would otherwise wait there to send the next part, never reaching the deadline
    that replaces the worker; now it replaces it as one it could not reach.  The pipe is a socket
    pair (SO_SNDTIMEO); anything else is left as it is."""
    try:
        sock = socket.fromfd(conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)  # a duplicate
    except OSError:
        return
    with sock:
        whole = int(seconds)
        try:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", whole, int((seconds - whole) * 1e6))
            )
        except OSError:
            pass


def _as_analysis(exchange: Exchange, result: Packed | str) -> Analysis:
    """A worker's answer for `exchange`: its packed analysis (db/packing.py), or why it failed."""
    return failed(exchange, result) if isinstance(result, str) else unpack(exchange, result)
