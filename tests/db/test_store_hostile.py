"""Hostile values and concurrent writers, on SQLite and on a real PostgreSQL server alike.

Every value here was once enough to lose a whole batch, an import or the rest of a capture: each
flow must now be stored, the same way on both databases, with its originals kept.
"""

from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.fit import INT_MAX
from phonehome.db.store import Store, StoreError, Unread, Writer
from sqlalchemy import text

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
IMEI = "861234567890127"


def _ex(url: str = "https://api.example.com/v1/e", **kw: object) -> Exchange:
    values: dict[str, object] = {
        "time": T0,
        "method": "POST",
        "url": url,
        "request_body": f'{{"imei":"{IMEI}"}}'.encode(),
        "request_headers": (("Content-Type", "application/json"),),
        "status": 200,
    }
    values.update(kw)
    return Exchange(**values)  # type: ignore[arg-type]


# Each poison a tester used, as (name, exchange, the column it lands in).
POISONS: list[tuple[str, Exchange, str]] = [
    ("huge status", _ex(status=99999999999999999999, fingerprint="p1"), "status"),
    ("status 2**31", _ex(status=2**31, fingerprint="p2"), "status"),
    ("huge size", _ex(response_bytes=10**19, fingerprint="p3"), "response_bytes"),
    ("long host", _ex(url=f"https://{'a' * 300}.example.com/?imei={IMEI}", fingerprint="p4"), "host"),
    ("long method", _ex(method="X" * 100, fingerprint="p5"), "method"),
    ("NUL in URL", _ex(url=f"https://api.example.com/a\x00b?imei={IMEI}", fingerprint="p6"), "url"),
    ("surrogate in URL", _ex(url="https://api.example.com/\udc00", fingerprint="p7"), "url"),
    (
        "surrogate in a header",
        _ex(request_headers=(("X-A", "\udc00\x00"),), fingerprint="p8"),
        "request_headers",
    ),
    ("long HTTP version", _ex(http_version="HTTP/" + "1" * 100, fingerprint="p9"), "http_version"),
    ("long client address", _ex(client_address="c" * 100, fingerprint="p10"), "client_address"),
    ("long fingerprint", _ex(fingerprint="f" * 500), "fingerprint"),
    ("bad Host header", _ex(url=f"http://a]b/?imei={IMEI}", fingerprint="p12"), ""),
]


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


