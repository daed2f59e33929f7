"""phonehome.cli.report: report, diff and export from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.phonehome.cli._run import one_line_error, run


def test_report_formats(demo_db: str, tmp_path: Path) -> None:
    code, out, _ = run("report", "--db", demo_db)
    assert code == 0 and out.startswith("Your phone sent")
    code, out, _ = run("report", "--db", demo_db, "--format", "json")
    assert json.loads(out)["redacted"] is True
    code, out, _ = run("report", "--db", demo_db, "--format", "md", "--session", "demo")
    assert code == 0 and out.startswith("# What the phone sent")
    target = tmp_path / "r.html"
    code, _, err = run("report", "--db", demo_db, "--format", "html", "-o", str(target))
    assert code == 0 and "redacted" in err
    assert target.read_text().startswith("<!doctype html>") and (target.stat().st_mode & 0o777) == 0o600
    code, _, err = run("report", "--db", demo_db, "--session", "nope")
    assert code == 2 and "no session 'nope'" in one_line_error(err)


def test_report_declared(demo_db: str, tmp_path: Path) -> None:
    declared = tmp_path / "d.toml"
    declared.write_text('[[declared]]\nwho = "Xiaomi"\ndata_types = ["Device or other IDs"]\n')
    code, out, _ = run("report", "--db", demo_db, "--format", "md", "--declared", str(declared))
    assert code == 0 and "NOT DECLARED" in out
    declared.write_text("[[declared]]\nwho = 3\n")
    code, _, err = run("report", "--db", demo_db, "--declared", str(declared))
    assert code == 2 and "needs a 'who'" in one_line_error(err)


def test_diff_and_export(demo_db: str, tmp_path: Path) -> None:
    code, _, err = run("diff", "--db", demo_db, "--session", "demo")
    assert code == 2 and "exactly two sessions" in one_line_error(err)
    code, _, err = run("diff", "--db", demo_db, "--session", "demo", "--session", "later")
    assert code == 2 and "no session 'later'" in one_line_error(err)
    code, out, _ = run("diff", "--db", demo_db, "--session", "demo", "--session", "demo", "--format", "json")
    assert code == 0 and json.loads(out)["kinds"]["appeared"] == []
    target = tmp_path / "x.har"
    code, _, err = run("export", "--db", demo_db, "--host", "miui.com", "-o", str(target))
    assert code == 0 and "redacted" in err
    entries = json.loads(target.read_text())["log"]["entries"]
    assert entries and all("miui.com" in e["request"]["url"] for e in entries)
    code, _, err = run("export", "--db", demo_db, "-o", str(tmp_path / "missing-dir" / "x.har"))
    assert code == 2 and "cannot write" in one_line_error(err)
