"""The read side: JSONL contract fields and filters, on SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import Filters, _Senders, destinations, findings, flows, summary
from phonehome.db.store import Store, Unread

FINDING_KEYS = {
    "flow_id", "session", "time", "device", "method", "url", "host", "category", "kind", "value", "where",
    "path", "encodings", "confidence", "source", "hashed",
    # added by the destinations work: later work only adds fields
    "country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party",
    "evidence",  # added by the real-world accuracy work
}  # fmt: skip
FLOW_KEYS = {
    "flow_id", "session", "time", "device", "method", "url", "host", "server_ip", "status", "tls",
    "request_bytes", "response_bytes", "findings",
    "error", "notes",  # added after the first contract: later work only adds fields
    "country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party",
    "originals",  # schema 3: values changed to fit the database
    "app_evidence",  # schema 5: the signal that named the app
}  # fmt: skip
DEST_KEYS = {
    "host", "domain", "ip", "country", "asn", "as_org", "anycast", "entity", "entity_country", "categories",
    "region", "flows", "findings", "kinds", "entity_region", "service",
}  # fmt: skip


@pytest.fixture()
def store(db_url: str):  # type: ignore[no-untyped-def]
    store = Store(db_url)
    a = store.open_session("a", "capture")
    b = store.open_session("b", "replay")
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    store.write(a, "phone", [
        analyze(Exchange(t, "GET", "https://tracking.intl.miui.com/track?imei=861234567890127", server_ip="47.241.1.2",
                         client_address="192.168.1.23", status=200, fingerprint="1")),
        analyze(Exchange(t, "GET", "http://weather.example.com/f?lat=52.5200&lon=13.4050", server_ip="198.51.100.7",
                         status=200, fingerprint="2")),
        analyze(Exchange(t, "GET", "https://cdn.example.net/logo.png", server_ip="198.51.100.8", status=304, fingerprint="3")),
        Unread(t, "pinned.example.org", "192.168.1.23", None, "refused"),
    ])  # fmt: skip
    store.write(b, "har", [
        analyze(Exchange(t, "POST", "https://graph.facebook.com/v17.0/1/activities", request_body=b"advertiser_id=38400000-8cf0-11bd-b23e-10b96e40000d",
                         request_headers=(("Content-Type", "application/x-www-form-urlencoded"),), status=200, fingerprint="4")),
    ])  # fmt: skip
    yield store
    store.dispose()


def test_findings_contract_and_values(store: Store) -> None:
    rows = list(findings(store, Filters()))
    assert all(set(r) == FINDING_KEYS for r in rows)
    imei = next(r for r in rows if r["kind"] == "imei")
    assert imei == {
        "flow_id": imei["flow_id"], "session": "a", "time": "2026-11-20T08:00:00Z", "device": "192.168.1.23",
        "method": "GET", "url": "https://tracking.intl.miui.com/track?imei=861234567890127",
        "host": "tracking.intl.miui.com", "category": "identifier", "kind": "imei", "value": "861234567890127",
        "where": "query", "path": "imei", "encodings": [], "confidence": 0.97, "source": "key", "hashed": None,
        "country": "US", "region": "US", "entity": "Xiaomi", "entity_country": "CN", "entity_region": "CN",
        "app": None, "vendor": None, "party": "third", "evidence": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "kinds"),
    [
        (Filters(session="b"), ["advertising_id"]),
        (Filters(host="miui.com"), ["imei"]),
        (Filters(host="intl.miui.com"), ["imei"]),
        (Filters(host="iui.com"), []),
        (Filters(kind="coordinates"), ["coordinates"]),
        (Filters(category="identifier"), ["advertising_id", "imei"]),
        (Filters(session="a", category="identifier"), ["imei"]),
    ],
)
def test_finding_filters(store: Store, filters: Filters, kinds: list[str]) -> None:
    assert sorted(r["kind"] for r in findings(store, filters)) == kinds


def test_flows_contract_and_filters(store: Store) -> None:
    rows = list(flows(store, Filters()))
    assert len(rows) == 4 and all(set(r) == FLOW_KEYS for r in rows)
    weather = next(r for r in rows if r["host"] == "weather.example.com")
    assert (weather["tls"], weather["findings"], weather["server_ip"], weather["status"]) == (
        False,
        1,
        "198.51.100.7",
        200,
    )
    assert [r["host"] for r in flows(store, Filters(kind="imei"))] == ["tracking.intl.miui.com"]
    assert len(list(flows(store, Filters(session="a")))) == 3


def test_a_session_no_one_made_has_no_rows(store: Store) -> None:
    """The session filter looks its id up: a label that names none matches nothing (not everything)."""
    nowhere = Filters(session="nowhere")
    assert list(findings(store, nowhere)) == list(flows(store, nowhere)) == []
    assert list(destinations(store, nowhere)) == []


def test_destinations_aggregate(store: Store) -> None:
    rows = list(destinations(store, Filters()))
    assert all(set(r) == DEST_KEYS for r in rows)
    miui = next(r for r in rows if r["host"] == "tracking.intl.miui.com")
    assert (miui["domain"], miui["ip"], miui["flows"], miui["findings"], miui["kinds"]) == (
        "miui.com", "47.241.1.2", 1, 1, ["imei"],
    )  # fmt: skip
    # 47.241.0.0/16 is registered to Alibaba (US) in the shipped registry data.
    assert (miui["country"], miui["asn"], miui["entity"], miui["entity_country"], miui["service"]) == (
        "US", 45102, "Xiaomi", "CN", "OneTrack",
    )  # fmt: skip
    assert miui["categories"] == ["telemetry"] and miui["entity_region"] == "CN"
    fb = next(r for r in rows if r["host"] == "graph.facebook.com")
    assert fb["ip"] is None and fb["country"] == "unknown (no server address)" and fb["entity"] == "Meta"
    assert [r["host"] for r in destinations(store, Filters(category="location"))] == ["weather.example.com"]


@pytest.mark.parametrize(
    ("region", "hosts"),
    [
        ("CN", ["tracking.intl.miui.com"]),  # served from a US-registered address, but Xiaomi is in Beijing
        ("US", ["graph.facebook.com", "tracking.intl.miui.com"]),  # Meta's HQ; the Xiaomi server's address
        ("SG", []),
        ("unknown", ["graph.facebook.com", "weather.example.com", "cdn.example.net"]),
    ],
)
def test_region_filter_is_server_or_company(store: Store, region: str, hosts: list[str]) -> None:
    rows = list(flows(store, Filters(region=region)))
    assert sorted(r["host"] for r in rows) == sorted(hosts)
    assert sorted({r["host"] for r in findings(store, Filters(region=region))}) == sorted(
        {r["host"] for r in rows if r["findings"]}
    )
    assert sorted(r["host"] for r in destinations(store, Filters(region=region))) == sorted(hosts)


def _model_flow(minutes: int, model: str, fingerprint: str) -> Any:
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    url = f"https://x.example/a?device_model={model}"
    return analyze(Exchange(t, "GET", url, client_address="10.0.0.5", fingerprint=fingerprint))


def test_a_devices_maker_is_voted_from_its_first_models_in_time(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the sample, a device's later models do not count: the sample is its first flows in time on
    both databases, whatever order they were written in."""
    monkeypatch.setattr(_Senders, "SAMPLE", 2)
    store = Store(db_url)
    sid = store.open_session("s", "capture")
    store.write(sid, "", [_model_flow(10 + i, "SM-G991B", f"later{i}") for i in range(3)])  # Samsung
    store.write(sid, "", [_model_flow(i, "Pixel%207", f"first{i}") for i in range(2)])  # Google
    rows = list(flows(store, Filters()))
    store.dispose()
    assert [r["vendor"] for r in rows] == ["Google"] * 5


