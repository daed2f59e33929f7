"""The Capture addon through mitmproxy's own test helpers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mitmproxy import connection, tls
from mitmproxy.proxy import context as proxy_context
from mitmproxy.test import taddons, tflow
from phonehome.addons.capture import Capture
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import Filters, findings, flows
from phonehome.db.store import Store, StoreError


def _open(db: Path) -> Store:
    return Store(str(db), create=False)


async def test_response_is_stored_with_findings(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="unit")
        flow = tflow.tflow(resp=True)
        flow.request.url = "https://tracker.example.net/collect?imei=861234567890127&email=bob%40example.org"
        await tctx.cycle(addon, flow)
        addon.done()
    store = _open(db)
    try:
        rows = list(flows(store, Filters(session="unit")))
        assert len(rows) == 1 and rows[0]["host"] == "tracker.example.net" and rows[0]["status"] == 200
        found = {(f["kind"], f["value"]) for f in findings(store, Filters())}
        assert found >= {("imei", "861234567890127"), ("email", "bob@example.org")}
    finally:
        store.dispose()


async def test_error_without_response_is_kept_and_not_duplicated(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="err")
        flow = tflow.tflow(err=True)
        flow.request.url = "http://ads.example.com/ping?gaid=38400000-8cf0-11bd-b23e-10b96e40000d"
        await tctx.cycle(addon, flow)
        await addon.error(flow)  # the same flow twice must still be one row
        addon.done()
    store = _open(db)
    try:
        rows = list(flows(store, Filters()))
        assert len(rows) == 1 and rows[0]["status"] is None
        assert [f["kind"] for f in findings(store, Filters())] == ["advertising_id"]
    finally:
        store.dispose()


async def test_client_websocket_messages_are_classified(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="ws")
        flow = tflow.twebsocketflow()
        flow.websocket.messages[-1].content = b'{"email":"carol@example.com"}'
        flow.websocket.messages[-1].from_client = True
        await addon.websocket_message(flow)
        flow.websocket.messages[-1].from_client = False  # server messages are not the device's data
        flow.websocket.messages[-1].content = b'{"email":"server@example.com"}'
        await addon.websocket_message(flow)
        addon.done()
    store = _open(db)
    try:
        rows = list(findings(store, Filters(kind="email")))
        assert [(r["method"], r["value"]) for r in rows] == [("WEBSOCKET", "carol@example.com")]
    finally:
        store.dispose()


async def test_tls_failure_is_recorded_for_the_host(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="tls")
        client = connection.Client(
            peername=("192.168.1.23", 50000), sockname=("0.0.0.0", 8080), timestamp_start=1
        )
        client.sni = "pinned.example.com"
        client.error = "client does not trust the proxy's certificate"
        ctx = proxy_context.Context(client, tctx.options)
        await addon.tls_failed_client(tls.TlsData(client, ctx))
        addon.done()
    store = _open(db)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT host, client_address, error FROM blind_spots").all()
        assert rows == [
            ("pinned.example.com", "192.168.1.23", "client does not trust the proxy's certificate")
        ]
    finally:
        store.dispose()


async def test_full_queue_waits_off_the_event_loop(tmp_path: Path) -> None:
    """With the writer stalled and the queue full, the hook waits but the event loop keeps running."""
    db = tmp_path / "c.db"
    addon = Capture()
    gate = threading.Event()

    def slow_analyze(exchange: Exchange):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return analyze(exchange)

    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(db), phonehome_label="bp", phonehome_workers=0
        )  # the writer thread
        writer = addon._writer()
        writer.analyzer = slow_analyze
        writer.max_delay = 0  # start analysing (and stall) at the first item
        writer.queue.maxsize = 1
        hooks = []
        for i in range(4):
            f = tflow.tflow(resp=True)
            f.request.url = f"http://example.com/{i}"
            hooks.append(asyncio.ensure_future(addon.response(f)))
        ticks = 0
        while not all(h.done() for h in hooks) and ticks < 5:
            await asyncio.sleep(0)  # the loop is free while hooks wait for room
            ticks += 1
        assert ticks == 5 and not all(h.done() for h in hooks)
        gate.set()
        await asyncio.gather(*hooks)
        addon.done()
    store = _open(db)
    try:
        assert len(list(flows(store, Filters(session="bp")))) == 4
    finally:
        store.dispose()


async def test_store_failure_is_loud_and_loses_nothing(tmp_path: Path) -> None:
    """The database stops accepting writes mid-capture: flows go to a HAR file beside it, the
    failure is reported with that file's name, and replaying the file recovers every flow."""
    from click.testing import CliRunner

    from phonehome.cli.main import main

    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(db), phonehome_label="fail", phonehome_workers=0
        )  # the writer thread
        writer = addon._writer()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk full")

        writer.store.write = broken  # type: ignore[method-assign]
        for i in range(3):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"http://ads.example.com/p{i}?imei=861234567890127"
            await tctx.cycle(addon, flow)
        with pytest.raises(
            StoreError, match=r"disk full; 3 flows were saved to the spill file instead: .*unsaved"
        ):
            addon.done()
    spills = list(tmp_path.glob("c.db.unsaved-*.har"))
    assert len(spills) == 1
    import os
    import stat

    assert stat.S_IMODE(os.stat(spills[0]).st_mode) == 0o600
    result = CliRunner().invoke(main, ["replay", str(spills[0]), "--db", str(tmp_path / "recovered.db")])
    assert result.exit_code == 0, result.output
    store = Store(str(tmp_path / "recovered.db"), create=False)
    try:
        assert len(list(flows(store, Filters()))) == 3
        assert {r["value"] for r in findings(store, Filters(kind="imei"))} == {"861234567890127"}
    finally:
        store.dispose()


