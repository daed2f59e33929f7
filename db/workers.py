"""Classification in worker processes: the proxy or the file reader only hands exchanges over.

A `ClassifierPool` keeps `processes` workers (spawned, so no lock or thread of the parent is copied
into them), each with its own pipe.  `classify(exchanges)` cuts the list into one part per worker,
sends the parts, and collects the analyses in the original order, with the interpreter's lock
released while it waits: the workers use the other cores.

A worker that dies (a crash in a C library, `os._exit`) or does not answer within `timeout` seconds
is killed and replaced.  Its part is then classified again one exchange at a time in fresh workers,
so only the exchange that brings a worker down is lost to classification: it comes back as an
`Analysis` without findings and with a note saying what happened, and is stored like any other.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from multiprocessing.process import BaseProcess
from typing import Any

from phonehome.classifiers.model import Analysis, Destination, Exchange, split_url

log = logging.getLogger(__name__)

Analyzer = Callable[[Exchange], Analysis]
WORKER_TIMEOUT = 30.0  # seconds a worker may take for one part before it is replaced
START_TIMEOUT = 120.0  # seconds a new worker may take to start (import phonehome) on a loaded machine
_CONTEXT = multiprocessing.get_context("spawn")


def _serve(conn: multiprocessing.connection.Connection, analyzer: Analyzer) -> None:
    """A worker's loop: parts in, analyses (or the error of each exchange that failed) out."""
    # Ctrl-C reaches the whole process group: the parent decides when workers stop (it flushes first).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(READY)  # it started: a death from now on is the data's doing, not the start-up's
    while True:
        try:
            part = conn.recv()
        except (EOFError, OSError):
            return
        if part is None:
            return
        out: list[dict[str, Any] | str] = []
        for exchange in part:
            try:
                out.append(_without_exchange(analyzer(exchange)))
            except Exception as exc:  # noqa: BLE001 - reported back, stored with a note
                out.append(f"analysis failed: {type(exc).__name__}: {exc}"[:300])
        conn.send(out)


def _without_exchange(analysis: Analysis) -> dict[str, Any]:
    """What a worker sends back: the analysis without the exchange the parent already holds."""
    return {f.name: getattr(analysis, f.name) for f in fields(analysis) if f.name != "exchange"}


def failed(exchange: Exchange, note: str) -> Analysis:
    """An exchange whose classification failed: stored without findings, with the reason noted."""
    host = split_url(exchange.url).host
    return Analysis(exchange, (), Destination(host=host, domain=host, ip=exchange.server_ip), notes=(note,))


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: multiprocessing.connection.Connection
    started: bool = False  # it said READY: a worker that dies before that could not start at all


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
                worker.started = message == READY
        return True

    def _spawn(self) -> _Worker:
        mine, theirs = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_serve, args=(theirs, self.analyzer), name="phonehome-classifier", daemon=True
        )
        process.start()
        theirs.close()
        return _Worker(process, mine)

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

    def classify(self, exchanges: Sequence[Exchange]) -> list[Analysis]:
        """Every exchange's analysis, in order; never raises for an exchange (see the module).

        Raises `PoolBroken` when worker processes cannot run here at all."""
        if not exchanges:
            return []
        if self._stillborn >= BROKEN_AFTER:
            raise PoolBroken("classifier processes do not start")
        self.start()
        n = min(len(self._workers), len(exchanges))
        size = -(-len(exchanges) // n)
        parts = [list(exchanges[i : i + size]) for i in range(0, len(exchanges), size)]
        results = self._run(parts)
        out: list[Analysis] = []
        for part, result in zip(parts, results, strict=True):
            if result is None:  # the worker went down with this part: one at a time, in fresh workers
                out.extend(self._one_by_one(part))
            else:
                out.extend(_as_analysis(e, r) for e, r in zip(part, result, strict=True))
        return out

    def _run(self, parts: list[list[Exchange]]) -> list[list[Any] | None]:
        """Send part i to worker i; each worker's answer, or None where it died or hung (replaced)."""
        busy: dict[Any, int] = {}
        results: list[list[Any] | None] = [None] * len(parts)
        for i, part in enumerate(parts):
            worker = self._workers[i]
            try:
                worker.conn.send(part)
                busy[worker.conn] = i
            except (OSError, ValueError) as exc:
                log.warning("phonehome: a classifier process could not be reached (%s); replacing it", exc)
                self._replace(i)
        # A worker still starting (importing phonehome) gets START_TIMEOUT; its work then `timeout`.
        now = time.monotonic()
        deadlines = {
            conn: now + (self.timeout if self._workers[i].started else START_TIMEOUT)
            for conn, i in busy.items()
        }
        while busy:
            remaining = min(deadlines[c] for c in busy) - time.monotonic()
            ready = multiprocessing.connection.wait(list(busy), timeout=max(0.0, remaining))
            now = time.monotonic()
            for conn in [c for c in busy if c not in ready and deadlines[c] <= now]:
                i = busy.pop(conn)
                log.warning("phonehome: a classifier process gave no answer in time; replacing it")
                self._replace(i)
            for conn in ready:
                i = busy[conn]
                try:
                    message = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    message = None
                if message == READY:
                    self._workers[i].started = True
                    self._stillborn = 0
                    deadlines[conn] = time.monotonic() + self.timeout
                    continue
                del busy[conn]
                if message is not None:
                    results[i] = message
                else:
                    log.warning("phonehome: a classifier process stopped; replacing it")
                    self._replace(i)
        return results

    def _one_by_one(self, part: list[Exchange]) -> list[Analysis]:
        out = []
        for exchange in part:
            if self._stillborn >= BROKEN_AFTER:
                raise PoolBroken("classifier processes do not start")
            (result,) = self._run([[exchange]])
            if result is None and self._stillborn >= BROKEN_AFTER:
                raise PoolBroken("classifier processes do not start")
            if result is None:
                self.stats.lost += 1
                out.append(failed(exchange, f"analysis failed: classifying it stopped its worker process "
                                            f"(it crashed, or gave no answer in {self.timeout:.0f} s)"))  # fmt: skip
            else:
                out.append(_as_analysis(exchange, result[0]))
        return out

    def _replace(self, i: int) -> None:
        old = self._workers[i]
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


def _as_analysis(exchange: Exchange, result: dict[str, Any] | str) -> Analysis:
    return Analysis(exchange=exchange, **result) if isinstance(result, dict) else failed(exchange, result)
