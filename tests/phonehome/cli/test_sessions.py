"""Devices by name on the command line: `phonehome sessions`, the one error for an unknown --session
or --device in every command that takes them, and diff and export device by device, on SQLite and
PostgreSQL (`db_url`)."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store, Unread
from rich.cells import cell_len

from phonehome.cli.common import shown_db
from phonehome.cli.main import COMMANDS
from phonehome.cli.query import SESSION_COLUMNS
from tests.phonehome.cli._run import one_line_error, run

T = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
NAMES = {"192.168.1.40": "pixel", "192.168.1.42": "tablet"}


def _ex(t: datetime, url: str, client: str, fp: str, body: bytes = b"") -> Exchange:
    return Exchange(t, "POST" if body else "GET", url, request_body=body, client_address=client, status=200,
                    fingerprint=fp, server_ip="47.241.1.2" if "miui" in url else "198.51.100.7",
                    request_headers=(("Content-Type", "application/x-www-form-urlencoded"),))  # fmt: skip


def two_phones(db: str) -> str:
    """`lab`: pixel (named) sends its IMEI and location, 192.168.1.41 its advertising ID and meets a
    pinned host; `lab-2`, later: pixel only its location, 192.168.1.41 also a search, a tablet joins."""
    store = Store(db)
    try:
        lab = store.open_session("lab", "capture")
        store.write(lab, "", [
            analyze(_ex(T, "https://tracking.intl.miui.com/t?imei=861234567890127", "192.168.1.40", "l1")),
            analyze(_ex(T + timedelta(minutes=5), "http://weather.example.com/f?lat=52.5200&lon=13.4050",
                        "192.168.1.40", "l2")),
            analyze(_ex(T + timedelta(minutes=1), "https://graph.facebook.com/v17.0/1/activities", "192.168.1.41",
                        "l3", b"advertiser_id=38400000-8cf0-11bd-b23e-10b96e40000d")),
            Unread(T + timedelta(minutes=2), "pinned.example.org", "192.168.1.41", None, "refused"),
        ], NAMES)  # fmt: skip
        later = store.open_session("lab-2", "capture")
        t = T + timedelta(hours=2)
        store.write(later, "", [
            analyze(_ex(t, "http://weather.example.com/f?lat=52.5200&lon=13.4050", "192.168.1.40", "m1")),
            analyze(_ex(t, "https://graph.facebook.com/v17.0/1/activities", "192.168.1.41", "m2",
                        b"advertiser_id=38400000-8cf0-11bd-b23e-10b96e40000d")),
            analyze(_ex(t, "https://www.google.com/search?q=weather+berlin", "192.168.1.41", "m3")),
            analyze(_ex(t, "https://cdn.example.net/logo.png", "192.168.1.42", "m4")),
        ], NAMES)  # fmt: skip
    finally:
        store.dispose()
    return db


@pytest.fixture()
def phones_db(db_url: str) -> str:
    return two_phones(db_url)


# -- phonehome sessions ----------------------------------------------------------------------------


def test_sessions_table_jsonl_and_csv(phones_db: str) -> None:
    code, out, _ = run("sessions", "--db", phones_db, "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and all(tuple(r) == SESSION_COLUMNS for r in rows)
    assert [(r["session"], r["device"], r["flows"], r["findings"], r["blind_spots"]) for r in rows] == [
        ("lab", "pixel", 2, 2, 0),
        ("lab", "192.168.1.41", 1, 1, 1),
        ("lab-2", "192.168.1.41", 2, 2, 0),
        ("lab-2", "pixel", 1, 1, 0),
        ("lab-2", "tablet", 1, 0, 0),
    ]
    assert (rows[0]["first_flow"], rows[0]["last_flow"], rows[0]["span_seconds"]) == (
        "2026-11-20T08:00:00Z", "2026-11-20T08:05:00Z", 300.0,
    )  # fmt: skip
    assert rows[0]["source"] == "capture" and rows[0]["started"] <= rows[2]["started"]
    code, out, _ = run("sessions", "--db", phones_db, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and tuple(out.splitlines()[0].split(",")) == SESSION_COLUMNS
    assert [r["device"] for r in table] == [r["device"] for r in rows]
    code, out, _ = run("sessions", "--db", phones_db)
    assert code == 0
    for heading in (
        "session",
        "device",
        "flows",
        "findings",
        "blind spots",
        "first",
        "last",
        "span",
    ):
        assert heading in out
    # Times to the second in the capture's zone (the machine's, for a capture), the zone named.
    from phonehome.db.zones import machine_zone

    from phonehome.words import when

    assert "5m 00s" in out and when("2026-11-20T08:05:00Z", machine_zone()) in out
    # A session's own columns once, above its devices.
    assert len(re.findall(r"│ lab-2 ", out)) == 1 and len(re.findall(r"│ lab ", out)) == 1
    assert "tablet" in out and "192.168.1.41" in out


def test_sessions_of_an_empty_database(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    Store(db).dispose()
    code, out, err = run("sessions", "--db", db)
    assert code == 0 and out.splitlines() == [f"No sessions in {db}: capture or replay something first."]
    assert run("sessions", "--db", db, "--format", "jsonl")[1] == ""
    assert run("sessions", "--db", db, "--format", "csv")[1].splitlines() == [",".join(SESSION_COLUMNS)]
    code, _, err = run("sessions", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no database at" in one_line_error(err)


# -- an unknown --session or --device: one error, every command --------------------------------------


def _takes(command: click.Command, option: str) -> bool:
    return any(isinstance(p, click.Option) and option in p.opts for p in command.params)


# Collected from the command group, so a command added later is covered without being listed here.
SESSION_COMMANDS = sorted(c.name or "" for c in COMMANDS if _takes(c, "--session"))
# `capture --device NAME=ADDRESS` names devices rather than choosing one.
DEVICE_COMMANDS = sorted(c.name or "" for c in COMMANDS if _takes(c, "--device") and c.name != "capture")
# What a command needs besides --db and --session to get as far as reading the database.
EXTRA = {"export": ["-o", "{tmp}/x.har"], "diff": ["--session", "demo"], "letter": ["--company", "Google"]}


def _extra(name: str, tmp_path: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in EXTRA.get(name, [])]


def test_the_commands_that_take_session_and_device() -> None:
    assert {"findings", "flows", "destinations", "report", "export", "diff", "reanalyze"} <= set(
        SESSION_COMMANDS
    )
    assert {"findings", "flows", "destinations", "report", "export", "diff"} <= set(DEVICE_COMMANDS)


@pytest.mark.parametrize("name", SESSION_COMMANDS)
def test_unknown_session_is_one_error_everywhere(name: str, demo_db: str, tmp_path: Path) -> None:
    code, out, err = run(name, "--db", demo_db, "--session", "nope", *_extra(name, tmp_path))
    assert code == 2 and out == ""
    assert one_line_error(err) == (
        f"phonehome: error: no session 'nope' in {shown_db(demo_db)}; sessions: 'demo': see phonehome sessions"
    )


@pytest.mark.parametrize("name", DEVICE_COMMANDS)
def test_unknown_device_is_one_error_everywhere(name: str, demo_db: str, tmp_path: Path) -> None:
    args = ["--db", demo_db, "--session", "demo", "--device", "nobody", *_extra(name, tmp_path)]
    code, out, err = run(name, *args)
    assert code == 2 and out == ""
    assert one_line_error(err) == (
        "phonehome: error: no device 'nobody' in session 'demo'; devices: 'demo': see phonehome sessions"
    )
    if name != "diff":  # diff always names its sessions
        code, _, err = run(name, "--db", demo_db, "--device", "nobody", *_extra(name, tmp_path))
        assert code == 2 and one_line_error(err).startswith(
            f"phonehome: error: no device 'nobody' in {shown_db(demo_db)};"
        )
    assert not (tmp_path / "x.har").exists()


def test_unknown_names_list_the_newest_three(tmp_path: Path) -> None:
    db = str(tmp_path / "many.db")
    store = Store(db)
    for i in range(7):
        store.open_session(f"s{i}", "capture")
    store.dispose()
    code, _, err = run("findings", "--db", db, "--session", "x")
    assert code == 2 and one_line_error(err) == (
        f"phonehome: error: no session 'x' in {db}; sessions: 's6', 's5', 's4' (+4 more): see phonehome sessions"
    )
    code, _, err = run("flows", "--db", db, "--session", "s1", "--device", "x")
    assert code == 2 and one_line_error(err) == (
        "phonehome: error: no device 'x' in session 's1'; there are no devices: see phonehome sessions"
    )


def test_hostile_names_in_errors(phones_db: str) -> None:
    asked = "[bold red]x[/bold red]\x1b[31m\u202e" + "A" * 10_000
    for option in ("--session", "--device"):
        code, _, err = run("findings", "--db", phones_db, option, asked)
        line = one_line_error(err)
        assert code == 2 and "\x1b" not in line and "\u202e" not in line and len(line) < 400
        assert "[bold red]x[/bold red]" in line  # shown as typed, never run as markup


# -- names that are markup, control characters or very long: escaped, and the table holds -------------

NAME = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200).filter(
    lambda s: s.strip() != ""
)
DEVICE = st.one_of(
    NAME, st.builds(lambda s, n: (s * n)[:10_000], NAME, st.integers(1, 10_000))
)  # fmt: skip
HOSTILE = ("[bold]x[/bold] [link=http://evil.example]y[/link]", "\x1b[2J\x1b]0;t\x07\r\n\t\u202eevil\u200b",
           "é" * 10_000, "]" + "[" * 50)  # fmt: skip


def _check_table(out: str) -> None:
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out), repr(out[:300])
    lines = out.splitlines()
    assert lines and lines[0].startswith("┏") and lines[-1].startswith("└")
    widths = {cell_len(line) for line in lines}
    assert len(widths) == 1 and widths.pop() <= 200, lines


def _hostile_db(db: str, label: str, device: str) -> None:
    store = Store(db)
    try:
        sid = store.open_session(label, "replay")
        store.write(sid, device, [
            analyze(_ex(T, "https://tracking.intl.miui.com/t?imei=861234567890127", "", "h1")),
            Unread(T, "pinned.example.org", None, None, "refused"),
        ])  # fmt: skip
        store.open_session(device[:200].strip() or "x", "capture")  # a label may look like anything too
    finally:
        store.dispose()


def _check_sessions(db: str, label: str) -> None:
    code, out, err = run("sessions", "--db", db)
    assert code == 0, err
    _check_table(out)
    code, out, _ = run("sessions", "--db", db, "--format", "jsonl")
    rows = [json.loads(line) for line in out.split("\n") if line]  # not splitlines(): a label may hold U+2028
    assert code == 0 and rows[0]["session"] == label and rows[0]["flows"] == 1


@pytest.mark.parametrize(
    ("label", "device"), [(HOSTILE[0], HOSTILE[1]), (HOSTILE[1], HOSTILE[2]), (HOSTILE[3], HOSTILE[0])]
)
def test_hostile_names_in_the_table(db_url: str, label: str, device: str) -> None:
    _hostile_db(db_url, label, device)
    _check_sessions(db_url, label)
    code, _, err = run("flows", "--db", db_url, "--session", label, "--device", "nobody")
    assert code == 2 and "\x1b" not in one_line_error(err)


@settings(max_examples=25)
@given(label=NAME, device=DEVICE)
def test_any_names_in_the_table(label: str, device: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "h.db")
        _hostile_db(db, label, device)
        _check_sessions(db, label)


# -- diff and export, device by device ----------------------------------------------------------------


def test_diff_by_device(phones_db: str) -> None:
    code, out, _ = run(
        "diff", "--db", phones_db, "--session", "lab", "--session", "lab-2", "--format", "json"
    )
    d = json.loads(out)
    assert code == 0 and [x["device"] for x in d["by_device"]] == ["192.168.1.41", "pixel"]
    pixel = d["by_device"][1]
    assert {x["name"] for x in pixel["kinds"]["disappeared"]} == {"imei"}
    assert [x["device"] for x in d["after"]["devices"]] == ["192.168.1.41", "pixel", "tablet"]
    code, out, _ = run("diff", "--db", phones_db, "--session", "lab", "--session", "lab-2")
    assert (
        code == 0
        and "Device pixel: 2 → 1 requests" in out
        and "Devices only after: tablet (1 request)" in out
    )
    code, out, _ = run("diff", "--db", phones_db, "--session", "lab", "--session", "lab-2", "--device", "pixel",
                       "--format", "json")  # fmt: skip
    d = json.loads(out)
    assert (d["before"]["device"], d["after"]["device"], d["by_device"]) == ("pixel", "pixel", [])
    assert (d["before"]["flows"], d["after"]["flows"]) == (2, 1)
    code, out, _ = run(
        "diff", "--db", phones_db, "--session", "lab", "--device", "pixel", "--device", "192.168.1.41"
    )
    assert (
        code == 0
        and out.startswith("before: lab, device pixel (2 requests")
        and "after:  lab, device 192.168.1.41" in out
    )
    code, out, _ = run(
        "diff", "--db", phones_db, "--session", "lab", "--session", "lab-2", "--device", "tablet"
    )
    assert code == 2 and "no device 'tablet' in session 'lab'" in one_line_error(_)
    code, _, err = run(
        "diff", "--db", phones_db, "--session", "lab", "--device", "a", "--device", "b", "--device", "c"
    )
    assert code == 2 and "exactly two sessions" in one_line_error(err)


def test_export_one_page_per_device(phones_db: str, tmp_path: Path) -> None:
    target = tmp_path / "lab.har"
    code, _, err = run("export", "--db", phones_db, "--session", "lab-2", "-o", str(target))
    assert code == 0, err
    log = json.loads(target.read_text())["log"]
    assert [p["title"] for p in log["pages"]] == ["lab-2 · pixel", "lab-2 · device 1", "lab-2 · tablet"]
    pages = {p["id"]: p for p in log["pages"]}
    assert all(pages[e["pageref"]]["_device"] == e["_device"] for e in log["entries"])
    assert "192.168.1.41" not in target.read_text()  # redacted: an unnamed phone's address is left out
    code, _, _ = run("export", "--db", phones_db, "--device", "192.168.1.41", "--reveal", "-o", str(target))
    log = json.loads(target.read_text())["log"]
    assert code == 0 and [p["title"] for p in log["pages"]] == ["lab · 192.168.1.41", "lab-2 · 192.168.1.41"]
    assert {e["_session"] for e in log["entries"]} == {"lab", "lab-2"} and len(log["entries"]) == 3


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, ""), (0, "0s"), (12.7, "12s"), (250, "4m 10s"), (3723, "1h 02m 03s"), (1_000_000, "11d 13h 46m")],
)
def test_span_as_a_person_reads_it(seconds: float | None, shown: str) -> None:
    from phonehome.cli.query import span

    assert span(seconds) == shown
