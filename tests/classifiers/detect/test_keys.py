"""classifiers.keys: key normalisation, digest-named keys and placeholder values."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect import apps, browsing, contact, device, identifiers, location
from phonehome.classifiers.detect.keys import (
    _placeholder,
    _placeholder_kept,
    digest_by_length,
    is_digest,
    is_placeholder,
    match_key,
    norm,
    parent_key,
    strip_digest,
)
from phonehome.classifiers.model import Hash


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


# -- parent_key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("batch[0].context.os.version", "os"),  # nested objects inside a list item
        ("os.version", "os"),
        ("device.deviceInfo.device_id", "deviceinfo"),  # normalised like any key
        ("data_list[*].properties.url", "properties"),  # a decoder column path
        ("apps[*].name", "apps"),
        ("wifiAccessPoints[0].macAddress", "wifiaccesspoints"),
        ("a.b[3].c", "b"),  # list indexes are not keys
        ("device.ids[0]", "device"),  # a list item's key is the list's, held by `device`
        ("x.y", "x"),
        # Top level: nothing holds the field.
        ("version", ""),
        ("apps[0]", ""),
        ("[0].a", ""),
        ("", ""),
    ],
)
def test_parent_key(path: str, expected: str) -> None:
    assert parent_key(path) == expected


# -- digests by length and in base64 ----------------------------------------------------------------

_IMEI = b"490154203237518"
MD5_HEX = hashlib.md5(_IMEI).hexdigest()
SHA1_HEX = hashlib.sha1(_IMEI).hexdigest()
SHA256_HEX = hashlib.sha256(_IMEI).hexdigest()
MD5_B64 = base64.b64encode(hashlib.md5(_IMEI).digest()).decode()  # 24 chars, ends "=="
SHA1_B64 = base64.b64encode(hashlib.sha1(_IMEI).digest()).decode()  # 28 chars, ends "="
SHA256_B64 = base64.b64encode(hashlib.sha256(_IMEI).digest()).decode()  # 44 chars, ends "="
SHA256_B64URL = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode()  # has `-` or `_`


def test_digest_fixtures_have_the_shapes_they_claim() -> None:
    assert [len(v) for v in (MD5_B64, SHA1_B64, SHA256_B64)] == [24, 28, 44]
    assert MD5_B64.endswith("==") and SHA1_B64.endswith("=") and SHA256_B64.endswith("=")
    assert "-" in SHA256_B64URL or "_" in SHA256_B64URL


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MD5_HEX, Hash.MD5),
        (MD5_HEX.upper(), Hash.MD5),
        (SHA1_HEX, Hash.SHA1),
        (SHA256_HEX, Hash.SHA256),
        (MD5_B64, Hash.MD5),
        (SHA1_B64, Hash.SHA1),
        (SHA256_B64, Hash.SHA256),
        (SHA256_B64URL, Hash.SHA256),
        # Not digests: a length between, a non-hex 32-char ID, unpadded base64 (too like any token).
        (MD5_HEX[:31], None),
        (MD5_HEX + "0", None),
        ("z" * 32, None),
        ("0eaed834-a1e6-f4b2-bf0c-024e0013dea1", None),  # a UUID, 36 chars
        (MD5_B64.rstrip("="), None),
        (SHA256_B64.rstrip("="), None),
        ("a" * 23 + "!", None),  # 24 chars, not base64
        ("9f3b2c1d4e5f6a7b", None),  # 16 hex: an Android ID, not a digest
        ("490154203237518", None),
        ("", None),
    ],
)
def test_digest_by_length(value: str, expected: Hash | None) -> None:
    assert digest_by_length(value) == expected


@pytest.mark.parametrize(
    ("value", "algo", "expected"),
    [
        (MD5_B64, Hash.MD5, True),
        (MD5_B64.rstrip("="), Hash.MD5, True),  # 22 chars, padding dropped
        (SHA1_B64, Hash.SHA1, True),
        (SHA1_B64.rstrip("="), Hash.SHA1, True),
        (SHA256_B64, Hash.SHA256, True),
        (SHA256_B64.rstrip("="), Hash.SHA256, True),
        (SHA256_B64URL, Hash.SHA256, True),
        # Near misses: another algorithm's length, digits only, characters outside base64.
        (SHA1_B64, Hash.MD5, False),
        (MD5_B64, Hash.SHA256, False),
        ("1234567890123456789012", Hash.MD5, False),  # 22 digits: a number, not base64
        ("abcdefghij!klmnopqrstu", Hash.MD5, False),
        ("abcdefghij klmnopqrst==", Hash.MD5, False),
        (MD5_B64[:-3] + "==", Hash.MD5, False),  # 23 chars
    ],
)
def test_is_digest_accepts_base64_forms(value: str, algo: Hash, expected: bool) -> None:
    assert is_digest(value, algo) is expected


# Base64 of a 16-byte MD5 is always 22 characters plus "=="; of a 20-byte SHA-1, 27 plus "="; of a
# 32-byte SHA-256, 43 plus "=".  Only the length is checked today, so base64 of other sizes passes.
_WRONG_PADDING: tuple[()] = ()  # fixed; kept so the table still reads


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("abcdefghijklmnopqrstuvw=", marks=_WRONG_PADDING, id="md5-length-one-pad"),  # 17 bytes
        pytest.param("a" * 42 + "==", marks=_WRONG_PADDING, id="sha256-length-two-pads"),  # 31 bytes
    ],
)
def test_digest_by_length_needs_the_padding_of_the_digest_size(value: str) -> None:
    assert digest_by_length(value) is None


@pytest.mark.parametrize(
    ("value", "algo"),
    [
        pytest.param("abcdefghijklmnopqrstuvwx", Hash.MD5, marks=_WRONG_PADDING, id="md5-24-unpadded"),
        pytest.param("abcdefghijklmnopqrstuvw=", Hash.MD5, marks=_WRONG_PADDING, id="md5-24-one-pad"),
        pytest.param("abcdefghijklmnopqrstuvwxyz01", Hash.SHA1, marks=_WRONG_PADDING, id="sha1-28-unpadded"),
    ],
)
def test_is_digest_rejects_base64_of_other_sizes(value: str, algo: Hash) -> None:
    assert is_digest(value, algo) is False


@given(
    st.text(max_size=120)
    | st.sampled_from(["0", "null", "unknown", "00000000-0000-0000-0000-000000000000", " " * 45 + "null"])
    | st.builds(
        lambda c, n, sep, pad: pad + sep.join(c * n for _ in range(3)) + pad,
        st.sampled_from("0fFa-x"),
        st.integers(0, 30),
        st.sampled_from(["", "-", ":", ".", "-:"]),
        st.sampled_from(["", " ", "\t\n"]),
    )
)
def test_placeholder_answers_are_the_same_kept_or_not(value: str) -> None:
    assert is_placeholder(value) == _placeholder(value)


def test_only_short_values_are_kept() -> None:
    """URLs, queries and blobs are mostly new each time: they must not fill the cache."""
    _placeholder_kept.cache_clear()
    for i in range(200):
        is_placeholder(f"https://news.example.org/story/{i}?ref=home")
    assert _placeholder_kept.cache_info().currsize == 0
    is_placeholder("00000000-0000-0000-0000-000000000000")
    assert _placeholder_kept.cache_info().currsize == 1
