"""Opening the database, and writing analysed flows to it in batches.

`Store` owns the engine: it creates the schema (SQLite files with mode 0600, in WAL mode), checks the
recorded schema version, and writes a batch of analyses in one transaction.  Any number of processes
may write to one database at once: sessions and destinations are upserted (`INSERT ... ON
CONFLICT`), a flow already stored (same fingerprint) is skipped by the database itself, and SQLite
write transactions start with `BEGIN IMMEDIATE` so two writers queue instead of failing.

Every value is fitted to its column first (db/fit.py), the same on every database; a flow the
database still refuses is retried alone, then without its findings, and only then handed back as
unstored, so one hostile flow never costs the rest of its batch.

`Writer` is the background thread between a producer (the proxy's event loop, or a replay) and the
store: producers put exchanges on a queue and never touch the database.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonehome.classifiers.model import Analysis, Destination, Exchange, Finding
from phonehome.db import deferred, jsontext
from phonehome.db.bulk import insert_rows
from phonehome.db.checkpoint import Checkpointer
from phonehome.db.fit import clean, fit_row, plain
from phonehome.db.models import (
    BLIND_SPOTS,
    DESTINATIONS,
    FINDINGS,
    FLOWS,
    META,
    SCHEMA_VERSION,
    SESSIONS,
    BlindSpot,
    metadata,
)
from phonehome.db.tally import Tally
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError, StatementError

# Alembic, the detectors and the PostgreSQL dialect are imported when a database is migrated, a flow
# classified, a row written: commands that only read start without them
# (docs/performance.md#start-up).
if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from phonehome.db.workers import ClassifierPool
    from sqlalchemy.dialects import postgresql, sqlite

log = logging.getLogger(__name__)


def analyze(exchange: Exchange) -> Analysis:
    """The classifiers' `analyze` (phonehome.classifiers.registry), imported on first use."""
    from phonehome.classifiers.registry import analyze as classify

    return classify(exchange)


class StoreError(Exception):
    """The database cannot be opened or written. The message is one line for the user."""


def database_url(db: str) -> str:
    """A plain path means a SQLite file; anything with `://` is an SQLAlchemy URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _shown(db: str) -> str:
    """A database as messages may show it: a URL's password is never printed."""
    if "://" not in db:
        return db
    try:
        return make_url(db).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", db)


def _hidden(text: str, db: str) -> str:
    """A driver's message with the database's password taken out, wherever it appears."""
    try:
        password = make_url(db).password if "://" in db else None
    except ArgumentError:
        password = None
    return text.replace(db, _shown(db)).replace(str(password), "***") if password else text


