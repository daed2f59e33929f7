from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from phonehome import netinfo


def _addr(ip: str, family: int = socket.AF_INET) -> SimpleNamespace:
    return SimpleNamespace(family=family, address=ip)


def test_lan_addresses_prefers_wifi_ranges_and_skips_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {
        "lo": [_addr("127.0.0.1")],
        "docker0": [_addr("172.17.0.1")],
        "wlan0": [_addr("192.168.1.23"), _addr("fe80::1", socket.AF_INET6)],
        "tun0": [_addr("100.64.1.1")],
        "eth1": [_addr("169.254.3.3")],
    }
    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", lambda: fake)
    assert netinfo.lan_addresses() == ["192.168.1.23", "172.17.0.1"]


@pytest.mark.parametrize(
    ("host", "open_"),
    [("0.0.0.0", True), ("::", True), ("", True), ("127.0.0.1", False), ("192.168.1.5", False)],
)
def test_open_to_network(host: str, open_: bool) -> None:
    from phonehome.netinfo import open_to_network

    assert open_to_network(host) is open_


def test_lan_interfaces_name_each_address_once(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {
        "lo": [_addr("127.0.0.1")],
        "eth0": [_addr("10.0.0.5"), _addr("not-an-address")],
        "wlan0": [_addr("192.168.1.23")],
        "wlan0:1": [_addr("192.168.1.23")],
    }
    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", lambda: fake)
    assert netinfo.lan_interfaces() == [("192.168.1.23", "wlan0"), ("10.0.0.5", "eth0")]
    assert netinfo.lan_addresses() == ["192.168.1.23", "10.0.0.5"]


def test_unreadable_interfaces_give_no_address(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> dict[str, list[SimpleNamespace]]:
        raise OSError("no permission")

    monkeypatch.setattr(netinfo.psutil, "net_if_addrs", refuse)
    assert netinfo.lan_interfaces() == [] and netinfo.lan_addresses() == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
        (" LOCALHOST ", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("", False),
        ("example.org", False), ("[blink]127.0.0.1", False),
    ],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert netinfo.is_loopback(host) is loopback
