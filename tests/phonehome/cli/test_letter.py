"""phonehome letter: the command on a real stored capture (the demo), its exit codes and its file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.phonehome.cli._run import one_line_error, run

GAID = "3f6c1e2a-9b7d-4c58-a1e3-6d2f0b9c8a47"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("letter-cli") / "demo.db")
    code, _, err = run("demo", "--db", path)
    assert code == 0, err
    return path


@pytest.mark.parametrize("law", ["gdpr", "ccpa"])
@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_letter_to_a_company_present(db: str, law: str, fmt: str) -> None:
    code, out, err = run("letter", "--company", "Google", "--db", db, "--law", law, "--format", fmt,
                         "--date", "2026-12-01")  # fmt: skip
    assert code == 0, err
    assert out.count("2026-12-01") == 1 and "Google LLC" in out
    assert ("Article 15" in out) == (law == "gdpr") and ("1798.110" in out) == (law == "ccpa")
    assert ("\\[Your name\\]" in out) == (fmt == "markdown")
    assert GAID not in out and "advertising ID" in out


def test_include_shows_the_named_identifiers(db: str) -> None:
    code, out, _ = run("letter", "--company", "meta", "--db", db, "--include", "advertising_id")
    assert code == 0 and GAID in out
    code, out, _ = run("letter", "--company", "Meta Platforms, Inc.", "--db", db, "--include", GAID)
    assert code == 0 and GAID in out
    code, out, err = run("letter", "--company", "meta", "--db", db, "--include", "imei")
    assert code == 0 and GAID not in out
    assert "--include 'imei' matched nothing" in err


def test_unknown_company_is_one_line_with_the_closest(db: str) -> None:
    code, out, err = run("letter", "--company", "Gooogle", "--db", db)
    assert code == 2 and not out
    line = one_line_error(err)
    assert "no company 'Gooogle'" in line and "Google" in line


def test_absent_company_writes_nothing(db: str, tmp_path: Path) -> None:
    target = tmp_path / "tencent.md"
    code, out, err = run("letter", "--company", "Tencent", "--db", db, "-o", str(target))
    assert code == 1 and not out and not target.exists()
    assert len(err.strip().splitlines()) == 1 and "Tencent received nothing" in err
    code, _, err = run("letter", "--company", "ByteDance", "--db", db)
    assert code == 1 and "--with-subsidiaries" in err
    code, out, _ = run("letter", "--company", "ByteDance", "--db", db, "--with-subsidiaries")
    assert code == 0 and "Bytedance Pte. Ltd." in out


def test_output_file_is_private_and_announced(db: str, tmp_path: Path) -> None:
    target = tmp_path / "google.md"
    code, out, err = run(
        "letter", "--company", "Google", "--db", db, "-o", str(target), "--date", "2026-12-01"
    )
    assert code == 0 and not out
    assert f"Wrote {target}" in err and "GDPR" in err
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert "Article 15" in target.read_text(encoding="utf-8")


def test_bad_arguments(db: str) -> None:
    code, _, err = run("letter", "--company", "Google", "--db", db, "--date", "yesterday")
    assert code == 2 and "not a date" in err
    code, _, err = run("letter", "--company", "Google", "--db", db, "--session", "nope")
    assert code == 2 and "no session 'nope'" in one_line_error(err)
    code, _, err = run("letter", "--db", db)
    assert code == 2 and "--company" in err