async def test_ignored_hosts_and_the_certificate_page_are_not_recorded(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(db), phonehome_label="ign", ignore_hosts=[r"(^|\.)mybank\.com:"]
        )
        for url in (
            "http://api.mybank.com/login?email=me@example.com",
            "http://mitm.it/cert/pem",
            "http://kept.example.com/",
        ):
            flow = tflow.tflow(resp=True)
            flow.request.url = url
            await tctx.cycle(addon, flow)
        addon.done()
    store = _open(db)
    try:
        assert [r["host"] for r in flows(store, Filters())] == ["kept.example.com"]
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("url", "host_header", "skipped"),
    [
        ("http://mitm.it/cert/pem", None, True),
        ("http://10.0.0.1/cert/pem", "MITM.IT", True),  # transparent mode: the name is in the header
        ("http://10.0.0.1/", "mitm.it:80", True),
        ("http://mitm.it.example.com/", None, False),
        ("http://notmitm.it/", "notmitm.it", False),
        ("http://mitm.it/", "example.com", False),  # the header names the host, as mitmproxy shows it
    ],
)
def test_the_certificate_page_is_told_without_ignore_patterns(
    url: str, host_header: str | None, skipped: bool
) -> None:
    flow = tflow.tflow(resp=True)
    flow.request.url = url
    if host_header is not None:
        flow.request.headers["Host"] = host_header
    assert Capture()._skip(flow) is skipped


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["mitm.it", "MITM.it", "10.0.0.1", "a.mitm.it", "example.com"]),
    st.one_of(
        st.none(),
        st.from_regex(r"\A[A-Za-z0-9.:\[\]-]{0,20}\Z"),
        st.sampled_from(["mitm.it", "Mitm.It:8080"]),
    ),
)
def test_without_ignore_patterns_the_quick_answer_is_mitmproxys(host: str, header: str | None) -> None:
    flow = tflow.tflow(resp=True)
    flow.request.host = host
    if header is not None:
        flow.request.headers["Host"] = header
    try:
        expected = flow.request.pretty_host.lower() == "mitm.it"
    except Exception:  # noqa: BLE001 - a name mitmproxy cannot parse is recorded
        expected = False
    assert Capture()._skip(flow) is expected


