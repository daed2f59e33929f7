"""Read-side queries: the rows behind `findings`, `flows`, `destinations` and the summary.

Each query yields plain dicts whose keys are the public JSONL contract (DESIGN.md); formatting is
the CLI's job.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from phonehome.db.models import BlindSpot, BlindSpotRow, DestinationRow, FindingRow, FlowRow, SessionRow
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
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased


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
    server = DestinationRow.region == wanted.value
    countries = countries_of(wanted)
    if countries is not None:
        return or_(server, DestinationRow.entity_country.in_(sorted(countries)))
    if wanted is Region.OTHER:
        return or_(server, DestinationRow.entity_country.not_in(sorted(NAMED_COUNTRIES)))
    return server


def _flow_filters(stmt: Any, f: Filters, *, findings_joined: bool = False, dest_joined: bool = False) -> Any:
    if f.region:
        if not dest_joined:
            stmt = stmt.where(
                exists()
                .where(DestinationRow.id == FlowRow.destination_id, _region_clause(f.region))
                .correlate(FlowRow)
            )
        else:
            stmt = stmt.where(_region_clause(f.region))
    if f.session:
        stmt = stmt.where(SessionRow.label == f.session)
    if f.device:
        stmt = stmt.where(FlowRow.device == f.device)
    if f.app:
        stmt = stmt.where(FlowRow.app == f.app)
    if f.host:
        stmt = stmt.where(_host_clause(FlowRow.host, f.host))
    if (f.kind or f.category) and not findings_joined:
        inner = aliased(FindingRow)  # the outer query may join findings too
        cond = [inner.flow_id == FlowRow.id]
        if f.kind:
            cond.append(inner.kind == f.kind)
        if f.category:
            cond.append(inner.category == f.category)
        stmt = stmt.where(exists().where(and_(*cond)).correlate(FlowRow))
    elif findings_joined:
        if f.kind:
            stmt = stmt.where(FindingRow.kind == f.kind)
        if f.category:
            stmt = stmt.where(FindingRow.category == f.category)
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
    (or_(FlowRow.app.is_(None), FlowRow.app == literal_column("''")), cast(FlowRow.request_headers, Text)),
    else_=None,
).label("headers_text")
_FLOW_COLUMNS = (
    FlowRow.id, FlowRow.session_id, FlowRow.time, FlowRow.device, FlowRow.method, FlowRow.url, FlowRow.host,
    FlowRow.app, FlowRow.app_evidence, _HEADERS_IF_NO_APP, SessionRow.label,
    DestinationRow.id.label("dest_id"), DestinationRow.country.label("dest_country"),
    DestinationRow.region.label("dest_region"), DestinationRow.entity.label("dest_entity"),
    DestinationRow.entity_country.label("dest_entity_country"),
)  # fmt: skip


class _Senders:
    """Who sent each flow: the device's maker (by majority of what its requests say) and the app."""

    SAMPLE = 2000  # flows per device looked at to name its maker
    CACHE = 50_000  # remembered descriptions (and header sets) before starting afresh

    def __init__(self, s: OrmSession | Connection, emap: EntityMap | None = None) -> None:
        self.s = s
        self.emap = emap or entity_map()
        self._vendors: dict[tuple[int, str], Any] = {}
        self._apps: dict[str, tuple[str | None, str | None]] = {}
        self._described: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._matches: dict[str, Any] = {}  # host -> the entity map's match
        self._parties: dict[tuple[str | None, str | None, str | None], Any] = {}

    def vendor(self, session_id: int, device: str) -> Any:
        key = (session_id, device)
        if key not in self._vendors:
            votes: Counter[str] = Counter()
            headers = self.s.scalars(
                select(cast(FlowRow.request_headers, Text))
                .where(FlowRow.session_id == session_id, FlowRow.device == device)
                .limit(self.SAMPLE)
            )
            makers: dict[str, Any] = {}  # a device sends the same headers again and again: read once
            for text in headers:
                if text not in makers:
                    hs = json.loads(text) if isinstance(text, str) else text
                    makers[text] = vendor_in(user_agent((str(k), str(v)) for k, v in hs), self.emap)
                if found := makers[text]:
                    votes[found.id] += 1
            models = self.s.scalars(
                select(FindingRow.value)
                .join(FlowRow, FindingRow.flow_id == FlowRow.id)
                .where(
                    FlowRow.session_id == session_id,
                    FlowRow.device == device,
                    # An expression, not the column: the kind's own index would walk every device's
                    # models; this reads this device's flows (their index) and stops at SAMPLE.
                    FindingRow.kind.concat(literal_column("''")) == "device_model",
                )
                .limit(self.SAMPLE)
            )
            for value in models:
                found = vendor_in(value, self.emap)
                if found:
                    votes[found.id] += 1
            self._vendors[key] = self.emap.entities[votes.most_common(1)[0][0]] if votes else None
        return self._vendors[key]

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
        app, evidence = self.app(flow.app, flow.app_evidence, flow.headers_text)
        key = (flow.session_id, flow.device, flow.host, app, evidence, flow.dest_id)
        described = self._described.get(key)
        if described is None:
            if len(self._described) > self.CACHE:
                self._described.clear()
            described = self._described[key] = self._describe(flow, app, evidence)
        return described

    def _describe(self, flow: Any, app: str | None, evidence: str | None) -> dict[str, Any]:
        vendor = self.vendor(flow.session_id, flow.device)
        if flow.host not in self._matches:
            self._matches[flow.host] = self.emap.match(flow.host)
        match = self._matches[flow.host]
        receiver = match.entity if match else None
        key = (receiver.id if receiver else None, vendor.id if vendor else None, app)
        if key not in self._parties:
            self._parties[key] = party_of(receiver, Context(vendor=vendor, app=app), self.emap)
        party = self._parties[key]
        known = flow.dest_id is not None
        country = flow.dest_country if known else "unknown"
        entity_country = flow.dest_entity_country if known else None
        return {
            "country": country,
            "region": flow.dest_region if known else region_of(country).value,
            "entity": flow.dest_entity if known else None,
            "entity_country": entity_country,
            "entity_region": region_of(entity_country).value,
            "app": app,
            "vendor": vendor.name if vendor else None,
            "party": party.value,
            "app_evidence": evidence,  # the signal that named the app (flows rows; findings keep _PLACE_KEYS)
        }


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
        select(
            FindingRow.flow_id, FindingRow.category, FindingRow.kind, FindingRow.value, FindingRow.location,
            FindingRow.path, cast(FindingRow.encodings, Text), FindingRow.confidence, FindingRow.source,
            FindingRow.hashed, FindingRow.evidence,
        )
        .join(FlowRow, FindingRow.flow_id == FlowRow.id)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        .order_by(FlowRow.time, FlowRow.id, FindingRow.id)
    )  # fmt: skip
    finding_stmt = _flow_filters(finding_stmt, f, findings_joined=True, dest_joined=True)
    flow_stmt = (
        select(*_FLOW_COLUMNS)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
    )
    with store.engine.connect() as conn:
        senders = _Senders(conn)
        shared: dict[int, dict[str, Any]] = {}
        for batch in conn.execute(finding_stmt.execution_options(yield_per=1000)).partitions():
            # A flow's findings are contiguous: only the last flow of a batch can continue into the next.
            wanted = {row[0] for row in batch} - shared.keys()
            if wanted:
                for flow in conn.execute(flow_stmt.where(FlowRow.id.in_(sorted(wanted)))):
                    shared[flow.id] = {**_request(flow, flow.label), **senders.describe(flow)}
            for finding in batch:
                yield finding, shared[finding[0]]
            last = batch[-1][0]
            shared = {last: shared[last]}


