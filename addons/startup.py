"""Why the proxy could not start, in phonehome's words: one line, with a hint `capture` accepts.

mitmdump's own start-up check prints mitmproxy's text (with hints such as `--mode regular@8082`
that `phonehome capture` does not take) and exits with code 1.  `StartupCheck` takes its place: it
collects the errors logged while the proxy starts and raises `CaptureStartError` with the first
one explained; the CLI prints that one line and exits with code 2.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re

from mitmproxy import log

_ERRNO = re.compile(r"\[Errno (\d+)\]")


class CaptureStartError(Exception):
    """The proxy did not start; the message is one line meant for the user."""


def explain(message: str, host: str, port: int, wireguard: bool = False) -> str:
    """One line saying what went wrong at start-up and what to do, from mitmproxy's error text."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    m = _ERRNO.search(message)
    code = int(m.group(1)) if m else None
    where = f"{host or '0.0.0.0'}:{port}"
    port_option = "--listen-port 51821" if wireguard else "--listen-port 8081"
    if code == errno.EADDRINUSE or "address already in use" in message.lower():
        return (
            f"port {port} is already in use on {host or 'this computer'} (another proxy, or another "
            f"phonehome capture?): stop it, or use another port, e.g. {port_option} (0 picks a free one)"
        )
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"no permission to listen on {where}: ports below 1024 need administrator rights; "
            f"use a higher port, e.g. {port_option}"
        )
    if code == errno.EADDRNOTAVAIL or "cannot assign requested address" in message.lower():
        return (
            f"{host} is not an address of this computer: use --listen-host 0.0.0.0 (every interface) "
            "or one of the addresses `ip addr` / `ifconfig` lists"
        )
    if "confdir" in message.lower() or "certificate" in message.lower() or "Not a directory" in message:
        return f"cannot prepare mitmproxy's certificate authority: {first} (check --confdir)"
    return f"the proxy could not start: {first}"


class _Collect(log.MitmLogHandler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class StartupCheck:
    """Stands in for mitmdump's `errorcheck` addon (the master looks it up by that name)."""

    name = "errorcheck"

    def __init__(self, host: str, port: int, wireguard: bool = False) -> None:
        self.host = host
        self.port = port
        self.wireguard = wireguard
        self._errors = _Collect()
        self._errors.install()

    async def shutdown_if_errored(self) -> None:
        await asyncio.sleep(0)  # let pending log records arrive, as mitmproxy's own check does
        if self._errors.records:
            record = self._errors.records[0]
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text = f"{text} {record.exc_info[1]}"
            raise CaptureStartError(explain(text, self.host, self.port, self.wireguard))

    def finish(self) -> None:
        self._errors.uninstall()

    def done(self) -> None:
        self._errors.uninstall()
