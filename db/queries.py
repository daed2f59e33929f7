"""Read-side queries: the rows behind `findings`, `flows`, `destinations` and the summary.

Each query yields plain dicts whose keys are the public JSONL contract (DESIGN.md); formatting is
the CLI's job.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from phonehome.classifiers.destinations.apps import app_of
from phonehome.classifiers.destinations.entities import EntityMap, entity_map
from phonehome.classifiers.destinations.party import (
    Context,
    party_of,
    user_agent,
    vendor_in,
)
from phonehome.classifiers.destinations.regions import (
    NAMED_COUNTRIES,
    Region,
    countries_of,
    parse_region,
    region_of,
)
from phonehome.classifiers.model import never_sent
from phonehome.db.models import BLIND_SPOTS, DESTINATIONS, FINDINGS, FLOWS, SESSIONS, BlindSpot
from phonehome.db.store import Store
from sqlalchemy import (
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class Filters:
    session: str | None = None
    host: str | None = None
    kind: str | None = None
    category: str | None = None
    # A region group (classifiers.regions): the server is there OR the receiving company is.
    # Each row's country/region and entity_country/entity_region fields say which.
    region: str | None = None
    device: str | None = None  # the device column: a capture's client address, a replay's label
    app: str | None = None  # the app a flow was attributed to (flows.app)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _host_clause(column: Any, host: str) -> Any:
    host = host.lower().strip(".")
    return or_(column == host, column.like(f"%.{host}"))


def _region_clause(region: str) -> Any:
    wanted = parse_region(region)
    server = DESTINATIONS.c.region == wanted.value
    countries = countries_of(wanted)
    if countries is not None:
        return or_(server, DESTINATIONS.c.entity_country.in_(sorted(countries)))
    if wanted is Region.OTHER:
        return or_(server, DESTINATIONS.c.entity_country.not_in(sorted(NAMED_COUNTRIES)))
    return server


def _session_id(label: str) -> Any:
    """The id of the session labelled `label`, as a scalar subquery (NULL, so no rows, if none)."""
    return select(SESSIONS.c.id).where(SESSIONS.c.label == label).scalar_subquery()


def _flow_filters(stmt: Any, f: Filters, *, findings_joined: bool = False, dest_joined: bool = False) -> Any:
    if f.region:
        if not dest_joined:
            stmt = stmt.where(
                exists()
                .where(DESTINATIONS.c.id == FLOWS.c.destination_id, _region_clause(f.region))
                .correlate(FLOWS)
            )
        else:
            stmt = stmt.where(_region_clause(f.region))
    if f.session:
        # The session's id, looked up once (a subquery), not its label compared on the joined row: the
        # id is then a constant to the planner, so PostgreSQL reads the session's flows from
        # `flows(session_id, time)` or `flows(session_id, device, time, findings)` already in time
        # order and sorts only each flow's findings; joined by label it sorted them all (on disk past
        # work_mem), or walked every session's flows in time order to keep this one's.
        stmt = stmt.where(FLOWS.c.session_id == _session_id(f.session))
    if f.device:
        stmt = stmt.where(FLOWS.c.device == f.device)
    if f.app:
        stmt = stmt.where(FLOWS.c.app == f.app)
    if f.host:
        stmt = stmt.where(_host_clause(FLOWS.c.host, f.host))
    if (f.kind or f.category) and not findings_joined:
        inner = FINDINGS.alias()  # the outer query may join findings too
        cond = [inner.c.flow_id == FLOWS.c.id]
        if f.kind:
            cond.append(inner.c.kind == f.kind)
        if f.category:
            cond.append(inner.c.category == f.category)
        stmt = stmt.where(exists().where(and_(*cond)).correlate(FLOWS))
    elif findings_joined:
        if f.kind:
            stmt = stmt.where(FINDINGS.c.kind == f.kind)
        if f.category:
            stmt = stmt.where(FINDINGS.c.category == f.category)
    return stmt


def _request(flow: Any, label: str) -> dict[str, Any]:
    """The fields findings and flows share, in contract order."""
    return {
        "flow_id": flow.id,
        "session": label,
        "time": _iso(flow.time),
        "device": flow.device,
        "method": flow.method,
        "url": flow.url,
        "host": flow.host,
    }


# What the findings and flows rows show of a flow, as plain columns (no ORM objects): its request, who
# sent it and where it went.  The request headers are read only when the flow names no app (flows
# stored before schema 2), as text, so each distinct set of headers is parsed once.
_HEADERS_IF_NO_APP = case(
    (or_(FLOWS.c.app.is_(None), FLOWS.c.app == literal_column("''")), cast(FLOWS.c.request_headers, Text)),
    else_=None,
).label("headers_text")
_FLOW_COLUMNS = (
    FLOWS.c.id, FLOWS.c.session_id, FLOWS.c.time, FLOWS.c.device, FLOWS.c.method, FLOWS.c.url, FLOWS.c.host,
    FLOWS.c.app, FLOWS.c.app_evidence, _HEADERS_IF_NO_APP, SESSIONS.c.label,
    DESTINATIONS.c.id.label("dest_id"), DESTINATIONS.c.country.label("dest_country"),
    DESTINATIONS.c.region.label("dest_region"), DESTINATIONS.c.entity.label("dest_entity"),
    DESTINATIONS.c.entity_country.label("dest_entity_country"),
)  # fmt: skip


# A finding's plain columns, in the order `finding_row` reads them (encodings as JSON text).
_FINDING_COLUMNS = (
    FINDINGS.c.flow_id, FINDINGS.c.category, FINDINGS.c.kind, FINDINGS.c.value, FINDINGS.c.location,
    FINDINGS.c.path, cast(FINDINGS.c.encodings, Text), FINDINGS.c.confidence, FINDINGS.c.source,
    FINDINGS.c.hashed, FINDINGS.c.evidence,
)  # fmt: skip


class _Senders:
    """Who sent each flow: the device's maker (by majority of what its requests say) and the app."""

    SAMPLE = 2000  # flows per device looked at to name its maker
    CACHE = 50_000  # remembered descriptions (and header sets) before starting afresh

    def __init__(self, s: Connection, emap: EntityMap | None = None) -> None:
        self.s = s
        self.emap = emap or entity_map()
        self._vendors: dict[tuple[int, str], Any] = {}
        self._apps: dict[str, tuple[str | None, str | None]] = {}
        self._described: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._matches: dict[str, Any] = {}  # host -> the entity map's match
        self._parties: dict[tuple[str | None, str | None, str | None], Any] = {}
        self._places: dict[tuple[Any, ...], dict[str, Any]] = {}  # a destination's fields

    def forget(self) -> None:
        """Let go of what was worked out per flow (descriptions, apps named from headers); what holds
        per device, host and destination stays.  For a reader that is done with a device: its
        descriptions serve none other (6,000 of them, 5 MB, a device of 17,000 flows)."""
        self._described.clear()
        self._apps.clear()

    def reading(self, s: Connection) -> _Senders:
        """These senders, reading what they do not know yet through `s`: what they worked out
        through an earlier connection (the report's count) serves a later one (its sections)."""
        self.s = s
        return self

    def vendor(self, session_id: int, device: str) -> Any:
        key = (session_id, device)
        if key not in self._vendors:
            votes: Counter[str] = Counter()
            headers = self.s.scalars(
                select(cast(FLOWS.c.request_headers, Text))
                .where(FLOWS.c.session_id == session_id, FLOWS.c.device == device)
                .limit(self.SAMPLE)
            )
            makers: dict[str, Any] = {}  # a device sends the same headers again and again: read once
            for text in headers:
                if text not in makers:
                    hs = json.loads(text) if isinstance(text, str) else text
                    makers[text] = vendor_in(user_agent((str(k), str(v)) for k, v in hs), self.emap)
                if found := makers[text]:
                    votes[found.id] += 1
            models = self.s.scalars(self._models(session_id, device))
            for value in models:
                found = vendor_in(value, self.emap)
                if found:
                    votes[found.id] += 1
            self._vendors[key] = self.emap.entities[votes.most_common(1)[0][0]] if votes else None
        return self._vendors[key]

    def _models(self, session_id: int, device: str) -> Any:
        """The device's first SAMPLE `device_model` findings: its flows walked in their index's order
        (session, device, time), each flow's models looked up in `findings(flow_id, kind)`."""
        stmt = (
            select(FINDINGS.c.value)
            .join(FLOWS, FINDINGS.c.flow_id == FLOWS.c.id)
            .where(FLOWS.c.session_id == session_id, FLOWS.c.device == device)
            .limit(self.SAMPLE)
        )
        if self.s.dialect.name == "postgresql":
            # Ordered as SQLite reads them, so the planner walks the device's flows and stops at SAMPLE
            # (1M flows: 30 ms); without the order it hashed every finding (a sequential scan, 0.45 s).
            return stmt.where(FINDINGS.c.kind == "device_model").order_by(FLOWS.c.time, FLOWS.c.id)
        # SQLite: an expression, not the column: the kind's own index would walk every device's
        # models; this reads this device's flows (their index) and stops at SAMPLE.
        return stmt.where(FINDINGS.c.kind.concat(literal_column("''")) == "device_model")

    def app(self, app: str | None, evidence: str | None, headers_text: Any) -> tuple[str | None, str | None]:
        """The flow's app and what named it; flows stored before schema 2 are named from their headers."""
        if app or headers_text is None:
            return app, evidence
        key = headers_text if isinstance(headers_text, str) else repr(headers_text)
        if key not in self._apps:
            if len(self._apps) > self.CACHE:
                self._apps.clear()
            raw = json.loads(headers_text) if isinstance(headers_text, str) else headers_text
            named = app_of([(str(k), str(v)) for k, v in raw])
            self._apps[key] = (named[0], named[1]) if named else (app, evidence)
        return self._apps[key]

    def describe(self, flow: Any) -> dict[str, Any]:
        """The destination fields every flow and finding row carries, from a row of `_FLOW_COLUMNS`.

        The same for every flow of one device, app, host and destination: computed once for each.
        The dict returned is shared; callers copy it.
        """
        return self.described(flow.session_id, flow.device, flow.host, flow.app, flow.app_evidence,
                              flow.headers_text, flow.dest_id, flow.dest_country, flow.dest_region,
                              flow.dest_entity, flow.dest_entity_country)  # fmt: skip

    def described(
        self, session_id: int, device: str, host: str, app: str | None, evidence: str | None,
        headers_text: Any, dest_id: int | None, *dest: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """`describe` from the columns themselves, in that order (the destination's id, country,
        region, entity and entity's country last): for a reader that holds them as a tuple, since a
        row's attribute costs 0.3 µs, a dozen of them per group of a report's thousands."""
        app, evidence = self.app(app, evidence, headers_text)
        key = (session_id, device, host, app, evidence, dest_id)
        described = self._described.get(key)
        if described is None:
            if len(self._described) > self.CACHE:
                self._described.clear()
            described = self._described[key] = self._describe(session_id, device, host, app, evidence,
                                                              dest_id is not None, dest)  # fmt: skip
        return described

    def _describe(
        self, session_id: int, device: str, host: str, app: str | None, evidence: str | None, known: bool,
        dest: tuple[Any, ...],
    ) -> dict[str, Any]:  # fmt: skip
        vendor = self.vendor(session_id, device)
        if host not in self._matches:
            self._matches[host] = self.emap.match(host)
        match = self._matches[host]
        receiver = match.entity if match else None
        key = (receiver.id if receiver else None, vendor.id if vendor else None, app)
        if key not in self._parties:
            self._parties[key] = party_of(receiver, Context(vendor=vendor, app=app), self.emap)
        party = self._parties[key]
        return {
            **self._place(known, *dest),
            "app": app,
            "vendor": vendor.name if vendor else None,
            "party": party.value,
            "app_evidence": evidence,  # the signal that named the app (flows rows; findings keep _PLACE_KEYS)
        }

    def _place(self, known: bool, *dest: Any) -> dict[str, Any]:
        """Where a flow went (its destination's country and company, and their regions): the same for
        every flow to one destination, worked out once for it (shared, never to be changed)."""
        key = (known, *dest)
        place = self._places.get(key)
        if place is None:
            if len(self._places) > self.CACHE:
                self._places.clear()
            dest_country, dest_region, dest_entity, dest_entity_country = dest
            country = dest_country if known else "unknown"
            entity_country = dest_entity_country if known else None
            place = self._places[key] = {
                "country": country,
                "region": dest_region if known else region_of(country).value,
                "entity": dest_entity if known else None,
                "entity_country": entity_country,
                "entity_region": region_of(entity_country).value,
            }
        return place


def findings(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    for finding, flow in findings_with_flows(store, f):
        yield finding_row(finding, flow)


def finding_row(finding: Any, flow: dict[str, Any]) -> dict[str, Any]:
    """A row of `findings` (the JSONL contract) from a pair that `findings_with_flows` yields."""
    (_, category, kind, value, where, path, encodings, confidence, source, hashed, evidence) = finding
    return {
        **{k: flow[k] for k in _REQUEST_KEYS},
        "category": category,
        "kind": kind,
        "value": value,
        "where": where,
        "path": path,
        "encodings": list(_json_list(encodings)),
        "confidence": confidence,
        "source": source,
        "hashed": hashed,
        **{k: flow[k] for k in _PLACE_KEYS},
        "evidence": evidence,
    }


def _json_list(text: Any) -> tuple[Any, ...]:
    if not isinstance(text, str):  # a driver that parsed it already
        return tuple(text)
    return _parsed_list(text)


@lru_cache(maxsize=4096)
def _parsed_list(text: str) -> tuple[Any, ...]:
    """A stored JSON list (a finding's encodings: a few distinct ones), parsed once."""
    return tuple(json.loads(text))


def findings_with_flows(store: Store, f: Filters) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Each finding of the filter in order, as its plain columns (flow_id, category, kind, value,
    location, path, encodings as JSON text, confidence, source, hashed, evidence), with its flow's
    fields as the findings rows show them (request, destination, sender: one dict per flow, shared by
    its findings, never to be changed): for readers that count millions of findings without making
    a row of each.  `finding_row` makes the public row of a pair.
    """
    # The findings as plain columns in order; their flows (each read and described once) fetched by id
    # a batch at a time, so no flow outside the filter is read and no flow's JSON is decoded per finding.
    finding_stmt = (
        select(*_FINDING_COLUMNS)
        .join(FLOWS, FINDINGS.c.flow_id == FLOWS.c.id)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .outerjoin(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
        .order_by(FLOWS.c.time, FLOWS.c.id, FINDINGS.c.id)
    )  # fmt: skip
    finding_stmt = _flow_filters(finding_stmt, f, findings_joined=True, dest_joined=True)
    flow_stmt = (
        select(*_FLOW_COLUMNS)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .outerjoin(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
    )
    with store.engine.connect() as conn:
        senders = _Senders(conn)
        shared: dict[int, dict[str, Any]] = {}
        for batch in conn.execute(finding_stmt.execution_options(yield_per=1000)).partitions():
            # A flow's findings are contiguous: only the last flow of a batch can continue into the next.
            wanted = {row[0] for row in batch} - shared.keys()
            if wanted:
                for flow in conn.execute(flow_stmt.where(FLOWS.c.id.in_(sorted(wanted)))):
                    shared[flow.id] = {**_request(flow, flow.label), **senders.describe(flow)}
            for finding in batch:
                yield finding, shared[finding[0]]
            last = batch[-1][0]
            shared = {last: shared[last]}


_REQUEST_KEYS = ("flow_id", "session", "time", "device", "method", "url", "host")
_PLACE_KEYS = ("country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party")


def flows(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    count = FLOWS.c.findings.label("n_findings")  # kept by every writer of findings (schema 8)
    stmt = (
        select(
            *_FLOW_COLUMNS, FLOWS.c.server_ip, FLOWS.c.status, FLOWS.c.tls, FLOWS.c.request_bytes,
            FLOWS.c.response_bytes, FLOWS.c.error, FLOWS.c.notes, FLOWS.c.originals, count,
        )
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .outerjoin(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
        .order_by(FLOWS.c.time, FLOWS.c.id)
    )  # fmt: skip
    stmt = _flow_filters(stmt, f, dest_joined=True)
    with store.engine.connect() as conn:
        senders = _Senders(conn)
        for flow in conn.execute(stmt.execution_options(yield_per=1000)):
            yield {
                **_request(flow, flow.label),
                "server_ip": flow.server_ip,
                "status": flow.status,
                "tls": flow.tls,
                "request_bytes": flow.request_bytes,
                "response_bytes": flow.response_bytes,
                "findings": flow.n_findings,
                "error": flow.error,
                "notes": list(flow.notes),
                # Values changed to fit the database: {column: the original as a Python literal}.
                "originals": dict(flow.originals or {}),
                **senders.describe(flow),
            }


def _kinds_listed(dialect: str) -> Any:
    """Each group's distinct `flows.kinds` lists as one comma-separated text (kinds hold no commas):
    split and merged by `_kinds_of`."""
    if dialect == "postgresql":
        return func.string_agg(distinct(FLOWS.c.kinds), literal_column("','"))
    return func.group_concat(distinct(FLOWS.c.kinds))


def _kinds_of(listed: str | None) -> list[str]:
    return sorted({kind for kind in (listed or "").split(",") if kind})


def destinations(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    # Counted by the database from `flows` alone, grouped by destination (the order of an index, so no
    # sort of millions of rows): each flow carries its findings' count and kinds (schema 8).  With a
    # kind or category filter the flows are those with such a finding, and all their findings count.
    def scoped(stmt: Any) -> Any:
        if f.region:
            stmt = stmt.join(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
        else:
            stmt = stmt.where(FLOWS.c.destination_id.is_not(None))
        rest = f
        if f.kind and not f.category and "," not in f.kind:
            # A flow has a finding of this kind when its kinds list it: read from the index, where
            # asking `findings` costs a lookup per flow (1M flows: 2.5 s -> 0.3 s).
            listed: Any = literal_column("','") + FLOWS.c.kinds + literal_column("','")
            stmt = stmt.where(listed.contains(f",{f.kind},", autoescape=True))
            rest = replace(f, kind=None)
        return _flow_filters(stmt, rest, dest_joined=True).group_by(FLOWS.c.destination_id)

    counts = scoped(
        select(
            # count(*), not count(id): PostgreSQL's indexes hold no id, so counting ids reads every
            # flow's row where the index alone answers (1M flows: 1.8 -> 1.0 s); the same count.
            FLOWS.c.destination_id, func.count(), func.sum(FLOWS.c.findings),
            _kinds_listed(store.engine.dialect.name),
        )
    )  # fmt: skip
    emap = entity_map()
    with store.engine.connect() as s:
        n_flows: dict[int, int] = {}
        kinds: dict[int, tuple[int, list[str]]] = {}
        for dest_id, n, found, listed in s.execute(counts):
            n_flows[dest_id] = n
            kinds[dest_id] = (int(found or 0), _kinds_of(listed))
        dests = s.execute(
            select(DESTINATIONS).order_by(DESTINATIONS.c.host, DESTINATIONS.c.ip)
        ) if n_flows else iter(())  # fmt: skip
        rows: list[dict[str, Any]] = []
        for dest in dests:
            if dest.id not in n_flows:
                continue
            n_findings, found = kinds.get(dest.id, (0, []))
            rows.append({
                "host": dest.host,
                "domain": dest.domain,
                "ip": dest.ip or None,
                "country": dest.country,
                "asn": dest.asn,
                "as_org": dest.as_org,
                "anycast": dest.anycast,
                "entity": dest.entity,
                "entity_country": dest.entity_country,
                "categories": list(dest.categories),
                "region": dest.region,
                "entity_region": region_of(dest.entity_country).value,
                "service": (m.service if (m := emap.match(dest.host)) else None),
                "flows": n_flows[dest.id],
                "findings": n_findings,
                "kinds": found,
            })  # fmt: skip
    rows.sort(key=lambda r: (-r["findings"], -r["flows"], r["host"]))
    yield from rows


def tls_failures(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    """Hosts that refused the proxy's certificate (pinning, or the CA not trusted), per session and device."""
    for row in blind_spots(store, f, kinds=(BlindSpot.CLIENT_TLS,)):
        del row["kind"]
        yield row


def blind_spots(
    store: Store, f: Filters, kinds: tuple[BlindSpot, ...] = tuple(BlindSpot)
) -> Iterator[dict[str, Any]]:
    """What the proxy saw but could not read (db.models.BlindSpot), per session, device, kind and host."""
    row = BLIND_SPOTS.c
    stmt = (
        select(SESSIONS.c.label, row.device, row.client_address, row.kind, row.host, func.count(row.id),
               func.min(row.error))
        .join(SESSIONS, row.session_id == SESSIONS.c.id)
        .where(row.kind.in_([k.value for k in kinds]))
        .group_by(SESSIONS.c.label, row.device, row.client_address, row.kind, row.host)
        .order_by(func.count(row.id).desc(), row.host)
    )  # fmt: skip
    if f.session:
        stmt = stmt.where(SESSIONS.c.label == f.session)
    if f.device:
        stmt = stmt.where(or_(row.device == f.device, row.client_address == f.device))
    if f.host:
        stmt = stmt.where(_host_clause(row.host, f.host))
    with store.engine.connect() as s:
        for label, device, client, kind, host, n, error in s.execute(stmt):
            yield {"session": label, "device": device or client or "", "kind": kind, "host": host, "count": n,
                   "error": error}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Summary:
    sessions: list[str]
    flows: int
    hosts: int
    cleartext_flows: int
    flows_with_findings: int
    findings: int
    by_kind: list[tuple[str, str, int, int]]  # category, kind, findings, distinct values
    kind_hosts: dict[str, list[str]]  # kind -> hosts that received it, most findings first
    by_host: list[tuple[str, int, int, list[str]]]  # host, flows, findings, kinds
    cleartext_hosts: list[tuple[str, list[str]]]  # hosts reached over plain HTTP carrying personal data
    tls_failures: list[tuple[str, int]]
    notes: int
    host_countries: dict[str, list[str]] = field(
        default_factory=dict
    )  # host -> server countries, most flows first
    # Blind spots other than refused client certificates: (kind, host, connections).
    blind_spots: list[tuple[str, str, int]] = field(default_factory=list)
    not_sent: int = 0  # requests that never reached their server, in `flows` but in no other count
    # host -> its registrable domain as stored with its destination, so the summary names receivers
    # without loading the public suffix list again (a host stored without a destination is absent).
    host_domains: dict[str, str] = field(default_factory=dict)


def summary(store: Store, session: str | None = None) -> Summary:
    with store.engine.connect() as s:

        def every(stmt: Any) -> Any:
            stmt = stmt.join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
            return stmt.where(SESSIONS.c.label == session) if session else stmt

        # Requests that never reached their server are stored and counted as flows, nowhere else.
        unsent = [
            i for i, status, error in s.execute(
                every(select(FLOWS.c.id, FLOWS.c.status, FLOWS.c.error)).where(
                    FLOWS.c.error.is_not(None), or_(FLOWS.c.status.is_(None), FLOWS.c.status.in_((0, 502)))
                )
            )
            if never_sent(status, error)
        ]  # fmt: skip

        def scoped(stmt: Any) -> Any:
            stmt = every(stmt)
            # Inlined, not bound: a long capture of a blocked host must not hit a parameter limit.
            return (
                stmt.where(FLOWS.c.id.not_in(bindparam("unsent", unsent, literal_execute=True)))
                if unsent
                else stmt
            )

        labels = list(s.scalars(select(SESSIONS.c.label).order_by(SESSIONS.c.started)))
        n_flows = s.scalar(every(select(func.count(FLOWS.c.id)))) or 0
        n_hosts = s.scalar(scoped(select(func.count(distinct(FLOWS.c.host))))) or 0
        cleartext = s.scalar(scoped(select(func.count(FLOWS.c.id)).where(FLOWS.c.tls.is_(False)))) or 0
        n_notes = (
            s.scalar(every(select(func.count(FLOWS.c.id)).where(cast(FLOWS.c.notes, String) != "[]"))) or 0
        )
        kind_rows = s.execute(
            scoped(
                select(
                    FINDINGS.c.category,
                    FINDINGS.c.kind,
                    func.count(FINDINGS.c.id),
                    func.count(distinct(FINDINGS.c.value)),
                ).join(FLOWS, FINDINGS.c.flow_id == FLOWS.c.id)
            ).group_by(FINDINGS.c.category, FINDINGS.c.kind)
        ).all()
        host_flows: dict[str, int] = dict(
            s.execute(scoped(select(FLOWS.c.host, func.count(FLOWS.c.id))).group_by(FLOWS.c.host)).all()
        )
        host_kinds: dict[str, Counter[str]] = {}
        kind_hosts: dict[str, Counter[str]] = {}
        clear: dict[str, set[str]] = {}
        # Counted by the database: one row per host, kind and TLS, however many findings.
        for host, kind, tls, n in s.execute(
            scoped(
                select(FLOWS.c.host, FINDINGS.c.kind, FLOWS.c.tls, func.count(FINDINGS.c.id)).join(
                    FINDINGS, FINDINGS.c.flow_id == FLOWS.c.id
                )
            ).group_by(FLOWS.c.host, FINDINGS.c.kind, FLOWS.c.tls)
        ):
            host_kinds.setdefault(host, Counter())[kind] += n
            kind_hosts.setdefault(kind, Counter())[host] += n
            if not tls:
                clear.setdefault(host, set()).add(kind)
        flagged_flows = s.scalar(scoped(select(func.count(FLOWS.c.id)).where(FLOWS.c.findings > 0))) or 0
        host_countries: dict[str, Counter[str]] = {}
        host_domains: dict[str, str] = {}
        for host, country, domain, n in s.execute(
            scoped(
                select(
                    FLOWS.c.host, DESTINATIONS.c.country, DESTINATIONS.c.domain, func.count(FLOWS.c.id)
                ).join(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
            ).group_by(FLOWS.c.host, DESTINATIONS.c.country, DESTINATIONS.c.domain)
        ):
            host_countries.setdefault(host, Counter())[country] += n
            host_domains.setdefault(host, domain)
        blind_stmt = select(BLIND_SPOTS.c.kind, BLIND_SPOTS.c.host, func.count(BLIND_SPOTS.c.id)).join(
            SESSIONS, BLIND_SPOTS.c.session_id == SESSIONS.c.id
        )
        if session:
            blind_stmt = blind_stmt.where(SESSIONS.c.label == session)
        blind: Any = s.execute(
            blind_stmt.group_by(BLIND_SPOTS.c.kind, BLIND_SPOTS.c.host).order_by(
                func.count(BLIND_SPOTS.c.id).desc(), BLIND_SPOTS.c.host
            )
        ).all()
        refusals = [(h, n) for k, h, n in blind if k == BlindSpot.CLIENT_TLS.value]
    by_host = sorted(
        ((h, host_flows.get(h, 0), sum(k.values()), sorted(k)) for h, k in host_kinds.items()),
        key=lambda r: (-r[2], r[0]),
    )
    return Summary(
        sessions=[session] if session else labels,
        flows=n_flows,
        hosts=n_hosts,
        cleartext_flows=cleartext,
        flows_with_findings=flagged_flows,
        findings=sum(r[2] for r in kind_rows),
        by_kind=sorted(((c, k, n, d) for c, k, n, d in kind_rows), key=lambda r: (-r[2], r[1])),
        kind_hosts={
            k: [h for h, _ in sorted(c.items(), key=lambda i: (-i[1], i[0]))] for k, c in kind_hosts.items()
        },
        by_host=by_host,
        cleartext_hosts=sorted((h, sorted(k)) for h, k in clear.items()),
        tls_failures=refusals,
        blind_spots=[(k, h, n) for k, h, n in blind if k != BlindSpot.CLIENT_TLS.value],
        not_sent=len(unsent),
        notes=n_notes,
        host_countries={h: [c for c, _ in cs.most_common()] for h, cs in host_countries.items()},
        host_domains=host_domains,
    )


def flow_rows(store: Store, f: Filters) -> Iterator[tuple[Any, list[tuple[str, str]]]]:
    """Stored flows of a filter as rows of every column, with their findings' (kind, value): for exports."""
    stmt = (
        select(FLOWS).join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id).order_by(FLOWS.c.time, FLOWS.c.id)
    )
    stmt = _flow_filters(stmt, f)
    with store.engine.connect() as s:
        for chunk in s.execute(stmt.execution_options(yield_per=200)).partitions():
            ids = [flow.id for flow in chunk]
            found: dict[int, list[tuple[str, str]]] = {}
            for flow_id, kind, value in s.execute(
                select(FINDINGS.c.flow_id, FINDINGS.c.kind, FINDINGS.c.value).where(
                    FINDINGS.c.flow_id.in_(ids)
                )
            ):
                found.setdefault(flow_id, []).append((kind, value))
            for flow in chunk:
                yield flow, found.get(flow.id, [])


# -- sessions and their devices (`phonehome sessions`, and the CLI's check of --session/--device) --------


def _blind_device() -> Any:
    """A blind spot's device as the reports show it: its name, else its client address."""
    # Literal '' rather than bound parameters: PostgreSQL groups by an expression only when the
    # SELECT and GROUP BY copies are the same text, and each bound parameter gets its own number.
    empty: Any = literal_column("''")
    return func.coalesce(func.nullif(BLIND_SPOTS.c.device, empty), BLIND_SPOTS.c.client_address, empty)


def sessions(store: Store) -> Iterator[dict[str, Any]]:
    """One row per session and device, sessions by start time: flows, findings and blind spots counted,
    and the device's first and last flow.  A session with nothing stored is one row with `device` None.

    Three queries whatever the number of sessions (two of them GROUP BY session and device).
    """
    counts: dict[tuple[int, str], dict[str, Any]] = {}

    def slot(session_id: int, device: str) -> dict[str, Any]:
        return counts.setdefault(
            (session_id, device), {"flows": 0, "findings": 0, "blind_spots": 0, "first": None, "last": None}
        )

    with store.engine.connect() as s:
        heads = s.execute(
            select(SESSIONS.c.id, SESSIONS.c.label, SESSIONS.c.source, SESSIONS.c.started, SESSIONS.c.ended)
            .order_by(SESSIONS.c.started, SESSIONS.c.id)
        ).all()  # fmt: skip
        # Each flow carries its findings' count (schema 8): no join to the findings.  count(*) is read
        # from the index alone on PostgreSQL too, whose indexes hold no id (see `destinations`).
        for session_id, device, n, found, first, last in s.execute(
            select(FLOWS.c.session_id, FLOWS.c.device, func.count(), func.sum(FLOWS.c.findings),
                   func.min(FLOWS.c.time), func.max(FLOWS.c.time)).group_by(FLOWS.c.session_id, FLOWS.c.device)
        ):  # fmt: skip
            row = slot(session_id, device)
            row.update(flows=n, findings=int(found or 0), first=first, last=last)
        device = _blind_device()
        for session_id, name, n in s.execute(
            select(BLIND_SPOTS.c.session_id, device, func.count(BLIND_SPOTS.c.id)).group_by(
                BLIND_SPOTS.c.session_id, device
            )
        ):
            slot(session_id, name)["blind_spots"] = n
    by_session: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for (session_id, name), row in counts.items():
        by_session.setdefault(session_id, []).append((name, row))
    for session_id, label, source, started, ended in heads:
        head = {
            "session": label,
            "source": source,
            "started": _iso(started),
            "ended": _iso(ended) if ended else None,
        }
        devices = sorted(
            by_session.get(session_id, []),
            key=lambda d: (d[1]["first"] is None, d[1]["first"] or started, d[0]),
        )
        if not devices:
            yield {**head, "device": None, "flows": 0, "findings": 0, "blind_spots": 0, "first_flow": None,
                   "last_flow": None, "span_seconds": None}  # fmt: skip
        for name, row in devices:
            first, last = row["first"], row["last"]
            yield {
                **head,
                "device": name,
                "flows": row["flows"],
                "findings": row["findings"],
                "blind_spots": row["blind_spots"],
                "first_flow": _iso(first) if first else None,
                "last_flow": _iso(last) if last else None,
                "span_seconds": (last - first).total_seconds() if first and last else None,
            }


def session_labels(store: Store) -> list[str]:
    """Every session label, oldest first."""
    with store.engine.connect() as s:
        return list(s.scalars(select(SESSIONS.c.label).order_by(SESSIONS.c.started, SESSIONS.c.id)))


def has_session(store: Store, label: str) -> bool:
    with store.engine.connect() as s:
        return s.scalar(select(SESSIONS.c.id).where(SESSIONS.c.label == label)) is not None


def _device_scope(stmt: Any, row: Any, session: str | None) -> Any:
    if session is None:
        return stmt
    return stmt.join(SESSIONS, row.c.session_id == SESSIONS.c.id).where(SESSIONS.c.label == session)


def has_device(store: Store, device: str, session: str | None = None) -> bool:
    """Whether `device` sent a flow, or met a blind spot, in `session` (or in any session)."""
    flow = _device_scope(select(FLOWS.c.id).where(FLOWS.c.device == device), FLOWS, session)
    blind = _device_scope(
        select(BLIND_SPOTS.c.id).where(
            or_(BLIND_SPOTS.c.device == device, BLIND_SPOTS.c.client_address == device)
        ),
        BLIND_SPOTS,
        session,
    )
    with store.engine.connect() as s:
        return s.scalar(flow.limit(1)) is not None or s.scalar(blind.limit(1)) is not None


def devices(store: Store, session: str | None = None) -> list[str]:
    """The devices of `session` (or of every session), by name."""
    name = _blind_device()
    with store.engine.connect() as s:
        found = set(s.scalars(_device_scope(select(FLOWS.c.device).distinct(), FLOWS, session)))
        found |= set(s.scalars(_device_scope(select(name).distinct(), BLIND_SPOTS, session)))
    return sorted(found - {""})
