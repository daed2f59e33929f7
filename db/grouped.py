"""The report's reads: one ordered pass over a scope's flows and one over its findings, folded into
groups as they go, so that a report over millions of rows keeps none of them.

A report needs counts (per device, receiver, country, app and kind), the first findings of each
kind as evidence, and each flow's time; not a row per flow or finding.  Flows the report cannot tell
apart (same device, destination, app, TLS, notes, status) are one group, described once; findings
are counted per group, category and kind.  Groups and counts keep the order in which their first
row came in the order `queries.flows` and `queries.findings_with_flows` stream (time, flow id,
finding id), so a reader that folds them into ordered counts meets every key where its first row
would have been, and breaks ties as before.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from phonehome.classifiers.model import never_sent
from phonehome.db.models import DESTINATIONS, FINDINGS, FLOWS, SESSIONS
from phonehome.db.queries import (
    _FINDING_COLUMNS,
    _FLOW_COLUMNS,
    _HEADERS_IF_NO_APP,
    Filters,
    _flow_filters,
    _request,
    _Senders,
)
from sqlalchemy import ARRAY, DateTime, Integer, Text, any_, bindparam, cast, select, type_coerce
from sqlalchemy.engine import Connection

EVIDENCE_PER_KIND = 200  # findings kept whole per device and kind: what a report shows

# What the report tells flows apart by: who sent them, where they went, how.  Everything else
# (the URL, the bytes, the time) is counted, not kept.
_DEST = (
    DESTINATIONS.c.id.label("dest_id"), DESTINATIONS.c.country.label("dest_country"),
    DESTINATIONS.c.region.label("dest_region"), DESTINATIONS.c.entity.label("dest_entity"),
    DESTINATIONS.c.entity_country.label("dest_entity_country"),
)  # fmt: skip
_SENDER = (  # in this order: `scan` reads them by place
    FLOWS.c.session_id, SESSIONS.c.label, FLOWS.c.device, FLOWS.c.host, FLOWS.c.app, FLOWS.c.app_evidence,
    _HEADERS_IF_NO_APP, *_DEST,
)  # fmt: skip


@dataclass(slots=True)
class FlowGroup:
    """Flows of one device that a report cannot tell apart: `flow` holds the fields `queries.flows`
    rows show for each of them but the request's own (URL, method, time, sizes): destination, sender,
    tls, notes, status, error; shared, never to be changed.  `sent` is False for requests that never
    reached their server."""

    flow: dict[str, Any]
    sent: bool
    first: datetime
    last: datetime
    flows: int = 0
    times: array[int] = field(default_factory=lambda: array("q"))  # each flow's, µs since 1970
    domain: str = ""  # its host's registrable domain, as stored with its destination ("" if none)


@dataclass(slots=True)
class Scan:
    """What a report needs of one scope's flows and findings, read in one ordered pass over each."""

    groups: list[FlowGroup] = field(default_factory=list)  # in the order of their first flow
    # (group's place in `groups`, category, kind) -> findings, in the order first found
    findings: dict[tuple[int, str, str], int] = field(default_factory=dict)
    # (session, device, kind, value) of the findings sent, in the order first found
    values: dict[tuple[str, str, str, str], None] = field(default_factory=dict)
    # (finding id, flow id, session, device) of the first findings sent of each device and kind, in
    # order: `whole` reads them
    evidence: list[tuple[int, int, str, str]] = field(default_factory=list)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _scoped(stmt: Any, f: Filters) -> Any:
    stmt = stmt.join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id).outerjoin(
        DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id
    )
    return _flow_filters(stmt, f, dest_joined=True)


