"""Writing rows as a table, JSON lines or CSV, with every captured string made safe to show.

Captured strings are attacker-controlled: in a terminal they could carry escape sequences, in a
rich table markup, in a spreadsheet formulas.  Each format neutralises its own danger.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

# rich is imported by the functions that draw: JSON lines, CSV and error lines never load it.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"[\r\n\t]")


def terminal_safe(value: object, limit: int | None = 120) -> str:
    """Control characters and bidi overrides shown as escapes, newlines as spaces, long values cut."""
    text = "" if value is None else str(value)
    text = _NEWLINES.sub(" ", text)
    text = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256 else f"\\u{ord(m.group(0)):04x}", text
    )
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def cell(value: object, limit: int | None = 120) -> Text:
    """A table cell that is never parsed as rich markup."""
    from rich.text import Text

    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return Text(terminal_safe(value, limit))


def csv_safe(value: object) -> str:
    """Spreadsheets run cells starting with = + @ as formulas: prefix those with a quote."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not re.match(r"-[\d.]", text)):
        return "'" + text
    return text


def write_jsonl(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([csv_safe(row.get(c)) for c in columns])
        n += 1
    return n


# Columns whose values can be any length (captured, or lists): cut with an ellipsis to fit the
# terminal, one line per row; the full value stays in JSON lines and CSV.
LONG_COLUMNS = frozenset({
    "host", "url", "value", "path", "session", "device", "as_org", "entity", "kinds", "encodings", "notes",
    "domain", "app", "error", "label", "categories", "source", "service", "ip", "server_ip", "query",
})  # fmt: skip
TIME_COLUMNS = frozenset({"time", "started", "ended", "first_flow", "last_flow"})
# Headers people read, for columns whose machine name says less.
HEADERS = {"kind": "data", "kinds": "data", "entity": "company", "entity_country": "company HQ",
           "country": "server in", "as_org": "network", "flow_id": "flow", "first_flow": "first",
           "last_flow": "last", "blind_spots": "blind spots", "entity_region": "company region"}  # fmt: skip


def human(column: str, value: Any, zone: str | None = None) -> Any:
    """A machine value as a table shows it: kinds, categories and countries in words (phonehome.words),
    times to the second in `zone` with the zone named."""
    from phonehome import words

    if value is None or value == "":
        return value
    if column in TIME_COLUMNS:
        return words.when(value, zone)
    if column == "kind":
        return words.kind_label(str(value))
    if column == "kinds" and isinstance(value, list | tuple):
        return ", ".join(words.kind_label(str(k)) for k in value)
    if column == "category":
        return words.category_label(str(value))
    if column in ("country", "entity_country"):
        return words.country_label(str(value))
    return value


def _fair_widths(natural: dict[int, int], budget: int, floor: int = 6) -> dict[int, int]:
    """Widths for the long columns within `budget`: the narrow ones keep their natural width, the
    rest share what is left equally (never under `floor`)."""
    widths: dict[int, int] = {}
    left = dict(natural)
    while left:
        share = max(floor, budget // len(left))
        fitting = {i: w for i, w in left.items() if w <= share}
        if not fitting:
            widths.update({i: share for i in left})
            break
        for i, w in fitting.items():
            widths[i] = w
            budget -= w
            del left[i]
    return widths


def write_table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    console: Console,
    title: str | None = None,
    *,
    zones: dict[str, str] | None = None,
    empty: str = "No rows match.",
) -> int:
    """Rows as one table that fits the console's width: long columns cut with an ellipsis, one line
    per row, the others folded only when there is no room; values in words (`human`), times in each
    row's session zone (`zones`: label -> zone).  No rows: the one line `empty`, no empty table."""
    from rich.cells import cell_len
    from rich.table import Table

    headers = [HEADERS.get(c, c) for c in columns]
    cells = []
    for row in rows:
        zone = (zones or {}).get(str(row.get("session")), "UTC")
        cells.append([cell(human(c, row.get(c), zone)) for c in columns])
    if not cells:
        console.print(empty)
        return 0
    natural = [max([cell_len(h)] + [cell_len(r[i].plain) for r in cells]) for i, h in enumerate(headers)]
    long = {i: natural[i] for i, c in enumerate(columns) if c in LONG_COLUMNS}
    budget = console.width - (3 * len(columns) + 1)  # each column's padding and rule, and the last rule
    short = sum(w for i, w in enumerate(natural) if i not in long)
    widths = _fair_widths(long, budget - short) if short + sum(long.values()) > budget else {}
    table = Table(title=title, show_lines=False, header_style="bold", title_justify="left")
    for i, header in enumerate(headers):
        if i in long:
            table.add_column(header, overflow="ellipsis", no_wrap=True, max_width=widths.get(i))
        else:
            table.add_column(header, overflow="fold")
    for r in cells:
        table.add_row(*r)
    console.print(table)
    return len(cells)
