"""The store: private files, WAL, schema version, batched writes, de-duplication, loud failures."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.model import (
    Analysis,
    Category,
    Destination,
    Exchange,
    Finding,
    Hash,
    Kind,
    Source,
    Where,
    split_url,
)
from phonehome.classifiers.registry import analyze
from phonehome.db.models import FINDINGS, FLOWS, SCHEMA_VERSION
from phonehome.db.reanalyze import reanalyze
from phonehome.db.store import (
    _STORED_PRINTS,
    REVISIONS,
    Store,
    StoreError,
    Unread,
    Writer,
    database_url,
    stored_prints,
)
from sqlalchemy import select, text

from tests.db.conftest import back_to_version_1


def _exchange(i: int, fingerprint: str | None = None) -> Exchange:
    return Exchange(
        time=datetime(2026, 11, 20, 8, 0, i % 60, tzinfo=UTC),
        method="POST",
        url=f"https://api.example.com/v1/e?n={i}",
        request_headers=(("Content-Type", "application/json"),),
        request_body=b'{"email":"dana@example.com","imei":"861234567890127"}',
        status=200,
        server_ip="::ffff:203.0.113.9",
        fingerprint=fingerprint if fingerprint is not None else f"fp-{i}",
    )


@settings(max_examples=15, deadline=None)
@given(
    stored=st.lists(st.integers(0, 1200), max_size=40, unique=True),
    asked=st.lists(st.integers(0, 1200), max_size=1100, unique=True),
)
def test_stored_prints_answers_as_the_statement_does(
    db_url: str, stored: list[int], asked: list[int]
) -> None:
    """The driver-level lookup (an array on PostgreSQL, a `?` per print on SQLite, 500 at a time)
    finds exactly the stored fingerprints, as SQLAlchemy's statement does; odd texts included."""

    def fp(i: int) -> str:
        return f"fp-{i}-'\"%_?\u00e9" if i % 7 == 0 else f"fp-{i}"

    store = Store(db_url)
    try:
        with store.engine.begin() as conn:
            conn.execute(FLOWS.delete())
        sid = store.open_session("s", "replay")
        store.write(sid, "dev", [_analysis(_exchange(i, fp(i)), []) for i in stored])
        prints = sorted(fp(i) for i in asked)
        with store.engine.connect() as conn:
            found = stored_prints(conn, prints)
            expected: set[str] = set()
            for start in range(0, len(prints), 500):
                chunk = prints[start : start + 500]
                expected.update(conn.scalars(_STORED_PRINTS, {"prints": chunk}))
        assert found == expected == {fp(i) for i in set(stored) & set(asked)}
    finally:
        store.dispose()


def test_database_url_accepts_paths_and_urls(tmp_path: Path) -> None:
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_new_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    store = Store(str(db))
    try:
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar() == str(
                SCHEMA_VERSION
            )
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == REVISIONS[SCHEMA_VERSION]
            )
    finally:
        store.dispose()


def test_existing_file_is_made_private(tmp_path: Path) -> None:
    db = tmp_path / "loose.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    Store(str(db)).dispose()
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_schema_version_mismatch_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    store = Store(str(db))
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value='99' WHERE key='schema_version'"))
    store.dispose()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(str(db))


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE songs (id INTEGER)")
    with pytest.raises(StoreError, match="not a phonehome database"):
        Store(str(db))


def test_missing_database_for_reading(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        Store(str(tmp_path / "absent.db"), create=False)
    with pytest.raises(StoreError, match="does not exist"):
        Store(str(tmp_path / "no" / "such" / "folder.db"))


def test_write_deduplicates_by_fingerprint_and_keeps_bodies(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "d.db"))
    try:
        sid = store.open_session("s", "replay")
        first = store.write(sid, "dev", [analyze(_exchange(1)), analyze(_exchange(2)), analyze(_exchange(1))])
        assert (first.stored, first.duplicates) == (2, 1)
        again = store.write(sid, "dev", [analyze(_exchange(1)), analyze(_exchange(3, fingerprint=""))])
        assert (again.stored, again.duplicates) == (1, 1)
        with store.engine.connect() as conn:
            body, ip, headers = conn.execute(
                text("SELECT request_body, server_ip, request_headers FROM flows LIMIT 1")
            ).one()
            kinds = {r[0] for r in conn.execute(text("SELECT kind FROM findings"))}
            n_dest = conn.execute(text("SELECT count(*) FROM destinations")).scalar()
        assert body == _exchange(1).request_body
        assert ip == "203.0.113.9"  # IPv4-mapped IPv6 unwrapped
        assert '"Content-Type"' in headers
        assert kinds == {"email", "imei"}
        assert n_dest == 1
    finally:
        store.dispose()


