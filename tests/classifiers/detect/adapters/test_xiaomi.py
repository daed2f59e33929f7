"""Xiaomi adapters: OneTrack event headers, MiStat uploads, and Mi Browser's Sensors Analytics events."""

from __future__ import annotations

import base64
import gzip
import json
from urllib.parse import urlencode, urlsplit

from phonehome.classifiers.decode.request import decode
from phonehome.classifiers.detect.adapters.base import generalise
from phonehome.classifiers.model import Exchange, Finding, Hash, Kind, Source
from phonehome.classifiers.registry import _adapter_findings, adapters_for, analyze

from tests.classifiers._helpers import exchange

Row = tuple[Kind, str, str, Hash | None]
JSON = (("Content-Type", "application/json"),)
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def _row(f: Finding) -> Row:
    return (f.kind, f.value, f.path, f.hashed)


def _check(ex: Exchange, detector: str, expected: set[Row]) -> None:
    """The adapter's rules fire exactly on `expected`, and `analyze` reports them as adapter findings
    (a stronger pattern finding on the same value may stand in for one, never a different kind)."""
    adapters = adapters_for(ex.host, urlsplit(ex.url).path)
    assert {_row(f) for fld in decode(ex).fields for f in _adapter_findings(fld, adapters)} == expected
    findings = analyze(ex).findings
    mine = {_row(f) for f in findings if f.source == Source.ADAPTER and f.detector == detector}
    assert mine and mine <= expected
    # Analysis reports a value once per place: every item of a list is one place (`data_list[*]`).
    assert {_general(r) for r in expected} <= {_general(_row(f)) for f in findings}


def _general(row: Row) -> Row:
    kind, value, path, hashed = row
    return kind, value, generalise(path), hashed


def _no_adapter(ex: Exchange) -> None:
    assert not any(f.source == Source.ADAPTER for f in analyze(ex).findings)


# -- OneTrack ---------------------------------------------------------------------------------------

HEADER = {
    "event": "onetrack_pa",
    "oaid": "7c0e6f4a2b9d1e35",
    "gaid": "38400000-8CF0-11BD-B23E-10B96E40000D",
    "android_id": "9F3B2C1D4E5F6A7B",
    "instance_id": "0e3f2c1b-7a6d-4c5b-9e8f-1a2b3c4d5e6f",
    "sn": "R58M12ABCDE",
    "mfrs": "Xiaomi",
    "model": "23021RAAEG",
    "platform": "Android",
    "miui": "V14.0.6.0.TMGEUXM",
    "os_ver": "13",
    "app_id": "31000000000",
    "e_ts": 1714564800123,
    "region": "DE",
}
BODY = {"class": "com.miui.home.launcher.Launcher", "type": 2, "duration": 48211}


def _onetrack_rows(prefix: str) -> set[Row]:
    return {
        (Kind.ADVERTISING_ID, "7c0e6f4a2b9d1e35", f"{prefix}H.oaid", None),
        (Kind.ADVERTISING_ID, "38400000-8cf0-11bd-b23e-10b96e40000d", f"{prefix}H.gaid", None),
        (Kind.ANDROID_ID, "9f3b2c1d4e5f6a7b", f"{prefix}H.android_id", None),
        (Kind.DEVICE_ID, "0e3f2c1b-7a6d-4c5b-9e8f-1a2b3c4d5e6f", f"{prefix}H.instance_id", None),
        (Kind.SERIAL_NUMBER, "R58M12ABCDE", f"{prefix}H.sn", None),
        (Kind.DEVICE_MODEL, "23021RAAEG", f"{prefix}H.model", None),
        (Kind.OS_VERSION, "13", f"{prefix}H.os_ver", None),
    }


def test_onetrack_batch() -> None:
    body = json.dumps([{"H": HEADER, "B": BODY}, {"H": HEADER, "B": BODY}]).encode()
    ex = exchange("https://tracking.intl.miui.com/track/v4", headers=JSON, body=body)
    _check(ex, "adapter:xiaomi-onetrack", _onetrack_rows("[0].") | _onetrack_rows("[1]."))


def test_onetrack_single_event_on_every_regional_host() -> None:
    body = json.dumps({"H": HEADER, "B": BODY}).encode()
    for host in ("tracking.miui.com", "tracking.india.miui.com", "tracking.rus.miui.com"):
        _check(exchange(f"https://{host}/track/v1", headers=JSON, body=body), "adapter:xiaomi-onetrack",
               _onetrack_rows(""))  # fmt: skip


def test_onetrack_body_keys_are_not_header_keys() -> None:
    body = json.dumps(
        {"H": {"event": "x"}, "B": {"model": "not the header", "oaid": "7c0e6f4a2b9d1e35"}}
    ).encode()
    ex = exchange("https://tracking.intl.miui.com/track/v4", headers=JSON, body=body)
    adapters = adapters_for(ex.host, "/track/v4")
    assert [f for fld in decode(ex).fields for f in _adapter_findings(fld, adapters)] == []


