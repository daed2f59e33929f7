"""Live capture as an owner runs it (issue 12): named devices, WebSocket, blind spots, requests that
never left, the live view, start-up errors, WireGuard.  Everything on loopback: 127.0.0.1, with
clients bound to 127.0.0.2 and 127.0.0.3 to stand for two phones."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from phonehome.db.queries import summary
from phonehome.db.store import Store
from sqlalchemy import text

from tests.e2e.conftest import STARTUP_TIMEOUT, Proxy, Servers, TestCA, phonehome_exe, wait_for_rows
from tests.e2e.wireguard import handshake

GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
IMEI = "861234567890127"


def _capture(tmp_path: Path, test_ca: TestCA, *extra: str, label: str = "live") -> tuple[Proxy, Path]:
    db = tmp_path / "live.db"
    proxy = Proxy(
        [
            phonehome_exe(), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
            "--db", str(db), "--confdir", str(tmp_path / "mitmproxy"), "--label", label,
            "--set", f"ssl_verify_upstream_trusted_ca={test_ca.ca_pem}", *extra,
        ],
        ready_marker="Listening on",
    )  # fmt: skip
    return proxy, db


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    store = Store(str(db), create=False)
    try:
        with store.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        store.dispose()


def _get_from(source: str, proxy_port: int, url: str) -> int:
    """A GET through the proxy from a client bound to `source` (one phone at 127.0.0.2, another at
    127.0.0.3), as a plain HTTP proxy request; the status code."""
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=60, source_address=(source, 0)) as sock:
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: {url.split('/')[2]}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_phones_are_two_named_devices(tmp_path: Path, test_ca: TestCA, servers: Servers) -> None:
    proxy, db = _capture(tmp_path, test_ca, "--device", "pixel=127.0.0.2", "--device", "iphone=127.0.0.3")
    try:
        for source, n in (("127.0.0.2", 3), ("127.0.0.3", 2)):
            for i in range(n):
                assert _get_from(source, proxy.port, f"{servers.http_url}/d/{source}/{i}?gaid={GAID}") == 200
        wait_for_rows(db, "flows", 5)
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    counts = dict(_rows(db, "SELECT device, count(*) FROM flows GROUP BY device"))  # type: ignore[arg-type]
    assert counts == {"pixel": 3, "iphone": 2}
    # Not a terminal: one plain line per finding, each naming its device.
    finding_lines = [line for line in output.splitlines() if "advertising ID" in line and " -> " in line]
    assert len(finding_lines) == 5 and sum("[pixel]" in line for line in finding_lines) == 3
    assert GAID not in output  # values are masked on screen

    from phonehome.report.build import build_report

    store = Store(str(db), create=False)
    try:
        report = build_report(store, session="live")
        assert sorted(d["device"] for d in report["devices"]) == ["iphone", "pixel"]
    finally:
        store.dispose()


def test_an_unknown_client_keeps_its_address(tmp_path: Path, test_ca: TestCA, servers: Servers) -> None:
    proxy, db = _capture(tmp_path, test_ca, "--device", "pixel=127.0.0.2", "--quiet")
    try:
        assert _get_from("127.0.0.3", proxy.port, f"{servers.http_url}/anon") == 200
        wait_for_rows(db, "flows", 1)
    finally:
        output = proxy.stop()
    assert _rows(db, "SELECT device FROM flows") == [("127.0.0.3",)]
    assert " -> " not in output  # --quiet: no line per finding


# -- WebSocket -------------------------------------------------------------------------------------


def _websocket_server() -> tuple[int, list[str], threading.Thread, socket.socket]:
    """A WebSocket server (wsproto) that records the text messages it receives."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received: list[str] = []

    def serve() -> None:
        conn, _ = listener.accept()
        ws = WSConnection(ConnectionType.SERVER)
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        conn.sendall(ws.send(AcceptConnection()))
                    elif isinstance(event, TextMessage):
                        received.append(event.data)
                    elif isinstance(event, CloseConnection):
                        conn.sendall(ws.send(event.response()))
                        return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], received, thread, listener


