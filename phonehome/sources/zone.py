"""The time zone a traffic file was recorded in, for its session (db/zones.py stores it).

A HAR's `startedDateTime` carries the recording machine's UTC offset (`2024-05-01T08:00:01.900+02:00`):
the first one in the file names the session's zone ("+02:00").  A HAR in UTC ("Z"), a HAR whose times
carry no offset, a mitmproxy dump (epoch seconds, no zone) and anything unreadable are "UTC".  Only the
file's first megabytes are read: a HAR lists its pages and the first entry's time near its start.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

from phonehome.db.zones import UTC_NAME, zone_of_offset
from phonehome.sources import open_binary

_HEAD = 8 << 20
_STARTED = re.compile(rb'"startedDateTime"\s*:\s*"([^"\\]{10,64})"')


def _first_started(head: bytes) -> bytes | None:
    """The first entry's startedDateTime; a page's (recorded by the same machine) when no entry's is near."""
    entries = head.find(b'"entries"')
    if entries >= 0 and (m := _STARTED.search(head, entries)):
        return m.group(1)
    m = _STARTED.search(head)
    return m.group(1) if m else None


def zone_of_time(text: str) -> str:
    """`2024-05-01T08:00:01+02:00` -> "+02:00"; "Z", no offset or not a time -> "UTC"."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return UTC_NAME
    return zone_of_offset(moment.utcoffset())


def file_zone(path: str | os.PathLike[str]) -> str:
    """The zone of a HAR's first startedDateTime, else "UTC" (dumps, no offset, unreadable files)."""
    try:
        with open_binary(path) as f:
            head = f.read(_HEAD)
    except (OSError, EOFError, ValueError):
        return UTC_NAME
    started = _first_started(head)
    if started is None:
        return UTC_NAME
    return zone_of_time(started.decode("ascii", "replace"))
