"""classifiers.identifiers: IMEI, MEID, Android ID, advertising ID, MAC address and SDK device IDs."""

from __future__ import annotations

import hashlib

import pytest

from classifiers.identifiers import (
    detect_advertising_id,
    detect_android_id,
    detect_device_id,
    detect_imei,
    detect_mac_address,
    detect_meid,
    luhn_ok,
    normalise_mac,
)
from classifiers.model import Field, Hash, Kind, Source, Where
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
    (fld("imei_md5", MD5), (Kind.IMEI, MD5, Source.KEY, Hash.MD5)),
    (fld("sha1Imei", SHA1.upper()), (Kind.IMEI, SHA1.upper(), Source.KEY, Hash.SHA1)),
    (fld("imei_sha256", SHA256), (Kind.IMEI, SHA256, Source.KEY, Hash.SHA256)),
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
        (fld("meid_sha1", SHA1), (Kind.MEID, SHA1, Source.KEY, Hash.SHA1)),
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
        (fld("android_id_md5", MD5), (Kind.ANDROID_ID, MD5, Source.KEY, Hash.MD5)),
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
        (fld("gaid_sha256", SHA256), (Kind.ADVERTISING_ID, SHA256, Source.KEY, Hash.SHA256)),
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
        (fld("mac_md5", MD5), (Kind.MAC_ADDRESS, MD5, Source.KEY, Hash.MD5)),
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
