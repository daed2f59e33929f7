"""Issue 14 point 4 in the CLI: `-o` says what it wrote, and terminal outputs fit 80 and 120 columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonehome.classifiers.model import Exchange
from phonehome.classifiers.registry import analyze
from phonehome.db.store import Store
from rich.cells import cell_len

from tests.phonehome.cli._run import run

WROTE = re.compile(
    r"^Wrote (\S+) \((text|HTML|Markdown|JSON|HAR)(, [\d,]+ flows?)?, [\d.,]+ (bytes|KB|MB)(, redacted)?\)\.$"
)


@pytest.mark.parametrize(
    ("fmt", "name"), [("terminal", "text"), ("html", "HTML"), ("md", "Markdown"), ("json", "JSON")]
)
def test_report_o_says_what_it_wrote_in_every_format(
    demo_db: str, tmp_path: Path, fmt: str, name: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    code, out, err = run("report", "--db", demo_db, "--format", fmt, "-o", str(target))
    assert code == 0 and out == "" and target.stat().st_size > 0
    lines = err.splitlines()
    assert len(lines) == 1 and (m := WROTE.match(lines[0])), err
    assert m.group(2) == name and m.group(5) == ", redacted"


def test_export_and_diff_o_say_what_they_wrote(demo_db: str, tmp_path: Path) -> None:
    code, _, err = run("export", "--db", demo_db, "-o", str(tmp_path / "x.har"))
    assert code == 0 and WROTE.match(err.strip()) and " flows, " in err
    for fmt in ("terminal", "md", "json"):
        target = tmp_path / f"d.{fmt}"
        code, out, err = run("diff", "--db", demo_db, "--session", "demo", "--session", "demo", "--format", fmt,
                             "-o", str(target))  # fmt: skip
        assert code == 0 and out == "" and target.read_text()
        assert re.match(r"^Wrote \S+ \((text|Markdown|JSON), [\d,]+ (bytes|KB)\)\.$", err.strip()), err


HOSTILE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=40,
    max_size=300,
)


def _db(path: Path, host_part: str, value: str) -> str:
    db = str(path / "w.db")
    store = Store(db)
    try:
        sid = store.open_session("w" * 150, "replay", zone="Europe/Berlin")
        label = re.sub(r"[^a-z0-9]", "", host_part.lower())[:50] or "x"
        host = f"{label}.{'sub' * 20}.example.com"
        ex = Exchange(__import__("datetime").datetime(2024, 5, 1, 6, 0, 1, 900000,
                      tzinfo=__import__("datetime").UTC), "POST", f"https://{host}/p?q={value[:80]}",
                      fingerprint="1", request_headers=(("content-type", "application/x-www-form-urlencoded"),),
                      request_body=f"imei=490154203237518&email=a@example.com&v={value}".encode())  # fmt: skip
        store.write(sid, "w" * 150, [analyze(ex)])
    finally:
        store.dispose()
    return db


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(host_part=HOSTILE, value=HOSTILE)
@pytest.mark.parametrize("width", [80, 120])
def test_no_line_longer_than_the_terminal(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
    host_part: str,
    value: str,
) -> None:
    from rich.console import Console

    # A terminal of this width (piped, the CLI's console would be 200 columns wide).
    def terminal(err: bool = False) -> Console:
        return Console(width=width, stderr=err, highlight=False, soft_wrap=False)

    for module in ("query", "report", "common"):
        monkeypatch.setattr(f"phonehome.cli.{module}.console", terminal)
    db = _db(tmp_path_factory.mktemp("w"), host_part, value)
    for args in (("findings",), ("flows",), ("destinations",), ("sessions",), ("report",),
                 ("diff", "--session", "w" * 150, "--session", "w" * 150), ("lookup", ".".join(["a" * 60] * 3) + ".example.com")):  # fmt: skip
        code, out, _ = run(*args, "--db", db) if args[0] != "lookup" else run(*args)
        assert code == 0, args
        long = [line for line in out.splitlines() if cell_len(line) > width]  # columns, as a terminal counts
        assert not long, (args, long[:2])
    import io

    from phonehome.db import queries

    from phonehome.summary import render_evidence, render_summary

    buffer = io.StringIO()
    summary_console = Console(file=buffer, width=width, highlight=False, soft_wrap=False)
    store = Store(db)
    try:
        render_summary(summary_console, queries.summary(store, "w" * 150))
        render_evidence(summary_console, store, "w" * 150)
    finally:
        store.dispose()
    assert buffer.getvalue() and not [x for x in buffer.getvalue().splitlines() if cell_len(x) > width]
    _, out, _ = run("flows", "--db", db, "--format", "jsonl")
    assert '"time":"2024-05-01T06:00:01.900000Z"' in out  # machine values stay


def test_tables_show_words_and_local_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    monkeypatch.setattr("phonehome.cli.query.console", lambda err=False: Console(width=120, soft_wrap=False))
    db = _db(tmp_path, "host", "value")
    _, out, _ = run("findings", "--db", db)
    assert "2024-05-01 08:00:01 CEST" in out and "IMEI (phone hardware ID)" in out
    assert ".900000" not in out and "imei" not in out.replace("│ imei ", "")  # the path column may say imei
