"""What phonehome observed, in the words app stores use: Google Play Data safety and Apple privacy labels.

Each kind of finding maps to the Play data type (section "Data types" of Play Console's Data safety
form) and the Apple App Privacy data type it would be declared under.  A user holds the report next
to what an app or vendor declares with `phonehome report --declared FILE`:

```toml
[[declared]]
who = "Xiaomi"                 # a company (name or id in the entity map), a host, or an app package
data_types = ["Device or other IDs", "App interactions", "Crash logs"]   # Play or Apple names
```

(or the same as JSON: `{"declared": [{"who": ..., "data_types": [...]}]}`).  Types observed for that
receiver but missing from its declaration are marked "not declared".  The mapping is phonehome's
reading of the stores' definitions; docs/reports.md lists it.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

# kind -> (Google Play Data safety type, Apple App Privacy type)
DATA_TYPES: dict[str, tuple[str, str]] = {
    "imei": ("Device or other IDs", "Device ID"),
    "meid": ("Device or other IDs", "Device ID"),
    "imsi": ("Device or other IDs", "Device ID"),
    "iccid": ("Device or other IDs", "Device ID"),
    "serial_number": ("Device or other IDs", "Device ID"),
    "android_id": ("Device or other IDs", "Device ID"),
    "advertising_id": ("Device or other IDs", "Device ID"),
    "mac_address": ("Device or other IDs", "Device ID"),
    "device_id": ("Device or other IDs", "Device ID"),
    "email": ("Email address", "Email Address"),
    "phone_number": ("Phone number", "Phone Number"),
    "coordinates": ("Precise location", "Precise Location"),
    "cell_tower": ("Approximate location", "Coarse Location"),
    "wifi_network": ("Approximate location", "Coarse Location"),
    "visited_url": ("Web browsing history", "Browsing History"),
    "search_query": ("In-app search history", "Search History"),
    "installed_apps": ("Installed apps", "Other Usage Data"),
    "app_activity": ("App interactions", "Product Interaction"),
    "device_model": ("Diagnostics", "Other Diagnostic Data"),
    "os_version": ("Diagnostics", "Other Diagnostic Data"),
    "carrier": ("Diagnostics", "Other Diagnostic Data"),
    "tracking_id": ("Device or other IDs", "Device ID"),
    "person_name": ("Name", "Name"),
    "postal_address": ("Address", "Physical Address"),
    "password": ("Other info", "Other Data"),
}

PLAY_TYPES = frozenset(play for play, _ in DATA_TYPES.values()) | frozenset(
    {"Approximate location", "Name", "User IDs", "Address", "Other info", "Crash logs",
     "Other app performance data", "Other actions", "Contacts", "App interactions"}
)  # fmt: skip
APPLE_TYPES = frozenset(apple for _, apple in DATA_TYPES.values()) | frozenset(
    {"Name", "User ID", "Crash Data", "Performance Data", "Advertising Data", "Contacts", "Other Data"}
)  # fmt: skip


class DeclaredError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Declaration:
    who: str
    data_types: frozenset[str]  # lower-cased Play and Apple names

    def covers(self, kind: str) -> bool:
        play, apple = DATA_TYPES[kind]
        return play.lower() in self.data_types or apple.lower() in self.data_types


def load_declared(path: str | Path) -> list[Declaration]:
    """Read a declarations file (TOML or JSON); one-line errors for anything malformed."""
    p = Path(path)
    try:
        raw_text = p.read_bytes()
    except OSError as exc:
        raise DeclaredError(f"--declared {p}: {exc.strerror or exc}") from exc
    try:
        data = (
            json.loads(raw_text) if p.suffix.lower() == ".json" else tomllib.loads(raw_text.decode("utf-8"))
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeclaredError(
            f"--declared {p}: not valid {'JSON' if p.suffix.lower() == '.json' else 'TOML'}: {exc}"
        ) from exc
    entries = data.get("declared") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DeclaredError(f"--declared {p}: expected a list named 'declared'")
    known = {t.lower() for t in PLAY_TYPES | APPLE_TYPES}
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("who"), str) or not entry["who"].strip():
            raise DeclaredError(f"--declared {p}: entry {i + 1} needs a 'who' (company, host or app package)")
        types = entry.get("data_types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise DeclaredError(f"--declared {p}: entry {i + 1}: 'data_types' must be a list of names")
        unknown = [t for t in types if t.lower() not in known]
        if unknown:
            raise DeclaredError(
                f"--declared {p}: entry {i + 1}: unknown data type {unknown[0]!r} "
                "(use Google Play Data safety or Apple privacy label names, e.g. 'Device or other IDs')"
            )
        out.append(Declaration(entry["who"].strip(), frozenset(t.lower() for t in types)))
    return out
