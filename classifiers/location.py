"""Location: GPS coordinates, cell towers and Wi-Fi networks."""

from __future__ import annotations

import re

from classifiers.identifiers import normalise_mac
from classifiers.keys import is_placeholder, norm
from classifiers.model import Field, Finding, Kind, Source, Where, finding

LAT_KEYS = frozenset({"lat", "latitude", "la", "gpslat", "userlat", "mlat", "latit", "geolat", "lati"})
LON_KEYS = frozenset(
    {
        "lon",
        "lng",
        "long",
        "longitude",
        "lo",
        "gpslon",
        "gpslng",
        "userlng",
        "userlon",
        "mlng",
        "geolng",
        "geolon",
    }
)
PAIR_KEYS = frozenset(
    {"ll", "latlng", "latlon", "location", "loc", "gps", "coordinates", "coord", "geo", "position"}
)
BSSID_KEYS = frozenset({"bssid", "wifibssid", "apmac", "routermac", "wifimacap", "connectedbssid"})
SSID_KEYS = frozenset({"ssid", "wifissid", "wifiname", "apname", "connectedssid"})
CID_KEYS = frozenset({"cid", "cellid", "ci", "cellidentity"})

# Decimal degrees with at least two decimals: touch points, prices and counters are not positions.
_DEGREES = re.compile(r"^-?\d{1,3}\.\d{2,}$")
_PAIR = re.compile(r"^\s*(-?\d{1,3}\.\d{2,})\s*[,;| ]\s*(-?\d{1,3}\.\d{2,})\s*$")


def _valid(lat: str, lon: str) -> bool:
    if not (_DEGREES.match(lat) and _DEGREES.match(lon)):
        return False
    la, lo = float(lat), float(lon)
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return False
    return not (abs(la) < 0.01 and abs(lo) < 0.01)  # 0,0 is "no fix", not a place


def detect_coordinates(field: Field) -> list[Finding]:
    key = norm(field.key)
    value = field.value.strip()
    if key in LAT_KEYS and field.siblings:
        for sib_key, sib_value in field.siblings.items():
            if norm(sib_key) in LON_KEYS and _valid(value, sib_value.strip()):
                pair = f"{value},{sib_value.strip()}"
                return [finding(field, Kind.COORDINATES, pair, 0.95, Source.KEY, "coordinates")]
        return []
    if key in PAIR_KEYS:
        match = _PAIR.match(value)
        if match and _valid(match.group(1), match.group(2)):
            pair = f"{match.group(1)},{match.group(2)}"
            return [finding(field, Kind.COORDINATES, pair, 0.9, Source.KEY, "coordinates")]
    return []


def detect_wifi_network(field: Field) -> list[Finding]:
    if field.where in (Where.COOKIE, Where.HEADER):
        return []  # Google's `SSID` cookie is a session token, not a network name
    key = norm(field.key)
    value = field.value.strip()
    if key in BSSID_KEYS:
        mac = normalise_mac(value)
        if mac is not None:
            return [finding(field, Kind.WIFI_NETWORK, mac, 0.95, Source.KEY, "wifi_network")]
        return []
    if key in SSID_KEYS:
        ssid = value.strip('"')
        if ssid and not is_placeholder(ssid) and ssid.lower() not in ("<unknown ssid>", "0x"):
            return [finding(field, Kind.WIFI_NETWORK, ssid, 0.9, Source.KEY, "wifi_network")]
    return []


def detect_cell_tower(field: Field) -> list[Finding]:
    """A cell ID with its MCC/MNC/LAC siblings names one tower: `mcc-mnc-lac-cid`."""
    if norm(field.key) not in CID_KEYS or not field.siblings:
        return []
    cid = field.value.strip()
    if not cid.isdigit() or int(cid) in (0, 2147483647, 65535):
        return []
    parts = {norm(k): v.strip() for k, v in field.siblings.items()}
    mcc = parts.get("mcc", "")
    if not (mcc.isdigit() and len(mcc) == 3):
        return []
    mnc = parts.get("mnc", "")
    lac = parts.get("lac", parts.get("tac", ""))
    return [finding(field, Kind.CELL_TOWER, f"{mcc}-{mnc}-{lac}-{cid}", 0.9, Source.KEY, "cell_tower")]