@pytest.mark.parametrize(("name", "ex", "column"), POISONS, ids=[p[0] for p in POISONS])
def test_each_poison_is_stored_with_its_original(db_url: str, name: str, ex: Exchange, column: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("hostile", "capture")
        good = [_ex(url=f"https://ok.example.com/{i}", fingerprint=f"ok{i}") for i in range(3)]
        result = store.write(sid, "", [analyze(e) for e in [good[0], ex, *good[1:]]])
        assert (result.stored, result.unstored) == (4, ())
        ((originals, notes),) = _rows(store, "SELECT originals, notes FROM flows WHERE host NOT LIKE 'ok.%'")
        if column:
            originals = originals if isinstance(originals, dict) else __import__("json").loads(originals)
            assert column in originals, originals
            assert ast.literal_eval(originals[column]) == _original(ex, column)
            notes = notes if isinstance(notes, list) else __import__("json").loads(notes)
            assert any("changed to fit the database" in n for n in notes)
        # The findings of the poisoned flow are there too (its body carries an IMEI).
        assert (IMEI,) in _rows(store, "SELECT value FROM findings")
    finally:
        store.dispose()


def _original(ex: Exchange, column: str) -> object:
    if column == "request_headers":
        return [list(h) for h in ex.request_headers]
    if column == "host":
        return ex.host
    if column == "fingerprint":
        return ex.fingerprint
    return getattr(ex, column)


def test_poisons_store_the_same_on_every_database(db_url: str) -> None:
    """What is stored is decided before the database sees it: compare with the expected values."""
    store = Store(db_url)
    try:
        sid = store.open_session("same", "replay")
        store.write(sid, "", [analyze(e) for _, e, _ in POISONS])
        got = dict(_rows(store, "SELECT fingerprint, status FROM flows"))
        assert got["p1"] is None and got["p2"] is None and got["p4"] == 200
        assert _rows(store, "SELECT response_bytes FROM flows WHERE fingerprint = 'p3'") == [(INT_MAX,)]
        assert _rows(store, "SELECT length(host) FROM flows WHERE fingerprint = 'p4'") == [(255,)]
        assert _rows(store, "SELECT url FROM flows WHERE fingerprint = 'p6'") == [
            (f"https://api.example.com/a\ufffdb?imei={IMEI}",)
        ]
        assert _rows(store, "SELECT host FROM flows WHERE fingerprint = 'p12'") == [("a]b",)]
    finally:
        store.dispose()


def test_hostile_tls_failure_and_finding_values(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("tls", "capture")
        failure = Unread(T0, "h\x00" * 200, "c" * 100, "::1", "refused \udc00")
        body = b'{"email":"a\\u0000b@example.com","imei":"861234567890127"}'
        result = store.write(sid, "", [failure, analyze(_ex(request_body=body, fingerprint="x"))])
        assert result.stored == 1
        ((host, error),) = _rows(store, "SELECT host, error FROM blind_spots")
        assert len(host) == 255 and "\x00" not in host and error == "refused \ufffd"
    finally:
        store.dispose()


def test_a_long_label_is_refused_in_one_line(db_url: str) -> None:
    store = Store(db_url)
    try:
        with pytest.raises(StoreError, match="session label must be 1 to 200 characters"):
            store.open_session("l" * 201, "replay")
        with pytest.raises(StoreError):
            store.open_session("a\x00b", "replay")
    finally:
        store.dispose()


def test_writers_in_parallel_upsert_the_same_new_destinations(db_url: str) -> None:
    """Two writers (as two captures would) adding the same new destinations at once lose nothing."""
    Store(db_url).dispose()  # the schema, once
    stores = [Store(db_url, create=False) for _ in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(n: int) -> None:
        try:
            sid = stores[n].open_session("shared", "capture")  # the same new session, too
            start.wait()
            for batch in range(10):
                exchanges = [
                    _ex(
                        url=f"https://h{i}.example.com/",
                        fingerprint=f"w{n}-{batch}-{i}",
                        server_ip=f"192.0.2.{i}",
                    )
                    for i in range(30)
                ]
                stores[n].write(sid, "", [analyze(e) for e in exchanges])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert not errors, errors
        assert _rows(stores[0], "SELECT count(*), count(DISTINCT fingerprint) FROM flows") == [(600, 600)]
        assert _rows(stores[0], "SELECT count(*) FROM destinations") == [(30,)]
        assert _rows(stores[0], "SELECT count(*) FROM sessions") == [(1,)]
    finally:
        for s in stores:
            s.dispose()


def test_the_same_flow_from_two_writers_is_stored_once(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("dup", "replay")
        batch = [analyze(_ex(fingerprint="same")), analyze(_ex(fingerprint="same"))]
        first = store.write(sid, "", batch)
        second = store.write(sid, "", batch)
        assert (first.stored, first.duplicates, second.stored, second.duplicates) == (1, 1, 0, 2)
    finally:
        store.dispose()


def test_a_flow_the_database_refuses_costs_only_that_flow(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a row is still refused, the rest of its batch is stored and it alone is handed back."""
    from phonehome.db import store as store_module

    real = store_module.flow_values

    def poisoned(session_id: int, device: str, analysis, destinations, names=None):  # type: ignore[no-untyped-def]
        values = real(session_id, device, analysis, destinations, names)
        if analysis.exchange.fingerprint == "bad":
            values["method"] = "X" * 100  # past the fitting: PostgreSQL refuses it (varchar(32))
        return values

    monkeypatch.setattr(store_module, "flow_values", poisoned)
    store = Store(db_url)
    try:
        sid = store.open_session("refused", "replay")
        if store.engine.dialect.name == "sqlite":
            pytest.skip("SQLite stores any value in any column: nothing to refuse")
        result = store.write(sid, "", [analyze(_ex(fingerprint=f)) for f in ("a", "bad", "b")])
        assert result.stored == 2 and [e.fingerprint for e in result.unstored] == ["bad"]
    finally:
        store.dispose()


def test_the_writer_stores_every_poison_and_counts(db_url: str) -> None:
    store = Store(db_url)
    try:
        sid = store.open_session("writer", "capture")
        spilled: list[Exchange] = []
        writer = Writer(store, sid, spill=spilled.append).start()
        for _, ex, _ in POISONS:
            writer.submit(ex)
        for i in range(50):
            writer.submit(_ex(fingerprint=f"after{i}"))
        stats = writer.close()
        assert (stats.stored, stats.spilled, spilled) == (len(POISONS) + 50, 0, [])
    finally:
        store.dispose()


def test_a_flow_stored_by_another_writer_since_the_check_is_skipped_not_fatal(db_url: str) -> None:
    """The race the pre-check cannot see: the multi-row insert is undone and redone row by row."""
    from phonehome.db.store import flow_values

    store = Store(db_url)
    try:
        sid = store.open_session("race", "capture")
        store.write(sid, "", [analyze(_ex(fingerprint="taken"))])
        rows = [
            flow_values(sid, "", analyze(_ex(fingerprint=fp)), {}) for fp in ("fresh-1", "taken", "fresh-2")
        ]
        with store.writing() as conn:
            ids = store._insert_flows(conn, rows)
        assert ids[1] is None and None not in (ids[0], ids[2])
        assert _rows(store, "SELECT count(*) FROM flows") == [(3,)]
    finally:
        store.dispose()
