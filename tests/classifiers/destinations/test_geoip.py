"""classifiers.geoip: server country and network owner from mmdb files, user files first."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.destinations.geoip import (
    _LOCAL_NETWORKS,
    EMBEDDED_ASN,
    EMBEDDED_COUNTRY,
    GeoDataError,
    GeoIP,
    anycast_networks,
    first_span,
    spans,
)

from tests.classifiers._mmdb import asn_record, city_record, country_record, write_mmdb


@pytest.fixture()
def user_city(tmp_path: Path) -> Path:
    return write_mmdb(
        tmp_path / "GeoLite2-City.mmdb", "GeoLite2-City",
        [("203.0.113.0/24", city_record("JP", "Tokyo")), ("2001:db8::/32", city_record("FR", "Paris"))],
    )  # fmt: skip


@pytest.fixture()
def user_asn(tmp_path: Path) -> Path:
    return write_mmdb(
        tmp_path / "GeoLite2-ASN.mmdb", "GeoLite2-ASN", [("203.0.113.0/24", asn_record(64500, "Example Net"))]
    )


def test_embedded_databases_ship_and_open() -> None:
    geo = GeoIP()
    roles = {(d["role"], d["source"]) for d in geo.describe()}
    assert roles == {("country", "embedded"), ("asn", "embedded")}
    assert EMBEDDED_COUNTRY.stat().st_size + EMBEDDED_ASN.stat().st_size <= 15 * 1024 * 1024
    for d in geo.describe():
        assert ("Country" if d["role"] == "country" else "ASN") in d["database_type"]


def test_user_city_file_takes_precedence(user_city: Path, user_asn: Path) -> None:
    geo = GeoIP(user_city, user_asn)
    place = geo.lookup("203.0.113.9")
    assert (place.country, place.asn, place.as_org, place.source) == ("JP", 64500, "Example Net", "user")
    assert geo.lookup("2001:db8::1").country == "FR"


def test_user_country_file(tmp_path: Path) -> None:
    path = write_mmdb(tmp_path / "c.mmdb", "GeoIP2-Country", [("203.0.113.0/24", country_record("BR"))])
    assert GeoIP(path, embedded=False).lookup("203.0.113.1").country == "BR"


def test_addresses_the_user_file_lacks_fall_back_to_the_shipped_data(user_city: Path) -> None:
    geo = GeoIP(user_city)
    place = geo.lookup("8.8.8.8")  # not in the user's file; anycast by the shipped list
    assert place.source == "anycast.toml"
    assert geo.lookup("77.88.55.242").source == "embedded"


def test_without_any_database_nothing_is_invented(user_asn: Path) -> None:
    geo = GeoIP(None, user_asn, embedded=False)
    place = geo.lookup("198.51.100.1")
    assert (place.country, place.asn) == (None, None)


@pytest.mark.parametrize(
    "ip", ["127.0.0.1", "10.1.2.3", "192.168.1.10", "::1", "fe80::1", "172.16.0.5", "100.64.1.1", "fd00::5"]
)
def test_local_addresses_are_local(ip: str) -> None:
    geo = GeoIP(embedded=False)
    assert geo.lookup(ip).country == "local"


def test_wrong_kind_of_file_is_one_clear_error(user_city: Path, user_asn: Path, tmp_path: Path) -> None:
    with pytest.raises(GeoDataError, match="GeoLite2-City database; give an ASN or ISP file"):
        GeoIP(None, user_city)
    with pytest.raises(GeoDataError, match="GeoLite2-ASN database; give a City, Country or Enterprise file"):
        GeoIP(user_asn)
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(GeoDataError, match="not a MaxMind"):
        GeoIP(junk)
    with pytest.raises(GeoDataError, match="no such file"):
        GeoIP(tmp_path / "missing.mmdb")


def test_isp_file_gives_asn(tmp_path: Path) -> None:
    path = write_mmdb(
        tmp_path / "isp.mmdb", "GeoIP2-ISP",
        [("203.0.113.0/24", {**asn_record(64501, "Example ISP AS"), "isp": "Example ISP", "organization": "Org"})],
    )  # fmt: skip
    place = GeoIP(None, path, embedded=False).lookup("203.0.113.2")
    assert (place.asn, place.as_org) == (64501, "Example ISP AS")


def test_lookups_are_cached_per_address() -> None:
    geo = GeoIP()
    for _ in range(1000):
        geo.lookup("77.88.55.242")
        geo.lookup("47.88.0.1")
    assert geo.lookups == 2


def test_places_are_kept_for_the_latest_addresses_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Content networks rotate their addresses: a capture of days must not keep every one it met."""
    from phonehome.classifiers.destinations import geoip

    monkeypatch.setattr(geoip, "CACHED", 4)
    geo = GeoIP()
    for i in range(300):
        geo.lookup(f"77.88.{i // 200}.{i % 200}")
    assert geo.lookups == 300
    assert geo._cached.cache_info().currsize == 4  # noqa: SLF001
    geo.lookup("77.88.1.99")  # among the latest: no new lookup
    assert geo.lookups == 300
    assert geo.lookup("77.88.0.0") == GeoIP().lookup("77.88.0.0")
    assert geo.lookups == 301


