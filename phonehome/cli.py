"""The `phonehome` command: a thin click layer over the library.

Library errors become one clear line and exit code 2 here; exit 1 means the work was done but some
entries were skipped (counted and printed).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from phonehome.classifiers.destinations.geoip import ENV_ASN, ENV_GEOIP, GeoDataError, GeoIP
from phonehome.classifiers.destinations.place import Destinations
from phonehome.classifiers.destinations.regions import parse_region
from phonehome.classifiers.detect.known import KnownValues, KnownValuesError
from phonehome.classifiers.model import Category, Kind
from phonehome.datasafety import DeclaredError, load_declared
from phonehome.db import queries
from phonehome.db.reanalyze import reanalyze as run_reanalyze
from phonehome.db.store import Store, StoreError
from phonehome.diff import diff_lines, diff_sessions
from phonehome.export import export_har
from phonehome.lookup import LOOKUP_COLUMNS, LookupError_, describe_target
from phonehome.output import terminal_safe, write_csv, write_jsonl, write_table
from phonehome.pipeline import ReplayReport, make_analyzer, replay
from phonehome.redact import redact_findings, redact_flows
from phonehome.report.build import build_report
from phonehome.report.html import render_html
from phonehome.report.markdown import md as md_escape
from phonehome.report.markdown import render_markdown
from phonehome.report.terminal import render_terminal
from phonehome.resolve import Resolver
from phonehome.summary import render_evidence, render_summary

FINDING_CONTRACT = (
    "flow_id", "session", "time", "device", "method", "url", "host", "category", "kind", "value",
    "where", "path", "encodings", "confidence", "source", "hashed",
)  # fmt: skip
PLACE_COLUMNS = ("country", "region", "entity", "entity_country", "entity_region", "app", "vendor", "party")
FINDING_COLUMNS = FINDING_CONTRACT + PLACE_COLUMNS
FINDING_TABLE = ("flow_id", "time", "host", "kind", "value", "where", "path", "encodings", "source")
FLOW_COLUMNS = (
    "flow_id", "session", "time", "device", "method", "url", "host", "server_ip", "status", "tls",
    "request_bytes", "response_bytes", "findings",
)  # fmt: skip
FLOW_COLUMNS_EXTRA = ("error", "notes", *PLACE_COLUMNS)
FLOW_TABLE = ("flow_id", "time", "method", "url", "status", "tls", "findings", "notes")
DESTINATION_COLUMNS = (
    "host", "domain", "ip", "country", "asn", "as_org", "anycast", "entity", "entity_country",
    "categories", "region", "flows", "findings", "kinds", "entity_region", "service",
)  # fmt: skip
DESTINATION_TABLE = (
    "host",
    "ip",
    "country",
    "as_org",
    "entity",
    "entity_country",
    "flows",
    "findings",
    "kinds",
)
REGION_TABLE = ("entity", "entity_country", "entity_region", "country", "region")

DEFAULT_DB = "phonehome.db"


def _console(err: bool = False) -> Console:
    stream = sys.stderr if err else sys.stdout
    # Piped tables would be squeezed to 80 columns; give them room instead.
    width = None if stream.isatty() else 200
    return Console(stderr=err, highlight=False, soft_wrap=False, width=width)


def fail(message: str) -> None:
    """One line on stderr, exit code 2."""
    click.echo(f"phonehome: error: {terminal_safe(message, None)}", err=True)
    sys.exit(2)


@contextmanager
def _store(db: str, create: bool) -> Iterator[Store]:
    try:
        store = Store(db, create=create)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers content
    try:
        yield store
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.dispose()


known_option = click.option(
    "--known",
    "known_file",
    type=click.Path(dir_okay=False),
    help="TOML file of your device's own values (IMEI, email, ...) to find in any encoding or digest.",
)


def _known(path: str | None) -> KnownValues | None:
    if not path:
        return None
    try:
        return KnownValues.from_toml(path)
    except KnownValuesError as exc:
        fail(str(exc))
        raise  # unreachable


def geo_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--asn-db", envvar=ENV_ASN, type=click.Path(dir_okay=False), show_envvar=True,
        help="Your own MaxMind GeoLite2/GeoIP2 ASN (or ISP) mmdb, used before the shipped data.",
    )(func)  # fmt: skip
    return click.option(
        "--geoip-db", envvar=ENV_GEOIP, type=click.Path(dir_okay=False), show_envvar=True,
        help="Your own MaxMind GeoLite2/GeoIP2 City or Country mmdb, used before the shipped data.",
    )(func)  # fmt: skip


def _destinations(geoip_db: str | None, asn_db: str | None) -> Destinations:
    try:
        return Destinations(GeoIP(geoip_db, asn_db))
    except GeoDataError as exc:
        fail(str(exc))
        raise  # unreachable


resolve_option = click.option(
    "--resolve", is_flag=True,
    help="Look up missing server addresses through this computer's resolver (off by default: today's answer may differ).",
)  # fmt: skip


db_option = click.option(
    "--db", default=DEFAULT_DB, show_default=True, help="SQLite file path or any SQLAlchemy URL."
)


def _region(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_region(value).value
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _filters_no_format(func: Callable[..., Any]) -> Callable[..., Any]:
    """The shared filters, for commands with their own --format."""
    func = click.option(
        "--category", type=click.Choice([c.value for c in Category]), help="Only this category."
    )(func)
    func = click.option("--kind", type=click.Choice([k.value for k in Kind]), help="Only this kind of data.")(
        func
    )
    func = click.option(
        "--region", callback=_region, metavar="REGION",
        help="Only flows whose server OR receiving company is in this region: eu, uk, us, cn, hk, sg, ru, in, other.",
    )(func)  # fmt: skip
    func = click.option("--host", help="Only this host and its subdomains.")(func)
    func = click.option("--session", help="Only this session label.")(func)
    return db_option(func)


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--redact", is_flag=True, help="Mask personal values (as reports do); the default keeps full values."
    )(func)
    func = click.option(
        "--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True
    )(func)
    return _filters_no_format(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phonehome")
def main() -> None:
    """What does my phone send, to whom, and where?

    Start with `phonehome demo`. Then capture your own device with `phonehome capture`,
    or import recorded traffic with `phonehome replay FILE.har`.
    """


# -- capture ----------------------------------------------------------------------------------------


@main.command()
@click.option("--listen-host", default="0.0.0.0", show_default=True, help="Address the proxy listens on.")
@click.option(
    "--listen-port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@db_option
@click.option("--label", default="", help="Session label (default: capture-DATE-TIME).")
@click.option(
    "--confdir",
    default="~/.mitmproxy",
    show_default=True,
    help="mitmproxy's folder: CA certificate and keys.",
)
@click.option(
    "--ignore-hosts", "ignore_hosts", multiple=True, metavar="REGEX",
    help=r"Leave matching hosts untouched and unrecorded, e.g. '(^|\.)mybank\.com$' (searched in the host name; repeatable).",
)  # fmt: skip
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="OPTION=VALUE",
    help="Any mitmproxy option, as with mitmdump --set (repeatable).",
)
@known_option
@geo_options
def capture(
    listen_host: str,
    listen_port: int,
    db: str,
    label: str,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    confdir: str,
    ignore_hosts: tuple[str, ...],
    settings: tuple[str, ...],
) -> None:
    """Capture a device's traffic through a proxy on this computer.

    Example: phonehome capture --label "redmi, ads on" --db redmi.db

    Set the phone's Wi-Fi proxy to this computer's address and port, open http://mitm.it on the
    phone to install the certificate, use the phone, then press Ctrl-C here.
    """
    import re

    for pattern in ignore_hosts:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail(f"--ignore-hosts {pattern!r} is not a valid regular expression: {exc}")
    _known(known_file)  # a bad file fails now, not once the phone is pointed at us
    _destinations(geoip_db, asn_db)
    try:
        Store(db).dispose()  # fail now, before the phone is pointed at us
    except StoreError as exc:
        fail(str(exc))

    from mitmproxy.exceptions import OptionsError

    from phonehome.addons.embed import CaptureConfig, run_capture
    from phonehome.netinfo import phone_addresses

    out = _console()
    started: dict[str, str] = {}

    def ready(addrs: list[tuple[str, int]], session: str) -> None:
        started["session"] = session
        port = addrs[0][1] if addrs else listen_port
        for host, bound in addrs:
            out.print(f"Listening on {host}:{bound}")
        out.print(f"Recording to [bold]{_esc(db)}[/bold], session [bold]{_esc(session)}[/bold]")
        out.print("On the phone: Wi-Fi settings → this network → Proxy: Manual, then")
        for addr in phone_addresses(listen_host):
            out.print(f"    host [bold]{addr}[/bold]   port [bold]{port}[/bold]")
        out.print(
            "Open [bold]http://mitm.it[/bold] on the phone to install and trust the certificate (docs/capture.md)."
        )
        out.print("Press Ctrl-C to stop; every captured flow is saved first.")
        sys.stdout.flush()

    extra: dict[str, str] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            fail(f"--set {setting!r}: expected OPTION=VALUE, e.g. --set block_global=false")
        extra[name.strip()] = value
    config = CaptureConfig(
        db=db, listen_host=listen_host, listen_port=listen_port, confdir=confdir, label=label,
        known=str(Path(known_file).resolve()) if known_file else "", ignore_hosts=ignore_hosts, extra=extra,
        geoip_db=str(Path(geoip_db).resolve()) if geoip_db else "",
        asn_db=str(Path(asn_db).resolve()) if asn_db else "",
    )  # fmt: skip
    try:
        stats = run_capture(config, ready)
    except StoreError as exc:
        fail(str(exc))
    except OptionsError as exc:
        fail(f"--set: {exc}")
    except OSError as exc:
        fail(f"cannot listen on {listen_host}:{listen_port}: {exc.strerror or exc}")
    if stats is not None:
        out.print(
            f"Stopped. Saved {stats.stored} flows ({stats.findings} findings, {stats.tls_failures} TLS refusals)."
        )
    if started.get("session"):
        with _store(db, create=False) as store:
            summary = queries.summary(store, started["session"])
            if summary.flows or summary.tls_failures:
                out.print()
                render_summary(out, summary)
                out.print(f"Full report: phonehome report --db {_esc(db)} --format html -o report.html")


# -- replay -----------------------------------------------------------------------------------------


@main.command("replay")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
@click.option("--label", default=None, help="Session label for all files (default: each file's name).")
@known_option
@geo_options
@resolve_option
def replay_cmd(
    files: tuple[str, ...],
    db: str,
    label: str | None,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    resolve: bool,
) -> None:
    """Import HAR files or mitmproxy flow dumps and analyse them.

    Example: phonehome replay chrome-export.har mitm.flows --db lab.db

    Exit code 1 if some entries were skipped, 2 if a file could not be read at all.
    """
    known = _known(known_file)
    places = _destinations(geoip_db, asn_db)
    with _store(db, create=True) as store:
        report = _replay_with_progress(
            store, list(files), label, known, places, Resolver() if resolve else None
        )
        err = _console(err=True)
        for f in report.files:
            name = terminal_safe(Path(f.path).name, 80)
            if f.error:
                click.echo(f"phonehome: error: {terminal_safe(f.error, None)}", err=True)
                continue
            dup = f", {f.duplicates} already stored" if f.duplicates else ""
            click.echo(
                f"{name}: {f.stored} flows imported{dup}, {f.findings} findings, session {terminal_safe(f.session, 60)!r}"
            )
            for reason, n in f.skipped.most_common():
                err.print(f"  skipped {n}: {_esc(terminal_safe(reason, 160))}", highlight=False)
        sessions = {f.session for f in report.files if not f.error}
        if len(sessions) == 1:
            summary = queries.summary(store, sessions.pop())
            if summary.flows:
                render_summary(_console(), summary)
                _console().print(
                    f"Full report: phonehome report --db {_esc(db)} --format html -o report.html"
                )
    sys.exit(_replay_exit(report))


def _replay_exit(report: ReplayReport) -> int:
    if report.unusable:
        return 2
    return 1 if report.skipped else 0


def _replay_with_progress(
    store: Store,
    files: list[str],
    label: str | None,
    known: KnownValues | None,
    places: Destinations,
    resolver: Resolver | None,
) -> ReplayReport:
    extra: dict[str, Any] = {"known": known, "destinations": places, "resolver": resolver}
    if not sys.stderr.isatty():
        return replay(store, files, label=label, **extra)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=_console(err=True), transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def progress(path: str, expected: int | None, done: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(terminal_safe(Path(path).name, 40), total=expected)
            bar.update(tasks[path], completed=done)

        return replay(store, files, label=label, progress=progress, **extra)


@main.command()
@db_option
@click.option("--session", help="Only this session (default: every stored flow).")
@known_option
@geo_options
@resolve_option
def reanalyze(
    db: str,
    session: str | None,
    known_file: str | None,
    geoip_db: str | None,
    asn_db: str | None,
    resolve: bool,
) -> None:
    """Run today's classifiers again over stored flows, replacing their findings.

    Example: phonehome reanalyze --db myphone.db --known me.toml

    Use it after upgrading phonehome, to look for your own values in an old capture, or to place
    old captures with your own GeoLite2 files (--geoip-db, --asn-db).
    """
    known = _known(known_file)
    places = _destinations(geoip_db, asn_db)
    with _store(db, create=False) as store:
        analyzer = make_analyzer(known, places, Resolver() if resolve else None)
        if sys.stderr.isatty():
            with Progress(TextColumn("re-analysing"), BarColumn(), MofNCompleteColumn(), console=_console(err=True),
                          transient=True) as bar:  # fmt: skip
                task = bar.add_task("flows", total=None)
                result = run_reanalyze(store, analyzer, session=session,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))  # fmt: skip
        else:
            result = run_reanalyze(store, analyzer, session=session)
        click.echo(
            f"Re-analysed {result.flows} flows: {result.findings_before} findings before, {result.findings_after} now."
        )


# -- queries ----------------------------------------------------------------------------------------


def _emit(rows: Iterator[dict[str, Any]], fmt: str, columns: tuple[str, ...], table: tuple[str, ...]) -> None:
    if fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    elif fmt == "csv":
        write_csv(rows, columns, sys.stdout)
    else:
        write_table(rows, table, _console())


@main.command("findings")
@_filters
def findings_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Every piece of personal data found, with where it was and how it was wrapped.

    Example: phonehome findings --kind imei --format jsonl
    """
    with _store(db, create=False) as store:
        f = queries.Filters(**where)
        region = f.region
        table = FINDING_TABLE + REGION_TABLE if region else FINDING_TABLE
        rows = queries.findings(store, f)
        _emit(redact_findings(rows) if redact else rows, fmt, FINDING_COLUMNS, table)


