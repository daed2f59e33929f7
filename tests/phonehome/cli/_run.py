"""Running the CLI in-process, as click's CliRunner does, and reading its one-line errors."""

from __future__ import annotations

from click.testing import CliRunner

from phonehome.cli.main import main

REAL_EXPORTS = [
    "har_files-charles.har", "har_files-chrome.har", "har_files-firefox.har", "har_files-insomnia.har",
    "har_files-safari.har", "har_files-postdata.har", "har_files-with-bom.har", "har_files-head-content-length.har",
    "flows-websocket.har", "flows-event_stream.har", "flows-error_log.har", "flows-incomplete_log.har",
    "flows-corrupted_gzip_body.har",
]  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("phonehome: error: ")
    return lines[0]
