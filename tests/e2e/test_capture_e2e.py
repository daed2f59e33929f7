"""`phonehome capture` and `mitmdump -s addons/phonehome.py` as a user runs them, through real TLS.

Everything listens on 127.0.0.1: a local HTTPS server whose CA mitmproxy is told to trust, a
plain HTTP server, and the proxy on a free port reported by the proxy itself.
"""

from __future__ import annotations

import json
import os
import ssl
import stat
import urllib.parse
from pathlib import Path

import httpx
import pytest
from phonehome.db.queries import Filters, findings, flows
from phonehome.db.store import Store

from tests.e2e.conftest import Proxy, Servers, TestCA, mitmdump_exe, phonehome_exe, wait_for_rows

IMEI = "861234567890127"  # Luhn-valid
GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
EMAIL = "alice@example.com"
MAC = "a4:50:46:12:34:56"


def _client(proxy: Proxy, cafile: Path) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(cafile))
    # A per-operation deadline, generous for a loaded machine; a healthy request takes milliseconds.
    return httpx.Client(proxy=proxy.url, verify=context, trust_env=False, timeout=60)


def _start_capture(tmp_path: Path, test_ca: TestCA, *extra: str) -> tuple[Proxy, Path, Path]:
    db = tmp_path / "capture.db"
    confdir = tmp_path / "mitmproxy"
    proxy = Proxy(
        [
            phonehome_exe(), "capture", "--listen-host", "127.0.0.1", "--listen-port", "0",
            "--db", str(db), "--confdir", str(confdir), "--label", "e2e",
            "--set", f"ssl_verify_upstream_trusted_ca={test_ca.ca_pem}", *extra,
        ],
        ready_marker="Listening on",
    )  # fmt: skip
    return proxy, db, confdir


