"""Read-side queries: the rows behind `findings`, `flows`, `destinations` and the summary.

Each query yields plain dicts whose keys are the public JSONL contract (DESIGN.md); formatting is
the CLI's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
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
from sqlalchemy import String, and_, bindparam, cast, distinct, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased, defer


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


def _request(flow: FlowRow, label: str) -> dict[str, Any]:
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


# Columns the findings and flows rows never show: not loaded (bodies can be large).
_UNUSED_FLOW_COLUMNS = (defer(FlowRow.request_body), defer(FlowRow.response_headers))


class _Senders:
    """Who sent each flow: the device's maker (by majority of what its requests say) and the app."""

    SAMPLE = 2000  # flows per device looked at to name its maker

    def __init__(self, s: OrmSession, emap: EntityMap | None = None) -> None:
        self.s = s
        self.emap = emap or entity_map()
        self._vendors: dict[tuple[int, str], Any] = {}

    def vendor(self, session_id: int, device: str) -> Any:
        key = (session_id, device)
        if key not in self._vendors:
            votes: Counter[str] = Counter()
            headers = self.s.scalars(
                select(FlowRow.request_headers)
                .where(FlowRow.session_id == session_id, FlowRow.device == device)
                .limit(self.SAMPLE)
            )
            for hs in headers:
                found = vendor_in(user_agent((str(k), str(v)) for k, v in hs), self.emap)
                if found:
                    votes[found.id] += 1
            models = self.s.scalars(
                select(FindingRow.value)
                .join(FlowRow, FindingRow.flow_id == FlowRow.id)
                .where(
                    FlowRow.session_id == session_id,
                    FlowRow.device == device,
                    FindingRow.kind == "device_model",
                )
                .limit(self.SAMPLE)
            )
            for value in models:
                found = vendor_in(value, self.emap)
                if found:
                    votes[found.id] += 1
            self._vendors[key] = self.emap.entities[votes.most_common(1)[0][0]] if votes else None
        return self._vendors[key]

    def describe(self, flow: FlowRow, dest: DestinationRow | None) -> dict[str, Any]:
        """The destination fields every flow and finding row carries."""
        headers = [(str(k), str(v)) for k, v in flow.request_headers]
        app, evidence = flow.app, flow.app_evidence
        if not app and (named := app_of(headers)):  # flows stored before schema 2 have no app column value
            app, evidence = named
        vendor = self.vendor(flow.session_id, flow.device)
        match = self.emap.match(flow.host)
        party = party_of(match.entity if match else None, Context(vendor=vendor, app=app), self.emap)
        country = dest.country if dest else "unknown"
        entity_country = dest.entity_country if dest else None
        return {
            "country": country,
            "region": dest.region if dest else region_of(country).value,
            "entity": dest.entity if dest else None,
            "entity_country": entity_country,
            "entity_region": region_of(entity_country).value,
            "app": app,
            "vendor": vendor.name if vendor else None,
            "party": party.value,
            "app_evidence": evidence,  # the signal that named the app (flows rows; findings keep _PLACE_KEYS)
        }