def _sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL; None for an in-memory database or another database."""
    parsed = make_url(url)
    path = parsed.database
    if not parsed.drivername.startswith("sqlite") or not path or path == ":memory:":
        return None
    return path


def _sqlite_file(url: str) -> str | None:
    """`_sqlite_path`, but None for a `file:` URI too, whose path is not the file's."""
    path = _sqlite_path(url)
    return None if path is None or path.startswith("file:") else path


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file ourselves so it is born 0600: it holds personal data."""
    path = _sqlite_path(url)
    if path is None:
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise StoreError(f"cannot create database {target}: folder {target.parent} does not exist")
    if not target.exists():
        fd = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(target, 0o600)


AUTOCHECKPOINT = 1000  # pages: SQLite's own default, set on every connection and while no writer runs


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by `_sqlite_begin`, not by the driver's own guesses.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT}")
    cur.close()


def _postgresql_settings(dbapi_conn: Any, _record: Any) -> None:
    """No JIT compilation: phonehome's queries are short or stream their first rows at once, and on
    a million flows JIT took 139 of the 141 ms before `findings --host` printed its first line
    (docs/performance.md#queries-on-a-million-flows-python-benchmarksbigdbpy).  Committed, so the
    pool's rollback on return keeps it; servers before 11 have no JIT."""
    if getattr(getattr(dbapi_conn, "info", None), "server_version", 0) >= 110000:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET jit = off")
        dbapi_conn.commit()


def _sqlite_begin(conn: Connection) -> None:
    """Take the write lock when the transaction starts: a read-then-write transaction could
    otherwise fail at once with "database is locked" when another process wrote meanwhile; this way
    it waits (busy_timeout) like any other writer."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@dataclass(frozen=True, slots=True)
class Unread:
    """A connection the proxy saw but could not read (a blind spot): by default, a client that
    refused our certificate for this host."""

    time: datetime
    host: str
    client_address: str | None
    server_ip: str | None
    error: str
    kind: BlindSpot = BlindSpot.CLIENT_TLS


@dataclass(frozen=True, slots=True)
class WriteResult:
    stored: int = 0
    duplicates: int = 0
    # Flows the database refused even alone and without findings: the caller spills them.
    unstored: tuple[Exchange, ...] = ()
    fitted: int = 0  # flows stored with values changed to fit the database (originals kept)


LABEL_CHARS = 200  # SESSIONS.c.label
# What a database (or the driver, before it) says when it refuses one row's values; OperationalError,
# a subclass, means unreachable or locked instead and is caught first.
_REFUSED = (StatementError, ValueError, TypeError)


# SCHEMA_VERSION -> the Alembic revision (db/migrations/versions) that produces it.
REVISIONS = {
    1: "0001",
    2: "0002",
    3: "0003",
    4: "0004",
    5: "0005",
    6: "0006",
    7: "0007",
    8: "0008",
    9: "0009",
    10: "0010",
    11: "0011",
}
MIGRATIONS = Path(__file__).with_name("migrations")
# Alembic's record of the revision a database is at, as `alembic stamp` makes it in a new database.
# A new database gets it from here: opening one then needs no Alembic, which took 0.12 s to import
# and run, on the path to a replay's first batch.  tests/db/test_store.py holds it equal to Alembic's.
_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def alembic_config(connection: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


class Store:
    def __init__(
        self, db: str, *, create: bool = True, on_migrate: Callable[[int, int], None] | None = None
    ) -> None:
        """Open (or with `create`, make) the database `db`, moving an older schema forward first;
        `on_migrate(found, SCHEMA_VERSION)` is called before that, which on a big database can take
        a while (schema 11 rebuilds SQLite's findings: 15 s for 3,000,000)."""
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
            self.engine: Engine = create_engine(
                url, future=True, json_serializer=jsontext.dumps, json_deserializer=jsontext.loads
            )
        except ArgumentError as exc:
            raise StoreError(f"not a database path or URL: {_shown(db)!r}") from exc
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        elif self.engine.dialect.name == "postgresql":
            event.listen(self.engine, "connect", _postgresql_settings)
        self._dialect = self.engine.dialect.name
        # (host, address or "") -> the destination's row id, for those this process has seen
        # committed: a destination is never deleted and keeps its id, so a batch upserts and reads
        # back only the destinations it is the first to meet (docs/performance.md#many-processes).
        self._known_destinations: dict[tuple[str, str], int] = {}
        # An SQLite file's path (its log is this path + "-wal"), and the thread that checkpoints it
        # while a writer runs (`checkpoints_elsewhere`); None for other databases and in-memory ones.
        self._wal = _sqlite_file(url)
        self._checkpointer: Checkpointer | None = None
        self._checkpoint_users = 0
        self._checkpoint_lock = threading.Lock()
        # The indexes a bulk load left for later, being built while the caller reads on (`bulk_load`).
        self._building: threading.Thread | None = None
        try:
            self._prepare(create, on_migrate)
        except BaseException as exc:
            # A store that could not open keeps no connection (on PostgreSQL, a server session that
            # would stop the database from being dropped while this process lives).
            self.engine.dispose()
            if isinstance(exc, SQLAlchemyError):
                raise StoreError(
                    f"cannot open database {_shown(db)}: {_hidden(str(exc).splitlines()[0], db)}"
                ) from exc
            raise

    def _prepare(self, create: bool, on_migrate: Callable[[int, int], None] | None = None) -> None:
        tables = set(inspect(self.engine).get_table_names())
        if "meta" in tables:
            with self.engine.connect() as conn:
                value = conn.scalar(select(META.c.value).where(META.c.key == "schema_version"))
            found = int(value) if value is not None else 0
            if found > SCHEMA_VERSION or found not in REVISIONS:
                raise StoreError(
                    f"database schema version {found}, this phonehome knows up to {SCHEMA_VERSION}: "
                    "use a newer phonehome (or a new --db)"
                )
            if found < SCHEMA_VERSION:
                if on_migrate is not None:
                    on_migrate(found, SCHEMA_VERSION)
                self._migrate(found, "alembic_version" in tables)
            if create and self._dialect == "sqlite":
                with self.engine.connect() as conn:
                    lacking = deferred.missing(conn)
                if lacking:  # a bulk load stopped before it built them: a writer builds them now
                    log.info("building %d indexes a stopped load left for later", self.build_indexes())
            return
        if tables:
            raise StoreError("not a phonehome database (it has other tables and no schema version)")
        if not create:
            raise StoreError("empty database: capture or replay something first")
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            conn.execute(insert(META).values(key="schema_version", value=str(SCHEMA_VERSION)))
        with self.engine.begin() as conn:
            _ALEMBIC_VERSION.create(conn, checkfirst=True)
            conn.execute(insert(_ALEMBIC_VERSION).values(version_num=REVISIONS[SCHEMA_VERSION]))

    def _migrate(self, found: int, stamped: bool) -> None:
        """Move an older database forward in one transaction; on failure nothing changes."""
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(conn)
            if not stamped:
                command.stamp(cfg, REVISIONS[found])
            command.upgrade(cfg, REVISIONS[SCHEMA_VERSION])
            conn.execute(update(META).where(META.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
        log.info("database migrated from schema version %d to %d", found, SCHEMA_VERSION)

    # -- sessions -------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction (on SQLite it holds the write lock from its first statement)."""
        self.wait_for_indexes()
        checkpointer = self._checkpointer
        gate = checkpointer.gate if checkpointer is not None else contextlib.nullcontext()
        with gate, self.engine.connect().execution_options(write=True) as conn:
            if self._wal is not None:
                # Whether this commit copies the log into the database itself (SQLite's default) or
                # leaves that to the checkpoint thread of a running writer (db/checkpoint.py).
                pages = 0 if checkpointer is not None else AUTOCHECKPOINT
                conn.connection.dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={pages}")  # type: ignore[union-attr]
            with conn.begin():
                yield conn

    @contextmanager
    def bulk_load(self) -> Iterator[bool]:
        """A load of many flows: on an SQLite file that holds no flow yet, the secondary indexes of
        flows and findings are dropped for it and built when it ends (db/deferred.py).  Yields
        whether they were; elsewhere it changes nothing.

        They are built on a thread of their own while the caller reads on (a replay's summary,
        which is as quick without them: 0.13 s sooner on 20,000 flows); this Store's next write,
        `wait_for_indexes` and `dispose` wait for them."""
        if self._wal is None:
            yield False
            return
        with self.writing() as conn:
            dropped = deferred.drop_if_empty(conn)
        try:
            yield dropped
        finally:
            if dropped:
                self._building = threading.Thread(target=self._build_later, name="phonehome-indexes")
                self._building.start()

    def _build_later(self) -> None:
        try:
            self.build_indexes()
        except Exception as exc:  # noqa: BLE001 - the next writer to open the database builds them
            log.warning("phonehome: building the indexes after the load failed (%s); the next capture "
                        "or replay builds them", str(exc).splitlines()[0])  # fmt: skip

    def wait_for_indexes(self) -> None:
        """Return once the indexes a bulk load left to its thread are built (or failed to be)."""
        building = self._building
        if building is not None and building is not threading.current_thread():
            building.join()
            self._building = None

    def build_indexes(self) -> int:
        """Build the secondary indexes an SQLite database lacks (a bulk load left them for later, or
        was stopped before it built them); how many."""
        if self._dialect != "sqlite":
            return 0
        with self.writing() as conn:
            return deferred.build(conn)

    @contextmanager
    def checkpoints_elsewhere(self) -> Iterator[None]:
        """While in it, on an SQLite file, this Store's commits leave copying the log into the
        database to a thread of its own (db/checkpoint.py); elsewhere it changes nothing."""
        if self._wal is None:
            yield
            return
        with self._checkpoint_lock:
            self._checkpoint_users += 1
            if self._checkpointer is None:
                self._checkpointer = Checkpointer(self.engine, self._wal).start()
        try:
            yield
        finally:
            with self._checkpoint_lock:
                self._checkpoint_users = max(0, self._checkpoint_users - 1)  # 0 after `dispose`
                stopping = self._checkpointer if self._checkpoint_users == 0 else None
                self._checkpointer = None if stopping is not None else self._checkpointer
            if stopping is not None:
                stopping.stop()

    def _insert(self, table: Any) -> postgresql.Insert | sqlite.Insert:
        """This dialect's INSERT, with its ON CONFLICT clauses (both dialects spell them alike)."""
        from sqlalchemy.dialects import postgresql, sqlite

        if self._dialect == "postgresql":
            return postgresql.insert(table)
        if self._dialect == "sqlite":
            return sqlite.insert(table)
        raise StoreError(f"writing to {self._dialect} is not supported: use SQLite or PostgreSQL")

    def session_labels(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return {int(i): str(label) for i, label in conn.execute(select(SESSIONS.c.id, SESSIONS.c.label))}

    def add_findings(self, rows: list[dict[str, Any]]) -> int:
        """Findings for flows already stored (identifiers found by behaviour): each row a findings row.

        Idempotent: a row whose flow already has a finding of the same kind, value, place and source
        is left out, so running the same analysis twice adds nothing the second time.  Returns how
        many were added.
        """
        if not rows:
            return 0
        table = FINDINGS
        fitted = [fit_row(table, row)[0] for row in rows]  # type: ignore[arg-type]
        added = 0
        with self.writing() as conn:
            ids = sorted({row["flow_id"] for row in fitted})
            existing: set[tuple[Any, ...]] = set()
            for chunk in _chunks(ids, 500):
                existing.update(
                    conn.execute(
                        select(FINDINGS.c.flow_id, FINDINGS.c.kind, FINDINGS.c.value, FINDINGS.c.location,
                               FINDINGS.c.path, FINDINGS.c.source).where(FINDINGS.c.flow_id.in_(chunk))
                    ).all()
                )  # fmt: skip
            new = []
            for row in fitted:
                key = (row["flow_id"], row["kind"], row["value"], row["location"], row["path"], row["source"])
                if key not in existing:
                    existing.add(key)
                    new.append(row)
            if new:
                insert_rows(conn, FINDINGS, new)
                added = len(new)
                recount(conn, sorted({row["flow_id"] for row in new}))
        return added

    def open_session(self, label: str, source: str, zone: str | None = None) -> int:
        """The id of the session with this label, created if new; a reused session is reopened.

        Two processes opening the same new label at once get the same session.  `zone` is the
        capture's time zone (`machine_zone()` for a live capture when not given; a replay names its
        file's, else UTC); a reused session keeps the zone it has, or takes this one if it had none.
        """
        from phonehome.db.zones import machine_zone

        if zone is None:
            zone = machine_zone() if source == "capture" else "UTC"
        zone = zone[:64]
        if not label.strip() or len(label) > LABEL_CHARS or clean(label) != label:
            raise StoreError(
                f"session label must be 1 to {LABEL_CHARS} characters without NUL bytes or lone surrogates"
            )
        table = SESSIONS
        with self.writing() as conn:
            conn.execute(
                self._insert(table)
                .values(label=label, source=source, started=datetime.now(UTC), zone=zone)
                .on_conflict_do_nothing(index_elements=["label"])
            )
            conn.execute(update(SESSIONS).where(SESSIONS.c.label == label).values(ended=None))
            conn.execute(
                update(SESSIONS).where(SESSIONS.c.label == label, SESSIONS.c.zone.is_(None)).values(zone=zone)
            )
            session_id = conn.scalar(select(SESSIONS.c.id).where(SESSIONS.c.label == label))
        assert session_id is not None
        return session_id

    def session_zone(self, label: str) -> str:
        """The zone a session's times are shown in ("UTC" when it has none recorded)."""
        with self.engine.connect() as conn:
            zone = conn.scalar(select(SESSIONS.c.zone).where(SESSIONS.c.label == label))
        return str(zone or "UTC")

    def session_zones(self) -> dict[str, str]:
        """Every session's label and the zone its times are shown in ("UTC" when none is recorded)."""
        with self.engine.connect() as conn:
            return {
                str(label): str(zone or "UTC")
                for label, zone in conn.execute(select(SESSIONS.c.label, SESSIONS.c.zone))
            }

    def close_session(self, session_id: int) -> None:
        with self.writing() as conn:
            conn.execute(update(SESSIONS).where(SESSIONS.c.id == session_id).values(ended=datetime.now(UTC)))

    # -- writing --------------------------------------------------------------------------------

    def write(
        self,
        session_id: int,
        device: str,
        items: Iterable[Analysis | Unread],
        names: Mapping[str, str] | None = None,
    ) -> WriteResult:
        """Store a batch in one transaction. Exchanges already stored (same fingerprint) are skipped.

        A flow's device is the name `names` gives its client address, else that address, else
        `device` (a replay's label).

        If the database refuses the batch for a reason other than being unreachable or locked, each
        flow is retried on its own, so only what it refuses is affected (`WriteResult.unstored`).
        Unreachable or locked: the error is raised, for the caller to retry or spill.
        """
        items = list(items)
        analyses = [i for i in items if isinstance(i, Analysis)]
        failures = [i for i in items if isinstance(i, Unread)]
        try:
            learned: dict[tuple[str, str], int] = {}
            with self.writing() as conn:
                stored, duplicates, fitted = self._write_flows(
                    conn, session_id, device, analyses, names, learned
                )
                self._write_failures(conn, session_id, failures, names)
            self._learn(learned)
            return WriteResult(stored, duplicates, fitted=fitted)
        except OperationalError:
            raise
        except _REFUSED as exc:
            log.warning("a batch was refused (%s); storing its flows one by one", str(exc).splitlines()[0])
        return self._write_one_by_one(session_id, device, analyses, failures, names)

    def _write_one_by_one(
        self,
        session_id: int,
        device: str,
        analyses: list[Analysis],
        failures: list[Unread],
        names: Mapping[str, str] | None,
    ) -> WriteResult:
        stored = duplicates = fitted = 0
        unstored: list[Exchange] = []
        for analysis in analyses:
            done = False
            for attempt in (analysis, _without_findings(analysis)):
                learned: dict[tuple[str, str], int] = {}
                try:
                    with self.writing() as conn:
                        new, dup, fit = self._write_flows(conn, session_id, device, [attempt], names, learned)
                    self._learn(learned)
                except OperationalError:
                    raise
                except _REFUSED as exc:
                    log.warning("the database refused a flow: %s", str(exc).splitlines()[0])
                    continue
                stored += new
                duplicates += dup
                fitted += fit
                done = True
                break
            if not done:
                unstored.append(analysis.exchange)
        for failure in failures:
            try:
                with self.writing() as conn:
                    self._write_failures(conn, session_id, [failure], names)
            except OperationalError:
                raise
            except _REFUSED as exc:
                log.warning("the database refused a blind-spot record: %s", str(exc).splitlines()[0])
        return WriteResult(stored, duplicates, tuple(unstored), fitted)

    def _write_flows(
        self,
        conn: Connection,
        session_id: int,
        device: str,
        analyses: list[Analysis],
        names: Mapping[str, str] | None = None,
        learned: dict[tuple[str, str], int] | None = None,
    ) -> tuple[int, int, int]:
        """(stored, duplicates, stored with values fitted) for these flows, in `conn`'s transaction;
        the ids of destinations met for the first time are put in `learned` (see `destination_ids`)."""
        if not analyses:
            return 0, 0, 0
        destinations = self.destination_ids(conn, [a.destination for a in analyses], learned=learned)
        rows = [flow_values(session_id, device, a, destinations, names) for a in analyses]
        # Skip what is stored already (a replay run twice) and repeats within the batch.
        seen = stored_prints(conn, sorted({r["fingerprint"] for r in rows if r["fingerprint"]}))
        new: list[tuple[dict[str, Any], Analysis]] = []
        for row, analysis in zip(rows, analyses, strict=True):
            fp = row["fingerprint"]
            if fp is not None:
                if fp in seen:
                    continue
                seen.add(fp)
            new.append((row, analysis))
        ids = self._insert_flows(conn, [row for row, _ in new])
        findings: list[dict[str, Any]] = []
        stored = fitted = 0
        for flow_id, (row, analysis) in zip(ids, new, strict=True):
            if flow_id is None:  # another writer stored the same exchange a moment ago
                continue
            stored += 1
            fitted += row["originals"] is not None
            findings.extend(finding_values(analysis, flow_id))
        insert_rows(conn, FINDINGS, findings)
        return stored, len(analyses) - stored, fitted

    def _insert_flows(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int | None]:
        """Row ids in order, None for a flow another writer stored first.

        One multi-row insert; if another process stored one of these fingerprints since they were
        checked, the insert is undone (a savepoint) and each row goes in with ON CONFLICT DO NOTHING.
        """
        if not rows:
            return []
        flows: Table = FLOWS  # type: ignore[assignment]
        try:
            with conn.begin_nested():
                if self._dialect in ("sqlite", "postgresql"):
                    ids = self._new_ids(conn, len(rows))
                    insert_rows(conn, FLOWS, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
                    return list(ids)
                return list(
                    conn.scalars(flows.insert().returning(flows.c.id, sort_by_parameter_order=True), rows)
                )
        except IntegrityError:
            pass
        insert_flow = (
            self._insert(flows).on_conflict_do_nothing(index_elements=["fingerprint"]).returning(flows.c.id)
        )
        return [conn.scalar(insert_flow, row) for row in rows]

    def _new_ids(self, conn: Connection, n: int) -> list[int]:
        """Ids for `n` new flows, ascending, so they follow the batch's order: given here, the batch
        goes in as one `executemany` (SQLite) or one COPY (PostgreSQL, db/bulk.py).

        SQLite: its RETURNING does not promise the order of its rows, so SQLAlchemy inserts a batch
        that must return its ids in order one statement per row (a fifth of the cost of storing a
        flow).  SQLite numbers a new row one past the largest id in the table; this transaction
        holds the write lock from its first statement (`BEGIN IMMEDIATE`), so that largest id
        cannot move until it commits and the ids can be given here instead.

        PostgreSQL: drawn from the flows' sequence.  Other writers draw from it at the same time:
        ids are unique, not consecutive (as with SERIAL ids already).
        """
        if self._dialect == "postgresql":
            return sorted(conn.scalars(_DRAW_FLOW_IDS, {"n": n}))
        first = (conn.scalar(select(func.max(FLOWS.c.id))) or 0) + 1
        return list(range(first, first + n))

    def _write_failures(
        self,
        conn: Connection,
        session_id: int,
        failures: list[Unread],
        names: Mapping[str, str] | None = None,
    ) -> None:
        if not failures:
            return
        table = BLIND_SPOTS
        rows = [
            fit_row(table, {  # type: ignore[arg-type]
                "session_id": session_id, "time": f.time, "client_address": f.client_address,
                "device": device_of(f.client_address, "", names), "host": f.host, "server_ip": f.server_ip,
                "kind": f.kind.value, "error": f.error,
            })[0]
            for f in failures
        ]  # fmt: skip
        conn.execute(insert(BLIND_SPOTS), rows)

    def destination_ids(
        self,
        s: Connection,
        dests: list[Destination],
        *,
        refresh: bool = False,
        learned: dict[tuple[str, str], int] | None = None,
    ) -> dict[tuple[str, str], int]:
        """Row ids for these destinations, keyed by (host, ip or ""), adding new ones; `refresh`
        rewrites what is known of existing ones (after new geo databases or a newer entity map).

        Upserted: two writers adding the same new destination at once both get its one row.

        With `learned`, destinations this process saw committed are taken from what it remembers,
        with no statement, and the ids read here are put in `learned`, for the caller to pass to
        `_learn` once its transaction has committed (a rolled-back row must not be remembered).
        """
        table = DESTINATIONS
        known: dict[tuple[str, str], int] = {}
        wanted: dict[tuple[str, str], dict[str, Any]] = {}
        for d in dests:
            key = (d.host, d.ip or "")
            if key in known or key in wanted:  # a batch's flows to one server: one row to fit
                continue
            if (
                learned is not None
                and not refresh
                and (row_id := self._known_destinations.get(key)) is not None
            ):
                known[key] = row_id
                continue
            values, _ = fit_row(table, _destination_values(d))  # type: ignore[arg-type]
            wanted[key] = values
        if not wanted:
            return known
        rows = sorted(
            {(v["host"], v["ip"]): v for v in wanted.values()}.values(), key=lambda v: (v["host"], v["ip"])
        )
        insert = self._insert(table)
        if refresh:
            described = {c: insert.excluded[c] for c in _DESCRIBED}
            statement = insert.on_conflict_do_update(index_elements=["host", "ip"], set_=described)
        else:
            statement = insert.on_conflict_do_nothing(index_elements=["host", "ip"])
        ids: dict[tuple[str, str], int] = {}
        for chunk in _chunks(rows, 200):
            s.execute(statement, chunk)
            found = s.execute(
                select(table.c.id, table.c.host, table.c.ip).where(
                    tuple_(table.c.host, table.c.ip).in_([(v["host"], v["ip"]) for v in chunk])
                )
            )
            ids.update({(host, ip): row_id for row_id, host, ip in found})
        new = {key: ids[(v["host"], v["ip"])] for key, v in wanted.items()}
        if learned is not None:
            learned.update(new)
        return {**known, **new}

    def _learn(self, learned: dict[tuple[str, str], int]) -> None:
        """Remember destinations a committed transaction stored or read (bounded: a scan of many
        hosts starts over rather than growing without end)."""
        if len(self._known_destinations) + len(learned) > KNOWN_DESTINATIONS:
            self._known_destinations.clear()
        self._known_destinations.update(learned)

    def dispose(self) -> None:
        self.wait_for_indexes()
        with self._checkpoint_lock:
            checkpointer, self._checkpointer, self._checkpoint_users = self._checkpointer, None, 0
        if checkpointer is not None:
            checkpointer.stop()
        self.engine.dispose()


_DESCRIBED = (
    "domain",
    "country",
    "asn",
    "as_org",
    "anycast",
    "entity",
    "entity_country",
    "categories",
    "region",
)


# Destination ids a Store remembers: about 0.4 KB each with their keys, so at most about 7 MB; a
# phone's working set is hundreds of servers, a lab's a few thousand.
KNOWN_DESTINATIONS = 16_384


def _destination_values(d: Destination) -> dict[str, Any]:
    return {
        "host": d.host, "ip": d.ip or "", "domain": d.domain, "country": d.country, "asn": d.asn,
        "as_org": d.as_org, "anycast": d.anycast, "entity": d.entity, "entity_country": d.entity_country,
        "categories": list(d.categories), "region": d.region,
    }  # fmt: skip


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _without_findings(analysis: Analysis) -> Analysis:
    note = f"{len(analysis.findings)} findings could not be stored; `phonehome reanalyze` finds them again"
    return Analysis(
        exchange=analysis.exchange,
        findings=(),
        destination=analysis.destination,
        fields=analysis.fields,
        notes=(*analysis.notes, note),
        app=analysis.app,
        app_evidence=analysis.app_evidence,
    )


# Which of these fingerprints are stored: one statement, compiled once (a new `in_()` for every
# batch was built and compiled again each time).
_STORED_PRINTS = select(FLOWS.c.fingerprint).where(
    FLOWS.c.fingerprint.in_(bindparam("prints", expanding=True))
)
# The same question in the driver's own words, where SQLAlchemy's expanding parameter costs more
# than the query (it renders the list into the statement at every execution): PostgreSQL takes the
# list as one array; SQLite a `?` per print, 500 at a time, its text made once per length.
_PG_STORED_PRINTS = "SELECT fingerprint FROM flows WHERE fingerprint = ANY(%s)"


@lru_cache(maxsize=64)
def _sqlite_stored_prints(n: int) -> str:
    return f"SELECT fingerprint FROM flows WHERE fingerprint IN ({','.join('?' * n)})"


def stored_prints(conn: Connection, prints: list[str]) -> set[str]:
    """Those of `prints` that a flow in the database has."""
    if not prints:
        return set()
    dialect = conn.dialect.name
    if dialect == "postgresql":  # one array, however many
        return {fp for (fp,) in conn.exec_driver_sql(_PG_STORED_PRINTS, (prints,))}
    seen: set[str] = set()
    for chunk in _chunks(prints, 500):  # within any database's limit on parameters
        if dialect == "sqlite":
            rows = conn.exec_driver_sql(_sqlite_stored_prints(len(chunk)), tuple(chunk))
        else:
            rows = conn.execute(_STORED_PRINTS, {"prints": chunk})
        seen.update(fp for (fp,) in rows)
    return seen


# PostgreSQL: n new flow ids from the sequence behind flows.id (SERIAL: flows_id_seq; looked up,
# not spelled, in case a database was made otherwise).
_DRAW_FLOW_IDS = text("SELECT nextval(pg_get_serial_sequence('flows', 'id')) FROM generate_series(1, :n)")


def device_of(client_address: str | None, device: str, names: Mapping[str, str] | None) -> str:
    """The name the user gave this client address, else the address, else `device` (a replay's label)."""
    if client_address:
        return (names or {}).get(client_address, client_address)
    return device


def flow_values(
    session_id: int,
    device: str,
    analysis: Analysis,
    destinations: dict[tuple[str, str], int],
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The flow's row, every value fitted to its column; what had to change is noted and kept."""
    ex = analysis.exchange
    dest = analysis.destination
    values, originals = fit_row(
        FLOWS,  # type: ignore[arg-type]
        {
            "session_id": session_id,
            "destination_id": destinations.get((dest.host, dest.ip or "")),
            "fingerprint": ex.fingerprint or None,
            "time": ex.time,
            "client_address": ex.client_address,
            "device": device_of(ex.client_address, device, names),
            "method": ex.method,
            "url": ex.url,
            "host": ex.host,
            "server_ip": dest.ip,
            "status": ex.status,
            "tls": ex.tls,
            "http_version": ex.http_version,
            "request_bytes": len(ex.request_body),
            "response_bytes": ex.response_bytes,
            # Pairs as they are: the JSON column writes a pair as an array either way.
            "request_headers": list(ex.request_headers),
            "request_body": ex.request_body,
            "response_headers": list(ex.response_headers),
            "error": ex.error,
            "notes": list(analysis.notes),
            "fields": analysis.fields,
            "app": analysis.app,
            "app_evidence": analysis.app_evidence,
            **finding_counts(analysis),
        },
    )
    values["originals"] = None  # every row has every key: they are inserted many at a time
    if originals:
        if "fingerprint" in originals:
            values["fingerprint"] = _digest(ex.fingerprint)
        values["originals"] = originals
        values["notes"] = [
            *values["notes"],
            f"changed to fit the database (originals kept): {', '.join(originals)}",
        ]
    return values


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def kinds_listed(kinds: Iterable[str]) -> str:
    """A flow's `kinds` column: its findings' distinct kinds, sorted, joined by "," ("" for none)."""
    return ",".join(sorted(set(kinds)))


def finding_counts(analysis: Analysis) -> dict[str, Any]:
    """The flow's `findings` and `kinds` columns for the findings `finding_values` stores with it."""
    # A Kind's str() is its value, without `.value`'s Python descriptor (0.5 of 1.4 µs a flow).
    return {
        "findings": len(analysis.findings),
        "kinds": kinds_listed({str(f.kind) for f in analysis.findings}),
    }


def recount(conn: Connection, flow_ids: list[int]) -> None:
    """Set the `findings` and `kinds` columns of these flows from their rows in `findings`."""
    counted: dict[int, tuple[int, list[str]]] = {i: (0, []) for i in flow_ids}
    for chunk in _chunks(flow_ids, 500):
        for flow_id, kind, n in conn.execute(
            select(FINDINGS.c.flow_id, FINDINGS.c.kind, func.count())
            .where(FINDINGS.c.flow_id.in_(chunk))
            .group_by(FINDINGS.c.flow_id, FINDINGS.c.kind)
        ):
            total, kinds = counted[flow_id]
            counted[flow_id] = (total + n, [*kinds, kind])
    if counted:
        conn.execute(
            update(FLOWS)
            .where(FLOWS.c.id == bindparam("flow"))
            .values(findings=bindparam("n"), kinds=bindparam("listed")),
            [{"flow": i, "n": n, "listed": kinds_listed(kinds)} for i, (n, kinds) in counted.items()],
        )


def finding_values(analysis: Analysis, flow_id: int | None = None) -> list[dict[str, Any]]:
    """The rows of the analysis's findings (with `flow_id`, when given), every value fitted to its
    column.  Most findings fit as they are: their vocabulary is fixed and short (a test holds every
    member to its column) and their texts plain, which `_plain` checks in a few C calls; the others go
    through `fit_row`.  A StrEnum's `str()` is its value, without `.value`'s Python descriptor."""
    rows = []
    for f in analysis.findings:
        kind = f.kind
        confidence = round(f.confidence, 3)
        row = {
            "flow_id": flow_id, "category": str(kind.category), "kind": str(kind), "value": f.value,
            "location": str(f.where), "path": f.path, "encodings": list(f.encodings), "confidence": confidence,
            "source": str(f.source), "detector": f.detector, "hashed": None if f.hashed is None else str(f.hashed),
            "evidence": f.evidence or None,
        }  # fmt: skip
        if flow_id is None:
            del row["flow_id"]
        if not (0.0 <= confidence <= 1.0 and len(f.detector) <= _DETECTOR_LENGTH and _plain(f, row)):
            row = fit_row(FINDINGS, row)[0]  # type: ignore[arg-type]
        rows.append(row)
    return rows


_DETECTOR_LENGTH = FINDINGS.c.detector.type.length  # type: ignore[attr-defined]


def _plain(f: Finding, row: dict[str, Any]) -> bool:
    """Whether the finding's texts are plain strings: no NUL and no lone surrogate (what `fit_row`
    would replace), tested on their concatenation at once, and its confidence a float."""
    texts = [f.value, f.path, f.detector, f.evidence, *f.encodings]
    if type(row["confidence"]) is not float or not all(type(t) is str for t in texts):
        return False  # fit_row says what to do
    return plain("".join(texts))


_STOP = object()


# With worker processes, how long to wait for the first item of the next batch while the previous
# one is at the workers: short, so that when the traffic stops, that batch is stored at once.
PIPELINE_WAIT = 0.03
# Batches at the workers while an older one is stored: with two, neither the workers nor this thread
# waits for the other when one batch takes a little longer than the next (20k flows: the machine idle
# 64-69 instead of 78-100 µs a flow, docs/performance.md#replay).
AHEAD = 2


def _size(item: object) -> int:
    """About what an exchange holds in memory: its body, URL and headers."""
    if isinstance(item, Exchange):
        return (
            512
            + len(item.request_body)
            + len(item.url)
            + sum(len(k) + len(v) for k, v in item.request_headers)
        )
    return 256


# Notes the classifiers leave on a flow when part of its analysis failed (classifiers/registry.py).
_FAILURE_NOTES = ("analysis failed", "decoder failed", "detector ", "destination lookup failed")


@dataclass(slots=True)
class WriterStats:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    tls_failures: int = 0  # clients that refused our certificate
    blind_spots: int = 0  # other connections the proxy could not read (upstream TLS, not HTTP, UDP)
    findings: int = 0
    spilled: int = 0  # flows saved to the spill file instead of the database
    failed_analyses: int = 0  # flows stored with a note because classifying them failed
    # Flows stored with a problem noted on them: part of the analysis failed, or values were
    # changed to fit the database (originals kept).  `phonehome flows --json` shows the notes.
    noted: int = 0
    problems: list[str] = field(default_factory=list)  # one line each, for the stop summary


class Writer:
    """A thread that classifies queued exchanges and commits them in batches.

    `submit_nowait` never blocks (the proxy's fast path); `submit` waits for room (replay, or the
    proxy's slow path run off the event loop).  `close` drains everything queued, then stops.

    Durability is bounded by time, not count: a batch is committed as soon as `max_delay` seconds
    have passed since its first item (or it is full), and `lag()` says how long the oldest
    uncommitted item has waited, so the proxy can hold responses back (`wait_for_lag`) before the
    writer falls behind by more than a second.  With worker processes (`pool`) a batch is stored
    once the next one has gathered, so within about twice `max_delay` while flows keep coming
    (the capture's writer process: the proxy keeps each flow until it is stored).

    Nothing stops it silently: a flow whose analysis fails is stored with a note; a locked database is
    retried; a database that keeps failing makes the writer keep the error (`close` raises it) and
    hand every flow from then on to `spill` (a HAR file the caller can replay later).
    """

    def __init__(
        self,
        store: Store,
        session_id: int,
        device: str = "",
        *,
        maxsize: int = 10_000,
        batch: int = 256,
        max_delay: float = 0.25,
        retry_for: float = 10.0,
        analyzer: Callable[[Exchange], Analysis] = analyze,
        on_batch: Callable[[WriteResult, int], None] | None = None,
        spill: Callable[[Exchange], None] | None = None,
        names: Mapping[str, str] | None = None,
        pool: ClassifierPool | None = None,
        max_bytes: int = 16 * 1024 * 1024,
        live: bool = True,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.device = device
        self.names = dict(names or {})  # client address -> the device name the user gave it
        # Running counts for a live view, never a query; kept only with `live` (a replay shows none:
        # counting each finding there cost its process 8 µs a flow).
        self.tally = Tally()
        self.live = live
        # Worker processes that classify (db/workers.py); None: classify on this thread.
        self.pool = pool
        self.batch = batch
        self.max_delay = max_delay
        self.retry_for = retry_for
        self.analyzer = analyzer
        self.on_batch = on_batch
        self.spill = spill
        self.queue: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        # The writer thread, gathering a batch, sleeps until the queue holds `_wanted` items, or a
        # submit waits for room in the budget (`_blocked`, under `_room`): see `_collect`.
        self._wake = threading.Event()
        self._wanted = 0
        self._blocked = 0
        # Bytes of the exchanges queued or in a batch not yet stored: a reader of a file with big
        # bodies waits here rather than holding the file in memory (`max_bytes`).
        self.max_bytes = max_bytes
        self._bytes = 0
        self._room = threading.Condition()
        self.stats = WriterStats()
        self.error: BaseException | None = None
        # Submission times of the items not yet committed, oldest first.
        self._pending: collections.deque[float] = collections.deque()
        self._committed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="phonehome-writer", daemon=True)

    @property
    def spilled(self) -> int:
        return self.stats.spilled

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def waiting(self) -> int:
        """Items submitted and not yet stored or spilled."""
        return len(self._pending)

    def start(self) -> Writer:
        self._thread.start()
        return self

    def submit_nowait(self, item: Exchange | Unread) -> bool:
        size = _size(item)
        with self._room:
            if self._bytes and self._bytes + size > self.max_bytes:
                return False
            self._bytes += size
        self._pending.append(time.monotonic())
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self._forget(1)
            self._release(size)
            return False
        self._woken()
        return True

    def submit(self, item: Exchange | Unread) -> None:
        if self.error is not None and self.spill is None:
            raise StoreError(f"the database writer stopped: {self.error}")
        if not self.alive:
            self._spill([item], "the writer is not running")
            return
        size = _size(item)
        with self._room:
            # One item alone may exceed the budget; otherwise wait for the writer to store some.
            if self._bytes and self._bytes + size > self.max_bytes:
                self._blocked += 1  # the batch gathering now can grow no more: stored at once
                self._wake.set()
                try:
                    while self._bytes and self._bytes + size > self.max_bytes:
                        if not self.alive:
                            break
                        self._room.wait(0.5)
                finally:
                    self._blocked -= 1
            self._bytes += size
        self._pending.append(time.monotonic())
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                self._woken()
                return
            except queue.Full:
                if not self.alive:  # never wait forever on a writer that is gone
                    self._forget(1)
                    self._release(size)
                    self._spill([item], "the writer is not running")
                    return

    def lag(self) -> float:
        """Seconds the oldest item not yet committed has waited (0 when none is waiting)."""
        try:
            return max(0.0, time.monotonic() - self._pending[0])
        except IndexError:
            return 0.0

    def wait_for_lag(self, limit: float, timeout: float = 5.0) -> bool:
        """Block until `lag()` is at most `limit` (or `timeout`); True if it is."""
        deadline = time.monotonic() + timeout
        with self._committed:
            while self.lag() > limit and self.alive:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._committed.wait(min(remaining, 0.05))
        return self.lag() <= limit

    def close(self, timeout: float | None = None) -> WriterStats:
        if self._thread.is_alive():
            self.queue.put(_STOP)
            self._wake.set()
            self._thread.join(timeout)
        if self.error is not None:
            kept = f"; {self.spilled} flows were saved to the spill file instead" if self.spilled else ""
            raise StoreError(f"could not write to the database: {str(self.error).splitlines()[0]}{kept}")
        return self.stats

    def _forget(self, n: int) -> None:
        for _ in range(n):
            try:
                self._pending.popleft()
            except IndexError:
                break

    def _run(self) -> None:
        with self.store.checkpoints_elsewhere():
            self._loop()

    def _loop(self) -> None:
        # With worker processes, the next batches go to the workers before the oldest is stored, so
        # they classify while this thread writes (`AHEAD` batches in hand); without, one at a time.
        pending: collections.deque[tuple[list[object], Any]] = collections.deque()
        while True:
            batch: list[object] = []
            stopping = False
            try:
                stopping = self._collect(batch, None if not pending else PIPELINE_WAIT)
                sent = self._send(batch) if self.pool is not None else None
            except BaseException as exc:  # noqa: BLE001 - the writer must never die silently
                self._failed_batch(batch, exc)
                self._forget(len(batch))
                self._release(sum(_size(i) for i in batch))
                batch, sent = [], None
            sent_now = bool(batch) and sent is not None
            if sent_now:
                pending.append((batch, sent))
                batch = []
            # Stored in the order they came: the oldest batch when more than `AHEAD` are at the
            # workers or nothing new came, every one before a batch classified here, all at the end.
            every = stopping or bool(batch)
            while pending and (every or len(pending) > AHEAD or not sent_now):
                self._finish(*pending.popleft())
                if not every:
                    break
            if batch:
                self._finish(batch, None)
            if stopping:
                return

    def _finish(self, batch: list[object], sent: Any) -> None:
        """Classify (or collect from the workers) and store one batch; never raises."""
        try:
            self._write(batch, sent)
        except BaseException as exc:  # noqa: BLE001 - the writer must never die silently
            self._failed_batch(batch, exc)
            return
        finally:
            self._forget(len(batch))
            self._release(sum(_size(i) for i in batch))
            with self._committed:
                self._committed.notify_all()

    def _release(self, size: int) -> None:
        with self._room:
            self._bytes = max(0, self._bytes - size)
            self._room.notify_all()

    def _failed_batch(self, batch: list[object], exc: BaseException) -> None:
        log.critical("phonehome: the database writer failed (%s); saving flows to the spill file", exc)
        self.error = self.error or exc
        self._spill([i for i in batch if isinstance(i, Exchange | Unread)], "writer failure")

    def _send(self, batch: list[object]) -> Any:
        """Hand the batch's exchanges to the worker processes; None if they cannot take them."""
        from phonehome.db.workers import PoolBroken

        assert self.pool is not None
        try:
            return self.pool.submit([i for i in batch if isinstance(i, Exchange)])
        except PoolBroken as exc:
            self._no_pool(exc)
            return None

    def _no_pool(self, exc: BaseException) -> None:
        self._problem(f"{exc}: classified in this process instead")
        self.pool = None

    def _collect(self, batch: list[object], wait: float | None = None) -> bool:
        """Fill `batch` from the queue until it is full or `max_delay` has passed; True at the end.
        The first item is waited for `wait` seconds (None: as long as it takes).

        After the first item this thread sleeps until the batch can be filled (`_wake`, set by a
        submit that brings the queue to what the batch still wants) or the time is up, and then
        takes what is there at once: woken for each item instead, a live capture's writer thread
        gave up the interpreter and took it back once or twice a flow (docs/performance.md).  A
        submit waiting for room in the byte budget ends the gathering: no more can come until
        what is held is stored (a replay of big bodies waited out the delay every batch)."""
        if wait is not None and self._blocked and self.queue.empty():
            return False  # the reader waits for the batch at the workers to be stored: store it
        try:
            item = self.queue.get(timeout=wait)
        except queue.Empty:
            return False
        if item is _STOP:
            return True
        batch.append(item)
        # Once one came, gather for `max_delay` whether or not a batch is at the workers: gathering
        # only `wait` made a live capture's batches of 40 flows, and each batch costs its own
        # transaction, savepoint, id query and hand-over (docs/performance.md).
        deadline = time.monotonic() + self.max_delay
        while True:
            self._wake.clear()  # before looking: a submit from now on is seen by the wait below
            while len(batch) < self.batch:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    return True
                batch.append(nxt)
            remaining = deadline - time.monotonic()
            if len(batch) >= self.batch or remaining <= 0 or self._blocked:
                return False
            self._wanted = self.batch - len(batch)
            if self.queue.qsize() < self._wanted:  # else a submit came between; from now on it wakes us
                self._wake.wait(remaining)
            self._wanted = 0

    def _woken(self) -> None:
        """After a submit: wake the writer thread if the queue now holds what its batch wants."""
        wanted = self._wanted
        if wanted and self.queue.qsize() >= wanted:
            self._wake.set()

    def _analyse(self, item: Exchange) -> Analysis:
        """Classified on this thread: a detector that raises costs the flow its findings, with a note."""
        from phonehome.db.workers import analysed, is_failed

        analysis = analysed(self.analyzer, item)
        if is_failed(analysis):
            self.stats.failed_analyses += 1
            log.warning("phonehome: %s", analysis.notes[0])
            self._problem(analysis.notes[0])
        return analysis

    def _classify(self, exchanges: list[Exchange], sent: Any = None) -> list[Analysis]:
        """The analyses: collected from the workers the batch was sent to, else made on this thread."""
        if sent is not None and self.pool is not None:
            from phonehome.db.workers import PoolBroken

            lost = self.pool.stats.lost
            try:
                analyses = self.pool.collect(sent)
            except PoolBroken as exc:
                self._no_pool(exc)
            else:
                if self.pool.stats.lost > lost:
                    self.stats.failed_analyses += self.pool.stats.lost - lost
                    self._problem(
                        f"{self.pool.stats.lost - lost} flows stopped a classifier process (crash or no answer): "
                        "stored without findings, with a note"
                    )
                return analyses
        return [self._analyse(e) for e in exchanges]

    def _write(self, batch: list[object], sent: Any = None) -> None:
        analyses = iter(self._classify([i for i in batch if isinstance(i, Exchange)], sent))
        # In the order they came: flows and blind spots interleaved as the proxy saw them.
        items: list[Analysis | Unread] = [
            next(analyses) if isinstance(item, Exchange) else item
            for item in batch
            if isinstance(item, Exchange | Unread)
        ]
        if not items:
            return
        self.stats.received += len(items)
        result = self._store(items) if self.error is None else None
        if result is None:
            self._spill(items, "database unavailable")
            return
        if result.unstored:
            self._spill(list(result.unstored), "the database refused it")
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.noted += result.fitted + sum(
            1 for i in items if isinstance(i, Analysis) and any(n.startswith(_FAILURE_NOTES) for n in i.notes)
        )
        unread = [i.kind for i in items if isinstance(i, Unread)]
        self.stats.tls_failures += sum(1 for k in unread if k is BlindSpot.CLIENT_TLS)
        self.stats.blind_spots += sum(1 for k in unread if k is not BlindSpot.CLIENT_TLS)
        stored = [i for i in items if isinstance(i, Analysis) and i.exchange not in result.unstored]
        self.stats.findings += sum(len(i.findings) for i in stored)
        if self.live:
            self.tally.add_flows(
                (a, device_of(a.exchange.client_address, self.device, self.names)) for a in stored
            )
            if unread:
                self.tally.add_blind_spots(k.value for k in unread)
        if self.on_batch is not None:
            self.on_batch(result, len(items))

    def _store(self, items: list[Analysis | Unread]) -> WriteResult | None:
        """Write, retrying a locked or briefly unreachable database for `retry_for` seconds."""
        deadline = time.monotonic() + self.retry_for
        pause = 0.05
        while True:
            try:
                return self.store.write(self.session_id, self.device, items, self.names)
            except OperationalError as exc:
                if time.monotonic() + pause < deadline:
                    log.warning(
                        "phonehome: database busy or unreachable (%s); retrying", str(exc).splitlines()[0]
                    )
                    time.sleep(pause)
                    pause = min(pause * 2, 1.0)
                    continue
                self._fail(exc)
                return None
            except Exception as exc:  # noqa: BLE001 - reported loudly by close() and the caller
                self._fail(exc)
                return None

    def _fail(self, exc: BaseException) -> None:
        log.error("phonehome: cannot write to the database: %s", str(exc).splitlines()[0])
        self.error = exc

    def _problem(self, line: str) -> None:
        if len(self.stats.problems) < 20:
            self.stats.problems.append(line)

    def _spill(self, items: list[Any], why: str) -> None:
        exchanges = [i.exchange if isinstance(i, Analysis) else i for i in items]
        exchanges = [e for e in exchanges if isinstance(e, Exchange)]
        if not exchanges:
            return
        if self.spill is None:
            self._problem(f"{len(exchanges)} flows lost ({why}) and no spill file")
            return
        for ex in exchanges:
            try:
                self.spill(ex)
                self.stats.spilled += 1
            except Exception as exc:  # noqa: BLE001 - nothing more can be done; say so
                log.error("phonehome: cannot save a flow to the spill file either: %s", exc)
                self._problem(f"a flow was lost: the spill file failed too ({exc})")