def test_websocket_messages_are_classified(tmp_path: Path, test_ca: TestCA) -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

    port, received, thread, listener = _websocket_server()
    proxy, db = _capture(tmp_path, test_ca, "--quiet")
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=60) as sock:
            # As browsers do through a proxy: a CONNECT tunnel, then the WebSocket handshake inside it.
            sock.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert b" 200 " in sock.recv(4096)
            ws = WSConnection(ConnectionType.CLIENT)
            sock.sendall(ws.send(Request(host=f"127.0.0.1:{port}", target="/live")))
            accepted = False
            while not accepted:
                data = sock.recv(65536)
                assert data, "the proxy closed the connection before the WebSocket was accepted"
                ws.receive_data(data)
                accepted = any(isinstance(e, AcceptConnection) for e in ws.events())
            message = json.dumps({"event": "hello", "advertising_id": GAID, "imei": IMEI})
            sock.sendall(ws.send(TextMessage(data=message)))
            sock.sendall(ws.send(CloseConnection(code=1000)))
            deadline = time.monotonic() + 60
            while not received and time.monotonic() < deadline:
                time.sleep(0.02)
        wait_for_rows(db, "findings", 2)
    finally:
        output = proxy.stop()
        listener.close()
        thread.join(10)
    assert received and GAID in received[0], output
    kinds = {(k, v) for k, v in _rows(db, "SELECT kind, value FROM findings")}
    assert {("advertising_id", GAID), ("imei", IMEI)} <= kinds
    (where,) = {w for (w,) in _rows(db, "SELECT location FROM findings")}
    assert where == "body"


# -- blind spots and requests that never left ----------------------------------------------------------


def test_refused_upstream_is_stored_as_not_sent(tmp_path: Path, test_ca: TestCA) -> None:
    closed = _free_port()  # nothing listens here: the connection is refused
    proxy, db = _capture(tmp_path, test_ca, "--quiet")
    try:
        with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as client:
            response = client.get(f"http://127.0.0.1:{closed}/never?imei={IMEI}")
        assert response.status_code == 502  # the proxy's own answer
        wait_for_rows(db, "flows", 1)
    finally:
        output = proxy.stop()
    ((status, error),) = _rows(db, "SELECT status, error FROM flows")
    assert status in (None, 502) and error, (status, error)
    store = Store(str(db), create=False)
    try:
        s = summary(store, "live")
        assert (s.flows, s.not_sent, s.findings, s.hosts) == (1, 1, 0, 0)  # stored, never counted as sent
    finally:
        store.dispose()
    assert "never reached their server" in " ".join(output.split())


@contextlib.contextmanager
def _untrusted_https_server(tmp_path: Path) -> Iterator[int]:
    """An HTTPS server with a self-signed certificate mitmproxy does not trust; yields its port."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "untrusted")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = tmp_path / "untrusted.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)

    def answer(conn: socket.socket) -> None:
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1024)
        except (OSError, ssl.SSLError):
            pass

    with _serving(answer) as port:
        yield port


@contextlib.contextmanager
def _tcp_sink() -> Iterator[int]:
    """A TCP server that reads and drops whatever it is sent; yields its port."""

    def drain(conn: socket.socket) -> None:
        with conn:
            while conn.recv(4096):
                pass

    with _serving(drain) as port:
        yield port


@contextlib.contextmanager
def _serving(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """Accept connections on 127.0.0.1 in a thread, one at a time, until the block ends; then stop
    the thread and wait for it, so that no test leaves a thread behind (the report forks workers only
    while its process has no other thread)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.settimeout(30)
            try:
                handle(conn)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # close() alone does not wake a blocked accept()
        listener.close()
        thread.join(30)
        assert not thread.is_alive(), "a test server's thread did not stop"