def test_party_and_vendor(db_url: str) -> None:
    store = Store(db_url)
    sid = store.open_session("redmi", "capture")
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    ua = (
        "User-Agent",
        "Mozilla/5.0 (Linux; U; Android 12; Redmi Note 11 Build/SKQ1) XiaoMi/MiuiBrowser/17.1",
    )
    store.write(sid, "", [
        analyze(Exchange(t, "GET", "https://tracking.intl.miui.com/t?imei=861234567890127", request_headers=(ua,),
                         client_address="192.168.1.9", fingerprint="1")),
        analyze(Exchange(t, "GET", "https://googleads.g.doubleclick.net/mads/gma?rdid=38400000-8cf0-11bd-b23e-10b96e40000d",
                         request_headers=(("X-Requested-With", "com.example.game"), ua), client_address="192.168.1.9", fingerprint="2")),
        analyze(Exchange(t, "GET", "https://www.youtube.com/api?x=1",
                         request_headers=(("X-Requested-With", "com.google.android.youtube"),), client_address="192.168.1.9", fingerprint="3")),
        analyze(Exchange(t, "GET", "https://unknown-tracker.example/p", client_address="192.168.1.9", fingerprint="4")),
    ])  # fmt: skip
    rows = {r["host"]: r for r in flows(store, Filters())}
    store.dispose()
    assert {r["vendor"] for r in rows.values()} == {"Xiaomi"}
    assert rows["tracking.intl.miui.com"]["party"] == "first (device vendor)"
    assert (rows["googleads.g.doubleclick.net"]["party"], rows["googleads.g.doubleclick.net"]["app"]) == (
        "third", "com.example.game",
    )  # fmt: skip
    assert rows["www.youtube.com"]["party"] == "first (app)"
    assert rows["unknown-tracker.example"]["party"] == "unknown"


