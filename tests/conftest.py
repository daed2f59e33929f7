"""Fixtures shared across the suite: the package as a user installs it, and a database of each kind.

`db_url` runs a test on SQLite and on a real PostgreSQL server: a fresh database per test on the
server named by $PHONEHOME_TEST_POSTGRES (an SQLAlchemy URL whose role may create databases;
`.ci/run` starts one).  Without it the PostgreSQL half is skipped, except under
PHONEHOME_REQUIRE_POSTGRES=1 (CI), where it fails: CI never skips it silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: CI runs a fixed, repeatable set of cases (derandomized, so a run that passed
# passes again); HYPOTHESIS_PROFILE=fuzz runs many more, freshly drawn, for a long local search.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]

# What a build reads: everything else (tests, docs, benchmarks, .git, a local venv) stays behind,
# so the build never races another run's files in the checkout.
_BUILD_INPUTS = (
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "phonehome",
    "classifiers",
    "db",
    "addons",
    "examples",
)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would install, built offline from a copy of the sources."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in _BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("phonehome-*.whl")
    return built


@pytest.fixture(scope="session")
def installed_copy(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked as site-packages would hold it (a pure-Python wheel is a zip of the tree)."""
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def _postgres_database() -> Iterator[str]:
    base = os.environ.get("PHONEHOME_TEST_POSTGRES", "")
    if not base:
        if os.environ.get("PHONEHOME_REQUIRE_POSTGRES") == "1":
            pytest.fail("PHONEHOME_REQUIRE_POSTGRES=1 but PHONEHOME_TEST_POSTGRES is not set")
        pytest.skip("set PHONEHOME_TEST_POSTGRES to a PostgreSQL URL to run this on PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"phonehome_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE ends any connection the test left open (a store it did not dispose of).
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
    else:
        yield from _postgres_database()


@pytest.fixture()
def postgres_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database, for tests that only make sense there."""
    yield from _postgres_database()


@pytest.fixture()
def other_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second new, empty database of the same kind as `db_url`, for a test that compares two."""
    if "://" not in db_url:
        yield str(tmp_path / "other.db")
    else:
        yield from _postgres_database()