def test_blind_spots_are_recorded_as_what_they_are(tmp_path: Path, test_ca: TestCA, servers: Servers) -> None:
    with _untrusted_https_server(tmp_path) as bad_port, _tcp_sink() as sink_port:
        proxy, db = _capture(tmp_path, test_ca)
        try:
            # 1. The client does not trust our CA (a pinned app, or the CA not installed).
            with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=str(test_ca.ca_pem)),
                              trust_env=False, timeout=60) as untrusting, pytest.raises(httpx.ConnectError):  # fmt: skip
                untrusting.get(f"{servers.https_url}/pinned")
            # 2. The server's certificate fails mitmproxy's check: nothing is sent to it.
            mitm_ca = tmp_path / "mitmproxy" / "mitmproxy-ca-cert.pem"
            with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=str(mitm_ca)),
                              trust_env=False, timeout=60) as client:  # fmt: skip
                try:
                    r = client.get(f"https://127.0.0.1:{bad_port}/secret?imei={IMEI}")
                    assert r.status_code == 502
                except httpx.HTTPError:
                    pass  # some versions refuse the client's handshake instead: also not sent
            # 3. A tunnel that carries something other than HTTP.
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=60) as raw:
                raw.sendall(
                    f"CONNECT 127.0.0.1:{sink_port} HTTP/1.1\r\nHost: 127.0.0.1:{sink_port}\r\n\r\n".encode()
                )
                assert b" 200 " in raw.recv(4096)
                raw.sendall(b"\x00\x01\x02 not http at all \xff\xfe\r\n\r\n" * 4)
                time.sleep(0.2)
            wait_for_rows(db, "blind_spots", 3)
        finally:
            output = proxy.stop()
    kinds = {k: h for k, h in _rows(db, "SELECT kind, host FROM blind_spots")}
    assert set(kinds) == {"client_tls", "upstream_tls", "not_http"}, output
    assert kinds["not_http"] == "127.0.0.1"
    # The request to the server that failed TLS is stored with its error, and never counted as sent.
    store = Store(str(db), create=False)
    try:
        s = summary(store, "live")
        assert s.findings == 0 and s.not_sent == s.flows == 1, s
    finally:
        store.dispose()
    flat = " ".join(output.split())
    assert "Not read (blind spots)" in flat and "not HTTP" in flat and "Refused our certificate" in flat
    assert "QUIC" in flat  # what a proxy never sees is said, too


# -- the live view -------------------------------------------------------------------------------------


@pytest.fixture
def embedded(tmp_path: Path, test_ca: TestCA) -> Iterator[dict[str, object]]:
    """`run_capture` in a thread, as the CLI runs it, with the start-up information kept."""
    from phonehome.addons.embed import CaptureConfig, Started, run_capture

    ready = threading.Event()
    info: dict[str, object] = {}
    masters: list = []  # type: ignore[type-arg]

    def on_ready(started: Started) -> None:
        info["started"] = started
        ready.set()

    config = CaptureConfig(db=str(tmp_path / "e.db"), listen_host="127.0.0.1", listen_port=0,
                           confdir=str(tmp_path / "conf"), label="view",
                           extra={"ssl_verify_upstream_trusted_ca": str(test_ca.ca_pem)})  # fmt: skip
    thread = threading.Thread(target=lambda: info.setdefault("stats", run_capture(config, on_ready, masters)))
    thread.start()
    assert ready.wait(STARTUP_TIMEOUT), "the proxy never said it was listening"
    try:
        yield info
    finally:
        masters[0].shutdown()
        thread.join(STARTUP_TIMEOUT)


