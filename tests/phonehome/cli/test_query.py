"""phonehome.cli.query: findings, flows, destinations and lookup: every format and filter, on SQLite and
PostgreSQL (`demo_db`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.phonehome.cli._run import one_line_error, run


def test_findings_formats_and_filters(demo_db: str) -> None:
    _, out, _ = run("findings", "--db", demo_db, "--format", "jsonl", "--kind", "imei")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["value"], r["hashed"]) for r in rows} == {("868123054172631", None)}
    assert all(r["kind"] == "imei" and r["category"] == "identifier" for r in rows)
    # `imei_md5` in the Pangle request: which value was hashed cannot be seen, so it is a device ID.
    _, out, _ = run("findings", "--db", demo_db, "--format", "jsonl", "--kind", "device_id")
    rows = [json.loads(line) for line in out.splitlines()]
    assert ("1de52eb20562c9ab801f2e71e7d91b1d", "md5") in {(r["value"], r["hashed"]) for r in rows}
    _, out, _ = run(
        "findings", "--db", demo_db, "--format", "csv", "--host", "miui.com", "--category", "browsing"
    )
    table = list(csv.DictReader(io.StringIO(out)))
    assert table and all(r["host"].endswith("miui.com") and r["category"] == "browsing" for r in table)
    assert json.loads(table[0]["encodings"]) == ["form", "base64", "gzip", "json"]
    _, out, _ = run("findings", "--db", demo_db, "--session", "demo", "--kind", "coordinates")
    assert "40.416915,-3.703521" in out and "GPS position" in out
    code, out, _ = run("findings", "--db", demo_db, "--session", "demo", "--host", "nope.example")
    assert code == 0 and out == "No findings match.\n"


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


def test_read_commands_on_an_empty_postgres_database(postgres_url: str) -> None:
    """A server's database exists before anything is stored: reading it says so, and creates nothing."""
    for command in ("findings", "flows", "destinations", "report"):
        code, _, err = run(command, "--db", postgres_url)
        assert code == 2 and "empty database" in one_line_error(err)


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


def test_region_filter_says_which(demo_db: str) -> None:
    code, out, _ = run("findings", "--db", demo_db, "--region", "cn", "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all("CN" in (r["region"], r["entity_region"]) for r in rows)
    assert any(
        r["region"] == "SG" and r["entity_region"] == "CN" for r in rows
    )  # Xiaomi, served from Singapore
    code, out, _ = run("destinations", "--db", demo_db, "--region", "China")
    assert code == 0 and "company region" in out
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


def test_findings_and_flows_never_print_a_password(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze
    from phonehome.db.store import Store

    db = str(tmp_path / "pw.db")
    store = Store(db)
    try:
        sid = store.open_session("pw", "replay")
        ex = Exchange(datetime(2026, 12, 1, tzinfo=UTC), "GET", "https://login.example.org/s?user=a&password=hunter2x",
                      fingerprint="1")  # fmt: skip
        store.write(sid, "pw", [analyze(ex)])
    finally:
        store.dispose()
    for command in ("findings", "flows"):
        for fmt in ("jsonl", "csv", "table"):
            code, out, _ = run(command, "--db", db, "--format", fmt)
            assert code == 0 and "hunter2x" not in out and "login.example.org" in out, (command, fmt)
