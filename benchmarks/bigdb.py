"""Queries on a big database: the commands people run, timed on 1,000,000 flows and 3,000,000 findings.

    python benchmarks/bigdb.py [--db /tmp/phonehome-bigdb.sqlite] [--flows 1000000] [--rebuild]
    python benchmarks/bigdb.py --db postgresql+psycopg://user:pw@host:port/phonehome_bigdb

Builds the database once (kept at --db; built again with --rebuild or when its size differs) by
inserting rows directly, not through the classifier: 20 sessions of three devices each over 20 days,
3,000 hosts with their countries and companies (the shipped entity map's domains and unknown ones),
flows spread over them (a few hosts get most of the traffic, as on a phone), three findings per flow
on average of realistic kinds with a few hundred values per kind (some repeated heavily), blind spots.

Then runs each command as a user does, each in its own process (`phonehome ...`, output to
/dev/null or a file), and prints one line per command: wall time, the time to its first output
line (what a terminal shows first), the rows it printed and the command's peak RSS (its own, not
this script's: started by the launcher of benchmarks/_common.py), and finally a one-line verdict:
every interactive command under 2 s and the report under 300 MB.
Listing all 3,000,000 findings is timed too, as a rate: streaming them cannot take under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import installed_bytecode, launched, read_launched  # noqa: E402

TMP = Path(tempfile.gettempdir())
SESSIONS = 20
DEVICES = ("pixel-7", "galaxy-s21", "10.0.0.23")
HOSTS = 3000
SPAN = timedelta(hours=22)  # each session's flows spread over most of a day
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
LIMIT_S = 2.0
LIMIT_MB = 300.0

# kind -> (category, how a value looks); a few hundred values each, drawn unevenly.
KINDS: dict[str, tuple[str, Any]] = {
    "advertising_id": ("identifier", lambda r, i: str(uuid.UUID(int=r.getrandbits(128), version=4))),
    "android_id": ("identifier", lambda r, i: f"{r.getrandbits(64):016x}"),
    "imei": ("identifier", lambda r, i: f"86{r.randrange(10**13):013d}"),
    "device_id": ("identifier", lambda r, i: f"did-{i:06d}-{r.randrange(10**6):06d}"),
    "mac_address": (
        "identifier",
        lambda r, i: "a4:50:46:" + ":".join(f"{(i >> s) & 255:02x}" for s in (16, 8, 0)),
    ),
    "serial_number": ("identifier", lambda r, i: f"R58M{i:07d}"),
    "tracking_id": ("identifier", lambda r, i: f"GA1.2.{r.randrange(10**9)}.{1700000000 + i}"),
    "coordinates": ("location", lambda r, i: f"{22 + i / 997:.4f},{114 + i / 991:.4f}"),
    "cell_tower": ("location", lambda r, i: f"460-00-{i % 97}-{i * 31}"),
    "wifi_network": ("location", lambda r, i: f"HomeNet-{i}"),
    "email": ("contact", lambda r, i: f"user{i}@example.com"),
    "phone_number": ("contact", lambda r, i: f"+86138{i:08d}"),
    "visited_url": ("browsing", lambda r, i: f"https://news{i % 50}.example/article/{i}"),
    "search_query": ("browsing", lambda r, i: f"weather in city {i}"),
    "installed_apps": ("app_usage", lambda r, i: ",".join(f"com.app{(i + j) % 300}" for j in range(6))),
    "app_activity": ("app_usage", lambda r, i: f"com.app{i % 300}.MainActivity"),
    "device_model": ("device", lambda r, i: ("Pixel 7", "SM-G991B", "2201117TG", "iPhone14,2")[i % 4]),
    "os_version": ("device", lambda r, i: f"Android {10 + i % 5}"),
    "carrier": ("device", lambda r, i: ("China Mobile", "Vodafone", "T-Mobile")[i % 3]),
}
KIND_WEIGHTS = (8, 6, 3, 8, 2, 1, 6, 4, 2, 2, 1, 1, 2, 1, 1, 8, 6, 6, 3)
COUNTRIES = ("US", "CN", "DE", "IE", "SG", "NL", "GB", "IN", "HK", "JP", "FR", "RU")
APPS = tuple(f"com.example.app{i}" for i in range(30))
USER_AGENTS = {
    "pixel-7": "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/UQ1A)",
    "galaxy-s21": "Dalvik/2.1.0 (Linux; U; Android 13; SM-G991B Build/TP1A)",
    "10.0.0.23": "Dalvik/2.1.0 (Linux; U; Android 12; 2201117TG Build/SKQ1)",
}


def _entity_domains() -> list[tuple[str, str, str, list[str]]]:
    """(domain, entity name, entity country, categories) from the shipped entity map."""
    path = ROOT / "classifiers" / "data" / "entities.toml"
    out = []
    for entity in tomllib.loads(path.read_text())["entity"]:
        for domain in entity.get("domains", [])[:3]:
            out.append((domain, entity["name"], entity["country"], list(entity.get("categories", []))))
    return out


def _stamp(t: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (always with microseconds, so text order is time order)."""
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Plan:
    flows: int
    findings_per_flow: float = 3.0
    seed: int = 13


