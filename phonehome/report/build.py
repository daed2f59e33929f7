"""The report's content, independent of format: what was sent, to whom, where, and the evidence.

`build_report` reads the store once through the public queries and returns plain data (the JSON
format is exactly this); the terminal, Markdown and HTML renderers only lay it out.  Values and
captured text are redacted here, before any renderer sees them, unless `reveal` is set.
"""

from __future__ import annotations

import gc
import math
import statistics
import threading
import weakref
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from phonehome.classifiers.destinations.entities import entity_map
from phonehome.classifiers.destinations.regions import ANYCAST, LOCAL, NO_ADDRESS, UNKNOWN
from phonehome.countries import country_name
from phonehome.datasafety import DATA_TYPES, Declaration
from phonehome.db import grouped, queries, workers
from phonehome.db.grouped import FlowGroup
from phonehome.db.store import Store
from phonehome.redact import Redactor
from phonehome.report import forked
from phonehome.summary import CATEGORY_ORDER, KIND_LABELS

REPORT_VERSION = 1
SOURCES = (
    "Server countries and networks: ip-location-db data (CC BY 4.0) from the NRO and the five RIRs, "
    "RouteViews, providers' geofeeds and DB-IP (https://db-ip.com), unless your own MaxMind files were given. "
    "Companies: phonehome's entity map (CC0). Anycast addresses have no single country."
)
EVIDENCE_PER_KIND = grouped.EVIDENCE_PER_KIND  # per device; the count of the rest is stated
UNKNOWN_APP = "unknown app"
APP_SIGNALS = 3  # distinct signals shown per app
Encoder = Callable[[dict[str, Any]], Any]  # a device's section -> what a renderer writes of it
_Masked = tuple[dict[tuple[str, str], None], bool]  # what `Redactor(values, reveal=...)` is made of


def more(items: list[str], n: int = 6) -> str:
    """A list never cut silently: the first `n`, then how many more."""
    return ", ".join(items[:n]) + (f" +{len(items) - n} more" if len(items) > n else "")


FINDING_KEYS = (
    "flow_id",
    "kind",
    "category",
    "value",
    "host",
    "country",
    "entity",
    "entity_country",
    "party",
    "app",
)
EVIDENCE_KEYS = FINDING_KEYS + ("time", "method", "url", "where", "path", "encodings", "source", "hashed",
                                "confidence", "evidence")  # fmt: skip
NOT_PLACES = {UNKNOWN, NO_ADDRESS, ANYCAST, LOCAL}
# The order a person would want to hear about them: who you are, where you are, what you read.
HEADLINE_ORDER = (
    "password", "imei", "meid", "imsi", "iccid", "serial_number", "android_id", "mac_address", "advertising_id",
    "phone_number", "email", "person_name", "postal_address", "coordinates", "cell_tower", "wifi_network",
    "visited_url", "search_query", "device_id", "tracking_id", "installed_apps", "app_activity", "device_model",
    "os_version", "carrier",
)  # fmt: skip
HEADLINE_LABELS = {
    "advertising_id": "your advertising ID", "imei": "your phone's IMEI", "android_id": "your Android ID",
    "serial_number": "your phone's serial number", "imsi": "your SIM's subscriber ID (IMSI)",
    "iccid": "your SIM card number", "meid": "your phone's MEID", "mac_address": "your Wi-Fi MAC address",
    "device_id": "a device ID", "phone_number": "your phone number", "email": "your email address",
    "coordinates": "your precise location", "cell_tower": "the mobile cell you were in",
    "wifi_network": "the Wi-Fi networks around you", "visited_url": "the sites you browsed",
    "search_query": "your searches", "installed_apps": "the list of your installed apps",
    "app_activity": "which apps and screens you used", "device_model": "your phone's model",
    "os_version": "your OS version", "carrier": "your mobile carrier",
    "password": "a password", "person_name": "your name", "postal_address": "your postal address",
    "tracking_id": "a tracking ID that follows you across visits",
}  # fmt: skip


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(slots=True)
class _Receiver:
    """What a device's flows to one receiver add up to."""

    first: dict[str, Any]  # the first flow's row: the receiver's entity, its country and the party
    hosts: dict[str, None] = field(default_factory=dict)
    server_countries: Counter[str] = field(default_factory=Counter)
    flows: int = 0
    times: array[int] = field(default_factory=lambda: array("q"))  # each flow's time, µs since 1970


@dataclass(slots=True)
class _App:
    flows: int = 0
    hosts: set[str] = field(default_factory=set)
    evidence: Counter[str] = field(default_factory=Counter)  # as stored: redacted when the report is made


