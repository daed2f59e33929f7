from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from mitmproxy import flow as mflow
from mitmproxy import http
from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow
from mitmproxy.websocket import WebSocketMessage
from phonehome.classifiers.model import Exchange
from wsproto.frame_protocol import Opcode

from phonehome.sources import Item, Skipped, SourceError, open_source
from phonehome.sources.mitm import exchange_from_flow, exchanges_from_websocket, read_dump


def write_dump(path: Path, flows: list[mflow.Flow]) -> Path:
    with open(path, "wb") as f:
        writer = FlowWriter(f)
        for one in flows:
            writer.add(one)
    return path


def exchanges(items: list[Item]) -> list[Exchange]:
    return [i for i in items if isinstance(i, Exchange)]


def test_exchange_from_flow_with_response() -> None:
    f = tflow.tflow(resp=True)
    ex = exchange_from_flow(f)
    assert ex.time == datetime(1999, 12, 31, 23, 0, tzinfo=UTC)
    assert (ex.method, ex.url, ex.http_version) == ("GET", "http://address:22/path", "HTTP/1.1")
    assert ex.request_headers == (("header", "qvalue"), ("content-length", "7"))
    assert ex.request_body == b"content"
    assert (ex.status, ex.response_bytes, ex.error) == (200, 7, None)
    assert ex.response_headers == (("header-response", "svalue"), ("content-length", "7"))
    assert (ex.server_ip, ex.client_address) == ("192.168.0.1", "127.0.0.1")
    assert ex.fingerprint == f.id


def test_body_is_kept_as_sent_not_decoded() -> None:
    f = tflow.tflow(resp=True)
    f.request.headers["content-encoding"] = "gzip"
    f.request.raw_content = b"\x1f\x8b not really gzip"
    assert f.response is not None
    f.response.raw_content = None
    ex = exchange_from_flow(f)
    assert ex.request_body == b"\x1f\x8b not really gzip"
    assert ex.response_bytes == 0


def test_error_and_missing_response() -> None:
    errored = exchange_from_flow(tflow.tflow(err=True))
    assert (errored.status, errored.error, errored.response_headers) == (None, "error", ())
    pending = exchange_from_flow(tflow.tflow())
    assert (pending.status, pending.error) == (None, "no response")


def test_request_without_body_and_odd_header_bytes() -> None:
    f = tflow.tflow(resp=True)
    f.request.raw_content = None
    f.request.headers.fields = ((b"x-name", "Grüße".encode()), (b"x-latin", b"caf\xe9"))
    ex = exchange_from_flow(f)
    assert ex.request_body == b""
    assert ex.request_headers == (("x-name", "Grüße"), ("x-latin", "café"))


def test_server_ip_falls_back_to_an_ip_literal_address_only() -> None:
    f = tflow.tflow(resp=True)
    f.server_conn.peername = None
    assert exchange_from_flow(f).server_ip is None  # address is ("address", 22): a name
    f.server_conn.address = ("203.0.113.9", 443)
    assert exchange_from_flow(f).server_ip == "203.0.113.9"
    f.client_conn.peername = None  # type: ignore[assignment]  # a client not yet connected
    assert exchange_from_flow(f).client_address is None


def test_websocket_message_exchange() -> None:
    f = tflow.twebsocketflow()
    assert f.websocket is not None
    binary, text, _from_server = f.websocket.messages
    ex = exchanges_from_websocket(f, text)
    assert (ex.method, ex.url, ex.request_body) == ("WEBSOCKET", "http://example.com/ws", b"hello text")
    assert ex.fingerprint == f"{f.id}:ws:1"
    assert ex.time == datetime.fromtimestamp(946681204, UTC)
    assert exchanges_from_websocket(f, binary, 0).fingerprint == f"{f.id}:ws:0"
    # the live hook's message is the last one
    f.websocket.messages.append(WebSocketMessage(Opcode.TEXT, True, b"latest", 946681210.0))
    assert exchanges_from_websocket(f, f.websocket.messages[-1]).fingerprint == f"{f.id}:ws:3"
    stray = WebSocketMessage(Opcode.TEXT, True, b"not in flow")
    assert exchanges_from_websocket(f, stray).fingerprint == ""


