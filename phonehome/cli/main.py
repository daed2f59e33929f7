"""The `phonehome` command group and the explicit list of its commands.

Each command lives in the module of its group (capture, replay, query, report); importing this
module imports no proxy code: `capture` reaches the addon only when it runs.
"""

from __future__ import annotations

import click

from phonehome.cli.capture import capture
from phonehome.cli.query import destinations_cmd, findings_cmd, flows_cmd, lookup_cmd, sessions_cmd
from phonehome.cli.replay import demo, reanalyze, replay_cmd
from phonehome.cli.report import diff_cmd, export_cmd, report_cmd
from phonehome.cli.setup import setup_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="phonehome")
def main() -> None:
    """What does my phone send, to whom, and where?

    Start with `phonehome demo`. Then capture your own device with `phonehome capture`,
    or import recorded traffic with `phonehome replay FILE.har`.
    """


COMMANDS = (
    capture, replay_cmd, reanalyze, sessions_cmd, findings_cmd, flows_cmd, destinations_cmd, lookup_cmd,
    report_cmd, diff_cmd, export_cmd, demo, setup_cmd,
)  # fmt: skip
for command in COMMANDS:
    main.add_command(command)


if __name__ == "__main__":
    main()