@main.command("flows")
@_filters
def flows_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Every request captured or replayed, with the number of findings in each.

    Example: phonehome flows --host miui.com --format csv > miui.csv
    """
    with _store(db, create=False) as store:
        f = queries.Filters(**where)
        region = f.region
        table = FLOW_TABLE + REGION_TABLE if region else FLOW_TABLE
        rows = queries.flows(store, f)
        _emit(redact_flows(rows, store, f) if redact else rows, fmt, FLOW_COLUMNS + FLOW_COLUMNS_EXTRA, table)


@main.command("destinations")
@_filters
def destinations_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Where the traffic went: one row per host and server address.

    Example: phonehome destinations --category location
    """
    with _store(db, create=False) as store:
        f = queries.Filters(**where)
        region = f.region
        table = DESTINATION_TABLE + ("region", "entity_region") if region else DESTINATION_TABLE
        _emit(queries.destinations(store, f), fmt, DESTINATION_COLUMNS, table)


@main.command("lookup")
@click.argument("targets", nargs=-1, required=True, metavar="HOST_OR_IP...")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True
)
@geo_options
@resolve_option
def lookup_cmd(
    targets: tuple[str, ...], fmt: str, geoip_db: str | None, asn_db: str | None, resolve: bool
) -> None:
    """What phonehome knows about a destination: country, network owner, company, jurisdiction.

    Example: phonehome lookup data.mistat.intl.xiaomi.com 161.117.0.1 8.8.8.8

    Offline: a host name alone gives the company; its server's country needs an address
    (give one, or add --resolve to ask this computer's resolver).
    """
    places = _destinations(geoip_db, asn_db)
    resolver = Resolver() if resolve else None
    rows = []
    for target in targets:
        try:
            rows.append(describe_target(target, places, resolver))
        except LookupError_ as exc:
            fail(str(exc))
    if fmt == "json":
        import json

        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "jsonl":
        write_jsonl(iter(rows), sys.stdout)
    else:
        out = _console()
        for row in rows:
            out.print(f"[bold]{_esc(row['query'])}[/bold]")
            for key in LOOKUP_COLUMNS[1:]:
                value = row[key]
                if value in (None, [], False) and key not in ("country", "anycast"):
                    continue
                shown = ", ".join(value) if isinstance(value, list) else str(value)
                out.print(f"  {key:<16} {_esc(shown)}")


