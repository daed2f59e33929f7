"""`phonehome lookup`: everything phonehome knows about a host or a server address, offline."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from phonehome.classifiers.destinations.place import Destinations, normalise_ip

if TYPE_CHECKING:  # phonehome.resolve reaches the database's notes: only --resolve needs it
    from phonehome.resolve import Resolver

_HOST = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\Z"
)

LOOKUP_COLUMNS = (
    "query", "host", "domain", "ip", "country", "region", "asn", "as_org", "anycast", "anycast_network",
    "entity", "legal_name", "entity_country", "entity_region", "service", "categories", "parent",
    "country_source", "entity_source",
)  # fmt: skip


class LookupError_(ValueError):
    pass


def parse_target(text: str) -> tuple[str, str | None]:
    """`host`, `ip`, `https://host/path`, `host:port` or `[v6]:port` -> (host, ip)."""
    t = text.strip()
    if "://" in t:
        t = t.split("://", 1)[1]
    t = t.split("/", 1)[0].split("?", 1)[0]
    if "@" in t:
        t = t.rsplit("@", 1)[1]
    if t.startswith("["):
        t = t[1:].split("]", 1)[0]
    elif t.count(":") == 1:
        t = t.split(":", 1)[0]
    ip = normalise_ip(t)
    if ip:
        return ip, ip
    host = t.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as exc:
        raise LookupError_(f"{text!r} is not a host name or IP address") from exc
    if not _HOST.match(host):
        raise LookupError_(f"{text!r} is not a host name or IP address")
    return host, None


def describe_target(text: str, places: Destinations, resolver: Resolver | None = None) -> dict[str, Any]:
    host, ip = parse_target(text)
    if ip is None and resolver is not None:
        ip = resolver.address(host)
    dest = places.of(host, ip)
    match = places.entities.match(host)
    place = places.geo.lookup(dest.ip) if dest.ip else None
    is_ip = normalise_ip(host) is not None
    return {
        "query": text,
        "host": None if is_ip else dest.host,
        "domain": None if is_ip else dest.domain,
        "ip": dest.ip,
        "country": dest.country,
        "region": dest.region,
        "asn": dest.asn,
        "as_org": dest.as_org,
        "anycast": dest.anycast,
        "anycast_network": place.anycast if place else None,
        "entity": dest.entity,
        "legal_name": match.entity.legal_name if match else None,
        "entity_country": dest.entity_country,
        "entity_region": dest.entity_region if match else None,
        "service": dest.service,
        "categories": list(dest.categories),
        "parent": _parent(places, match),
        "country_source": place.source if place else None,
        "entity_source": match.entity.source if match else None,
    }


def _parent(places: Destinations, match: Any) -> str | None:
    if not match:
        return None
    root = places.entities.root(match.entity)
    return root.name if root.id != match.entity.id else None