def scan(
    conn: Connection, f: Filters, per_kind: int = EVIDENCE_PER_KIND, senders: _Senders | None = None
) -> Scan:
    """The scope's flows, grouped, and its findings counted by group, category and kind.

    Two ordered reads merged as they go (flows by time and id; findings by their flow's time and id,
    then their own id), so nothing is held per flow or finding but each flow's time: each finding
    meets its flow in the flows stream.  The flows read carries only what tells groups apart, the
    findings read only kind, category and value; `per_kind` findings of each device and kind are
    named as evidence, for `whole` to read.
    """
    senders = senders or _Senders(conn)
    notes = cast(FLOWS.c.notes, Text).label("notes_text")
    flow_stmt = _scoped(
        # The time as stored, naive UTC: read past UTCDateTime, a Python call for every row.
        select(FLOWS.c.id, type_coerce(FLOWS.c.time, DateTime()), *_SENDER, FLOWS.c.tls, notes,
               FLOWS.c.status, FLOWS.c.error, DESTINATIONS.c.domain), f
    ).order_by(FLOWS.c.time, FLOWS.c.id)  # fmt: skip
    finding_stmt = _flow_filters(
        select(FINDINGS.c.flow_id, FINDINGS.c.id, FINDINGS.c.category, FINDINGS.c.kind, FINDINGS.c.value)
        .join(FLOWS, FINDINGS.c.flow_id == FLOWS.c.id)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .order_by(FLOWS.c.time, FLOWS.c.id, FINDINGS.c.id),
        f,
        findings_joined=True,
    )
    out = Scan()
    groups = out.groups
    index: dict[tuple[Any, ...], int] = {}
    parsed: dict[Any, list[Any]] = {}
    appenders: list[Any] = []  # each group's `times.append`
    lasts: list[datetime] = []  # each group's last flow's time, as stored

    def take(row: Any) -> int:
        """The place of a flow's group, made on its first flow; the flow's time kept (a group's count,
        and its first and last times in UTC, are set once all flows are read)."""
        # Everything but the flow's id and time: _SENDER, tls, notes, status, error, and the domain
        # stored with the destination (the same for every flow of one destination).
        key = row[2:]
        at = index.get(key)
        if at is None:
            session_id, label, device, host, app, evidence, headers, *dest, tls, text, status, error, domain = key  # fmt: skip
            if text not in parsed:
                parsed[text] = list(json.loads(text)) if isinstance(text, str) else list(text or ())
            flow = {"session": label, "device": device, "host": host,
                    **senders.described(session_id, device, host, app, evidence, headers, *dest),
                    "tls": tls, "notes": parsed[text], "status": status, "error": error}  # fmt: skip
            at = index[key] = len(groups)
            group = FlowGroup(flow, not never_sent(status, error), row[1], row[1], domain=domain or "")
            groups.append(group)
            appenders.append(group.times.append)
            lasts.append(row[1])
        when = lasts[at] = row[1]
        appenders[at]((when - _NAIVE_EPOCH) // _MICROSECOND)  # µs since 1970
        return at

    flow_rows = iter(conn.execute(flow_stmt.execution_options(yield_per=2000)))
    finding_rows = conn.execute(finding_stmt.execution_options(yield_per=2000))
    _fold(finding_rows, flow_rows, take, out, per_kind)
    for row in flow_rows:
        take(row)
    for group, last in zip(groups, lasts, strict=True):  # flows come in time order
        group.flows = len(group.times)
        group.first = group.first.replace(tzinfo=UTC)
        group.last = last.replace(tzinfo=UTC)
    return out


def _fold(finding_rows: Any, flow_rows: Iterator[Any], take: Any, out: Scan, per_kind: int) -> None:
    """Each finding counted by its flow's group, category and kind, and its value and (among the
    first `per_kind` of its device and kind) its id kept, if its flow was sent: the flows up to each
    finding's taken on the way (`take`).  The loop of a report: 150,000 findings a session, so what
    changes only with the flow is looked up once per flow."""
    groups, findings, values, evidence = out.groups, out.findings, out.values, out.evidence
    shown: dict[tuple[str, str, str], int] = {}
    flow_id, at, sent, session, device = None, -1, False, "", ""
    for fl_id, finding_id, category, kind, value in finding_rows:
        if fl_id != flow_id:
            for row in flow_rows:  # flows without findings pass by on the way
                at = take(row)
                if row[0] == fl_id:
                    break
            else:
                raise RuntimeError(f"finding {finding_id}'s flow {fl_id} is not in the flows read")
            flow_id = fl_id
            group = groups[at]
            sent, session, device = group.sent, group.flow["session"], group.flow["device"]
        key = (at, category, kind)
        findings[key] = findings.get(key, 0) + 1
        if sent:
            values[session, device, kind, value] = None
            place = (session, device, kind)
            seen = shown.get(place, 0)
            if seen < per_kind:
                shown[place] = seen + 1
                evidence.append((finding_id, fl_id, session, device))


def devices(conn: Connection, f: Filters) -> list[tuple[str, str]]:
    """The (session, device) pairs of the scope's flows, in order: a report counts each apart.  Read
    from flows and sessions alone (a region is looked up where asked for): joined to destinations
    too, PostgreSQL took 36 ms instead of 16 for a session of 50,000 flows."""
    stmt = _flow_filters(
        select(SESSIONS.c.label, FLOWS.c.device).join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id), f
    )
    return sorted((label, device) for label, device in conn.execute(stmt.distinct()))


def senders(conn: Connection) -> _Senders:
    """Who sent each flow (the device's maker, the app), worked out once per device and shared by reads."""
    return _Senders(conn)


def whole(
    conn: Connection, chosen: list[tuple[int, int]], senders: _Senders | None = None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The findings (finding id, flow id) chosen, as `queries.findings_with_flows` pairs, in the order
    given: read by id, a batch at a time (`_by_id`)."""
    senders = senders or _Senders(conn)
    flow_stmt = (
        select(*_FLOW_COLUMNS)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .outerjoin(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
    )
    batch = _BATCH.get(conn.dialect.name, 500)
    for start in range(0, len(chosen), batch):
        chunk = chosen[start : start + batch]
        found = {row[0]: tuple(row[1:]) for row in conn.execute(
            select(FINDINGS.c.id, *_FINDING_COLUMNS).where(_by_id(conn, FINDINGS.c.id, [fid for fid, _ in chunk]))
        )}  # fmt: skip
        flows: dict[int, dict[str, Any]] = {}
        for flow in conn.execute(flow_stmt.where(_by_id(conn, FLOWS.c.id, sorted({fl for _, fl in chunk})))):
            flows[flow.id] = {**_request(flow, flow.label), **senders.describe(flow)}
        for finding_id, flow_id in chunk:
            yield found[finding_id], flows[flow_id]


# Ids read at once: SQLite's older builds take at most 999 parameters; PostgreSQL takes the ids as one
# array, however many.
_BATCH = {"postgresql": 20_000}


def _by_id(conn: Connection, column: Any, ids: list[int]) -> Any:
    """`column IN ids`; on PostgreSQL `column = ANY(ids)`, the ids one array parameter: a report's
    11,400 evidence findings in 16 queries of 500 placeholders each cost its worker 0.1 s of driver
    time (psycopg parses each query's text for them) and the server a plan each."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def holds(conn: Connection, f: Filters, flows: int) -> bool:
    """Whether the scope holds at least `flows` flows: read up to that many, not counted whole (a
    report forks workers for a big scope only, and counting a million flows' entries takes 1.7 s)."""
    if flows <= 0:
        return True
    stmt = _flow_filters(select(FLOWS.c.id), f).limit(1).offset(flows - 1)
    return conn.execute(stmt).first() is not None
