"""AppsFlyer adapter: the Android SDK's JSON launch / event payload."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]

GAID = "38400000-8CF0-11BD-B23E-10B96E40000D"
PAYLOAD = {
    "advertiserId": GAID,
    "advertiserIdEnabled": "true",
    "uid": "1714564800123-4567890123456789012",
    "originalAppsflyerId": "1714000000000-1111111111111111111",
    "deviceFingerPrintId": "ffffffff-b3c2-4e2d-0000-01234567890a",
    "android_id": "9F3B2C1D4E5F6A7B",
    "imei": "490154203237518",
    "oaid": "a1b2c3d4e5f60718",
    "model": "Redmi Note 12",
    "brand": "Redmi",
    "device": "tapas",
    "sdk": "33",
    "operator": "Vodafone.de",
    "carrier": "Vodafone",
    "network": "WIFI",
    "lang": "Deutsch",
    "eventName": "af_purchase",
    "deviceData": {
        "arch": "",
        "build_display_id": "TKQ1.221114.001",
        "cpu_abi": "arm64-v8a",
        "btl": "87.0",
        "dim": {"x_px": "1080", "y_px": "2400", "d_dpi": "395"},
    },
}
EXPECTED: set[Row] = {
    (Kind.ADVERTISING_ID, GAID.lower(), "advertiserId", None),
    (Kind.DEVICE_ID, "1714564800123-4567890123456789012", "uid", None),
    (Kind.DEVICE_ID, "1714000000000-1111111111111111111", "originalAppsflyerId", None),
    (Kind.DEVICE_ID, "ffffffff-b3c2-4e2d-0000-01234567890a", "deviceFingerPrintId", None),
    (Kind.ANDROID_ID, "9f3b2c1d4e5f6a7b", "android_id", None),
    (Kind.IMEI, "490154203237518", "imei", None),
    (Kind.ADVERTISING_ID, "a1b2c3d4e5f60718", "oaid", None),
    (Kind.DEVICE_MODEL, "Redmi Note 12", "model", None),
    (Kind.CARRIER, "Vodafone.de", "operator", None),
    (Kind.CARRIER, "Vodafone", "carrier", None),
}
DETECTOR = "adapter:appsflyer"
URL = "https://launches.appsflyer.com/api/v6.12/androidevent?app_id=com.example.app&buildnumber=6.12.1"


def _row(f: Finding) -> Row:
    return (f.kind, f.value, f.path, f.hashed)


def _check(ex: Exchange, expected: set[Row]) -> None:
    """The adapter's rules fire exactly on `expected`, and `analyze` reports them as adapter findings
    (a stronger pattern finding on the same value may stand in for one, never a different kind)."""
    adapters = adapters_for(ex.host, urlsplit(ex.url).path)
    assert {_row(f) for fld in decode(ex).fields for f in _adapter_findings(fld, adapters)} == expected
    findings = analyze(ex).findings
    mine = {_row(f) for f in findings if f.source == Source.ADAPTER and f.detector == DETECTOR}
    assert mine and mine <= expected
    assert expected <= {_row(f) for f in findings}


def _no_adapter(ex: Exchange) -> None:
    assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)


JSON = (("Content-Type", "application/json"),)


def test_launch_payload() -> None:
    _check(exchange(URL, headers=JSON, body=json.dumps(PAYLOAD).encode()), EXPECTED)


def test_inapp_host_and_newer_sdk_domain() -> None:
    body = json.dumps(PAYLOAD).encode()
    for url in (
        "https://inapps.appsflyer.com/api/v4.8/androidevent?app_id=com.example.app",
        "https://abc123-launches.appsflyersdk.com/api/v6.13/androidevent?app_id=com.example.app",
    ):
        _check(exchange(url, headers=JSON, body=body), EXPECTED)


def test_same_payload_elsewhere_gets_no_adapter() -> None:
    body = json.dumps(PAYLOAD).encode()
    for url in (
        "https://api.example.com/api/v6.12/androidevent",
        "https://launches.appsflyer.com/api/v6.12/other",
    ):
        _no_adapter(exchange(url, headers=JSON, body=body))
