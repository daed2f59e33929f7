"""phonehome.cli.common: the shared options fail as one line with exit code 2; a --db URL is printed
with its password masked."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from phonehome.cli.common import shown_db, without_password
from tests.phonehome.cli._run import one_line_error, run


def test_bad_known_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('imei = ["12345"]\n')
    for args in (["replay", str(bad)], ["capture"], ["reanalyze"]):
        code, _, err = run(*args, "--known", str(bad), "--db", str(tmp_path / "x.db"))
        assert code == 2 and "not an IMEI" in one_line_error(err), args


def test_bad_geo_database_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"nope")
    for args in (
        ["lookup", "8.8.8.8", "--geoip-db", str(junk)],
        ["replay", "x.har", "--asn-db", str(tmp_path / "no.mmdb")],
    ):
        code, _, err = run(*args)
        assert code == 2
        one_line_error(err)


@pytest.mark.parametrize(
    ("db", "shown"),
    [
        ("phonehome.db", "phonehome.db"),
        ("lab/my phone.db", "lab/my phone.db"),
        ("sqlite:///lab.db", "sqlite:///lab.db"),
        ("postgresql://u@db.example/ph", "postgresql://u@db.example/ph"),
        (
            "postgresql+psycopg://u:hunter22@db.example:5432/ph",
            "postgresql+psycopg://u:***@db.example:5432/ph",
        ),
        ("postgresql://u:p%40ss%2Fword@db.example/ph", "postgresql://u:***@db.example/ph"),
        ("postgresql://u:hunter22@db.example:notaport/ph", "postgresql://u:***@db.example:notaport/ph"),
    ],
)
def test_shown_db_masks_only_the_password(db: str, shown: str) -> None:
    assert shown_db(db) == shown


def test_without_password_masks_the_url_and_the_password_anywhere() -> None:
    db = "postgresql://u:p%40ssword@db.example:notaport/ph"
    message = f"not a database path or URL: {db!r} (port 'notaport' is not a number; password p@ssword)"
    masked = without_password(message, db)
    assert "p%40ssword" not in masked and "p@ssword" not in masked
    assert "postgresql://u:***@db.example:notaport/ph" in masked
    assert without_password("cannot create database x.db", "x.db") == "cannot create database x.db"
    # A short password is masked in the URL, not in every word it happens to be part of.
    assert without_password("no session in postgresql://u:ab@h/d", "postgresql://u:ab@h/d") == (
        "no session in postgresql://u:***@h/d"
    )


@pytest.fixture()
def password_url(postgres_url: str) -> Iterator[str]:
    """`postgres_url` reached as a role of its own with a long random password, which no output may show."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    role, password = f"phonehome_pw_{secrets.token_hex(6)}", secrets.token_hex(20)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
            conn.execute(text(f'ALTER DATABASE "{url.database}" OWNER TO {role}'))
        try:
            yield url.set(username=role, password=password).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"REASSIGN OWNED BY {role} TO CURRENT_USER"))
                conn.execute(text(f"DROP OWNED BY {role}"))
                conn.execute(text(f"DROP ROLE {role}"))
    finally:
        admin.dispose()


def test_no_command_prints_the_database_password(password_url: str, har_clients: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(password_url)
    password = url.password
    assert isinstance(password, str) and len(password) == 40
    masked = url.render_as_string(hide_password=True)
    with socket.socket() as s:  # a port nothing listens on: the server is unreachable there
        s.bind(("127.0.0.1", 0))
        unreachable = url.set(host="127.0.0.1", port=s.getsockname()[1]).render_as_string(hide_password=False)
    har = str(har_clients / "har_files-chrome.har")
    runs = [
        (("demo", "--db", password_url), 0, True),  # "Explore it: phonehome findings --db ..."
        (("replay", har, "--db", password_url, "--label", "chrome"), 0, True),  # "Full report: ..."
        (("findings", "--db", password_url), 0, False),
        (("reanalyze", "--db", password_url), 0, False),
        (("report", "--db", password_url, "--format", "md"), 0, False),
        (("diff", "--db", password_url, "--session", "demo", "--session", "nope"), 2, True),
        (("findings", "--db", unreachable), 2, True),  # "cannot open database URL: ..."
        (("replay", har, "--db", unreachable), 2, True),
        (("capture", "--db", unreachable), 2, True),
        (("flows", "--db", password_url.replace("@", "@[", 1)), 2, False),  # not a URL at all
    ]
    for args, code, shows_db in runs:
        got, out, err = run(*args)
        assert got == code, (args, err)
        assert password not in out + err, args
        if shows_db:
            assert "***@" in out + err, (args, out, err)
    assert masked in run("demo", "--db", password_url)[1]


def test_an_older_database_is_said_to_be_updated_before_it_is(tmp_path: Path) -> None:
    """Moving a big database forward takes a while (schema 11 rebuilds SQLite's findings): a command
    says so on stderr first, once, and says nothing of the kind for a database already current."""
    from alembic import command
    from phonehome.db.models import SCHEMA_VERSION
    from phonehome.db.store import REVISIONS, Store, alembic_config
    from sqlalchemy import text

    db = str(tmp_path / "old.db")
    store = Store(db)
    try:
        store.open_session("lab", "replay")
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), REVISIONS[SCHEMA_VERSION - 1])
            conn.execute(
                text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": SCHEMA_VERSION - 1}
            )
    finally:
        store.dispose()
    code, out, err = run("sessions", "--db", db)
    assert code == 0 and "lab" in out
    assert err.count("phonehome: updating ") == 1
    assert f"from schema {SCHEMA_VERSION - 1} to {SCHEMA_VERSION}" in err and "old.db" in err
    code, out, err = run("sessions", "--db", db)
    assert code == 0 and "updating" not in err


@pytest.mark.parametrize(("cores", "workers", "capture"), [(1, 1, 1), (2, 1, 1), (4, 3, 2), (16, 15, 14)])
def test_default_workers_leave_the_commands_own_process_its_core(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int, capture: int
) -> None:
    """A replay's process reads and stores (about a core); a capture's proxy and writer take two,
    and a capture always has a classifier process."""
    from phonehome.db import workers as pool
    from phonehome.db import writerprocess

    from phonehome.cli import common

    monkeypatch.setattr(pool, "cores", lambda: cores)
    monkeypatch.setattr(writerprocess, "cores", lambda: cores)
    assert common.default_workers() == workers
    assert writerprocess.default_classifiers() == capture