# -- reports ---------------------------------------------------------------------------------------


@main.command("report")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "html", "md", "json"]),
    default="terminal",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    help="Write to this file (0600) instead of stdout.",
)
@click.option("--session", help="Only this session.")
@click.option("--device", help="Only this device (its address in a capture, the session label in a replay).")
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
    with _store(db, create=False) as store:
        data = build_report(store, session=session, device=device, reveal=reveal, declared=declared)
    if (session or device) and not data["devices"]:
        fail(
            f"nothing stored for {'session ' + repr(session) if session else ''}{' device ' + repr(device) if device else ''}".strip()
        )
    if fmt == "terminal":
        if output:
            with _private_file(output) as fh:
                render_terminal(Console(file=fh, width=160, highlight=False, soft_wrap=False), data)
        else:
            render_terminal(_console(), data)
        return
    if fmt == "json":
        import json

        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        text = render_markdown(data)
    else:
        text = render_html(data)
    if output:
        with _private_file(output) as fh:
            fh.write(text)
        click.echo(f"Wrote {output} ({'redacted' if not reveal else 'FULL VALUES'}).", err=True)
    else:
        sys.stdout.write(text)


@contextmanager
def _private_file(path: str) -> Iterator[Any]:
    """A file only its owner can read: reports and exports are personal data, redacted or not."""
    import os

    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yield fh


