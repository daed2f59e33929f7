"""phonehome.cli.main: the command group, every command registered with an example, and the lazy
registry's one-line helps kept equal to the commands' own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from phonehome.cli.main import COMMANDS, REGISTRY, Entry, main
from tests.phonehome.cli._run import run


def test_every_command_has_an_example_in_its_help() -> None:
    for command in COMMANDS:
        assert "Example:" in (command.help or ""), command.name


def test_every_command_is_registered_and_listed() -> None:
    names = {c.name for c in COMMANDS}
    assert names == {entry.name for entry in REGISTRY} and len(names) == len(COMMANDS) == len(REGISTRY)
    code, out, _ = run("--help")
    assert code == 0 and all(name in out for name in names)
    ctx = click.Context(main)
    assert main.list_commands(ctx) == sorted(names)
    assert all(main.get_command(ctx, c.name or "") is c for c in COMMANDS)
    assert main.get_command(ctx, "nope") is None


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda entry: entry.name)
def test_the_registry_summary_is_the_commands_own(entry: Entry) -> None:
    """`phonehome --help` lists the registry's summaries without importing the commands; they are
    each command's name and the first paragraph of its help, word for word."""
    command = entry.load()
    assert command.name == entry.name
    assert command.short_help is None  # the summary stands in for the help's first paragraph only
    first = " ".join((command.help or "").partition("\n\n")[0].split())
    assert entry.summary == first, f"REGISTRY's summary of {entry.name} differs from its docstring"


@pytest.mark.parametrize("width", [50, 80, 120])
def test_the_lazy_listing_is_what_click_would_print(width: int) -> None:
    eager = click.Group(
        "phonehome", help=main.help, params=list(main.params), context_settings=main.context_settings,
        commands=list(COMMANDS),
    )  # fmt: skip
    lazy = CliRunner().invoke(main, ["--help"], prog_name="phonehome", terminal_width=width)
    real = CliRunner().invoke(eager, ["--help"], prog_name="phonehome", terminal_width=width)
    assert lazy.exit_code == real.exit_code == 0
    assert lazy.output == real.output


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


def _program(before: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`phonehome ARGS` as the console script runs it (`run`), after `before` in the same interpreter."""
    import sys

    code = f"import sys\n{before}\nfrom phonehome.cli.main import run\nsys.argv = ['phonehome', *{list(args)!r}]\nrun()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_program_exits_as_a_normal_exit_would(tmp_path: Path) -> None:
    """`run` skips only the interpreter's teardown: exit statuses, atexit handlers, threads still
    running and every byte of output are as with a normal exit."""
    ok = _program("", "--version")
    assert ok.returncode == 0 and "phonehome" in ok.stdout
    missing = _program("", "findings", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no database" in missing.stderr
    last = _program("import atexit; atexit.register(lambda: print('atexit ran'))", "--version")
    assert last.returncode == 0 and last.stdout.rstrip().endswith("atexit ran")
    thread = _program(
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True))).start()",
        "--version",
    )
    assert thread.returncode == 0 and "thread done" in thread.stdout
    message = _program("import phonehome.cli.main as m; m.main = lambda: sys.exit('it broke')")
    assert message.returncode == 1 and message.stderr.strip() == "it broke"
    big = _program("print('x' * 200_000, end='')", "--version")  # buffered output is flushed
    assert big.returncode == 0 and big.stdout.startswith("x" * 200_000)


def test_the_console_script_is_run() -> None:
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"phonehome": "phonehome.cli.main:run"}


def test_an_idle_executor_does_not_keep_the_program_from_ending() -> None:
    """Its threads wait for work and are told to stop only by the threading module's exit hooks,
    which a normal exit runs before it waits for threads: so does `run`."""
    idle = _program(
        "from concurrent.futures import ThreadPoolExecutor\n"
        "pool = ThreadPoolExecutor(2); pool.submit(print, 'worked', flush=True).result()",
        "--version",
    )
    assert idle.returncode == 0 and "worked" in idle.stdout


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["replay", "big.har"], True),
        (["replay", "big.har", "--workers", "2"], True),
        (["capture", "--port", "8081"], True),
        (["replay", "--help"], False),  # its help: no worker will run
        (["replay", "big.har", "-h"], False),
        (["replay", "big.har", "--workers", "0"], False),  # classified in this process
        (["replay", "--workers=0", "big.har"], False),
        (["replay", "--workers", " 00", "big.har"], False),
        (["findings"], False),  # never uses workers
        (["reanalyze", "--db", "x.db"], True),
        (["reanalyze", "--db", "x.db", "--by-behaviour"], False),  # classifies nothing
        (["reanalyze", "--workers", "0"], False),
        (["reanalyze", "--resolve"], True),  # addresses looked up here, classified in workers
        (["replay", "big.har", "--resolve"], True),
        (["report", "--workers", "3"], False),
    ],
)
def test_the_fork_server_starts_before_a_command_that_forks_is_imported(
    args: list[str], starts: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`replay`, `reanalyze` and `capture` classify in worker processes: their fork server starts
    (importing the classifiers on another core) before the command's own module is imported."""
    import phonehome.db.workers as workers

    from phonehome.cli.main import LazyGroup

    started: list[tuple[str, ...]] = []
    monkeypatch.setattr(workers, "start_server", lambda preload: started.append(tuple(preload)))
    monkeypatch.setattr(Entry, "load", lambda self: click.Command(self.name))  # not imported
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    group = LazyGroup(entries=REGISTRY)
    name, command, _rest = group.resolve_command(click.Context(group), args)
    assert name == args[0] and command is not None
    expected = workers.WRITER_PRELOAD if args[0] == "capture" else workers.PRELOAD
    assert started == ([expected] if starts else [])
    # One core: the server would take the command's own time instead of running beside it.
    started.clear()
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0})
    LazyGroup(entries=REGISTRY).resolve_command(click.Context(group), args)
    assert started == []
    # Shell completion resolves commands without running them.
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    LazyGroup(entries=REGISTRY).resolve_command(click.Context(group, resilient_parsing=True), args)
    assert started == []


def test_the_fork_server_started_early_is_the_one_workers_fork_from() -> None:
    """In a fresh interpreter: `start_server` starts one fork server, and the pool's first worker is
    forked from that same server; a classifier process loads nothing of the database."""
    code = (
        "import os\n"
        "from multiprocessing import forkserver\n"
        "from phonehome.db.workers import ClassifierPool, start_server\n"
        "from phonehome.classifiers.model import Exchange\n"
        "from datetime import datetime, UTC\n"
        "from tests.db._poison import modules_loaded\n"
        "start_server()\n"
        "server = forkserver._forkserver._forkserver_pid\n"
        "start_server()\n"
        "assert forkserver._forkserver._forkserver_pid == server  # started once\n"
        "with ClassifierPool(modules_loaded, 1) as pool:\n"
        "    pool.wait_ready()\n"
        "    (a,) = pool.classify([Exchange(datetime(2026, 1, 1, tzinfo=UTC), 'GET', 'https://t.example/')])\n"
        "    assert a.notes == ('',), a.notes\n"
        "    worker = pool._workers[0].process.pid\n"
        "    parent = int(open(f'/proc/{worker}/stat').read().rsplit(')', 1)[1].split()[1])\n"
        "print(server, parent)\n"
    )
    import sys

    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=root
    )
    assert result.returncode == 0, result.stderr[-2000:]
    server, parent = result.stdout.split()
    assert int(server) == int(parent)
