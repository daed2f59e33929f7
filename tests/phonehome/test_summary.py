"""The summary is readable and hostile captured strings cannot restyle or escape the terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.queries import summary
from phonehome.db.store import Store, Unread
from pytest import MonkeyPatch
from rich.console import Console

from phonehome import summary as summary_module
from phonehome.summary import _domains, render_evidence, render_summary

HOSTILE_HOST = "evil[bold red]x[/].example.com"


def _render(store: Store) -> str:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    render_summary(console, summary(store))
    render_evidence(console, store, None)
    return out.getvalue()


def test_summary_and_evidence_escape_captured_strings(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s.db"))
    try:
        sid = store.open_session("s\x1b[31m", "replay")
        t = datetime(2026, 11, 20, tzinfo=UTC)
        url = "http://tracker.example.com/c?ref=https%3A%2F%2Fnews.example.org%2F%5Bb%5D%1b%5B2J&imei=861234567890127"
        store.write(sid, "d", [
            analyze(Exchange(t, "GET", url, fingerprint="1")),
            Unread(t, HOSTILE_HOST, None, None, "refused"),
        ])  # fmt: skip
        text = _render(store)
    finally:
        store.dispose()
    assert "\x1b" not in text
    assert "\\x1b" in text  # shown, not executed
    assert HOSTILE_HOST in text  # markup printed literally
    assert "1 request to 1 host; 1 carried personal data" in text
    assert "Sent unencrypted" in text and "tracker.example.com" in text
    assert "Refused our certificate" in text
    assert "IMEI (phone hardware ID) 861234567890127" in text


def test_receivers_are_named_by_company() -> None:
    hosts = [
        "a.miui.com",
        "b.miui.com",
        "x.xiaomi.com",
        "g.doubleclick.net",
        "f.facebook.com",
        "z.example.co.uk",
    ]
    # Hosts of one company count once; hosts the entity map doesn't know keep their domain.
    assert _domains(hosts, {}) == "Xiaomi, Google, Meta, example.co.uk"
    assert (
        _domains([*hosts, "a.adjust.com", "b.unknown-tracker.example"], {})
        == "Xiaomi, Google, Meta, example.co.uk (+2)"
    )


def test_receivers_are_named_from_the_stored_domains(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    """After a replay with workers, the summary names receivers from the domains stored with their
    destinations: the public suffix list is not loaded again in the replay's own process."""
    store = Store(str(tmp_path / "s.db"))
    try:
        sid = store.open_session("s", "replay")
        t = datetime(2026, 11, 20, tzinfo=UTC)
        hosts = ["z.example.co.uk", "a.miui.com", "y.shop.example.com.au"]
        store.write(sid, "d", [
            analyze(Exchange(t, "GET", f"https://{h}/c?imei=861234567890127", fingerprint=h)) for h in hosts
        ])  # fmt: skip
        s = summary(store)
    finally:
        store.dispose()
    assert s.host_domains == {"z.example.co.uk": "example.co.uk", "a.miui.com": "miui.com",
                              "y.shop.example.com.au": "example.com.au"}  # fmt: skip

    def no_list(host: str) -> str:
        raise AssertionError(f"registrable_domain({host!r}) was worked out again")

    monkeypatch.setattr(summary_module, "registrable_domain", no_list)
    assert _domains(hosts, s.host_domains) == "example.co.uk, Xiaomi, example.com.au"
    out = io.StringIO()
    render_summary(Console(file=out, width=200, color_system=None), s)
    assert "Xiaomi, example.com.au, example.co.uk" in out.getvalue()  # most findings, then by host
    # A host stored without a destination still gets its domain, worked out then.
    monkeypatch.undo()
    assert _domains(["q.example.co.uk"], s.host_domains) == "example.co.uk"


def test_evidence_prefers_plain_values_and_says_when_a_digest_was_sent(tmp_path: Path) -> None:
    import hashlib

    store = Store(str(tmp_path / "e.db"))
    try:
        sid = store.open_session("e", "replay")
        t = datetime(2026, 11, 20, tzinfo=UTC)
        digest = hashlib.md5(b"861234567890127").hexdigest()
        store.write(
            sid,
            "d",
            # Tencent's ad network documents `muid` as the MD5 of the IMEI.
            [analyze(Exchange(t, "GET", f"https://mi.gdt.qq.com/?muid={digest}", fingerprint="1"))],
        )
        out = io.StringIO()
        render_evidence(Console(file=out, width=200, color_system=None), store, None)
        assert f"{digest} (sent as its MD5 digest)" in out.getvalue()
        store.write(
            sid,
            "d",
            [analyze(Exchange(t, "GET", "https://a.example.com/?imei=861234567890127", fingerprint="2"))],
        )
        out = io.StringIO()
        render_evidence(Console(file=out, width=200, color_system=None), store, None)
        assert "IMEI (phone hardware ID) 861234567890127\n" in out.getvalue()
    finally:
        store.dispose()