def test_read_dump_round_trip(tmp_path: Path) -> None:
    http_flow = tflow.tflow(resp=True)
    ws_flow = tflow.twebsocketflow()
    assert ws_flow.websocket is not None
    ws_flow.websocket.messages.append(
        WebSocketMessage(Opcode.TEXT, True, b"injected", 946681206, injected=True)
    )
    path = write_dump(tmp_path / "flows.mitm", [http_flow, ws_flow, tflow.ttcpflow(), tflow.tudpflow()])
    items = list(read_dump(path))
    assert [type(i).__name__ for i in items] == ["Exchange"] * 4 + ["Skipped"] * 2
    first, handshake, binary, text = exchanges(items)
    assert first == exchange_from_flow(http_flow)
    assert (handshake.status, handshake.fingerprint) == (101, ws_flow.id)
    assert [(m.method, m.request_body) for m in (binary, text)] == [
        ("WEBSOCKET", b"hello binary"),
        ("WEBSOCKET", b"hello text"),
    ]
    assert items[4:] == [
        Skipped(2, "entry 2: tcp flow not imported"),
        Skipped(3, "entry 3: udp flow not imported"),
    ]


def test_open_source_sniffs_a_dump(tmp_path: Path) -> None:
    f = tflow.tflow(resp=True)
    path = write_dump(tmp_path / "capture.har", [f, tflow.tdnsflow()])  # the name does not matter
    items = list(open_source(path))
    assert [i.fingerprint for i in exchanges(items)] == [f.id]
    assert items[1] == Skipped(1, "entry 1: dns flow not imported")


def test_dump_read_twice_gives_the_same_fingerprints(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "flows.mitm", [tflow.tflow(resp=True), tflow.twebsocketflow()])
    first = [e.fingerprint for e in exchanges(list(open_source(path)))]
    assert len(set(first)) == 4
    assert first == [e.fingerprint for e in exchanges(list(open_source(path)))]


