"""The report as JSON, written a device at a time.

The text is exactly `json.dumps(report, indent=2, ensure_ascii=False)`: every field but the devices'
sections is dumped at once, then each device's section alone, indented to its place in the list, so
a report whose devices come one at a time (`Report.streamed`) never holds every device's at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# The key's line at the top level: two spaces in, the only place a "devices" key holds the list
# (nested keys are indented further; captured text inside a string cannot hold a raw newline).
_DEVICES = '\n  "devices": '


def json_parts(report: dict[str, Any]) -> Iterator[str]:
    """The JSON text in parts, to be written one after the other, ending in a newline."""
    if "devices" not in report:  # nothing to stream
        yield json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        return
    head = json.dumps({**report, "devices": []}, indent=2, ensure_ascii=False)
    before, _, after = head.partition(_DEVICES + "[]")
    yield before + _DEVICES
    devices = iter(report["devices"])
    first = next(devices, None)
    if first is None:
        yield "[]"
    else:
        yield "[\n" + _indented(first)
        for device in devices:
            yield ",\n" + _indented(device)
        yield "\n  ]"
    yield after + "\n"


def _indented(device: dict[str, Any]) -> str:
    return "\n".join("    " + line for line in json.dumps(device, indent=2, ensure_ascii=False).split("\n"))
