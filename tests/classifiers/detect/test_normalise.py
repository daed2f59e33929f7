from __future__ import annotations

import pytest
from phonehome.classifiers.detect.normalise import canonical_uuid, e164, normalise
from phonehome.classifiers.model import Kind


@pytest.mark.parametrize(
    ("kind", "sent", "expected"),
    [
        (Kind.IMEI, "86-123456-789012-7", "861234567890127"),
        (Kind.IMSI, "214070123456789", "214070123456789"),
        (Kind.MEID, "a0000012345678", "A0000012345678"),
        (Kind.ANDROID_ID, "9F3B2C1D4E5F6A7B", "9f3b2c1d4e5f6a7b"),
        (Kind.ADVERTISING_ID, "38400000-8CF0-11BD-B23E-10B96E40000D", "38400000-8cf0-11bd-b23e-10b96e40000d"),
        (
            Kind.ADVERTISING_ID,
            "A1B2C3D4E5F60718293A4B5C6D7E8F90",
            "A1B2C3D4E5F60718293A4B5C6D7E8F90",
        ),  # OAID as sent
        (Kind.MAC_ADDRESS, "A4-50-46-12-34-56", "a4:50:46:12:34:56"),
        (Kind.WIFI_NETWORK, "A4504612345A", "a4:50:46:12:34:5a"),
        (Kind.WIFI_NETWORK, "CafeWifi", "CafeWifi"),
        (Kind.EMAIL, " Alice@Example.COM ", "alice@example.com"),
        (Kind.PHONE_NUMBER, "+86 138 1234 5678", "+8613812345678"),
        (Kind.PHONE_NUMBER, "12-34", "1234"),
        (Kind.DEVICE_MODEL, " Pixel 7 ", "Pixel 7"),
    ],
)
def test_normalise(kind: Kind, sent: str, expected: str) -> None:
    assert normalise(kind, sent) == expected


@pytest.mark.parametrize(
    ("kind", "sent"),
    [
        (Kind.IMEI, "000000000000000"),
        (Kind.IMEI, "12345"),
        (Kind.ADVERTISING_ID, "00000000-0000-0000-0000-000000000000"),
        (Kind.MAC_ADDRESS, "02:00:00:00:00:00"),
        (Kind.MAC_ADDRESS, "not a mac"),
        (Kind.EMAIL, "no-at-sign"),
        (Kind.CARRIER, "unknown"),
    ],
)
def test_placeholders_and_malformed_are_rejected(kind: Kind, sent: str) -> None:
    assert normalise(kind, sent) is None


def test_helpers() -> None:
    assert canonical_uuid("38400000-8CF0-11BD-B23E-10B96E40000D") == "38400000-8cf0-11bd-b23e-10b96e40000d"
    assert canonical_uuid("38400000-8cf0") is None
    assert e164("+4915112345678") == "+4915112345678"
    assert e164("015112345678", "DE") == "+4915112345678"
    assert e164("12") is None
