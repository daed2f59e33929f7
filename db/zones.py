"""A session's time zone as stored: an IANA name ("Europe/Berlin"), a fixed offset ("+02:00") or "UTC".

The store records it when a session starts (`machine_zone()` for a live capture; a replay passes its
file's); `phonehome.words.when` shows times in it.  Standard library only.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

UTC_NAME = "UTC"
_UTC_NAMES = {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "Universal"}


def offset_name(offset: timedelta) -> str:
    """+02:00, -05:30, or UTC for no offset."""
    if not offset:
        return UTC_NAME
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_of_offset(offset: timedelta | None) -> str:
    """A fixed UTC offset as a stored zone name: "+02:00"; none, zero or nonsense is "UTC"."""
    if offset is None or abs(offset) >= timedelta(hours=24):
        return UTC_NAME
    return offset_name(offset)


def _known_zone(name: str) -> bool:
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def machine_zone() -> str:
    """This machine's time zone now: its IANA name when it has one (TZ, else /etc/localtime's link),
    else its current UTC offset ("+02:00"); every name of UTC itself is "UTC"."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name in _UTC_NAMES:
            return UTC_NAME
        if "/" in name and len(name) <= 64 and _known_zone(name):
            return name
    return zone_of_offset(datetime.now().astimezone().utcoffset())
