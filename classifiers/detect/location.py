"""Location: GPS coordinates, cell towers and Wi-Fi networks."""

from __future__ import annotations

import re

from phonehome.classifiers.detect.identifiers import MCCS, in_wifi_list, normalise_mac
from phonehome.classifiers.detect.keys import is_placeholder, norm
from phonehome.classifiers.detect.normalise import cell_from_operator
from phonehome.classifiers.model import Field, Finding, Kind, Source, Where, finding

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
    {"ll", "latlng", "latlon", "location", "loc", "gps", "coordinates", "coord", "geo", "position", "q", "geoip",
     "points", "point", "center", "near", "origin", "destination"}
)  # fmt: skip
# Services whose APIs put longitude first (`lon,lat`), as GeoJSON does.
LON_FIRST_HOSTS = ("mapbox.com", "amap.com", "autonavi.com")
# GeoJSON geometries (RFC 7946) give positions as `[longitude, latitude]`.
GEOJSON_TYPES = frozenset({"point", "multipoint", "linestring", "multilinestring", "polygon", "multipolygon"})
# An unkeyed pair needs four decimals on both numbers to be taken for a position.
_PRECISE_PAIR = re.compile(r"^\s*(-?\d{1,3}\.\d{4,})\s*,\s*(-?\d{1,3}\.\d{4,})\s*$")
BSSID_KEYS = frozenset({"bssid", "wifibssid", "apmac", "routermac", "wifimacap", "connectedbssid"})
SSID_KEYS = frozenset({"ssid", "wifissid", "wifiname", "apname", "connectedssid"})
CID_KEYS = frozenset({"cid", "cellid", "ci", "cellidentity"})

# Decimal degrees with at least two decimals: touch points, prices and counters are not positions.
_DEGREES = re.compile(r"^-?\d{1,3}\.\d{2,}$")
_EMBEDDED_PAIR = re.compile(r"(?:^|[:|;,\s])(-?\d{1,2}\.\d{2,})[:|;,](-?\d{1,3}\.\d{2,})(?:$|[:|;,\s])")
# `ssid` as a word of its own at the key's end (`wifi_ssid`, `connectedSSID`, `wifiSsid`), not the end of
# another word (`processId`, `PHPSESSID`).
_SSID_WORD = re.compile(
    r"(?:^|[_.\-\s])b?ssid$|(?<=[a-z])(?:Ss|SS|Bs|BS|bS)sid$|(?<=[a-z])(?:SSID|Ssid|BSSID|Bssid)$"
)
_PROTO_DEGREES = re.compile(r"^-?\d{1,3}\.\d{4,}$")
_PAIR = re.compile(r"^\s*(-?\d{1,3}\.\d{2,})\s*[,;| ]\s*(-?\d{1,3}\.\d{2,})\s*$")


def _valid(lat: str, lon: str) -> bool:
    if not (_DEGREES.match(lat) and _DEGREES.match(lon)):
        return False
    la, lo = float(lat), float(lon)
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return False
    return not (abs(la) < 0.01 and abs(lo) < 0.01)  # 0,0 is "no fix", not a place


def looks_like_pair(value: str) -> bool:
    """A gate: `lat,lon` (or `lon,lat`), possibly with a `.json` suffix from a URL path."""
    v = value.strip().removesuffix(".json").removesuffix(".geojson")
    return 9 <= len(v) <= 40 and _PAIR.match(v) is not None


def is_lat_key(key: str) -> bool:
    return key in LAT_KEYS or key.endswith(("lat", "latitude"))


def is_lon_key(key: str) -> bool:
    return key in LON_KEYS or key.endswith(("lon", "lng", "longitude"))


def _protobuf_pair(field: Field, key: str, value: str) -> list[Finding]:
    """Two consecutive fixed-width fields of one protobuf message holding a precise latitude and
    longitude (`1: 41.39215, 2: 2.16412`): field numbers say nothing, the shape has to."""
    after = (field.siblings or {}).get(str(int(key) + 1), "").strip()
    if not (_PROTO_DEGREES.match(value) and _PROTO_DEGREES.match(after) and _valid(value, after)):
        return []
    if abs(float(value)) < 1 or abs(float(after)) < 1:
        return []  # ratios and probabilities sit below 1; places rarely have both so near 0
    return [finding(field, Kind.COORDINATES, f"{value},{after}", 0.7, Source.PATTERN, "coordinates")]