_REQUEST_KEYS = ("flow_id", "session", "time", "device", "method", "url", "host")
_PLACE_KEYS = ("country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party")


def flows(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    count = (
        select(func.count(FindingRow.id))
        .where(FindingRow.flow_id == FlowRow.id)
        .correlate(FlowRow)
        .scalar_subquery()
        .label("n_findings")
    )
    stmt = (
        select(
            *_FLOW_COLUMNS, FlowRow.server_ip, FlowRow.status, FlowRow.tls, FlowRow.request_bytes,
            FlowRow.response_bytes, FlowRow.error, FlowRow.notes, FlowRow.originals, count,
        )
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        .order_by(FlowRow.time, FlowRow.id)
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
    """Each group's distinct finding kinds as one comma-separated text (kinds hold no commas)."""
    if dialect == "postgresql":
        return func.string_agg(distinct(FindingRow.kind), literal_column("','"))
    return func.group_concat(distinct(FindingRow.kind))


def destinations(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    # Counted by the database, grouped by destination alone (the order of an index, so no sort of
    # millions of rows): flows per destination, then findings per destination with their kinds.
    def scoped(stmt: Any) -> Any:
        if f.session:  # every flow has its session: joined only to filter by its label
            stmt = stmt.join(SessionRow, FlowRow.session_id == SessionRow.id)
        if f.region:
            stmt = stmt.join(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        else:
            stmt = stmt.where(FlowRow.destination_id.is_not(None))
        return _flow_filters(stmt, f, dest_joined=True).group_by(FlowRow.destination_id)

    flow_counts = scoped(select(FlowRow.destination_id, func.count(FlowRow.id)))
    kind_counts = scoped(
        select(
            FlowRow.destination_id, func.count(FindingRow.id), _kinds_listed(store.engine.dialect.name)
        ).join(FindingRow, FindingRow.flow_id == FlowRow.id)
    )
    emap = entity_map()
    with OrmSession(store.engine) as s:
        n_flows: dict[int, int] = dict(s.execute(flow_counts).all())
        kinds: dict[int, tuple[int, list[str]]] = {
            dest_id: (n, sorted(listed.split(","))) for dest_id, n, listed in s.execute(kind_counts)
        }
        dests = s.execute(
            select(DestinationRow).order_by(DestinationRow.host, DestinationRow.ip)
        ).scalars() if n_flows else iter(())  # fmt: skip
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
    row = BlindSpotRow
    stmt = (
        select(SessionRow.label, row.device, row.client_address, row.kind, row.host, func.count(row.id),
               func.min(row.error))
        .join(SessionRow, row.session_id == SessionRow.id)
        .where(row.kind.in_([k.value for k in kinds]))
        .group_by(SessionRow.label, row.device, row.client_address, row.kind, row.host)
        .order_by(func.count(row.id).desc(), row.host)
    )  # fmt: skip
    if f.session:
        stmt = stmt.where(SessionRow.label == f.session)
    if f.device:
        stmt = stmt.where(or_(row.device == f.device, row.client_address == f.device))
    if f.host:
        stmt = stmt.where(_host_clause(row.host, f.host))
    with OrmSession(store.engine) as s:
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


def summary(store: Store, session: str | None = None) -> Summary:
    with OrmSession(store.engine) as s:

        def every(stmt: Any) -> Any:
            stmt = stmt.join(SessionRow, FlowRow.session_id == SessionRow.id)
            return stmt.where(SessionRow.label == session) if session else stmt

        # Requests that never reached their server are stored and counted as flows, nowhere else.
        unsent = [
            i for i, status, error in s.execute(
                every(select(FlowRow.id, FlowRow.status, FlowRow.error)).where(
                    FlowRow.error.is_not(None), or_(FlowRow.status.is_(None), FlowRow.status.in_((0, 502)))
                )
            )
            if never_sent(status, error)
        ]  # fmt: skip

        def scoped(stmt: Any) -> Any:
            stmt = every(stmt)
            # Inlined, not bound: a long capture of a blocked host must not hit a parameter limit.
            return (
                stmt.where(FlowRow.id.not_in(bindparam("unsent", unsent, literal_execute=True)))
                if unsent
                else stmt
            )

        labels = list(s.scalars(select(SessionRow.label).order_by(SessionRow.started)))
        n_flows = s.scalar(every(select(func.count(FlowRow.id)))) or 0
        n_hosts = s.scalar(scoped(select(func.count(distinct(FlowRow.host))))) or 0
        cleartext = s.scalar(scoped(select(func.count(FlowRow.id)).where(FlowRow.tls.is_(False)))) or 0
        n_notes = (
            s.scalar(every(select(func.count(FlowRow.id)).where(cast(FlowRow.notes, String) != "[]"))) or 0
        )
        kind_rows = s.execute(
            scoped(
                select(
                    FindingRow.category,
                    FindingRow.kind,
                    func.count(FindingRow.id),
                    func.count(distinct(FindingRow.value)),
                ).join(FlowRow, FindingRow.flow_id == FlowRow.id)
            ).group_by(FindingRow.category, FindingRow.kind)
        ).all()
        host_flows: dict[str, int] = dict(
            s.execute(scoped(select(FlowRow.host, func.count(FlowRow.id))).group_by(FlowRow.host)).all()
        )
        host_kinds: dict[str, Counter[str]] = {}
        kind_hosts: dict[str, Counter[str]] = {}
        clear: dict[str, set[str]] = {}
        # Counted by the database: one row per host, kind and TLS, however many findings.
        for host, kind, tls, n in s.execute(
            scoped(
                select(FlowRow.host, FindingRow.kind, FlowRow.tls, func.count(FindingRow.id)).join(
                    FindingRow, FindingRow.flow_id == FlowRow.id
                )
            ).group_by(FlowRow.host, FindingRow.kind, FlowRow.tls)
        ):
            host_kinds.setdefault(host, Counter())[kind] += n
            kind_hosts.setdefault(kind, Counter())[host] += n
            if not tls:
                clear.setdefault(host, set()).add(kind)
        flagged_flows = (
            s.scalar(
                scoped(
                    select(func.count(distinct(FlowRow.id))).join(
                        FindingRow, FindingRow.flow_id == FlowRow.id
                    )
                )
            )
            or 0
        )
        host_countries: dict[str, Counter[str]] = {}
        for host, country, n in s.execute(
            scoped(
                select(FlowRow.host, DestinationRow.country, func.count(FlowRow.id)).join(
                    DestinationRow, FlowRow.destination_id == DestinationRow.id
                )
            ).group_by(FlowRow.host, DestinationRow.country)
        ):
            host_countries.setdefault(host, Counter())[country] += n
        blind_stmt = select(BlindSpotRow.kind, BlindSpotRow.host, func.count(BlindSpotRow.id)).join(
            SessionRow, BlindSpotRow.session_id == SessionRow.id
        )
        if session:
            blind_stmt = blind_stmt.where(SessionRow.label == session)
        blind: Any = s.execute(
            blind_stmt.group_by(BlindSpotRow.kind, BlindSpotRow.host).order_by(
                func.count(BlindSpotRow.id).desc(), BlindSpotRow.host
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
    )


def flow_rows(store: Store, f: Filters) -> Iterator[tuple[FlowRow, list[tuple[str, str]]]]:
    """Stored flows of a filter as ORM rows with their findings' (kind, value): for exports."""
    stmt = (
        select(FlowRow)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .order_by(FlowRow.time, FlowRow.id)
    )
    stmt = _flow_filters(stmt, f)
    with OrmSession(store.engine) as s:
        for chunk in s.scalars(stmt).partitions(200):
            ids = [flow.id for flow in chunk]
            found: dict[int, list[tuple[str, str]]] = {}
            for flow_id, kind, value in s.execute(
                select(FindingRow.flow_id, FindingRow.kind, FindingRow.value).where(
                    FindingRow.flow_id.in_(ids)
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
    return func.coalesce(func.nullif(BlindSpotRow.device, empty), BlindSpotRow.client_address, empty)


def sessions(store: Store) -> Iterator[dict[str, Any]]:
    """One row per session and device, sessions by start time: flows, findings and blind spots counted,
    and the device's first and last flow.  A session with nothing stored is one row with `device` None.

    Four queries whatever the number of sessions (three of them GROUP BY session and device).
    """
    counts: dict[tuple[int, str], dict[str, Any]] = {}

    def slot(session_id: int, device: str) -> dict[str, Any]:
        return counts.setdefault(
            (session_id, device), {"flows": 0, "findings": 0, "blind_spots": 0, "first": None, "last": None}
        )

    with OrmSession(store.engine) as s:
        heads = s.execute(
            select(SessionRow.id, SessionRow.label, SessionRow.source, SessionRow.started, SessionRow.ended)
            .order_by(SessionRow.started, SessionRow.id)
        ).all()  # fmt: skip
        for session_id, device, n, first, last in s.execute(
            select(FlowRow.session_id, FlowRow.device, func.count(FlowRow.id), func.min(FlowRow.time),
                   func.max(FlowRow.time)).group_by(FlowRow.session_id, FlowRow.device)
        ):  # fmt: skip
            row = slot(session_id, device)
            row.update(flows=n, first=first, last=last)
        for session_id, device, n in s.execute(
            select(FlowRow.session_id, FlowRow.device, func.count(FindingRow.id))
            .join(FindingRow, FindingRow.flow_id == FlowRow.id)
            .group_by(FlowRow.session_id, FlowRow.device)
        ):
            slot(session_id, device)["findings"] = n
        device = _blind_device()
        for session_id, name, n in s.execute(
            select(BlindSpotRow.session_id, device, func.count(BlindSpotRow.id)).group_by(
                BlindSpotRow.session_id, device
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
    with OrmSession(store.engine) as s:
        return list(s.scalars(select(SessionRow.label).order_by(SessionRow.started, SessionRow.id)))


def has_session(store: Store, label: str) -> bool:
    with OrmSession(store.engine) as s:
        return s.scalar(select(SessionRow.id).where(SessionRow.label == label)) is not None


def _device_scope(stmt: Any, row: Any, session: str | None) -> Any:
    if session is None:
        return stmt
    return stmt.join(SessionRow, row.session_id == SessionRow.id).where(SessionRow.label == session)


def has_device(store: Store, device: str, session: str | None = None) -> bool:
    """Whether `device` sent a flow, or met a blind spot, in `session` (or in any session)."""
    flow = _device_scope(select(FlowRow.id).where(FlowRow.device == device), FlowRow, session)
    blind = _device_scope(
        select(BlindSpotRow.id).where(
            or_(BlindSpotRow.device == device, BlindSpotRow.client_address == device)
        ),
        BlindSpotRow,
        session,
    )
    with OrmSession(store.engine) as s:
        return s.scalar(flow.limit(1)) is not None or s.scalar(blind.limit(1)) is not None


def devices(store: Store, session: str | None = None) -> list[str]:
    """The devices of `session` (or of every session), by name."""
    name = _blind_device()
    with OrmSession(store.engine) as s:
        found = set(s.scalars(_device_scope(select(FlowRow.device).distinct(), FlowRow, session)))
        found |= set(s.scalars(_device_scope(select(name).distinct(), BlindSpotRow, session)))
    return sorted(found - {""})
