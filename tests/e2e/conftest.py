"""Real servers and real proxies on 127.0.0.1 for the end-to-end tests.

A throwaway CA signs a certificate for 127.0.0.1 and localhost; an HTTPS and a plain HTTP server
echo nothing but record what they received, so tests can tell intercepted traffic reached them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
# Deadlines, not delays: waits end as soon as their condition holds, so generous values cost
# nothing on a fast machine and keep a loaded 2-core one (a cold start imports mitmproxy and makes
# a CA) from failing.
STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 120.0


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class TestCA:
    __test__ = False  # a fixture's type, not a test class

    ca_pem: Path
    cert_pem: Path
    key_pem: Path


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    folder = tmp_path_factory.mktemp("ca")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("phonehome test CA"))
        .issuer_name(_name("phonehome test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = TestCA(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    paths.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@dataclass
class Servers:
    http_url: str
    https_url: str
    https_port: int
    received: list[tuple[str, str, bytes]] = field(default_factory=list)


def _handler(received: list[tuple[str, str, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received.append((self.command, self.path, body))
            payload = b'{"ok":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def servers(test_ca: TestCA) -> Iterator[Servers]:
    """Plain and TLS servers on 127.0.0.1, a module's worth: their threads are stopped and joined after
    it, so no thread outlives tests/e2e (the report forks workers only while its process has no
    other thread)."""
    received: list[tuple[str, str, bytes]] = []
    plain = ThreadingHTTPServer(("127.0.0.1", 0), _handler(received))
    secure = ThreadingHTTPServer(("127.0.0.1", 0), _handler(received))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(test_ca.cert_pem, test_ca.key_pem)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (plain, secure)]
    for t in threads:
        t.start()
    yield Servers(
        http_url=f"http://127.0.0.1:{plain.server_address[1]}",
        https_url=f"https://127.0.0.1:{secure.server_address[1]}",
        https_port=secure.server_address[1],
        received=received,
    )
    for s in (plain, secure):
        s.shutdown()
        s.server_close()
    for t in threads:
        t.join(30)
        assert not t.is_alive(), "a test server's thread did not stop"


class Proxy:
    """A proxy process, everything it printed, and the port it reported once it was listening.

    One reader thread drains the process's output (stderr merged into stdout, so in the order a
    terminal would show it) from its first byte to end-of-file, line by line, into `lines`.
    Readiness waits on a condition until the ready line is in that record; the output `stop()`
    returns is that record once the process has exited and the reader reached end-of-file.

    The previous harness read the ready line with `readline()` (a buffered file object, polled with
    `selectors` on the raw descriptor) and the rest with `communicate(timeout=...)`.  `readline()`
    reads a whole chunk from the pipe and keeps what follows the first line in the file object's
    buffer; `communicate` with a timeout reads the raw descriptor with `os.read` and never sees that
    buffer.  So whatever the proxy had written together with its ready line (the "Open
    http://mitm.it" hint) was lost whenever the parent read late, e.g. on a busy machine; and a
    ready line buffered behind an earlier line was never seen by the `select()` loop at all.
    """

    def __init__(
        self,
        args: list[str],
        ready_marker: str,
        env: dict[str, str] | None = None,
        timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=REPO,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read, name=f"proxy-{self.proc.pid}-output", daemon=True)
        self._reader.start()
        self.port = self._wait_for(ready_marker, timeout)

    def _read(self) -> None:
        """The only reader of the pipe, from the start: nothing is read anywhere else, nothing is lost."""
        assert self.proc.stdout is not None
        try:
            for raw in iter(self.proc.stdout.readline, b""):
                with self._changed:
                    self.lines.append(raw.decode("utf-8", "replace"))
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._eof = True
                self._changed.notify_all()

    def _wait_for(self, marker: str, timeout: float) -> int:
        """Wait for the proxy's own announcement of its listening address (no guessing, no sleeping)."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if marker in line:
                        tail = line.split(marker, 1)[1].strip().rstrip(".")
                        port = tail.rsplit(":", 1)[-1]
                        if port.isdigit():
                            return int(port)
                        why = f"unexpected ready line {line!r}"
                        break
                else:
                    seen = len(self.lines)
                    left = deadline - time.monotonic()
                    if self._eof:
                        why = "the process ended before it was ready"
                    elif left <= 0:
                        why = f"no {marker!r} line within {timeout:.0f}s"
                    else:
                        self._changed.wait(left)
                        continue
                break
        self._kill()
        raise AssertionError(f"proxy did not start ({why}; exit code {self.proc.returncode}):\n{self.output}")

    def _kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)
        self._finish_reading()

    def _finish_reading(self) -> None:
        # EOF comes once every holder of the pipe's write end is gone (the process, and any child).
        self._reader.join(timeout=STOP_TIMEOUT)
        if self._reader.is_alive():
            raise AssertionError("the proxy exited but its output never closed:\n" + self.output)
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        """Everything printed so far; after `stop()`, everything the process printed."""
        with self._changed:
            return "".join(self.lines)

    def stop(self, sig: int = signal.SIGINT, timeout: float = STOP_TIMEOUT) -> str:
        """Ctrl-C, wait for the flush and exit, then for the last byte of output; returns all of it."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise AssertionError(f"proxy did not stop within {timeout:.0f}s:\n{self.output}") from None
        self._finish_reading()
        return self.output


def wait_for_rows(db: Path, table: str, count: int, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the running proxy has committed `count` rows to `table` of its database.

    For what the proxy records after the client has already had its answer (a refused handshake is
    recorded once the proxy has read the client's alert): stopping the proxy before then would race
    it.  Reads through a separate read-only connection (the database is in WAL mode) and re-checks
    until the deadline.
    """
    deadline = time.monotonic() + timeout
    found = 0
    while True:
        try:
            with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)) as conn:
                found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - a fixed name
        except sqlite3.OperationalError:
            found = 0  # not created yet, or busy: look again
        if found >= count or time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    assert found >= count, f"{db}: {table} has {found} rows after {timeout:.0f}s, expected {count}"


def phonehome_exe() -> str:
    exe = Path(sys.executable).with_name("phonehome")
    return str(exe) if exe.exists() else "phonehome"


def mitmdump_exe() -> str:
    exe = Path(sys.executable).with_name("mitmdump")
    return str(exe) if exe.exists() else "mitmdump"
