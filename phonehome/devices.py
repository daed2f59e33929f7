"""Devices by name: `--device NAME=ADDRESS` pairs, and client addresses written one way.

A capture names each client by the address it connects from; the user may give those addresses
names (`--device pixel=192.168.1.40`).  Unnamed clients keep their address.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence


class DeviceNameError(ValueError):
    pass


@functools.lru_cache(maxsize=4096)  # the proxy asks once a flow, for the few addresses a lab has
def plain_address(address: str) -> str:
    """An IPv4 client seen through a dual-stack socket (`::ffff:10.0.0.7`) as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address
    mapped = getattr(ip, "ipv4_mapped", None)
    return str(mapped) if mapped is not None else str(ip)


def parse_devices(specs: Sequence[str]) -> dict[str, str]:
    """`NAME=ADDRESS` pairs as {address: name}; one clear error for anything else."""
    names: dict[str, str] = {}
    for spec in specs:
        name, sep, address = spec.rpartition("=")
        name, address = name.strip(), address.strip()
        if not sep or not name or not address:
            raise DeviceNameError(
                f"--device {spec!r}: expected NAME=ADDRESS, e.g. --device pixel=192.168.1.40"
            )
        try:
            ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            raise DeviceNameError(
                f"--device {spec!r}: {address!r} is not an IP address (the phone's address on this network)"
            ) from None
        address = plain_address(address)
        if address in names and names[address] != name:
            raise DeviceNameError(f"--device: {address} is named twice ({names[address]!r} and {name!r})")
        if name in names.values() and names.get(address) != name:
            raise DeviceNameError(f"--device: the name {name!r} is given to two addresses")
        names[address] = name
    return names
