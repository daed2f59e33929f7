"""classifiers.device: device model, OS version and mobile carrier."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect.device import (
    _UA_PARENS,
    detect_carrier,
    detect_device_model,
    detect_os_version,
    parse_user_agent,
)
from phonehome.classifiers.model import Field, Kind, Source, Where

from tests._deadline import bounded
from tests.classifiers._helpers import essentials, fld

DALVIK = "Dalvik/2.1.0 (Linux; U; Android 13; Redmi Note 12 Build/TKQ1.221114.001)"
CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile"
)
OLD_WEBKIT = "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebKit/534.30"
WEBVIEW = "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36"
REDUCED = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile"
IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
FIREFOX = "Mozilla/5.0 (Android 13; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"


def _ua(value: str) -> Field:
    return fld("user-agent", value, Where.HEADER)


# -- device model -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "source"),
    [
        (_ua(DALVIK), "Redmi Note 12", Source.PATTERN),
        (_ua(CHROME), "SM-S918B", Source.PATTERN),
        (_ua(OLD_WEBKIT), "LG-L160L", Source.PATTERN),
        (_ua(WEBVIEW), "Pixel 7", Source.PATTERN),
        (fld("model", " Pixel 7 "), "Pixel 7", Source.KEY),
        (fld("device_model", "M2101K6G", Where.QUERY), "M2101K6G", Source.KEY),
        (fld("Build.MODEL", "SM-A536B"), "SM-A536B", Source.KEY),
    ],
)
def test_device_model_positive(field: Field, expected: str, source: Source) -> None:
    assert essentials(detect_device_model(field)) == [(Kind.DEVICE_MODEL, expected, source, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("model", "unknown"),
        fld("model", "12345"),  # no letters
        fld("model", "x"),
        fld("model", "y" * 65),
        fld("model", '{"name": "Pixel"}'),
        _ua(REDUCED),  # Chrome's frozen UA says `K`, not the model
        _ua(IOS),
        fld("brand", "Xiaomi"),  # not a model key
    ],
)
def test_device_model_negative(field: Field) -> None:
    assert detect_device_model(field) == []


def test_firefox_android_ua_has_no_model() -> None:
    assert detect_device_model(_ua(FIREFOX)) == []


# -- OS version ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "source"),
    [
        (_ua(DALVIK), "Android 13", Source.PATTERN),
        (_ua(OLD_WEBKIT), "Android 4.0.3", Source.PATTERN),
        (fld("os_version", "13"), "13", Source.KEY),
        (fld("osv", "17.4.1", Where.QUERY), "17.4.1", Source.KEY),
        (fld("miuiVersion", "V14.0.3.0.TMRMIXM"), "V14.0.3.0.TMRMIXM", Source.KEY),
    ],
)
def test_os_version_positive(field: Field, expected: str, source: Source) -> None:
    assert essentials(detect_os_version(field)) == [(Kind.OS_VERSION, expected, source, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("os_version", "unknown"),
        fld("osv", "n/a"),
        fld("release", "prod"),  # no digits: a channel name
        fld("os", "android"),
        _ua(IOS),  # only Android UAs are parsed
        fld("version", "8.0.44"),  # the app's version, not the OS's
        _ua(REDUCED),  # Chrome's frozen UA always says Android 10: it says nothing about the phone
        fld("os", "1"),  # an enum, not a version
        fld("sdk", "6.2.1"),  # the SDK's own version
    ],
)
def test_os_version_negative(field: Field) -> None:
    assert detect_os_version(field) == []


def test_single_digit_os_version() -> None:
    assert essentials(detect_os_version(fld("osv", "9"))) == [(Kind.OS_VERSION, "9", Source.KEY, None)]


# -- carrier ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("carrier", "China Mobile"), "China Mobile"),
        (fld("networkOperatorName", " T-Mobile ", Where.QUERY), "T-Mobile"),
        (fld("sim_operator_name", "Vodafone UK"), "Vodafone UK"),
        (fld("isp", "Comcast Cable"), "Comcast Cable"),
    ],
)
def test_carrier_positive(field: Field, expected: str) -> None:
    assert essentials(detect_carrier(field)) == [(Kind.CARRIER, expected, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("carrier", "unknown"),
        fld("carrier", "46000"),  # an MCC+MNC code, no letters
        fld("carrier", ""),
        fld("carrier", "[]"),
        fld("brand", "Xiaomi"),  # not a carrier key
    ],
)
def test_carrier_negative(field: Field) -> None:
    assert detect_carrier(field) == []


@pytest.mark.parametrize("value", ["and", "OR"])
def test_filter_operator_is_not_a_carrier(value: str) -> None:
    assert detect_carrier(fld("operator", value, path="query.match.title.operator")) == []


def test_user_agents_in_bodies_are_parsed_too() -> None:
    body_ua = fld("userAgent", DALVIK, Where.BODY)
    assert essentials(detect_os_version(body_ua)) == [(Kind.OS_VERSION, "Android 13", Source.PATTERN, None)]
    assert [f.value for f in detect_device_model(body_ua)] == [
        essentials(detect_device_model(_ua(DALVIK)))[0][1]
    ]


def test_os_version_under_an_os_object_and_api_levels() -> None:
    nested = Field(Where.BODY, "batch[0].context.os.version", "version", "14")
    assert essentials(detect_os_version(nested)) == [(Kind.OS_VERSION, "14", Source.KEY, None)]
    assert detect_os_version(Field(Where.BODY, "app.version", "version", "14")) == []
    assert essentials(detect_os_version(fld("api_level", "34"))) == [
        (Kind.OS_VERSION, "34", Source.KEY, None)
    ]
    assert detect_os_version(fld("api_level", "3")) == []


# -- parse_user_agent ---------------------------------------------------------------------------

SAMSUNG_INTERNET = (
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"
)
HARMONY = "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.11.0.302) AppleWebKit/537.36"
REDUCED_WEBVIEW = "Mozilla/5.0 (Linux; Android 10; K; wv) AppleWebKit/537.36 Chrome/124.0 Mobile"
FIREFOX_TABLET = "Mozilla/5.0 (Android 14; Tablet; rv:126.0) Gecko/126.0 Firefox/126.0"


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (DALVIK, ("13", "Redmi Note 12")),  # `Build/...` cut off
        ("Dalvik/2.1.0 (Linux; U; Android 9; MI 8 Build/PKQ1.180729.001)", ("9", "MI 8")),
        (SAMSUNG_INTERNET, ("13", "SM-S911B")),  # Samsung Internet's `SAMSUNG ` prefix dropped
        (HARMONY, ("12", "NOH-AN00")),  # the HarmonyOS and HMSCore tokens are not the model
        (OLD_WEBKIT, ("4.0.3", "LG-L160L")),  # the locale token is skipped
        (WEBVIEW, ("13", "Pixel 7")),
        (FIREFOX, ("13", None)),  # Firefox names no model: `Mobile; rv:125.0`
        (FIREFOX_TABLET, ("14", None)),
        # Chrome's frozen UA (`Android 10; K`) says nothing about the phone: neither part.
        (REDUCED, (None, None)),
        (REDUCED_WEBVIEW, (None, None)),
        (IOS, (None, None)),
        ("okhttp/4.9.0", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_user_agent(ua: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_user_agent(ua) == expected


def test_samsung_internet_and_harmony_user_agents_through_the_detectors() -> None:
    assert essentials(detect_device_model(_ua(SAMSUNG_INTERNET))) == [
        (Kind.DEVICE_MODEL, "SM-S911B", Source.PATTERN, None)
    ]
    assert essentials(detect_os_version(_ua(HARMONY))) == [
        (Kind.OS_VERSION, "Android 12", Source.PATTERN, None)
    ]
    assert detect_os_version(_ua(REDUCED_WEBVIEW)) == []


# -- OS versions: os objects, API levels, ROM strings ----------------------------------------------------


def _at(path: str, value: str) -> Field:
    return Field(Where.BODY, path, path.rsplit(".", 1)[-1].lower(), value)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (_at("batch[0].context.os.version", "14"), "14"),  # Segment
        (_at("device.os.version", "14.1.2"), "14.1.2"),
        (_at("os.name", "Android 14"), "Android 14"),
        (_at("platform.ver", "13"), "13"),
        (_at("system.release", "12"), "12"),
        (_at("osInfo.apiLevel", "34"), "34"),
        # API levels 14-40 under API-level keys.
        (fld("api_level", "34"), "34"),
        (fld("api_level", "14"), "14"),
        (fld("api_level", "40"), "40"),
        (fld("sdk", "33"), "33"),
        (fld("sdk_int", "34", Where.QUERY), "34"),
        (fld("os_api", "33"), "33"),
        # ROM strings.
        (fld("miui_ver", "V14.0.4.0.TGCEUXM"), "V14.0.4.0.TGCEUXM"),
        (fld("_rom_ver", "HarmonyOS 3.0.0"), "HarmonyOS 3.0.0"),
        (fld("emui_ver", "EmotionUI_13.0.0"), "EmotionUI_13.0.0"),
        (fld("os", "14"), "14"),
        (fld("os", "4"), "4"),
    ],
)
def test_os_version_objects_api_levels_and_roms(field: Field, expected: str) -> None:
    assert essentials(detect_os_version(field)) == [(Kind.OS_VERSION, expected, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        _at("app.version", "14"),  # `version` outside an os object is the app's
        _at("sdk.version", "14"),
        _at("version", "14"),
        _at("os.name", "Android"),  # a name without a number
        _at("os.version", "unknown"),
        fld("api_level", "41"),  # beyond any API level
        fld("api_level", "3"),
        fld("sdk", "6.2.1"),  # the SDK's own version
        fld("sdk", "14.0"),  # API levels are whole numbers
        fld("sdk_ver", "4.2.0"),
        fld("sdk", "android"),
        fld("os", "1"),  # an enum
        fld("os", "3"),
        fld("os", "41"),
        fld("os", "android"),
        fld("miui_ver", "V14@stable"),
        fld("_rom_ver", "ALN-AL00 4.0.0.120(C00E120R2P3)"),  # a build string, not a version
        fld("miui_ver", "unknown"),
    ],
)
def test_os_version_objects_api_levels_and_roms_negative(field: Field) -> None:
    assert detect_os_version(field) == []


def test_a_cookie_domain_is_not_a_phone_model() -> None:
    assert detect_device_model(fld("dm", "nike.com", Where.COOKIE)) == []
    assert detect_device_model(fld("model", ".example.co.uk")) == []
    assert detect_device_model(fld("dm", "SM-S911B", Where.COOKIE)) == []  # terse keys not in cookies
    assert [f.value for f in detect_device_model(fld("dm", "SM-S911B", Where.QUERY))] == ["SM-S911B"]


def test_an_id_under_a_model_key_is_no_model() -> None:
    assert detect_device_model(fld("mi", "1b359947-3c96-4d75-2a08-8f785fbd0e6b", Where.QUERY)) == []


_UA_PARENS_BEFORE = re.compile(r"\(([^()]*Android[^()]*)\)")  # as first written: quadratic


@given(st.lists(st.sampled_from(["(", ")", "Android", "Andr", "oid", ";", " ", "Android 13; Pixel 7", "Linux",
                                 "K"]), max_size=10).map("".join))  # fmt: skip
def test_the_user_agent_pattern_reads_as_it_did_before(ua: str) -> None:
    before, after = _UA_PARENS_BEFORE.search(ua), _UA_PARENS.search(ua)
    assert (before and (before.span(), before.groups())) == (after and (after.span(), after.groups()))


def test_a_user_agent_of_repeated_android_is_read_at_once() -> None:
    """`(AndroidAndroid…` with no closing parenthesis: as first written each place of "Android"
    was tried against the rest (a 64 KB header took seconds; this one, minutes)."""
    with bounded():
        assert parse_user_agent("(" + "Android" * 100_000) == (None, None)
