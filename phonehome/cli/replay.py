"""`phonehome replay`, `reanalyze` and `demo`: traffic files in, analysed and stored."""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from phonehome.classifiers.destinations.place import Destinations
from phonehome.classifiers.detect.known import KnownValues
from phonehome.cli.common import (
    console,
    db_option,
    default_workers,
    destinations_of,
    esc,
    fail,
    geo_options,
    known_option,
    known_values,
    open_store,
    resolve_option,
    shown_db,
    workers_option,
)
from phonehome.db import queries
from phonehome.db.memory import give_back_big_blocks, spared_by_the_collector
from phonehome.db.reanalyze import reanalyze as run_reanalyze
from phonehome.db.store import Store
from phonehome.output import terminal_safe
from phonehome.pipeline import ReplayReport, make_analyzer, replay
from phonehome.resolve import Resolver
from phonehome.summary import render_evidence, render_summary
from phonehome.words import noun, plural


@click.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
@click.option("--label", default=None, help="Session label for all files (default: each file's name).")
@known_option
@geo_options
@resolve_option
@workers_option
def replay_cmd(
    files: tuple[str, ...],
    db: str,
    label: str | None,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    resolve: bool,
    workers: int | None,
) -> None:
    """Import HAR files or mitmproxy flow dumps and analyse them.

    Example: phonehome replay chrome-export.har mitm.flows --db lab.db

    Exit code 1 if some entries were skipped, 2 if a file could not be read at all.
    """
    give_back_big_blocks()  # a long read of big bodies: their memory goes back when each is done
    known = known_values(known_file)
    places = destinations_of(geoip_db, asn_db)
    with open_store(db, create=True) as store, spared_by_the_collector():
        report = _replay_with_progress(
            store, list(files), label, known, places, Resolver() if resolve else None,
            _workers_for(list(files), workers),
        )  # fmt: skip
        err = console(err=True)
        for f in report.files:
            name = terminal_safe(Path(f.path).name, 80)
            if f.error:
                click.echo(f"phonehome: error: {terminal_safe(f.error, None)}", err=True)
                continue
            dup = f", {f.duplicates} already stored" if f.duplicates else ""
            click.echo(
                f"{name}: {plural(f.stored, 'flow')} imported{dup}, {plural(f.findings, 'finding')}, session {terminal_safe(f.session, 60)!r}"
            )
            skipped = sum(f.skipped.values())
            if skipped and not f.stored and not f.duplicates:
                err.print(
                    f"  no entry could be read: all {skipped} were skipped, for these reasons:",
                    highlight=False,
                )
            for reason, n in f.skipped.most_common():
                where = _entry_numbers(f.skipped_entries.get(reason, []), n)
                err.print(f"  skipped {n}{where}: {esc(terminal_safe(reason, 160))}", highlight=False)
            if f.noted:
                err.print(
                    f"  {f.noted} stored with a problem noted on the flow (see `phonehome flows --format jsonl`)",
                    highlight=False,
                )
            if f.repaired:
                err.print(
                    f"  repaired {f.repaired}: imported with a note on the flow (e.g. invalid UTF-8 replaced)",
                    highlight=False,
                )
        sessions = {f.session for f in report.files if not f.error}
        if len(sessions) == 1:
            summary = queries.summary(store, sessions.pop())
            if summary.flows:
                render_summary(console(), summary)
                console().print(
                    f"Full report: phonehome report --db {esc(shown_db(db))} --format html -o report.html"
                )
    sys.exit(_replay_exit(report))


def _entry_numbers(numbers: list[int], total: int) -> str:
    """` (entries 4, 17, 90 …)`: where to look in the file; entries count from 0, as in the HAR."""
    if not numbers:
        return ""
    more = " …" if total > len(numbers) else ""
    label = noun(total, "entry")
    return f" ({label} {', '.join(map(str, numbers))}{more})"


def _replay_exit(report: ReplayReport) -> int:
    if report.unusable:
        return 2
    return 1 if report.skipped else 0


SMALL_REPLAY = 2_000_000  # bytes of input below which one worker process classifies it all


def _workers_for(files: list[str], asked: int | None) -> int:
    """`--workers`, or by default one per core but one, and one for files too small to keep more
    busy.  Never none unless asked: in a worker process a detector that never returns on one entry
    costs that entry's findings (the worker is replaced), where in this process it would hold the
    replay for ever; and the fork server is started with the command anyway, so the worker costs a
    small replay no time (docs/performance.md#replay)."""
    if asked is not None:
        return asked
    total = 0
    for path in files:
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
    return default_workers() if total >= SMALL_REPLAY else 1


