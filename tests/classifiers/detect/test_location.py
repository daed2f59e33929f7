"""classifiers.location: GPS coordinates, Wi-Fi networks and cell towers."""

from __future__ import annotations

import json

import pytest
from phonehome.classifiers.detect.location import detect_cell_tower, detect_coordinates, detect_wifi_network
from phonehome.classifiers.model import Field, Kind, Source, Where

from tests.classifiers._helpers import essentials, fld


def _pair(lat_key: str, lat: str, lon_key: str, lon: str, where: Where = Where.BODY) -> Field:
    return fld(lat_key, lat, where, siblings={lat_key.lower(): lat, lon_key.lower(): lon, "acc": "12"})


# -- coordinates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "confidence"),
    [
        (_pair("lat", "22.5431", "lon", "114.0579"), "22.5431,114.0579", 0.95),
        (_pair("latitude", "-33.8688", "longitude", "151.2093", Where.QUERY), "-33.8688,151.2093", 0.95),
        (_pair("gpsLat", "40.71", "gpsLng", "-74.00"), "40.71,-74.00", 0.95),
        (_pair("lat", " 51.5074 ", "lng", " -0.1278 "), "51.5074,-0.1278", 0.95),
        (fld("ll", "22.5431,114.0579"), "22.5431,114.0579", 0.9),
        (fld("location", "22.5431; 114.0579"), "22.5431,114.0579", 0.9),
        (fld("gps", "48.8566|2.3522", Where.HEADER), "48.8566,2.3522", 0.9),
        (fld("latlng", "35.6762 139.6503"), "35.6762,139.6503", 0.9),
    ],
)
def test_coordinates_positive(field: Field, expected: str, confidence: float) -> None:
    found = detect_coordinates(field)
    assert essentials(found) == [(Kind.COORDINATES, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("x", "540", siblings={"x": "540", "y": "1200"}),  # touch coordinates
        fld("position", "540,1200"),
        fld("location", "x=540,y=1200"),
        _pair("lat", "22", "lon", "114"),  # integer lat/lon: counters, not a fix
        _pair("lat", "22.5", "lon", "114.1"),  # one decimal is not a position
        _pair("lat", "0.00", "lon", "0.000"),  # 0,0 means "no fix"
        fld("ll", "0.00,0.00"),
        _pair("lat", "95.1234", "lon", "10.1234"),  # latitude out of range
        _pair("lat", "45.1234", "lon", "190.1234"),  # longitude out of range
        fld("lat", "22.5431", siblings={"lat": "22.5431", "alt": "12.50"}),  # no longitude beside it
        fld("lat", "22.5431"),  # no siblings at all
        _pair("lon", "114.0579", "lat", "22.5431"),  # the pair is reported once, on the latitude
        fld("price", "22.54,114.05"),  # pair-shaped under an unrelated key
    ],
)
def test_coordinates_negative(field: Field) -> None:
    assert detect_coordinates(field) == []


# -- Wi-Fi networks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("bssid", "A4:50:46:12:34:56"), "a4:50:46:12:34:56"),
        (fld("wifiBssid", "a45046123456", Where.QUERY), "a4:50:46:12:34:56"),
        (fld("ap_mac", "a4-50-46-12-34-56"), "a4:50:46:12:34:56"),
        (fld("ssid", '"HomeNet"'), "HomeNet"),
        (fld("wifi_name", "Café Wi-Fi 5G"), "Café Wi-Fi 5G"),
    ],
)
def test_wifi_network_positive(field: Field, expected: str) -> None:
    assert essentials(detect_wifi_network(field)) == [(Kind.WIFI_NETWORK, expected, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("SSID", "AbCdEfGhIjKlMnOp-qRsT", Where.COOKIE),  # Google's session cookie
        fld("ssid", "HomeNet", Where.HEADER),
        fld("ssid", "<unknown ssid>"),  # what Android reports without location permission
        fld("ssid", '""'),
        fld("ssid", "0x"),
        fld("ssid", "unknown"),
        fld("bssid", "02:00:00:00:00:00"),  # Android's placeholder
        fld("bssid", "not-a-mac"),
        fld("network", "HomeNet"),  # no Wi-Fi key
    ],
)
def test_wifi_network_negative(field: Field) -> None:
    assert detect_wifi_network(field) == []


