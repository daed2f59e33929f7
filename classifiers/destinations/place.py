"""Where a flow goes: host and server address to a Destination.

Server country and network owner come from the mmdb databases (`classifiers.geoip`), the company and
its jurisdiction from the entity map (`classifiers.entities`), the registrable domain from the
offline public suffix list (`classifiers.domains`).  Nothing here opens a network connection: a flow
without a server address stays "unknown (no server address)" unless the caller resolved it first.

Every lookup is cached per host and address, so a replay of many flows to few servers does the work
once per server.  The cache keeps the `CACHED` pairs used last: a capture that runs for days, meeting
new servers all the while, does not grow with them.
"""

from __future__ import annotations

import ipaddress
import threading
from functools import lru_cache
from typing import Any

from phonehome.classifiers.destinations.domains import registrable_domain
from phonehome.classifiers.destinations.entities import EntityMap, entity_map
from phonehome.classifiers.destinations.geoip import GeoIP
from phonehome.classifiers.destinations.regions import NO_ADDRESS, UNKNOWN, region_of
from phonehome.classifiers.model import Destination

# Host and address pairs whose destinations are kept (about 0.6 KB each); a phone's working set is
# hundreds of servers, a lab's a few thousand.
CACHED = 16384


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


class Destinations:
    """Host + server address -> Destination, with the geo databases and entity map it was given."""

    def __init__(self, geo: GeoIP | None = None, entities: EntityMap | None = None) -> None:
        self.geo = geo if geo is not None else GeoIP.from_env()
        self.entities = entities if entities is not None else entity_map()
        self._cached = lru_cache(maxsize=CACHED)(self._make)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker process as its databases (reopened there) and entity map, without the cache."""
        entities = None if self.entities is entity_map() else self.entities
        return (Destinations, (self.geo, entities))

    def of(self, host: str, ip: str | None) -> Destination:
        return self._cached(host, ip)

    def _make(self, host: str, ip: str | None) -> Destination:
        host = host.lower().rstrip(".").strip("[]")
        server = normalise_ip(ip)
        address = server or normalise_ip(host)  # a host that is an address answers itself
        if address is None:
            country, asn, as_org, anycast = NO_ADDRESS, None, None, False
        else:
            place = self.geo.lookup(address)
            country = place.country or UNKNOWN
            asn, as_org, anycast = place.asn, place.as_org, place.anycast is not None
        match = self.entities.match(host) if host else None
        entity_country = match.entity.country if match else None
        return Destination(
            host=host,
            domain=registrable_domain(host),
            ip=server,
            country=country,
            asn=asn,
            as_org=as_org,
            anycast=anycast,
            entity=match.entity.name if match else None,
            entity_country=entity_country,
            categories=tuple(str(c) for c in match.categories) if match else (),
            region=region_of(country).value,
            service=match.service if match else None,
            entity_region=region_of(entity_country).value,
        )


_default: Destinations | None = None
_default_lock = threading.Lock()


def default_destinations() -> Destinations:
    """The process-wide lookup over $PHONEHOME_GEOIP_DB / $PHONEHOME_ASN_DB and the shipped data."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Destinations()
    return _default


def destination_for(host: str, ip: str | None) -> Destination:
    return default_destinations().of(host, ip)
