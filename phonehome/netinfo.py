"""The laptop's own addresses, to tell the user what to type into the phone's proxy settings.

Read from the network interfaces; nothing is sent anywhere.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil


def lan_addresses() -> list[str]:
    """Private IPv4 addresses of this machine's interfaces (what a phone on the same Wi-Fi can reach)."""
    found: list[str] = []
    try:
        interfaces = psutil.net_if_addrs()
    except (OSError, RuntimeError):
        return found
    for addrs in interfaces.values():
        for addr in addrs:
            if addr.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(addr.address)
            if ip.is_private and not ip.is_loopback and not ip.is_link_local and str(ip) not in found:
                found.append(str(ip))
    return sorted(found, key=_preference)


def _preference(ip: str) -> tuple[int, str]:
    # Home and office Wi-Fi is usually 192.168/16 or 10/8; 172.16/12 is mostly container bridges.
    if ip.startswith("192.168."):
        return (0, ip)
    if ip.startswith("10."):
        return (1, ip)
    return (2, ip)


def phone_addresses(listen_host: str) -> list[str]:
    """Where a phone should point its proxy, given the address the proxy listens on."""
    if listen_host in ("", "0.0.0.0", "::"):
        return lan_addresses() or ["<this computer's Wi-Fi address>"]
    return [listen_host]


def open_to_network(listen_host: str) -> bool:
    """Whether a proxy listening on `listen_host` accepts clients on every interface."""
    return listen_host.strip() in ("", "0.0.0.0", "::", "*", "[::]")
