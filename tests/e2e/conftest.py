"""Real servers and real proxies on 127.0.0.1 for the end-to-end tests.

A throwaway CA signs a certificate for 127.0.0.1 and localhost; an HTTPS and a plain HTTP server
echo nothing but record what they received, so tests can tell intercepted traffic reached them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
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


@pytest.fixture(scope="session")
def servers(test_ca: TestCA) -> Iterator[Servers]:
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


class Proxy:
    """A proxy process and the port it reported once it was listening.

    One thread reads the process's output from the first byte to the last, line by line, into
    `lines`; readiness and the final output both come from that one record.  (Reading lines with
    `readline()` and then `communicate(timeout=...)` loses output: `readline()` pulls a whole chunk
    into the file object's buffer, and `communicate` with a timeout reads the raw descriptor, so
    lines that arrived with the ready line, like the mitm.it hint, were never seen.)
    """

    def __init__(self, args: list[str], ready_marker: str, env: dict[str, str] | None = None) -> None:
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
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = self._wait_for(ready_marker)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            with self._changed:
                self.lines.append(raw.decode("utf-8", "replace"))
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _wait_for(self, marker: str, timeout: float = 120.0) -> int:
        """Wait for the proxy's own announcement of its listening address (no guessing, no sleeping)."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if marker in line:
                        tail = line.split(marker, 1)[1].strip().rstrip(".")
                        return int(tail.rsplit(":", 1)[1])
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    break
                self._changed.wait(left)
        self.proc.kill()
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        raise AssertionError("proxy did not start:\n" + "".join(self.lines))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def stop(self, sig: int = 2, timeout: float = 120.0) -> str:
        """Ctrl-C, then wait for the flush and for the last byte of output; returns all of it."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            self._reader.join(timeout=30)
            raise AssertionError("proxy did not stop within the timeout:\n" + self.output) from None
        # The pipe closes when the process (and any child holding it) is gone: read to its end.
        self._reader.join(timeout=timeout)
        assert not self._reader.is_alive(), "the proxy's output never closed"
        return self.output


def phonehome_exe() -> str:
    exe = Path(sys.executable).with_name("phonehome")
    return str(exe) if exe.exists() else "phonehome"


def mitmdump_exe() -> str:
    exe = Path(sys.executable).with_name("mitmdump")
    return str(exe) if exe.exists() else "mitmdump"