def _replay_with_progress(
    store: Store,
    files: list[str],
    label: str | None,
    known: KnownValues | None,
    places: Destinations,
    resolver: Resolver | None,
    workers: int = 0,
) -> ReplayReport:
    extra: dict[str, Any] = {"known": known, "destinations": places, "resolver": resolver, "workers": workers}
    if not sys.stderr.isatty():
        return replay(store, files, label=label, **extra)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console(err=True), transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def progress(path: str, expected: int | None, done: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(terminal_safe(Path(path).name, 40), total=expected)
            bar.update(tasks[path], completed=done)

        return replay(store, files, label=label, progress=progress, **extra)


@click.command()
@db_option
@click.option("--session", help="Only this session (default: every stored flow).")
@known_option
@geo_options
@resolve_option
@click.option(
    "--by-behaviour", "by_behaviour", is_flag=True,
    help="Instead of re-running the classifiers, add identifiers found by behaviour: values the same in every "
    "request of one device and different on another, under one key of one endpoint (needs two devices).",
)  # fmt: skip
@click.option(
    "--sessions-are-devices", is_flag=True,
    help="With --by-behaviour: count each session as a device. Otherwise a device is a client address "
    "(a capture) or a replay's label, so two capture sessions from one address are one device.",
)  # fmt: skip
@workers_option
def reanalyze(
    db: str,
    session: str | None,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    resolve: bool,
    by_behaviour: bool,
    sessions_are_devices: bool,
    workers: int | None,
) -> None:
    """Run today's classifiers again over stored flows, replacing their findings.

    Example: phonehome reanalyze --db myphone.db --known me.toml

    Use it after upgrading phonehome, to look for your own values in an old capture, or to place
    old captures with your own GeoLite2 files (--geoip-db, --asn-db).

    With --by-behaviour it adds identifiers no rule knows, found by comparing two or more devices:
    phonehome reanalyze --db two-phones.db --by-behaviour (run it again after a plain reanalyze,
    which replaces every finding).
    """
    give_back_big_blocks()  # every stored body read again: its memory goes back when each is done
    if by_behaviour:
        if known_file or geoip_db or asn_db or resolve or workers is not None:
            fail(
                "--by-behaviour compares stored values: it takes --db, --session and --sessions-are-devices only"
            )
        _by_behaviour(db, session, sessions_are_devices)
        return
    if sessions_are_devices:
        fail("--sessions-are-devices goes with --by-behaviour")
    known = known_values(known_file)
    places = destinations_of(geoip_db, asn_db)
    # In worker processes unless asked: a detector stuck on one flow then costs that flow only.
    # With --resolve, addresses are looked up here, before each flow goes to them (as replay does).
    processes = default_workers() if workers is None else workers
    prepare = Resolver().prepare if resolve else None
    with open_store(db, create=False, session=session) as store, spared_by_the_collector():
        analyzer = make_analyzer(known, places)
        if sys.stderr.isatty():
            with Progress(TextColumn("re-analysing"), BarColumn(), MofNCompleteColumn(), console=console(err=True),
                          transient=True) as bar:  # fmt: skip
                task = bar.add_task("flows", total=None)
                result = run_reanalyze(store, analyzer, session=session, workers=processes, prepare=prepare,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
        else:
            result = run_reanalyze(store, analyzer, session=session, workers=processes, prepare=prepare)
        click.echo(
            f"Re-analysed {plural(result.flows, 'flow')}: {plural(result.findings_before, 'finding')} before, "
            f"{result.findings_after:,} now."
        )
        if result.failed:
            click.echo(
                f"{plural(result.failed, 'flow')} could not be re-analysed (a detector failed, or its classifier "
                "process crashed or gave no answer): they keep the findings found before, with a note."
            )


def _by_behaviour(db: str, session: str | None, sessions_are_devices: bool) -> None:
    from phonehome import behaviour

    with open_store(db, create=False, session=session) as store:
        result = behaviour.find(store, queries.Filters(session=session), sessions_are_devices)
        if result.devices < 2:
            fail(
                f"identifiers by behaviour need two or more devices, {result.devices} found: replay each "
                "device's capture under its own label, or say --sessions-are-devices"
            )
        added = behaviour.add(store, result)
    places = len(result.candidates)
    click.echo(
        f"Compared {plural(result.devices, 'device')} over {plural(result.flows, 'flow')}: {places} "
        f"{'place holds' if places == 1 else 'places hold'} an identifier found by behaviour; "
        f"{added} {'finding' if added == 1 else 'findings'} added (source behaviour)."
    )
    for c in result.candidates[:20]:
        click.echo(f"  {terminal_safe(f'{c.where} `{c.path}` at {c.endpoint}', 160)}")
    if places > 20:
        click.echo(f"  +{places - 20} more: phonehome findings --kind device_id --format jsonl")


SAMPLE = "phone-session.har"


def sample_path() -> Path:
    try:
        return Path(str(resources.files("phonehome.examples").joinpath(SAMPLE)))
    except ModuleNotFoundError:
        # Running from a source tree that is on sys.path but not installed: examples/ is beside us.
        return Path(__file__).resolve().parents[2] / "examples" / SAMPLE


@click.command()
@click.option("--db", default=None, help="Keep the demo database here instead of a temporary one.")
def demo(db: str | None) -> None:
    """Replay the bundled sample: a Xiaomi phone's morning, and what it sent where.

    Example: phonehome demo --db demo.db && phonehome findings --db demo.db --kind visited_url
    """
    out = console()
    sample = sample_path()
    if not sample.is_file():
        fail(f"the bundled sample {sample} is missing: reinstall phonehome")
    with tempfile.TemporaryDirectory(prefix="phonehome-demo-") as tmp:
        target = db or str(Path(tmp) / "demo.db")
        with open_store(target, create=True) as store:
            out.print(
                f"Replaying the bundled sample capture ({SAMPLE}): one Android phone, about twenty minutes.\n"
            )
            report = replay(store, [sample], label="demo")
            if report.unusable or not report.stored and not report.duplicates:
                fail("the bundled sample could not be replayed")
            render_summary(out, queries.summary(store, "demo"))
            out.print()
            render_evidence(out, store, "demo")
        out.print()
        if db:
            shown = esc(shown_db(db))
            out.print(f"Explore it: phonehome findings --db {shown}   (or flows, destinations)")
            out.print(
                f"The full report, charts and evidence: phonehome report --db {shown} --format html -o report.html"
            )
        else:
            out.print(
                "Explore it yourself: phonehome demo --db demo.db, then phonehome findings --db demo.db,"
                " or phonehome report --db demo.db --format html -o report.html"
            )
        out.print("Capture your own phone: phonehome capture   (see docs/capture.md)")