async def test_known_values_option(tmp_path: Path) -> None:
    import hashlib

    from mitmproxy import exceptions

    known = tmp_path / "me.toml"
    known.write_text('email = ["dana@example.com"]\n')
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        with pytest.raises(exceptions.OptionsError, match="cannot read known values file"):
            tctx.configure(addon, phonehome_known=str(tmp_path / "absent.toml"))
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="k", phonehome_known=str(known))
        flow = tflow.tflow(resp=True)
        flow.request.url = "http://ads.example.com/c?em=" + hashlib.sha256(b"dana@example.com").hexdigest()
        await tctx.cycle(addon, flow)
        addon.done()
    store = _open(db)
    try:
        rows = list(findings(store, Filters()))
        assert [(r["kind"], r["value"], r["source"], r["hashed"]) for r in rows] == [
            ("email", "dana@example.com", "known", "sha256")
        ]
    finally:
        store.dispose()


async def test_geo_database_options(tmp_path: Path) -> None:
    from mitmproxy import exceptions

    from tests.classifiers._mmdb import city_record, write_mmdb

    city = write_mmdb(
        tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City", [("1.2.3.0/24", city_record("JP", "Tokyo"))]
    )
    db = tmp_path / "g.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        with pytest.raises(exceptions.OptionsError, match="give an ASN or ISP file"):
            tctx.configure(addon, phonehome_asn_db=str(city))
        tctx.configure(
            addon,
            phonehome_asn_db="",
            phonehome_db=str(db),
            phonehome_label="g",
            phonehome_geoip_db=str(city),
        )
        flow = tflow.tflow(resp=True)
        flow.request.url = "http://ads.example.com/c"
        flow.server_conn.peername = ("1.2.3.4", 80)
        await tctx.cycle(addon, flow)
        addon.done()
    store = _open(db)
    try:
        (row,) = list(flows(store, Filters()))
        assert (row["server_ip"], row["country"]) == ("1.2.3.4", "JP")  # the user's file answered
    finally:
        store.dispose()


async def test_a_flow_that_cannot_be_copied_is_stored_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from phonehome.addons import capture as capture_module

    def broken(flow: object) -> Exchange:
        raise ValueError("odd flow")

    monkeypatch.setattr(capture_module, "exchange_from_flow", broken)
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="odd")
        flow = tflow.tflow(resp=True)
        flow.request.url = "http://ads.example.com/p?imei=861234567890127"
        await tctx.cycle(addon, flow)
        addon.done()
    store = _open(db)
    try:
        [row] = list(flows(store, Filters()))
        assert row["notes"] == ["copying the flow failed: ValueError: odd flow"]
        assert [f["kind"] for f in findings(store, Filters())] == ["imei"]  # still analysed
    finally:
        store.dispose()


async def test_hostile_flows_through_the_addon_are_all_stored(tmp_path: Path) -> None:
    """A bad Host header and an absurd status once ended storage for the rest of a capture."""
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="hostile")
        for i in range(30):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"http://ads.example.com/{i}?imei=861234567890127"
            if i == 3:
                flow.request.headers["Host"] = "a]b"
            if i == 4:
                assert flow.response is not None
                flow.response.status_code = 99999999999999999999
            if i == 5:
                flow.request.headers.fields = (*flow.request.headers.fields, (b"X-Evil", b"\x00\xff\xfe"))
            await tctx.cycle(addon, flow)
        addon.done()
    assert addon.stats is not None and (addon.stats.stored, addon.stats.spilled) == (30, 0)
    assert addon.stats.noted >= 2  # the status and the header had to be fitted to the database


