from __future__ import annotations

import io
import json

from rich.console import Console

from phonehome.output import cell, csv_safe, terminal_safe, write_csv, write_jsonl, write_table


def test_terminal_safe_neutralises_escape_sequences_and_bidi() -> None:
    hostile = "ok\x1b[2J\x07\u202egnp.exe\nnext"
    safe = terminal_safe(hostile)
    assert "\x1b" not in safe and "\x07" not in safe and "\u202e" not in safe and "\n" not in safe
    assert safe == "ok\\x1b[2J\\x07\\u202egnp.exe next"
    assert terminal_safe("x" * 200, 10) == "x" * 9 + "…"


def test_table_cells_are_not_rich_markup() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    write_table([{"value": "[bold red]pwned[/] [link=http://evil]x[/link]"}], ["value"], console)
    assert "[bold red]pwned[/]" in out.getvalue()
    assert cell(["a", "b"]).plain == "a,b" and cell(True).plain == "yes"


def test_csv_defuses_formulas_but_keeps_negative_numbers() -> None:
    assert csv_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("-33.86,151.2") == "-33.86,151.2"
    assert csv_safe("-cmd") == "'-cmd"
    assert csv_safe(["json", "gzip"]) == '["json", "gzip"]'
    assert csv_safe(None) == "" and csv_safe(False) == "false"
    out = io.StringIO()
    assert write_csv([{"a": "=1", "b": 2}], ["a", "b"], out) == 1
    assert out.getvalue().splitlines() == ["a,b", "'=1,2"]


def test_jsonl_is_one_object_per_line() -> None:
    out = io.StringIO()
    rows = [{"v": "line\nbreak", "n": 1}, {"v": "ünï", "n": 2}]
    assert write_jsonl(rows, out) == 2
    assert [json.loads(line) for line in out.getvalue().splitlines()] == rows
