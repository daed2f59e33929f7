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
from sqlalchemy import Text, cast, select
from sqlalchemy.engine import Connection

EVIDENCE_PER_KIND = 200  # findings kept whole per device and kind: what a report shows

# What the report tells flows apart by: who sent them, where they went, how.  Everything else
# (the URL, the bytes, the time) is counted, not kept.
_DEST = (
    DESTINATIONS.c.id.label("dest_id"), DESTINATIONS.c.country.label("dest_country"),
    DESTINATIONS.c.region.label("dest_region"), DESTINATIONS.c.entity.label("dest_entity"),
    DESTINATIONS.c.entity_country.label("dest_entity_country"),
)  # fmt: skip
_SENDER = (
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
        select(FLOWS.c.id, FLOWS.c.time, *_SENDER, FLOWS.c.tls, notes, FLOWS.c.status, FLOWS.c.error), f
    ).order_by(FLOWS.c.time, FLOWS.c.id)
    finding_stmt = _flow_filters(
        select(FINDINGS.c.flow_id, FINDINGS.c.id, FINDINGS.c.category, FINDINGS.c.kind, FINDINGS.c.value)
        .join(FLOWS, FINDINGS.c.flow_id == FLOWS.c.id)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .order_by(FLOWS.c.time, FLOWS.c.id, FINDINGS.c.id),
        f,
        findings_joined=True,
    )
    out = Scan()
    index: dict[tuple[Any, ...], int] = {}
    parsed: dict[Any, list[Any]] = {}

    def take(row: Any) -> int:
        """The place of a flow's group, made on its first flow; the flow counted."""
        key = row[2:]  # everything but the flow's id and time
        at = index.get(key)
        when = row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC)
        if at is None:
            text = row.notes_text
            if text not in parsed:
                parsed[text] = list(json.loads(text)) if isinstance(text, str) else list(text or ())
            flow = {"session": row.label, "device": row.device, "host": row.host, **senders.describe(row),
                    "tls": row.tls, "notes": parsed[text], "status": row.status, "error": row.error}  # fmt: skip
            at = index[key] = len(out.groups)
            out.groups.append(FlowGroup(flow, not never_sent(row.status, row.error), when, when))
        group = out.groups[at]
        group.flows += 1
        group.times.append((when - _EPOCH) // _MICROSECOND)
        group.last = when  # flows come in time order
        return at

    shown: dict[tuple[str, str, str], int] = {}
    flow_rows = iter(conn.execute(flow_stmt.execution_options(yield_per=2000)))
    flow_id, at = None, -1
    for fl_id, finding_id, category, kind, value in conn.execute(
        finding_stmt.execution_options(yield_per=2000)
    ):
        if fl_id != flow_id:
            for row in flow_rows:  # flows without findings pass by on the way
                at = take(row)
                if row.id == fl_id:
                    break
            else:
                raise RuntimeError(f"finding {finding_id}'s flow {fl_id} is not in the flows read")
            flow_id = fl_id
        key = (at, category, kind)
        out.findings[key] = out.findings.get(key, 0) + 1
        group = out.groups[at]
        if group.sent:
            session, device = group.flow["session"], group.flow["device"]
            out.values[session, device, kind, value] = None
            seen = shown.get((session, device, kind), 0)
            if seen < per_kind:
                shown[session, device, kind] = seen + 1
                out.evidence.append((finding_id, fl_id, session, device))
    for row in flow_rows:
        take(row)
    return out


def devices(conn: Connection, f: Filters) -> list[tuple[str, str]]:
    """The (session, device) pairs of the scope's flows, in order: a report counts each apart."""
    stmt = _scoped(select(SESSIONS.c.label, FLOWS.c.device).distinct(), f)
    return sorted((label, device) for label, device in conn.execute(stmt))


def senders(conn: Connection) -> _Senders:
    """Who sent each flow (the device's maker, the app), worked out once per device and shared by reads."""
    return _Senders(conn)


def whole(
    conn: Connection, chosen: list[tuple[int, int]], senders: _Senders | None = None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The findings (finding id, flow id) chosen, as `queries.findings_with_flows` pairs, in the order
    given: read by id, 500 at a time."""
    senders = senders or _Senders(conn)
    flow_stmt = (
        select(*_FLOW_COLUMNS)
        .join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id)
        .outerjoin(DESTINATIONS, FLOWS.c.destination_id == DESTINATIONS.c.id)
    )
    for start in range(0, len(chosen), 500):
        chunk = chosen[start : start + 500]
        found = {row[0]: tuple(row[1:]) for row in conn.execute(
            select(FINDINGS.c.id, *_FINDING_COLUMNS).where(FINDINGS.c.id.in_([fid for fid, _ in chunk]))
        )}  # fmt: skip
        flows: dict[int, dict[str, Any]] = {}
        for flow in conn.execute(flow_stmt.where(FLOWS.c.id.in_(sorted({fl for _, fl in chunk})))):
            flows[flow.id] = {**_request(flow, flow.label), **senders.describe(flow)}
        for finding_id, flow_id in chunk:
            yield found[finding_id], flows[flow_id]