def test_bssid_under_wifimac_ap_key() -> None:
    assert essentials(detect_wifi_network(fld("wifimac_ap", "a4:50:46:12:34:56"))) == [
        (Kind.WIFI_NETWORK, "a4:50:46:12:34:56", Source.KEY, None)
    ]


# -- cell towers --------------------------------------------------------------------------------


def _cell(cid: str, **parts: str) -> Field:
    return fld("cid", cid, siblings={"cid": cid, **parts})


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (_cell("12345", mcc="460", mnc="00", lac="9340"), "460-00-9340-12345"),
        (_cell("123456789", mcc="310", mnc="260", tac="1234"), "310-260-1234-123456789"),  # LTE uses tac
        (_cell("12345", mcc="460"), "460---12345"),  # missing parts stay empty
        (
            fld("cellId", "4321", siblings={"cellId": "4321", "MCC": "262", "MNC": "01", "LAC": "101"}),
            "262-01-101-4321",
        ),
    ],
)
def test_cell_tower_positive(field: Field, expected: str) -> None:
    assert essentials(detect_cell_tower(field)) == [(Kind.CELL_TOWER, expected, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        _cell("2147483647", mcc="460", mnc="00", lac="9340"),  # Integer.MAX_VALUE: unavailable
        _cell("65535", mcc="460", mnc="00", lac="9340"),
        _cell("0", mcc="460", mnc="00", lac="9340"),
        _cell("12345", mnc="00", lac="9340"),  # no MCC: `cid` alone is often a client id
        _cell("12345", mcc="46", mnc="00"),  # MCC must be three digits
        _cell("555.1234567", mcc="460"),  # Google Analytics client id under `cid`
        fld("cid", "12345"),  # no siblings
        fld("cell", "12345", siblings={"mcc": "460"}),  # not a cell-id key
    ],
)
def test_cell_tower_negative(field: Field) -> None:
    assert detect_cell_tower(field) == []


# -- latitude/longitude key suffixes ----------------------------------------------------------------


def _sib(lat_key: str, lat: str, **others: str) -> Field:
    return fld(lat_key, lat, siblings={lat_key.lower(): lat, **others})


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (_sib("location_lat", "47.6615", location_lng="-122.3132"), "47.6615,-122.3132"),
        (_sib("huq_lat", "51.5074", huq_lng="-0.1278"), "51.5074,-0.1278"),
        (_sib("userLatitude", "-33.8688", userLongitude="151.2093"), "-33.8688,151.2093"),
        (_sib("geo_lat", "35.6762", geo_lon="139.6503"), "35.6762,139.6503"),
        # The longitude with the same prefix wins over another place's, in either order.
        (_sib("gps_lat", "51.5074", home_lon="2.3522", gps_lon="-0.1278"), "51.5074,-0.1278"),
        (_sib("gps_lat", "51.5074", gps_lon="-0.1278", home_lon="2.3522"), "51.5074,-0.1278"),
    ],
)
def test_coordinates_key_suffixes(field: Field, expected: str) -> None:
    found = detect_coordinates(field)
    assert essentials(found) == [(Kind.COORDINATES, expected, Source.KEY, None)]
    assert found[0].confidence == 0.95


@pytest.mark.parametrize(
    "field",
    [
        _sib("location_lat", "47.6615", location_alt="12.50"),  # no longitude beside it
        _sib("location_lat", "47", location_lng="-122"),  # integers
        _sib("huq_lat", "147.6615", huq_lng="-122.3132"),  # latitude beyond 90
        _sib("location_lng", "-122.3132", location_lat="47.6615"),  # reported once, on the latitude
        _sib("huq_latency", "47.66", huq_lng="-122.31"),  # `lat` inside the key is not its ending
    ],
)
def test_coordinates_key_suffixes_negative(field: Field) -> None:
    assert detect_coordinates(field) == []


