"""`phonehome sessions`, `findings`, `flows`, `destinations` and `lookup`: what is stored and known, as rows."""

from __future__ import annotations

import sys
from typing import Any

import click

from phonehome.cli.common import (
    DESTINATION_COLUMNS,
    DESTINATION_TABLE,
    FINDING_COLUMNS,
    FINDING_TABLE,
    FLOW_COLUMNS,
    FLOW_COLUMNS_EXTRA,
    FLOW_TABLE,
    REGION_TABLE,
    console,
    db_option,
    destinations_of,
    emit,
    esc,
    fail,
    filters,
    geo_options,
    open_store,
    resolve_option,
    shown_db,
)
from phonehome.output import human, terminal_safe, write_csv, write_jsonl, write_table

# The database and the destinations' data are imported inside the commands that read them: `lookup`
# opens no database, and no --help loads either (docs/performance.md#start-up).

SESSION_COLUMNS = (
    "session", "source", "started", "ended", "device", "flows", "findings", "blind_spots", "first_flow",
    "last_flow", "span_seconds",
)  # fmt: skip
SESSION_TABLE = (
    "session", "source", "started", "ended", "device", "flows", "findings", "blind_spots", "first_flow",
    "last_flow", "span",
)  # fmt: skip


def span(seconds: float | None) -> str:
    """`2d 03h 04m`, `1h 02m 03s`, `4m 10s`, `12s`: a device's time span as a person reads it."""
    if seconds is None:
        return ""
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, sec = divmod(rest, 60)
    if h >= 24:
        return f"{h // 24}d {h % 24:02d}h {m:02d}m"
    if h:
        return f"{h}h {m:02d}m {sec:02d}s"
    return f"{m}m {sec:02d}s" if m else f"{sec}s"


def _table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the table shows them: a session's own columns once, above its devices."""
    out, previous = [], None
    for row in rows:
        # Times stay ISO here: the table shows them in the session's zone (output.human).
        shown = {**row, "span": span(row["span_seconds"])}
        if row["session"] == previous:
            shown.update(session="", source="", started="", ended="")
        previous = row["session"]
        out.append(shown)
    return out


@click.command("sessions")
@db_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "jsonl", "csv"]), default="table", show_default=True
)
def sessions_cmd(db: str, fmt: str) -> None:
    """Every session, oldest first, and each device in it: flows, findings, blind spots, time span.

    Example: phonehome sessions --format csv > sessions.csv

    Give a session or device name shown here to --session and --device of the other commands.
    """
    from phonehome.db import queries

    with open_store(db, create=False) as store:
        rows = list(queries.sessions(store))
        zones = store.session_zones()
    if fmt == "jsonl":
        write_jsonl(rows, sys.stdout)
    elif fmt == "csv":
        write_csv(rows, SESSION_COLUMNS, sys.stdout)
    elif not rows:
        click.echo(f"No sessions in {terminal_safe(shown_db(db), 200)}: capture or replay something first.")
    else:
        write_table(_table_rows(rows), SESSION_TABLE, console(), zones=zones)


@click.command("findings")
@filters
def findings_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Every piece of personal data found, with where it was and how it was wrapped.

    Example: phonehome findings --kind imei --format jsonl
    """
    from phonehome.db import queries
    from phonehome.redact import redact_findings, without_passwords

    with open_store(db, create=False, session=where["session"], device=where["device"]) as store:
        f = queries.Filters(**where)
        region = f.region
        table = FINDING_TABLE + REGION_TABLE if region else FINDING_TABLE
        rows = queries.findings(store, f)
        shown = redact_findings(rows) if redact else without_passwords(rows)
        if fmt == "table":
            write_table(shown, table, console(), zones=store.session_zones(), empty="No findings match.")
        else:
            emit(shown, fmt, FINDING_COLUMNS, table)


@click.command("flows")
@filters
def flows_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Every request captured or replayed, with the number of findings in each.

    Example: phonehome flows --host miui.com --format csv > miui.csv
    """
    from phonehome.db import queries
    from phonehome.redact import redact_flows, without_passwords

    with open_store(db, create=False, session=where["session"], device=where["device"]) as store:
        f = queries.Filters(**where)
        region = f.region
        table = FLOW_TABLE + REGION_TABLE if region else FLOW_TABLE
        rows = queries.flows(store, f)
        shown = redact_flows(rows, store, f) if redact else without_passwords(rows)
        if fmt == "table":
            write_table(shown, table, console(), zones=store.session_zones(), empty="No flows match.")
        else:
            emit(shown, fmt, FLOW_COLUMNS + FLOW_COLUMNS_EXTRA, table)


@click.command("destinations")
@filters
def destinations_cmd(db: str, fmt: str, redact: bool, **where: Any) -> None:
    """Where the traffic went: one row per host and server address.

    Example: phonehome destinations --category location
    """
    from phonehome.db import queries

    with open_store(db, create=False, session=where["session"], device=where["device"]) as store:
        f = queries.Filters(**where)
        region = f.region
        table = DESTINATION_TABLE + ("region", "entity_region") if region else DESTINATION_TABLE
        if fmt == "table":
            write_table(queries.destinations(store, f), table, console(), empty="No destinations match.")
        else:
            emit(queries.destinations(store, f), fmt, DESTINATION_COLUMNS, table)


@click.command("lookup")
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
    from phonehome.lookup import LOOKUP_COLUMNS, LookupError_, describe_target

    places = destinations_of(geoip_db, asn_db)
    resolver = None
    if resolve:
        from phonehome.resolve import Resolver

        resolver = Resolver()
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
        out = console()
        room = max(20, out.width - 19)  # two spaces, the key in 16 and a space; long values end in …
        for row in rows:
            out.print(f"[bold]{esc(terminal_safe(row['query'], max(20, out.width)))}[/bold]")
            for key in LOOKUP_COLUMNS[1:]:
                value = row[key]
                if value in (None, [], False) and key not in ("country", "anycast"):
                    continue
                value = human(key, value)
                shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                out.print(f"  {key:<16} {esc(terminal_safe(shown, room))}")
