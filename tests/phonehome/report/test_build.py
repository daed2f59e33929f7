"""phonehome.report.build: the report's content, checked as data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonehome.db.store import Store

from phonehome.datasafety import Declaration
from phonehome.report.build import build_report


def _report(db: str, **kw: object) -> dict:  # type: ignore[type-arg]
    store = Store(db, create=False)
    try:
        return build_report(store, **kw)  # type: ignore[arg-type]
    finally:
        store.dispose()


def test_sample_report_answers_what_who_where(sample_db: str) -> None:
    r = _report(sample_db)
    json.dumps(r)  # the JSON format is this, as is
    assert r["redacted"] is True and len(r["devices"]) == 1
    d = r["devices"][0]
    assert d["session"] == "demo" and d["flows"] == 51 and d["vendor"] == "Xiaomi"
    # The most sensitive kind leads: the hardware ID before the advertising ID.
    assert r["headline"][0].startswith("Your phone sent your phone's IMEI to ")
    kinds = {c["kind"] for c in d["collected"]}
    assert {"advertising_id", "visited_url", "coordinates"} <= kinds
    xiaomi = next(x for x in d["receivers"] if x["receiver"] == "Xiaomi")
    assert xiaomi["entity_country"] == "CN" and "SG" in xiaomi["server_countries"]
    assert xiaomi["party"] == "first (device vendor)"
    assert any(x["party"] == "third" and x["findings"] for x in d["receivers"])
    # Browsing went to Xiaomi, on servers in Singapore: the headline says so.
    assert "the sites you browsed to Xiaomi (servers in Singapore) and Google" in " ".join(d["headline"])
    sg = next(c for c in d["server_countries"] if c["country"] == "SG")
    assert sg["name"] == "Singapore" and sg["region"] == "SG" and sg["findings"] > 0
    cn = next(j for j in d["jurisdictions"] if j["country"] == "CN")
    assert "Xiaomi" in cn["companies"]


def test_matrices_add_up(sample_db: str) -> None:
    d = _report(sample_db)["devices"][0]
    for key in ("matrix_countries", "matrix_companies"):
        m = d[key]
        assert len(m["cells"]) == len(m["kinds"]) and all(len(row) == len(m["columns"]) for row in m["cells"])
        assert sum(map(sum, m["cells"])) == d["findings"]
    assert sum(link[3] for link in d["flow_links"]) == d["findings"]
    t = d["timeline"]
    assert sum(sum(s["counts"]) for s in t["series"]) == d["flows"]


def test_evidence_is_redacted_by_default_and_full_on_reveal(sample_db: str) -> None:
    redacted = _report(sample_db)["devices"][0]["evidence"]["items"]
    full = _report(sample_db, reveal=True)["devices"][0]["evidence"]["items"]
    assert len(redacted) == len(full)
    ids = [(a, b) for a, b in zip(redacted, full, strict=True) if a["kind"] == "advertising_id"]
    assert ids
    for a, b in ids:
        assert "*" in a["value"] and "*" not in b["value"] and b["value"] not in json.dumps(a)
    e = full[0]
    assert {"request", "where", "path", "encodings", "value", "receiver", "country"} <= set(e)


def test_blind_spots_and_rhythm(hostile_db: str) -> None:
    d = _report(hostile_db)["devices"][0]
    b = d["blind_spots"]
    assert b["tls_refused"] and b["tls_refused"][0]["host"].startswith("pinned.example.org")
    ((unread),) = b["unread"]  # other blind spots, by kind, never mixed with the refusals
    assert unread["kind"] == "udp" and unread["host"].startswith("quic.example") and unread["count"] == 1
    clear = {x["host"]: x for x in b["cleartext"]}
    assert {"coordinates", "email"} <= set(clear["weather.example.com"]["kinds"])
    (p,) = [p for p in d["timeline"]["periodic"] if p["receiver"] == "Xiaomi"]
    assert 290 <= p["every_seconds"] <= 310


def test_declared_marks_what_was_not_declared(sample_db: str) -> None:
    d = _report(sample_db, declared=[Declaration("Xiaomi", frozenset({"device or other ids"}))])["devices"][0]
    rows = {(x["who"], x["kind"]): x["declared"] for x in d["declared"]}
    assert rows[("Xiaomi", "visited_url")] is False
    assert any(kind in ("android_id", "advertising_id", "imei") and ok for (_, kind), ok in rows.items())


def test_scope_filters(sample_db: str, hostile_db: str) -> None:
    assert _report(sample_db, session="nope")["devices"] == []
    d = _report(hostile_db, device="192.168.1.23")["devices"]
    assert len(d) == 1 and d[0]["device"] == "192.168.1.23"


def test_several_devices_each_get_a_named_headline(sample_db: str, tmp_path: Path) -> None:
    from phonehome.cli.replay import sample_path
    from phonehome.pipeline import replay

    store = Store(sample_db, create=False)
    replay(store, [sample_path()], label="again")  # same entries, another session: stored once only
    store.dispose()
    r = _report(sample_db)
    assert len(r["devices"]) == 1  # replaying the same file adds nothing
    db2 = str(tmp_path / "two.db")
    store = Store(db2)
    replay(store, [sample_path()], label="morning")
    store.dispose()
    import sqlite3

    con = sqlite3.connect(db2)
    con.execute("UPDATE flows SET device = 'tablet' WHERE id % 2 = 0")
    con.commit()
    con.close()
    r = _report(db2)
    assert [d["device"] for d in r["devices"]] == ["morning", "tablet"]
    assert r["headline"][0].startswith("morning (morning): Your phone sent") and r["headline"][1].startswith(
        "tablet (morning):"
    )


# -- claim only what the evidence shows ------------------------------------------------------------


def _store_of(tmp_path: Path, exchanges: list) -> str:  # type: ignore[type-arg]
    from phonehome.classifiers.registry import analyze

    db = str(tmp_path / "claims.db")
    store = Store(db)
    try:
        sid = store.open_session("claims", "replay")
        store.write(sid, "claims", [analyze(ex) for ex in exchanges])
    finally:
        store.dispose()
    return db


def _ex(url: str, n: int, status: int | None = 200, error: str | None = None, ua: str = "curl/8.5"):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from phonehome.classifiers.model import Exchange

    return Exchange(datetime(2026, 12, 1, 9, 0, n, tzinfo=UTC), "GET", url, (("User-Agent", ua),),
                    status=status, error=error, fingerprint=str(n))  # fmt: skip


def test_a_request_that_never_left_is_not_sent_to_anyone(tmp_path: Path) -> None:
    db = _store_of(tmp_path, [
        _ex("https://ads.refused.example/t?email=jane.doe@example.org", 1, None, "Connection refused"),
        _ex("https://t.sent.example/t?imei=490154203237518", 2),
    ])  # fmt: skip
    d = _report(db)["devices"][0]
    assert [c["kind"] for c in d["collected"]] == ["imei"]
    assert all(r["receiver"] != "refused.example" or r["findings"] == 0 for r in d["receivers"])
    assert d["blind_spots"]["not_sent"] == [
        {"host": "ads.refused.example", "findings": 1, "kinds": ["email"]}
    ]
    assert "email" not in " ".join(d["headline"])


def test_headlines_say_this_device_unless_a_phone_is_known(tmp_path: Path) -> None:
    db = _store_of(tmp_path, [_ex("https://t.sent.example/t?imei=490154203237518", 1)])
    assert _report(db)["headline"][0].startswith("This device sent ")


def test_the_most_sensitive_kind_leads(tmp_path: Path) -> None:
    db = _store_of(tmp_path, [
        _ex("https://a.example/t?gaid=38400000-8cf0-11bd-b23e-10b96e40000d", 1),
        _ex("https://b.example/t?imei=490154203237518", 2),
    ])  # fmt: skip
    assert "IMEI to" in _report(db)["headline"][0] and "advertising ID" not in _report(db)["headline"][0]


def test_lists_of_receivers_are_never_cut_silently(tmp_path: Path) -> None:
    from phonehome.report.build import more
    from phonehome.report.html import render_html

    assert more(["a", "b", "c"], 2) == "a, b +1 more"
    assert more(["a", "b"], 2) == "a, b"
    db = _store_of(tmp_path, [_ex(f"https://t.host{i}.example/t?imei=490154203237518", i) for i in range(9)])
    page = render_html(_report(db))
    assert "+3 more" in page  # nine receivers, six named
    assert 'href="#d0-evidence-box"' in page.split("</h1>")[0]  # the headline links to its evidence


def test_evidence_says_why_a_finding_holds(tmp_path: Path) -> None:
    db = _store_of(
        tmp_path, [_ex("https://region1.google-analytics.com/g/collect?v=2&cid=1234567890.1700000000", 1)]
    )
    items = _report(db, reveal=True)["devices"][0]["evidence"]["items"]
    assert [(e["kind"], e["why"]) for e in items] == [("tracking_id", "Google Analytics client ID: `cid`")]


def test_a_devices_first_and_last_flow_are_by_time_not_by_text(tmp_path: Path) -> None:
    """08:00:00 and 08:00:00.5 as text sort the other way round ("00Z" > "00.500000Z"): the device's
    last flow is the later one."""
    from datetime import UTC, datetime, timedelta

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    db = str(tmp_path / "t.db")
    store = Store(db)
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    sid = store.open_session("s", "replay")
    store.write(sid, "phone", [
        analyze(Exchange(t + timedelta(milliseconds=500), "GET", "https://a.example.com/x", fingerprint="2")),
        analyze(Exchange(t, "GET", "https://a.example.com/y", fingerprint="1")),
    ])  # fmt: skip
    store.dispose()
    d = _report(db)["devices"][0]
    assert (d["first"], d["last"]) == ("2026-11-20T08:00:00Z", "2026-11-20T08:00:00.500000Z")


def _three_devices(tmp_path: Path) -> str:
    """Two sessions, three devices (one in Madrid's zone), traffic that finds things."""
    from datetime import UTC, datetime, timedelta

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    db = str(tmp_path / "three.db")
    store = Store(db)
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for label, zone, devices in (("lab", "Europe/Madrid", ("pixel", "galaxy")), ("home", None, ("pixel",))):
        sid = store.open_session(label, "replay", zone)
        for n, device in enumerate(devices):
            store.write(sid, device, [
                analyze(Exchange(t + timedelta(seconds=i), "GET",
                                 f"https://tracking.intl.miui.com/t?imei=86123456789012{7 if n else 8}&n={i}",
                                 server_ip="47.241.125.33", status=200, fingerprint=f"{label}{device}{i}"))
                for i in range(3)
            ])  # fmt: skip
    store.dispose()
    return db


def test_devices_sections_are_made_one_at_a_time(tmp_path: Path, monkeypatch: Any) -> None:
    """The CLI writes each device's section before the next is made: a report of many devices holds
    one device's section at a time.  Streamed or whole, each format gives the same text."""
    from phonehome.report import build
    from phonehome.report.html import html_parts, render_html
    from phonehome.report.markdown import markdown_parts, render_markdown

    store = Store(_three_devices(tmp_path), create=False)
    try:
        report = build.open_report(store)
        made: list[str] = []
        real = build._device

        def counted(g: Any, *args: Any) -> Any:
            made.append(g.device)
            return real(g, *args)

        monkeypatch.setattr(build, "_device", counted)
        sections = report.devices()
        assert made == []  # counted, but no section made yet
        next(sections)
        assert len(made) == 1
        whole = {**report.as_dict(), "zones": {"lab": "Europe/Madrid", "home": None}}
        for render, parts, sep, end in ((render_html, html_parts, "\n", ""),
                                        (render_markdown, markdown_parts, "\n", "\n")):  # fmt: skip
            made.clear()
            text = ""
            for n, part in enumerate(parts({**report.streamed(), "zones": whole["zones"]})):
                text += sep + part if n else part
                assert len(made) <= n + 1  # a part is written before the next device's section is made
            assert text + end == render(whole)
        assert whole["overview"]["devices"] == 3 and len(whole["headline"]) == 3
    finally:
        store.dispose()


def test_html_times_are_in_the_sessions_zone(tmp_path: Path) -> None:
    from phonehome.report.html import render_html

    store = Store(_three_devices(tmp_path), create=False)
    try:
        report = {**build_report(store), "zones": {"lab": "Europe/Madrid", "home": None}}
    finally:
        store.dispose()
    page = render_html(report)
    assert "2026-11-20 09:00:00 CET" in page  # lab, Madrid: UTC+1 in November
    assert "2026-11-20 08:00:00 UTC" in page  # home: no zone recorded


def test_devices_counted_again_make_the_same_report(
    tmp_path: Path, monkeypatch: Any, hostile_db: str
) -> None:
    """Past KEEP_BYTES a device's counts are dropped after the head is made and counted again for its
    section: the report is the same, byte for byte."""
    from datetime import UTC, datetime

    from phonehome.report import build

    now = datetime(2026, 12, 1, tzinfo=UTC)
    for db in (_three_devices(tmp_path), hostile_db):
        store = Store(db, create=False)
        try:
            kept = build.open_report(store, now=now, reveal=False)
            monkeypatch.setattr(build, "KEEP_BYTES", 0)
            again = build.open_report(store, now=now, reveal=False)
            monkeypatch.undo()
            assert all(kept.kept)
            assert again.kept[0] and not any(again.kept[1:])
            assert json.dumps(again.as_dict()) == json.dumps(kept.as_dict())
        finally:
            store.dispose()


_HOSTS = ("tracking.intl.miui.com", "graph.facebook.com", "weather.example.com", "a.b.example.org")
_QUERIES = ("imei=861234567890127", "lat=52.5200&lon=13.4050", "email=someone%40example.com", "q=x", "")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    flows=st.lists(
        st.tuples(
            st.sampled_from(("lab", "home")),
            st.sampled_from(("pixel", "galaxy", "")),
            st.integers(0, 3),
            st.sampled_from(_HOSTS),
            st.sampled_from(_QUERIES),
            st.booleans(),
            st.sampled_from((None, "connection refused")),
        ),
        max_size=25,
    ),  # fmt: skip
    keep=st.sampled_from((0, 10**9)),
)
def test_every_way_of_writing_a_report_gives_the_same_text(
    tmp_path_factory: Any, flows: list[Any], keep: int
) -> None:
    """Random sessions, devices, hosts and failures; devices' counts kept or counted again: the JSON,
    Markdown and HTML written a device at a time are the texts of the whole report."""
    from datetime import UTC, datetime, timedelta

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    from phonehome.report import build
    from phonehome.report.html import html_parts, render_html
    from phonehome.report.jsondoc import json_parts
    from phonehome.report.markdown import markdown_parts, render_markdown

    db = str(tmp_path_factory.mktemp("r") / "r.db")
    store = Store(db)
    t = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for n, (label, device, second, host, query, tls, error) in enumerate(flows):
        sid = store.open_session(label, "replay")
        url = f"{'https' if tls else 'http'}://{host}/p?{query}"
        store.write(sid, device, [analyze(Exchange(t + timedelta(seconds=second), "GET", url, status=None if error else 200,
                                                   error=error, server_ip="198.51.100.7", fingerprint=str(n)))])  # fmt: skip
    now = datetime(2026, 12, 1, tzinfo=UTC)
    old = build.KEEP_BYTES
    build.KEEP_BYTES = keep
    try:
        report = build.open_report(store, now=now)
        whole = report.as_dict()
        assert (
            "".join(json_parts(report.streamed())) == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
        )
        assert "\n".join(markdown_parts(report.streamed())) + "\n" == render_markdown(whole)
        assert "\n".join(html_parts(report.streamed())) == render_html(whole)
        build.KEEP_BYTES = old
        assert build.open_report(store, now=now).as_dict() == whole
    finally:
        build.KEEP_BYTES = old
        store.dispose()


