"""Country names for people, from ISO codes (pycountry's copy of ISO 3166)."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from phonehome.classifiers.destinations.regions import ANYCAST, LOCAL, NO_ADDRESS, UNKNOWN

# Short names people use where ISO's official one is long.
_SHORT = {"RU": "Russia", "IR": "Iran", "VN": "Vietnam", "SY": "Syria", "BO": "Bolivia", "VE": "Venezuela",
          "TZ": "Tanzania", "MD": "Moldova", "LA": "Laos", "KP": "North Korea", "US": "United States"}  # fmt: skip
_NOT_PLACES = {ANYCAST: "anycast (no single country)", LOCAL: "local network", UNKNOWN: "unknown",
               NO_ADDRESS: "unknown (no server address)"}  # fmt: skip


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str:
    if not code:
        return "unknown"
    if code in _NOT_PLACES:
        return _NOT_PLACES[code]
    upper = code.upper()
    if upper in _SHORT:
        return _SHORT[upper]
    country = pycountry.countries.get(alpha_2=upper)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