def test_vocabulary_is_enforced_by_the_database(tmp_path: Path) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    store = Store(str(tmp_path / "c.db"))
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "dev", [analyze(_exchange(1))])
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(FINDINGS).values(flow_id=1, category="identifier", kind="shoe_size", value="44",
                         location="body", path="", encodings=[], confidence=0.5, source="key", detector="x"))  # fmt: skip
    finally:
        store.dispose()


def test_sessions_are_reused_by_label(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.db"))
    try:
        a = store.open_session("morning", "capture")
        store.close_session(a)
        assert store.open_session("morning", "capture") == a
        assert store.open_session("evening", "capture") != a
    finally:
        store.dispose()


def test_writer_batches_everything_and_counts(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    batches: list[int] = []
    try:
        sid = store.open_session("w", "replay")
        writer = Writer(store, sid, batch=64, on_batch=lambda result, n: batches.append(n)).start()
        for i in range(300):
            writer.submit(_exchange(i))
        writer.submit(Unread(datetime.now(UTC), "pinned.example.com", "10.0.0.2", None, "refused"))
        stats = writer.close()
        assert stats.stored == 300 and stats.tls_failures == 1 and stats.findings == 600
        assert sum(batches) == 301 and max(batches) <= 64
        assert len(batches) < 301  # batched, not one transaction per flow
    finally:
        store.dispose()


def test_an_analyzer_that_raises_costs_the_writer_that_flow_only(tmp_path: Path) -> None:
    """Classified on the writer's thread: the flow whose analysis raises is stored without findings,
    with a note, and counted; the flows around it as usual."""
    store = Store(str(tmp_path / "a.db"))
    try:
        sid = store.open_session("a", "replay")

        def raising(exchange: Exchange) -> Analysis:
            if exchange.fingerprint == "fp-3":
                raise ValueError("a detector broke")
            return analyze(exchange)

        writer = Writer(store, sid, analyzer=raising).start()
        for i in range(6):
            writer.submit(_exchange(i))
        stats = writer.close()
        assert (stats.stored, stats.findings, stats.failed_analyses) == (6, 10, 1)
        with store.engine.connect() as conn:
            notes = conn.execute(select(FLOWS.c.notes).where(FLOWS.c.fingerprint == "fp-3")).scalar_one()
        assert notes == ["analysis failed: ValueError: a detector broke"]
    finally:
        store.dispose()


def test_writer_failure_is_raised_on_close(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "f.db"))
    try:
        sid = store.open_session("f", "replay")
        writer = Writer(store, sid).start()

        def broken(*args: object) -> None:
            raise OSError("disk I/O error")

        store.write = broken  # type: ignore[method-assign, assignment]
        writer.submit(_exchange(1))
        with pytest.raises(StoreError, match="disk I/O error"):
            writer.close()
    finally:
        store.dispose()


def test_version_1_database_is_migrated_without_losing_anything(tmp_path: Path) -> None:
    """A database written before schema 2 (no flows.app, no alembic_version) opens, migrates, keeps every row."""
    db = tmp_path / "v1.db"
    store = Store(str(db))
    sid = store.open_session("old", "replay")
    store.write(sid, "old", [analyze(Exchange(datetime(2026, 11, 1, tzinfo=UTC), "GET",
                                              "https://t.example/x?imei=861234567890127", fingerprint="v1"))])  # fmt: skip
    store.dispose()
    con = sqlite3.connect(db)
    back_to_version_1(con.execute)
    con.commit()
    con.close()
    store = Store(str(db), create=False)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT value FROM meta WHERE key='schema_version'")).scalar() == str(
                SCHEMA_VERSION
            )
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                == REVISIONS[SCHEMA_VERSION]
            )
            assert conn.execute(text("SELECT count(*), min(app), min(originals) FROM flows")).one() == (
                1,
                None,
                None,
            )
            assert conn.execute(text("SELECT value FROM findings")).scalar() == "861234567890127"
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
        sid = store.open_session("new", "replay")
        store.write(sid, "new", [analyze(Exchange(datetime(2026, 11, 2, tzinfo=UTC), "GET", "https://t.example/y",
                                                  request_headers=(("X-Requested-With", "com.example.app"),),
                                                  fingerprint="v2"))])  # fmt: skip
        with store.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT app FROM flows WHERE fingerprint='v2'")).scalar()
                == "com.example.app"
            )
    finally:
        store.dispose()


