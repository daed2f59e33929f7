"""The words people read: the one place for the human labels of kinds, categories, blind spots and
countries, for times and for counted nouns.

Every human output (terminal, Markdown, HTML, diff, summary, live view) takes its labels from here, so
one kind reads the same everywhere. Machine outputs (JSON, JSONL, CSV) keep their machine values: kind
names, ISO-8601 times in UTC.

- `kind_label("android_id")` -> "Android ID"; every `Kind` has a label (a test enumerates them).
- `category_label("app_usage")` -> "app usage".
- `blind_spot_label("client_tls")` -> "refused our certificate".
- `country_label("DE")` -> "Germany"; "anycast", "local", "unknown" and None in words.
- `plural(2, "request")` -> "2 requests"; `plural(1, "company")` -> "1 company"; `noun(n, "country")`
  the word alone.
- `when(dt, "Europe/Berlin")` -> "2024-05-01 08:00:01 CEST": to the second, in the capture's zone,
  the zone named. `local_zone()` names this machine's zone for a capture that starts now; the store
  keeps each session's (db/zones.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

from phonehome.countries import country_name

KIND_LABELS: dict[str, str] = {
    "imei": "IMEI (phone hardware ID)", "meid": "MEID (phone hardware ID)", "imsi": "IMSI (SIM subscriber ID)",
    "iccid": "ICCID (SIM card number)", "serial_number": "serial number", "android_id": "Android ID",
    "advertising_id": "advertising ID", "mac_address": "Wi-Fi MAC address", "device_id": "app/vendor device ID",
    "email": "email address", "phone_number": "phone number", "coordinates": "GPS position",
    "cell_tower": "mobile cell tower", "wifi_network": "Wi-Fi network", "visited_url": "web pages visited",
    "search_query": "search terms", "installed_apps": "list of installed apps", "app_activity": "apps/screens used",
    "device_model": "phone model", "os_version": "OS version", "carrier": "mobile carrier",
    "tracking_id": "tracking ID (analytics/ad cookie)", "person_name": "person's name",
    "postal_address": "postal address", "password": "password",
}  # fmt: skip

CATEGORY_LABELS: dict[str, str] = {
    "identifier": "identifiers", "contact": "contact details", "location": "location", "browsing": "browsing",
    "app_usage": "app usage", "device": "device details", "credentials": "credentials",
}  # fmt: skip

BLIND_SPOT_LABELS: dict[str, str] = {
    "client_tls": "refused our certificate",
    "upstream_tls": "the server's TLS handshake failed (nothing sent)",
    "not_http": "not HTTP, passed through unread",
    "udp": "UDP / QUIC, passed through unread",
}


def kind_label(kind: str | None) -> str:
    """A kind as people read it; a kind this version does not know reads as its name without underscores."""
    if not kind:
        return "unknown"
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def category_label(category: str | None) -> str:
    if not category:
        return "unknown"
    return CATEGORY_LABELS.get(category, category.replace("_", " "))


def blind_spot_label(kind: str) -> str:
    return BLIND_SPOT_LABELS.get(kind, kind.replace("_", " "))


def country_label(code: str | None) -> str:
    """Country names: "Germany", "United States", "anycast (no single country)", "local network", "unknown"."""
    return country_name(code)


# Nouns whose plural is not the noun + "s". Only words phonehome prints.
_IRREGULAR = {
    "company": "companies", "country": "countries", "address": "addresses", "person": "people",
    "entry": "entries", "party": "parties", "category": "categories", "query": "queries",
    "identity": "identities", "activity": "activities", "refusal": "refusals", "pass": "passes",
    "process": "processes", "match": "matches", "child": "children", "is": "are", "was": "were",
    "has": "have", "this": "these", "place holds": "places hold", "time": "times",
}  # fmt: skip


def noun(n: int, word: str) -> str:
    """`word` as it goes with the count `n`: "request" / "requests", "company" / "companies"."""
    if n == 1:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def plural(n: int, word: str) -> str:
    """A count and its noun: "1 request", "2 requests", "1,204 findings", "0 companies"."""
    return f"{n:,} {noun(n, word)}"


# -- times ---------------------------------------------------------------------------------------------

UTC_NAME = "UTC"


def offset_name(offset: timedelta) -> str:
    """+02:00, -05:30, or UTC for no offset (as db/zones.py stores fixed offsets)."""
    if not offset:
        return UTC_NAME
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_zone() -> str:
    """This machine's zone, as a capture that starts now records it (db/zones.py)."""
    # Imported here: the words are used by commands that open no database (`lookup`).
    from phonehome.db.zones import machine_zone

    return machine_zone()


@lru_cache(maxsize=64)
def zone_info(zone: str | None) -> tzinfo:
    """A stored zone name as a tzinfo: an IANA name ("Europe/Berlin"), an offset ("+02:00") or "UTC".
    Anything else (or a name this machine's time zone data lacks) is UTC."""
    if not zone or zone == UTC_NAME:
        return UTC
    if zone[0] in "+-" and len(zone) == 6 and zone[3] == ":" and zone[1:3].isdigit() and zone[4:].isdigit():
        delta = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:]))
        if delta >= timedelta(hours=24):
            return UTC
        return timezone(-delta if zone[0] == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(zone)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return UTC


def _parse(value: datetime | str) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def zone_abbreviation(moment: datetime) -> str:
    """The zone as people name it at that moment: "CEST", "JST", "UTC", or "UTC+04" where the zone
    data has no letters for it."""
    name = moment.tzname() or ""
    if name in ("UTC", "GMT", "Z") and not moment.utcoffset():
        return UTC_NAME
    if name and name[0].isalpha() and not name.startswith("UTC"):
        return name
    return "UTC" + offset_name(moment.utcoffset() or timedelta(0)).replace(":00", "")


def when(value: datetime | str | None, zone: str | None = None, *, seconds: bool = True) -> str:
    """A moment as people read it: "2024-05-01 08:00:01 CEST", in `zone` (the capture's), to the second
    (`seconds=False`: to the minute). A naive datetime is taken as UTC (the database stores UTC).
    None or an unreadable string reads as "" (the string itself is never shown: it may be captured)."""
    if value is None or value == "":
        return ""
    moment = _parse(value)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone_info(zone))
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{shown} {zone_abbreviation(local)}"


def clock(value: datetime | str | None, zone: str | None = None) -> str:
    """The time of day alone, to the second, in `zone`: "08:00:01"."""
    shown = when(value, zone)
    return shown[11:19] if shown else ""
