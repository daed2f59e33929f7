"""Server country and network owner (ASN) from MaxMind-format (mmdb) databases, offline.

phonehome ships its own country and ASN databases, built from openly licensed data by
`tools/make_geodata.py` (sources and licences: `classifiers/data/ATTRIBUTION.md`).  A user's
own MaxMind GeoLite2/GeoIP2 files take precedence when given; the reader method is picked from each
file's `database_type`, so a City, Country, Enterprise, ASN or ISP file all work.  Networks announced
from many places at once (anycast: public DNS, some CDNs) get no country: see `data/anycast.toml`.

Lookups are cached per address: a capture talks to few servers, again and again.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phonehome.classifiers.destinations.regions import ANYCAST, LOCAL

# geoip2 and maxminddb (about 40 ms to import) are loaded when a database is opened, not by every
# module that only needs the names below (the CLI's options, `--help`).
if TYPE_CHECKING:
    import geoip2.database

DATA = Path(__file__).parents[1] / "data"
EMBEDDED_COUNTRY = DATA / "geo-country.mmdb"
EMBEDDED_ASN = DATA / "geo-asn.mmdb"
ENV_GEOIP = "PHONEHOME_GEOIP_DB"
ENV_ASN = "PHONEHOME_ASN_DB"
# Addresses whose places are kept, the ones used last: a capture of days meets new addresses all
# the while (content networks rotate them), and must not grow with them.
CACHED = 16384


# The device's own network: private ranges, carrier-grade NAT, loopback, link-local, multicast.
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "224.0.0.0/4", "fc00::/7", "fe80::/10", "::1/128", "ff00::/8")
)  # fmt: skip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def spans(networks: tuple[Network, ...]) -> tuple[tuple[int, int, int], ...]:
    """Each network as (IP version, first address, last address) in integers, in the same order:
    testing an address against them is integer comparisons, not `ipaddress` containment (a few
    microseconds each, and every new server address is tested against all of them)."""
    return tuple((n.version, int(n.network_address), int(n.broadcast_address)) for n in networks)


def first_span(addr: Address, spans: tuple[tuple[int, int, int], ...]) -> int:
    """The index of the first span holding `addr` (as `addr in network` says), or -1."""
    version, n = addr.version, int(addr)
    for i, (v, first, last) in enumerate(spans):
        if v == version and first <= n <= last:
            return i
    return -1


_LOCAL_SPANS = spans(_LOCAL_NETWORKS)


class GeoDataError(Exception):
    """A database file that can't be used: missing, not mmdb, or the wrong kind."""


@dataclass(frozen=True, slots=True)
class Place:
    """What the databases say about one server address."""

    country: str | None = None  # ISO 3166 code, "anycast", "local", or None when no database knows
    asn: int | None = None
    as_org: str | None = None
    anycast: str | None = None  # the anycast network's name when the address is in one
    source: str | None = None  # which database gave the country


