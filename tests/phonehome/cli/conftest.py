"""A database holding the demo capture, for the commands that read one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.phonehome.cli._run import run


@pytest.fixture()
def demo_db(tmp_path: Path) -> str:
    db = str(tmp_path / "demo.db")
    code, out, err = run("demo", "--db", db)
    assert code == 0, err
    return db
