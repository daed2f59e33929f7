"""docs/capture.md agrees with `phonehome capture --help`: every option, each default, the advice.

The options are read from the click command itself, so a new option fails here until the guide
names it, and a changed default fails until the guide says the new one.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from phonehome.cli.capture import capture

ROOT = Path(__file__).resolve().parents[2]
CAPTURE_MD = (ROOT / "docs" / "capture.md").read_text()
OPTIONS = [p for p in capture.params if isinstance(p, click.Option) and p.name != "help"]


def _table() -> dict[str, str]:
    """The options table: the long option of each row -> its default cell."""
    rows: dict[str, str] = {}
    for line in CAPTURE_MD.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and (m := re.match(r"`(--[a-z-]+)", cells[0])):
            rows[m.group(1)] = cells[1]
    return rows


def _default(param: click.Option) -> object:
    """click's default, or None when there is none (an unset, empty or flag default)."""
    default = param.default
    if param.is_flag or param.multiple or default in (None, "", ()) or not isinstance(default, str | int):
        return None
    return default


def _long(param: click.Option) -> str:
    return next(opt for opt in param.opts if opt.startswith("--"))


def test_the_table_lists_every_option() -> None:
    assert OPTIONS, "no options read from the capture command"
    table = _table()
    missing = [_long(p) for p in OPTIONS if _long(p) not in table]
    assert not missing, f"docs/capture.md's options table lacks {missing}"
    unknown = sorted(set(table) - {_long(p) for p in OPTIONS})
    assert not unknown, f"docs/capture.md documents options capture does not have: {unknown}"


@pytest.mark.parametrize("param", OPTIONS, ids=lambda p: p.name or "")
def test_each_documented_default_is_clicks(param: click.Option) -> None:
    cell = _table().get(_long(param))
    if cell is None:
        pytest.fail(f"{_long(param)} is not in docs/capture.md's options table")
    spans = [s for s in re.findall(r"`([^`]*)`", cell) if not s.startswith("$")]  # $ENV: an env var
    default = _default(param)
    if default is None:
        assert not spans, f"{_long(param)}: the guide gives a default ({spans[0]}) that --help does not"
        if param.envvar:
            assert f"`${param.envvar}`" in cell, f"{_long(param)}: the guide does not name ${param.envvar}"
    else:
        assert spans and spans[0] == str(default), f"{_long(param)}: --help says {default}, the guide {cell}"


def test_every_choice_is_documented() -> None:
    for param in OPTIONS:
        if isinstance(param.type, click.Choice):
            for choice in param.type.choices:
                assert f"`{choice}`" in CAPTURE_MD, f"{_long(param)} {choice} is not in docs/capture.md"


def test_ignore_hosts_advice_matches_help() -> None:
    (param,) = [p for p in OPTIONS if _long(p) == "--ignore-hosts"]
    examples = re.findall(r"'([^']+)'", param.help or "")
    assert examples, "--ignore-hosts --help gives no example pattern"
    for example in examples:
        assert f"'{example}'" in CAPTURE_MD, f"docs/capture.md lacks --help's example {example}"
    assert "do not end it with `$`" not in CAPTURE_MD


@pytest.mark.parametrize(
    "limit",
    [
        "apps ignore user-installed CAs",
        "/apex/com.android.conscrypt/cacerts",
        "Certificate pinning",
        "blind spot",
        "QUIC",
        "UDP 443",
        "Apps that ignore the Wi-Fi proxy",
        "Client isolation",
        "Firewalls",
        "`block_global`",
    ],
)
def test_every_limit_is_stated(limit: str) -> None:
    assert limit in CAPTURE_MD


@pytest.mark.parametrize(
    "part",
    [
        "**Android**",
        "**iPhone / iPad:**",
        "A browser on this laptop",
        "An Android emulator",
        "WireGuard mode",
    ],
)
def test_every_way_in_is_covered(part: str) -> None:
    assert part in CAPTURE_MD