def test_store_errors_never_show_a_password() -> None:
    with pytest.raises(StoreError) as info:
        Store("postgresql+psycopg://someone:hunter2-secret@127.0.0.1:1/nowhere")
    assert "hunter2-secret" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(StoreError) as info:
        Store("nodriver://someone:hunter2-secret@host/db")
    assert "hunter2-secret" not in str(info.value)


def test_the_writer_bounds_what_it_holds_by_bytes(tmp_path: Path) -> None:
    """A reader of big bodies waits for the writer instead of queueing the whole file in memory."""
    import threading
    import time as clock

    from phonehome.classifiers.registry import analyze as classify

    gate = threading.Event()

    def slow(ex: Exchange):  # type: ignore[no-untyped-def]
        gate.wait(30)
        return classify(ex)

    store = Store(str(tmp_path / "b.db"))
    try:
        sid = store.open_session("b", "replay")
        writer = Writer(store, sid, device="b", analyzer=slow, max_bytes=3_000_000).start()
        big = [Exchange(datetime(2026, 12, 6, tzinfo=UTC), "POST", f"https://t.example/{i}",
                        request_body=b"x" * 1_000_000, fingerprint=f"b{i}") for i in range(6)]  # fmt: skip
        assert writer.submit_nowait(big[0]) and writer.submit_nowait(big[1])
        assert not writer.submit_nowait(big[2])  # over the budget: the proxy's fast path says no
        done = threading.Event()
        threading.Thread(target=lambda: (writer.submit(big[3]), done.set()), daemon=True).start()
        clock.sleep(0.3)
        assert not done.is_set()  # waits for room while the writer is busy
        gate.set()
        assert done.wait(30)
        for ex in big[4:]:
            writer.submit(ex)
        stats = writer.close()
        assert stats.stored == 5  # every flow submitted was stored (big[2] was refused, never queued)
    finally:
        store.dispose()


# -- each flow's findings counted on the flow (schema 8): every writer of findings keeps them true ------

_KINDS = (Kind.IMEI, Kind.EMAIL, Kind.ANDROID_ID, Kind.COORDINATES)


def _finding(kind: Kind, value: str) -> Finding:
    return Finding(kind, value, Where.BODY, kind.value, (), 0.9, Source.KEY, f"detect_{kind.value}")


def _analysis(ex: Exchange, found: list[tuple[Kind, str]]) -> Analysis:
    host = split_url(ex.url).host
    return Analysis(ex, tuple(_finding(k, v) for k, v in found), Destination(host=host, domain=host))


def _behaviour_row(flow_id: int, kind: Kind, value: str) -> dict[str, object]:
    return {
        "flow_id": flow_id, "category": kind.category.value, "kind": kind.value, "value": value,
        "location": "body", "path": "id", "encodings": [], "confidence": 0.8, "source": "behaviour",
        "detector": "behaviour", "hashed": None, "evidence": "same in 3 requests",
    }  # fmt: skip


def _columns_and_counts(store: Store) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Each flow's (id, findings, kinds) as stored, and as counting its rows in `findings` gives."""
    with store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(text("SELECT id, findings, kinds FROM flows ORDER BY id"))]
        found: dict[int, list[str]] = {i: [] for i, _, _ in stored}
        for flow_id, kind in conn.execute(text("SELECT flow_id, kind FROM findings")):
            found[flow_id].append(kind)
    counted = [(i, len(kinds), ",".join(sorted(set(kinds)))) for i, kinds in found.items()]
    return stored, counted  # type: ignore[return-value]


def test_a_flow_is_stored_with_its_findings_counted(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "d.db"))
    try:
        sid = store.open_session("s", "replay")
        store.write(sid, "dev", [
            _analysis(_exchange(1), [(Kind.IMEI, "1"), (Kind.EMAIL, "a"), (Kind.IMEI, "2")]),
            _analysis(_exchange(2), []),
        ])  # fmt: skip
        stored, counted = _columns_and_counts(store)
        assert [(n, kinds) for _, n, kinds in stored] == [(3, "email,imei"), (0, "")]
        assert stored == counted
        flow_id = stored[1][0]
        assert store.add_findings([_behaviour_row(flow_id, Kind.ANDROID_ID, "x")]) == 1
        assert store.add_findings([_behaviour_row(flow_id, Kind.ANDROID_ID, "x")]) == 0  # idempotent
        stored, counted = _columns_and_counts(store)
        assert stored[1][1:] == (1, "android_id") and stored == counted
    finally:
        store.dispose()


