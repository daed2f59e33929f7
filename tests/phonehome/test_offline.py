"""phonehome opens no network connection of its own: replay, analysis and queries work with sockets forbidden."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from phonehome.classifiers.destinations import domains

from phonehome.cli.main import main


class NetworkUsed(AssertionError):
    pass


def _forbid(*args: object, **kwargs: object) -> None:
    raise NetworkUsed(f"network access attempted: {args!r}")


def test_demo_and_queries_never_touch_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    domains.registrable_domain.cache_clear()
    monkeypatch.setattr(socket.socket, "connect", _forbid)
    monkeypatch.setattr(socket.socket, "connect_ex", _forbid)
    monkeypatch.setattr(socket, "create_connection", _forbid)
    monkeypatch.setattr(socket, "getaddrinfo", _forbid)
    monkeypatch.setattr(socket, "gethostbyname", _forbid)
    runner = CliRunner()
    db = str(tmp_path / "offline.db")
    for args in (
        ["demo", "--db", db],
        ["findings", "--db", db],
        ["flows", "--db", db],
        ["destinations", "--db", db],
    ):
        result = runner.invoke(main, args, catch_exceptions=True)
        assert not isinstance(result.exception, NetworkUsed), result.exception
        assert result.exit_code == 0, (args, result.output)
