"""The laptop's own addresses, to tell the user what to type into the phone's proxy settings.

Read from the network interfaces; nothing is sent anywhere.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil


def lan_addresses() -> list[str]:
    """Private IPv4 addresses of this machine's interfaces (what a phone on the same Wi-Fi can reach)."""
    return [address for address, _ in lan_interfaces()]


def lan_interfaces() -> list[tuple[str, str]]:
    """(address, interface name) of each private IPv4 address, the likeliest Wi-Fi or LAN first.

    An address on two interfaces is listed once, with the first interface's name.
    """
    found: dict[str, str] = {}
    try:
        interfaces = psutil.net_if_addrs()
    except (OSError, RuntimeError):
        return []
    for name, addrs in interfaces.items():
        for addr in addrs:
            if addr.family != socket.AF_INET:
                continue
            try:
                ip = ipaddress.ip_address(addr.address)
            except ValueError:
                continue
            if ip.is_private and not ip.is_loopback and not ip.is_link_local and str(ip) not in found:
                found[str(ip)] = str(name)
    return sorted(found.items(), key=lambda item: _preference(item[0]))


def is_loopback(listen_host: str) -> bool:
    """Whether `listen_host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    host = listen_host.strip().lower()
    if host.startswith("[") and host.endswith("]"):  # an IPv6 literal, as in a URL
        host = host[1:-1]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _preference(ip: str) -> tuple[int, str]:
    # Home and office Wi-Fi is usually 192.168/16 or 10/8; 172.16/12 is mostly container bridges.
    if ip.startswith("192.168."):
        return (0, ip)
    if ip.startswith("10."):
        return (1, ip)
    return (2, ip)


def open_to_network(listen_host: str) -> bool:
    """Whether a proxy listening on `listen_host` accepts clients on every interface."""
    return listen_host.strip() in ("", "0.0.0.0", "::", "*", "[::]")