def test_country_records_are_read_as_geoip2_reads_them(tmp_path: Path) -> None:
    """The country, else the registered country, of City, Country and Enterprise files alike."""
    records = [
        ("203.0.113.0/26", {"country": {"iso_code": "se"}, "registered_country": {"iso_code": "NO"}}),
        ("203.0.113.64/26", {"registered_country": {"iso_code": "DK"}}),
        ("203.0.113.128/26", {"country": "not a record", "city": {"names": {"en": "X"}}}),
    ]
    for kind in ("GeoIP2-Enterprise", "GeoLite2-City", "GeoIP2-Country"):
        path = write_mmdb(tmp_path / f"{kind}.mmdb", kind, records)
        geo = GeoIP(path, embedded=False)
        found = [
            geo.lookup(ip).country for ip in ("203.0.113.1", "203.0.113.65", "203.0.113.129", "198.51.100.1")
        ]
        assert found == ["SE", "DK", None, None]
        assert geo.lookup("2001:db8::1").country is None  # an IPv6 address in an IPv4 file


_NETWORKS = tuple(net for net, _ in anycast_networks().networks) + _LOCAL_NETWORKS


def _inside(net: Any) -> st.SearchStrategy[Any]:
    """Addresses in `net` and just outside it."""
    make = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
    top = 2 ** (32 if net.version == 4 else 128) - 1
    low, high = max(0, int(net.network_address) - 1), min(top, int(net.broadcast_address) + 1)
    return st.integers(low, high).map(make)


@given(st.ip_addresses() | st.sampled_from(_NETWORKS).flatmap(_inside))
def test_address_spans_say_what_ipaddress_containment_says(address: Any) -> None:
    networks = _NETWORKS
    expected = next(
        (i for i, net in enumerate(networks) if address.version == net.version and address in net), -1
    )
    assert first_span(address, spans(networks)) == expected


def test_anycast_list_is_well_formed() -> None:
    anycast = anycast_networks()
    assert 13335 in anycast.asns  # Cloudflare
    assert any(str(net) == "8.8.8.0/24" for net, _ in anycast.networks)


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "8.8.4.4", "1.1.1.1", "9.9.9.9", "208.67.222.222", "2001:4860:4860::8888"]
)
def test_public_dns_is_anycast_not_a_country(ip: str) -> None:
    place = GeoIP().lookup(ip)
    assert place.country == "anycast"
    assert place.anycast


def test_documentation_addresses_are_not_local_and_not_placed() -> None:
    assert GeoIP().lookup("203.0.113.7").country is None  # TEST-NET-3: unknown, not "local"


@pytest.mark.skipif(not os.environ.get("PHONEHOME_GEOLITE2_COUNTRY"), reason="no GeoLite2 file given")
def test_agreement_with_the_users_geolite2() -> None:
    """With PHONEHOME_GEOLITE2_COUNTRY pointing at a GeoLite2 Country/City file, the shipped data agrees
    on most random public addresses (docs/destinations.md reports the measured figure)."""
    import random

    import maxminddb

    from benchmarks.geodata import compare, random_public_v4

    rng = random.Random(7)
    with maxminddb.open_database(os.environ["PHONEHOME_GEOLITE2_COUNTRY"]) as ref:
        n, ok, _ = compare(GeoIP(), ref, [random_public_v4(rng) for _ in range(5000)])
    assert n > 4000 and ok / n >= 0.9
