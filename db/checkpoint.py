"""SQLite's write-ahead log copied into the database by a thread of its own while a writer runs.

SQLite copies the log back into the database file in the commit that takes it past 1,000 pages,
and waits there for both files to reach the disk.  On a replay that commit is the writer thread's:
it stood still meanwhile, and with it the classifier processes waiting for their next batch
(docs/performance.md#replay).  While a `Writer` runs on an SQLite file, the transactions it writes
turn that off (`PRAGMA wal_autocheckpoint=0`, `Store.writing`) and this thread runs a passive
checkpoint instead, at most every `every` seconds and only when the log has changed.  A passive
checkpoint never waits for readers or writers and never blocks them: what it cannot copy yet it
copies the next time.  Durability does not change: a commit is in the log either way.

The log starts again from its beginning only when a write transaction begins after every frame in
it was copied, and a busy writer commits again before a checkpoint running beside it is done: left
to itself the log grew with the database (254 MB into a 1 GB replay).  So once it holds more than
`limit` bytes, the next checkpoint waits until the writer's transaction is over and keeps the next
one from beginning (`gate`, which `Store.writing` holds around each transaction): with the earlier
checkpoints having copied most of it, this one has little left to do, and the writer's next
transaction starts the log again.  The log stays near `limit`.

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
LIMIT = 64 << 20  # bytes of log past which a checkpoint waits for the writer, so the log starts again


class Checkpointer:
    """A thread that checkpoints `engine`'s SQLite file `database` while it runs."""

    def __init__(
        self,
        engine: Engine,
        database: str | os.PathLike[str],
        every: float | None = None,
        limit: int | None = None,
    ) -> None:
        self.engine = engine
        self.wal = Path(f"{os.fspath(database)}-wal")
        self.every = EVERY if every is None else every
        self.limit = LIMIT if limit is None else limit
        self.checkpoints = 0  # passive checkpoints run
        self.restarts = 0  # of them, those run between two of the writer's transactions
        # Held by `Store.writing` around each transaction, and here around a checkpoint that must
        # copy the whole log; ordered before the database's own locks, so the two never wait in a ring.
        self.gate = threading.RLock()
        self._logged = 0  # bytes in the log at the last checkpoint
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
                if self._logged > self.limit:
                    with self.gate:  # between two transactions: the next starts the log again
                        self.checkpoint()
                    self.restarts += 1
                else:
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
            cursor = raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            _busy, frames, _copied = cursor.fetchone()
            size = raw.driver_connection.execute("PRAGMA page_size").fetchone()[0]  # type: ignore[union-attr]
        finally:
            raw.close()
        self.checkpoints += 1
        self._logged = max(0, frames) * (size + 24)  # a frame: its page and a 24-byte header