def test_onetrack_payload_elsewhere_gets_no_adapter() -> None:
    body = json.dumps([{"H": HEADER, "B": BODY}]).encode()
    _no_adapter(exchange("https://tracking.example.com/track/v4", headers=JSON, body=body))
    _no_adapter(exchange("https://tracking.intl.miui.com/other", headers=JSON, body=body))


# -- MiStat -----------------------------------------------------------------------------------------

MISTAT = {
    "app_id": "2882303761517246742",
    "app_key": "5621724658742",
    "device_id": "A3F1C2D4E5B6978812345678ABCDEF01",  # MD5 of the IMEI
    "channel": "mi_store",
    "version": "3.0.2",
    "stat_value": "qZ0rE8uH1k/2b+Ue9X0vT3w==",
}


def test_mistat_upload() -> None:
    ex = exchange(
        "https://data.mistat.intl.xiaomi.com/mistats/v2", headers=FORM, body=urlencode(MISTAT).encode()
    )
    _check(
        ex, "adapter:xiaomi-mistat", {(Kind.IMEI, "A3F1C2D4E5B6978812345678ABCDEF01", "device_id", Hash.MD5)}
    )


def test_mistat_upload_elsewhere_gets_no_adapter() -> None:
    _no_adapter(
        exchange("https://data.example.com/mistats/v2", headers=FORM, body=urlencode(MISTAT).encode())
    )


# -- Sensors Analytics (Mi Browser) -----------------------------------------------------------------

EVENTS = [
    {
        "_track_id": 1946183123,
        "time": 1714564800123,
        "type": "track",
        "distinct_id": "6b1f2e3d4c5a6978",
        "lib": {"$lib": "Android", "$lib_version": "3.2.10"},
        "event": "open_url",
        "properties": {
            "$device_id": "6B1F2E3D4C5A6978",
            "$model": "M2101K6G",
            "$manufacturer": "Xiaomi",
            "$os": "Android",
            "$os_version": "11",
            "$carrier": "Orange",
            "$screen_width": 1080,
            "$wifi": True,
            "url": "https://www.example-news.com/politics/article-123",
            "search_word": "cheap flights to lisbon",
            "incognito": True,
        },
    },
    {
        "_track_id": 1946183124,
        "time": 1714564805000,
        "type": "track",
        "distinct_id": "6b1f2e3d4c5a6978",
        "event": "$AppViewScreen",
        "properties": {"$screen_name": "com.android.browser.BrowserActivity", "keyword": "weather berlin"},
    },
]


def _sensors_body(events: list[dict[str, object]]) -> bytes:
    data = base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()
    return urlencode({"crc": "-1502217839", "gzip": "1", "data_list": data}).encode()


def test_mi_browser_sensors_events() -> None:
    ex = exchange("https://sa.api.intl.miui.com/sa?project=global_browser_mini", headers=FORM,
                  body=_sensors_body(EVENTS))  # fmt: skip
    _check(
        ex,
        "adapter:xiaomi-sensors",
        {
            (Kind.ANDROID_ID, "6b1f2e3d4c5a6978", "data_list[0].distinct_id", None),
            (Kind.ANDROID_ID, "6b1f2e3d4c5a6978", "data_list[1].distinct_id", None),
            (Kind.ANDROID_ID, "6b1f2e3d4c5a6978", "data_list[0].properties.$device_id", None),
            (Kind.DEVICE_MODEL, "M2101K6G", "data_list[0].properties.$model", None),
            (Kind.OS_VERSION, "11", "data_list[0].properties.$os_version", None),
            (Kind.CARRIER, "Orange", "data_list[0].properties.$carrier", None),
            (Kind.VISITED_URL, "https://www.example-news.com/politics/article-123",
             "data_list[0].properties.url", None),
            (Kind.SEARCH_QUERY, "cheap flights to lisbon", "data_list[0].properties.search_word", None),
            (Kind.APP_ACTIVITY, "com.android.browser.BrowserActivity", "data_list[1].properties.$screen_name",
             None),
            (Kind.SEARCH_QUERY, "weather berlin", "data_list[1].properties.keyword", None),
        },
    )  # fmt: skip
    findings = analyze(ex).findings
    assert all(
        f.encodings[:4] == ("form", "base64", "gzip", "json") for f in findings if f.path.startswith("data_")
    )


def test_sensors_events_elsewhere_get_no_adapter() -> None:
    _no_adapter(
        exchange("https://sa.example.com/sa?project=default", headers=FORM, body=_sensors_body(EVENTS))
    )
