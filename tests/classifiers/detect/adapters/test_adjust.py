"""Adjust adapter: form-encoded activity packages and the attribution query."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]

GAID = "38400000-8CF0-11BD-B23E-10B96E40000D"
SESSION = {
    "app_token": "abc123def456",
    "android_uuid": "5a7b2c1d-9e8f-4a3b-8c2d-1e0f9a8b7c6d",
    "gps_adid": GAID,
    "gps_adid_src": "service",
    "tracking_enabled": "1",
    "google_app_set_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "android_id": "9F3B2C1D4E5F6A7B",
    "fire_adid": "df07c7dc-cea7-4a89-b328-810ff5acb15d",
    "oaid": "b6f7d0e2-31a4-4c5e-9f8a-7d6c5b4a3e21",
    "imei": "490154203237518",
    "fb_id": "4d1c2b3a-5e6f-4708-9a1b-2c3d4e5f6a7b",
    "device_name": "SM-S911B",
    "device_manufacturer": "samsung",
    "os_name": "android",
    "os_version": "14",
    "api_level": "34",
    "mcc": "262",
    "mnc": "02",
    "connectivity_type": "1",
    "session_count": "7",
    "created_at": "2024-05-01T12:00:00.000Z+0200",
}
EXPECTED: set[Row] = {
    (Kind.DEVICE_ID, "5a7b2c1d-9e8f-4a3b-8c2d-1e0f9a8b7c6d", "android_uuid", None),
    (Kind.ADVERTISING_ID, GAID.lower(), "gps_adid", None),
    (Kind.DEVICE_ID, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "google_app_set_id", None),
    (Kind.ANDROID_ID, "9f3b2c1d4e5f6a7b", "android_id", None),
    (Kind.ADVERTISING_ID, "df07c7dc-cea7-4a89-b328-810ff5acb15d", "fire_adid", None),
    (Kind.ADVERTISING_ID, "b6f7d0e2-31a4-4c5e-9f8a-7d6c5b4a3e21", "oaid", None),
    (Kind.IMEI, "490154203237518", "imei", None),
    (Kind.DEVICE_ID, "4d1c2b3a-5e6f-4708-9a1b-2c3d4e5f6a7b", "fb_id", None),
    (Kind.DEVICE_MODEL, "SM-S911B", "device_name", None),
    (Kind.OS_VERSION, "14", "os_version", None),
}
DETECTOR = "adapter:adjust"
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


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


def test_session_package() -> None:
    _check(
        exchange("https://app.adjust.com/session", headers=FORM, body=urlencode(SESSION).encode()), EXPECTED
    )


def test_event_package_on_a_regional_host() -> None:
    body = urlencode({**SESSION, "event_token": "g3mfiw"}).encode()
    _check(exchange("https://app.eu.adjust.com/event", headers=FORM, body=body), EXPECTED)


def test_attribution_query() -> None:
    query = urlencode({"gps_adid": GAID, "android_uuid": SESSION["android_uuid"], "initiated_by": "backend"})
    _check(
        exchange(f"https://app.adjust.com/attribution?{query}", method="GET"),
        {
            (Kind.ADVERTISING_ID, GAID.lower(), "gps_adid", None),
            (Kind.DEVICE_ID, "5a7b2c1d-9e8f-4a3b-8c2d-1e0f9a8b7c6d", "android_uuid", None),
        },
    )


def test_network_codes_are_not_claimed() -> None:
    paths = {row[2] for row in EXPECTED}
    assert not {"mcc", "mnc", "device_manufacturer", "connectivity_type"} & paths


def test_same_package_elsewhere_gets_no_adapter() -> None:
    body = urlencode(SESSION).encode()
    for url in ("https://app.example.com/session", "https://app.adjust.com/some/other/path"):
        _no_adapter(exchange(url, headers=FORM, body=body))
