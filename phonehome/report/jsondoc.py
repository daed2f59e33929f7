"""The report as JSON, written a device at a time.

The text is what `json.dumps(report, indent=2, ensure_ascii=False)` writes, made by orjson's C encoder
(json's own C encoder has no indent: the pure-Python one took 0.4 s of the 50,000-flow report of one
session).  The two write the same text for every value but floats, whose exponents orjson spells
shorter (`1e-7`, `0.00001` where json writes `1e-07`, `1e-05`): the same numbers to any JSON parser.
Values orjson refuses (a lone surrogate, an integer past 64 bits, a key that is not a string) are
dumped by the json module instead, as before.

Every field but the devices' sections is dumped at once, then each device's section alone, at its
place in the list, so a report whose devices come one at a time (`Report.streamed`) never holds
every device's at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

# The key's line at the top level: two spaces in, the only place a "devices" key holds the list
# (nested keys are indented further; captured text inside a string cannot hold a raw newline).
_DEVICES = '\n  "devices": '
# A device dumped inside this wrapper comes out at its depth in the report, indented as there.
_WRAPPED = '{\n  "devices": [\n'
_UNWRAPPED = "\n  ]\n}"


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, by orjson unless it refuses the value."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError: surrogates, integers past 64 bits, keys not str
        return json.dumps(value, indent=2, ensure_ascii=False)


class Dumped(bytes):
    """A device's section as its JSON text in UTF-8, indented to its place in the report's list
    (`dumped`): made where the section is made (a report's worker), half the size of the text as a
    str when the section holds a character past Latin-1 (redacted pages end in `…`)."""


def dumped(device: dict[str, Any]) -> Dumped:
    """The device's section as `json_parts` writes it: `Report.devices(dumped)` has each worker
    encode its own devices, so the report's process only writes the text.  A lone surrogate (the
    json module's text, which keeps it) crosses as surrogatepass does."""
    try:
        data = orjson.dumps({"devices": [device]}, option=orjson.OPT_INDENT_2)
    except TypeError:  # what orjson refuses (see `dumps`)
        return Dumped(_indented(device).encode("utf-8", "surrogatepass"))
    return Dumped(memoryview(data)[len(_WRAPPED) : -len(_UNWRAPPED)])  # the wrapper is ASCII


def json_parts(report: dict[str, Any]) -> Iterator[str]:
    """The JSON text in parts, to be written one after the other, ending in a newline.  Devices may be
    given as dicts or as their `dumped` text."""
    if "devices" not in report:  # nothing to stream
        yield dumps(report) + "\n"
        return
    head = dumps({**report, "devices": []})
    before, _, after = head.partition(_DEVICES + "[]")
    yield before + _DEVICES
    devices = iter(report["devices"])
    first = next(devices, None)
    if first is None:
        yield "[]"
    else:
        yield "[\n" + _placed(first)
        for device in devices:
            yield ",\n" + _placed(device)
        yield "\n  ]"
    yield after + "\n"


def _placed(device: dict[str, Any] | Dumped) -> str:
    return device.decode("utf-8", "surrogatepass") if isinstance(device, Dumped) else _indented(device)


def _indented(device: dict[str, Any]) -> str:
    """A device's section as it reads in the list: four spaces in, as deep as the list puts it."""
    text = dumps({"devices": [device]})
    return text[len(_WRAPPED) : -len(_UNWRAPPED)]
