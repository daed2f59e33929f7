"""Read-side queries: the rows behind `findings`, `flows`, `destinations` and the summary.

Each query yields plain dicts whose keys are the public JSONL contract (DESIGN.md); formatting is
the CLI's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, distinct, exists, func, or_, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased

from db.models import DestinationRow, FindingRow, FlowRow, SessionRow, TlsFailureRow
from db.store import Store


@dataclass(frozen=True, slots=True)
class Filters:
    session: str | None = None
    host: str | None = None
    kind: str | None = None
    category: str | None = None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _host_clause(column: Any, host: str) -> Any:
    host = host.lower().strip(".")
    return or_(column == host, column.like(f"%.{host}"))


def _flow_filters(stmt: Any, f: Filters, *, findings_joined: bool = False) -> Any:
    if f.session:
        stmt = stmt.where(SessionRow.label == f.session)
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


def findings(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    stmt = (
        select(FindingRow, FlowRow, SessionRow.label)
        .join(FlowRow, FindingRow.flow_id == FlowRow.id)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .order_by(FlowRow.time, FlowRow.id, FindingRow.id)
    )
    stmt = _flow_filters(stmt, f, findings_joined=True)
    with OrmSession(store.engine) as s:
        for finding, flow, label in s.execute(stmt).yield_per(500):
            yield {
                **_request(flow, label),
                "category": finding.category,
                "kind": finding.kind,
                "value": finding.value,
                "where": finding.location,
                "path": finding.path,
                "encodings": list(finding.encodings),
                "confidence": finding.confidence,
                "source": finding.source,
                "hashed": finding.hashed,
            }


def flows(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    count = (
        select(func.count(FindingRow.id))
        .where(FindingRow.flow_id == FlowRow.id)
        .correlate(FlowRow)
        .scalar_subquery()
    )
    stmt = (
        select(FlowRow, SessionRow.label, count)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .order_by(FlowRow.time, FlowRow.id)
    )
    stmt = _flow_filters(stmt, f)
    with OrmSession(store.engine) as s:
        for flow, label, n in s.execute(stmt).yield_per(500):
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
            }


def destinations(store: Store, f: Filters) -> Iterator[dict[str, Any]]:
    stmt = (
        select(DestinationRow, FlowRow.id, FindingRow.kind)
        .join(FlowRow, FlowRow.destination_id == DestinationRow.id)
        .join(SessionRow, FlowRow.session_id == SessionRow.id)
        .outerjoin(FindingRow, FindingRow.flow_id == FlowRow.id)
        .order_by(DestinationRow.host, DestinationRow.ip)
    )
    stmt = _flow_filters(stmt, f)
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


def summary(store: Store, session: str | None = None) -> Summary:
    with OrmSession(store.engine) as s:

        def scoped(stmt: Any) -> Any:
            stmt = stmt.join(SessionRow, FlowRow.session_id == SessionRow.id)
            return stmt.where(SessionRow.label == session) if session else stmt

        labels = list(s.scalars(select(SessionRow.label).order_by(SessionRow.started)))
        n_flows = s.scalar(scoped(select(func.count(FlowRow.id)))) or 0
        n_hosts = s.scalar(scoped(select(func.count(distinct(FlowRow.host))))) or 0
        cleartext = s.scalar(scoped(select(func.count(FlowRow.id)).where(FlowRow.tls.is_(False)))) or 0
        n_notes = (
            s.scalar(scoped(select(func.count(FlowRow.id)).where(cast(FlowRow.notes, String) != "[]"))) or 0
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
        tls_stmt = select(TlsFailureRow.host, func.count(TlsFailureRow.id)).join(
            SessionRow, TlsFailureRow.session_id == SessionRow.id
        )
        if session:
            tls_stmt = tls_stmt.where(SessionRow.label == session)
        refusals: Any = s.execute(
            tls_stmt.group_by(TlsFailureRow.host).order_by(func.count(TlsFailureRow.id).desc())
        ).all()
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
        tls_failures=[(h, n) for h, n in refusals],
        notes=n_notes,
    )
