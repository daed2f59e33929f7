"""Opening the database, and writing analysed flows to it in batches.

`Store` owns the engine: it creates the schema (SQLite files with mode 0600, in WAL mode), checks the
recorded schema version, and writes a batch of analyses in one transaction.  `Writer` is the
background thread between a producer (the proxy's event loop, or a replay) and the store: producers
put exchanges on a bounded queue and never touch the database.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from phonehome.classifiers.model import Analysis, Destination, Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.models import (
    SCHEMA_VERSION,
    Base,
    DestinationRow,
    FindingRow,
    FlowRow,
    Meta,
    SessionRow,
    TlsFailureRow,
)
from sqlalchemy import Connection, Engine, create_engine, event, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession

log = logging.getLogger(__name__)


class StoreError(Exception):
    """The database cannot be opened or written. The message is one line for the user."""


def database_url(db: str) -> str:
    """A plain path means a SQLite file; anything with `://` is an SQLAlchemy URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file ourselves so it is born 0600: it holds personal data."""
    parsed = make_url(url)
    path = parsed.database
    if not parsed.drivername.startswith("sqlite") or not path or path == ":memory:":
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise StoreError(f"cannot create database {target}: folder {target.parent} does not exist")
    if not target.exists():
        fd = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(target, 0o600)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@dataclass(frozen=True, slots=True)
class TlsFailure:
    """The client refused our certificate for this host."""

    time: datetime
    host: str
    client_address: str | None
    server_ip: str | None
    error: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    stored: int = 0
    duplicates: int = 0


# SCHEMA_VERSION -> the Alembic revision (db/migrations/versions) that produces it.
REVISIONS = {1: "0001", 2: "0002"}
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


class Store:
    def __init__(self, db: str, *, create: bool = True) -> None:
        url = database_url(db)
        self.url = url
        try:
            if url.startswith("sqlite"):
                if create:
                    _private_sqlite_file(url)
                elif not Path(make_url(url).database or "").exists():
                    raise StoreError(
                        f"no database at {make_url(url).database}: capture or replay something first"
                    )
            self.engine: Engine = create_engine(url, future=True)
        except ArgumentError as exc:
            raise StoreError(f"not a database path or URL: {db!r} ({exc})") from exc
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            self._prepare(create)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {db}: {str(exc).splitlines()[0]}") from exc

    def _prepare(self, create: bool) -> None:
        tables = set(inspect(self.engine).get_table_names())
        if "meta" in tables:
            with OrmSession(self.engine) as s:
                row = s.get(Meta, "schema_version")
            found = int(row.value) if row else 0
            if found > SCHEMA_VERSION or found not in REVISIONS:
                raise StoreError(
                    f"database schema version {found}, this phonehome knows up to {SCHEMA_VERSION}: "
                    "use a newer phonehome (or a new --db)"
                )
            if found < SCHEMA_VERSION:
                self._migrate(found, "alembic_version" in tables)
            return
        if tables:
            raise StoreError("not a phonehome database (it has other tables and no schema version)")
        if not create:
            raise StoreError("empty database: capture or replay something first")
        Base.metadata.create_all(self.engine)
        with OrmSession(self.engine) as s, s.begin():
            s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        with self.engine.begin() as conn:
            command.stamp(alembic_config(conn), REVISIONS[SCHEMA_VERSION])

    def _migrate(self, found: int, stamped: bool) -> None:
        """Move an older database forward in one transaction; on failure nothing changes."""
        with self.engine.begin() as conn:
            cfg = alembic_config(conn)
            if not stamped:
                command.stamp(cfg, REVISIONS[found])
            command.upgrade(cfg, REVISIONS[SCHEMA_VERSION])
            conn.execute(update(Meta).where(Meta.key == "schema_version").values(value=str(SCHEMA_VERSION)))
        log.info("database migrated from schema version %d to %d", found, SCHEMA_VERSION)

    # -- sessions -------------------------------------------------------------------------------

    def open_session(self, label: str, source: str) -> int:
        """The id of the session with this label, created if new; a reused session is reopened."""
        with OrmSession(self.engine) as s, s.begin():
            row = s.scalar(select(SessionRow).where(SessionRow.label == label))
            if row is None:
                row = SessionRow(label=label, source=source, started=datetime.now(UTC))
                s.add(row)
                s.flush()
            else:
                row.ended = None
            return row.id

    def close_session(self, session_id: int) -> None:
        with OrmSession(self.engine) as s, s.begin():
            row = s.get(SessionRow, session_id)
            if row is not None:
                row.ended = datetime.now(UTC)

    # -- writing --------------------------------------------------------------------------------

    def write(self, session_id: int, device: str, items: Iterable[Analysis | TlsFailure]) -> WriteResult:
        """Store a batch in one transaction. Exchanges already stored (same fingerprint) are skipped."""
        analyses = [i for i in items if isinstance(i, Analysis)]
        failures = [i for i in items if isinstance(i, TlsFailure)]
        stored = duplicates = 0
        with OrmSession(self.engine) as s, s.begin():
            prints = {a.exchange.fingerprint for a in analyses if a.exchange.fingerprint}
            seen: set[str] = set()
            if prints:
                for chunk in _chunks(sorted(prints), 500):
                    seen.update(s.scalars(select(FlowRow.fingerprint).where(FlowRow.fingerprint.in_(chunk))))
            destinations = self.destination_ids(s, [a.destination for a in analyses])
            for analysis in analyses:
                fp = analysis.exchange.fingerprint or None
                if fp is not None and fp in seen:
                    duplicates += 1
                    continue
                if fp is not None:
                    seen.add(fp)
                s.add(_flow_row(session_id, device, analysis, destinations))
                stored += 1
            for failure in failures:
                s.add(
                    TlsFailureRow(
                        session_id=session_id,
                        time=failure.time,
                        client_address=failure.client_address,
                        host=failure.host,
                        server_ip=failure.server_ip,
                        error=failure.error,
                    )
                )
        return WriteResult(stored, duplicates)

    def destination_ids(
        self, s: OrmSession, dests: list[Destination], *, refresh: bool = False
    ) -> dict[tuple[str, str], int]:
        """Row ids for these destinations, adding new ones; `refresh` rewrites what is known of
        existing ones (after new geo databases or a newer entity map)."""
        wanted = {(d.host, d.ip or ""): d for d in dests}
        ids: dict[tuple[str, str], int] = {}
        for (host, ip), d in wanted.items():
            row = s.scalar(select(DestinationRow).where(DestinationRow.host == host, DestinationRow.ip == ip))
            if row is None:
                row = DestinationRow(host=host, ip=ip)
                _describe(row, d)
                s.add(row)
                s.flush()
            elif refresh:
                _describe(row, d)
            ids[(host, ip)] = row.id
        return ids

    def dispose(self) -> None:
        self.engine.dispose()


def _describe(row: DestinationRow, d: Destination) -> None:
    row.domain = d.domain
    row.country = d.country
    row.asn = d.asn
    row.as_org = d.as_org
    row.anycast = d.anycast
    row.entity = d.entity
    row.entity_country = d.entity_country
    row.categories = list(d.categories)
    row.region = d.region


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _flow_row(
    session_id: int, device: str, analysis: Analysis, destinations: dict[tuple[str, str], int]
) -> FlowRow:
    ex = analysis.exchange
    dest = analysis.destination
    return FlowRow(
        session_id=session_id,
        destination_id=destinations.get((dest.host, dest.ip or "")),
        fingerprint=ex.fingerprint or None,
        time=ex.time,
        client_address=ex.client_address,
        device=ex.client_address or device,
        method=ex.method,
        url=ex.url,
        host=ex.host,
        server_ip=dest.ip,
        status=ex.status,
        tls=ex.tls,
        http_version=ex.http_version,
        request_bytes=len(ex.request_body),
        response_bytes=ex.response_bytes,
        request_headers=[list(h) for h in ex.request_headers],
        request_body=ex.request_body,
        response_headers=[list(h) for h in ex.response_headers],
        error=ex.error,
        notes=list(analysis.notes),
        fields=analysis.fields,
        app=analysis.app,
        findings=finding_rows(analysis),
    )


def finding_rows(analysis: Analysis) -> list[FindingRow]:
    return [
        FindingRow(
            category=f.category.value,
            kind=f.kind.value,
            value=f.value,
            location=f.where.value,
            path=f.path,
            encodings=list(f.encodings),
            confidence=round(f.confidence, 3),
            source=f.source.value,
            detector=f.detector,
            hashed=f.hashed.value if f.hashed else None,
        )
        for f in analysis.findings
    ]


_STOP = object()


@dataclass(slots=True)
class WriterStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    tls_failures: int = 0
    findings: int = 0


class Writer:
    """A thread that classifies queued exchanges and commits them in batches.

    `submit_nowait` never blocks (the proxy's fast path); `submit` waits for room (replay, or the
    proxy's slow path run off the event loop).  `close` drains everything queued, then stops.  If
    the store fails, the writer stops writing, keeps the error, and `close` raises it: a failure is
    loud, never silent.  With a `spill`, every exchange that could not be stored from then on is
    handed to it (a HAR file the caller can replay later), so nothing captured is lost.
    """

    def __init__(
        self,
        store: Store,
        session_id: int,
        device: str = "",
        *,
        maxsize: int = 10_000,
        batch: int = 256,
        analyzer: Callable[[Exchange], Analysis] = analyze,
        on_batch: Callable[[WriteResult, int], None] | None = None,
        spill: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.device = device
        self.batch = batch
        self.analyzer = analyzer
        self.on_batch = on_batch
        self.spill = spill
        self.spilled = 0
        self.queue: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        self.stats = WriterStats()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="phonehome-writer", daemon=True)

    def start(self) -> Writer:
        self._thread.start()
        return self

    def submit_nowait(self, item: Exchange | TlsFailure) -> bool:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            return False
        return True

    def submit(self, item: Exchange | TlsFailure) -> None:
        if self.error is not None and self.spill is None:
            raise StoreError(f"the database writer stopped: {self.error}")
        self.queue.put(item)

    def close(self, timeout: float | None = None) -> WriterStats:
        if self._thread.is_alive():
            self.queue.put(_STOP)
            self._thread.join(timeout)
        if self.error is not None:
            kept = f"; {self.spilled} flows were saved to the spill file instead" if self.spilled else ""
            raise StoreError(f"could not write to the database: {str(self.error).splitlines()[0]}{kept}")
        return self.stats

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self.queue.get()
            if item is _STOP:
                break
            batch = [item]
            while len(batch) < self.batch:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stopping = True
                    break
                batch.append(nxt)
            self._write(batch)

    def _write(self, batch: list[object]) -> None:
        items: list[Analysis | TlsFailure] = []
        for item in batch:
            if isinstance(item, Exchange):
                items.append(self.analyzer(item))
            elif isinstance(item, TlsFailure):
                items.append(item)
        self.stats.received += len(items)
        if self.error is None:
            try:
                result = self.store.write(self.session_id, self.device, items)
            except Exception as exc:  # noqa: BLE001 - reported loudly by close() and the caller
                log.error("phonehome: cannot write to the database: %s", exc)
                self.error = exc
        if self.error is not None:
            self._spill(items)  # the error is reported on close
            return
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.tls_failures += sum(1 for i in items if isinstance(i, TlsFailure))
        self.stats.findings += sum(len(i.findings) for i in items if isinstance(i, Analysis))
        if self.on_batch is not None:
            self.on_batch(result, len(items))

    def _spill(self, items: list[Analysis | TlsFailure]) -> None:
        if self.spill is None:
            return
        for item in items:
            if isinstance(item, Analysis):
                try:
                    self.spill(item.exchange)
                    self.spilled += 1
                except Exception as exc:  # noqa: BLE001 - nothing more can be done; say so
                    log.error("phonehome: cannot save a flow to the spill file either: %s", exc)