def detect_coordinates(field: Field) -> list[Finding]:
    key = norm(field.key)
    value = field.value.strip()
    if key.isdigit() and "protobuf" in field.encodings and field.siblings and len(key) < 6:
        found = _protobuf_pair(field, key, value)
        if found:
            return found
    if is_lat_key(key) and field.siblings:
        if not _DEGREES.match(value):
            return []
        stem = key.removesuffix("latitude").removesuffix("lat")
        best = None
        for sib_key, sib_value in field.siblings.items():
            nk = norm(sib_key)
            # Prefer the longitude with the same prefix (`gps_lat` with `gps_lon`, not `home_lon`).
            if is_lon_key(nk) and _valid(value, sib_value.strip()):
                if best is None or nk.startswith(stem):
                    best = sib_value.strip()
        if best is not None:
            return [finding(field, Kind.COORDINATES, f"{value},{best}", 0.95, Source.KEY, "coordinates")]
        return []
    if field.where == Where.PATH:
        value = value.removesuffix(".json").removesuffix(".geojson")  # `/mapbox.places/2.16,41.39.json`
    keyed = key in PAIR_KEYS or field.where == Where.PATH
    match = _PAIR.match(value) if keyed else _PRECISE_PAIR.match(value)
    if match is None and ("geo" in key or key in PAIR_KEYS):
        # A position inside a longer string under a location key: Wikipedia's `GeoIP` cookie is
        # `US:VA:Chantilly:38.9148:-77.4883:v4`.
        inner = _EMBEDDED_PAIR.search(value)
        if inner and _valid(inner.group(1), inner.group(2)):
            return [finding(field, Kind.COORDINATES, f"{inner.group(1)},{inner.group(2)}", 0.8, Source.KEY,
                            "coordinates")]  # fmt: skip
    if match:
        first, second = match.group(1), match.group(2)
        # Some APIs (Mapbox, Amap, GeoJSON) send "lon,lat"; a first number beyond ±90 can only be one.
        lon_first = field.host.endswith(LON_FIRST_HOSTS) or (
            key == "coordinates" and norm((field.siblings or {}).get("type", "")) in GEOJSON_TYPES
        )
        if lon_first or abs(float(first)) > 90 >= abs(float(second)):
            first, second = second, first
        if _valid(first, second):
            confidence, source = (0.9, Source.KEY) if keyed else (0.7, Source.PATTERN)
            return [finding(field, Kind.COORDINATES, f"{first},{second}", confidence, source, "coordinates")]
    return []


# Generic keys under which a default network name is recognised (protobuf field numbers too).
NETWORK_NAME_KEYS = frozenset(
    {"name", "network", "networkname", "net", "connection", "currentwifi", "wifiname"}
)
# Keys of one string listing scanned networks: Baidu's `wf=18d2760e934c;-41;ChinaNet-8hQs|...`.
WIFI_SCAN_KEYS = frozenset({"wf", "wifi", "wifis", "wifilist", "wifiscan", "scanlist", "aplist", "wlan"})
_SCAN_ITEM = re.compile(r"([0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5})[;,](-?\d{1,3})(?:[;,]([^|;,]*))?")


# Default network names carry the router's or the provider's brand ("FRITZ!Box 7590 QX",
# "TP-Link_5G_A1C0", "Vodafone-2F1A"): under any key, such a name is a Wi-Fi network.  Phone
# brands are left out: "HUAWEI Mate 50" is a phone.
_DEFAULT_SSID = re.compile(
    r"^(?:FRITZ!Box|TP-?LINK|NETGEAR|Linksys|ASUS[_-]|Vodafone-|Livebox-|BTHub|BTWifi|SKY[0-9A-F]{3}|"
    r"Telekom-|WLAN-|o2-WLAN|MOVISTAR_|MiFibra-|ChinaNet-|CMCC-|ChinaUnicom-|TALKTALK|PLUSNET-|Bbox-|SFR[_-]|"
    r"Freebox-|Orange-|Jazztel_|DIGIFIBRA-|Ziggo|UPC\d|Proximus-|Telenet-|eduroam$|xfinitywifi$|ATT[0-9a-zA-Z]{3}\b|"
    r"Tenda_|Mercury_|MERCURY_|TOTOLINK|D-Link|DLink|Belkin|Sitecom|ZyXEL|Speedport)[\w !.-]{0,26}$",
    re.IGNORECASE,
)


# The first three letters of every brand above, so most values are turned away by one set lookup.
SSID_PREFIXES = frozenset(
    "fri tp- tpl net lin asu vod liv bth btw sky tel wla o2- mov mif chi cmc tal plu bbo sfr fre ora "
    "jaz dig zig upc pro edu xfi att ten mer tot d-l dli bel sit zyx spe".split()
)


def looks_like_default_ssid(value: str) -> bool:
    return (
        4 <= len(value) <= 32
        and value[:3].lower() in SSID_PREFIXES
        and _DEFAULT_SSID.match(value) is not None
    )


def _scan_list(field: Field, value: str) -> list[Finding]:
    found = []
    for match in _SCAN_ITEM.finditer(value):
        mac = normalise_mac(match.group(1))
        if mac is not None:
            found.append(finding(field, Kind.WIFI_NETWORK, mac, 0.9, Source.KEY, "wifi_network"))
        ssid = (match.group(3) or "").strip()
        if ssid and not is_placeholder(ssid):
            found.append(finding(field, Kind.WIFI_NETWORK, ssid, 0.85, Source.KEY, "wifi_network"))
    return found


