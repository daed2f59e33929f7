"""phonehome/devices.py: `--device NAME=ADDRESS` pairs, and one spelling of a client address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonehome.devices import DeviceNameError, parse_devices, plain_address


def test_pairs_become_an_address_to_name_map() -> None:
    assert parse_devices(["pixel=192.168.1.40", "iphone = 192.168.1.41", "lab=fe80::1"]) == {
        "192.168.1.40": "pixel", "192.168.1.41": "iphone", "fe80::1": "lab",
    }  # fmt: skip
    # A name may contain "=": the address is after the last one.
    assert parse_devices(["a=b=10.0.0.1"]) == {"10.0.0.1": "a=b"}
    assert parse_devices(["pixel=::ffff:10.0.0.7"]) == {"10.0.0.7": "pixel"}
    assert parse_devices(["p=10.0.0.1", "p=10.0.0.1"]) == {"10.0.0.1": "p"}  # the same pair twice is fine


@pytest.mark.parametrize(("spec", "says"), [
    ("pixel", "expected NAME=ADDRESS"),
    ("=10.0.0.1", "expected NAME=ADDRESS"),
    ("pixel=", "expected NAME=ADDRESS"),
    ("pixel=phone.local", "is not an IP address"),
    ("pixel=999.1.1.1", "is not an IP address"),
])  # fmt: skip
def test_malformed_pairs_are_one_clear_error(spec: str, says: str) -> None:
    with pytest.raises(DeviceNameError, match=says):
        parse_devices([spec])


def test_one_address_two_names_or_one_name_two_addresses_are_refused() -> None:
    with pytest.raises(DeviceNameError, match="named twice"):
        parse_devices(["a=10.0.0.1", "b=10.0.0.1"])
    with pytest.raises(DeviceNameError, match="two addresses"):
        parse_devices(["a=10.0.0.1", "a=10.0.0.2"])


def test_plain_address() -> None:
    assert plain_address("::ffff:192.168.1.9") == "192.168.1.9"
    assert plain_address("[fe80::1]") == "fe80::1"
    assert plain_address("10.0.0.7") == "10.0.0.7"
    assert plain_address("not an address") == "not an address"


@given(st.lists(st.text(max_size=40), max_size=5))
def test_any_input_is_a_map_or_a_device_error(specs: list[str]) -> None:
    try:
        names = parse_devices(specs)
    except DeviceNameError as exc:
        assert str(exc).startswith("--device")
    else:
        assert len(names) <= len(specs)
