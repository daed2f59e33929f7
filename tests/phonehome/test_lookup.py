"""phonehome.lookup: what phonehome knows about a host or an address."""

from __future__ import annotations

import pytest
from phonehome.classifiers.destinations.place import Destinations

from phonehome.lookup import LookupError_, describe_target, parse_target
from phonehome.resolve import Resolver


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("data.mistat.intl.xiaomi.com", ("data.mistat.intl.xiaomi.com", None)),
        ("https://Tracking.MIUI.com/track/v4?x=1", ("tracking.miui.com", None)),
        ("api.example.com:8443", ("api.example.com", None)),
        ("8.8.8.8", ("8.8.8.8", "8.8.8.8")),
        ("::ffff:8.8.8.8", ("8.8.8.8", "8.8.8.8")),
        ("[2001:4860:4860::8888]:443", ("2001:4860:4860::8888", "2001:4860:4860::8888")),
        ("user@host.example", ("host.example", None)),
        ("bücher.example", ("xn--bcher-kva.example", None)),
    ],
)
def test_parse_target(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["", "not a host", "a..b", "<script>", "-bad.example"])
def test_parse_target_refuses_garbage(text: str) -> None:
    with pytest.raises(LookupError_, match="is not a host name or IP address"):
        parse_target(text)


def test_host_without_address_gives_company_not_country() -> None:
    row = describe_target("data.mistat.intl.xiaomi.com", Destinations())
    assert row["entity"] == "Xiaomi" and row["entity_country"] == "CN" and row["entity_region"] == "CN"
    assert row["country"] == "unknown (no server address)"
    assert "telemetry" in row["categories"]


def test_address_gives_country_and_network() -> None:
    row = describe_target("77.88.55.242", Destinations())
    assert row["host"] is None and row["ip"] == "77.88.55.242"
    assert row["country"] == "RU" and row["region"] == "RU"
    assert row["asn"] == 13238 and "yandex" in row["as_org"].lower()
    assert row["country_source"] == "embedded"


def test_anycast_is_said_not_placed() -> None:
    row = describe_target("8.8.8.8", Destinations())
    assert row["country"] == "anycast" and row["anycast"] is True
    assert row["anycast_network"] == "Google Public DNS"


def test_resolve_is_used_only_when_given() -> None:
    places = Destinations()
    row = describe_target("yandex.ru", places, Resolver(lambda host: "77.88.55.242"))
    assert (row["ip"], row["country"], row["entity"]) == ("77.88.55.242", "RU", "Yandex")
