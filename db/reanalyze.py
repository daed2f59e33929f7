"""Re-running today's classifiers over flows already stored.

Stored flows keep their request headers and body exactly as sent, so any later detector, adapter or
known-values file can be applied to old captures.  Each flow's findings are replaced in place;
flows themselves are never touched except for their decoding notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from phonehome.classifiers.model import Analysis, Exchange
from phonehome.db.models import FindingRow, FlowRow, SessionRow
from phonehome.db.store import Store, finding_rows
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

# Notes about where a flow's data came from, not about its decoding: re-analysis keeps them.
RESOLVED_NOTE = "server address resolved by phonehome at import time (--resolve), not recorded"
KEPT_NOTES = frozenset({RESOLVED_NOTE})


@dataclass(slots=True)
class ReanalyzeResult:
    flows: int = 0
    findings_before: int = 0
    findings_after: int = 0


def exchange_of(flow: FlowRow) -> Exchange:
    """The stored flow as the Exchange it was made from."""
    return Exchange(
        time=flow.time,
        method=flow.method,
        url=flow.url,
        request_headers=tuple((str(k), str(v)) for k, v in flow.request_headers),
        request_body=flow.request_body or b"",
        http_version=flow.http_version,
        status=flow.status,
        response_headers=tuple((str(k), str(v)) for k, v in flow.response_headers),
        response_bytes=flow.response_bytes,
        server_ip=flow.server_ip,
        client_address=flow.client_address,
        error=flow.error,
        fingerprint=flow.fingerprint or "",
    )


def reanalyze(
    store: Store,
    analyzer: Callable[[Exchange], Analysis],
    *,
    session: str | None = None,
    batch: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> ReanalyzeResult:
    """Replace every stored finding (of one session, or all) with what `analyzer` finds now."""
    result = ReanalyzeResult()
    with OrmSession(store.engine) as s:
        ids_stmt = select(FlowRow.id).order_by(FlowRow.id)
        if session:
            ids_stmt = ids_stmt.join(SessionRow, FlowRow.session_id == SessionRow.id).where(
                SessionRow.label == session
            )
        ids = list(s.scalars(ids_stmt))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with OrmSession(store.engine) as s, s.begin():
            result.findings_before += (
                s.scalar(select(func.count(FindingRow.id)).where(FindingRow.flow_id.in_(chunk))) or 0
            )
            s.execute(delete(FindingRow).where(FindingRow.flow_id.in_(chunk)))
            flows = list(s.scalars(select(FlowRow).where(FlowRow.id.in_(chunk))))
            analyses = [analyzer(exchange_of(flow)) for flow in flows]
            # Destinations too: new geo databases or a newer entity map apply to old captures.
            dest_ids = store.destination_ids(s, [a.destination for a in analyses], refresh=True)
            for flow, analysis in zip(flows, analyses, strict=True):
                flow.destination_id = dest_ids[(analysis.destination.host, analysis.destination.ip or "")]
                # Provenance notes about the flow itself (not its decoding) survive re-analysis.
                kept = [n for n in flow.notes if n in KEPT_NOTES]
                flow.notes = kept + [n for n in analysis.notes if n not in kept]
                flow.fields = analysis.fields
                flow.app = analysis.app
                flow.app_evidence = analysis.app_evidence
                rows = finding_rows(analysis)
                for row in rows:
                    row.flow_id = flow.id
                s.add_all(rows)
                result.findings_after += len(rows)
        result.flows += len(chunk)
        if progress is not None:
            progress(result.flows, len(ids))
    return result