async def test_a_dead_writer_is_said_at_once_and_flows_are_spilled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(db), phonehome_label="dead", phonehome_workers=0
        )  # the writer thread
        writer = addon._writer()
        writer.queue.put(object.__new__(object))  # nothing a writer knows: it must survive this
        writer.close()  # the thread is gone from here on
        for i in range(3):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"http://ads.example.com/{i}"
            await tctx.cycle(addon, flow)
        assert "the database writer stopped" in caplog.text
        with pytest.raises(StoreError, match="3 flows could not be stored and were saved to the spill file"):
            addon.done()
    [spill] = list(tmp_path.glob("c.db.unsaved-*.har"))
    from phonehome.sources import open_source

    assert len([i for i in open_source(spill) if isinstance(i, Exchange)]) == 3


async def test_the_proxy_password_is_never_stored(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="auth")
        flow = tflow.tflow(resp=True)
        flow.request.headers["Proxy-Authorization"] = "Basic cGhvbmU6czNjcmV0"
        await tctx.cycle(addon, flow)
        addon.done()
    assert b"cGhvbmU6czNjcmV0" not in db.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("c.db-*")
    )
    store = _open(db)
    try:
        with store.engine.connect() as conn:
            from sqlalchemy import text

            headers = conn.execute(text("SELECT request_headers FROM flows")).scalar()
        assert "Basic [redacted]" in str(headers)
    finally:
        store.dispose()


@pytest.mark.parametrize("workers", [None, 1, 2])
async def test_with_a_writer_process_flows_are_stored_as_in_this_process(
    tmp_path: Path, workers: int | None
) -> None:
    """`None`: the option's default, as `mitmdump -s addons/phonehome.py` runs it: a writer process
    and at least one classifier process, as `phonehome capture` has."""
    from phonehome.db.writerprocess import WriterProcess, default_classifiers

    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        chosen = {} if workers is None else {"phonehome_workers": workers}
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="proc", **chosen)
        writer = addon._writer()
        assert isinstance(writer, WriterProcess)
        assert writer.config.workers == (default_classifiers() if workers is None else workers) >= 1
        for i in range(20):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"https://tracker.example.net/collect/{i}?imei=861234567890127"
            await tctx.cycle(addon, flow)
        addon.done()
    assert addon.stats is not None and (addon.stats.stored, addon.stats.findings) == (20, 20)
    store = _open(db)
    try:
        assert len(list(flows(store, Filters(session="proc")))) == 20
    finally:
        store.dispose()


async def test_a_detector_stuck_on_one_flow_costs_that_flow_and_the_proxy_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default on any number of cores: a detector that never returns on one flow, holding its
    process's interpreter.  Every hook still returns at once; the flows after it are classified and
    stored; it is stored with a note and counted in the stop summary's numbers."""
    import functools
    import time

    from phonehome.addons import capture as capture_module
    from phonehome.db.writerprocess import Config

    from tests.db._poison import hogging

    monkeypatch.setattr(capture_module, "make_analyzer", lambda *_: hogging)
    monkeypatch.setattr(capture_module, "Config", functools.partial(Config, timeout=3.0))
    db = tmp_path / "c.db"
    addon = Capture()
    longest = 0.0
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="stuck")
        addon._writer()  # started (and its classifier) before the first flow, as `running` does
        for i in range(30):
            flow = tflow.tflow(resp=True)
            flow.request.url = (
                f"https://tracker.example.net/{'hog' if i == 5 else 'collect'}/{i}?imei=861234567890127"
            )
            t = time.perf_counter()
            await tctx.cycle(addon, flow)
            longest = max(longest, time.perf_counter() - t)
        stopping = threading.Thread(target=addon.done, daemon=True)  # Ctrl-C's flush
        stopping.start()
        stopping.join(90)
        assert not stopping.is_alive(), "the flush waits for a writer process that stores no more"
    assert longest < 2.0  # the writer process is never waited for: the stuck flow is 3 s behind it
    assert addon.stats is not None
    assert (addon.stats.stored, addon.stats.findings, addon.stats.failed_analyses) == (30, 29, 1)
    store = _open(db)
    try:
        rows = {r["url"]: r for r in flows(store, Filters(session="stuck"))}
    finally:
        store.dispose()
    stuck = rows["https://tracker.example.net/hog/5?imei=861234567890127"]
    assert "stopped its worker process" in stuck["notes"][-1]


