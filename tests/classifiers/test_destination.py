"""classifiers.destination: host and server address to a Destination."""

from __future__ import annotations

import pytest

from classifiers.destination import destination_for, normalise_ip
from classifiers.model import Destination


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
    assert destination_for("Data.Mistat.Intl.Xiaomi.com.", "::ffff:203.0.113.7") == Destination(
        host="data.mistat.intl.xiaomi.com", domain="xiaomi.com", ip="203.0.113.7"
    )


def test_destination_unknowns_until_destination_data_exists() -> None:
    dest = destination_for("a.b.example.co.uk", None)
    assert (dest.host, dest.domain, dest.ip) == ("a.b.example.co.uk", "example.co.uk", None)
    assert (dest.country, dest.asn, dest.as_org, dest.entity, dest.region) == (
        "unknown", None, None, None, "unknown",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("host", "domain"),
    [("10.0.0.2", "10.0.0.2"), ("localhost", "localhost"), ("", "")],
)
def test_destination_for_ip_and_bare_hosts(host: str, domain: str) -> None:
    dest = destination_for(host, "garbage")
    assert (dest.host, dest.domain, dest.ip) == (host, domain, None)