_GAPS = st.lists(st.floats(min_value=5.001, max_value=86_400, allow_nan=False), min_size=4, max_size=60)


@settings(max_examples=300, deadline=None)
@given(gaps=_GAPS, scale=st.sampled_from((0.0, 1e-9, 0.01, 0.3, 0.349999, 0.35, 0.350001, 0.5, 2.0)))
def test_steady_contacts_are_told_as_pstdev_tells_them(gaps: list[float], scale: float) -> None:
    """`_steady` (a float estimate, exact arithmetic only near the line) says what
    `statistics.pstdev(gaps) / median < 0.35` says, for gaps spread just under, on and over it."""
    import statistics

    from phonehome.report.build import STEADY, _steady

    mid = statistics.median(gaps)
    around = [mid + (g - mid) * scale for g in gaps]  # the same median, the spread scaled
    for sample in (gaps, around, [mid] * len(gaps)):
        m = statistics.median(sample)
        expected = (statistics.pstdev(sample) / m if m else 1.0) < STEADY
        assert _steady(sample, m) == expected
    assert _steady([0.0, 0.0, 0.0, 0.0], 0.0) is False


def test_a_company_unknown_is_named_by_the_domain_stored_with_its_destination(tmp_path: Path) -> None:
    """The receivers and the evidence name a host of no known company by the registrable domain stored
    with its destination (what `place` worked out when the flow was stored), not by splitting the host
    again; a destination stored without one is split then."""
    import sqlalchemy as sa

    db = _store_of(tmp_path, [_ex("https://t.shop.unknown-co.co.uk/t?imei=490154203237518", 1)])
    for stored, named in (("as-stored.example", "as-stored.example"), ("", "unknown-co.co.uk")):
        store = Store(db, create=False)
        try:
            with store.engine.begin() as conn:
                conn.execute(sa.text("UPDATE destinations SET domain = :d"), {"d": stored})
        finally:
            store.dispose()
        d = _report(db)["devices"][0]
        assert [r["receiver"] for r in d["receivers"]] == [f"{named} (company unknown)"]
        assert {e["receiver"] for e in d["evidence"]["items"]} == {f"{named} (company unknown)"}
