"""db/checkpoint.py: while a writer runs on SQLite, its commits leave the log to a thread of its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.db import checkpoint
from phonehome.db.checkpoint import Checkpointer
from phonehome.db.store import AUTOCHECKPOINT, Store, Writer
from sqlalchemy import Connection, text

T = datetime(2026, 12, 7, tzinfo=UTC)


def _ex(n: int) -> Exchange:
    # A 16 KB body: 300 flows take the log well past SQLite's 1,000 pages.
    body = (b"%06d" % n) * 2800
    return Exchange(T, "POST", f"https://t.example/c?n={n}", request_body=body, fingerprint=f"f{n}")


def _autocheckpoint(store: Store) -> int:
    with store.writing() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_a_running_writer_leaves_the_log_to_the_checkpoint_thread(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "c.db"))
    try:
        assert _autocheckpoint(store) == AUTOCHECKPOINT  # no writer: SQLite's own way
        assert "phonehome-checkpoint" not in _threads()
        sid = store.open_session("c", "replay")
        seen: list[int] = []
        writing = store.writing

        @contextmanager
        def watching() -> Iterator[Connection]:
            with writing() as conn:  # the transaction a batch is stored in
                seen.append(int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()))
                yield conn

        store.writing = watching  # type: ignore[method-assign]
        writer = Writer(store, sid, device="c", batch=50).start()
        for n in range(300):
            writer.submit(_ex(n))
        # The thread runs while the writer does, and copies the log within a few looks.
        deadline = time.monotonic() + 60
        while store._checkpointer is None and time.monotonic() < deadline:
            time.sleep(0.01)  # the writer's thread starts it
        checkpointer = store._checkpointer
        assert checkpointer is not None and "phonehome-checkpoint" in _threads()
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        stats = writer.close()
        assert stats.stored == 300
        assert checkpointer.checkpoints >= 1
        assert seen and set(seen) == {0}  # every batch's transaction left the log alone
        # Stopped with the writer; commits checkpoint themselves again.
        assert store._checkpointer is None and "phonehome-checkpoint" not in _threads()
        store.writing = writing  # type: ignore[method-assign]
        assert _autocheckpoint(store) == AUTOCHECKPOINT
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM flows")).scalar_one() == 300
    finally:
        store.dispose()


def test_the_checkpoint_copies_the_log_into_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "EVERY", 3600.0)  # its thread waits: the test checkpoints itself
    store = Store(str(tmp_path / "d.db"))
    try:
        sid = store.open_session("d", "replay")
        with store.checkpoints_elsewhere():
            store.write(sid, "d", [])
            from phonehome.classifiers.registry import analyze

            store.write(sid, "d", [analyze(_ex(n)) for n in range(300)])
            checkpointer = store._checkpointer
            assert checkpointer is not None
            # In WAL mode pages reach the database file only by a checkpoint: the commit made none.
            database, log = tmp_path / "d.db", tmp_path / "d.db-wal"
            before = database.stat().st_size
            assert log.stat().st_size > AUTOCHECKPOINT * 4096 > before
            checkpointer.checkpoint()
            assert database.stat().st_size > before + AUTOCHECKPOINT * 4096
    finally:
        store.dispose()


def test_nested_users_share_one_thread_and_dispose_stops_it(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "n.db"))
    try:
        with store.checkpoints_elsewhere():
            first = store._checkpointer
            with store.checkpoints_elsewhere():
                assert store._checkpointer is first
            assert store._checkpointer is first  # the outer user still runs
        assert store._checkpointer is None
        with store.checkpoints_elsewhere():
            running = store._checkpointer
            assert running is not None
            store.dispose()  # a store disposed with a writer still running stops the thread too
            assert store._checkpointer is None and not running._thread.is_alive()
    finally:
        store.dispose()


def test_other_databases_have_no_thread(tmp_path: Path, db_url: str) -> None:
    store = Store(db_url if db_url.startswith("postgresql") else "sqlite://")  # SQLite in memory: no log
    try:
        with store.checkpoints_elsewhere():
            assert store._checkpointer is None
            assert "phonehome-checkpoint" not in _threads()
    finally:
        store.dispose()


def test_a_failing_checkpoint_is_said_once_and_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(str(tmp_path / "f.db"))
    attempts = 0

    class Failing(Checkpointer):
        def checkpoint(self) -> None:
            nonlocal attempts
            attempts += 1
            raise RuntimeError("disk on fire")

    try:
        sid = store.open_session("f", "replay")
        checkpointer = Failing(store.engine, tmp_path / "f.db", every=0.01).start()
        for n in range(3):
            store.write(sid, "f", [])
            with store.writing() as conn:  # each commit changes the log: worth another try
                conn.exec_driver_sql(f"UPDATE sessions SET label = 'f{n}'")
            deadline = time.monotonic() + 30
            while attempts <= n and time.monotonic() < deadline:
                time.sleep(0.01)
        checkpointer.stop()
    finally:
        store.dispose()
    assert attempts >= 3
    said = [r for r in caplog.records if "could not checkpoint" in r.getMessage()]
    assert len(said) == 1 and "disk on fire" in said[0].getMessage()


def test_the_log_starts_again_once_it_passes_its_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that never pauses would keep the log from ever starting again: past `limit`, the
    thread checkpoints between two transactions, and the log stays near the limit."""
    monkeypatch.setattr(checkpoint, "LIMIT", 1 << 20)
    monkeypatch.setattr(checkpoint, "EVERY", 0.02)
    store = Store(str(tmp_path / "l.db"))
    try:
        sid = store.open_session("l", "replay")
        writer = Writer(store, sid, device="l", batch=20).start()
        for n in range(1500):  # about 25 MB of bodies, 25 times the limit
            writer.submit(_ex(n))
        deadline = time.monotonic() + 60
        while store._checkpointer is None and time.monotonic() < deadline:
            time.sleep(0.01)
        checkpointer = store._checkpointer
        assert checkpointer is not None
        largest = 0
        while writer.waiting and time.monotonic() < deadline:
            largest = max(largest, (tmp_path / "l.db-wal").stat().st_size)
            time.sleep(0.01)
        assert writer.close().stored == 1500
        assert checkpointer.restarts >= 1
        assert largest < 12 << 20  # not the 25 MB it would have grown to
    finally:
        store.dispose()
