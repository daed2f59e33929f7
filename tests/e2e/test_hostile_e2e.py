"""A hostile network against a real `phonehome capture`, on 127.0.0.1 only.

Each test is one way a tester once lost traffic: a malformed Host header, a server's absurd status
code, two captures into one database, `kill -9` under load, a client guessing the proxy password.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from phonehome.db.store import Store
from sqlalchemy import text

from tests.e2e.conftest import Proxy, Servers, phonehome_exe

TRACKER_BODY = {
    "events": [
        {"name": "screen_view", "params": {"screen": f"com.example.app.Screen{i}", "imei": "861234567890127"}}
        for i in range(200)
    ],
    "device": {"model": "Redmi Note 12", "os": "Android 13", "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d"},
}


def _capture(tmp_path: Path, db: str, label: str, *extra: str) -> Proxy:
    return Proxy(
        [
            phonehome_exe(), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
            "--db", db, "--confdir", str(tmp_path / "mitmproxy"), "--label", label, *extra,
        ],
        ready_marker="Listening on",
    )  # fmt: skip


def _count(db: str, sql: str) -> int:
    store = Store(db, create=False)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        store.dispose()


def _raw_request(proxy: Proxy, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=60) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_bad_host_header_does_not_end_storage(tmp_path: Path, servers: Servers) -> None:
    """Once, `Host: a]b` killed the writer: the rest of the capture was lost and Ctrl-C said 'Saved 20'."""
    db = str(tmp_path / "c.db")
    proxy = _capture(tmp_path, db, "bad-host")
    try:
        with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as client:
            for i in range(20):
                client.get(f"{servers.http_url}/before/{i}")
            port = servers.http_url.rsplit(":", 1)[1]
            answer = _raw_request(
                proxy,
                f"GET http://127.0.0.1:{port}/bad?imei=861234567890127 HTTP/1.1\r\nHost: a]b\r\n"
                "Connection: close\r\n\r\n".encode(),
            )
            assert answer.startswith(b"HTTP/1.1 ")
            for i in range(20):
                client.get(f"{servers.http_url}/after/{i}")
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    assert "Saved 41 flows" in output, output
    assert _count(db, "SELECT count(*) FROM flows WHERE url LIKE '%/after/%'") == 20


@pytest.fixture()
def absurd_server() -> Iterator[int]:
    """A server on loopback answering every request with status 99999999999999999999."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(
                    b"HTTP/1.1 99999999999999999999 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


def test_a_server_with_an_absurd_status_poisons_nothing(
    tmp_path: Path, servers: Servers, absurd_server: int
) -> None:
    """Once, that status made SQLite refuse every later flow, and the spill file would not replay."""
    db = str(tmp_path / "c.db")
    proxy = _capture(tmp_path, db, "absurd")
    try:
        with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as client:
            client.get(f"{servers.http_url}/before")
            with pytest.raises(httpx.RemoteProtocolError):  # the proxy passes it on; httpx refuses it
                client.get(f"http://127.0.0.1:{absurd_server}/absurd?imei=861234567890127")
            for i in range(10):
                client.get(f"{servers.http_url}/after/{i}")
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    assert _count(db, "SELECT count(*) FROM flows") == 12
    assert _count(db, "SELECT count(*) FROM flows WHERE url LIKE '%/absurd%' AND status IS NULL") == 1
    assert _count(db, "SELECT count(*) FROM flows WHERE originals LIKE '%99999999999999999999%'") == 1
    assert _count(db, "SELECT count(*) FROM findings WHERE value = '861234567890127'") == 1
    assert not list(tmp_path.glob("*.unsaved-*.har"))


def test_two_captures_into_one_database(tmp_path: Path, servers: Servers, db_url: str) -> None:
    """Both captures add the same new destinations and session at once; nothing is lost or doubled."""
    proxies = [_capture(tmp_path, db_url, "shared") for _ in range(2)]
    errors: list[BaseException] = []

    def load(proxy: Proxy, n: int) -> None:
        try:
            with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as client:
                for i in range(150):
                    client.post(f"{servers.http_url}/p{n}/{i}", json={"email": f"u{i}@example.com"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(p, n)) for n, p in enumerate(proxies)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    finally:
        outputs = [p.stop() for p in proxies]
    assert not errors, errors
    for proxy, output in zip(proxies, outputs, strict=True):
        assert proxy.proc.returncode == 0, output
    assert _count(db_url, "SELECT count(*) FROM flows") == 300
    assert _count(db_url, "SELECT count(DISTINCT url) FROM flows") == 300
    assert _count(db_url, "SELECT count(*) FROM sessions") == 1
    assert _count(db_url, "SELECT count(*) FROM destinations") == 1


def test_kill_9_loses_at_most_a_second_of_answered_traffic(tmp_path: Path, servers: Servers) -> None:
    """Under a tracker-like POST load, every flow answered more than 1 s before `kill -9` is stored."""
    db = str(tmp_path / "c.db")
    proxy = _capture(tmp_path, db, "kill")
    answered: dict[str, float] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def load(n: int) -> None:
        with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as client:
            i = 0
            while not stop.is_set():
                key = f"w{n}-{i}"
                try:
                    client.post(f"{servers.http_url}/track/{key}", json=TRACKER_BODY)
                except httpx.HTTPError:
                    return  # the proxy is gone
                with lock:
                    answered[key] = time.monotonic()
                i += 1

    threads = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(4.0)  # the load itself: long enough for the writer to fall behind if it can
        killed_at = time.monotonic()
        proxy.proc.send_signal(signal.SIGKILL)
        proxy.proc.wait(60)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        proxy.stop()
    with lock:
        due = {key for key, when in answered.items() if when < killed_at - 1.0}
    assert len(due) > 20, "the load generator barely ran"
    store = Store(db, create=False)
    try:
        with store.engine.connect() as conn:
            urls = [row[0] for row in conn.execute(text("SELECT url FROM flows"))]
    finally:
        store.dispose()
    stored = {url.rsplit("/", 1)[1] for url in urls}
    lost = due - stored
    assert not lost, f"{len(lost)} of {len(due)} flows answered over 1 s before kill -9 were lost"


def test_proxyauth_refuses_strangers_and_never_stores_the_password(tmp_path: Path, servers: Servers) -> None:
    db = str(tmp_path / "c.db")
    proxy = _capture(tmp_path, db, "auth", "--proxyauth", "phone:s3cret-pass")
    try:
        with httpx.Client(proxy=proxy.url, trust_env=False, timeout=60) as stranger:
            assert stranger.get(f"{servers.http_url}/stranger").status_code == 407
        wrong = proxy.url.replace("http://", "http://phone:wrong-guess@")
        with httpx.Client(proxy=wrong, trust_env=False, timeout=60) as guesser:
            assert guesser.get(f"{servers.http_url}/guess").status_code == 407
        right = proxy.url.replace("http://", "http://phone:s3cret-pass@")
        with httpx.Client(proxy=right, trust_env=False, timeout=60) as phone:
            assert phone.get(f"{servers.http_url}/ok").status_code == 200
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    raw = Path(db).read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("c.db-*"))
    for secret in (b"s3cret-pass", b"wrong-guess", b"cGhvbmU6czNjcmV0LXBhc3M", b"cGhvbmU6d3JvbmctZ3Vlc3M"):
        assert secret not in raw
    assert _count(db, "SELECT count(*) FROM flows WHERE url LIKE '%/ok'") == 1