def test_summary(store: Store) -> None:
    s = summary(store, "a")
    assert (s.flows, s.hosts, s.cleartext_flows, s.flows_with_findings, s.findings) == (3, 3, 1, 2, 2)
    assert s.cleartext_hosts == [("weather.example.com", ["coordinates"])]
    assert s.tls_failures == [("pinned.example.org", 1)]
    assert {k for _, k, _, _ in s.by_kind} == {"imei", "coordinates"}
    everything = summary(store)
    assert everything.sessions == ["a", "b"] and everything.flows == 4


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(kind="advertising_id"), Filters(category="location"), Filters(host="miui.com"),
     Filters(region="CN"), Filters(session="demo", kind="visited_url")],
)  # fmt: skip
def test_findings_stream_matches_the_table(db_url: str, filters: Filters) -> None:
    """The findings query merges two ordered streams: every finding comes out once, with its own flow."""
    from collections import Counter

    from sqlalchemy import text

    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay

    store = Store(db_url)
    replay(store, [sample_path()], label="demo")
    rows = list(findings(store, filters))
    with store.engine.connect() as conn:
        table = Counter(
            conn.execute(
                text(
                    "SELECT f.flow_id, f.kind, f.value, f.location, f.path, fl.host, fl.url"
                    " FROM findings f JOIN flows fl ON fl.id = f.flow_id"
                )
            ).all()
        )
    store.dispose()
    got = Counter(
        (r["flow_id"], r["kind"], r["value"], r["where"], r["path"], r["host"], r["url"]) for r in rows
    )
    assert rows and not got - table  # each row is a stored finding, carried with its own flow
    if filters == Filters():
        assert got == table  # and none is missing
    if filters == Filters(kind="advertising_id"):
        assert got == Counter({k: n for k, n in table.items() if k[1] == "advertising_id"})


def test_sessions_per_device(store: Store) -> None:
    from datetime import timedelta

    from phonehome.db.queries import devices, has_device, has_session, session_labels, sessions

    later = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    store.write(store.open_session("a", "capture"), "phone", [
        analyze(Exchange(later, "GET", "https://cdn.example.net/a.png", status=200, fingerprint="5")),
        Unread(later + timedelta(seconds=1), "pinned.example.org", "192.168.1.24", None, "refused"),
    ])  # fmt: skip
    store.open_session("empty", "capture")
    rows = list(sessions(store))
    keys = {"session", "source", "started", "ended", "device", "flows", "findings", "blind_spots",
            "first_flow", "last_flow", "span_seconds"}  # fmt: skip
    assert all(set(r) == keys for r in rows)
    shown = [
        (r["session"], r["source"], r["device"], r["flows"], r["findings"], r["blind_spots"]) for r in rows
    ]
    assert shown == [
        ("a", "capture", "192.168.1.23", 1, 1, 1),
        ("a", "capture", "phone", 3, 1, 0),
        ("a", "capture", "192.168.1.24", 0, 0, 1),  # seen only in a blind spot: no flow time, listed last
        ("b", "replay", "har", 1, 1, 0),
        ("empty", "capture", None, 0, 0, 0),
    ]
    phone = rows[1]
    assert (phone["first_flow"], phone["last_flow"], phone["span_seconds"]) == (
        "2026-11-20T08:00:00Z", "2026-11-20T09:30:00Z", 5400.0,
    )  # fmt: skip
    assert rows[2]["first_flow"] is None and rows[2]["span_seconds"] is None
    assert rows[0]["started"].endswith("Z") and rows[0]["ended"] is None
    assert session_labels(store) == ["a", "b", "empty"]
    assert has_session(store, "b") and not has_session(store, "B")
    assert (
        has_device(store, "phone", "a") and not has_device(store, "phone", "b") and has_device(store, "har")
    )
    assert has_device(store, "192.168.1.24", "a")  # a blind spot's address is a device too
    assert not has_device(store, "nobody")
    assert devices(store, "a") == ["192.168.1.23", "192.168.1.24", "phone"]
    assert devices(store) == ["192.168.1.23", "192.168.1.24", "har", "phone"]
    assert devices(store, "empty") == []


def test_sessions_count_each_device_in_a_few_queries(store: Store) -> None:
    """However many sessions there are, the listing costs the same few GROUP BY queries."""
    from phonehome.db.queries import sessions
    from sqlalchemy import event

    for i in range(30):
        sid = store.open_session(f"s{i}", "capture")
        store.write(sid, f"d{i}", [analyze(Exchange(datetime(2026, 11, 21, tzinfo=UTC), "GET",
                                                    "https://cdn.example.net/x", fingerprint=f"x{i}"))])  # fmt: skip
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - before_cursor_execute's statement
    event.listen(store.engine, "before_cursor_execute", listen)
    try:
        rows = list(sessions(store))
    finally:
        event.remove(store.engine, "before_cursor_execute", listen)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(rows) == 33 and len(selects) == 3, selects  # sessions; flows and their findings; blind spots


