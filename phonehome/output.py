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


def write_table(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], console: Console, title: str | None = None
) -> int:
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    n = 0
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in columns))
        n += 1
    if n:
        console.print(table)
    else:
        console.print("No rows match.")
    return n