def test_a_flow_stored_without_its_refused_findings_counts_none(tmp_path: Path) -> None:
    """A finding the database refuses (confidence out of range) is dropped, and the flow says 0."""
    store = Store(str(tmp_path / "d.db"))
    try:
        sid = store.open_session("s", "replay")
        bad = Finding(Kind.IMEI, "1", Where.BODY, "imei", (), 1.5, Source.KEY, "detect_imei")
        ex = _exchange(1)
        host = split_url(ex.url).host
        result = store.write(sid, "dev", [Analysis(ex, (bad,), Destination(host=host, domain=host))])
        assert result.stored == 1
        stored, counted = _columns_and_counts(store)
        assert stored == counted == [(stored[0][0], 0, "")]
    finally:
        store.dispose()


_FOUND = st.lists(st.tuples(st.sampled_from(_KINDS), st.sampled_from("abc")), max_size=4)
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("store"), st.lists(st.tuples(st.integers(0, 9), _FOUND), min_size=1, max_size=3)),
        st.tuples(
            st.just("add"),
            st.lists(
                st.tuples(st.integers(0, 20), st.sampled_from(_KINDS), st.sampled_from("abz")), max_size=4
            ),
        ),
        st.tuples(st.just("reanalyze"), _FOUND),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40)
@given(steps=_STEPS)
def test_finding_counts_stay_true_through_any_writes(db_url: str, steps: list[tuple[str, Any]]) -> None:
    """Whatever sequence of stores (with repeats), added findings and re-analyses runs, each flow's
    `findings` and `kinds` equal counting its rows in `findings`."""
    store = Store(db_url)
    try:
        label = f"s{len(store.session_labels())}"  # a session of its own for each example
        sid = store.open_session(label, "replay")
        for step, arg in steps:
            if step == "store":  # fingerprints 0-9 of this session: some are stored already
                store.write(sid, "dev", [_analysis(_exchange(i, f"{label}-{i}"), found) for i, found in arg])
            elif step == "add":
                with store.engine.connect() as conn:
                    ids = list(
                        conn.scalars(select(FLOWS.c.id).where(FLOWS.c.session_id == sid).order_by(FLOWS.c.id))
                    )
                if ids:
                    store.add_findings([_behaviour_row(ids[i % len(ids)], k, v) for i, k, v in arg])
            else:
                reanalyze(store, lambda ex, found=arg: _analysis(ex, found), session=label)
        stored, counted = _columns_and_counts(store)
        assert stored == counted
    finally:
        store.dispose()


