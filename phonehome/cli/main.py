"""The `phonehome` command group and the explicit list of its commands.

Each command lives in the module of its group (capture, replay, query, report, setup). The group
knows a command by its name, its module and the first paragraph of its help (`REGISTRY`), and
imports the module only when that command runs or shows its own help: `phonehome --help` imports
no command module, `findings` no proxy code and `lookup` no database (docs/performance.md#start-up).
`capture` reaches the addon only when it runs.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any, overload

import click


@dataclass(frozen=True)
class Entry:
    """A command as the group knows it before importing it."""

    name: str
    module: str  # under phonehome.cli
    attr: str  # the click command in that module
    # The first paragraph of the command's help; `phonehome --help` shortens it to one line as click
    # does. tests/phonehome/cli/test_main.py keeps it equal to the command's own help.
    summary: str
    # It classifies in worker processes forked from a fork server (db/workers.py): the group starts
    # that server before importing the command, so both import at once on two cores.  "writer":
    # it forks a writer process as well (a capture), whose server loads the store too.
    forks: str = ""
    unless: tuple[str, ...] = ()  # options with which it does not classify (so starts no server)

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(f"phonehome.cli.{self.module}"), self.attr)
        if not isinstance(command, click.Command):  # pragma: no cover - a mistake in REGISTRY
            raise TypeError(f"phonehome.cli.{self.module}.{self.attr} is not a click command")
        return command


REGISTRY: tuple[Entry, ...] = (
    Entry("capture", "capture", "capture", "Capture a device's traffic through a proxy on this computer.",
          forks="writer"),
    Entry("replay", "replay", "replay_cmd", "Import HAR files or mitmproxy flow dumps and analyse them.",
          forks="classifiers"),
    Entry("reanalyze", "replay", "reanalyze",
          "Run today's classifiers again over stored flows, replacing their findings.", forks="classifiers",
          unless=("--by-behaviour",)),
    Entry("sessions", "query", "sessions_cmd",
          "Every session, oldest first, and each device in it: flows, findings, blind spots, time span."),
    Entry("findings", "query", "findings_cmd",
          "Every piece of personal data found, with where it was and how it was wrapped."),
    Entry("flows", "query", "flows_cmd",
          "Every request captured or replayed, with the number of findings in each."),
    Entry("destinations", "query", "destinations_cmd",
          "Where the traffic went: one row per host and server address."),
    Entry("lookup", "query", "lookup_cmd",
          "What phonehome knows about a destination: country, network owner, company, jurisdiction."),
    Entry("report", "report", "report_cmd",
          "The answer at a glance: what was sent, to whom and where, with the evidence."),
    Entry("diff", "report", "diff_cmd",
          "What changed between two sessions: data, companies and countries that appeared or went."),
    Entry("export", "report", "export_cmd",
          "Write the flows of a filter as a HAR file for other tools, redacted by default."),
    Entry("letter", "letter", "letter_cmd",
          "Write a data-subject access request to a company that received your data in this capture."),
    Entry("demo", "replay", "demo",
          "Replay the bundled sample: a Xiaomi phone's morning, and what it sent where."),
    Entry("setup", "setup", "setup_cmd",
          "Print the steps that make a phone trust the proxy's certificate, and undo them."),
)  # fmt: skip


class LazyGroup(click.Group):
    """A group whose commands are imported when one runs or shows its help, not when it is listed."""

    def __init__(self, *args: Any, entries: Sequence[Entry] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = {entry.name: entry for entry in entries}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.entries})

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        entry = self.entries.get(args[0]) if args else None
        if (
            entry is not None
            and entry.forks
            and _runs(ctx, args[1:])
            and not set(entry.unless) & set(args[1:])
        ):
            from phonehome.db.workers import PRELOAD, WRITER_PRELOAD, start_server

            start_server(WRITER_PRELOAD if entry.forks == "writer" else PRELOAD)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.entries:
            self.add_command(self.entries[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries, shortened by click's own rule, importing nothing."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            entry = self.entries.get(name)
            command = click.Command(name, help=entry.summary) if entry else self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)


def _runs(ctx: click.Context, args: Sequence[str]) -> bool:
    """Whether the command will run with these arguments and may use worker processes: not for its
    help or shell completion, not with `--workers 0`, and not on one core, where the server's
    start-up would take the command's own time instead of running beside it."""
    if ctx.resilient_parsing or any(a in ("-h", "--help") for a in args):
        return False
    for i, arg in enumerate(args):
        asked = arg.partition("=")[2] if arg.startswith("--workers=") else None
        if arg == "--workers" and i + 1 < len(args):
            asked = args[i + 1]
        if asked is not None and asked.strip().isdigit() and int(asked) == 0:
            return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return (os.cpu_count() or 1) > 1


class Commands(Sequence[click.Command]):
    """Every registered command, in `REGISTRY`'s order; reading it imports the command modules."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = tuple(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> click.Command: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[click.Command]: ...

    def __getitem__(self, index: int | slice) -> click.Command | Sequence[click.Command]:
        if isinstance(index, slice):
            return tuple(entry.load() for entry in self._entries[index])
        return self._entries[index].load()


@click.group(cls=LazyGroup, entries=REGISTRY, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phonehome")
def main() -> None:
    """What does my phone send, to whom, and where?

    Start with `phonehome demo`. Then capture your own device with `phonehome capture`,
    or import recorded traffic with `phonehome replay FILE.har`.
    """


# The commands themselves, for tests and docs that read their options: imported when first read.
COMMANDS = Commands(REGISTRY)


def run() -> None:
    """The `phonehome` program: `main`, then a quick exit.

    Once a command has returned or exited (its files written and closed, its database disposed),
    what is left is the interpreter's own teardown, which frees every module one by one: 0.1-0.2 s
    with mitmproxy and the classifiers loaded, added to every command and to Ctrl-C's flush.  Here
    the same steps as a normal exit run (the other threads finish, the `atexit` handlers run, the
    output is flushed), then the process ends without that teardown.  An error that escapes a
    command is left to Python, with its traceback, as before.
    """
    try:
        main()
    except SystemExit as stop:
        code = stop.code
    else:  # pragma: no cover - click's main always exits
        code = 0
    if isinstance(code, str):  # `sys.exit("message")`: the message on stderr, exit status 1
        print(code, file=sys.stderr)
        code = 1
    # What a normal exit does, in its order: the threading module's exit hooks (they tell idle
    # executor threads to stop), then the wait for every non-daemon thread, then the atexit handlers.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    else:  # pragma: no cover - every CPython this runs on has it
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe (`| head`) loses nothing of ours
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    run()
