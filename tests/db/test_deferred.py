"""db/deferred.py: a replay into an empty SQLite database builds the secondary indexes at its end."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db import deferred
from phonehome.db.queries import Filters, findings
from phonehome.db.store import Store
from sqlalchemy import text

from phonehome.pipeline import replay

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "corpus.har"
T = datetime(2026, 12, 7, tzinfo=UTC)


def _lacking(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {str(i.name) for i in deferred.missing(conn)}


ALL = {str(i.name) for i in deferred.DEFERRED}


def _watch(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The indexes lacking at each batch the store writes."""
    seen: list[set[str]] = []
    write = store.write

    def watching(*args: object, **kwargs: object) -> object:
        seen.append(_lacking(store))
        return write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "write", watching)
    return seen


def test_the_deferred_indexes_are_every_secondary_index_of_flows_and_findings() -> None:
    assert ALL == {
        "ix_flows_session_time", "ix_flows_host", "ix_flows_session_device_counts",
        "ix_flows_destination_counts", "ix_flows_time", "ix_findings_kind", "ix_findings_flow_kind",
    }  # fmt: skip


def test_a_replay_into_an_empty_database_builds_them_at_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(str(tmp_path / "e.db"))
    try:
        seen = _watch(store, monkeypatch)
        report = replay(store, [CORPUS])
        assert report.stored > 0 and seen and all(s == ALL for s in seen)  # none kept up row by row
        store.wait_for_indexes()
        assert _lacking(store) == set()
        # The flows' own unique fingerprint was kept all along: the same file again adds nothing.
        again = replay(store, [CORPUS])
        assert again.stored == 0 and again.duplicates == report.stored
        assert all(s == set() for s in seen[len(seen) - len(again.files) :])  # not empty: kept
    finally:
        store.dispose()


def test_a_replay_into_a_database_with_flows_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(str(tmp_path / "k.db"))
    try:
        sid = store.open_session("before", "replay")
        store.write(sid, "d", [analyze(Exchange(T, "GET", "https://t.example/?imei=861234567890127"))])
        seen = _watch(store, monkeypatch)
        assert replay(store, [CORPUS]).stored > 0
        assert seen and all(s == set() for s in seen)
    finally:
        store.dispose()


def test_a_load_that_fails_still_builds_them(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "f.db"))
    try:
        with pytest.raises(RuntimeError, match="reader broke"), store.bulk_load() as dropped:
            assert dropped and _lacking(store) == ALL
            raise RuntimeError("reader broke")
        store.wait_for_indexes()
        assert _lacking(store) == set()
    finally:
        store.dispose()


def test_they_are_built_on_a_thread_while_the_caller_reads_and_the_next_write_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load's end hands the build to a thread and returns: a read runs beside it (a replay's
    summary); a write, `wait_for_indexes` and `dispose` wait for it."""
    import threading

    store = Store(str(tmp_path / "t.db"))
    started, release = threading.Event(), threading.Event()
    build = deferred.build

    def held(conn: object) -> int:
        started.set()
        assert release.wait(10)
        return build(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(deferred, "build", held)
    try:
        with store.bulk_load() as dropped:
            assert dropped
            sid = store.open_session("s", "replay")
            store.write(sid, "d", [analyze(Exchange(T, "GET", "https://t.example/?imei=861234567890127"))])
        assert started.wait(10)  # the build runs, and the load has ended
        assert [f["kind"] for f in findings(store, Filters())] == ["imei"]  # a read meanwhile
        assert _lacking(store) == ALL
        wrote = threading.Event()
        writer = threading.Thread(target=lambda: (store.open_session("t", "replay"), wrote.set()))
        writer.start()
        assert not wrote.wait(0.3)  # the next write waits for the build
        release.set()
        writer.join(10)
        assert wrote.is_set() and _lacking(store) == set()
    finally:
        release.set()
        store.dispose()


def test_a_build_that_fails_is_said_and_left_to_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "b.db"
    store = Store(str(path))
    build = deferred.build

    def broken(conn: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(deferred, "build", broken)
    try:
        with store.bulk_load() as dropped:
            assert dropped
        store.wait_for_indexes()
        assert "building the indexes after the load failed (disk full)" in caplog.text
        assert _lacking(store) == ALL
    finally:
        store.dispose()
    monkeypatch.setattr(deferred, "build", build)
    writer = Store(str(path))  # the next capture or replay builds them before it writes
    try:
        assert _lacking(writer) == set()
    finally:
        writer.dispose()


def test_a_load_killed_midway_is_finished_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    store = Store(str(path))
    sid = store.open_session("s", "replay")
    with store.writing() as conn:
        assert deferred.drop_if_empty(conn)  # what a load does first; then the process dies
    store.write(sid, "d", [analyze(Exchange(T, "GET", "https://t.example/?imei=861234567890127"))])
    store.dispose()
    reader = Store(str(path), create=False)  # a command that only reads works, and changes nothing
    try:
        assert [f["kind"] for f in findings(reader, Filters())] == ["imei"]
        assert _lacking(reader) == ALL
    finally:
        reader.dispose()
    writer = Store(str(path))  # the next capture or replay builds them before it writes
    try:
        assert _lacking(writer) == set()
    finally:
        writer.dispose()


def test_a_second_writer_during_the_load_builds_them_and_the_load_ends_as_well(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    first = Store(str(path))
    try:
        with first.bulk_load() as dropped:
            assert dropped
            second = Store(str(path))  # another replay starts meanwhile: it builds them at once
            try:
                assert _lacking(second) == set()
                with second.bulk_load() as dropped_again:
                    # Its own load keeps them: the other load may have stored flows by now, and
                    # either way dropping what another process's load relies on is not its call.
                    assert dropped_again is (_count(second) == 0)
            finally:
                second.dispose()
        assert _lacking(first) == set()
    finally:
        first.dispose()


def _count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM flows")).scalar_one())


def test_other_databases_drop_nothing(postgres_url: str) -> None:
    store = Store(postgres_url)
    try:
        with store.bulk_load() as dropped:
            assert not dropped
        assert store.build_indexes() == 0
    finally:
        store.dispose()