# -- lon-first hosts, URL path pairs, unkeyed pairs ---------------------------------------------------

MAPBOX = "api.mapbox.com"


@pytest.mark.parametrize(
    ("field", "expected", "source", "confidence"),
    [
        # Mapbox and Amap put the longitude first, even when it would pass for a latitude.
        (fld("mapbox.places", "2.1734,41.3851.json", Where.PATH, host=MAPBOX), "41.3851,2.1734", Source.KEY, 0.9),
        (fld("q", "2.1734,41.3851", Where.QUERY, host=MAPBOX), "41.3851,2.1734", Source.KEY, 0.9),
        (fld("location", "116.4074,39.9042", Where.QUERY, host="restapi.amap.com"), "39.9042,116.4074",
         Source.KEY, 0.9),
        # A path segment is a position: `.json` dropped, a first number beyond 90 is the longitude.
        (fld("mapbox.places", "-122.313168,47.661558.json", Where.PATH), "47.661558,-122.313168",
         Source.KEY, 0.9),
        (fld("v1", "47.661558,-122.313168", Where.PATH), "47.661558,-122.313168", Source.KEY, 0.9),
        # Elsewhere, an unkeyed pair needs four decimals on both numbers, and is only a pattern.
        (fld("data", "47.6615,-122.3132"), "47.6615,-122.3132", Source.PATTERN, 0.7),
        (fld("p", " -33.86882,151.20929 ", Where.QUERY), "-33.86882,151.20929", Source.PATTERN, 0.7),
    ],
)  # fmt: skip
def test_coordinates_lon_first_paths_and_unkeyed_pairs(
    field: Field, expected: str, source: Source, confidence: float
) -> None:
    found = detect_coordinates(field)
    assert essentials(found) == [(Kind.COORDINATES, expected, source, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("data", "47.66,-122.31"),  # unkeyed with two decimals: prices, ratios, versions
        fld("data", "47.6615,-122.31"),  # one of the two is not precise enough
        fld("data", "47.6615;-122.3132"),  # unkeyed pairs must be comma-separated
        fld("data", "47.6615,-122.3132,12.0"),  # three numbers
        fld("data", "147.6615,-122.3132"),  # neither order is a position
        fld("v1", "1.0.0", Where.PATH),
        fld("v1", "0.001,0.002", Where.PATH),  # 0,0 is "no fix"
    ],
)
def test_unkeyed_pairs_negative(field: Field) -> None:
    assert detect_coordinates(field) == []


# -- cell strings, operator codes, partial cells ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "confidence"),
    [
        (fld("cl", "460|0|9741|12345678|-83"), "460-00-9741-12345678", 0.9),  # Baidu: mcc|mnc|lac|cid|dBm
        (fld("cell", "460,00,9741,12345678"), "460-00-9741-12345678", 0.9),
        (fld("cellInfo", "310_260_1234_123456789", Where.QUERY), "310-260-1234-123456789", 0.9),
        (fld("networkOperator", "310260"), "310-260--", 0.8),  # an operator code: MCC then MNC
        (fld("mccmnc", "26201"), "262-01--", 0.8),
        (fld("sim_operator", "46000"), "460-00--", 0.8),
        # An MCC and MNC without a cell ID name the network: a partial tower.
        (fld("mcc", "460", siblings={"mcc": "460", "mnc": "1"}), "460-01--", 0.8),
        (fld("_mcc", "460", siblings={"_mcc": "460", "_mnc": "00"}), "460-00--", 0.8),
        (
            fld(
                "mobileCountryCode", "310", siblings={"mobileCountryCode": "310", "mobileNetworkCode": "260"}
            ),
            "310-260--",
            0.8,
        ),
    ],
)
def test_cell_strings_and_operator_codes(field: Field, expected: str, confidence: float) -> None:
    found = detect_cell_tower(field)
    assert essentials(found) == [(Kind.CELL_TOWER, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("cl", "999|0|9741|12345678|-83"),  # no such country code
        fld("cl", "460|0|9741"),  # no cell ID
        fld("cell", "4600|0|9741|123"),  # four-digit MCC
        fld("cl", "en-US"),
        fld("networkOperator", "999260"),
        fld("networkOperator", "3102"),  # too short for MCC+MNC
        fld("networkOperator", "3102601"),  # too long
        fld("networkOperator", "T-Mobile"),  # the operator's name is a carrier, not a cell
        fld("mcc", "460", siblings={"mcc": "460"}),  # no MNC
        fld("mcc", "999", siblings={"mcc": "999", "mnc": "01"}),
        fld("mcc", "460", siblings={"mcc": "460", "mnc": "00", "cid": "12345"}),  # the cid field reports it
        fld("mnc", "00", siblings={"mcc": "460", "mnc": "00"}),  # reported once, on the MCC
        # The SIM's home network is no place the phone is at.
        fld(
            "homeMobileCountryCode", "310",
            siblings={"homeMobileCountryCode": "310", "homeMobileNetworkCode": "260"},
        ),
    ],
)  # fmt: skip
def test_cell_strings_and_operator_codes_negative(field: Field) -> None:
    assert detect_cell_tower(field) == []