async def test_a_writer_process_that_dies_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What it had not stored comes back to the proxy's process, and every later flow is spilled."""
    import os
    import signal

    from phonehome.db.writerprocess import WriterProcess

    from phonehome.sources import open_source

    db = tmp_path / "c.db"
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(db), phonehome_label="died", phonehome_workers=1)
        writer = addon._writer()
        assert isinstance(writer, WriterProcess)
        os.kill(writer.process.pid, signal.SIGSTOP)  # it takes the first flows and stores none
        for i in range(3):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"http://ads.example.com/before/{i}"
            await tctx.cycle(addon, flow)
        os.kill(writer.process.pid, signal.SIGKILL)
        await asyncio.to_thread(writer.process.join, 30)
        for _ in range(100):
            if not writer.alive:
                break
            await asyncio.sleep(0.05)
        for i in range(2):
            flow = tflow.tflow(resp=True)
            flow.request.url = f"http://ads.example.com/after/{i}"
            await tctx.cycle(addon, flow)
        assert "the database writer stopped" in caplog.text
        with pytest.raises(
            StoreError, match=r"writer process stopped \(killed by signal 9\); 5 flows were saved"
        ):
            addon.done()
    [spill] = [p for p in tmp_path.glob("c.db.unsaved-*.har") if "-writer" not in p.name]
    urls = sorted(i.url for i in open_source(spill) if isinstance(i, Exchange))
    assert [u.rsplit("/", 2)[-2] for u in urls] == ["after", "after", "before", "before", "before"]


def test_a_running_capture_gives_big_blocks_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hours of bodies, in `phonehome capture` as under `mitmdump -s`: big blocks are served from
    mappings that go back when freed (db/memory.py; its own test shows the effect)."""
    import phonehome.addons.capture

    calls: list[bool] = []
    monkeypatch.setattr(phonehome.addons.capture, "give_back_big_blocks", lambda: calls.append(True) or True)
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, phonehome_db=str(tmp_path / "c.db"), phonehome_label="unit")
        addon.running()
        addon.done()
    assert calls == [True]


def test_what_start_up_built_is_left_out_of_the_collectors_passes_while_the_proxy_runs(
    tmp_path: Path,
) -> None:
    """The proxy's full garbage collections walked every object the imports and the analyzer made,
    holding the requests in flight for 50-60 ms each time; they are frozen while it runs, and given
    back to the collector when it stops."""
    import gc

    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(tmp_path / "c.db"), phonehome_label="unit", phonehome_workers=0
        )
        assert gc.get_freeze_count() == 0
        addon.running()
        try:
            assert gc.get_freeze_count() > 10_000
        finally:
            addon.done()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("options", "live"), [({}, False), ({"phonehome_live": True}, True)])
async def test_counts_for_a_live_view_only_when_asked(
    tmp_path: Path, options: dict[str, bool], live: bool
) -> None:
    """Under `mitmdump -s` nothing reads running counts, so the writer keeps none unless asked
    (`phonehome capture` asks, without `--quiet`); every flow is stored either way."""
    addon = Capture()
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, phonehome_db=str(tmp_path / "l.db"), phonehome_label="live", phonehome_workers=0, **options
        )
        flow = tflow.tflow(resp=True)
        flow.request.url = "https://tracker.example.net/collect?imei=861234567890127"
        await tctx.cycle(addon, flow)
        writer = addon.writer
        assert writer is not None and writer.live is live
        addon.done()
    assert (writer.tally.snapshot().flows == 1) is live
    store = _open(tmp_path / "l.db")
    try:
        assert len(list(flows(store, Filters(session="live")))) == 1
    finally:
        store.dispose()
