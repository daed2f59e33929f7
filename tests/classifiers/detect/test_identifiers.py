"""classifiers.identifiers: IMEI, MEID, Android ID, advertising ID, MAC address and SDK device IDs."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect.identifiers import (
    _WIFI_ITEM,
    detect_advertising_id,
    detect_android_id,
    detect_device_id,
    detect_iccid,
    detect_imei,
    detect_imsi,
    detect_mac_address,
    detect_meid,
    in_wifi_list,
    luhn_ok,
    normalise_mac,
)
from phonehome.classifiers.model import Field, Hash, Kind, Source, Where

from tests._deadline import bounded
from tests.classifiers._helpers import essentials, fld

IMEI = "490154203237518"  # the textbook Luhn-valid IMEI (TAC 49015420)
IMEI_86 = "861234567890127"
MD5 = hashlib.md5(IMEI.encode()).hexdigest()
SHA1 = hashlib.sha1(IMEI.encode()).hexdigest()
SHA256 = hashlib.sha256(IMEI.encode()).hexdigest()
GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"

Row = tuple[Field, tuple[Kind, str, Source, Hash | None]]


def test_luhn() -> None:
    assert luhn_ok(IMEI) and luhn_ok(IMEI_86) and luhn_ok("79927398713")
    assert not luhn_ok("490154203237519")
    assert not luhn_ok("79927398710")


# -- IMEI ---------------------------------------------------------------------------------------

IMEI_POSITIVES: list[Row] = [
    (fld("imei", IMEI), (Kind.IMEI, IMEI, Source.KEY, None)),
    (fld("deviceImei", f"  {IMEI}\n"), (Kind.IMEI, IMEI, Source.KEY, None)),
    (fld("imei2", "123456789012347", Where.QUERY), (Kind.IMEI, "123456789012347", Source.KEY, None)),
    # No key, but Luhn-valid with a real reporting-body prefix.
    (fld("p3", IMEI_86, Where.PATH), (Kind.IMEI, IMEI_86, Source.PATTERN, None)),
    (fld("sn", "352099001761481"), (Kind.IMEI, "352099001761481", Source.PATTERN, None)),
    (fld("imei_md5", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
    (fld("sha1Imei", SHA1.upper()), (Kind.DEVICE_ID, SHA1.upper(), Source.KEY, Hash.SHA1)),
    (fld("imei_sha256", SHA256), (Kind.DEVICE_ID, SHA256, Source.KEY, Hash.SHA256)),
]


@pytest.mark.parametrize(("field", "expected"), IMEI_POSITIVES)
def test_imei_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_imei(field)) == [expected]


def test_imei_confidence_and_location() -> None:
    keyed = detect_imei(fld("imei", IMEI, Where.QUERY, encodings=("percent",)))[0]
    pattern = detect_imei(fld("x", IMEI_86))[0]
    assert (keyed.confidence, keyed.where, keyed.path, keyed.encodings, keyed.detector) == (
        0.97, Where.QUERY, "imei", ("percent",), "imei",
    )  # fmt: skip
    assert pattern.confidence == 0.8


@pytest.mark.parametrize(
    "field",
    [
        fld("imei", "490154203237519"),  # fails Luhn
        fld("order_id", "202311281234564"),  # 15 digits, Luhn-valid, but no TAC prefix and no key
        fld("imei", "000000000000000"),  # all-zero placeholder (Luhn-valid!)
        fld("imei", "49015420323751"),  # 14 digits
        fld("imei", "4901542032375180"),  # 16 digits (IMEISV)
        fld("imei_md5", "not-a-digest"),
        fld("imei_md5", SHA1),  # wrong digest length for the named algorithm
        fld("ts", "091234567890129"),  # Luhn-valid, but 09 is no reporting body and there is no key
    ],
)
def test_imei_negative(field: Field) -> None:
    assert detect_imei(field) == []


def test_imei_under_sim_imei_key_is_keyed() -> None:
    # 123456789012347 is Luhn-valid but its prefix is not in _TAC_PREFIXES: only the key can find it.
    assert essentials(detect_imei(fld("sim_imei", "123456789012347"))) == [
        (Kind.IMEI, "123456789012347", Source.KEY, None)
    ]


# -- MEID ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("meid", "a0000012345678"), (Kind.MEID, "A0000012345678", Source.KEY, None)),
        (fld("deviceMeid", " A10000009296F2 "), (Kind.MEID, "A10000009296F2", Source.KEY, None)),
        (fld("meid_sha1", SHA1), (Kind.DEVICE_ID, SHA1, Source.KEY, Hash.SHA1)),
    ],
)
def test_meid_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_meid(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("meid", "00000000000000"),  # placeholder
        fld("meid", "A000001234567"),  # 13 chars
        fld("meid", "A000001234567G"),  # not hex
        fld("request", "A0000012345678"),  # right shape, no key
        fld("meid_md5", "not-a-digest-at-all"),
    ],
)
def test_meid_negative(field: Field) -> None:
    assert detect_meid(field) == []


# -- Android ID ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("android_id", "9F3B2C1D4E5F6A7B"), (Kind.ANDROID_ID, "9f3b2c1d4e5f6a7b", Source.KEY, None)),
        (fld("androidId", "9f3b2c1d4e5f6a7b"), (Kind.ANDROID_ID, "9f3b2c1d4e5f6a7b", Source.KEY, None)),
        (
            fld("ssaid", "0123456789abcdef", Where.HEADER),
            (Kind.ANDROID_ID, "0123456789abcdef", Source.KEY, None),
        ),
        (fld("android_id_md5", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
    ],
)
def test_android_id_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_android_id(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("android_id", "0000000000000000"),  # placeholder
        fld("android_id", "9f3b2c1d4e5f6a7"),  # 15 hex chars
        fld("android_id", "9f3b2c1d4e5f6a7g"),  # not hex
        fld("trace_id", "9f3b2c1d4e5f6a7b"),  # 16 hex chars are everywhere: needs the key
        fld("android_id", "unknown"),
    ],
)
def test_android_id_negative(field: Field) -> None:
    assert detect_android_id(field) == []


# "16-bit MD5" (the middle 16 hex digits of an MD5) is a common SDK habit: under a digest-named key
# such a value is a digest, not the plain ID.  detect_device_id already rejects this case.
@pytest.mark.parametrize(
    ("detect", "field"),
    [
        (detect_android_id, fld("android_id_md5", "99664324d88d5756")),
        (detect_meid, fld("meid_md5", "A0000012345678")),
    ],
)
def test_digest_key_with_plain_shaped_value_is_not_the_plain_id(detect, field: Field) -> None:
    assert detect(field) == []


# -- advertising ID -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("gaid", GAID), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("IDFA", GAID.upper()), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("advertisingId", f" {GAID} ", Where.QUERY), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("rdid", GAID), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        # OAIDs are vendor-formatted and reported as sent (not lower-cased).
        (
            fld("oaid", "A1B2C3D4E5F60718ABCD"),
            (Kind.ADVERTISING_ID, "A1B2C3D4E5F60718ABCD", Source.KEY, None),
        ),
        (fld("oaid", GAID.upper()), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("gaid_sha256", SHA256), (Kind.DEVICE_ID, SHA256, Source.KEY, Hash.SHA256)),
    ],
)
def test_advertising_id_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_advertising_id(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("request_id", GAID),  # random UUIDs are request and trace IDs unless the key says otherwise
        fld("x-request-id", GAID, Where.HEADER),
        fld("gaid", "00000000-0000-0000-0000-000000000000"),  # limit-ad-tracking zero ID
        fld("idfa", "not-a-uuid-at-all"),
        fld("gaid", "38400000-8cf0-11bd-b23e-10b96e40000"),  # one digit short
        fld("oaid", "0000000000000000"),  # placeholder OAID
        fld("oaid", "short"),
    ],
)
def test_advertising_id_negative(field: Field) -> None:
    assert detect_advertising_id(field) == []


def test_oaid_under_msa_oaid_key() -> None:
    assert essentials(detect_advertising_id(fld("msa_oaid", "A1B2C3D4E5F60718ABCD"))) == [
        (Kind.ADVERTISING_ID, "A1B2C3D4E5F60718ABCD", Source.KEY, None)
    ]


# -- MAC address --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A4-50-46-12-34-56", "a4:50:46:12:34:56"),
        ("a4:50:46:12:34:56", "a4:50:46:12:34:56"),
        (" A45046123456 ", "a4:50:46:12:34:56"),
        ("02:00:00:00:00:00", None),  # Android's fixed fake MAC
        ("ff-ff-ff-ff-ff-ff", None),
        ("a4:50:46-12:34:56", None),  # mixed separators
        ("a4:50:46:12:34", None),
    ],
)
def test_normalise_mac(value: str, expected: str | None) -> None:
    assert normalise_mac(value) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("mac", "A4-50-46-12-34-56"), (Kind.MAC_ADDRESS, "a4:50:46:12:34:56", Source.KEY, None)),
        (fld("wifi_mac", "A45046123456"), (Kind.MAC_ADDRESS, "a4:50:46:12:34:56", Source.KEY, None)),
        (fld("peer", "a4:50:46:12:34:56"), (Kind.MAC_ADDRESS, "a4:50:46:12:34:56", Source.PATTERN, None)),
        (fld("mac_md5", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
    ],
)
def test_mac_address_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_mac_address(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("mac", "02:00:00:00:00:00"),  # Android's placeholder
        fld("mac", "00:00:00:00:00:00"),
        fld("mac", "01:00:5e:00:00:fb"),  # multicast (mDNS)
        fld("peer", "33:33:00:00:00:01"),  # IPv6 multicast
        fld("bssid", "a4:50:46:12:34:56"),  # the access point's: location reports it as wifi_network
        fld("wifiBssid", "a4:50:46:12:34:56"),
        fld("peer", "a45046123456"),  # bare 12 hex digits need the key
        fld("mac", "a4:50:46:12:34"),
    ],
)
def test_mac_address_negative(field: Field) -> None:
    assert detect_mac_address(field) == []


def test_bare_multicast_mac_is_not_reported() -> None:
    assert detect_mac_address(fld("mac", "01005e0000fb")) == []


@pytest.mark.parametrize("key", ["ap_mac", "routerMac"])
def test_access_point_mac_is_not_the_device_mac(key: str) -> None:
    assert detect_mac_address(fld(key, "a4:50:46:12:34:56")) == []


# -- SDK device and installation IDs --------------------------------------------------------------

DID = "d8f1e2c3-4b5a-6978-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (fld("device_id", DID), (Kind.DEVICE_ID, DID, Source.KEY, None)),
        (
            fld("utdid", "XyZ12abcDEF34+/q", Where.HEADER),
            (Kind.DEVICE_ID, "XyZ12abcDEF34+/q", Source.KEY, None),
        ),
        (fld("distinct_id", " 1234abcd "), (Kind.DEVICE_ID, "1234abcd", Source.KEY, None)),
        (fld("uid", "123456789012"), (Kind.DEVICE_ID, "123456789012", Source.KEY, None)),  # 12+ digits
        (fld("device_id_md5", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
    ],
)
def test_device_id_positive(field: Field, expected: tuple) -> None:
    assert essentials(detect_device_id(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("uid", "1700000000"),  # a timestamp or counter, not an ID
        fld("device_id", "unknown"),
        fld("device_id", "0000000000"),
        fld("device_id", "abc123"),  # under 8 chars
        fld("device_id", "x" * 129),
        fld("device_id", '{"a": 1}'),
        fld("device_id", "two words here"),
        fld("device_id_md5", "d8f1e2c34b5a6978"),  # the key says md5 but it is not one
        fld("session", DID),  # no device-ish key
    ],
)
def test_device_id_negative(field: Field) -> None:
    assert detect_device_id(field) == []


def test_oauth_client_id_is_not_a_device_id() -> None:
    field = fld("client_id", "1234567890-abcdefghijklmnop.apps.googleusercontent.com", Where.QUERY)
    assert detect_device_id(field) == []


# -- SDK key conventions: prefixed and suffixed keys ------------------------------------------------

HEX16 = "9f3b2c1d4e5f6a7b"
SERIAL = "R5CW30ABX9K"  # a Samsung hardware serial
FID = "cXyZ012abcDEF345ghIJkl"  # a Firebase installation ID (22 chars, base64url alphabet)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # `huq_aid` ends in `aid`: a UUID there is the advertising ID (lower-cased).
        (fld("huq_aid", GAID.upper()), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("user_gaid", GAID), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (fld("sdk_idfa", GAID, Where.QUERY), (Kind.ADVERTISING_ID, GAID, Source.KEY, None)),
        (
            fld("id", GAID, path="advertising.id"),  # inside an `advertising` object
            (Kind.ADVERTISING_ID, GAID, Source.KEY, None),
        ),
    ],
)
def test_advertising_id_key_suffixes(field: Field, expected: tuple) -> None:
    assert essentials(detect_advertising_id(field)) == [expected]


def test_aid_suffix_confidence_is_lower_than_an_ad_key() -> None:
    assert [f.confidence for f in detect_advertising_id(fld("huq_aid", GAID))] == [0.85]
    assert [f.confidence for f in detect_advertising_id(fld("user_gaid", GAID))] == [0.95]


@pytest.mark.parametrize(
    "field",
    [
        fld("huq_aid", HEX16),  # `aid` alone names an advertising ID only with a UUID's shape
        fld("huq_aid", "12345678"),
        fld("trace_said", "not-a-uuid"),
        fld("request_guid", GAID),  # ends in `id`, not in an ad-ID ending
        fld("id", GAID, path="request.id"),
    ],
)
def test_advertising_id_key_suffix_negative(field: Field) -> None:
    assert detect_advertising_id(field) == []


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            fld("mibrowser_did", "a1b2c3d4e5f6g7h8i9"),
            (Kind.DEVICE_ID, "a1b2c3d4e5f6g7h8i9", Source.KEY, None),
        ),
        (
            fld("x-device-id", "a1b2c3d4e5f6g7h8i9", Where.HEADER),
            (Kind.DEVICE_ID, "a1b2c3d4e5f6g7h8i9", Source.KEY, None),
        ),
        (fld("app_installation_id", DID), (Kind.DEVICE_ID, DID, Source.KEY, None)),
        (fld("push_device_token", "dQw4w9WgXcQ:APA91bHun4MxP5"), (Kind.DEVICE_ID, "dQw4w9WgXcQ:APA91bHun4MxP5",
                                                                  Source.KEY, None)),
        (fld("id", DID, path="deviceInfo.id"), (Kind.DEVICE_ID, DID, Source.KEY, None)),
    ],
)  # fmt: skip
def test_device_id_key_suffixes(field: Field, expected: tuple) -> None:
    assert essentials(detect_device_id(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("mibrowser_didx", "a1b2c3d4e5f6g7h8i9"),  # the suffix must end the key
        fld("avoid", "a1b2c3d4e5f6g7h8i9"),  # ends in `id`, but in no device-ID ending
        fld("id", DID, path="order.id"),  # `id` only counts inside a device object
        fld("id", DID),
    ],
)
def test_device_id_key_suffix_negative(field: Field) -> None:
    assert detect_device_id(field) == []


# -- well-known shapes under generic device-ID keys -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # A Luhn-valid 15-digit "device ID" is the IMEI.
        (fld("device_id", IMEI), (Kind.IMEI, IMEI, Source.KEY, None)),
        (fld("x-device-id", IMEI_86, Where.HEADER), (Kind.IMEI, IMEI_86, Source.KEY, None)),
        (fld("udid", IMEI), (Kind.IMEI, IMEI, Source.KEY, None)),
        # 16 hex digits are the Android ID (lower-cased).
        (fld("device_id", HEX16.upper()), (Kind.ANDROID_ID, HEX16, Source.KEY, None)),
        (fld("did", HEX16), (Kind.ANDROID_ID, HEX16, Source.KEY, None)),
        # Upper-case letters beyond hex, and digits: a hardware serial.
        (fld("deviceId", SERIAL), (Kind.SERIAL_NUMBER, SERIAL, Source.KEY, None)),
        (fld("uuid", "28251FDH3007SF"), (Kind.SERIAL_NUMBER, "28251FDH3007SF", Source.KEY, None)),
        (fld("hwid", "NXA0222A18001537"), (Kind.SERIAL_NUMBER, "NXA0222A18001537", Source.KEY, None)),
    ],
)
def test_device_id_shape_refinement(field: Field, expected: tuple) -> None:
    assert essentials(detect_device_id(field)) == [expected]


def test_device_id_shape_refinement_confidences() -> None:
    assert [f.confidence for f in detect_device_id(fld("device_id", IMEI))] == [0.9]
    assert [f.confidence for f in detect_device_id(fld("device_id", HEX16))] == [0.85]
    assert [f.confidence for f in detect_device_id(fld("device_id", SERIAL))] == [0.75]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # Near misses stay plain device IDs: Luhn fails, 15 hex is not 16, lower-case is no serial,
        # hex-only upper case is no serial (no letter beyond F).
        (fld("device_id", "490154203237519"), (Kind.DEVICE_ID, "490154203237519", Source.KEY, None)),
        (fld("device_id", HEX16[:15]), (Kind.DEVICE_ID, HEX16[:15], Source.KEY, None)),
        (fld("device_id", SERIAL.lower()), (Kind.DEVICE_ID, SERIAL.lower(), Source.KEY, None)),
        (fld("device_id", "ABCDEF123456"), (Kind.DEVICE_ID, "ABCDEF123456", Source.KEY, None)),
        (fld("device_id", "ABCDEFGHIJKL"), (Kind.DEVICE_ID, "ABCDEFGHIJKL", Source.KEY, None)),  # no digit
        # SDK-specific IDs are that SDK's own, whatever they look like.
        (fld("utdid", IMEI), (Kind.DEVICE_ID, IMEI, Source.KEY, None)),
        (fld("utdid", HEX16.upper()), (Kind.DEVICE_ID, HEX16.upper(), Source.KEY, None)),
        (fld("extuk", SERIAL), (Kind.DEVICE_ID, SERIAL, Source.KEY, None)),
        (fld("extuk", HEX16), (Kind.DEVICE_ID, HEX16, Source.KEY, None)),
        (fld("tdid", IMEI_86), (Kind.DEVICE_ID, IMEI_86, Source.KEY, None)),
    ],
)
def test_device_id_shape_refinement_negative(field: Field, expected: tuple) -> None:
    assert essentials(detect_device_id(field)) == [expected]


@pytest.mark.parametrize("key", ["gps_adid", "GPS_ADID", "google_adid", "device_oaid"])
@pytest.mark.parametrize("value", [GAID, HEX16, "a1b2c3d4e5f6g7h8i9"])
def test_advertising_keys_are_never_device_ids(key: str, value: str) -> None:
    # `gps_adid` ends like `did`, but it is Adjust's Google advertising ID.
    assert detect_device_id(fld(key, value)) == []


def test_gps_adid_is_the_advertising_id() -> None:
    assert essentials(detect_advertising_id(fld("gps_adid", GAID))) == [
        (Kind.ADVERTISING_ID, GAID, Source.KEY, None)
    ]


# -- advertising IDs without dashes, and OAIDs ------------------------------------------------------

GAID_BARE = GAID.replace("-", "")
OAID_64 = "a1b2c3d4e5f60718" * 4


@pytest.mark.parametrize(
    ("field", "expected", "confidence"),
    [
        # A GAID sent without its dashes under an ad key: reported as the canonical dashed UUID.
        (fld("gaid", GAID_BARE), GAID, 0.85),
        (fld("advertising_id", GAID_BARE.upper()), GAID, 0.85),
        (fld("gps_adid", GAID_BARE, Where.QUERY), GAID, 0.85),
        # OAIDs are kept as sent, even when they are 32 hex digits.
        (fld("oaid", GAID_BARE), GAID_BARE, 0.9),
        (fld("msa_oaid", GAID_BARE.upper()), GAID_BARE.upper(), 0.9),
        (fld("huq_oaid", OAID_64), OAID_64, 0.9),
    ],
)
def test_undashed_advertising_ids(field: Field, expected: str, confidence: float) -> None:
    found = detect_advertising_id(field)
    assert essentials(found) == [(Kind.ADVERTISING_ID, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("request_id", GAID_BARE),  # 32 hex without an ad key: a trace ID
        fld("gaid", "0" * 32),  # placeholder
        fld("gaid", GAID_BARE[:31]),
        fld("gaid", GAID_BARE + "0"),
        fld("oaid", "a1b2c3d4e5f6071"),  # 15 chars: shorter than any OAID
        fld("oaid", "a1b2c3d4e5f60718:x"),  # outside the OAID alphabet
    ],
)
def test_undashed_advertising_ids_negative(field: Field) -> None:
    assert detect_advertising_id(field) == []


# -- models and other short values under device keys -------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        fld("deviceId", "SM-S911B"),  # a model name, not an identifier
        fld("device_id", "Pixel7Pro"),
        fld("did", "SM-A536B"),
        fld("device", "SM-S911B"),
        fld("device", "Pixel 7"),
        fld("device", "a1b2c3d4e5f6g7h8i9"),  # an ID-like value, but a bare `device` needs a known shape
        fld("device", "panther"),
    ],
)
def test_device_models_under_device_keys_are_not_device_ids(field: Field) -> None:
    assert detect_device_id(field) == []


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # A bare `device` key counts only for a well-known shape.
        (fld("device", IMEI), (Kind.IMEI, IMEI, Source.KEY, None)),
        (fld("device", HEX16), (Kind.ANDROID_ID, HEX16, Source.KEY, None)),
        (fld("device", SERIAL), (Kind.SERIAL_NUMBER, SERIAL, Source.KEY, None)),
        # A URL path segment after `/installations/`, `/devices/`... is the install's or device's ID.
        (fld("installations", FID, Where.PATH, path="/3"), (Kind.DEVICE_ID, FID, Source.KEY, None)),
        (fld("devices", DID, Where.PATH, path="/2"), (Kind.DEVICE_ID, DID, Source.KEY, None)),
        (fld("players", "a1b2c3d4e5f6g7h8i9", Where.PATH), (Kind.DEVICE_ID, "a1b2c3d4e5f6g7h8i9", Source.KEY,
                                                            None)),
    ],
)  # fmt: skip
def test_bare_device_key_and_device_paths(field: Field, expected: tuple) -> None:
    assert essentials(detect_device_id(field)) == [expected]


@pytest.mark.parametrize(
    "field",
    [
        fld("v1", FID, Where.PATH),  # after some other segment
        fld("projects", FID, Where.PATH),
        fld("installations", "abc", Where.PATH),  # too short
        fld("installations", FID),  # a body key `installations` is not a path position
    ],
)
def test_device_path_negative(field: Field) -> None:
    assert detect_device_id(field) == []


# Xiaomi's model numbers (Build.MODEL: `M2101K6G`, `2201116SG`, `23021RAAEG`) have the serial shape:
# under `device`, or `deviceId` (where `SM-S911B` already is recognised as a model), they are read as
# hardware serials.
_MODEL_AS_SERIAL: tuple[()] = ()  # fixed; kept so the table still reads


@pytest.mark.parametrize(
    "field",
    [
        pytest.param(fld("device", "M2101K6G"), marks=_MODEL_AS_SERIAL, id="device-M2101K6G"),
        pytest.param(fld("device", "2201116SG"), marks=_MODEL_AS_SERIAL, id="device-2201116SG"),
        pytest.param(fld("deviceId", "M2101K6G"), marks=_MODEL_AS_SERIAL, id="deviceId-M2101K6G"),
    ],
)
def test_xiaomi_model_numbers_under_device_keys_are_not_serials(field: Field) -> None:
    assert detect_device_id(field) == []


# -- MAC addresses inside Wi-Fi lists ---------------------------------------------------------------

AP = "18:d2:76:0e:93:4c"


@pytest.mark.parametrize(
    "field",
    [
        fld("macAddress", AP, path="wifiAccessPoints[0].macAddress"),  # Google geolocation request
        fld("mac", AP, path="wifi_list[2].mac"),
        fld("mac", AP, path="scan_results[0].mac"),
        fld("mac", AP, path="device.wifi[1].mac"),
        fld("mac", AP, path="aps[0].mac"),
        fld("mac", "18d2760e934c", path="wlan[0].mac"),
    ],
)
def test_mac_in_a_wifi_list_is_not_the_device_mac(field: Field) -> None:
    assert in_wifi_list(field)
    assert detect_mac_address(field) == []


@pytest.mark.parametrize(
    "field",
    [
        fld("mac", AP, path="wifi.mac"),  # the phone's own Wi-Fi interface
        fld("mac", AP, path="device.wifi.mac"),
        fld("mac", AP, path="interfaces[0].mac"),  # a list, but not of Wi-Fi networks
        fld("mac", AP),
    ],
)
def test_mac_outside_a_wifi_list_is_the_device_mac(field: Field) -> None:
    assert not in_wifi_list(field)
    assert essentials(detect_mac_address(field)) == [(Kind.MAC_ADDRESS, AP, Source.KEY, None)]


# -- hashed IDs recognised by their length under plain keys -----------------------------------------

IMSI = "460001234567890"
IMSI_SHA256_B64 = base64.b64encode(hashlib.sha256(IMSI.encode()).digest()).decode()
ICCID_SHA1 = hashlib.sha1(b"89860012345678901234").hexdigest()


@pytest.mark.parametrize(
    ("detect", "field", "expected"),
    [
        (detect_imei, fld("imei", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
        (detect_imei, fld("imei", MD5.upper()), (Kind.DEVICE_ID, MD5.upper(), Source.KEY, Hash.MD5)),
        (detect_imei, fld("deviceImei", SHA1), (Kind.DEVICE_ID, SHA1, Source.KEY, Hash.SHA1)),
        (detect_imei, fld("imei", SHA256), (Kind.DEVICE_ID, SHA256, Source.KEY, Hash.SHA256)),
        (
            detect_imsi,
            fld("imsi", IMSI_SHA256_B64),
            (Kind.DEVICE_ID, IMSI_SHA256_B64, Source.KEY, Hash.SHA256),
        ),
        (detect_imsi, fld("imsi", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
        (detect_iccid, fld("iccid", ICCID_SHA1), (Kind.DEVICE_ID, ICCID_SHA1, Source.KEY, Hash.SHA1)),
        (detect_android_id, fld("android_id", SHA1), (Kind.DEVICE_ID, SHA1, Source.KEY, Hash.SHA1)),
        (detect_mac_address, fld("mac", MD5), (Kind.DEVICE_ID, MD5, Source.KEY, Hash.MD5)),
        (detect_advertising_id, fld("gaid", SHA256), (Kind.DEVICE_ID, SHA256, Source.KEY, Hash.SHA256)),
    ],
)
def test_hashed_ids_by_length_under_plain_keys(detect, field: Field, expected: tuple) -> None:
    assert essentials(detect(field)) == [expected]


@pytest.mark.parametrize(
    ("detect", "field"),
    [
        (detect_imei, fld("imei", "z" * 32)),  # 32 chars, not hex
        (detect_imei, fld("imei", MD5[:30])),  # no digest length
        (detect_imei, fld("imei", "0" * 32)),  # placeholder
        (detect_imei, fld("order", MD5)),  # a digest under no IMEI key
        (detect_imsi, fld("imsi", IMSI_SHA256_B64.rstrip("="))),  # unpadded: too like any token
        (detect_imsi, fld("imsi", "999001234567890")),  # no such country code
        (detect_imsi, fld("session", IMSI_SHA256_B64)),
    ],
)
def test_hashed_ids_by_length_negative(detect, field: Field) -> None:
    assert detect(field) == []


# -- strong meanings only where they are documented --------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        fld("muid", MD5),  # Microsoft's cookie ID, Tencent's IMEI digest: only Tencent's adapter decides
        fld("im", IMEI),
        fld("aid", "9f3b2c1d4e5f6a7b"),  # an app ID as often as an Android ID
    ],
)
def test_terse_keys_carry_no_strong_meaning_by_themselves(field: Field) -> None:
    assert detect_imei(field) == [] or field.key == "im" and detect_imei(field)[0].source == Source.PATTERN
    assert detect_android_id(field) == []


def test_a_digest_under_an_imei_key_is_an_opaque_device_id() -> None:
    (found,) = detect_imei(fld("imei_md5", MD5))
    assert (found.kind, found.hashed) == (Kind.DEVICE_ID, Hash.MD5)
    assert "imei_md5" in found.evidence and "not shown" in found.evidence
    assert detect_imei(fld("imei_md5", "d41d8cd98f00b204e9800998ecf8427e")) == []  # MD5 of nothing


def test_adjust_adid_is_not_a_gaid_without_dashes() -> None:
    assert essentials(detect_advertising_id(fld("adid", "0123456789abcdef0123456789abcdef"))) == [
        (Kind.DEVICE_ID, "0123456789abcdef0123456789abcdef", Source.KEY, None)
    ]
    assert essentials(detect_advertising_id(fld("adid", GAID))) == [
        (Kind.ADVERTISING_ID, GAID, Source.KEY, None)
    ]


def test_an_oauth_client_id_is_not_a_device_id() -> None:
    assert detect_device_id(fld("client_id", "a1b2c3d4e5f6a7b8c9d0e1f2")) == []


def test_name_based_uuids_and_random_fractions_are_not_ids() -> None:
    # Yahoo's `pstaid` is a page-stream ID, a version 3 UUID; `Math.random()` is a cache-buster.
    assert detect_advertising_id(fld("pstaid", "6bf451fd-11f9-37f9-a54c-d73d795839f6")) == []
    assert detect_device_id(fld("deviceid", "0.8238071829546243")) == []
    assert detect_device_id(fld("uid", "_wfivefivec_")) == []


FCM = "e_ZOkFWbQuiKYnXEF1rvyf:APA91b" + "x" * 120


def test_a_push_token_is_a_device_id_under_any_key() -> None:
    (found,) = detect_device_id(fld("fcmTokenID", FCM))
    assert (found.kind, found.value, found.source) == (Kind.DEVICE_ID, FCM, Source.PATTERN)
    assert detect_device_id(fld("userId", "short:APA91bxyz")) == []


def test_branch_says_when_its_hardware_id_is_not_real() -> None:
    fake = fld(
        "hardware_id", "048f96ec-220f-4860-95c4-62b2565dbbd3", siblings={"is_hardware_id_real": "false"}
    )
    assert detect_device_id(fake) == []
    real = fld("hardware_id", "9f3b2c1d4e5f6a7b", siblings={"is_hardware_id_real": "true"})
    assert [f.kind for f in detect_device_id(real)] == [Kind.ANDROID_ID]


# As first written: the key word placed, so each of its places in a long key was tried (quadratic).
_WIFI_ITEM_BEFORE = re.compile(
    r"(?:^|\.)([A-Za-z_]*(?:wifi|wlan|accesspoint|bssid|scan|aps)[A-Za-z_]*)\[\d+\]\.[^.\[]+$", re.I
)


@given(st.lists(st.sampled_from(["wifi", "WiFi", "aps", "scan", "x", "_", "[0]", "[x]", "[12]", ".", "mac",
                                 "\n", "[", "]"]), max_size=10).map("".join))  # fmt: skip
def test_the_wifi_list_pattern_reads_as_it_did_before(path: str) -> None:
    before, after = _WIFI_ITEM_BEFORE.search(path), _WIFI_ITEM.search(path)
    assert (before and (before.span(), before.groups())) == (after and (after.span(), after.groups()))


def test_a_key_of_repeated_wifi_is_read_at_once() -> None:
    """A body's key names make the path, which nothing cuts short: `wifiwifi…[` of 400 KB took the
    pattern as first written minutes (each place of the key word tried); a MAC under it still counts."""
    path = "wifi" * 100_000 + "[x].mac"
    with bounded():
        assert not in_wifi_list(fld("mac", "a4:5e:60:c2:11:02", path=path))
        assert in_wifi_list(fld("mac", "a4:5e:60:c2:11:02", path="wifi" * 100_000 + "[0].mac"))