@main.command("diff")
@db_option
@click.option("--session", "sessions", multiple=True, required=True, help="Two sessions: before, then after.")
@click.option(
    "--format", "fmt", type=click.Choice(["terminal", "json", "md"]), default="terminal", show_default=True
)
def diff_cmd(db: str, sessions: tuple[str, ...], fmt: str) -> None:
    """What changed between two sessions: data, companies and countries that appeared or went.

    Example: phonehome diff --session "ads on" --session "ads off"
    """
    if len(sessions) != 2:
        fail("diff needs exactly two sessions: --session BEFORE --session AFTER")
    with _store(db, create=False) as store:
        labels = set(queries.summary(store).sessions)
        for label in sessions:
            if label not in labels:
                fail(f"no session {label!r} in {db} (sessions: {', '.join(sorted(labels)) or 'none'})")
        result = diff_sessions(store, sessions[0], sessions[1])
    if fmt == "json":
        import json

        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    lines = diff_lines(result)
    if fmt == "md":
        click.echo(
            "\n".join(
                ["# phonehome diff", ""]
                + [md_escape(line) if line.startswith("  ") else md_escape(line) for line in lines]
            )
        )
        return
    for line in lines:
        click.echo(terminal_safe(line, None))


@main.command("export")
@_filters_no_format
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
def export_cmd(db: str, session: str | None, host: str | None, region: str | None, kind: str | None,
               category: str | None, fmt: str, output: str, reveal: bool) -> None:  # fmt: skip
    """Write the flows of a filter as a HAR file for other tools, redacted by default.

    Example: phonehome export --format har --host miui.com -o miui.har
    """
    with _store(db, create=False) as store:
        f = queries.Filters(session=session, host=host, kind=kind, category=category, region=region)
        try:
            n = export_har(store, f, output, reveal=reveal)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"Wrote {n} flows to {output} ({'redacted' if not reveal else 'FULL VALUES'}).", err=True)