def test_the_live_view_draws_what_arrives(embedded: dict[str, object], servers: Servers) -> None:
    from phonehome.addons.embed import Started
    from rich.console import Console

    from phonehome.live import MAX_RATE, Watcher

    started = embedded["started"]
    assert isinstance(started, Started) and started.tally is not None
    buffer = io.StringIO()
    screen = Console(file=buffer, force_terminal=True, width=110, color_system=None)
    watcher = Watcher(
        screen, started.tally.snapshot, started.tally.drain, session=started.session, plain=False
    )
    began = time.monotonic()
    watcher.start()
    port = started.addrs[0][1]
    with httpx.Client(proxy=f"http://127.0.0.1:{port}", trust_env=False, timeout=60) as client:
        for i in range(6):
            client.post(
                f"{servers.http_url}/track/{i}", json={"advertising_id": GAID, "email": f"u{i}@example.com"}
            )
            time.sleep(0.1)
    deadline = time.monotonic() + 60
    while started.tally.snapshot().flows < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)  # at least two more redraws
    watcher.stop()
    elapsed = time.monotonic() - began
    screen_text = buffer.getvalue()
    assert "6 requests" in screen_text and "12 findings" in screen_text
    assert "advertising ID" in screen_text and "email address" in screen_text
    assert "Received by" in screen_text and "Newest findings" in screen_text
    assert GAID not in screen_text and "u5@example.com" not in screen_text  # masked
    assert 2 <= watcher.redraws <= elapsed * MAX_RATE + 2  # never more than four a second


def test_the_live_view_never_queries_the_database(embedded: dict[str, object], servers: Servers) -> None:
    """The view reads the writer's counts: no SQL is run on its behalf, however often it redraws."""
    from phonehome.addons.embed import Started
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from phonehome.live import render

    started = embedded["started"]
    assert isinstance(started, Started) and started.tally is not None
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if threading.current_thread() is threading.main_thread():
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        for _ in range(20):
            render(started.tally.snapshot(), session="view", started=time.monotonic(), now=time.monotonic())
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert statements == []


# -- start-up errors -----------------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [phonehome_exe(), "capture", "--listen-host", "127.0.0.1", "--listen-port", str(port),
             "--db", str(tmp_path / "p.db"), "--confdir", str(tmp_path / "mitmproxy")],
            capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
        )  # fmt: skip
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("phonehome: error: port ") and "already in use" in lines[0]
    assert "--listen-port" in lines[0] and "--mode" not in lines[0]
    assert "Errno" not in result.stdout + result.stderr and "Listening on" not in result.stdout


def test_a_confdir_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = subprocess.run(
        [phonehome_exe(), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
         "--db", str(tmp_path / "p.db"), "--confdir", str(blocker / "conf")],
        capture_output=True, text=True, timeout=STARTUP_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("phonehome: error: --confdir") and "certificate authority" in line


# -- WireGuard -----------------------------------------------------------------------------------------


def test_wireguard_prints_a_configuration_the_server_accepts(tmp_path: Path) -> None:
    """The printed client configuration names the server's key, this machine's endpoint and the client's
    key; a WireGuard handshake made from it alone is answered by the running server."""
    db = tmp_path / "wg.db"
    proxy = Proxy(
        [phonehome_exe(), "capture", "--mode", "wireguard", "--listen-host", "127.0.0.1", "--listen-port", "0",
         "--db", str(db), "--confdir", str(tmp_path / "mitmproxy"), "--label", "wg"],
        ready_marker="Listening on",
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while "Endpoint" not in proxy.output and time.monotonic() < deadline:
            time.sleep(0.05)
        conf = _parse_wireguard(proxy.output)
        assert "Endpoint" in conf, proxy.output
        assert conf["Endpoint"] == f"127.0.0.1:{proxy.port}"
        assert conf["Address"] == "10.0.0.1/32" and conf["AllowedIPs"] == "0.0.0.0/0"
        keys = json.loads((tmp_path / "mitmproxy" / "wireguard.conf").read_text())
        assert conf["PrivateKey"] == keys["client_key"]
        response = handshake("127.0.0.1", proxy.port, conf["PrivateKey"], conf["PublicKey"])
        assert response is not None, "the server did not answer the handshake"
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    assert "private key" in output  # the user is told the configuration is a secret


def _parse_wireguard(output: str) -> dict[str, str]:
    conf: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition(" = ")
        if sep and key.strip() in ("PrivateKey", "Address", "DNS", "PublicKey", "AllowedIPs", "Endpoint"):
            conf[key.strip()] = value.strip()
    return conf
