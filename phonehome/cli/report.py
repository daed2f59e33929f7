"""`phonehome report`, `diff` and `export`: what a person reads or shares."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO

import click

from phonehome.cli.common import (
    check_scope,
    console,
    db_option,
    device_option,
    fail,
    filters_no_format,
    open_store,
    output_option,
    private_file,
    session_option,
)
from phonehome.datasafety import DeclaredError, load_declared
from phonehome.db import queries
from phonehome.output import terminal_safe
from phonehome.report.build import open_report
from phonehome.report.jsondoc import dumped, json_parts
from phonehome.words import plural

# Each format's renderer, the diff and the HAR export are imported where they are used: rich and the
# HTML page's charts alone take 50 ms to import, on the way to a JSON report that needs neither.

FORMAT_NAMES = {"terminal": "text", "html": "HTML", "md": "Markdown", "json": "JSON", "har": "HAR"}


def size_text(n_bytes: int) -> str:
    """`812 bytes`, `12 KB`, `3.4 MB`."""
    if n_bytes < 1024:
        return f"{n_bytes} {'byte' if n_bytes == 1 else 'bytes'}"
    if n_bytes < 1024 * 1024:
        return f"{round(n_bytes / 1024):,} KB"
    return f"{n_bytes / (1024 * 1024):,.1f} MB"


def wrote(path: str, fmt: str, redacted: bool | None, what: str = "") -> None:
    """The one line on stderr after -o: `Wrote report.md (Markdown, 12 KB, redacted).`"""
    import os

    try:
        size = size_text(os.path.getsize(path))
    except OSError:
        size = "size unknown"
    parts = [FORMAT_NAMES.get(fmt, fmt), *([what] if what else []), size]
    if redacted is not None:
        parts.append("redacted" if redacted else "FULL VALUES")
    click.echo(f"Wrote {terminal_safe(path, 200)} ({', '.join(parts)}).", err=True)


@click.command("report")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "html", "md", "json"]),
    default="terminal",
    show_default=True,
)
@output_option
@session_option
@device_option
@click.option(
    "--reveal", is_flag=True, help="Show full values (the default masks identifiers and rounds locations)."
)
@click.option(
    "--declared",
    "declared_file",
    type=click.Path(dir_okay=False),
    help="TOML/JSON list of data types an app or company declares; marks what was observed but not declared.",
)
def report_cmd(db: str, fmt: str, output: str | None, session: str | None, device: str | None, reveal: bool,
               declared_file: str | None) -> None:  # fmt: skip
    """The answer at a glance: what was sent, to whom and where, with the evidence.

    Example: phonehome report --format html -o report.html

    Values are redacted by default, so the report can be shared; --reveal shows them in full.
    """
    declared = []
    if declared_file:
        try:
            declared = load_declared(declared_file)
        except DeclaredError as exc:
            fail(str(exc))
    with (
        open_store(db, create=False, session=session, device=device) as store,
        # Counted first; each device's section is made when the renderer reaches it, and written
        # before the next: a report of many devices never holds all of theirs at once.  Leaving the
        # block ends the workers a big report forks, whatever happened.
        open_report(store, session=session, device=device, reveal=reveal, declared=declared) as report,
    ):
        if (session or device) and not report.keys:
            fail(
                f"nothing stored for {'session ' + repr(session) if session else ''}{' device ' + repr(device) if device else ''}".strip()
            )
        # JSON: each device's section encoded where it is made (a big report's worker).
        data = report.streamed(dumped if fmt == "json" else None)
        data["zones"] = {name: store.session_zone(name) for name in report.sessions()}
        if fmt == "terminal":
            from rich.console import Console

            from phonehome.report.terminal import render_terminal

            if output:
                with private_file(output) as fh:
                    render_terminal(Console(file=fh, width=160, highlight=False, soft_wrap=False), data)
                wrote(output, fmt, not reveal)
            else:
                render_terminal(console(), data)
            return
        if fmt == "json":
            parts, sep, end = json_parts(data), "", ""
        elif fmt == "md":
            from phonehome.report.markdown import markdown_parts

            parts, sep, end = markdown_parts(data), "\n", "\n"
        else:
            from phonehome.report.html import html_parts

            parts, sep, end = html_parts(data), "\n", ""
        if output:
            with private_file(output) as fh:
                _write(fh, parts, sep, end)
            wrote(output, fmt, not reveal)
        else:
            _write(sys.stdout, parts, sep, end)


def _write(fh: IO[str], parts: Iterable[str], sep: str, end: str) -> None:
    """`sep.join(parts) + end`, written part by part."""
    for n, part in enumerate(parts):
        fh.write(sep + part if n else part)
    fh.write(end)


@click.command("diff")
@db_option
@click.option(
    "--session", "sessions", multiple=True, required=True,
    help="Two sessions: before, then after (or one session, with two --device).",
)  # fmt: skip
@click.option(
    "--device", "devices", multiple=True,
    help="Compare this device only (once: the same device on both sides; twice: before's, then after's).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["terminal", "json", "md"]), default="terminal", show_default=True
)
@output_option
def diff_cmd(
    db: str, sessions: tuple[str, ...], devices: tuple[str, ...], fmt: str, output: str | None
) -> None:
    """What changed between two sessions: data, companies and countries that appeared or went.

    Example: phonehome diff --session "ads on" --session "ads off"

    Two phones in one session: phonehome diff --session lab --device pixel --device iphone.
    Sessions holding several devices are also compared device by device.
    """
    if len(sessions) == 1 and len(devices) == 2:
        sessions = sessions * 2
    if len(sessions) != 2:
        fail(
            "diff needs exactly two sessions: --session BEFORE --session AFTER "
            "(or one session and two devices: --session S --device A --device B)"
        )
    if len(devices) > 2:
        fail("diff takes --device once (the same device on both sides) or twice (before's, then after's)")
    from phonehome.diff import diff_lines, diff_sessions
    from phonehome.report.markdown import md as md_escape

    sides = list(zip(sessions, (devices * 2)[:2] if devices else (None, None), strict=True))
    with open_store(db, create=False) as store:
        for session, device in sides:
            check_scope(store, db, session, device)
        result = diff_sessions(
            store, sessions[0], sessions[1], before_device=sides[0][1], after_device=sides[1][1]
        )
    if fmt == "json":
        import json

        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        text = "\n".join(["# phonehome diff", ""] + [md_escape(line) for line in diff_lines(result)]) + "\n"
    else:
        # On a terminal each line is cut to its width with an ellipsis; the JSON has every name in full.
        width = None if output else console().width
        text = "\n".join(terminal_safe(line, width) for line in diff_lines(result)) + "\n"
    if output:
        with private_file(output) as fh:
            fh.write(text)
        # Kinds, companies and countries only: a diff carries no captured value.
        wrote(output, fmt, None)
    else:
        sys.stdout.write(text)


@click.command("export")
@filters_no_format
@click.option("--format", "fmt", type=click.Choice(["har"]), default="har", show_default=True)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    required=True,
    help="HAR file to write (0600).",
)
@click.option(
    "--reveal", is_flag=True, help="Keep full values, bodies and credentials (the default redacts)."
)
def export_cmd(db: str, session: str | None, device: str | None, host: str | None, region: str | None,
               kind: str | None, category: str | None, fmt: str, output: str, reveal: bool) -> None:  # fmt: skip
    """Write the flows of a filter as a HAR file for other tools, redacted by default.

    Example: phonehome export --format har --host miui.com -o miui.har

    Each session's device is one HAR page (`pageref`); every entry names its `_session` and `_device`.
    """
    from phonehome.export import export_har

    with open_store(db, create=False, session=session, device=device) as store:
        f = queries.Filters(
            session=session, host=host, kind=kind, category=category, region=region, device=device
        )
        try:
            n = export_har(store, f, output, reveal=reveal)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    wrote(output, fmt, not reveal, plural(n, "flow"))