def findings(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    # Two ordered streams merged in step: the flows (each read and described once, headers and
    # all) and their findings as plain columns, so no flow's JSON columns are decoded per finding.
    order = (FlowRow.time, FlowRow.id)
    flow_stmt = (
        select(FlowRow, SessionRow.label, DestinationRow)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        .order_by(*order)
        .options(*_UNUSED_FLOW_COLUMNS, defer(FlowRow.notes))
    )
    flow_stmt = _flow_filters(flow_stmt, f, dest_joined=True)
    finding_stmt = (
        select(
            FindingRow.flow_id, FindingRow.category, FindingRow.kind, FindingRow.value, FindingRow.location,
            FindingRow.path, FindingRow.encodings, FindingRow.confidence, FindingRow.source, FindingRow.hashed,
            FindingRow.evidence,
        )
        .join(FlowRow, FindingRow.flow_id == FlowRow.id)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        .order_by(*order, FindingRow.id)
    )  # fmt: skip
    finding_stmt = _flow_filters(finding_stmt, f, findings_joined=True, dest_joined=True)
    with OrmSession(store.engine) as s:
        senders = _Senders(s)
        flow_rows = iter(s.execute(flow_stmt).yield_per(500))
        current_id: int | None = None
        shared: dict[str, Any] = {}
        for (
            flow_id, category, kind, value, where, path, encodings, confidence, source, hashed, evidence
        ) in s.execute(finding_stmt).yield_per(1000):  # fmt: skip
            while current_id != flow_id:
                flow, label, dest = next(flow_rows)
                current_id = flow.id
                if current_id == flow_id:
                    shared = {**_request(flow, label), **senders.describe(flow, dest)}
            yield {
                **{k: shared[k] for k in _REQUEST_KEYS},
                "category": category,
                "kind": kind,
                "value": value,
                "where": where,
                "path": path,
                "encodings": list(encodings),
                "confidence": confidence,
                "source": source,
                "hashed": hashed,
                **{k: shared[k] for k in _PLACE_KEYS},
                "evidence": evidence,
            }


_REQUEST_KEYS = ("flow_id", "session", "time", "device", "method", "url", "host")
_PLACE_KEYS = ("country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party")


def flows(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    count = (
        select(func.count(FindingRow.id))
        .where(FindingRow.flow_id == FlowRow.id)
        .correlate(FlowRow)
        .scalar_subquery()
    )
    stmt = (
        select(FlowRow, SessionRow.label, count, DestinationRow)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(DestinationRow, FlowRow.destination_id == DestinationRow.id)
        .order_by(FlowRow.time, FlowRow.id)
        .options(*_UNUSED_FLOW_COLUMNS)
    )
    stmt = _flow_filters(stmt, f, dest_joined=True)
    with OrmSession(store.engine) as s:
        senders = _Senders(s)
        for flow, label, n, dest in s.execute(stmt).yield_per(500):
            yield {
                **_request(flow, label),
                "server_ip": flow.server_ip,
                "status": flow.status,
                "tls": flow.tls,
                "request_bytes": flow.request_bytes,
                "response_bytes": flow.response_bytes,
                "findings": n,
                "error": flow.error,
                "notes": list(flow.notes),
                # Values changed to fit the database: {column: the original as a Python literal}.
                "originals": dict(flow.originals or {}),
                **senders.describe(flow, dest),
            }


def destinations(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    stmt = (
        select(DestinationRow, FlowRow.id, FindingRow.kind)
        .join(FlowRow, FlowRow.destination_id == DestinationRow.id)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(FindingRow, FindingRow.flow_id == FlowRow.id)
        .order_by(DestinationRow.host, DestinationRow.ip)
    )
    stmt = _flow_filters(stmt, f, dest_joined=True)
    emap = entity_map()
    rows: dict[int, dict[str, Any]] = {}
    with OrmSession(store.engine) as s:
        for dest, flow_id, kind in s.execute(stmt).yield_per(1000):
            row = rows.get(dest.id)
            if row is None:
                row = rows[dest.id] = {
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
                    "_flows": set(),
                    "_kinds": Counter(),
                }
            row["_flows"].add(flow_id)
            if kind is not None:
                row["_kinds"][kind] += 1
    ordered = sorted(rows.values(), key=lambda r: (-sum(r["_kinds"].values()), -len(r["_flows"]), r["host"]))
    for row in ordered:
        flows_seen, kinds = row.pop("_flows"), row.pop("_kinds")
        row["flows"] = len(flows_seen)
        row["findings"] = sum(kinds.values())
        row["kinds"] = sorted(kinds)
        yield row


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
        flagged_flows: set[int] = set()
        for host, kind, tls, flow_id in s.execute(
            scoped(
                select(FlowRow.host, FindingRow.kind, FlowRow.tls, FlowRow.id).join(
                    FindingRow, FindingRow.flow_id == FlowRow.id
                )
            )
        ):
            host_kinds.setdefault(host, Counter())[kind] += 1
            kind_hosts.setdefault(kind, Counter())[host] += 1
            flagged_flows.add(flow_id)
            if not tls:
                clear.setdefault(host, set()).add(kind)
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
        flows_with_findings=len(flagged_flows),
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