def detect_wifi_network(field: Field) -> list[Finding]:
    if field.where in (Where.COOKIE, Where.HEADER):
        return []  # Google's `SSID` cookie is a session token, not a network name
    key = norm(field.key)
    value = field.value.strip()
    if key in WIFI_SCAN_KEYS and (";" in value or "|" in value):
        return _scan_list(field, value)
    if (
        key in BSSID_KEYS
        or key.endswith("bssid")
        or (key in ("mac", "macaddress", "mac1") and in_wifi_list(field))
    ):
        mac = normalise_mac(value)
        if mac is not None:
            return [finding(field, Kind.WIFI_NETWORK, mac, 0.95, Source.KEY, "wifi_network")]
        return []
    if key not in SSID_KEYS and not key.endswith("ssid") and field.where in (Where.BODY, Where.QUERY):
        if (key.isdigit() or key in NETWORK_NAME_KEYS) and looks_like_default_ssid(value):
            return [finding(field, Kind.WIFI_NETWORK, value, 0.75, Source.PATTERN, "wifi_network")]
        return []
    if key in SSID_KEYS or (key.endswith("ssid") and _SSID_WORD.search(field.key)):
        ssid = value.strip('"')
        if ssid and not is_placeholder(ssid) and ssid.lower() not in ("<unknown ssid>", "0x"):
            return [finding(field, Kind.WIFI_NETWORK, ssid, 0.9, Source.KEY, "wifi_network")]
    return []


MCC_KEYS = frozenset({"mcc", "mobilecountrycode", "simmcc", "networkmcc"})
MNC_KEYS = frozenset({"mnc", "mobilenetworkcode", "simmnc", "networkmnc"})
LAC_KEYS = frozenset({"lac", "tac", "locationareacode", "trackingareacode", "lacid"})


def _part(parts: dict[str, str], names: frozenset[str]) -> str:
    for name in names:
        if parts.get(name, "").isdigit():
            return parts[name]
    return ""


def _mnc(value: str) -> str:
    return value.zfill(2) if value.isdigit() else value


# Keys of one string holding a whole cell: `cl=460|0|9741|12345678|-83`, `cell=460,00,9741,12345678`.
CELL_STRING_KEYS = frozenset({"cl", "cell", "cellinfo", "celltower", "cellid", "cellidentity", "bts"})
# Keys holding an operator code, MCC then MNC: `networkOperator=310260`.
OPERATOR_CODE_KEYS = frozenset(
    {"networkoperator", "simoperator", "mccmnc", "operatorcode", "plmn", "plmnid", "hni", "operatornumeric"}
)
_CELL_STRING = re.compile(r"^(\d{3})[|,;:_-](\d{1,3})[|,;:_-](\d{1,8})[|,;:_-](\d{1,12})(?:[|,;:_-].*)?$")


def detect_cell_tower(field: Field) -> list[Finding]:
    """A cell ID with its MCC/MNC/LAC siblings names one tower: `mcc-mnc-lac-cid`.

    An MCC and MNC sent without a cell ID still name the network the phone is on: `mcc-mnc--`.
    """
    key = norm(field.key)
    value = field.value.strip()
    if key in CELL_STRING_KEYS:
        match = _CELL_STRING.match(value)
        if match and int(match.group(1)) in MCCS:
            mcc, mnc, lac, cid = match.groups()
            tower = f"{mcc}-{_mnc(mnc)}-{lac}-{cid}"
            return [finding(field, Kind.CELL_TOWER, tower, 0.9, Source.KEY, "cell_tower")]
    if key in OPERATOR_CODE_KEYS:
        network = cell_from_operator(value)
        return [finding(field, Kind.CELL_TOWER, network, 0.8, Source.KEY, "cell_tower")] if network else []
    if not field.siblings:
        return []
    parts = {norm(k): v.strip() for k, v in field.siblings.items()}
    if key in CID_KEYS:
        if not value.isdigit() or int(value) in (0, 2147483647, 65535):
            return []
        mcc = _part(parts, MCC_KEYS)
        if not (len(mcc) == 3 and int(mcc) in MCCS):
            return []
        tower = f"{mcc}-{_mnc(_part(parts, MNC_KEYS))}-{_part(parts, LAC_KEYS)}-{value}"
        return [finding(field, Kind.CELL_TOWER, tower, 0.9, Source.KEY, "cell_tower")]
    if key in MCC_KEYS and len(value) == 3 and value.isdigit() and int(value) in MCCS:
        if any(k in CID_KEYS and parts[k].isdigit() for k in parts):
            return []  # the cell ID's field reports the whole tower
        mnc = _part(parts, MNC_KEYS)
        if mnc:
            return [finding(field, Kind.CELL_TOWER, f"{value}-{_mnc(mnc)}--", 0.8, Source.KEY, "cell_tower")]
    return []
