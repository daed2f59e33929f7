"""SQLite's write-ahead log copied into the database by a thread of its own while a writer runs.

SQLite copies the log back into the database file in the commit that takes it past 1,000 pages,
and waits there for both files to reach the disk.  On a replay that commit is the writer thread's:
it stood still meanwhile, and with it the classifier processes waiting for their next batch
(docs/performance.md#replay).  While a `Writer` runs on an SQLite file, the transactions it writes
turn that off (`PRAGMA wal_autocheckpoint=0`, `Store.writing`) and this thread runs a passive
checkpoint instead, at most every `every` seconds and only when the log has changed.  A passive
checkpoint never waits for readers or writers and never blocks them: what it cannot copy yet it
copies the next time.  Durability does not change: a commit is in the log either way.

When the writer stops, commits checkpoint themselves again, and the last connection to close copies
what is left, as SQLite always does.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger(__name__)

EVERY = 0.25  # seconds between two looks at the log


class Checkpointer:
    """A thread that checkpoints `engine`'s SQLite file `database` while it runs."""

    def __init__(self, engine: Engine, database: str | os.PathLike[str], every: float | None = None) -> None:
        self.engine = engine
        self.wal = Path(f"{os.fspath(database)}-wal")
        self.every = EVERY if every is None else every
        self.checkpoints = 0  # passive checkpoints run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phonehome-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        seen: tuple[int, int] | None = None
        warned = False
        while not self._stop.wait(self.every):
            try:
                stat = self.wal.stat()
            except OSError:
                continue  # no log yet (or no longer): nothing to copy
            mark = (stat.st_mtime_ns, stat.st_size)  # every commit writes the log; a checkpoint does not
            if mark == seen:
                continue
            try:
                self.checkpoint()
            except Exception as exc:  # noqa: BLE001 - the next look tries again; closing copies the rest
                if not warned:
                    log.warning("phonehome: could not checkpoint the database's log (%s); will retry", exc)
                    warned = True
                continue
            seen = mark

    def checkpoint(self) -> None:
        """One passive checkpoint, outside any transaction (the connection is in autocommit mode)."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[union-attr]
        finally:
            raw.close()
        self.checkpoints += 1