def _hosts(r: random.Random) -> list[dict[str, Any]]:
    from phonehome.classifiers.destinations.regions import region_of

    known = _entity_domains()
    hosts = []
    for i in range(HOSTS):
        if i % 3 == 2:  # a third with no known company
            domain, entity, ecountry, cats = f"unknown-{i % 400}.net", None, None, []
        else:
            domain, entity, ecountry, cats = known[i % len(known)]
        host = domain if i < len(known) else f"api{i}.{domain}"
        country = COUNTRIES[r.randrange(len(COUNTRIES))]
        hosts.append({
            "id": i + 1, "host": host, "ip": f"203.0.{i // 250}.{i % 250 + 1}", "domain": domain,
            "country": country, "asn": 64500 + i % 300, "as_org": f"Network {i % 300}", "anycast": False,
            "entity": entity, "entity_country": ecountry, "categories": json.dumps(cats),
            "region": region_of(country).value,
        })  # fmt: skip
    return hosts


def _zipf_picker(r: random.Random, n: int, s: float = 1.1) -> list[int]:
    """A table to draw indices from so that a few are very common and most are rare."""
    weights = [1 / (k + 1) ** s for k in range(n)]
    return r.choices(range(n), weights=weights, k=20_000)


def _rows(plan: Plan, hosts: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    r = random.Random(plan.seed)
    host_table = _zipf_picker(r, len(hosts))
    kinds = list(KINDS)
    kind_table = r.choices(range(len(kinds)), weights=KIND_WEIGHTS, k=20_000)
    values = {k: [KINDS[k][1](r, i) for i in range(300)] for k in kinds}
    value_table = _zipf_picker(r, 300, 1.3)
    per_session = plan.flows // SESSIONS
    flow_id = finding_id = 0
    step = SPAN / per_session
    for s in range(SESSIONS):
        start = START + timedelta(days=s)
        for j in range(per_session):
            flow_id += 1
            device = DEVICES[j % len(DEVICES)]
            h = hosts[host_table[r.randrange(20_000)]]
            app = APPS[r.randrange(len(APPS))] if r.random() < 0.7 else None
            headers = [["User-Agent", USER_AGENTS[device]], ["Accept-Encoding", "gzip"]]
            if app:
                headers.append(["X-Requested-With", app])
            unsent = r.random() < 0.001
            notes = '["body looks encrypted (high entropy)"]' if r.random() < 0.01 else "[]"
            t = start + step * j
            flow = (
                flow_id, s + 1, h["id"], _stamp(t), device, device if device[0] == "1"
                else None, "POST" if j % 3 else "GET",
                f"https://{h['host']}/v2/collect?sid={j % 1000}&ts={1700000000 + j}", h["host"], h["ip"],
                None if unsent else 200, r.random() > 0.08, "HTTP/1.1", 600 + j % 900, 120 + j % 300,
                json.dumps(headers), b'{"events":[{"name":"open"}]}', '[["Content-Type","application/json"]]',
                "connection refused" if unsent else None, notes, 12 + j % 40, app,
                "X-Requested-With header" if app else None,
            )  # fmt: skip
            n = int(plan.findings_per_flow * 2 * r.random() + 0.5)
            found = []
            for _ in range(n):
                finding_id += 1
                kind = kinds[kind_table[r.randrange(20_000)]]
                found.append((
                    finding_id, flow_id, KINDS[kind][0], kind, values[kind][value_table[r.randrange(20_000)]],
                    ("body", "query", "header")[finding_id % 3], f"events[{finding_id % 5}].{kind}",
                    '["json"]' if finding_id % 4 else '["form","base64","json"]', 0.9, "key",
                    f"detect_{kind}", None, None,
                ))  # fmt: skip
            # The flow's own count of its findings and their kinds (schema 8), as the store writes them.
            yield "flow", (*flow, len(found), ",".join(sorted({f[3] for f in found})))
            for finding in found:
                yield "finding", finding
            if j % 100 == 0:
                kind = ("client_tls", "upstream_tls", "not_http", "udp")[j // 100 % 4]
                yield "blind", (
                    s + 1, _stamp(t), device, device, hosts[j % 200]["host"],
                    hosts[j % 200]["ip"], kind, "the client does not trust the proxy's certificate",
                )  # fmt: skip


FLOW_COLUMNS = (
    "id", "session_id", "destination_id", "time", "device", "client_address", "method", "url", "host",
    "server_ip", "status", "tls", "http_version", "request_bytes", "response_bytes", "request_headers",
    "request_body", "response_headers", "error", "notes", "fields", "app", "app_evidence", "findings", "kinds",
)  # fmt: skip
FINDING_COLUMNS = (
    "id", "flow_id", "category", "kind", "value", "location", "path", "encodings", "confidence", "source",
    "detector", "hashed", "evidence",
)  # fmt: skip
BLIND_COLUMNS = ("session_id", "time", "client_address", "device", "host", "server_ip", "kind", "error")


def _is_url(db: str) -> bool:
    return "://" in db


def _count_flows(db: str) -> int | None:
    from phonehome.db.models import FLOWS
    from phonehome.db.store import Store, StoreError
    from sqlalchemy import func, select

    if not _is_url(db) and not Path(db).exists():
        return None
    try:
        store = Store(db, create=False)
    except StoreError:
        return None
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count(FLOWS.c.id))).scalar() or 0)
    finally:
        store.dispose()


