"""The report's grouped reads (db/grouped.py) stand for the rows they count: folded into ordered counts,
the groups give what folding `queries.flows` and `queries.findings_with_flows` row by row gives, in
the same order of first appearance, on SQLite and PostgreSQL, and on random traffic (hypothesis)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonehome.classifiers.destinations.domains import registrable_domain
from phonehome.classifiers.model import Exchange, never_sent
from phonehome.classifiers.registry import analyze
from phonehome.db import queries
from phonehome.db.grouped import devices, scan, whole
from phonehome.db.queries import Filters
from phonehome.db.store import Store

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOSTS = (
    "tracking.intl.miui.com",
    "graph.facebook.com",
    "weather.example.com",
    "cdn.example.net",
    "a.b.example.org",
)
QUERIES = (
    "imei=861234567890127", "lat=52.5200&lon=13.4050", "advertiser_id=38400000-8cf0-11bd-b23e-10b96e40000d",
    "email=someone%40example.com", "q=weather+berlin", "", "idfa=6D92078A-8246-4BA4-AE5B-76104861E7DC",
)  # fmt: skip
ERRORS = (None, None, None, "connection refused", "getaddrinfo failed", "upstream timed out")


def _flow_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["session"], row["device"], row["host"], row["country"], row["region"], row["entity"],
            row["entity_country"], row["entity_region"], row["app"], row["vendor"], row["party"],
            row["app_evidence"], row["tls"], tuple(row["notes"]))  # fmt: skip


def _finding_key(flow: dict[str, Any], tls: bool, category: str, kind: str, sent: bool) -> tuple[Any, ...]:
    return (flow["session"], flow["device"], flow["host"], flow["country"], flow["entity"], flow["app"],
            flow["party"], bool(tls), category, kind, sent)  # fmt: skip


def _ordered(pairs: Any) -> list[tuple[Any, int]]:
    """Weighted keys folded into counts that keep the order in which each key first came."""
    out: dict[Any, int] = {}
    for key, n in pairs:
        out[key] = out.get(key, 0) + n
    return list(out.items())


def _check(store: Store, f: Filters, per_kind: int = 2) -> None:
    rows = list(queries.flows(store, f))
    by_id = {r["flow_id"]: r for r in rows}
    pairs = list(queries.findings_with_flows(store, f))
    with store.engine.connect() as conn:
        read = scan(conn, f, per_kind)
        scopes = devices(conn, f)
        per_device = [scan(conn, replace(f, session=s, device=d), per_kind) for s, d in scopes]
        evidence = list(whole(conn, [(fd, fl) for fd, fl, _, _ in read.evidence]))
        assert [(fd[0], fl["session"], fl["device"]) for fd, fl in evidence] == [
            (fl, s, d) for _, fl, s, d in read.evidence
        ]
    groups = read.groups
    assert scopes == sorted({(r["session"], r["device"]) for r in rows})
    # Each group carries the registrable domain stored with its destination, for naming its receiver.
    assert [g.domain for g in groups] == [registrable_domain(g.flow["host"]) for g in groups]
    assert _ordered((_flow_key(g.flow), g.flows) for g in groups) == _ordered((_flow_key(r), 1) for r in rows)
    spans: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        spans.setdefault((r["session"], r["device"]), []).append(r["time"])
    for g in groups:
        key = (g.flow["session"], g.flow["device"])
        stamps = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in spans[key]]
        assert min(stamps) <= g.first <= g.last <= max(stamps)
    for key, stamps in spans.items():
        own = [g for g in groups if (g.flow["session"], g.flow["device"]) == key]
        assert min(g.first for g in own) == min(
            datetime.fromisoformat(t.replace("Z", "+00:00")) for t in stamps
        )
        assert max(g.last for g in own) == max(
            datetime.fromisoformat(t.replace("Z", "+00:00")) for t in stamps
        )
    micros = timedelta(microseconds=1)
    assert Counter((g.flow["device"], g.flow["host"], t) for g in groups for t in g.times) == Counter(
        (r["device"], r["host"], (datetime.fromisoformat(r["time"].replace("Z", "+00:00")) - EPOCH) // micros)
        for r in rows
    )

    def sent(flow_id: int) -> bool:
        return not never_sent(by_id[flow_id]["status"], by_id[flow_id]["error"])

    assert _ordered(
        (_finding_key(groups[at].flow, groups[at].flow["tls"], category, kind, groups[at].sent), n)
        for (at, category, kind), n in read.findings.items()
    ) == _ordered(
        (_finding_key(flow, by_id[fd[0]]["tls"], fd[1], fd[2], sent(fd[0])), 1) for fd, flow in pairs
    )
    expected_values = list(
        dict.fromkeys((fl["session"], fl["device"], fd[2], fd[3]) for fd, fl in pairs if sent(fd[0]))
    )
    assert list(read.values) == expected_values
    shown: Counter[tuple[str, str, str]] = Counter()
    expected = []
    for finding, flow in pairs:
        key = (flow["session"], flow["device"], finding[2])
        if sent(finding[0]) and shown[key] < per_kind:
            shown[key] += 1
            expected.append(queries.finding_row(finding, flow))
    assert [queries.finding_row(fd, fl) for fd, fl in evidence] == expected
    # Device by device: the same groups, counts, values and evidence, each device's in its own scan.
    assert sorted(
        _ordered((_flow_key(g.flow), g.flows) for s in per_device for g in s.groups), key=repr
    ) == sorted(_ordered((_flow_key(g.flow), g.flows) for g in groups), key=repr)
    assert sum(sum(s.findings.values()) for s in per_device) == sum(read.findings.values())
    assert Counter(v for s in per_device for v in s.values) == Counter(iter(read.values))
    assert Counter(e for s in per_device for e in s.evidence) == Counter(read.evidence)


def _exchanges(specs: list[tuple[int, int, int, bool, int, int]]) -> list[Any]:
    out = []
    for i, (second, host, query, tls, status, error) in enumerate(specs):
        scheme = "https" if tls else "http"
        url = f"{scheme}://{HOSTS[host]}/p?{QUERIES[query]}"
        out.append(analyze(Exchange(
            T0 + timedelta(seconds=second), "GET", url, server_ip=f"198.51.100.{host + 1}",
            status=(None, 200, 502, 0)[status], error=ERRORS[error], fingerprint=f"f{i}",
            client_address="192.168.1.23",
        )))  # fmt: skip
    return out


SPEC = st.tuples(
    st.integers(0, 4),  # few distinct times: ties in time are common
    st.integers(0, len(HOSTS) - 1),
    st.integers(0, len(QUERIES) - 1),
    st.booleans(),
    st.integers(0, 3),
    st.integers(0, len(ERRORS) - 1),
)


def _fill(store: Store, specs: list[Any], split: int) -> None:
    a = store.open_session("a", "capture")
    b = store.open_session("b", "replay")
    store.write(a, "phone", _exchanges(specs[:split]))
    store.write(a, "tablet", _exchanges(specs[split:]))
    store.write(b, "har", _exchanges(specs[::2]))


def test_groups_stand_for_the_rows(db_url: str) -> None:
    """On a fixed mix (ties in time, requests never sent, clear text, two sessions and devices), for the
    whole store and for each scope the report reads."""
    specs = [(s % 3, s % len(HOSTS), s % len(QUERIES), s % 4 != 0, s % 4, s % len(ERRORS)) for s in range(40)]
    store = Store(db_url)
    try:
        _fill(store, specs, 25)
        from phonehome.cli.replay import sample_path
        from phonehome.pipeline import replay

        replay(store, [sample_path()], label="demo")
        for f in (Filters(), Filters(session="a"), Filters(session="a", device="tablet"), Filters(session="demo"),
                  Filters(device="har")):  # fmt: skip
            _check(store, f)
        with store.engine.connect() as conn:
            read = scan(conn, Filters())
        assert any(not read.groups[at].sent for at, _, _ in read.findings)  # never sent: told apart
    finally:
        store.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(SPEC, min_size=0, max_size=30), split=st.integers(0, 30), per_kind=st.integers(1, 3))
def test_groups_stand_for_random_rows(tmp_path: Path, specs: list[Any], split: int, per_kind: int) -> None:
    path = tmp_path / f"g-{abs(hash((tuple(specs), split, per_kind)))}.db"
    store = Store(str(path))
    try:
        _fill(store, specs, split)
        _check(store, Filters(), per_kind)
        _check(store, Filters(session="a"), per_kind)
    finally:
        store.dispose()
        path.unlink(missing_ok=True)


def test_a_scope_holds_so_many_flows(db_url: str) -> None:
    """`holds` reads up to the n-th flow of the scope, and `devices` names its devices, for every filter
    the report passes, and a region's."""
    from phonehome.db.grouped import holds

    specs = [(s % 3, s % len(HOSTS), s % len(QUERIES), True, 1, 0) for s in range(20)]
    store = Store(db_url)
    try:
        _fill(store, specs, 12)
        for f in (Filters(), Filters(session="a"), Filters(session="a", device="tablet"), Filters(device="har"),
                  Filters(session="nothing"), Filters(region="cn"), Filters(session="a", region="us")):  # fmt: skip
            rows = list(queries.flows(store, f))
            with store.engine.connect() as conn:
                assert holds(conn, f, len(rows)) and not holds(conn, f, len(rows) + 1), f
                assert holds(conn, f, 0)
                assert devices(conn, f) == sorted({(r["session"], r["device"]) for r in rows}), f
    finally:
        store.dispose()
