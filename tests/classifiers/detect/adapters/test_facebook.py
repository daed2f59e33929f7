"""Facebook Graph API app events adapter: keyed IDs, the positional `extinfo` array, hashed `ud`."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode, urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]

GAID = "38400000-8CF0-11BD-B23E-10B96E40000D"
EMAIL_SHA256 = hashlib.sha256(b"alice@example.com").hexdigest()
PHONE_SHA256 = hashlib.sha256(b"8613812345678").hexdigest()
ATTRIBUTION = "8c1f3b2a-5d6e-4f70-8192-a3b4c5d6e7f8"

# Utility.setAppEventExtendedDeviceInfoParameters: version, package, version code, version name,
# OS release, model, locale, tz abbreviation, carrier, width, height, density, cores, storage x2, tz.
EXTINFO = ["a2", "com.example.app", 42, "1.2.3", "13", "Pixel 7", "en_US", "CET", "Vodafone DE",
           1080, 2400, "2.63", 8, 118, 52, "Europe/Berlin"]  # fmt: skip
CUSTOM_EVENTS = [{"_eventName": "fb_mobile_activate_app", "_logTime": 1714564800, "_ui": "unknown"}]

PARAMS = {
    "format": "json",
    "event": "CUSTOM_APP_EVENTS",
    "advertiser_id": GAID,
    "advertiser_tracking_enabled": "true",
    "anon_id": "XZ7f3a4c2e-61b0-4d8e-9a1c-2b3d4e5f6a7b",
    "attribution": ATTRIBUTION,
    "application_tracking_enabled": "true",
    "extinfo": json.dumps(EXTINFO),
    "ud": json.dumps({"em": EMAIL_SHA256, "ph": PHONE_SHA256}),
    "custom_events": json.dumps(CUSTOM_EVENTS),
    "application_package_name": "com.example.app",
}
EXPECTED: set[Row] = {
    (Kind.ADVERTISING_ID, GAID.lower(), "advertiser_id", None),
    (Kind.DEVICE_ID, "XZ7f3a4c2e-61b0-4d8e-9a1c-2b3d4e5f6a7b", "anon_id", None),
    (Kind.DEVICE_ID, ATTRIBUTION, "attribution", None),
    (Kind.OS_VERSION, "13", "extinfo[4]", None),
    (Kind.DEVICE_MODEL, "Pixel 7", "extinfo[5]", None),
    (Kind.CARRIER, "Vodafone DE", "extinfo[8]", None),
    (Kind.EMAIL, EMAIL_SHA256, "ud.em", Hash.SHA256),
    (Kind.PHONE_NUMBER, PHONE_SHA256, "ud.ph", Hash.SHA256),
}
DETECTOR = "adapter:facebook-app-events"
URL = "https://graph.facebook.com/v17.0/1234567890123456/activities"


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


FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def test_form_encoded_app_events() -> None:
    _check(exchange(URL, headers=FORM, body=urlencode(PARAMS).encode()), EXPECTED)


def test_json_app_events() -> None:
    _check(
        exchange(URL, headers=(("Content-Type", "application/json"),), body=json.dumps(PARAMS).encode()),
        EXPECTED,
    )


def test_other_extinfo_positions_are_not_claimed() -> None:
    paths = {row[2] for row in EXPECTED}
    assert not {f"extinfo[{i}]" for i in (1, 2, 3, 6, 7, 9, 15)} & paths


def test_other_graph_calls_and_hosts_get_no_adapter() -> None:
    body = urlencode(PARAMS).encode()
    for url in ("https://graph.facebook.com/v17.0/me", "https://graph.example.com/v17.0/123/activities"):
        _no_adapter(exchange(url, headers=FORM, body=body))
