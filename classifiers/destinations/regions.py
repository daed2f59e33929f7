"""Jurisdiction groups: the regions a user asks about ("what left for China?").

A country code becomes one of a few groups whose data-protection law differs in ways that matter to
the question.  Mainland China (`CN`), Hong Kong (`HK`) and Singapore (`SG`) stay apart on purpose:
Xiaomi's international analytics run on Alibaba Cloud in Singapore while the company sits in Beijing.
"""

from __future__ import annotations

from enum import StrEnum


class Region(StrEnum):
    EU_EEA = "EU/EEA"
    UK = "UK"
    US = "US"
    CN = "CN"
    HK = "HK"
    SG = "SG"
    RU = "RU"
    IN = "IN"
    OTHER = "other"
    # Not places: what is said when no country can be given.
    ANYCAST = "anycast"
    LOCAL = "local"
    UNKNOWN = "unknown"


# Server-country values that are not ISO codes.
UNKNOWN = "unknown"
NO_ADDRESS = "unknown (no server address)"
ANYCAST = "anycast"
LOCAL = "local"

# The 27 EU member states plus Iceland, Liechtenstein and Norway (EEA).  Greece is GR in ISO 3166.
EU_EEA: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

_SINGLE = {
    "GB": Region.UK,
    "US": Region.US,
    "CN": Region.CN,
    "HK": Region.HK,
    "SG": Region.SG,
    "RU": Region.RU,
    "IN": Region.IN,
}
_NOT_PLACES = {ANYCAST: Region.ANYCAST, LOCAL: Region.LOCAL}


def region_of(country: str | None) -> Region:
    """`DE` -> EU/EEA, `GB` -> UK, `SG` -> SG, `BR` -> other; non-countries map to themselves."""
    if not country:
        return Region.UNKNOWN
    if country in _NOT_PLACES:
        return _NOT_PLACES[country]
    code = country.upper()
    if len(code) != 2 or not code.isalpha():
        return Region.UNKNOWN
    if code in EU_EEA:
        return Region.EU_EEA
    return _SINGLE.get(code, Region.OTHER)


def parse_region(text: str) -> Region:
    """The user's spelling of a region: `cn`, `China`, `eu`, `EEA`, `uk`, `GB` ..."""
    key = text.strip().lower().replace(" ", "")
    aliases = {
        "eu": Region.EU_EEA,
        "eea": Region.EU_EEA,
        "eu/eea": Region.EU_EEA,
        "europe": Region.EU_EEA,
        "uk": Region.UK,
        "gb": Region.UK,
        "unitedkingdom": Region.UK,
        "us": Region.US,
        "usa": Region.US,
        "unitedstates": Region.US,
        "cn": Region.CN,
        "china": Region.CN,
        "mainlandchina": Region.CN,
        "hk": Region.HK,
        "hongkong": Region.HK,
        "sg": Region.SG,
        "singapore": Region.SG,
        "ru": Region.RU,
        "russia": Region.RU,
        "in": Region.IN,
        "india": Region.IN,
        "other": Region.OTHER,
        "anycast": Region.ANYCAST,
        "local": Region.LOCAL,
        "unknown": Region.UNKNOWN,
    }
    if key in aliases:
        return aliases[key]
    raise ValueError(f"unknown region {text!r}: use one of {', '.join(r.value for r in Region)}")


def countries_of(region: Region) -> frozenset[str] | None:
    """The ISO codes a named region stands for; None for `other` and the non-places."""
    if region is Region.EU_EEA:
        return EU_EEA
    for code, named in _SINGLE.items():
        if named is region:
            return frozenset({code})
    return None


NAMED_COUNTRIES: frozenset[str] = EU_EEA | frozenset(_SINGLE)
