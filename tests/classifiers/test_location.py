"""classifiers.location: GPS coordinates, Wi-Fi networks and cell towers."""

from __future__ import annotations

import pytest

from classifiers.location import detect_cell_tower, detect_coordinates, detect_wifi_network
from classifiers.model import Field, Kind, Source, Where
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
