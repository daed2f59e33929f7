"""classifiers.destination: host and server address to a Destination."""

from __future__ import annotations

import pytest
from phonehome.classifiers.destinations.place import destination_for, normalise_ip


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4-mapped IPv6 unwrapped
        ("[2001:DB8:0:0::1]", "2001:db8::1"),
        ("2001:0db8::0001", "2001:db8::1"),
        (None, None),
        ("", None),
        ("not-an-ip", None),
        ("999.1.1.1", None),
        ("203.0.113.7:443", None),  # a socket address, not an IP
    ],
)
def test_normalise_ip(ip: str | None, expected: str | None) -> None:
    assert normalise_ip(ip) == expected


def test_destination_for_host_and_ip() -> None:
    dest = destination_for("Data.Mistat.Intl.Xiaomi.com.", "::ffff:8.219.52.190")
    assert (dest.host, dest.domain, dest.ip) == ("data.mistat.intl.xiaomi.com", "xiaomi.com", "8.219.52.190")
    assert (dest.country, dest.region, dest.asn) == ("SG", "SG", 45102)
    assert dest.as_org and "Alibaba" in dest.as_org
    assert (dest.entity, dest.service, dest.entity_country, dest.entity_region) == (
        "Xiaomi",
        "MiStat",
        "CN",
        "CN",
    )
    assert dest.categories == ("telemetry",) and dest.anycast is False


def test_no_server_address_is_said_so() -> None:
    dest = destination_for("a.b.example.co.uk", None)
    assert (dest.host, dest.domain, dest.ip) == ("a.b.example.co.uk", "example.co.uk", None)
    assert (dest.country, dest.asn, dest.as_org, dest.entity, dest.region) == (
        "unknown (no server address)", None, None, None, "unknown",
    )  # fmt: skip


# Addresses the shipped data states firmly (large ranges with one country; see docs/destinations.md).
@pytest.mark.parametrize(
    ("ip", "country", "asn", "org"),
    [
        ("8.219.0.1", "SG", 45102, "Alibaba"),  # Alibaba Cloud Singapore
        ("161.117.0.1", "SG", 45102, "Alibaba"),
        ("240b:4013::1", "SG", 45102, "Alibaba"),
        ("47.107.0.1", "CN", 37963, "Alibaba"),  # Alibaba Cloud mainland
        ("43.172.0.1", "SG", 132203, "Tencent"),  # Tencent Cloud international
        ("119.28.0.1", "HK", 132203, "Tencent"),
        ("106.53.0.1", "CN", 45090, "Tencent"),
        ("202.96.128.86", "CN", 4134, "Chinanet"),  # China Telecom
        ("58.36.0.1", "CN", 4812, "China Telecom"),
        ("111.13.100.91", "CN", 9808, "China Mobile"),
        ("44.239.0.1", "US", 16509, "Amazon"),  # AWS
        ("3.223.0.1", "US", 14618, "Amazon"),
        ("111.91.63.1", "SG", 136907, "HUAWEI"),  # Huawei Cloud international
        ("121.36.0.1", "CN", 55990, "Huawei"),
        ("77.88.55.242", "RU", 13238, "YANDEX"),
        ("95.163.32.1", "RU", 47764, "VK"),
        ("157.240.0.1", "US", 32934, "Facebook"),
        ("2a00:1450::1", "IE", 15169, "Google"),
    ],
)
def test_well_known_addresses(ip: str, country: str, asn: int, org: str) -> None:
    dest = destination_for("", ip)
    assert (dest.country, dest.asn) == (country, asn)
    assert dest.as_org and org.lower() in dest.as_org.lower()


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "2001:4860:4860::8888", "104.18.0.1"]
)
def test_anycast_gets_no_country(ip: str) -> None:
    dest = destination_for("dns.example", ip)
    assert (dest.country, dest.region, dest.anycast) == ("anycast", "anycast", True)
    assert dest.asn is not None  # the network owner is still known


def test_lookups_are_cached_per_host_and_address() -> None:
    from phonehome.classifiers.destinations.geoip import GeoIP
    from phonehome.classifiers.destinations.place import Destinations

    places = Destinations(GeoIP())
    for i in range(100_000):
        places.of(
            "tracking.intl.miui.com" if i % 2 else "app.adjust.com", "8.219.52.190" if i % 2 else "3.65.142.9"
        )
    assert places.geo.lookups == 2
    assert places._cached.cache_info().currsize == 2  # noqa: SLF001


def test_a_capture_meeting_new_servers_for_days_keeps_only_the_latest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache is bounded: a lab's capture meets new hosts and addresses all the while."""
    from phonehome.classifiers.destinations import place
    from phonehome.classifiers.destinations.geoip import GeoIP

    monkeypatch.setattr(place, "CACHED", 8)
    places = place.Destinations(GeoIP())
    for i in range(1000):
        dest = places.of(f"h{i}.example.com", f"8.8.{i // 250}.{i % 250}")
        assert dest.host == f"h{i}.example.com"
    assert places._cached.cache_info().currsize == 8  # noqa: SLF001
    made = places._cached.cache_info().misses  # noqa: SLF001
    for i in range(992, 1000):  # the latest are still there
        places.of(f"h{i}.example.com", f"8.8.{i // 250}.{i % 250}")
    assert places._cached.cache_info().misses == made  # noqa: SLF001
    assert places.of("h0.example.com", "8.8.0.0") == place.Destinations(GeoIP()).of(
        "h0.example.com", "8.8.0.0"
    )


@pytest.mark.parametrize(
    ("host", "domain"),
    [("10.0.0.2", "10.0.0.2"), ("localhost", "localhost"), ("", "")],
)
def test_destination_for_ip_and_bare_hosts(host: str, domain: str) -> None:
    dest = destination_for(host, "garbage")
    assert (dest.host, dest.domain, dest.ip) == (host, domain, None)