_BATCHES = st.lists(
    st.one_of(
        st.tuples(st.just("store"), st.lists(st.integers(0, 15), min_size=1, max_size=6)),
        st.tuples(st.just("delete newest"), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40)
@given(steps=_BATCHES)
def test_every_finding_is_stored_on_the_flow_it_came_with(db_url: str, steps: list[tuple[str, Any]]) -> None:
    """Batches with repeats, and the newest flows deleted between them (so the next ids are ones used
    before): each finding is on its own flow.  The ids of a batch are given by the writer
    (`Store._new_ids`: counted on from the largest on SQLite, drawn from the sequence on
    PostgreSQL); both must pair them right."""
    store = Store(db_url)
    try:
        label = f"s{len(store.session_labels())}"
        sid = store.open_session(label, "replay")
        for step, arg in steps:
            if step == "store":
                store.write(sid, "dev", [
                    _analysis(_exchange(i, f"{label}-{i}"), [(Kind.EMAIL, f"{i}"), (Kind.IMEI, f"{i}")])
                    for i in arg
                ])  # fmt: skip
            else:
                with store.writing() as conn:
                    newest = list(
                        conn.scalars(
                            select(FLOWS.c.id)
                            .where(FLOWS.c.session_id == sid)
                            .order_by(FLOWS.c.id.desc())
                            .limit(arg)
                        )
                    )
                    conn.execute(FINDINGS.delete().where(FINDINGS.c.flow_id.in_(newest)))
                    conn.execute(FLOWS.delete().where(FLOWS.c.id.in_(newest)))
        with store.engine.connect() as conn:
            flows = dict(conn.execute(select(FLOWS.c.id, FLOWS.c.url).where(FLOWS.c.session_id == sid)).all())
            found = conn.execute(
                select(FINDINGS.c.flow_id, FINDINGS.c.value).where(FINDINGS.c.flow_id.in_(list(flows)))
            ).all()
        assert sorted(found) == sorted(
            (flow_id, url.rsplit("=", 1)[1]) for flow_id, url in flows.items() for _ in range(2)
        )
    finally:
        store.dispose()


def test_a_store_that_cannot_open_keeps_no_connection(postgres_url: str) -> None:
    """Refused (an empty database, read only): no server session stays open behind the error, so
    the database can be dropped at once by whoever made it (a benchmark, a lab's script)."""
    from sqlalchemy import create_engine

    name = postgres_url.rsplit("/", 1)[1]
    admin = create_engine(postgres_url)
    try:
        for _ in range(2):
            with pytest.raises(StoreError, match="empty database"):
                Store(postgres_url, create=False)
        with admin.connect() as conn:
            others = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                {"d": name},
            ).scalar_one()
        assert others == 0
    finally:
        admin.dispose()


def test_postgresql_connections_run_without_jit(postgres_url: str) -> None:
    """Set on every new connection and kept through the pool's rollback on return."""
    store = Store(postgres_url)
    try:
        for _ in range(2):
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
                conn.rollback()
        store.engine.dispose()  # a new connection: set again
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    finally:
        store.dispose()


def _destination_statements(store: Store) -> list[str]:
    """Every statement on `destinations` this store runs from now on (a list that fills as they run)."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "destinations" in statement:
            seen.append(statement.split(None, 1)[0])

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


def _flow_and_destination_hosts(store: Store, sid: int) -> list[tuple[str, str]]:
    """Each flow's host beside the host of the destination row it points at."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT f.host, d.host FROM flows f JOIN destinations d ON d.id = f.destination_id "
                "WHERE f.session_id = :s"
            ),
            {"s": sid},
        ).all()
    return [(flow_host, dest_host) for flow_host, dest_host in rows]