def test_capture_records_https_and_http_flows_with_findings(
    tmp_path: Path, test_ca: TestCA, servers: Servers
) -> None:
    proxy, db, confdir = _start_capture(tmp_path, test_ca, "--ignore-hosts", r"^localhost$")
    try:
        mitm_ca = confdir / "mitmproxy-ca-cert.pem"
        with _client(proxy, mitm_ca) as client:
            r1 = client.get(f"{servers.https_url}/v1/track?imei={IMEI}&gaid={GAID}")
            r2 = client.post(
                f"{servers.https_url}/api/login",
                json={"user": {"email": EMAIL, "wifi": {"mac": MAC}}, "lat": "22.5431", "lon": "114.0579"},
            )
            r3 = client.post(
                f"{servers.http_url}/collect",
                content=urllib.parse.urlencode(
                    {"ref": "https://news.example.org/story?id=7", "q": "cheap flights"}
                ),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert (r1.status_code, r2.status_code, r3.status_code) == (200, 200, 200)
        # The ignored host is tunnelled untouched: the client must trust the real server's CA.
        with _client(proxy, test_ca.ca_pem) as direct:
            r4 = direct.get(f"https://localhost:{servers.https_port}/ignored?imei={IMEI}")
        assert r4.status_code == 200
        # Plain HTTP to an ignored host is forwarded but not recorded either.
        http_port = servers.http_url.rsplit(":", 1)[1]
        with _client(proxy, mitm_ca) as plain:
            assert plain.get(f"http://localhost:{http_port}/ignored-plain?imei={IMEI}").status_code == 200
        assert sum(1 for _, path, _ in servers.received if path.startswith("/ignored")) == 2
        # A client that does not trust our CA (a pinned app, or no CA installed) refuses the handshake.
        with _client(proxy, test_ca.ca_pem) as untrusting, pytest.raises(httpx.ConnectError):
            untrusting.get(f"{servers.https_url}/pinned")
        # The client has its error before the proxy records the refusal: let it, then stop.
        wait_for_rows(db, "blind_spots", 1)
    finally:
        output = proxy.stop()

    assert proxy.proc.returncode == 0, output
    assert "Stopped. Saved 3 flows" in output, output
    assert "http://mitm.it" in output
    assert "What was sent, and to whom" in output and "Refused our certificate" in output
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600

    store = Store(str(db), create=False)
    try:
        rows = list(flows(store, Filters(session="e2e")))
        paths = sorted(urllib.parse.urlsplit(r["url"]).path for r in rows)
        assert paths == ["/api/login", "/collect", "/v1/track"]
        assert not any("ignored" in r["url"] for r in rows)  # passed through, not stored
        by_path = {urllib.parse.urlsplit(r["url"]).path: r for r in rows}
        assert by_path["/v1/track"]["tls"] is True and by_path["/collect"]["tls"] is False
        assert all(r["server_ip"] == "127.0.0.1" and r["status"] == 200 for r in rows)

        found = {(f["kind"], f["value"]) for f in findings(store, Filters(session="e2e"))}
        assert ("imei", IMEI) in found
        assert ("advertising_id", GAID) in found
        assert ("email", EMAIL) in found
        assert ("mac_address", MAC) in found
        assert ("coordinates", "22.5431,114.0579") in found
        assert ("visited_url", "https://news.example.org/story?id=7") in found
        assert ("search_query", "cheap flights") in found
        email = next(f for f in findings(store, Filters(kind="email")))
        assert (email["where"], email["path"], email["encodings"]) == ("body", "user.email", ["json"])

        with store.engine.connect() as conn:
            failures = conn.exec_driver_sql("SELECT host, error FROM blind_spots").all()
        assert [h for h, _ in failures] == ["127.0.0.1"]

        # The captured session, as a report: served locally, the refusal a blind spot, values masked.
        from phonehome.report.build import build_report

        report = build_report(store, session="e2e")
        (device,) = report["devices"]
        assert {c["country"] for c in device["server_countries"]} == {"local"}
        assert [t["host"] for t in device["blind_spots"]["tls_refused"]] == ["127.0.0.1"]
        assert "/collect" in " ".join(e["request"] for e in device["evidence"]["items"])
        assert IMEI not in json.dumps(report) and EMAIL not in json.dumps(report)
    finally:
        store.dispose()


def test_ctrl_c_flushes_everything_queued(tmp_path: Path, test_ca: TestCA, servers: Servers) -> None:
    proxy, db, confdir = _start_capture(tmp_path, test_ca)
    try:
        with _client(proxy, confdir / "mitmproxy-ca-cert.pem") as client:
            for i in range(60):
                client.post(f"{servers.http_url}/batch/{i}", json={"email": f"user{i}@example.com"})
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    store = Store(str(db), create=False)
    try:
        assert len(list(flows(store, Filters()))) == 60
        assert len(list(findings(store, Filters(kind="email")))) == 60
    finally:
        store.dispose()


def test_mitmdump_script_entry(tmp_path: Path, test_ca: TestCA, servers: Servers) -> None:
    """The same capture as a plain mitmproxy script: `mitmdump -s addons/phonehome.py`."""
    db = tmp_path / "script.db"
    confdir = tmp_path / "mitmproxy"
    script = Path(__file__).resolve().parents[2] / "addons" / "phonehome.py"
    proxy = Proxy(
        [
            mitmdump_exe(), "--listen-host", "127.0.0.1", "--listen-port", "0", "--set", "flow_detail=0",
            "--set", f"confdir={confdir}", "--set", f"ssl_verify_upstream_trusted_ca={test_ca.ca_pem}",
            "-s", str(script), "--set", f"phonehome_db={db}", "--set", "phonehome_label=script",
        ],
        ready_marker="proxy listening at",
    )  # fmt: skip
    try:
        with _client(proxy, confdir / "mitmproxy-ca-cert.pem") as client:
            assert client.get(f"{servers.https_url}/s?imei={IMEI}").status_code == 200
    finally:
        output = proxy.stop()
    assert proxy.proc.returncode == 0, output
    store = Store(str(db), create=False)
    try:
        rows = [json.loads(json.dumps(f)) for f in findings(store, Filters(session="script"))]
        assert [(r["kind"], r["value"], r["where"]) for r in rows] == [("imei", IMEI, "query")]
    finally:
        store.dispose()
