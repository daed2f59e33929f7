"""The embedded master: starts on a free port, reports it, stops from another thread, flushes."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from phonehome.addons.embed import CaptureConfig, Started, host_pattern, run_capture
from phonehome.db.queries import Filters, flows
from phonehome.db.store import Store


@pytest.mark.parametrize("live", [True, False])
def test_embedded_capture_reports_port_and_flushes_on_shutdown(tmp_path: Path, live: bool) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready = threading.Event()
    seen: dict[str, object] = {}
    masters: list = []  # type: ignore[type-arg]

    def on_ready(info: Started) -> None:
        seen["addrs"], seen["label"], seen["tally"] = info.addrs, info.session, info.tally
        ready.set()

    config = CaptureConfig(
        db=str(tmp_path / "e.db"),
        listen_host="127.0.0.1",
        listen_port=0,
        confdir=str(tmp_path / "conf"),
        label="emb",
        live=live,
    )
    result: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("stats", run_capture(config, on_ready, masters))
    )
    thread.start()
    try:
        assert ready.wait(30), "the proxy never reported that it was listening"
        ((host, port),) = seen["addrs"]  # type: ignore[misc]
        assert host == "127.0.0.1" and port > 0 and seen["label"] == "emb"
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", trust_env=False) as client:
            for i in range(5):
                assert (
                    client.get(
                        f"http://127.0.0.1:{server.server_address[1]}/p{i}?email=e{i}@example.com"
                    ).status_code
                    == 204
                )
    finally:
        masters[0].shutdown()
        thread.join(30)
        server.shutdown()
    stats = result["stats"]
    assert stats is not None and stats.stored == 5 and stats.findings == 5  # type: ignore[attr-defined]
    if live:  # the running counts a live view reads agree with what was stored
        counts = seen["tally"].snapshot()  # type: ignore[attr-defined]
        assert counts.flows == 5 and counts.findings == 5 and dict(counts.kinds) == {"email": 5}
    else:  # no view (`capture --quiet`): none kept, and every flow stored all the same
        assert seen["tally"] is None
    store = Store(config.db, create=False)
    try:
        assert len(list(flows(store, Filters(session="emb")))) == 5
    finally:
        store.dispose()


def test_host_pattern_anchors_the_host_not_the_port() -> None:
    import re

    pattern = host_pattern(r"(^|\.)mybank\.com$")
    assert re.search(pattern, "api.mybank.com:443")
    assert not re.search(pattern, "mybank.com.evil.net:443")
    assert host_pattern(r"^ads\.") == r"^ads\."
    assert host_pattern(r"cost\$") == r"cost\$"