def test_a_batch_reads_only_destinations_this_process_has_not_met(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session(f"s{len(store.session_labels())}", "replay")
        statements = _destination_statements(store)
        assert (
            store.write(
                sid, "dev", [_analysis(_exchange(i, f"known-{sid}-{i}"), []) for i in range(3)]
            ).stored
            == 3
        )
        assert statements == ["INSERT", "SELECT"]  # api.example.com met for the first time
        statements.clear()
        assert (
            store.write(
                sid, "dev", [_analysis(_exchange(i, f"known-{sid}-{i}"), []) for i in range(3, 6)]
            ).stored
            == 3
        )
        assert statements == []
        other = _analysis(replace(_exchange(6, f"known-{sid}-6"), url="https://other.example.net/x"), [])
        assert store.write(sid, "dev", [_analysis(_exchange(7, f"known-{sid}-7"), []), other]).stored == 2
        assert statements == ["INSERT", "SELECT"]  # only other.example.net
        pairs = _flow_and_destination_hosts(store, sid)
        assert len(pairs) == 8 and all(flow_host == dest_host for flow_host, dest_host in pairs)
    finally:
        store.dispose()


def test_a_batch_fits_each_new_destination_once(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from phonehome.db import store as store_module

    fitted: list[str] = []
    real = store_module.fit_row

    def counting(table: Any, row: dict[str, Any]) -> Any:
        if table is store_module.DESTINATIONS:
            fitted.append(row["host"])
        return real(table, row)

    monkeypatch.setattr(store_module, "fit_row", counting)
    store = Store(db_url)
    try:
        sid = store.open_session(f"s{len(store.session_labels())}", "replay")
        flows = [
            _analysis(replace(_exchange(i, f"fit-{sid}-{i}"), url=f"https://f{i % 3}-{sid}.example/x"), [])
            for i in range(12)
        ]
        assert store.write(sid, "dev", flows).stored == 12
        assert sorted(fitted) == sorted(f"f{n}-{sid}.example" for n in range(3))
    finally:
        store.dispose()


def test_the_destination_ids_remembered_stay_within_their_bound(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A capture of days meets new servers all the while: the ids a store remembers are bounded, and
    a destination forgotten is read again, never given a wrong id."""
    from phonehome.db import store as store_module

    monkeypatch.setattr(store_module, "KNOWN_DESTINATIONS", 8)
    store = Store(db_url)
    try:
        sid = store.open_session(f"s{len(store.session_labels())}", "replay")
        for batch in range(12):
            flows = [
                _analysis(
                    replace(
                        _exchange(i, f"kb-{sid}-{batch}-{i}"),
                        url=f"https://h{(batch * 3 + i) % 20}.example/x",
                    ),
                    [],
                )
                for i in range(3)
            ]
            assert store.write(sid, "dev", flows).stored == 3
            assert len(store._known_destinations) <= 8  # noqa: SLF001
        pairs = _flow_and_destination_hosts(store, sid)
        assert len(pairs) == 36 and all(flow_host == dest_host for flow_host, dest_host in pairs)
    finally:
        store.dispose()


def test_a_destination_from_a_transaction_that_rolled_back_is_not_remembered(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The destination's row went with the rollback: the next batch must insert it again, not use the
    id it had in the undone transaction (its flows would point at no row)."""
    from sqlalchemy.exc import OperationalError

    store = Store(db_url)
    try:
        sid = store.open_session(f"s{len(store.session_labels())}", "replay")
        host = f"rolled-back-{sid}.example.org"
        flow = _analysis(replace(_exchange(1, f"rb-{sid}-1"), url=f"https://{host}/x"), [(Kind.EMAIL, "a")])

        def unreachable(*_: Any) -> Any:
            raise OperationalError("INSERT INTO flows", {}, Exception("the server went away"))

        monkeypatch.setattr(store, "_insert_flows", unreachable)
        with pytest.raises(OperationalError):
            store.write(sid, "dev", [flow])
        monkeypatch.undo()
        with store.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM destinations WHERE host = :h"), {"h": host}).scalar()
                == 0
            )
        result = store.write(sid, "dev", [flow])
        assert (result.stored, result.unstored) == (1, ())
        with store.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT d.host, count(n.id) FROM flows f JOIN destinations d ON d.id = f.destination_id "
                    "JOIN findings n ON n.flow_id = f.id WHERE f.session_id = :s GROUP BY d.host"
                ),
                {"s": sid},
            ).all()
        assert found == [(host, 1)]
    finally:
        store.dispose()


# -- finding rows ----------------------------------------------------------------------------------


def _finding_rows_through_fit_row(analysis: Analysis) -> list[dict[str, Any]]:
    """The rows as they were made before the plain-finding shortcut: every value through fit_row."""
    from phonehome.db.fit import fit_row

    return [
        fit_row(FINDINGS, {  # type: ignore[arg-type]
            "category": f.category.value, "kind": f.kind.value, "value": f.value, "location": f.where.value,
            "path": f.path, "encodings": list(f.encodings), "confidence": round(f.confidence, 3),
            "source": f.source.value, "detector": f.detector, "hashed": f.hashed.value if f.hashed else None,
            "evidence": f.evidence or None,
        })[0]
        for f in analysis.findings
    ]  # fmt: skip


_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "a\x00b", "\udc00", "x" * 70, "plain", "é"]),
)
_FINDING = st.builds(
    Finding,
    kind=st.sampled_from(list(Kind)),
    value=_TEXT,
    where=st.sampled_from(list(Where)),
    path=_TEXT,
    encodings=st.lists(_TEXT, max_size=3).map(tuple),
    confidence=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2), st.just(0.9)),
    source=st.sampled_from(list(Source)),
    detector=_TEXT,
    hashed=st.one_of(st.none(), st.sampled_from(list(Hash))),
    evidence=_TEXT,
)


@settings(max_examples=300, deadline=None)
@given(findings=st.lists(_FINDING, max_size=4), flow_id=st.one_of(st.none(), st.integers(1, 10**6)))
def test_finding_rows_are_those_fit_row_makes(findings: list[Finding], flow_id: int | None) -> None:
    """Whatever a finding holds (NUL, lone surrogates, long detectors, NaN or whole-number confidences),
    its row is the one fit_row makes, value for value and type for type."""
    from phonehome.db.store import finding_values

    ex = Exchange(datetime(2026, 12, 1, tzinfo=UTC), "GET", "https://x.example/")
    analysis = Analysis(ex, tuple(findings), Destination("x.example", "example"))
    expected = _finding_rows_through_fit_row(analysis)
    if flow_id is not None:
        expected = [{**row, "flow_id": flow_id} for row in expected]
    got = finding_values(analysis, flow_id)
    assert [sorted((k, repr(v), type(v)) for k, v in row.items()) for row in got] == [
        sorted((k, repr(v), type(v)) for k, v in row.items()) for row in expected
    ]