def build(db: str, plan: Plan) -> None:
    """The database, from nothing: the schema by phonehome itself, then rows in big batches."""
    from phonehome.db.models import BLIND_SPOTS, DESTINATIONS, FINDINGS, FLOWS
    from phonehome.db.models import SESSIONS as SESSIONS_TABLE
    from phonehome.db.store import Store
    from sqlalchemy import insert

    if _is_url(db):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = make_url(db)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    elif Path(db).exists():
        Path(db).unlink()
    store = Store(db, create=True)
    r = random.Random(plan.seed)
    hosts = _hosts(r)
    sessions = [
        {"id": s + 1, "label": f"lab-{s + 1:02d}", "source": ("capture", "replay")[s % 2],
         "started": START + timedelta(days=s), "ended": START + timedelta(days=s) + SPAN}
        for s in range(SESSIONS)
    ]  # fmt: skip
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        conn.execute(insert(SESSIONS_TABLE), sessions)
        conn.execute(insert(DESTINATIONS), [{**h, "categories": json.loads(h["categories"])} for h in hosts])
    batches: dict[str, list[tuple[Any, ...]]] = {"flow": [], "finding": [], "blind": []}
    tables = {"flow": (FLOWS, FLOW_COLUMNS), "finding": (FINDINGS, FINDING_COLUMNS),
              "blind": (BLIND_SPOTS, BLIND_COLUMNS)}  # fmt: skip
    raw = None if _is_url(db) else store.engine.raw_connection()

    def flush(name: str) -> None:
        rows = batches[name]
        if not rows:
            return
        table, columns = tables[name]
        if raw is not None:  # SQLite: the driver's executemany, columns as stored
            cur = raw.cursor()
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            with store.engine.begin() as conn:
                conn.execute(
                    insert(table), [_typed(name, dict(zip(columns, row, strict=True))) for row in rows]
                )
        rows.clear()

    for name, row in _rows(plan, hosts):
        batches[name].append(row)
        if len(batches[name]) >= 50_000:
            if name == "finding":
                flush("flow")  # a finding's flow first
            flush(name)
    for name in ("flow", "finding", "blind"):
        flush(name)
    if raw is not None:  # no ANALYZE: phonehome never runs it, so the planner has no statistics
        raw.commit()
        raw.close()
    else:
        with store.engine.begin() as conn:
            for t in ("flows", "findings", "destinations", "blind_spots", "sessions"):
                conn.exec_driver_sql(f"ANALYZE {t}")
            conn.exec_driver_sql("SELECT setval('flows_id_seq', (SELECT max(id) FROM flows))")
            conn.exec_driver_sql("SELECT setval('findings_id_seq', (SELECT max(id) FROM findings))")
    store.dispose()
    print(f"bigdb: built {plan.flows:,} flows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def _typed(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Rows for SQLAlchemy's own types (PostgreSQL): datetimes, JSON as objects."""
    if "time" in row:
        row["time"] = datetime.fromisoformat(row["time"]).replace(tzinfo=UTC)
    for key in ("request_headers", "response_headers", "notes", "encodings"):
        if key in row:
            row[key] = json.loads(row[key])
    return row


@dataclass
class Timed:
    name: str
    seconds: float
    first_line: float | None
    lines: int
    rss_mb: float
    goal: str | None  # "total", "first" or None: see commands()
    killed: bool = False  # stopped at --timeout


ENV: dict[str, str] = dict(os.environ)  # what every command runs with (main: phonehome's bytecode cached)


def run(name: str, args: list[str], *, goal: str | None = "total", timeout: float | None = None) -> Timed:
    """One command as a user runs it, timed from its start (by the launcher of benchmarks/_common.py,
    so that its peak RSS is its own, not this script's)."""
    exe = shutil.which("phonehome") or str(Path(sys.executable).with_name("phonehome"))
    report = TMP / f"bigdb-launched-{os.getpid()}.txt"
    report.unlink(missing_ok=True)
    proc = subprocess.Popen(launched([exe, *args], report), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            cwd=TMP, env=ENV)  # fmt: skip
    assert proc.stdout is not None
    timer = threading.Timer(timeout, proc.terminate) if timeout else None  # the launcher kills the command
    if timer:
        timer.start()
    first_at = None
    lines = 0
    for _ in iter(proc.stdout.readline, b""):
        if first_at is None:
            first_at = time.monotonic()
        lines += 1
    code = proc.wait()
    if timer:
        timer.cancel()
    done = read_launched(report)
    report.unlink()
    first = None if first_at is None else first_at - done.started
    if timer and code == -signal.SIGKILL:
        return Timed(name, done.seconds, first, lines, done.peak_rss_mb, goal, killed=True)
    if code:
        raise SystemExit(f"bigdb: {name} exited {code}")
    return Timed(name, done.seconds, first, lines, done.peak_rss_mb, goal)


# What is held to LIMIT_S: the whole command ("total"), or for listings longer than any screen the time
# to their first line ("first": what a terminal shows; the rest streams at the rate printed), or
# nothing (the report of every session, and every finding).
def commands(db: str) -> list[tuple[str, list[str], str | None]]:
    s = "lab-07"
    d = ["--db", db]
    return [
        ("sessions", ["sessions", *d], "total"),
        ("findings --session", ["findings", *d, "--session", s, "--format", "jsonl"], "first"),
        ("findings --session --kind imei", ["findings", *d, "--session", s, "--kind", "imei", "--format", "jsonl"],
         "total"),
        ("findings --kind imei", ["findings", *d, "--kind", "imei", "--format", "jsonl"], "first"),
        ("findings --host", ["findings", *d, "--host", "xiaomi.com", "--format", "jsonl"], "first"),
        ("findings --session --device --kind", ["findings", *d, "--session", s, "--device", "pixel-7",
                                                "--kind", "email", "--format", "jsonl"], "total"),
        ("flows --session", ["flows", *d, "--session", s, "--format", "jsonl"], "first"),
        ("flows --session --host", ["flows", *d, "--session", s, "--host", "xiaomi.com", "--format", "jsonl"],
         "total"),
        ("destinations", ["destinations", *d, "--format", "jsonl"], "total"),
        ("destinations --session", ["destinations", *d, "--session", s, "--format", "jsonl"], "total"),
        ("report --session (json)", ["report", *d, "--session", s, "--format", "json", "-o", str(TMP / "bigdb-report.json")],
         "total"),
        ("report (html, all sessions)", ["report", *d, "--format", "html", "-o", str(TMP / "bigdb-report.html")], None),
        ("findings (all, jsonl)", ["findings", *d, "--format", "jsonl"], None),
    ]  # fmt: skip


def _held(t: Timed) -> float | None:
    """The time held to LIMIT_S, if any."""
    if t.goal == "first":
        return t.first_line if t.first_line is not None else t.seconds
    return t.seconds if t.goal == "total" else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", default=str(TMP / "phonehome-bigdb.sqlite"), help="SQLite path or PostgreSQL URL"
    )
    parser.add_argument("--flows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--timeout", type=float, help="stop a command after this many seconds")
    parser.add_argument("--only", action="append", help="run only commands whose name starts with this")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="do not compile phonehome's modules first: run as the environment says")  # fmt: skip
    args = parser.parse_args()
    if not args.no_bytecode:
        cached = installed_bytecode(ENV)
        ENV.clear()
        ENV.update(cached)
    plan = Plan(args.flows)
    if args.rebuild or _count_flows(args.db) != plan.flows:
        build(args.db, plan)
    results = []
    for name, argv, goal in commands(args.db):
        if args.only and not any(name.startswith(o) for o in args.only):
            continue
        t = run(name, argv, goal=goal, timeout=args.timeout)
        results.append(t)
        first = f", first line {t.first_line:.2f} s" if t.first_line is not None else ""
        rate = f" ({t.lines / t.seconds:,.0f}/s)" if t.lines > 10_000 else ""
        held = {"total": "", "first": " (first line held to 2 s)", None: " (not held to 2 s)"}[t.goal]
        over = "stopped after " if t.killed else ""
        print(f"bigdb: {name}: {over}{t.seconds:.2f} s{first}, {t.lines:,} lines{rate}, peak RSS {t.rss_mb:.0f} MB"
              f"{held}", flush=True)  # fmt: skip
    held = [(t, _held(t)) for t in results if _held(t) is not None]
    slow = [t.name for t, dt in held if dt is not None and dt > LIMIT_S]
    reports = [t for t in results if t.name.startswith("report")]
    fat = [t.name for t in reports if t.rss_mb > LIMIT_MB]
    backend = "PostgreSQL" if _is_url(args.db) else "SQLite"
    print(
        f"bigdb: {backend}, {plan.flows:,} flows: {'PASS' if not slow and not fat else 'FAIL'}: "
        f"{len(held) - len(slow)}/{len(held)} interactive commands under {LIMIT_S:.0f} s (slowest "
        f"{max((dt or 0 for _, dt in held), default=0):.2f} s{'; over: ' + ', '.join(slow) if slow else ''}); "
        f"report peak RSS {max((t.rss_mb for t in reports), default=0):.0f} MB (goal {LIMIT_MB:.0f})"
        f"{'; over: ' + ', '.join(fat) if fat else ''}"
    )


if __name__ == "__main__":
    main()
