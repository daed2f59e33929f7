"""`--resolve`: look up server addresses that a recording left out, through the system resolver.

Off by default: it is the one place phonehome asks the network anything besides the traffic it
proxies, and today's answer for a host may differ from the address the phone used.  Flows that got
their address this way say so in their notes.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import replace

from phonehome.classifiers.model import Exchange, split_url
from phonehome.db.reanalyze import RESOLVED_NOTE

Lookup = Callable[[str], str | None]


def system_lookup(host: str) -> str | None:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return str(infos[0][4][0]) if infos else None


class Resolver:
    """Resolves each host once; failures are remembered too."""

    def __init__(self, lookup: Lookup | None = None) -> None:
        self._lookup = lookup or (lambda host: system_lookup(host))
        self._cache: dict[str, str | None] = {}

    def address(self, host: str) -> str | None:
        host = host.lower().rstrip(".").strip("[]")
        if not host:
            return None
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        if host not in self._cache:
            self._cache[host] = self._lookup(host)
        return self._cache[host]

    def fill(self, exchange: Exchange) -> tuple[Exchange, bool]:
        """The exchange with a server address, and whether one was added."""
        if exchange.server_ip:
            return exchange, False
        host = split_url(exchange.url).host
        ip = self.address(host)
        if not ip:
            return exchange, False
        return replace(exchange, server_ip=ip), True

    def prepare(self, exchange: Exchange) -> Exchange:
        """The exchange to classify: with a server address if it had none, and a note saying so.

        Run where the command reads its flows, before they go to the classifier processes: the
        lookups and their cache stay in one process, and the note travels with the flow."""
        filled, added = self.fill(exchange)
        return replace(filled, notes=(*filled.notes, RESOLVED_NOTE)) if added else filled