def test_every_member_of_the_vocabulary_fits_its_column() -> None:
    """What lets finding_values pass a finding's vocabulary through without fitting it."""
    from phonehome.db.fit import fit_row

    for column, enum in (("category", Category), ("kind", Kind), ("location", Where), ("source", Source),
                         ("hashed", Hash)):  # fmt: skip
        for member in enum:
            assert fit_row(FINDINGS, {column: str(member)}) == ({column: member.value}, {}), (column, member)  # type: ignore[arg-type]


def test_a_new_database_is_stamped_as_alembic_stamps_it(
    db_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A new database's `alembic_version` is made without Alembic: the same table, constraint and
    revision as `alembic stamp` makes, which Alembic then reads as its own."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from phonehome.db.store import alembic_config, database_url
    from sqlalchemy import create_engine, inspect

    store = Store(db_url)
    try:
        with store.engine.connect() as conn:
            ours = _alembic_table(conn)
            assert MigrationContext.configure(conn).get_current_revision() == REVISIONS[SCHEMA_VERSION]
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        store.dispose()
    # Alembic's own stamp, in an empty database of the same kind.
    sqlite = database_url(db_url).startswith("sqlite")
    other = str(tmp_path / "alembic.db") if sqlite else request.getfixturevalue("postgres_url")
    engine = create_engine(database_url(other))
    try:
        with engine.begin() as conn:
            command.stamp(alembic_config(conn), REVISIONS[SCHEMA_VERSION])
        with engine.connect() as conn:
            assert _alembic_table(conn) == ours
            assert inspect(conn).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()


def _alembic_table(conn: Any) -> tuple[object, ...]:
    from sqlalchemy import inspect

    found = inspect(conn)
    columns = [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns("alembic_version")]
    key = found.get_pk_constraint("alembic_version")
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return (
        columns,
        key["constrained_columns"],
        key["name"],
        found.get_unique_constraints("alembic_version"),
        rows,
    )


def test_creating_a_database_imports_no_alembic(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from phonehome.db.store import Store\n"
        f"Store({str(tmp_path / 'n.db')!r}).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_a_full_batch_is_stored_at_once_and_close_does_not_wait_for_the_delay(tmp_path: Path) -> None:
    """The writer thread sleeps while a batch gathers, not once a flow: it is woken when the queue
    holds what the batch still wants, and by `close`; it never sleeps through either."""
    import threading
    import time as clock

    store = Store(str(tmp_path / "g.db"))
    batches: list[int] = []
    stored = threading.Event()
    try:
        sid = store.open_session("g", "capture")
        writer = Writer(
            store, sid, batch=8, max_delay=60.0, on_batch=lambda result, n: (batches.append(n), stored.set())
        ).start()
        writer.submit_nowait(_exchange(0))  # the thread takes it, then sleeps for the rest
        clock.sleep(0.2)
        for i in range(1, 8):
            clock.sleep(0.01)
            assert writer.submit_nowait(_exchange(i))
        assert stored.wait(20), "a full batch waited for the delay"
        assert batches == [8]
        writer.submit_nowait(_exchange(8))  # a batch of one, gathering for a minute
        clock.sleep(0.2)
        started = clock.monotonic()
        stats = writer.close(timeout=30)
        assert clock.monotonic() - started < 20, "close waited for the delay"
        assert stats.stored == 9 and batches == [8, 1]
    finally:
        store.dispose()


def test_with_worker_processes_a_batch_gathers_for_the_whole_delay(tmp_path: Path) -> None:
    """With a batch at the workers, the next one still gathers for `max_delay` once it has begun
    (it gathered 0.03 s before: a live capture's batches were of 40 flows, each paying its own
    transaction); when nothing comes for a moment, the batch at the workers is stored at once."""
    import time as clock

    from phonehome.db.workers import ClassifierPool

    store = Store(str(tmp_path / "p.db"))
    pool = ClassifierPool(analyze, 1)
    batches: list[int] = []
    try:
        sid = store.open_session("p", "capture")
        writer = Writer(
            store, sid, pool=pool, max_delay=0.25, on_batch=lambda result, n: batches.append(n)
        ).start()
        writer.submit_nowait(_exchange(100))  # the worker's first answer, out of the way
        deadline = clock.monotonic() + 30
        while not batches and clock.monotonic() < deadline:
            clock.sleep(0.01)
        del batches[:]
        began = clock.monotonic()
        for i in range(100):  # one flow every 10 ms or so
            assert writer.submit_nowait(_exchange(i))
            clock.sleep(0.01)
        span = clock.monotonic() - began
        clock.sleep(1.0)
        assert sum(batches) == 100, "a batch at the workers waited for the next flow"
        # A batch every 0.25 s at most, and the last ones; with 0.03 s it was one every 0.04 s.
        assert len(batches) <= span / 0.25 + 3, (span, batches)
        assert writer.close().stored == 101
    finally:
        pool.close()
        store.dispose()


@settings(max_examples=25, deadline=None)
@given(
    gaps=st.lists(st.sampled_from([0.0, 0.0, 0.0005, 0.002, 0.02]), min_size=1, max_size=40),
    batch=st.integers(min_value=1, max_value=8),
    max_delay=st.sampled_from([0.005, 0.03]),
    nowait=st.booleans(),
    budget=st.sampled_from([16 << 20, 1500]),
)
def test_the_writer_stores_every_flow_once_in_order_whatever_the_timing(
    gaps: list[float], batch: int, max_delay: float, nowait: bool, budget: int
) -> None:
    """Flows handed over with any gaps between them (none, shorter or longer than the delay, a
    batch filling while the writer thread sleeps, a reader waiting for room in a budget of two
    flows): each stored once, in the order given, in batches no bigger than `batch`, and `close`
    ends it whatever the thread was waiting for."""
    import tempfile
    import time as clock

    batches: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "t.db"))
        try:
            sid = store.open_session("t", "capture")
            nothing = lambda ex: Analysis(ex, (), Destination(host="api.example.com", domain="example.com"))  # noqa: E731
            writer = Writer(
                store, sid, batch=batch, max_delay=max_delay, analyzer=nothing, max_bytes=budget,
                on_batch=lambda result, n: batches.append(n),
            ).start()  # fmt: skip
            for i, gap in enumerate(gaps):
                if gap:
                    clock.sleep(gap)
                if not (nowait and writer.submit_nowait(_exchange(i))):
                    writer.submit(_exchange(i))
            stats = writer.close(timeout=30)
            assert not writer.alive, "close did not end the writer"
            with store.engine.connect() as conn:
                prints = list(conn.scalars(select(FLOWS.c.fingerprint).order_by(FLOWS.c.id)))
        finally:
            store.dispose()
    assert stats.stored == len(gaps) and prints == [f"fp-{i}" for i in range(len(gaps))]
    assert sum(batches) == len(gaps) and max(batches) <= batch


