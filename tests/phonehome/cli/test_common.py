"""phonehome.cli.common: the shared options fail as one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

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
