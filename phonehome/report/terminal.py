"""The report in a terminal: the answer first, then tables, then the evidence."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from phonehome.output import cell
from phonehome.report.build import device_count, more
from phonehome.report.markdown import _duration
from phonehome.words import blind_spot_label, kind_label, plural
from phonehome.words import country_label as country_name

EVIDENCE_SHOWN = 40  # per device in the terminal; the other formats carry all of it


def _print(console: Console, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """A table, or nothing at all when it has no rows."""
    if rows:
        console.print(_table(title, header, rows))


def _table(title: str, header: list[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title, header_style="bold", title_justify="left", show_lines=False)
    for h in header:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*(cell(c, 80) if not isinstance(c, int) else str(c) for c in row))
    return table


def render_terminal(console: Console, report: dict[str, Any]) -> None:
    for sentence in report["headline"]:
        console.print(Text(sentence, style="bold"))
    console.print(Text(
        "Values are redacted; add --reveal to see them in full." if report["redacted"] else "Values are shown in full.",
        style="dim",
    ))  # fmt: skip
    single = device_count(report) == 1
    for d in report["devices"]:
        console.print()
        title = (
            f"Device {d['device']}, session {d['session']}: "
            f"{plural(d['flows'], 'request')} to {plural(d['hosts'], 'host')}"
        )
        console.rule(Text(title))
        for sentence in d["headline"][1:] if single else d["headline"]:
            console.print(Text(sentence))
        _print(console, "What was collected", ["data", "findings", "received by", "server countries"], [
            [c["label"], c["findings"], more(c["companies"], 5), more([country_name(x) for x in c["countries"]], 4)]
            for c in d["collected"]
        ])  # fmt: skip
        _print(console, "Who received it", ["receiver", "headquarters", "party", "servers in", "findings", "data"], [
            [r["receiver"], country_name(r["entity_country"]), r["party"],
             more([country_name(c) for c in r["server_countries"]], 3), r["findings"],
             more([kind_label(k) for k in r["kinds"]], 5)]
            for r in d["receivers"] if r["findings"]
        ])  # fmt: skip
        if d.get("apps"):
            _print(console, "Apps", ["app", "named by", "requests", "findings", "data", "received by"], [
                [a["label"], "; ".join(a["evidence"][:1]) or "-", a["flows"], a["findings"],
                 more([kind_label(k) for k in a["kinds"]], 5), more(a["companies"], 4)]
                for a in d["apps"]
            ])  # fmt: skip
        _print(console, "Where it went", ["server country", "region", "requests", "findings"], [
            [c["name"], c["region"], c["flows"], c["findings"]] for c in d["server_countries"]
        ])  # fmt: skip
        for p in d["timeline"]["periodic"]:
            console.print(
                Text(
                    f"{p['receiver']} was contacted every ~{_duration(p['every_seconds'])} ({plural(p['contacts'], 'request')})."
                )
            )
        b = d["blind_spots"]
        for x in b["tls_refused"]:
            console.print(
                Text(f"Refused our certificate (not readable): {x['host']} ×{x['count']}", style="yellow")
            )
        for x in b.get("unread", []):
            console.print(
                Text(
                    f"Not read ({blind_spot_label(x['kind'])}): {x['host']} ×{x['count']}",
                    style="yellow",
                )
            )
        for x in b["cleartext"]:
            console.print(
                Text(
                    f"Unencrypted HTTP carrying {', '.join(kind_label(k) for k in x['kinds'])}: {x['host']} (readable by anyone on the network)",
                    style="red",
                )
            )
        for x in b["undecoded"]:
            console.print(
                Text(
                    f"Not fully decoded: {x['host']} ({plural(x['flows'], 'request')}): {'; '.join(x['notes'])}",
                    style="dim",
                )
            )
        for x in d["declared"]:
            if not x["declared"]:
                console.print(
                    Text(
                        f"Observed but NOT DECLARED by {x['who']}: {x['play']} / {x['apple']} ({plural(x['findings'], 'finding')})",
                        style="red",
                    )
                )
        items = d["evidence"]["items"]
        if items:
            _print(console, "Evidence", ["data", "value", "receiver", "request", "where / path", "decoded through"], [
                [e["label"], e["value"], e["receiver"], e["request"], f"{e['where']} {e['path']}", " → ".join(e["encodings"]) or "plain"]
                for e in items[:EVIDENCE_SHOWN]
            ])  # fmt: skip
            if len(items) > EVIDENCE_SHOWN:
                console.print(
                    Text(
                        f"… {len(items) - EVIDENCE_SHOWN:,} more in --format html/md/json, or phonehome findings.",
                        style="dim",
                    )
                )
