"""A database holding the demo capture, for the commands that read one: a SQLite file and a PostgreSQL
database (`db_url`), since the CLI takes an SQLAlchemy URL anywhere it takes --db."""

from __future__ import annotations

import pytest

from tests.phonehome.cli._run import run


@pytest.fixture()
def demo_db(db_url: str) -> str:
    code, out, err = run("demo", "--db", db_url)
    assert code == 0, err
    return db_url