@dataclass(slots=True)
class _Device:
    """One device's flows and findings, counted from the groups `db.grouped` reads: nothing is kept
    per flow or finding but each flow's time and the ids of the evidence shown (EVIDENCE_PER_KIND per
    kind, read whole when the device's section is made).
    Groups come in the order of their first row, so every count keeps the order in which its keys
    first appeared in the rows themselves, and ties come out as they would from the rows."""

    session: str
    device: str
    flows: int = 0
    hosts: dict[str, None] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None
    vendors: Counter[str] = field(default_factory=Counter)
    receivers: dict[str, _Receiver] = field(default_factory=dict)
    server: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # country -> its first flow's region, flows
    apps: dict[str | None, _App] = field(default_factory=dict)
    notes: dict[str, Counter[str]] = field(default_factory=dict)  # host -> note as stored -> flows
    cleartext_flows: int = 0
    findings: int = 0
    category: dict[str, str] = field(default_factory=dict)  # kind -> the category of its first finding
    per_kind: Counter[str] = field(default_factory=Counter)
    places: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # kind, receiver, server country
    app_kinds: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    app_receivers: Counter[tuple[str | None, str]] = field(default_factory=Counter)
    cleartext: Counter[tuple[str, str]] = field(default_factory=Counter)  # host, kind: flows without TLS
    declared: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # receiver, host, app, kind
    distinct: Counter[str] = field(default_factory=Counter)  # kind -> distinct values
    evidence: list[tuple[int, int]] = field(default_factory=list)  # (finding id, flow id) shown, in order
    tls: list[dict[str, Any]] = field(default_factory=list)
    unsent: Counter[tuple[str, str]] = field(default_factory=Counter)  # host, kind: requests that never left
    unread: list[dict[str, Any]] = field(
        default_factory=list
    )  # other blind spots: upstream TLS, not HTTP, UDP
    # What the headline and the section both read of the counts, made once (`_listed`), never changed.
    listed: tuple[dict[str, Counter[tuple[str, str]]], list[dict[str, Any]], list[str]] | None = None

    def add_flows(self, group: FlowGroup, receiver: str) -> None:
        """`group.flows` flows that the report cannot tell apart."""
        row, n = group.flow, group.flows
        self.flows += n
        host, country = row["host"], row["country"]
        self.hosts[host] = None
        if self.first is None or group.first < self.first:
            self.first = group.first
        if self.last is None or group.last > self.last:
            self.last = group.last
        if row.get("vendor"):
            _add(self.vendors, row["vendor"], n)
        rec = self.receivers.get(receiver)
        if rec is None:
            rec = self.receivers[receiver] = _Receiver(row)
        rec.hosts[host] = None
        _add(rec.server_countries, country, n)
        rec.flows += n
        rec.times.extend(group.times)
        place = self.server.get(country)
        if place is None:
            place = self.server[country] = {"region": row["region"], "flows": 0}
        place["flows"] += n
        name = row.get("app") or None
        app = self.apps.get(name)
        if app is None:
            app = self.apps[name] = _App()
        app.flows += n
        app.hosts.add(host)
        if name and row.get("app_evidence"):
            _add(app.evidence, str(row["app_evidence"]), n)
        if row["notes"]:
            notes = self.notes.setdefault(host, Counter())
            for note in row["notes"]:
                _add(notes, str(note), n)
        if not row["tls"]:
            self.cleartext_flows += n

    def add_findings(
        self, flow: dict[str, Any], category: str, kind: str, n: int, receiver: str, declared: bool
    ) -> None:
        """`n` findings of one kind, sent, in flows that the report cannot tell apart (`flow`)."""
        host, app = flow["host"], flow.get("app") or None
        self.findings += n
        if kind not in self.category:
            self.category[kind] = category
        # `_add` written out: this runs once per group, category and kind (80,000 times a session).
        per_kind, places = self.per_kind, self.places
        app_kinds, app_receivers = self.app_kinds, self.app_receivers
        per_kind[kind] = per_kind.get(kind, 0) + n
        place = (kind, receiver, flow["country"])
        places[place] = places.get(place, 0) + n
        sent = (app, kind)
        app_kinds[sent] = app_kinds.get(sent, 0) + n
        to = (app, receiver)
        app_receivers[to] = app_receivers.get(to, 0) + n
        if not flow["tls"]:
            _add(self.cleartext, (host, kind), n)
        if declared:
            _add(self.declared, (receiver, host, flow.get("app") or "", kind), n)


def _add(counts: dict[Any, int], key: Any, n: int) -> None:
    """`counts[key] += n` for a Counter, without its `__missing__` (a Python call) for a new key: the
    same counts in the same order, faster over the hundred thousand keys of a big report."""
    counts[key] = counts.get(key, 0) + n


def receiver_of(row: dict[str, Any], domain: str = "") -> str:
    """Who received a flow: the company, else the registrable domain (marked as unknown company):
    `domain` if given (as stored with the flow's destination), else worked out from the host."""
    if row.get("entity"):
        return str(row["entity"])
    if not domain:
        from phonehome.classifiers.destinations.domains import registrable_domain

        domain = registrable_domain(row["host"])
    return f"{domain} (company unknown)"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


KEEP_BYTES = 100_000_000  # counts kept between reading and writing; other devices are counted again


class _Counter:
    """Counts each device of a scope from its grouped reads (db/grouped.py), sharing what every device
    needs: who received a host's flows, who sent them."""

    def __init__(self, f: queries.Filters, declared: bool) -> None:
        self.f = f
        self.declared = declared
        self._senders: queries._Senders | None = None
        self._receivers: dict[tuple[str | None, str], str] = {}

    def senders(self, conn: Connection) -> queries._Senders:
        """Who sent the flows, read through `conn`: worked out once for every device and pass."""
        if self._senders is None:
            self._senders = grouped.senders(conn)
        return self._senders.reading(conn)

    def forget(self) -> None:
        """Let go of what was worked out per flow (`_Senders.forget`): between devices."""
        if self._senders is not None:
            self._senders.forget()

    def receiver(self, row: dict[str, Any], domain: str = "") -> str:
        """`receiver_of(row, domain)`, once for each company and host: a device's evidence is named
        from what its counting worked out, so the public suffix list is loaded only for a host stored
        without its domain."""
        key = (row.get("entity"), row["host"])
        if key not in self._receivers:
            self._receivers[key] = receiver_of(row, domain)
        return self._receivers[key]

    def count(
        self, conn: Connection, session: str, device: str, values: dict[tuple[str, str], None]
    ) -> tuple[_Device, int]:
        """The device's counts, and about how many bytes they hold; its (kind, value) pairs go to `values`."""
        g = _Device(session, device)
        read = grouped.scan(conn, replace(self.f, session=session, device=device), EVIDENCE_PER_KIND,
                            self.senders(conn))  # fmt: skip
        names = []
        for flows in read.groups:
            name = self.receiver(flows.flow, flows.domain)
            g.add_flows(flows, name)
            names.append(name)
        for (at, category, kind), n in read.findings.items():
            flows = read.groups[at]
            if flows.sent:
                g.add_findings(flows.flow, category, kind, n, names[at], self.declared)
            else:  # never reached its server: listed as not sent, never counted as sent
                _add(g.unsent, (flows.flow["host"], kind), n)
        for _, _, kind, value in read.values:
            _add(g.distinct, kind, 1)
            values[kind, value] = None
        g.evidence = [(finding_id, flow_id) for finding_id, flow_id, _, _ in read.evidence]
        # The groups' and counts' entries, about 200 bytes each, and each flow's time.
        return g, 200 * (len(read.groups) + len(read.findings) + len(read.values)) + 8 * g.flows


