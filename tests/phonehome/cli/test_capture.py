"""phonehome.cli.capture: bad arguments are refused before any proxy starts; the database is shown without
its password."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.phonehome.cli._run import one_line_error, run


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert run("findings", "--kind", "shoe_size", "--db", str(tmp_path / "x.db"))[0] == 2
    code, _, err = run("capture", "--ignore-hosts", "([", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "not a valid regular expression" in one_line_error(err)
    code, _, err = run("capture", "--db", str(tmp_path / "missing" / "c.db"))
    assert code == 2 and "does not exist" in one_line_error(err)
    code, _, err = run("capture", "--set", "novalue", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "expected OPTION=VALUE" in one_line_error(err)
    code, _, err = run("capture", "--set", "mode=transparent", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "use --mode regular|wireguard" in one_line_error(err)
    for bad in (
        ("--device", "pixel"),
        ("--device", "pixel=phone.local"),
        ("--device", "a=10.0.0.1", "--device", "b=10.0.0.1"),
    ):
        code, _, err = run("capture", *bad, "--db", str(tmp_path / "c.db"))
        assert code == 2 and one_line_error(err).startswith("phonehome: error: --device")
    code, _, err = run("capture", "--mode", "vpn", "--db", str(tmp_path / "c.db"))
    assert code == 2


@pytest.mark.parametrize("setting", ["nonexistent_option=1", "block_global=maybe", "listen_port=eighty"])
def test_a_bad_set_is_one_line_before_any_proxy_listens(tmp_path: Path, setting: str) -> None:
    """mitmproxy refuses the option while it is being configured: one line of ours, exit 2."""
    code, out, err = run("capture", "--listen-host", "127.0.0.1", "--listen-port", "0", "--set", setting,
                         "--db", str(tmp_path / "c.db"), "--confdir", str(tmp_path / "conf"))  # fmt: skip
    assert code == 2, (out, err)
    assert one_line_error(err).startswith("phonehome: error: --set") and "Listening on" not in out


def test_capture_prints_the_database_without_its_password(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines "Recording to ..." and "Full report: ... --db ..." show the URL with its password masked."""
    import phonehome.addons.embed
    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze
    from phonehome.db.store import Store, WriterStats
    from sqlalchemy.engine import make_url

    def fake_run_capture(config: phonehome.addons.embed.CaptureConfig, ready: Any) -> WriterStats:
        ready(phonehome.addons.embed.Started([("127.0.0.1", 8080)], "pw", None))
        store = Store(config.db)
        try:
            sid = store.open_session("pw", "capture")
            ex = Exchange(datetime(2026, 11, 20, tzinfo=UTC), "GET", "https://t.example/?imei=861234567890127",
                          client_address="192.168.1.9", fingerprint="1")  # fmt: skip
            store.write(sid, "192.168.1.9", [analyze(ex)])
        finally:
            store.dispose()
        return WriterStats(received=1, stored=1, findings=1)

    monkeypatch.setattr(phonehome.addons.embed, "run_capture", fake_run_capture)
    code, out, err = run("capture", "--listen-host", "127.0.0.1", "--db", postgres_url)
    assert code == 0, err
    password = make_url(postgres_url).password
    assert password and password not in out + err
    masked = make_url(postgres_url).render_as_string(hide_password=True)
    assert f"Recording to {masked}, session pw" in out
    assert f"Full report: phonehome report --db {masked} --format html" in out


def _fake_proxy(monkeypatch: pytest.MonkeyPatch, seen: dict[str, Any]) -> None:
    """No proxy starts: the command's own checks and what it prints around the proxy are tested."""
    import phonehome.addons.embed
    from phonehome.db.store import WriterStats

    def fake_run_capture(config: phonehome.addons.embed.CaptureConfig, ready: Any) -> WriterStats:
        seen["config"] = config
        ready(phonehome.addons.embed.Started([(config.listen_host, 8080)], "s", None))
        return WriterStats(
            received=3, stored=3, noted=2, problems=["1 flows lost (example) and no spill file"]
        )

    monkeypatch.setattr(phonehome.addons.embed, "run_capture", fake_run_capture)


@pytest.mark.parametrize(("host", "auth", "warned"), [
    ("0.0.0.0", (), True),
    ("0.0.0.0", ("--proxyauth", "phone:long-password"), False),
    ("0.0.0.0", ("--set", "proxyauth=phone:long-password"), False),
    ("127.0.0.1", (), False),
])  # fmt: skip
def test_listening_everywhere_without_a_password_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, auth: tuple[str, ...], warned: bool
) -> None:
    seen: dict[str, Any] = {}
    _fake_proxy(monkeypatch, seen)
    code, out, err = run("capture", "--listen-host", host, "--db", str(tmp_path / "c.db"), *auth)
    assert code == 0, err
    assert ("it is an open proxy on this network" in " ".join(out.split())) is warned
    if auth[:1] == ("--proxyauth",):
        assert seen["config"].proxyauth == "phone:long-password"


@pytest.mark.parametrize(("quiet", "live"), [((), True), (("--quiet",), False)])
def test_only_a_capture_with_a_view_keeps_counts_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet: tuple[str, ...], live: bool
) -> None:
    """`--quiet` shows no view, so its writer keeps no running counts and reports no findings one
    by one (in a writer process, about a tenth of its work and the proxy's reading of them)."""
    seen: dict[str, Any] = {}
    _fake_proxy(monkeypatch, seen)
    code, _, err = run("capture", "--listen-host", "127.0.0.1", "--db", str(tmp_path / "c.db"), *quiet)
    assert code == 0, err
    assert seen["config"].live is live


def test_the_stop_line_counts_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_proxy(monkeypatch, {})
    code, out, err = run("capture", "--listen-host", "127.0.0.1", "--db", str(tmp_path / "c.db"))
    text = " ".join(out.split())
    assert "Saved 3 flows" in text and "2 of them with a problem noted on the flow" in text
    assert "Problem: 1 flows lost (example) and no spill file" in text


@pytest.mark.parametrize("value", ["nopassword", ":pass"])
def test_a_malformed_proxyauth_is_refused(tmp_path: Path, value: str) -> None:
    code, _, err = run("capture", "--proxyauth", value, "--db", str(tmp_path / "c.db"))
    assert code == 2 and "expected USER:PASS" in one_line_error(err)