@dataclass(frozen=True, slots=True)
class Anycast:
    asns: dict[int, str]
    networks: tuple[tuple[Network, str], ...]
    _spans: tuple[tuple[int, int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_spans", spans(tuple(net for net, _ in self.networks)))

    def name(self, ip: Address, asn: int | None) -> str | None:
        i = first_span(ip, self._spans)
        if i >= 0:
            return self.networks[i][1]
        if asn is not None:
            return self.asns.get(asn)
        return None


@lru_cache(maxsize=1)
def anycast_networks() -> Anycast:
    with (DATA / "anycast.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    return Anycast(
        asns={int(a["number"]): str(a["name"]) for a in raw.get("asn", [])},
        networks=tuple((ipaddress.ip_network(n["prefix"]), str(n["name"])) for n in raw.get("network", [])),
    )


def _open(path: Path, what: str) -> geoip2.database.Reader:
    import geoip2.database
    import maxminddb

    if not path.is_file():
        raise GeoDataError(f"{what} {path}: no such file")
    try:
        return geoip2.database.Reader(str(path))
    except (maxminddb.InvalidDatabaseError, OSError, ValueError) as exc:
        raise GeoDataError(f"{what} {path}: not a MaxMind (mmdb) database ({exc})") from exc


class CountryDb:
    """A City, Country or Enterprise database; `country(ip)` gives the ISO code or None."""

    def __init__(self, path: Path, label: str) -> None:
        import maxminddb

        self.path, self.label = path, label
        self.reader = _open(path, "country database")
        self.database_type = self.reader.metadata().database_type
        if not any(t in self.database_type for t in ("Enterprise", "City", "Country")):
            raise GeoDataError(
                f"country database {path}: it is a {self.database_type} database; "
                "give a City, Country or Enterprise file"
            )
        # Records read as they are stored (City, Country and Enterprise files share the country
        # fields), not through geoip2's models: a model of every record costs each new address
        # about 10 µs.
        self._raw = maxminddb.open_database(str(path))

    def country(self, ip: str) -> str | None:
        try:
            raw = self._raw.get(ip)
        except ValueError:
            return None
        if not isinstance(raw, dict):
            return None
        code = _iso_code(raw.get("country")) or _iso_code(raw.get("registered_country"))
        return code.upper() if code else None


def _iso_code(record: object) -> str | None:
    code = record.get("iso_code") if isinstance(record, dict) else None
    return code if isinstance(code, str) and code else None


class AsnDb:
    """An ASN or ISP database; `asn(ip)` gives (number, organisation) or (None, None)."""

    def __init__(self, path: Path, label: str) -> None:
        import maxminddb
        from geoip2.errors import AddressNotFoundError

        self.path, self.label = path, label
        self.reader = _open(path, "ASN database")
        self._absent = (AddressNotFoundError, ValueError)
        self.database_type = self.reader.metadata().database_type
        if "ASN" not in self.database_type and "ISP" not in self.database_type:
            raise GeoDataError(
                f"ASN database {path}: it is a {self.database_type} database; give an ASN or ISP file"
            )
        self._typed = any(t in self.database_type for t in ("GeoLite2-ASN", "GeoIP2-ASN", "ISP"))
        # Other ASN-shaped files (phonehome's own) have the GeoLite2-ASN record layout but a name
        # geoip2's asn() refuses: read those records directly.
        self._raw = None if self._typed else maxminddb.open_database(str(path))

    def asn(self, ip: str) -> tuple[int | None, str | None]:
        try:
            if "GeoLite2-ASN" in self.database_type or "GeoIP2-ASN" in self.database_type:
                r = self.reader.asn(ip)
                return r.autonomous_system_number, r.autonomous_system_organization
            if "ISP" in self.database_type:
                i = self.reader.isp(ip)
                return i.autonomous_system_number, i.autonomous_system_organization or i.organization
        except self._absent:
            return None, None
        assert self._raw is not None
        try:
            raw = self._raw.get(ip)
        except ValueError:
            return None, None
        if not isinstance(raw, dict):
            return None, None
        number = raw.get("autonomous_system_number")
        org = raw.get("autonomous_system_organization")
        return (number if isinstance(number, int) else None), (str(org) if org else None)


class GeoIP:
    """Country and ASN lookups over the user's databases first, then the embedded ones."""

    def __init__(
        self,
        geoip_db: str | Path | None = None,
        asn_db: str | Path | None = None,
        *,
        embedded: bool = True,
    ) -> None:
        self.countries: list[CountryDb] = []
        self.asns: list[AsnDb] = []
        if geoip_db:
            self.countries.append(CountryDb(Path(geoip_db).expanduser(), "user"))
        if asn_db:
            self.asns.append(AsnDb(Path(asn_db).expanduser(), "user"))
        if embedded:
            self.countries.append(CountryDb(EMBEDDED_COUNTRY, "embedded"))
            self.asns.append(AsnDb(EMBEDDED_ASN, "embedded"))
        self._cached = lru_cache(maxsize=CACHED)(self._lookup)
        self.lookups = 0  # database lookups actually made (the cache's misses)
        self._opened = (geoip_db, asn_db, embedded)

    def __reduce__(self) -> tuple[Any, ...]:
        """Sent to a worker process as the files it opens, not as open readers."""
        geoip_db, asn_db, embedded = self._opened
        return (_reopen, (geoip_db, asn_db, embedded))

    @classmethod
    def from_env(cls, geoip_db: str | Path | None = None, asn_db: str | Path | None = None) -> GeoIP:
        """Explicit paths first, then $PHONEHOME_GEOIP_DB / $PHONEHOME_ASN_DB, then embedded only."""
        return cls(geoip_db or os.environ.get(ENV_GEOIP) or None, asn_db or os.environ.get(ENV_ASN) or None)

    def lookup(self, ip: str) -> Place:
        return self._cached(ip)

    def _lookup(self, ip: str) -> Place:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return Place()
        if first_span(addr, _LOCAL_SPANS) >= 0:
            return Place(country=LOCAL, source="address")
        self.lookups += 1
        number: int | None = None
        org: str | None = None
        for adb in self.asns:
            number, org = adb.asn(ip)
            if number is not None:
                break
        anycast = anycast_networks().name(addr, number)
        if anycast:
            return Place(country=ANYCAST, asn=number, as_org=org, anycast=anycast, source="anycast.toml")
        for cdb in self.countries:
            code = cdb.country(ip)
            if code:
                return Place(country=code, asn=number, as_org=org, source=cdb.label)
        return Place(asn=number, as_org=org)

    def describe(self) -> list[dict[str, Any]]:
        """The databases in use, for `phonehome lookup` and the docs."""
        out = []
        pairs: tuple[tuple[str, list[CountryDb] | list[AsnDb]], ...] = (
            ("country", self.countries),
            ("asn", self.asns),
        )
        for role, dbs in pairs:
            for db in dbs:
                meta = db.reader.metadata()
                out.append(
                    {
                        "role": role,
                        "source": db.label,
                        "path": str(db.path),
                        "database_type": meta.database_type,
                        "build_epoch": meta.build_epoch,
                    }
                )
        return out

    def close(self) -> None:
        for cdb in self.countries:
            cdb.reader.close()
            cdb._raw.close()  # noqa: SLF001 - our own class
        for adb in self.asns:
            adb.reader.close()
            if adb._raw is not None:  # noqa: SLF001 - our own class
                adb._raw.close()


def _reopen(geoip_db: str | Path | None, asn_db: str | Path | None, embedded: bool) -> GeoIP:
    return GeoIP(geoip_db, asn_db, embedded=embedded)
