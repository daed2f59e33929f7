"""phonehome.cli.capture: bad arguments are refused before any proxy starts."""

from __future__ import annotations

from pathlib import Path

from tests.phonehome.cli._run import one_line_error, run


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert run("findings", "--kind", "shoe_size", "--db", str(tmp_path / "x.db"))[0] == 2
    code, _, err = run("capture", "--ignore-hosts", "([", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "not a valid regular expression" in one_line_error(err)
    code, _, err = run("capture", "--db", str(tmp_path / "missing" / "c.db"))
    assert code == 2 and "does not exist" in one_line_error(err)
    code, _, err = run("capture", "--set", "novalue", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "expected OPTION=VALUE" in one_line_error(err)
