"""Umeng adapter: the header of a decodable U-App envelope."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]
DETECTOR = "adapter:umeng"
IMEI = "490154203237518"
IDMD5 = hashlib.md5(IMEI.encode()).hexdigest().upper()  # noqa: S324 - the SDK's digest, reproduced
MESSAGE = {
    "header": {
        "appkey": "5f1e2d3c4b5a69788796a5b4",
        "channel": "huawei",
        "idmd5": IDMD5,
        "imei_md5": hashlib.md5(IMEI.encode()).hexdigest(),  # noqa: S324
        "device_id": IMEI,
        "utdid": "ZbC8dE1fG2hI3jK4lM5nO6pQ",
        "oaid": "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9",
        "mc": "A4:50:46:12:34:56",
        "device_model": "V2145A",
        "device_brand": "vivo",
        "os": "Android",
        "os_version": "12",
        "carrier": "China Mobile",
        "mccmnc": "46000",
        "resolution": "2400*1080",
    },
    "content": {
        "analytics": {"sessions": [{"id": "A1B2C3D4", "duration": 61234, "pages": [{"page_name": "Main"}]}]}
    },
}
EXPECTED: set[Row] = {
    (Kind.IMEI, IDMD5, "header.idmd5", Hash.MD5),  # MD5 of the IMEI where the SDK could read it
    (Kind.IMEI, hashlib.md5(IMEI.encode()).hexdigest(), "header.imei_md5", Hash.MD5),  # noqa: S324
    (Kind.IMEI, IMEI, "header.device_id", None),  # an IMEI-shaped "device ID" is the IMEI
    (Kind.DEVICE_ID, "ZbC8dE1fG2hI3jK4lM5nO6pQ", "header.utdid", None),
    (Kind.ADVERTISING_ID, "e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9", "header.oaid", None),
    (Kind.MAC_ADDRESS, "a4:50:46:12:34:56", "header.mc", None),
    (Kind.DEVICE_MODEL, "V2145A", "header.device_model", None),
    (Kind.OS_VERSION, "12", "header.os_version", None),
    (Kind.CARRIER, "China Mobile", "header.carrier", None),
}
JSON = (("Content-Type", "application/json"),)


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


def test_unify_logs_header() -> None:
    _check(
        exchange("https://ulogs.umeng.com/unify_logs", headers=JSON, body=json.dumps(MESSAGE).encode()),
        EXPECTED,
    )


def test_other_umeng_log_hosts() -> None:
    body = json.dumps(MESSAGE).encode()
    for url in ("https://alog.umeng.com/app_logs", "https://plbslog.umeng.com/plbs_logs"):
        _check(exchange(url, headers=JSON, body=body), EXPECTED)


def test_content_keys_are_not_header_keys() -> None:
    body = json.dumps(
        {"header": {"appkey": "x"}, "content": {"device_model": "V2145A", "mc": "A4:50:46:12:34:56"}}
    )
    ex = exchange("https://ulogs.umeng.com/unify_logs", headers=JSON, body=body.encode())
    assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)


def test_same_message_elsewhere_gets_no_adapter() -> None:
    ex = exchange("https://ulogs.example.com/unify_logs", headers=JSON, body=json.dumps(MESSAGE).encode())
    assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)