@pytest.mark.parametrize("device", ["phone", "192.168.1.23"])
def test_device_filter(store: Store, device: str) -> None:
    f = Filters(session="a", device=device)
    assert {r["device"] for r in flows(store, f)} == {device}
    assert {r["device"] for r in findings(store, f)} == {device}
    assert [r["host"] for r in flows(store, Filters(device="har"))] == ["graph.facebook.com"]
    assert list(flows(store, Filters(session="b", device=device))) == []


# -- big databases: counted by the database, flows described once, the report's lean stream ----------


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(kind="advertising_id"), Filters(category="location"), Filters(session="demo"),
     Filters(host="miui.com"), Filters(region="CN")],
)  # fmt: skip
def test_destinations_are_counted_as_the_rows_they_stand_for(db_url: str, filters: Filters) -> None:
    """Flows, findings and kinds per destination, counted by the database, equal counting the flows and
    findings rows of the same filter (a kind filter keeps every finding of the flows that have one)."""
    from collections import Counter

    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay

    store = Store(db_url)
    try:
        replay(store, [sample_path()], label="demo")
        rows = list(destinations(store, filters))
        flow_rows = list(flows(store, filters))
    finally:
        store.dispose()
    assert rows
    n_flows = Counter(f["host"] for f in flow_rows)
    n_findings: Counter[str] = Counter()
    for f in flow_rows:
        n_findings[f["host"]] += f["findings"]
    by_host: Counter[str] = Counter()
    for r in rows:
        by_host[r["host"]] += r["flows"]
    assert by_host == n_flows
    assert sum(r["findings"] for r in rows) == sum(n_findings.values())
    assert [(r["findings"], r["flows"]) for r in rows] == sorted(
        ((r["findings"], r["flows"]) for r in rows), key=lambda x: (-x[0], -x[1])
    )
    assert all(r["kinds"] == sorted(set(r["kinds"])) for r in rows)


def test_findings_with_flows_make_the_findings_rows(db_url: str) -> None:
    """The report's stream: each finding's columns beside its flow's fields, one shared dict per flow;
    `finding_row` of each pair is exactly the row `findings` yields."""
    from phonehome.db.queries import finding_row, findings_with_flows

    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay

    store = Store(db_url)
    try:
        replay(store, [sample_path()], label="demo")
        pairs = list(findings_with_flows(store, Filters()))
        rows = list(findings(store, Filters()))
    finally:
        store.dispose()
    assert [finding_row(f, flow) for f, flow in pairs] == rows
    shared: dict[int, int] = {}
    for finding, flow in pairs:
        assert finding[0] == flow["flow_id"]
        assert shared.setdefault(flow["flow_id"], id(flow)) == id(flow)  # one dict per flow


def test_flows_stored_before_app_names_are_named_from_their_headers_once_per_header_set(
    store: Store,
) -> None:
    """A flow with no app (stored before schema 2) is named from its headers; flows with the same
    headers share the answer, and a flow whose app is stored is never re-read."""
    from sqlalchemy import text

    t = datetime(2026, 11, 21, tzinfo=UTC)
    sid = store.open_session("old", "replay")
    headers = (("X-Requested-With", "com.example.weather"),)
    store.write(sid, "old", [
        analyze(Exchange(t, "GET", f"https://api.example.org/{i}", request_headers=headers, status=200,
                         fingerprint=f"old{i}"))
        for i in range(3)
    ])  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE flows SET app = NULL, app_evidence = NULL WHERE host = 'api.example.org'"))
    rows = list(flows(store, Filters(session="old")))
    assert [(r["app"], r["app_evidence"]) for r in rows] == [
        ("com.example.weather", "X-Requested-With header")
    ] * 3


def test_destinations_of_a_kind_read_from_the_flows_kinds_as_from_their_findings(db_url: str) -> None:
    """`--kind` alone is answered from each flow's kinds (schema 8); with `--category` beside it, from
    the findings: both the same flows, and a kind outside its category matches nothing, as before."""
    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay

    store = Store(db_url)
    try:
        replay(store, [sample_path()], label="demo")
        for kind, category in (("advertising_id", "identifier"), ("coordinates", "location")):
            by_kinds = list(destinations(store, Filters(kind=kind)))
            assert by_kinds and by_kinds == list(destinations(store, Filters(kind=kind, category=category)))
        assert list(destinations(store, Filters(kind="coordinates", category="identifier"))) == []
        assert list(destinations(store, Filters(kind="imei,email"))) == []
    finally:
        store.dispose()
