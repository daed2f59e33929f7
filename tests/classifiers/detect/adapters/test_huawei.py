"""Huawei HiAnalytics adapter: the readable request headers and, when a body decodes, its collectors."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]
DETECTOR = "adapter:huawei-hianalytics"
HEADERS = (
    ("Content-Type", "application/json"),
    ("App-Id", "com.huawei.appmarket"),
    ("App-Ver", "13.2.1.301"),
    ("Sdk-Name", "hianalytics"),
    ("Sdk-Ver", "3.2.13.501"),
    ("Device-Type", "NOH-NX9"),
    ("servicetag", "_openness_config_tag"),
    ("Request-Id", "5f0c9a3e2b1d4c6e8a7b9d0e1f2a3b4c"),
)
BODY = {
    "rom": {"_rom_ver": "NOH-NX9 4.0.0.138(C431E3R2P1)", "_emui_ver": "EmotionUI_14.0.0", "_model": "NOH-NX9",
            "_os_ver": "12", "_package_name": "com.huawei.appmarket"},
    "device": {"aaid": "2a9f7c6e-5d4b-4e3a-8f1c-0b9a8d7c6e5f", "oaid": "d9b2a7c4-3e1f-4a5b-8c6d-7e8f9a0b1c2d",
               "oaid_source": "hms"},
    "events": [{"event": "$AppOnStart", "properties": {"page": "home"}}],
}  # fmt: skip
URL = "https://metrics1.data.hicloud.com:6447/common/hmshioperqrt"


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


def test_encrypted_upload_still_names_the_model_in_a_header() -> None:
    ex = exchange(URL, headers=(*HEADERS[1:], ("Content-Type", "application/octet-stream")),
                  body=bytes(range(256)) * 4)  # fmt: skip
    _check(ex, {(Kind.DEVICE_MODEL, "NOH-NX9", "device-type", None)})


def test_readable_upload() -> None:
    ex = exchange(URL, headers=HEADERS, body=json.dumps(BODY).encode())
    _check(
        ex,
        {
            (Kind.DEVICE_MODEL, "NOH-NX9", "device-type", None),
            (Kind.DEVICE_MODEL, "NOH-NX9", "rom._model", None),
            (Kind.OS_VERSION, "12", "rom._os_ver", None),
            (Kind.DEVICE_ID, "2a9f7c6e-5d4b-4e3a-8f1c-0b9a8d7c6e5f", "device.aaid", None),
            (Kind.ADVERTISING_ID, "d9b2a7c4-3e1f-4a5b-8c6d-7e8f9a0b1c2d", "device.oaid", None),
        },
    )


def test_dra_host_matches() -> None:
    ex = exchange("https://metrics-dra.dt.hicloud.com:6447/common/hmshioperqrt", headers=HEADERS[1:])
    _check(ex, {(Kind.DEVICE_MODEL, "NOH-NX9", "device-type", None)})


def test_same_upload_elsewhere_gets_no_adapter() -> None:
    ex = exchange(
        "https://metrics.example.com/common/hmshioperqrt", headers=HEADERS, body=json.dumps(BODY).encode()
    )
    assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)
