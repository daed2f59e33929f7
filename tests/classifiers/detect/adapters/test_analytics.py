"""adapters.analytics: tracking IDs in queries and bodies, scoped to the receivers that document them."""

from __future__ import annotations

import json

import pytest
from phonehome.classifiers.model import Kind, Source
from phonehome.classifiers.registry import analyze

from tests.classifiers._helpers import exchange

CID = "1234567890.1700000000"


def _tracking(url: str, body: bytes = b"", ctype: str = "") -> set[tuple[str, str]]:
    headers = (("Content-Type", ctype),) if ctype else ()
    found = analyze(exchange(url=url, headers=headers, body=body, method="POST" if body else "GET")).findings
    return {(f.path, f.value) for f in found if f.kind == Kind.TRACKING_ID}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.google-analytics.com/collect?v=1&cid={CID}&t=pageview", {("cid", CID)}),
        (f"https://region1.google-analytics.com/g/collect?v=2&cid={CID}&_p=123", {("cid", CID)}),
        (f"https://sst.shop.example/g/collect?v=2&cid={CID}", {("cid", CID)}),  # server-side tagging
        ("https://bat.bing.com/action/0?ti=1&sid=a1b2c3d4e5f611eeb1c2d3e4f5a6b7c8&vid=b1b2c3d4e5f611eeb1c2d3e4f5a6b7c8&mid=9",
         {("sid", "a1b2c3d4e5f611eeb1c2d3e4f5a6b7c8"), ("vid", "b1b2c3d4e5f611eeb1c2d3e4f5a6b7c8")}),
        ("https://www.facebook.com/tr/?id=1&ev=PageView&fbp=fb.1.1700000000000.1234567890",
         {("fbp", "fb.1.1700000000000.1234567890")}),
        ("https://metrics.shop.example/b/ss/suite/1/JS-2.22/s1?mid=12345678901234567890123456789012345678",
         {("mid", "12345678901234567890123456789012345678")}),
    ],
)  # fmt: skip
def test_ids_at_their_receivers(url: str, expected: set[tuple[str, str]]) -> None:
    assert _tracking(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"https://shop.example/search?cid={CID}",  # `cid` elsewhere: a campaign, a category, a cell
        "https://api.example.org/v1/x?vid=b1b2c3d4e5f611eeb1c2d3e4f5a6b7c8",
        "https://www.facebook.com/tr/?id=1&ev=PageView&fbp=1",  # too short to be an ID
        f"https://www.google-analytics.com/collect?v=1&cid={CID[:10]}",  # a timestamp alone
    ],
)
def test_the_same_keys_elsewhere_are_not_tracking_ids(url: str) -> None:
    assert _tracking(url) == set()


def test_segment_body_and_evidence() -> None:
    body = json.dumps(
        {"batch": [{"type": "track", "anonymousId": "4c7f6d8e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"}]}
    ).encode()
    found = analyze(exchange(url="https://api.segment.io/v1/batch", headers=(("Content-Type", "application/json"),),
                             body=body)).findings  # fmt: skip
    ids = [f for f in found if f.kind == Kind.TRACKING_ID]
    assert [(f.value, f.source, f.detector) for f in ids] == [
        ("4c7f6d8e-1a2b-4c3d-9e8f-0a1b2c3d4e5f", Source.ADAPTER, "adapter:segment")
    ]
    assert ids[0].evidence == "Segment ID: `anonymousid`"


def test_branch_identity_and_device_fingerprint() -> None:
    body = json.dumps(
        {"identity_id": "1172860168363571074", "device_fingerprint_id": "1172860168313205995"}
    ).encode()
    found = analyze(
        exchange(
            url="https://api2.branch.io/v1/open", headers=(("Content-Type", "application/json"),), body=body
        )
    ).findings
    assert {(f.kind, f.value) for f in found} >= {
        (Kind.TRACKING_ID, "1172860168363571074"),
        (Kind.DEVICE_ID, "1172860168313205995"),
    }


@pytest.mark.parametrize(
    ("url", "value"),
    [
        (
            "https://dsum.casalemedia.com/rum?cm_dsp_id=1&external_user_id=QFxV6kQMD-RYWgiwQwlA4RMOW",
            "QFxV6kQMD-RYWgiwQwlA4RMOW",
        ),
        ("https://sync.go.sonobi.com/us?nuid=-8834889231582368259", "-8834889231582368259"),
        ("https://ping.chartbeat.net/ping?h=bbc.com&u=DlTIjYCbW6-HD8W-vn&x=1", "DlTIjYCbW6-HD8W-vn"),
    ],
)
def test_sync_and_measurement_ids(url: str, value: str) -> None:
    assert value in {v for _, v in _tracking(url)}
