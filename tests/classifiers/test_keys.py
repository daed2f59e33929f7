"""classifiers.keys: key normalisation, digest-named keys and placeholder values."""

from __future__ import annotations

import pytest

from classifiers import apps, browsing, contact, device, identifiers, location
from classifiers.keys import is_digest, is_placeholder, match_key, norm, strip_digest
from classifiers.model import Hash


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("advertiserId", "advertiserid"),
        ("advertiser_id", "advertiserid"),
        ("Advertiser-ID", "advertiserid"),
        ("device.imei", "deviceimei"),
        ("wifi mac", "wifimac"),
        ("IMEI1", "imei1"),
        ("", ""),
    ],
)
def test_norm(key: str, expected: str) -> None:
    assert norm(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("imei_md5", ("imei", Hash.MD5)),
        ("sha1_mac", ("mac", Hash.SHA1)),
        ("md5Imei", ("imei", Hash.MD5)),
        # sha256 is looked for before sha1, or `sha256` would read as sha1 + "256".
        ("android_id_sha256", ("androidid", Hash.SHA256)),
        ("imei", ("imei", None)),
        ("Device-ID", ("deviceid", None)),
    ],
)
def test_strip_digest(key: str, expected: tuple[str, Hash | None]) -> None:
    assert strip_digest(key) == expected


@pytest.mark.parametrize(
    ("value", "algo", "expected"),
    [
        ("0eaed834a1e6f4b2bf0c024e0013dea1", Hash.MD5, True),
        ("0EAED834A1E6F4B2BF0C024E0013DEA1", Hash.MD5, True),
        ("11f6ad8ec52a2984abaafd7c3b516503785c2072", Hash.SHA1, True),
        ("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", Hash.SHA256, True),
        ("0eaed834a1e6f4b2bf0c024e0013dea", Hash.MD5, False),  # 31 chars
        ("0eaed834a1e6f4b2bf0c024e0013deaz", Hash.MD5, False),  # not hex
        ("11f6ad8ec52a2984abaafd7c3b516503785c2072", Hash.MD5, False),  # sha1 length under md5
    ],
)
def test_is_digest(value: str, algo: Hash, expected: bool) -> None:
    assert is_digest(value, algo) is expected


NAMES = frozenset({"imei", "androidid"})


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("imei", (True, None)),
        ("IMEI", (True, None)),
        ("android_id", (True, None)),
        ("androidId", (True, None)),
        ("imei_md5", (True, Hash.MD5)),
        ("md5_imei", (True, Hash.MD5)),
        ("sha256AndroidId", (True, Hash.SHA256)),
        ("imei_number", (False, None)),
        ("md5", (False, None)),
        ("timei", (False, None)),
    ],
)
def test_match_key(key: str, expected: tuple[bool, Hash | None]) -> None:
    assert match_key(key, NAMES) == expected


@pytest.mark.parametrize(
    "value",
    [
        "", "  ", "unknown", "NULL", " None ", "undefined", "0", "-1", "n/a", "true",
        "000000000000000", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "00:00:00:00:00:00", "aaa",
    ],
)  # fmt: skip
def test_is_placeholder(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    ["861234567890127", "02:00:00:00:00:00", "aa", "00", "9f3b2c1d4e5f6a7b", "Pixel 7", "unknowns"],
)
def test_is_not_placeholder(value: str) -> None:
    assert not is_placeholder(value)


# Every key set a detector declares is compared against `norm(key)`, so an entry holding `_`, `-`,
# `.` or upper case can never match anything.
_KEY_SETS = [
    (module.__name__.rsplit(".", 1)[-1], name, getattr(module, name))
    for module in (identifiers, contact, location, browsing, apps, device)
    for name in sorted(vars(module))
    if name.endswith("_KEYS") and isinstance(getattr(module, name), frozenset)
]


@pytest.mark.parametrize(
    "names",
    [pytest.param(names, id=f"{module}.{name}") for module, name, names in _KEY_SETS],
)
def test_declared_key_sets_are_normalised(names: frozenset[str]) -> None:
    assert sorted(k for k in names if norm(k) != k) == []


def test_key_sets_were_found() -> None:
    found = {f"{module}.{name}" for module, name, _ in _KEY_SETS}
    assert {"identifiers.IMEI_KEYS", "contact.PHONE_KEYS", "location.LAT_KEYS", "browsing.URL_KEYS",
            "apps.APP_LIST_KEYS", "device.CARRIER_KEYS"} <= found  # fmt: skip