# -- demo -------------------------------------------------------------------------------------------

SAMPLE = "phone-session.har"


def sample_path() -> Path:
    try:
        return Path(str(resources.files("phonehome.examples").joinpath(SAMPLE)))
    except ModuleNotFoundError:
        # Running from a source tree that is on sys.path but not installed: examples/ is beside us.
        return Path(__file__).resolve().parents[1] / "examples" / SAMPLE


@main.command()
@click.option("--db", default=None, help="Keep the demo database here instead of a temporary one.")
def demo(db: str | None) -> None:
    """Replay the bundled sample: a Xiaomi phone's morning, and what it sent where.

    Example: phonehome demo --db demo.db && phonehome findings --db demo.db --kind visited_url
    """
    out = _console()
    sample = sample_path()
    if not sample.is_file():
        fail(f"the bundled sample {sample} is missing: reinstall phonehome")
    with tempfile.TemporaryDirectory(prefix="phonehome-demo-") as tmp:
        target = db or str(Path(tmp) / "demo.db")
        with _store(target, create=True) as store:
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
            out.print(f"Explore it: phonehome findings --db {_esc(db)}   (or flows, destinations)")
            out.print(
                f"The full report, charts and evidence: phonehome report --db {_esc(db)} --format html -o report.html"
            )
        else:
            out.print(
                "Explore it yourself: phonehome demo --db demo.db, then phonehome findings --db demo.db,"
                " or phonehome report --db demo.db --format html -o report.html"
            )
        out.print("Capture your own phone: phonehome capture   (see docs/capture.md)")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(terminal_safe(text, None))


if __name__ == "__main__":
    main()