@pytest.mark.parametrize("workers", [0, 1])
def test_a_reader_waiting_for_room_ends_the_gathering(tmp_path: Path, workers: int) -> None:
    """Bodies that fill the byte budget before a batch fills: the reader waits for room, so nothing
    more can come, and the batch is stored at once instead of after the delay (a replay of big
    bodies waited it out every batch), with worker processes or without."""
    import threading
    import time as clock

    from phonehome.db.workers import ClassifierPool

    store = Store(str(tmp_path / "r.db"))
    pool = ClassifierPool(analyze, workers) if workers else None
    try:
        sid = store.open_session("r", "replay")
        big = [
            Exchange(datetime(2026, 12, 7, tzinfo=UTC), "POST", f"https://t.example/{i}",
                     request_body=b"x" * 100_000, fingerprint=f"r{i}")
            for i in range(30)
        ]  # fmt: skip
        writer = Writer(store, sid, max_bytes=350_000, max_delay=60.0, pool=pool).start()
        done = threading.Event()

        def reading() -> None:
            for ex in big:
                writer.submit(ex)
            done.set()

        started = clock.monotonic()
        threading.Thread(target=reading, daemon=True).start()
        assert done.wait(30), "each batch waited for the delay"
        assert writer.close(timeout=30).stored == 30
        assert clock.monotonic() - started < 30
    finally:
        if pool is not None:
            pool.close()
        store.dispose()
