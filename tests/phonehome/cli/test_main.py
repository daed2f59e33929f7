"""phonehome.cli.main: the command group, every command registered with an example."""

from __future__ import annotations

from phonehome.cli.main import main
from tests.phonehome.cli._run import run


def test_every_command_has_an_example_in_its_help() -> None:
    for name, command in main.commands.items():
        assert "Example:" in (command.help or ""), name


def test_every_command_is_registered_and_listed() -> None:
    from phonehome.cli.main import COMMANDS

    names = {c.name for c in COMMANDS}
    assert names == set(main.commands) and len(names) == len(COMMANDS)
    code, out, _ = run("--help")
    assert code == 0 and all(name in out for name in names)


# Runs in a fresh interpreter: importing mitmproxy costs half a second, and only `capture` needs it.
NO_PROXY = r"""
import sys
from click.testing import CliRunner
from phonehome.cli.main import main

for args in (["--help"], ["findings", "--help"], ["lookup", "8.8.8.8"], ["report", "--help"]):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "mitmproxy" or m.startswith("phonehome.addons"))
print(loaded)
"""


def test_only_capture_imports_mitmproxy() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", NO_PROXY], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
