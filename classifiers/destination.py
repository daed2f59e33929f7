"""Where a flow goes: host and server address to a Destination.

First cut: host, registrable domain and server address.  Country, network owner and company come
from the shipped data of the destinations work; until then they are "unknown".
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from classifiers.domains import registrable_domain
from classifiers.model import Destination


def normalise_ip(ip: str | None) -> str | None:
    """Canonical text form; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) unwrapped; garbage dropped."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


@lru_cache(maxsize=8192)  # a capture talks to few destinations, again and again
def destination_for(host: str, ip: str | None) -> Destination:
    host = host.lower().rstrip(".")
    return Destination(host=host, domain=registrable_domain(host), ip=normalise_ip(ip))