def test_truncated_dump_keeps_the_flows_before_the_cut(tmp_path: Path) -> None:
    flows: list[mflow.Flow] = [tflow.tflow(resp=True) for _ in range(3)]
    whole = write_dump(tmp_path / "whole.mitm", flows).read_bytes()
    one = len(write_dump(tmp_path / "one.mitm", flows[:1]).read_bytes())
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(whole[: 2 * one + one // 2])
    items = list(open_source(cut))
    assert [e.fingerprint for e in exchanges(items)] == [flows[0].id, flows[1].id]
    assert items[-1] == Skipped(
        -1,
        f"{cut}: unreadable after entry 1 (the file ends inside a flow (cut short?)); rest of file unreadable",
    )


def test_not_a_dump(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("12 monkeys\n")
    with pytest.raises(SourceError) as info:
        read_dump(path)
    assert str(info.value) == f"{path}: not a HAR file or mitmproxy flow dump (invalid data format)"
    # a tnetstring that is not a flow
    odd = tmp_path / "odd.mitm"
    odd.write_bytes(b"5:hello,")
    with pytest.raises(SourceError, match=r"^.*odd\.mitm: not a HAR file or mitmproxy flow dump \("):
        open_source(odd)


def test_request_only_http_flow_in_a_dump(tmp_path: Path) -> None:
    f: http.HTTPFlow = tflow.tflow()
    f.request.method = "POST"
    f.request.raw_content = b"imei=861234567890127"
    (ex,) = list(read_dump(write_dump(tmp_path / "req.mitm", [f])))
    assert isinstance(ex, Exchange)
    assert (ex.method, ex.request_body, ex.status, ex.error) == (
        "POST",
        b"imei=861234567890127",
        None,
        "no response",
    )


# -- hostile dumps ---------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from mitmproxy.io import tnetstring  # noqa: E402


def _numbered(n: int, bad_host_at: int | None = None) -> list[mflow.Flow]:
    flows: list[mflow.Flow] = []
    for i in range(n):
        f = tflow.tflow(resp=True)
        f.request.url = f"http://example.com/{i}"
        if i == bad_host_at:
            f.request.host = "a]b"  # what `Host: a]b` becomes
        flows.append(f)
    return flows


def test_a_flow_with_a_bad_host_is_imported_with_the_rest(tmp_path: Path, db_url: str) -> None:
    """Once, such a flow imported 2 of 200 with exit 0, or hung."""
    from phonehome.db.store import Store

    from phonehome.pipeline import replay

    path = write_dump(tmp_path / "bad-host.mitm", _numbered(200, bad_host_at=2))
    store = Store(db_url)
    try:
        [report] = replay(store, [path]).files
        assert (report.stored, report.skipped_total) == (200, 0)
    finally:
        store.dispose()


def test_an_unreadable_record_costs_only_itself(tmp_path: Path) -> None:
    path = write_dump(tmp_path / "d.mitm", _numbered(3))
    records = []
    with open(path, "rb") as f:
        while True:
            try:
                records.append(tnetstring.dumps(tnetstring.load(f)))
            except ValueError:
                break
    broken = tnetstring.dumps({b"version": b"not a version"})
    path.write_bytes(records[0] + broken + records[1] + tnetstring.dumps([1, 2]) + records[2])
    items = list(open_source(path))
    assert [e.url for e in exchanges(items)] == [f"http://example.com/{i}" for i in range(3)]
    assert [s.index for s in items if isinstance(s, Skipped)] == [1, 3]


@settings(deadline=None)
@given(st.binary(max_size=200), st.integers(0, 4000))
def test_random_bytes_and_cuts_in_a_dump_never_raise(
    tmp_path_factory: pytest.TempPathFactory, noise: bytes, cut: int
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    good = write_dump(folder / "g.mitm", _numbered(3)).read_bytes()
    for i, data in enumerate([good[:cut] + noise, good[: len(good) - cut] + noise, noise + good]):
        path = folder / f"{i}.mitm"
        path.write_bytes(data)
        try:
            list(open_source(path))
        except SourceError:
            pass  # refused as a whole, in one line: allowed


# -- a flow's URL without parsing its Host header: always mitmproxy's own `pretty_url` text ---------

from phonehome.sources.mitm import _url  # noqa: E402

_hosts = st.one_of(
    st.sampled_from(["example.com", "Example.COM", "127.0.0.1", "::1", "a.b.c", "xn--bcher-kva.example"]),
    st.from_regex(r"\A[a-z0-9.-]{1,12}\Z"),
)
_ports = st.one_of(st.sampled_from([80, 443, 8080]), st.integers(min_value=1, max_value=65535))


@settings(max_examples=500, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    host=_hosts,
    port=_ports,
    header=st.one_of(
        st.none(),
        st.sampled_from(["same", "same:port", "same:80", "same:443", "[same]:port", "other.example", ""]),
        st.from_regex(r"\A[A-Za-z0-9.:\[\]-]{0,20}\Z"),
    ),
    path=st.sampled_from(["/", "/collect?n=1", "*", "/a b", ""]),
    method=st.sampled_from(["GET", "POST", "CONNECT"]),
)
def test_the_url_is_mitmproxys_pretty_url(
    scheme: str, host: str, port: int, header: str | None, path: str, method: str
) -> None:
    request = http.Request.make(method, f"{scheme}://h.example:1/", b"")
    request.host, request.port, request.path = host, port, path
    if method == "CONNECT":
        request.authority = f"{host}:{port}"
    if header is not None:
        header = header.replace("same", host).replace("port", str(port))
        request.headers["Host"] = header
    assert _url(request) == request.pretty_url
