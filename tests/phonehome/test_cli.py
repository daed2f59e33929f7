"""The CLI as a user meets it: exit codes, one-line errors, every format and filter."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from phonehome.cli import main

REAL_EXPORTS = [
    "har_files-charles.har", "har_files-chrome.har", "har_files-firefox.har", "har_files-insomnia.har",
    "har_files-safari.har", "har_files-postdata.har", "har_files-with-bom.har", "har_files-head-content-length.har",
    "flows-websocket.har", "flows-event_stream.har", "flows-error_log.har", "flows-incomplete_log.har",
    "flows-corrupted_gzip_body.har",
]  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("phonehome: error: ")
    return lines[0]


@pytest.mark.parametrize("name", REAL_EXPORTS)
def test_replay_every_real_export(har_clients: Path, tmp_path: Path, name: str) -> None:
    code, out, err = run("replay", str(har_clients / name), "--db", str(tmp_path / "r.db"))
    assert code == 0, err
    assert f"{name}: " in out and "flows imported" in out
    code, out, _ = run("flows", "--db", str(tmp_path / "r.db"), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(r["session"] == name for r in rows)


def test_corrupted_har_is_one_clear_line_and_exit_2(har_clients: Path, tmp_path: Path) -> None:
    code, _, err = run(
        "replay", str(har_clients / "corrupted_har-brokenfile.har"), "--db", str(tmp_path / "r.db")
    )
    assert code == 2
    assert "not a HAR file or mitmproxy flow dump" in one_line_error(err)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    code, _, err = run("replay", str(junk), "--db", str(tmp_path / "r.db"))
    assert code == 2 and "photo.jpg" in one_line_error(err)
    code, _, err = run("replay", str(tmp_path / "absent.har"), "--db", str(tmp_path / "r.db"))
    assert code == 2 and "absent.har" in err


def test_good_file_is_kept_when_another_is_bad(har_clients: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    code, out, err = run(
        "replay",
        str(har_clients / "har_files-chrome.har"),
        str(har_clients / "corrupted_har-brokenfile.har"),
        "--db",
        db,
    )
    assert code == 2 and "corrupted_har-brokenfile.har" in err
    assert "har_files-chrome.har: 3 flows imported" in out
    assert len(run("flows", "--db", db, "--format", "jsonl")[1].splitlines()) == 3


def test_skipped_entries_are_counted_and_exit_1(tmp_path: Path) -> None:
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {"startedDateTime": "2026-11-20T08:00:00Z", "request": {"method": "GET", "url": "https://a.example.com/?imei=861234567890127", "headers": []}, "response": {"status": 200, "headers": []}},
                {"startedDateTime": "2026-11-20T08:00:01Z", "request": {"method": "GET", "headers": []}},
                {"startedDateTime": "2026-11-20T08:00:02Z", "request": {"method": "GET", "url": "/relative", "headers": []}},
            ],
        }
    }  # fmt: skip
    path = tmp_path / "partial.har"
    path.write_text(json.dumps(har))
    code, out, err = run("replay", str(path), "--db", str(tmp_path / "r.db"))
    assert code == 1
    assert "partial.har: 1 flows imported" in out
    assert err.count("skipped 1:") == 2


def test_truncated_har_keeps_entries_before_the_cut(har_clients: Path, tmp_path: Path) -> None:
    data = (har_clients / "har_files-firefox.har").read_bytes()
    cut = tmp_path / "cut.har"
    cut.write_bytes(data[: len(data) // 2])
    code, out, err = run("replay", str(cut), "--db", str(tmp_path / "r.db"))
    assert code == 1
    imported = int(out.split("cut.har: ", 1)[1].split(" flows", 1)[0])
    assert 0 < imported < 14
    assert "rest of file unreadable" in err


def test_replaying_twice_does_not_duplicate(har_clients: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    src = tmp_path / "copy.har"
    shutil.copy(har_clients / "har_files-safari.har", src)
    assert run("replay", str(src), "--db", db)[0] == 0
    code, out, _ = run("replay", str(src), "--db", db)
    assert code == 0 and "0 flows imported, 19 already stored" in out
    assert len(run("flows", "--db", db, "--format", "jsonl")[1].splitlines()) == 19


@pytest.fixture()
def demo_db(tmp_path: Path) -> str:
    db = str(tmp_path / "demo.db")
    code, out, err = run("demo", "--db", db)
    assert code == 0, err
    return db


def test_findings_formats_and_filters(demo_db: str) -> None:
    _, out, _ = run("findings", "--db", demo_db, "--format", "jsonl", "--kind", "imei")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["value"], r["hashed"]) for r in rows} == {
        ("868123054172631", None),
        ("1de52eb20562c9ab801f2e71e7d91b1d", "md5"),  # imei_md5 in the Pangle request
    }
    assert all(r["kind"] == "imei" and r["category"] == "identifier" for r in rows)
    _, out, _ = run(
        "findings", "--db", demo_db, "--format", "csv", "--host", "miui.com", "--category", "browsing"
    )
    table = list(csv.DictReader(io.StringIO(out)))
    assert table and all(r["host"].endswith("miui.com") and r["category"] == "browsing" for r in table)
    assert json.loads(table[0]["encodings"]) == ["form", "base64", "gzip", "json"]
    _, out, _ = run("findings", "--db", demo_db, "--session", "demo", "--kind", "coordinates")
    assert "40.416915,-3.703521" in out and "coordinates" in out
    code, out, _ = run("findings", "--db", demo_db, "--session", "nope")
    assert code == 0 and "No rows match." in out


def test_flows_and_destinations(demo_db: str) -> None:
    _, out, _ = run("flows", "--db", demo_db, "--format", "jsonl", "--kind", "installed_apps")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["host"] for r in rows] == ["data.mistat.intl.xiaomi.com", "globalapi.ad.xiaomi.com"]
    _, out, _ = run("destinations", "--db", demo_db, "--format", "jsonl")
    dests = {d["host"]: d for d in map(json.loads, out.splitlines())}
    assert dests["sa.api.intl.miui.com"]["domain"] == "miui.com"
    assert "visited_url" in dests["sa.api.intl.miui.com"]["kinds"]
    _, out, _ = run("destinations", "--db", demo_db, "--format", "csv")
    assert out.splitlines()[0].startswith("host,domain,ip,country,asn,as_org,anycast")
    _, out, _ = run("flows", "--db", demo_db, "--host", "api.nimbusweather.io")
    assert "api.nimbusweather.io" in out


def test_read_commands_need_a_database(tmp_path: Path) -> None:
    for command in ("findings", "flows", "destinations"):
        code, _, err = run(command, "--db", str(tmp_path / "none.db"))
        assert code == 2 and "no database at" in one_line_error(err)


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert run("findings", "--kind", "shoe_size", "--db", str(tmp_path / "x.db"))[0] == 2
    code, _, err = run("capture", "--ignore-hosts", "([", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "not a valid regular expression" in one_line_error(err)
    code, _, err = run("capture", "--db", str(tmp_path / "missing" / "c.db"))
    assert code == 2 and "does not exist" in one_line_error(err)
    code, _, err = run("capture", "--set", "novalue", "--db", str(tmp_path / "c.db"))
    assert code == 2 and "expected OPTION=VALUE" in one_line_error(err)


def test_demo_prints_the_answer_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("demo")
    assert code == 0, err
    assert "51 requests to 38 hosts" in out
    assert "What was sent, and to whom" in out and "IMEI" in out and "xiaomi.com" in out
    assert "form → base64 → gzip → json" in out
    assert "Sent unencrypted" in out
    assert list(tmp_path.iterdir()) == []


def test_every_command_has_an_example_in_its_help() -> None:
    for name, command in main.commands.items():
        assert "Example:" in (command.help or ""), name


def test_known_values_on_replay_and_reanalyze(tmp_path: Path) -> None:
    import hashlib

    imei = "861234567890127"
    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {"startedDateTime": "2026-11-20T08:00:00Z",
                 "request": {"method": "GET", "headers": [],
                             "url": f"https://ads.example.com/p?h={hashlib.md5(imei.encode()).hexdigest().upper()}"},
                 "response": {"status": 200, "headers": []}},
            ],
        }
    }  # fmt: skip
    path = tmp_path / "hashed.har"
    path.write_text(json.dumps(har))
    known = tmp_path / "me.toml"
    known.write_text(f'imei = ["{imei}"]\n')
    db = str(tmp_path / "k.db")

    assert run("replay", str(path), "--db", db)[0] == 0
    assert run("findings", "--db", db, "--format", "jsonl")[1] == ""  # an opaque digest, unkeyed
    code, out, _ = run("reanalyze", "--db", db, "--known", str(known))
    assert code == 0 and "Re-analysed 1 flows: 0 findings before, 1 now." in out
    row = json.loads(run("findings", "--db", db, "--format", "jsonl")[1])
    assert (row["kind"], row["value"], row["source"], row["hashed"]) == ("imei", imei, "known", "md5")

    db2 = str(tmp_path / "k2.db")
    assert run("replay", str(path), "--db", db2, "--known", str(known))[0] == 0
    assert json.loads(run("findings", "--db", db2, "--format", "jsonl")[1])["source"] == "known"


def test_bad_known_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('imei = ["12345"]\n')
    for args in (["replay", str(bad)], ["capture"], ["reanalyze"]):
        code, _, err = run(*args, "--known", str(bad), "--db", str(tmp_path / "x.db"))
        assert code == 2 and "not an IMEI" in one_line_error(err), args


def test_progress_bar_on_a_terminal(
    har_clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from phonehome.classifiers.destinations.place import Destinations
    from phonehome.db.store import Store

    from phonehome.cli import _replay_with_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    store = Store(str(tmp_path / "p.db"))
    try:
        report = _replay_with_progress(
            store, [str(har_clients / "har_files-firefox.har")], None, None, Destinations(), None
        )
    finally:
        store.dispose()
    assert report.stored == 14
    assert "har_files-firefox.har" in screen.getvalue()  # the bar was drawn, named after the file


# -- destinations, lookup, reports ------------------------------------------------------------------


def test_lookup_formats_and_errors() -> None:
    code, out, _ = run("lookup", "--format", "json", "data.mistat.intl.xiaomi.com", "8.8.8.8", "77.88.55.242")
    assert code == 0
    rows = json.loads(out)
    assert [r["entity"] for r in rows] == ["Xiaomi", None, None]
    assert rows[1]["country"] == "anycast" and rows[2]["country"] == "RU"
    code, out, _ = run("lookup", "data.mistat.intl.xiaomi.com")
    assert code == 0 and "MiStat" in out and "Xiaomi Corporation" in out
    code, out, _ = run("lookup", "--format", "jsonl", "161.117.98.14")
    assert code == 0 and json.loads(out)["country"] == "SG"
    code, _, err = run("lookup", "not a host")
    assert code == 2 and "is not a host name or IP address" in one_line_error(err)


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


def test_region_filter_says_which(demo_db: str) -> None:
    code, out, _ = run("findings", "--db", demo_db, "--region", "cn", "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all("CN" in (r["region"], r["entity_region"]) for r in rows)
    assert any(
        r["region"] == "SG" and r["entity_region"] == "CN" for r in rows
    )  # Xiaomi, served from Singapore
    code, out, _ = run("destinations", "--db", demo_db, "--region", "China")
    assert code == 0 and "entity_region" in out
    code, _, err = run("flows", "--db", demo_db, "--region", "mars")
    assert code == 2 and "unknown region 'mars'" in err


def test_redact_on_analysis_exports(demo_db: str) -> None:
    _, full, _ = run("findings", "--db", demo_db, "--kind", "advertising_id", "--format", "jsonl")
    _, masked, _ = run(
        "findings", "--db", demo_db, "--kind", "advertising_id", "--format", "jsonl", "--redact"
    )
    values = {json.loads(line)["value"] for line in full.splitlines()}
    assert values and not any(v in masked for v in values)
    _, flows_masked, _ = run("flows", "--db", demo_db, "--format", "jsonl", "--redact")
    assert not any(v in flows_masked for v in values)


def test_replay_resolve_is_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import phonehome.resolve

    har = tmp_path / "noip.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-20T09:00:00Z", "time": 1,
        "request": {"method": "GET", "url": "https://yandex.ru/search?text=x", "httpVersion": "HTTP/1.1",
                    "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}]}}))  # fmt: skip
    asked: list[str] = []
    monkeypatch.setattr(phonehome.resolve, "system_lookup", lambda host: asked.append(host) or "77.88.55.242")
    db = str(tmp_path / "r.db")
    run("replay", str(har), "--db", db, "--label", "plain")
    assert asked == []
    _, out, _ = run("destinations", "--db", db, "--format", "jsonl")
    assert (
        json.loads(out)["country"] == "unknown (no server address)" and json.loads(out)["entity"] == "Yandex"
    )
    db2 = str(tmp_path / "r2.db")
    run("replay", str(har), "--db", db2, "--resolve")
    assert asked == ["yandex.ru"]
    _, out, _ = run("flows", "--db", db2, "--format", "jsonl")
    row = json.loads(out)
    assert row["server_ip"] == "77.88.55.242" and row["country"] == "RU"
    assert any("--resolve" in n for n in row["notes"])


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
    assert code == 2 and "nothing stored" in one_line_error(err)


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
