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
        ready([("127.0.0.1", 8080)], "pw")
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
