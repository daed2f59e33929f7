"""addons/startup.py: start-up errors in phonehome's words, one line with a hint `capture` takes."""

from __future__ import annotations

import asyncio
import logging

import pytest
from phonehome.addons.startup import CaptureStartError, StartupCheck, explain


def test_port_in_use() -> None:
    text = explain(
        "[Errno 98] HTTP(S) proxy failed to listen on 127.0.0.1:8080 with [Errno 98] error while attempting "
        "to bind on address ('127.0.0.1', 8080): address already in use\nTry specifying a different port by "
        "using `--mode regular@8082`.", "127.0.0.1", 8080,
    )  # fmt: skip
    assert "port 8080 is already in use" in text and "--listen-port 8081" in text
    assert "--mode" not in text and "\n" not in text


def test_permission_denied_names_the_low_port_rule() -> None:
    text = explain(
        "[Errno 13] HTTP(S) proxy failed to listen on *:80 with [Errno 13] permission denied", "", 80
    )
    assert "ports below 1024" in text and "--listen-port 8081" in text


def test_an_address_of_another_machine() -> None:
    text = explain("[Errno 99] ... cannot assign requested address", "203.0.113.5", 8080)
    assert "203.0.113.5 is not an address of this computer" in text and "--listen-host 0.0.0.0" in text


def test_wireguard_hints_a_wireguard_port() -> None:
    assert "--listen-port 51821" in explain("[Errno 98] address already in use", "", 51820, wireguard=True)


def test_anything_else_keeps_its_first_line() -> None:
    assert explain("something odd\nsecond line", "", 1) == "the proxy could not start: something odd"
    assert explain("", "", 1) == "the proxy could not start: unknown error"
    assert "check --confdir" in explain("Addon error: [Errno 20] Not a directory: '/x/y'", "", 1)


def test_the_check_raises_the_first_error_logged_while_starting() -> None:
    check = StartupCheck("127.0.0.1", 8080)
    try:
        asyncio.run(check.shutdown_if_errored())  # nothing logged: nothing raised
        logging.getLogger("mitmproxy.proxy.mode_servers").error("[Errno 98] address already in use")
        with pytest.raises(CaptureStartError, match="port 8080 is already in use"):
            asyncio.run(check.shutdown_if_errored())
    finally:
        check.finish()