# -- Wi-Fi scan strings and key suffixes -------------------------------------------------------------

SCAN = "18d2760e934c;-41;ChinaNet-8hQs|a4:50:46:12:34:56;-67;HomeNet|0c8268f0b4a1;-80;"


def test_wifi_scan_string() -> None:
    found = detect_wifi_network(fld("wf", SCAN))
    assert essentials(found) == [
        (Kind.WIFI_NETWORK, "18:d2:76:0e:93:4c", Source.KEY, None),
        (Kind.WIFI_NETWORK, "ChinaNet-8hQs", Source.KEY, None),
        (Kind.WIFI_NETWORK, "a4:50:46:12:34:56", Source.KEY, None),
        (Kind.WIFI_NETWORK, "HomeNet", Source.KEY, None),
        (Kind.WIFI_NETWORK, "0c:82:68:f0:b4:a1", Source.KEY, None),  # no SSID after the last one
    ]
    assert [f.confidence for f in found] == [0.9, 0.85, 0.9, 0.85, 0.9]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("wifi_list", "18d2760e934c,-41|a45046123456,-60"), ["18:d2:76:0e:93:4c", "a4:50:46:12:34:56"]),
        (fld("wf", "18d2760e934c;-41;unknown|a45046123456;-60;Cafe"), ["18:d2:76:0e:93:4c",
                                                                        "a4:50:46:12:34:56", "Cafe"]),
        (fld("huq_bssid", "18:D2:76:0E:93:4C"), ["18:d2:76:0e:93:4c"]),
        (fld("connected_bssid", "18d2760e934c"), ["18:d2:76:0e:93:4c"]),
        (fld("huq_ssid", "HomeNet"), ["HomeNet"]),
        (fld("current_ssid", '"Cafe 5G"'), ["Cafe 5G"]),
        (fld("macAddress", "18:d2:76:0e:93:4c", path="wifiAccessPoints[0].macAddress"), ["18:d2:76:0e:93:4c"]),
    ],
)  # fmt: skip
def test_wifi_scan_strings_and_suffixes(field: Field, expected: list[str]) -> None:
    assert essentials(detect_wifi_network(field)) == [
        (Kind.WIFI_NETWORK, v, Source.KEY, None) for v in expected
    ]


@pytest.mark.parametrize(
    "field",
    [
        fld("wf", "18d2760e934c"),  # one bare address is no scan list
        fld("wifi", "on"),
        fld("wifi", "1|0"),
        fld("wf", "hello;world|x"),
        fld("huq_bssid", "not a mac"),
        fld("huq_ssid", "<unknown ssid>"),
        fld("mac", "18:d2:76:0e:93:4c", path="wifi.mac"),  # the phone's own interface
        fld("wf", SCAN, Where.HEADER),
    ],
)
def test_wifi_scan_strings_and_suffixes_negative(field: Field) -> None:
    assert detect_wifi_network(field) == []


