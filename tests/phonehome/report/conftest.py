"""A database with real-looking traffic and hostile strings, for the report tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.models import BlindSpot
from phonehome.db.store import Store, Unread

from phonehome.cli.replay import sample_path
from phonehome.pipeline import replay

XSS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "javascript:window.__pwned=3",
    "</style><script>window.__pwned=4</script>",
    "[click](http://127.0.0.1:9/x) | *bold* `code`",
    "[bold red]markup[/]",
]


def hostile_exchanges() -> list[Exchange]:
    t = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    payload = XSS[0] + XSS[1]
    out = [
        Exchange(t, "GET", f"https://tracking.intl.miui.com/track?imei=861234567890127&note={payload}&q={XSS[3]}",
                 request_headers=(("User-Agent", "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) " + XSS[1]),
                                  ("X-Evil", XSS[0])),
                 server_ip="47.241.125.33", client_address="192.168.1.23", status=200, fingerprint="h1"),
        Exchange(t + timedelta(seconds=30), "POST", "http://weather.example.com/f",
                 request_headers=(("Content-Type", "application/json"),),
                 request_body=('{"lat": 52.520008, "lon": 13.404954, "email": "alice@example.com", "city": "'
                               + XSS[1].replace('"', '\\"') + '", "search": "' + XSS[4] + '"}').encode(),
                 server_ip="198.51.100.7", client_address="192.168.1.23", status=200, fingerprint="h2"),
        Exchange(t + timedelta(seconds=60), "GET",
                 f"https://evil.example/{XSS[5]}?url={XSS[2]}&gaid=38400000-8cf0-11bd-b23e-10b96e40000d",
                 server_ip="203.0.113.9", client_address="192.168.1.23", status=200, fingerprint="h3"),
    ]  # fmt: skip
    # A phone that phones home: every 5 minutes to the same host.
    for i in range(8):
        out.append(Exchange(
            t + timedelta(minutes=5 * i, seconds=2), "POST", "https://data.mistat.intl.xiaomi.com/mistats/v3",
            request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
            request_body=b"android_id=9f3b2c1d4e5f6a7b&model=Redmi+Note+11",
            server_ip="8.219.52.190", client_address="192.168.1.23", status=200, fingerprint=f"p{i}",
        ))  # fmt: skip
    return out


@pytest.fixture()
def hostile_db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "hostile.db")
    store = Store(path)
    sid = store.open_session("hostile <b>session</b>", "capture")
    t = datetime(2026, 11, 20, 9, 1, tzinfo=UTC)
    store.write(sid, "", [analyze(ex) for ex in hostile_exchanges()] + [
        Unread(t, "pinned.example.org" + XSS[0], "192.168.1.23", "203.0.113.10", "client refused " + XSS[1]),
        Unread(t, "quic.example" + XSS[3], "192.168.1.23", None, "QUIC " + XSS[1], BlindSpot.UDP),
    ])  # fmt: skip
    store.dispose()
    yield path


@pytest.fixture()
def sample_db(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "sample.db")
    store = Store(path)
    replay(store, [sample_path()], label="demo")
    store.dispose()
    yield path
