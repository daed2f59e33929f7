"""Re-running today's classifiers over flows already stored.

Stored flows keep their request headers and body exactly as sent, so any later detector, adapter or
known-values file can be applied to old captures.  Each flow's findings are replaced in place;
flows themselves are never touched except for their decoding notes, destination, app, the count
and kinds of their findings, and a server address that `--resolve` filled in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from phonehome.classifiers.model import Analysis, Exchange
from phonehome.db.bulk import insert_rows
from phonehome.db.models import FINDINGS, FLOWS, SESSIONS
from phonehome.db.store import Store, finding_counts, finding_values
from phonehome.db.workers import ClassifierPool, PoolBroken, analysed, is_failed
from sqlalchemy import delete, func, select, update

log = logging.getLogger(__name__)

# Notes about where a flow's data came from, not about its decoding: re-analysis keeps them.
RESOLVED_NOTE = "server address resolved by phonehome at import time (--resolve), not recorded"
KEPT_NOTES = frozenset({RESOLVED_NOTE})


@dataclass(slots=True)
class ReanalyzeResult:
    flows: int = 0
    findings_before: int = 0
    findings_after: int = 0
    # Flows whose re-analysis failed (a detector raised, or its classifier process crashed or gave
    # no answer): they keep what was found before, with a note.
    failed: int = 0


def exchange_of(flow: Any) -> Exchange:
    """The stored flow (a row of `select(FLOWS)`) as the Exchange it was made from."""
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
    workers: int = 0,
    prepare: Callable[[Exchange], Exchange] | None = None,
) -> ReanalyzeResult:
    """Replace every stored finding (of one session, or all) with what `analyzer` finds now.

    With `workers`, classified in that many worker processes (`ClassifierPool`: `analyzer` must
    pickle), so that a detector that never returns on one flow costs that flow only, each batch
    classified there while the one before is written here; else in this process.  A batch is
    classified before its write transaction opens, so a capture writing into the same database
    waits for the writing only.  A flow whose classification fails keeps its findings, destination
    and fields as they were, with a note that says why (`failed`).  `prepare`, if given, changes each
    flow before it is classified, in this process (`reanalyze --resolve` fills in server addresses)."""
    result = ReanalyzeResult()
    with store.engine.connect() as conn:
        ids_stmt = select(FLOWS.c.id).order_by(FLOWS.c.id)
        if session:
            ids_stmt = ids_stmt.join(SESSIONS, FLOWS.c.session_id == SESSIONS.c.id).where(
                SESSIONS.c.label == session
            )
        ids = list(conn.scalars(ids_stmt))
    pool = ClassifierPool(analyzer, workers) if workers > 0 and ids else None
    # The batch at the workers while the one before is written: (ids, flows, exchanges, parts sent).
    pending: tuple[list[int], Sequence[Any], list[Exchange], Any] | None = None

    def finish(chunk: list[int], flows: Sequence[Any], exchanges: list[Exchange], sent: Any) -> None:
        nonlocal pool
        analyses = None
        if sent is not None and pool is not None:
            try:
                analyses = pool.collect(sent)
            except PoolBroken as exc:
                _no_pool(pool, exc)
                pool = None
        if analyses is None:
            analyses = [analysed(analyzer, exchange) for exchange in exchanges]
        _replace(store, chunk, flows, analyses, result)
        result.flows += len(chunk)
        if progress is not None:
            progress(result.flows, len(ids))

    try:
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            with store.engine.connect() as conn:
                flows = conn.execute(select(FLOWS).where(FLOWS.c.id.in_(chunk)).order_by(FLOWS.c.id)).all()
            exchanges = [exchange_of(flow) for flow in flows]
            if prepare is not None:
                exchanges = [prepare(exchange) for exchange in exchanges]
            sent = None
            if pool is not None:
                try:
                    sent = pool.submit(exchanges)
                except PoolBroken as exc:
                    _no_pool(pool, exc)
                    pool = None
            if pending is not None:
                finish(*pending)
            pending = (chunk, flows, exchanges, sent)
        if pending is not None:
            finish(*pending)
    finally:
        if pool is not None:
            pool.close()
    return result


def _no_pool(pool: ClassifierPool, exc: BaseException) -> None:
    log.warning("phonehome: %s: re-analysing in this process instead", exc)
    pool.close()


def _replace(
    store: Store, chunk: list[int], flows: Sequence[Any], analyses: list[Analysis], result: ReanalyzeResult
) -> None:
    """One batch's findings replaced by its analyses, in one transaction; failed analyses noted."""
    done: list[tuple[Any, Analysis]] = []
    stuck: list[tuple[Any, Analysis]] = []
    for flow, analysis in zip(flows, analyses, strict=True):
        (stuck if is_failed(analysis) else done).append((flow, analysis))
    with store.writing() as conn:
        result.findings_before += (
            conn.scalar(select(func.count(FINDINGS.c.id)).where(FINDINGS.c.flow_id.in_(chunk))) or 0
        )
        conn.execute(delete(FINDINGS).where(FINDINGS.c.flow_id.in_([flow.id for flow, _ in done])))
        # Destinations too: new geo databases or a newer entity map apply to old captures.
        dest_ids = store.destination_ids(conn, [a.destination for _, a in done], refresh=True)
        findings: list[dict[str, Any]] = []
        for flow, analysis in done:
            # Provenance notes about the flow itself (not its decoding) survive re-analysis.
            kept = [n for n in flow.notes if n in KEPT_NOTES]
            conn.execute(
                update(FLOWS)
                .where(FLOWS.c.id == flow.id)
                .values(
                    destination_id=dest_ids[(analysis.destination.host, analysis.destination.ip or "")],
                    server_ip=analysis.exchange.server_ip,  # `prepare` may have filled it in
                    notes=kept + [n for n in analysis.notes if n not in kept],
                    fields=analysis.fields,
                    app=analysis.app,
                    app_evidence=analysis.app_evidence,
                    **finding_counts(analysis),  # the findings inserted below, and no others
                )
            )
            findings.extend(finding_values(analysis, flow.id))
        insert_rows(conn, FINDINGS, findings)
        result.findings_after += len(findings)
        for flow, analysis in stuck:
            note = f"{analysis.notes[0]} (re-analysis: the findings found before are kept)"
            if note not in flow.notes:
                conn.execute(update(FLOWS).where(FLOWS.c.id == flow.id).values(notes=[*flow.notes, note]))
        if stuck:
            result.failed += len(stuck)
            result.findings_after += (
                conn.scalar(
                    select(func.count(FINDINGS.c.id)).where(
                        FINDINGS.c.flow_id.in_([flow.id for flow, _ in stuck])
                    )
                )
                or 0
            )