@pytest.mark.parametrize("key", ["PHPSESSID", "sessid"])
def test_session_id_is_not_a_wifi_network(key: str) -> None:
    assert detect_wifi_network(fld(key, "9a7c2e51b0d34f68", Where.QUERY)) == []


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [
        ("10", "FRITZ!Box 7590 QX", True),  # a protobuf field: no key, the brand says it
        ("name", "TP-Link_5G_A1C0", True),
        ("net", "Vodafone-2F1A", True),
        ("connection", "eduroam", True),
        ("model", "FRITZ!Box 7590", False),  # a router app's model field is a product
        ("title", "TP-Link Archer AX55 review", False),  # only protobuf numbers and network-ish keys
        ("3", "HUAWEI Mate 50", False),  # phone brands are phones
        ("10", "Rivera-Home", False),  # a personal name: only a key could say it is a network
        ("10", "Tenda_" + "x" * 40, False),  # longer than an SSID can be
    ],
)
def test_default_network_names_under_any_key(key: str, value: str, found: bool) -> None:
    result = detect_wifi_network(Field(Where.BODY, key, key, value))
    assert [(f.kind, f.value, f.source) for f in result] == (
        [(Kind.WIFI_NETWORK, value, Source.PATTERN)] if found else []
    )


# -- GeoJSON order, positions in protobuf --------------------------------------------------------------


def test_geojson_points_are_longitude_first() -> None:
    from phonehome.classifiers.registry import analyze

    from tests.classifiers._helpers import exchange as ex

    body = json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.16412, 41.39215]}})
    found = analyze(ex(headers=(("Content-Type", "application/geo+json"),), body=body.encode())).findings
    assert [(f.kind, f.value) for f in found] == [(Kind.COORDINATES, "41.39215,2.16412")]


def test_neighbouring_protobuf_doubles_are_a_position() -> None:
    sib = {"1": "41.3921512", "2": "2.1641234", "3": "12.5"}
    fld_ = Field(Where.BODY, "1.1", "1", "41.3921512", ("grpc", "protobuf"), "api.example", sib)
    assert [(f.kind, f.value) for f in detect_coordinates(fld_)] == [
        (Kind.COORDINATES, "41.3921512,2.1641234")
    ]


@pytest.mark.parametrize(
    "sib",
    [
        {"1": "0.5312", "2": "0.7781"},  # ratios
        {"1": "41.39", "2": "2.16"},  # too coarse to say it is a position rather than two prices
        {"1": "41.3921512"},  # alone
        {"1": "141.3921512", "2": "2.1641234"},  # out of range
    ],
)
def test_other_protobuf_numbers_are_not(sib: dict[str, str]) -> None:
    fld_ = Field(Where.BODY, "1.1", "1", sib["1"], ("protobuf",), "api.example", sib)
    assert detect_coordinates(fld_) == []


def test_positions_in_cookies() -> None:
    from phonehome.classifiers.registry import analyze

    from tests.classifiers._helpers import exchange as ex

    geoip = ex(url="https://en.wikipedia.org/wiki/X", method="GET",
               headers=(("Cookie", "GeoIP=US:VA:Chantilly:38.9148:-77.4883:v4"),))  # fmt: skip
    assert [(f.kind, f.value) for f in analyze(geoip).findings] == [(Kind.COORDINATES, "38.9148,-77.4883")]
    pair = ex(url="https://shop.example/", method="GET", headers=(("Cookie", "loc=la=51.5072,lo=-0.1276"),))
    assert (Kind.COORDINATES, "51.5072,-0.1276") in {(f.kind, f.value) for f in analyze(pair).findings}


@pytest.mark.parametrize(
    ("key", "found"),
    [("wifi_ssid", True), ("connectedSSID", True), ("processId", False), ("PHPSESSID", False)],
)
def test_ssid_only_as_a_word_of_its_own(key: str, found: bool) -> None:
    assert bool(detect_wifi_network(fld(key, "HomeNet-5G", Where.BODY))) == found
