"""Google adapters: Firebase / GA4 measurement protobuf and the Mobile Ads SDK ad request."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from phonehome.classifiers.model import Exchange, Field, Finding, Kind, Source, Where
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

GAID = "38400000-8CF0-11BD-B23E-10B96E40000D"
FIREBASE_HOST = "app-measurement.com"


def _pb(path: str, value: str, host: str = FIREBASE_HOST) -> Field:
    # What the decoder emits for a protobuf body: dotted field numbers, no indexes.
    return Field(Where.BODY, path, path.rsplit(".", 1)[-1], value, ("gzip", "protobuf"), host)


def _firebase(fld: Field, host: str = FIREBASE_HOST, url_path: str = "/a") -> list[Finding]:
    return list(_adapter_findings(fld, adapters_for(host, url_path)))


@pytest.mark.parametrize(
    ("path", "value", "kind", "expected"),
    [
        ("1.19", GAID, Kind.ADVERTISING_ID, GAID.lower()),
        ("1.9", "13", Kind.OS_VERSION, "13"),
        ("1.10", "Pixel 7", Kind.DEVICE_MODEL, "Pixel 7"),
        ("1.21", "c3a1b2d4e5f60718293a4b5c6d7e8f90", Kind.DEVICE_ID, "c3a1b2d4e5f60718293a4b5c6d7e8f90"),
        (
            "1.27",
            "B86C1463-141F-4649-B7B3-2DE67FDF6836",
            Kind.DEVICE_ID,
            "B86C1463-141F-4649-B7B3-2DE67FDF6836",
        ),
        ("1.30", "fWq3bD0_Q2a8mRt1xY9zLk", Kind.DEVICE_ID, "fWq3bD0_Q2a8mRt1xY9zLk"),
    ],
)
def test_firebase_bundle_fields(path: str, value: str, kind: Kind, expected: str) -> None:
    found = _firebase(_pb(path, value))
    assert [(f.kind, f.value, f.path, f.source, f.detector, f.hashed) for f in found] == [
        (kind, expected, path, Source.ADAPTER, "adapter:google-firebase", None)
    ]
    assert found[0].encodings == ("gzip", "protobuf")


def test_firebase_regional_host_matches() -> None:
    found = _firebase(_pb("1.19", GAID, "region1.app-measurement.com"), "region1.app-measurement.com")
    assert [f.kind for f in found] == [Kind.ADVERTISING_ID]


@pytest.mark.parametrize(
    "fld",
    [
        _pb("1.19", "00000000-0000-0000-0000-000000000000"),  # limited ad tracking: no ID
        _pb("1.2.1.2", "MainActivity"),  # an event parameter value: not a bundle field
        _pb("1.14", "com.example.app"),  # the app's own ID
        _pb("2.19", GAID),  # not inside a bundle
    ],
)
def test_firebase_near_misses(fld: Field) -> None:
    assert _firebase(fld) == []


def test_firebase_reads_only_the_body() -> None:
    fld = Field(Where.QUERY, "1.19", "19", GAID, (), FIREBASE_HOST)
    assert _firebase(fld) == []


def test_firebase_fields_elsewhere_mean_nothing() -> None:
    assert _firebase(_pb("1.19", GAID, "api.example.com"), "api.example.com") == []
    assert _firebase(_pb("1.19", GAID), url_path="/config/app/1:123:android:abc") == []


def _ads(found: list[Finding]) -> set[tuple[Kind, str, str]]:
    return {
        (f.kind, f.value, f.path)
        for f in found
        if f.source == Source.ADAPTER and f.detector == "adapter:google-ads"
    }


AD_PARAMS = {
    "submodel": "Pixel 7",
    "os_version": "13",
    "rdid": GAID,
    "is_lat": "0",
    "msid": "com.example.puzzlegame",
    "an": "1.4.2.android.com.example.puzzlegame",
    "format": "320x50_mb",
    "u_sd": "2.625",
}
AD_EXPECTED = {
    (Kind.ADVERTISING_ID, GAID.lower(), "rdid"),
    (Kind.DEVICE_MODEL, "Pixel 7", "submodel"),
    (Kind.OS_VERSION, "13", "os_version"),
}


def _ad_request(host: str = "googleads.g.doubleclick.net", path: str = "/mads/gma") -> Exchange:
    return exchange(f"https://{host}{path}?{urlencode(AD_PARAMS)}", method="GET")


def test_ad_request_in_the_query() -> None:
    assert _ads(list(analyze(_ad_request()).findings)) == AD_EXPECTED


def test_ad_request_as_a_form_body() -> None:
    ex = exchange(
        "https://googleads.g.doubleclick.net/mads/gma",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=urlencode(AD_PARAMS).encode(),
    )
    assert _ads(list(analyze(ex).findings)) == AD_EXPECTED


def test_ad_request_elsewhere_gets_no_adapter() -> None:
    for ex in (_ad_request("ads.example.com"), _ad_request(path="/pagead/interaction/")):
        assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)
