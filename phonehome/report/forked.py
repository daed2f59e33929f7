"""Worker processes forked from the report's own: its heavy passes on the other cores.

A report spends its time in Python, counting each device's flows and findings and making each
device's section: one core.  `Forked` forks workers that run the same code beside it, each answering
the messages sent to it in order, through a pipe of its own.

Forked, not spawned: a worker starts in milliseconds with what the report has read and loaded (a
spawned one would import phonehome again, 0.3 s of a 2 s goal).  What a fork must not copy, it does
not: the caller forks with no thread running and no database connection open (its engine's pool
emptied; each worker then opens its own connections) and no collection of the garbage collector
to come over what it inherits (`gc.freeze` before, no collector in the worker).  Where fork is
missing or unsafe (Windows; macOS, whose system libraries may not survive it) there are no workers
and the report runs in one process.

Workers end with the report: `close` when its work is done, at once on an error or Ctrl-C (which
reaches every process of the terminal's group: workers ignore it and leave the decision to the
report's process).  A worker whose report's process died reads the end of its pipe and exits.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any

JOIN_SECONDS = 5.0  # a worker told to stop gets this long before it is killed


def available() -> bool:
    """Whether workers can be forked here: Linux (and other Unixes but macOS) with fork."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


class WorkerDied(RuntimeError):
    """A worker ended without answering (killed, or crashed in a C library)."""


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection


class Forked:
    """`n` workers forked from this process, each calling `start()` first, then `handler` on every
    message it is sent (and on None when told to stop).  Fork only with no other thread running and
    no database connection open: a fork copies both, in whatever state they are.

    `send(w, message, reply=True)` hands a message to worker `w`; `receive(w)` returns what
    `handler` returned for the oldest message sent to `w` with a reply asked for, or raises the
    exception it raised there (with the worker's traceback as a note).  A message sent without a
    reply that fails has its exception raised by the next `receive` from that worker.
    """

    def __init__(
        self, n: int, handler: Callable[[Any], Any], start: Callable[[], None] | None = None
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []
        try:
            for _ in range(n):
                mine, theirs = context.Pipe()
                others = [w.conn for w in self._workers] + [mine]
                process = context.Process(
                    target=_serve, args=(theirs, others, handler, start), name="phonehome-report", daemon=True
                )
                self._workers.append(_Worker(process, mine))
                process.start()
                theirs.close()
        except BaseException:
            self.abort()
            raise

    def __len__(self) -> int:
        return len(self._workers)

    def send(self, w: int, message: Any, *, reply: bool = True) -> None:
        try:
            self._workers[w].conn.send((reply, message))
        except (OSError, ValueError) as exc:  # its end is closed: it died
            raise self._died(w) from exc

    def broadcast(self, message: Any) -> None:
        """`message` to every worker, no reply asked: pickled once for all of them."""
        data = ForkingPickler.dumps((False, message))
        for w, worker in enumerate(self._workers):
            try:
                worker.conn.send_bytes(data)
            except (OSError, ValueError) as exc:
                raise self._died(w) from exc

    def receive(self, w: int) -> Any:
        try:
            ok, value, trace = self._workers[w].conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died(w) from exc
        if ok:
            return value
        if trace:
            value.add_note(f"in report worker {w}:\n{trace}")
        raise value

    def ready(self, workers: Iterable[int]) -> list[int]:
        """Of `workers`, those with an answer (or an end) to read; waits until there is one."""
        by_conn = {self._workers[w].conn: w for w in workers}
        return [by_conn[c] for c in multiprocessing.connection.wait(list(by_conn))]  # type: ignore[index]

    def close(self) -> None:
        """Tell every worker to stop and wait for it (killed past JOIN_SECONDS)."""
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        self._end(JOIN_SECONDS)

    def abort(self) -> None:
        """End every worker now, whatever it is doing (an error, Ctrl-C)."""
        for worker in self._workers:
            if worker.process.pid is not None and worker.process.is_alive():
                worker.process.terminate()
        self._end(JOIN_SECONDS)

    def _end(self, seconds: float) -> None:
        for worker in self._workers:
            if worker.process.pid is None:  # never started
                continue
            worker.process.join(seconds)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.process.close()
            worker.conn.close()
        self._workers = []

    def _died(self, w: int) -> WorkerDied:
        process = self._workers[w].process
        process.join(1.0)
        return WorkerDied(f"report worker {w} ended without answering (exit code {process.exitcode})")

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _serve(
    conn: Connection,
    others: list[Connection],
    handler: Callable[[Any], Any],
    start: Callable[[], None] | None,
) -> None:
    """A worker's loop: `start()`, then each message handled in order; a reply sent when one was
    asked for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the report's process to handle
    for other in others:  # the report's ends of the pipes: held here, they would hide its death
        other.close()
    if start is not None:
        start()
    # No collector here: its passes over the counts a worker builds (half a million objects a
    # device) took 20-60 ms each, several a device, and would copy the pages it shares with the
    # report's process.  What it would free is next to nothing: the report's objects hold no cycles
    # but a few hundred a device (SQLAlchemy's), and a worker lives for one report.
    gc.disable()
    failed: tuple[bool, Any, str] | None = None
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:  # told to stop: the handler lets go of what it holds (a connection)
            with contextlib.suppress(Exception):  # nothing is left to report a failure to
                handler(None)
            return
        reply, message = item
        try:
            answer: tuple[bool, Any, str] = (True, handler(message), "")
        except Exception as exc:  # noqa: BLE001 - sent to the report's process, which raises it
            answer = (False, _portable(exc), traceback.format_exc())
        if not reply:
            failed = failed or (None if answer[0] else answer)
            continue
        if failed is not None:
            answer, failed = failed, None
        try:
            conn.send(answer)
        except (OSError, ValueError):  # the report's process is gone
            return
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
            conn.send((False, _portable(exc), traceback.format_exc()))


def _portable(exc: Exception) -> Exception:
    """The exception itself if it crosses a pipe, else a RuntimeError saying what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to pickle or unpickle
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