@dataclass(slots=True)
class _Summary:
    """What the report's head needs of a device's counts (its overview and headline), the (kind,
    value) pairs it masks, in the order first found, and about how many bytes the counts hold: all
    a worker sends back of a device it counted, keeping the counts themselves."""

    vendor: bool  # the device's maker was recognised
    flows: int
    findings: int
    receivers: list[str]
    server: list[str]  # server countries
    with_data: list[str]  # receivers of findings, in the order first found
    countries_with_data: list[str]  # their server countries that are places, the same
    ranked: list[tuple[tuple[str, str, str], int]]  # (kind, receiver, country) -> findings, most first
    category: dict[str, str]
    headline: list[str]
    values: list[tuple[str, str]]
    size: int


def _summary(g: _Device, values: dict[tuple[str, str], None], size: int) -> _Summary:
    return _Summary(
        bool(g.vendors), g.flows, g.findings, list(g.receivers), list(g.server),
        list(dict.fromkeys(who for _, who, _ in g.places)),
        list(dict.fromkeys(country for _, _, country in g.places if country not in NOT_PLACES)),
        g.places.most_common(), g.category, _device_headline(g), list(values), size,
    )  # fmt: skip


class _Devices:
    """A report's work on its devices, in its own process or in a worker: each device counted (its
    counts held until its section is made, unless the report's process says to drop them, past
    KEEP_BYTES), then each device's section made, from the counts held or counted again."""

    def __init__(
        self,
        store: Store,
        f: queries.Filters,
        declared: list[Declaration],
        blind: dict[tuple[str, str], list[dict[str, Any]]],
    ) -> None:
        self.store = store
        self.declared = declared
        self.blind = blind
        self.counter = _Counter(f, bool(declared))
        self.held: dict[int, _Device] = {}
        self.redactor: Redactor | None = None
        self._conn: Connection | None = None
        self._last: tuple[str, str] | None = None  # the device last counted or written

    def connection(self) -> Connection:
        """The connection this process reads through, opened on first use."""
        if self._conn is None:
            self._conn = self.store.engine.connect()
        return self._conn

    def forked(self) -> None:
        """In a worker, before anything else: its engine's pool is its own (SQLAlchemy's way for a
        forked process, `dispose(close=False)`: the report's process had emptied it before the fork,
        so no connection was copied, and this one opens its own)."""
        self.store.engine.dispose(close=False)

    def release(self) -> None:
        """The connection given back; the counts held and what the counter worked out are kept."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _meet(self, key: tuple[str, str]) -> None:
        """What was remembered of another device forgotten: a worker goes through many devices, and
        remembered descriptions and masked URLs serve only their own."""
        if key != self._last:
            self._last = key
            self.counter.forget()
            if self.redactor is not None:
                self.redactor.forget()

    def count(self, i: int, key: tuple[str, str]) -> _Summary:
        self._meet(key)
        values: dict[tuple[str, str], None] = {}
        g, size = self.counter.count(self.connection(), *key, values)
        self.held[i] = _with_blind_spots(g, self.blind.get(key, []))
        return _summary(g, values, size)

    def drop(self, i: int) -> None:
        self.held.pop(i, None)

    def use(self, values: dict[tuple[str, str], None], reveal: bool) -> None:
        """The redactor of every (kind, value) the report masks, made here (in each worker, side by
        side, rather than in the report's process and sent), once."""
        if self.redactor is None:
            self.redactor = Redactor(values, reveal=reveal)

    def section(self, i: int, key: tuple[str, str], encode: Encoder | None = None) -> Any:
        """The device's section of the report, its evidence read now; what `encode` makes of it, if
        given (the worker's share of the writing: JSON text pickles in a copy, a dict in 20 ms)."""
        assert self.redactor is not None, "use(values, reveal) first"
        self._meet(key)
        conn = self.connection()
        g = self.held.get(i)
        if g is None:
            g = _with_blind_spots(self.counter.count(conn, *key, {})[0], self.blind.get(key, []))
        evidence: dict[str, list[dict[str, Any]]] = {}
        for finding, flow in grouped.whole(conn, g.evidence, self.counter.senders(conn)):
            row = queries.finding_row(finding, flow)
            evidence.setdefault(row["kind"], []).append({k: row.get(k) for k in EVIDENCE_KEYS})
        section = _device(g, self.redactor, self.declared, evidence, self.counter.receiver)
        return encode(section) if encode else section

    def handle(self, message: tuple[Any, ...] | None) -> Any:
        """A worker's message: (method, *arguments); None when it stops."""
        if message is None:
            self.release()
            return None
        name, *args = message
        if name not in ("count", "drop", "use", "section"):
            raise ValueError(f"no such work: {name!r}")
        answer = getattr(self, name)(*args)
        if name == "section":  # a worker makes each section once: the counts are done with
            self.drop(args[0])
        return answer


class _Local:
    """The devices' work done in the report's own process, one device after the other; the counts
    held stay for every later pass over the sections."""

    again = True  # its sections can be made again, from what it holds
    footprint = 0  # memory of its own beside the counts kept: none, this is the report's process

    def __init__(self, devices: _Devices) -> None:
        self.devices = devices

    def counts(self, keys: list[tuple[str, str]]) -> Iterator[_Summary]:
        try:
            for i, key in enumerate(keys):
                yield self.devices.count(i, key)
        finally:
            self.devices.release()

    def drop(self, i: int) -> None:
        self.devices.drop(i)

    def sections(self, keys: list[tuple[str, str]], masked: _Masked, encode: Encoder | None) -> Iterator[Any]:
        self.devices.use(*masked)
        try:
            for i, key in enumerate(keys):
                yield self.devices.section(i, key, encode)
        finally:
            self.devices.release()

    def close(self) -> None:
        self.devices.release()

    abort = close


class _Parallel:
    """The devices' work done in forked workers (phonehome/report/forked.py), several devices at a
    time: a device's counts stay with the worker that counted them, which makes its section too;
    only what the head needs (`_Summary`) and the sections themselves come back.  One pass: the
    workers end with it."""

    again = False

    def __init__(self, devices: _Devices, n: int) -> None:
        self.workers = forked.Forked(n, devices.handle, devices.forked)
        self.owner: dict[int, int] = {}  # device -> the worker holding its counts
        self.footprint = n * WORKER_BYTES

    def counts(self, keys: list[tuple[str, str]]) -> Iterator[_Summary]:
        return self._ordered([("count", i, key) for i, key in enumerate(keys)], {})

    def drop(self, i: int) -> None:
        self.workers.send(self.owner.pop(i), ("drop", i), reply=False)

    def sections(self, keys: list[tuple[str, str]], masked: _Masked, encode: Encoder | None) -> Iterator[Any]:
        self.workers.broadcast(("use", *masked))
        return self._ordered([("section", i, key, encode) for i, key in enumerate(keys)], self.owner)

    def _ordered(self, tasks: list[tuple[Any, ...]], owners: dict[int, int]) -> Iterator[Any]:
        """The answers to `tasks` (each `(method, device, ...)`) in their order.  A task goes to the
        worker holding its device's counts (`owners`), else to any idle worker; a worker has one
        task at a time, and no task is sent more than a worker count ahead of the answer wanted
        next, so at most that many answers wait here."""
        n = len(self.workers)
        busy: dict[int, int] = {}  # worker -> its task
        done: dict[int, Any] = {}
        sent = 0
        for wanted in range(len(tasks)):
            while wanted not in done:
                while sent < len(tasks) and sent < wanted + n:
                    w = owners.get(sent)
                    if w is None:
                        w = next((x for x in range(n) if x not in busy), None)
                    if w is None or w in busy:
                        break
                    self.workers.send(w, tasks[sent])
                    busy[w] = sent
                    self.owner.setdefault(sent, w)
                    sent += 1
                for w in self.workers.ready(busy):
                    done[busy.pop(w)] = self.workers.receive(w)
            yield done.pop(wanted)

    def close(self) -> None:
        self.workers.close()

    def abort(self) -> None:
        self.workers.abort()


_Work = _Local | _Parallel
PARALLEL_FLOWS = 20_000  # flows in a scope from which its devices are counted in forked workers
MAX_WORKERS = 3  # workers of a device each (60 MB apiece on 17,000 flows)
MANY_WORKERS = 2  # workers that go through more devices each: the report of every session
# A worker's own memory beside the counts it keeps (what it copies of the report's process as it
# touches it, one device's reads and section, 35-40 MB for a device of 17,000 flows), in the
# units of KEEP_BYTES (whose estimate of the counts is about 60% of what they take): taken off the
# budget of counts kept, so that all the processes of the report of every session stay within the
# few hundred megabytes of one.
WORKER_BYTES = 20_000_000


def _workers(conn: Connection, f: queries.Filters, devices: int, store: Store) -> int:
    """How many workers to fork for a scope's devices: none for one device or fewer than
    PARALLEL_FLOWS flows, on one core, where fork is missing, while another thread runs or while the
    store has a connection out but `conn` (a fork would copy them).  Else one per device while there
    are no more devices than one more than the cores (while one worker waits on the database another
    runs) and MAX_WORKERS; past that, one per core, at most MANY_WORKERS: each goes through many
    devices (growing to 95 MB, as it touches more of what it shares with the report's process) and
    the report's process writes beside them."""
    cores = workers.cores()
    if devices < 2 or cores < 2 or not forked.available() or ":memory:" in store.url:
        return 0
    if threading.active_count() > 1:  # a fork would copy the other threads' locks, held or not
        return 0
    if getattr(store.engine.pool, "checkedout", lambda: 2)() != 1 or not grouped.holds(
        conn, f, PARALLEL_FLOWS
    ):
        return 0
    if devices <= min(cores + 1, MAX_WORKERS):
        return devices
    return min(cores, MANY_WORKERS)


def _forked_work(devices: _Devices, store: Store, n: int) -> _Parallel:
    """Workers forked with the caches every worker needs already loaded, the store's connections
    closed first: none is copied into a worker.  Not the public suffix list (tldextract's import and
    list, 0.08-0.1 s while every worker waits): receivers are named from the domains stored with
    their destinations."""
    entity_map()
    store.engine.dispose()
    # What is loaded now is left out of this process's collections from here on (a pass over it took
    # 60 ms, while the report waits for its workers), and out of the workers', which would copy its
    # pages: Python's advice before a fork (gc.freeze).
    gc.freeze()
    return _Parallel(devices, n)


@dataclass(slots=True, weakref_slot=True)
class Report:
    """A report read and counted, its devices' sections made one at a time.

    `head` holds every field of the report but the devices' sections (`devices` is None there, in its
    place); `devices()` makes each device's section when it is reached (reading its evidence then),
    so a renderer that writes each section before the next holds one device's at a time.  Devices'
    counts are kept from reading to writing up to about KEEP_BYTES (`kept`); the others are counted
    again when their section is made (the same counts: the reads are ordered), so the report of 60
    devices and a million flows stays within a few hundred megabytes.  A big scope is counted and
    its sections made in forked workers, which end when the sections are made (or `close()`); a
    later pass counts every device again, in this process.  Read it while the store is open.
    """

    store: Store
    f: queries.Filters
    head: dict[str, Any]
    keys: list[tuple[str, str]]  # (session, device), in the report's order
    kept: list[bool]  # whose counts are kept from reading to writing
    blind: dict[tuple[str, str], list[dict[str, Any]]]
    masked: _Masked  # the (kind, value) pairs masked, in the order first found, and whether revealed
    declared: list[Declaration]
    work: _Work | None  # what counted the devices and holds their counts kept

    def devices(self, encode: Encoder | None = None) -> Iterator[Any]:
        """Each device's section, made when it is reached, or what `encode` makes of it (where the
        section is made: in a worker, for a big report)."""
        work = self.work or _Local(_Devices(self.store, self.f, self.declared, self.blind))
        if not work.again:
            self.work = None
        try:
            yield from work.sections(self.keys, self.masked, encode)
        except BaseException:
            work.abort()
            raise
        if not work.again:
            work.close()

    def close(self) -> None:
        """End the workers, if any are left (the sections never made, or not to the end)."""
        if self.work is not None:
            self.work.abort()
            self.work = None

    def __enter__(self) -> Report:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def sessions(self) -> list[str]:
        """The sessions of the report's devices, by label."""
        return sorted({session for session, _ in self.keys})

    def streamed(self, encode: Encoder | None = None) -> dict[str, Any]:
        """The report with its devices' sections as a one-pass iterator, made as they are read (and
        passed through `encode`, if given)."""
        return {**self.head, "devices": self.devices(encode)}

    def as_dict(self) -> dict[str, Any]:
        """The whole report at once (the JSON format is exactly this)."""
        return {**self.head, "devices": list(self.devices())}


def _with_blind_spots(g: _Device, rows: list[dict[str, Any]]) -> _Device:
    for row in rows:
        (g.tls if row["kind"] == "client_tls" else g.unread).append(row)
    return g


def build_report(store: Store, **options: Any) -> dict[str, Any]:
    """The whole report as one dict: `open_report(store, **options).as_dict()`."""
    return open_report(store, **options).as_dict()


def open_report(
    store: Store,
    *,
    session: str | None = None,
    device: str | None = None,
    reveal: bool = False,
    declared: Iterable[Declaration] = (),
    now: datetime | None = None,
) -> Report:
    """Every device of the scope counted, in order of session and device, for the report's head (the
    headline, the overview) and the values the report masks; the devices' sections come later."""
    f = queries.Filters(session=session, device=device)
    declared = list(declared)
    # A blind spot belongs to the device that made it (replayed sessions have none); a device may
    # have nothing else.
    blind: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in queries.blind_spots(store, f):
        blind.setdefault((row["session"], row["device"]), []).append(row)
    with store.engine.connect() as conn:
        keys = sorted(set(grouped.devices(conn, f)) | blind.keys())
        n = _workers(conn, f, len(keys), store)
    devices = _Devices(store, f, declared, blind)
    work: _Work = _forked_work(devices, store, n) if n else _Local(devices)
    try:
        head, values, kept = _head(work, keys, now, session, device, reveal)
    except BaseException:
        work.abort()
        raise
    report = Report(store, f, head, keys, kept, blind, (values, reveal), declared, work)
    if not work.again:
        weakref.finalize(report, work.abort)  # workers never left running by a report forgotten
    return report


def _head(
    work: _Work, keys: list[tuple[str, str]], now: datetime | None, session: str | None,
    device: str | None, reveal: bool,
) -> tuple[dict[str, Any], dict[tuple[str, str], None], list[bool]]:  # fmt: skip
    """The report's head from every device's counts, in order; every (kind, value) pair found, in
    the order first found (what the report masks); and whose counts are kept, within KEEP_BYTES
    with the workers' own memory (`footprint`)."""
    values: dict[tuple[str, str], None] = {}  # every device's (kind, value), in the order first found
    overview = _Overview()
    headlines: list[list[str]] = []
    kept: list[bool] = []
    budget = KEEP_BYTES - work.footprint
    for i, summary in enumerate(work.counts(keys)):
        values.update(dict.fromkeys(summary.values))
        overview.add(summary)
        headlines.append(summary.headline)
        budget -= summary.size
        kept.append(budget >= 0 or not kept)
        if not kept[-1]:
            work.drop(i)
    return {
        "phonehome_report": REPORT_VERSION,
        "generated": (now or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "redacted": not reveal,
        "scope": {"session": session, "device": device},
        "headline": [f"{d} ({s}): {h[0]}" for (s, d), h in zip(keys, headlines, strict=True)] if len(keys) > 1 else
                    (headlines[0] if keys else ["Nothing was captured in this scope."]),
        "devices": None,
        "overview": overview.result(),
        "data_types": {k: {"play": p, "apple": a} for k, (p, a) in DATA_TYPES.items()},
        "sources": SOURCES,
    }, values, kept  # fmt: skip


def device_count(report: dict[str, Any]) -> int:
    """How many devices a report has: its overview says so when its sections come one at a time."""
    devices = report["devices"]
    return len(devices) if isinstance(devices, list) else int(report["overview"]["devices"])


TOP_THINGS = 3  # the most sensitive things the summary band names


class _Overview:
    """The answer in numbers, across devices: how many devices, requests, companies and countries, and
    the most sensitive things sent (one per category, ranked like the headline) with who received each
    and where their servers were.  Added to a device at a time, in the report's order."""

    def __init__(self) -> None:
        self.devices = 0
        self.vendor = False  # the first device's maker was recognised
        self.requests = 0
        self.findings = 0
        self.receivers: dict[str, None] = {}
        self.with_data: dict[str, None] = {}
        self.countries: dict[str, None] = {}
        self.countries_with_data: dict[str, None] = {}
        self.category: dict[str, str] = {}
        self.places: dict[
            str, Counter[tuple[str, str]]
        ] = {}  # kind -> (receiver, server country) -> findings

    def add(self, g: _Summary) -> None:
        if not self.devices:
            self.vendor = g.vendor
        self.devices += 1
        self.requests += g.flows
        self.findings += g.findings
        self.receivers.update(dict.fromkeys(g.receivers))
        self.countries.update(dict.fromkeys(c for c in g.server if c not in NOT_PLACES))
        self.with_data.update(dict.fromkeys(g.with_data))
        self.countries_with_data.update(dict.fromkeys(g.countries_with_data))
        for kind, cat in g.category.items():
            self.category.setdefault(kind, cat)
        for (kind, who, country), n in g.ranked:  # as the device's flow diagram lists them
            if kind not in self.places:
                self.places[kind] = Counter()
            _add(self.places[kind], (who, country), n)

    def result(self) -> dict[str, Any]:
        places, category, with_data = self.places, self.category, self.with_data
        countries_with_data = self.countries_with_data
        top = []
        for kind in _headline_kinds(places, category)[:TOP_THINGS]:
            sent: Counter[str] = Counter()
            where: dict[str, dict[str, None]] = {}
            for (who, country), n in places[kind].items():
                sent[who] += n
                if country not in NOT_PLACES:
                    where.setdefault(who, {})[country] = None
            top.append({
                "kind": kind, "category": category[kind], "label": KIND_LABELS.get(kind, kind),
                "headline_label": HEADLINE_LABELS.get(kind, KIND_LABELS.get(kind, kind)),
                "findings": sum(sent.values()),
                "receivers": [{"receiver": who, "server_countries": sorted(where.get(who, {}))}
                              for who, _ in sorted(sent.items(), key=lambda i: -i[1])],
            })  # fmt: skip
        if not self.devices:
            title = "Nothing was captured in this scope."
        elif not with_data:
            title = "No personal data was found in this traffic."
        else:
            subject = (f"These {self.devices} devices" if self.devices > 1 else
                       "Your phone" if self.vendor else "This device")  # fmt: skip
            servers = f", on servers in {_plural(len(countries_with_data), 'country', 'countries')}"
            title = (f"{subject} sent personal data to {_plural(len(with_data), 'company', 'companies')}"
                     + (servers if countries_with_data else "") + ".")  # fmt: skip
        return {
            "title": title,
            "devices": self.devices,
            "requests": self.requests,
            "findings": self.findings,
            "receivers": len(self.receivers),
            "receivers_with_data": len(with_data),
            "countries": len(self.countries),
            "countries_with_data": len(countries_with_data),
            "top": top,
        }


def _by_kind(g: _Device) -> dict[str, Counter[tuple[str, str]]]:
    """kind -> (receiver, server country) -> findings, kinds in the order they were first found."""
    by_kind: dict[str, Counter[tuple[str, str]]] = {}
    for (kind, who, country), n in g.places.items():
        counts = by_kind.get(kind)
        if counts is None:  # a Counter made per kind, not per entry
            counts = by_kind[kind] = Counter()
        counts[who, country] = n  # each (kind, receiver, country) is one entry of `places`
    return by_kind


def _listed(g: _Device) -> tuple[dict[str, Counter[tuple[str, str]]], list[dict[str, Any]], list[str]]:
    """The device's findings by kind (`_by_kind`), its receivers (`_receiver_list`) and its headline:
    made when it is counted, for the report's head, and read again for its section."""
    if g.listed is None:
        by_kind, receivers = _by_kind(g), _receiver_list(g)
        subject = "Your phone" if g.vendors else "This device"
        g.listed = (by_kind, receivers, _headline(by_kind, g.category, receivers, subject))
    return g.listed


def _device_headline(g: _Device) -> list[str]:
    return _listed(g)[2]


def _receiver_list(g: _Device) -> list[dict[str, Any]]:
    """Each receiver of the device's flows, most findings first."""
    emap = entity_map()
    receivers: dict[str, dict[str, Any]] = {}
    for name, seen in g.receivers.items():
        row = seen.first
        match = emap.match(row["host"])
        categories = {str(c) for c in match.categories} if match else set()
        for host in seen.hosts:
            if (m := emap.match(host)) is not None:
                categories |= {str(c) for c in m.categories}
        receivers[name] = {
            "receiver": name, "entity": row.get("entity"),
            "legal_name": match.entity.legal_name if match else None,
            "entity_country": row.get("entity_country"), "entity_region": row.get("entity_region"),
            "categories": sorted(categories), "party": row["party"], "hosts": set(seen.hosts),
            "server_countries": seen.server_countries, "flows": seen.flows, "findings": 0, "kinds": Counter(),
        }  # fmt: skip
    for (kind, name, _), n in g.places.items():
        rec = receivers[name]
        rec["findings"] += n
        _add(rec["kinds"], kind, n)
    receiver_list = []
    for rec in sorted(receivers.values(), key=lambda x: (-x["findings"], -x["flows"], x["receiver"])):
        receiver_list.append({
            **rec, "hosts": sorted(rec["hosts"]), "kinds": [k for k, _ in rec["kinds"].most_common()],
            "server_countries": [c for c, _ in rec["server_countries"].most_common()],
        })  # fmt: skip
    return receiver_list


def _device(
    g: _Device, r: Redactor, declared: list[Declaration], evidence: dict[str, list[dict[str, Any]]],
    receiver: Callable[[dict[str, Any]], str] = receiver_of,
) -> dict[str, Any]:  # fmt: skip
    """The device's section of the report; `evidence`: kind -> the rows shown, in order, each named
    by `receiver`."""
    vendor = g.vendors.most_common(1)
    by_kind, receiver_list, headline = _listed(g)
    values = g.distinct  # distinct values of each kind
    collected: list[dict[str, Any]] = []
    for kind in sorted(by_kind, key=lambda k: (CATEGORY_ORDER.index(g.category[k]), -g.per_kind[k])):
        companies: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        for (who, country), n in by_kind[kind].items():
            _add(companies, who, n)
            _add(countries, country, n)
        collected.append({
            "category": g.category[kind], "kind": kind, "label": KIND_LABELS.get(kind, kind),
            "findings": g.per_kind[kind], "values": values[kind],
            "companies": [c for c, _ in companies.most_common()],
            "countries": [c for c, _ in countries.most_common()],
            "play_data_type": DATA_TYPES[kind][0], "apple_data_type": DATA_TYPES[kind][1],
        })  # fmt: skip

    server: dict[str, dict[str, Any]] = {}
    for country, place in g.server.items():
        server[country] = {"country": country, "name": country_name(country), "region": place["region"],
                           "flows": place["flows"], "findings": 0, "kinds": set()}  # fmt: skip
    for (kind, _, country), n in g.places.items():
        c = server[country]
        c["findings"] += n
        c["kinds"].add(kind)
    jurisdictions: dict[str, dict[str, Any]] = {}
    for rec in receiver_list:
        code = rec["entity_country"] or UNKNOWN
        j = jurisdictions.setdefault(code, {"country": code, "name": country_name(code),
                                            "region": rec["entity_region"] or UNKNOWN, "companies": [], "findings": 0})  # fmt: skip
        j["companies"].append(rec["receiver"])
        j["findings"] += rec["findings"]

    kinds_order = [c["kind"] for c in collected]
    by_country: Counter[tuple[str, str]] = Counter()
    by_receiver: Counter[tuple[str, str]] = Counter()
    for (kind, who, country), n in g.places.items():
        _add(by_country, (kind, country), n)
        _add(by_receiver, (kind, who), n)
    return {
        "session": g.session,
        "device": g.device,
        "vendor": vendor[0][0] if vendor else None,
        "flows": g.flows,
        "hosts": len(g.hosts),
        "first": _iso(g.first),
        "last": _iso(g.last),
        "findings": g.findings,
        "headline": headline,
        "collected": collected,
        "receivers": receiver_list,
        "apps": _apps(g, r),
        "server_countries": sorted(
            ({**c, "kinds": sorted(c["kinds"])} for c in server.values()),
            key=lambda c: (-c["findings"], -c["flows"], c["country"]),
        ),  # fmt: skip
        "jurisdictions": sorted(jurisdictions.values(), key=lambda j: (-j["findings"], j["country"])),
        "matrix_countries": _matrix(by_country, kinds_order),
        "matrix_companies": _matrix(by_receiver, kinds_order),
        # kind -> receiver -> server country, with the number of findings: the flow diagram.
        "flow_links": [[k, rec, c, n] for (k, rec, c), n in g.places.most_common()],
        "timeline": _timeline(g),
        "blind_spots": _blind_spots(g, r),
        "evidence": _evidence(g, r, evidence, receiver),
        "declared": _declared(g, declared),
    }


def _apps(g: _Device, r: Redactor) -> list[dict[str, Any]]:
    """Each app seen, with its flows, the data they sent, who received it and the signal that named
    the app (flows.app_evidence); flows that named no app are one "unknown app" row, listed last."""
    apps: dict[str | None, dict[str, Any]] = {}
    for name, seen in g.apps.items():
        evidence: Counter[str] = Counter()
        for text, n in seen.evidence.items():
            evidence[r.text(text)[:200]] += n
        apps[name] = {"app": name, "label": name or UNKNOWN_APP, "flows": seen.flows, "findings": 0,
                      "kinds": Counter(), "companies": Counter(), "hosts": seen.hosts, "evidence": evidence}  # fmt: skip
    for (name, kind), n in g.app_kinds.items():
        a = apps.get(name)
        if a is not None:
            a["findings"] += n
            _add(a["kinds"], kind, n)
    for (name, rec), n in g.app_receivers.items():
        if (a := apps.get(name)) is not None:
            _add(a["companies"], rec, n)
    out = []
    for a in sorted(apps.values(), key=lambda a: (a["app"] is None, -a["findings"], -a["flows"], a["label"])):
        out.append({
            **a, "hosts": len(a["hosts"]), "kinds": [k for k, _ in a["kinds"].most_common()],
            "labels": [KIND_LABELS.get(k, k) for k, _ in a["kinds"].most_common()],
            "companies": [c for c, _ in a["companies"].most_common()],
            "evidence": [e for e, _ in a["evidence"].most_common(APP_SIGNALS)],
        })  # fmt: skip
    return out


def _headline(
    by_kind: dict[str, Counter[tuple[str, str]]],
    category: dict[str, str],
    receivers: list[dict[str, Any]],
    subject: str = "This device",
) -> list[str]:
    """What was sent to whom, most sensitive first.  "Your phone" only when the traffic says it is one
    (a phone maker was recognised); otherwise "This device".  `by_kind`: kind -> (receiver, server
    country) -> findings."""
    if not by_kind:
        return ["No personal data was found in this traffic."]
    parts = []
    for kind in _headline_kinds(by_kind, category):
        places = by_kind[kind]
        companies = {who for who, _ in places}
        countries = {country for _, country in places} - NOT_PLACES
        label = HEADLINE_LABELS.get(kind, KIND_LABELS.get(kind, kind))
        if len(companies) <= 3:
            named = []
            sent: Counter[str] = Counter()
            for (who, _), n in places.items():
                sent[who] += n
            for who in sorted(sent, key=lambda c: -sent[c]):  # ties in the order first found, never a set's
                where_to = sorted({country for w, country in places if w == who} - NOT_PLACES)
                where = f"servers in {' and '.join(country_name(p) for p in where_to)}" if where_to else ""
                if where and who.endswith(")"):
                    named.append(f"{who[:-1]}; {where})")
                else:
                    named.append(f"{who} ({where})" if where else who)
            parts.append(f"{label} to {_and(named)}")
        else:
            where = f" in {_plural(len(countries), 'country', 'countries')}" if countries else ""
            parts.append(f"{label} to {len(companies)} companies{where}")
    first = f"{subject} sent " + parts[0]
    sentence = first + ("; " + "; ".join(parts[1:]) if parts[1:] else "") + "."
    out = [sentence]
    third = [r for r in receivers if r["party"] == "third" and r["findings"]]
    if third:
        out.append(
            f"{_plural(len(third), 'third party', 'third parties')} received personal data: "
            + ", ".join(r["receiver"] for r in third[:6])
            + (f" and {len(third) - 6} more." if len(third) > 6 else ".")
        )
    return out


def _headline_kinds(by_kind: dict[str, Any], category: dict[str, str]) -> list[str]:
    """Up to four kinds, one per category in the order people care about, each the most revealing sent."""
    chosen = []
    for wanted in ("credentials", "identifier", "location", "browsing", "contact", "app_usage", "device"):
        kinds = [k for k in HEADLINE_ORDER if k in by_kind and category[k] == wanted]
        if kinds:
            chosen.append(kinds[0])
        if len(chosen) == 4:
            break
    return chosen


def _matrix(counts: Counter[tuple[str, str]], kinds: list[str]) -> dict[str, Any]:
    """`counts`: (kind, column) -> findings, in the order the pairs were first found."""
    totals: Counter[str] = Counter()
    for (_, col), n in counts.items():
        _add(totals, col, n)
    columns = [c for c, _ in totals.most_common()]
    return {
        "kinds": kinds,
        "columns": columns,
        "cells": [[counts.get((k, c), 0) for c in columns] for k in kinds],
    }


_BUCKETS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400)


def _timeline(g: _Device) -> dict[str, Any]:
    if not g.flows:
        return {"start": None, "bucket_seconds": 60, "series": [], "periodic": []}
    first = min(min(rec.times) for rec in g.receivers.values())
    end = max(max(rec.times) for rec in g.receivers.values())
    start = _EPOCH + first * _MICROSECOND
    span = (end - first) / 1_000_000
    bucket = next((b for b in _BUCKETS if span / b <= 60), _BUCKETS[-1])
    n = int(span // bucket) + 1
    per: dict[str, list[int]] = {}
    when: dict[str, list[float]] = {}
    for name, rec in g.receivers.items():
        counts = per[name] = [0] * n
        for micros in rec.times:
            counts[int((micros - first) / 1_000_000 // bucket)] += 1
        when[name] = [micros / 1_000_000 for micros in rec.times]
    top = sorted(per, key=lambda k: -sum(per[k]))
    series = [{"receiver": k, "counts": per[k]} for k in top[:6]]
    if len(top) > 6:
        other = [sum(per[k][i] for k in top[6:]) for i in range(n)]
        series.append({"receiver": "others", "counts": other})
    periodic = []
    for name, stamps in when.items():
        stamps.sort()
        gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False) if b - a > 5]
        if len(gaps) >= 4:
            mid = statistics.median(gaps)
            if _steady(gaps, mid):
                periodic.append({"receiver": name, "every_seconds": round(mid), "contacts": len(stamps)})
    return {
        "start": start.isoformat().replace("+00:00", "Z"), "bucket_seconds": bucket, "buckets": n,
        "series": series, "periodic": sorted(periodic, key=lambda p: p["every_seconds"]),
    }  # fmt: skip


STEADY = 0.35  # contacts are periodic when their gaps' deviation is under this part of their median


def _steady(gaps: list[float], mid: float) -> bool:
    """`statistics.pstdev(gaps) / mid < STEADY` (1.0 when `mid` is 0): the same answer, but pstdev's
    exact arithmetic (fractions) is paid only when a plain float estimate, off by far less than a
    millionth, falls too near the line to tell; a busy receiver has thousands of gaps."""
    if not mid:
        return 1.0 < STEADY
    mean = math.fsum(gaps) / len(gaps)
    estimate = math.sqrt(math.fsum((x - mean) ** 2 for x in gaps) / len(gaps)) / mid
    if abs(estimate - STEADY) > 1e-6 * STEADY:
        return estimate < STEADY
    return statistics.pstdev(gaps) / mid < STEADY


def _blind_spots(g: _Device, r: Redactor) -> dict[str, Any]:
    undecoded: dict[str, Counter[str]] = defaultdict(Counter)
    for host, notes in g.notes.items():
        for note, n in notes.items():
            undecoded[host][r.text(note)[:200]] += n
    cleartext: dict[str, dict[str, Any]] = {}
    for (host, kind), n in g.cleartext.items():
        c = cleartext.setdefault(host, {"host": host, "findings": 0, "kinds": set()})
        c["findings"] += n
        c["kinds"].add(kind)
    return {
        "tls_refused": [{"host": t["host"], "count": t["count"], "error": r.text(t["error"] or "")[:200]} for t in g.tls],
        "undecoded": [
            {"host": host, "flows": sum(notes.values()), "notes": [n for n, _ in notes.most_common(3)]}
            for host, notes in sorted(undecoded.items(), key=lambda i: -sum(i[1].values()))
        ],
        "cleartext": [{**c, "kinds": sorted(c["kinds"])} for c in sorted(cleartext.values(), key=lambda c: -c["findings"])],
        "cleartext_flows": g.cleartext_flows,
        # Connections seen but not read: the server's TLS failed, not HTTP, UDP (QUIC) in WireGuard mode.
        "unread": [
            {"host": t["host"], "kind": t["kind"], "count": t["count"], "error": r.text(t["error"] or "")[:200]}
            for t in g.unread
        ],
        # Requests that never reached their server (refused, unresolved): what they would have sent.
        "not_sent": [
            {"host": host, "findings": sum(kinds.values()), "kinds": sorted(kinds)}
            for host, kinds in _by_host(g.unsent).items()
        ],
    }  # fmt: skip


def _by_host(counts: Counter[tuple[str, str]]) -> dict[str, Counter[str]]:
    """(host, kind) -> findings as host -> kind -> findings, hosts by findings (ties: first found)."""
    out: dict[str, Counter[str]] = {}
    for (host, kind), n in counts.items():
        out.setdefault(host, Counter())[kind] += n
    return dict(sorted(out.items(), key=lambda i: -sum(i[1].values())))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _evidence(
    g: _Device, r: Redactor, evidence: dict[str, list[dict[str, Any]]],
    receiver: Callable[[dict[str, Any]], str] = receiver_of,
) -> dict[str, Any]:  # fmt: skip
    items = []
    left_out: dict[str, int] = {}
    for kind in [k for k in HEADLINE_ORDER if k in evidence]:
        for x in evidence[kind]:
            items.append({
                "flow_id": x["flow_id"], "time": x["time"], "kind": kind, "label": KIND_LABELS.get(kind, kind),
                "value": r.value(kind, x["value"]), "receiver": receiver(x), "host": x["host"],
                "country": x["country"], "entity_country": x["entity_country"], "party": x["party"],
                "request": f"{x['method']} {r.url(x['url'])}", "where": x["where"], "path": r.text(x["path"]),
                "encodings": x["encodings"], "source": x["source"], "hashed": x["hashed"],
                "confidence": x["confidence"], "why": r.text(x.get("evidence") or ""),
            })  # fmt: skip
        if g.per_kind[kind] > EVIDENCE_PER_KIND:
            left_out[kind] = g.per_kind[kind] - EVIDENCE_PER_KIND
    return {"items": items, "left_out": left_out}


def _declared(g: _Device, declared: list[Declaration]) -> list[dict[str, Any]]:
    if not declared:
        return []
    emap = entity_map()
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for (receiver, host, app, kind), n in g.declared.items():
        candidates = [receiver, host, app]
        match = emap.match(host)
        if match:
            candidates += [match.entity.id, emap.root(match.entity).name, emap.root(match.entity).id]
        decl = next((d for d in declared for c in candidates if c and _same_who(d.who, c)), None)
        if decl is None:
            continue
        key = (decl.who, kind)
        if key not in out:
            play, apple = DATA_TYPES[kind]
            out[key] = {"who": decl.who, "kind": kind, "play": play, "apple": apple,
                        "declared": decl.covers(kind), "findings": 0}  # fmt: skip
        out[key]["findings"] += n
    return sorted(out.values(), key=lambda d: (d["declared"], d["who"], d["kind"]))


def _same_who(declared: str, candidate: str) -> bool:
    a, b = declared.strip().lower(), candidate.strip().lower()
    return a == b or (("." in a) and (b == a or b.endswith("." + a)))
