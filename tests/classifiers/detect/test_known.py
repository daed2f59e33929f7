"""classifiers.known: the user's declared values, found as sent, as variants and as digests."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from phonehome.classifiers.detect.known import KnownValues, KnownValuesError, detect_known
from phonehome.classifiers.model import Hash, Kind, Source, Where

from tests.classifiers._helpers import fld

IMEI = "861234567890127"
IMSI = "460001234567890"
ICCID = "89860012345678901234"
MEID = "A10000009296F2"
ANDROID_ID = "9f3b2c1d4e5f6a7b"
GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
OAID = "dfe7b2c9a0f14e8d9b3a6c5e1f2d7a40bb1290c3d4e5f6a7b8c9d0e1f2a3b4c5"  # vivo/OPPO style, 64 hex
MAC = "a4:50:46:12:34:56"
EMAIL = "alice@example.com"
PHONE = "+8613812345678"
SERIAL = "R58M12ABCDE"
DEVICE_ID = "dev_7Hk2.Lm9Q"
HOME = "22.5431,114.0579"

DECLARED: dict[str, list[str]] = {
    "imei": [IMEI],
    "imsi": [IMSI],
    "iccid": [ICCID],
    "meid": [MEID.lower()],  # normalised to upper case
    "android_id": [ANDROID_ID.upper()],  # normalised to lower case
    "advertising_id": [GAID.upper(), OAID],
    "mac_address": ["A4-50-46-12-34-56"],  # normalised to lower case, colons
    "email": ["  Alice@Example.COM "],  # trimmed and lower-cased
    "phone_number": ["+86 138 1234 5678"],  # normalised to E.164
    "serial_number": [SERIAL],
    "device_id": [DEVICE_ID],
    "coordinates": [HOME],
}
KNOWN = KnownValues.from_mapping(DECLARED)

Expected = tuple[Kind, str, Hash | None]


def found(value: str, key: str = "x", known: KnownValues = KNOWN, **kw: object) -> list[Expected]:
    return [(f.kind, f.value, f.hashed) for f in detect_known(fld(key, value, **kw), known)]  # type: ignore[arg-type]


def encodings(data: str) -> Iterator[tuple[str, str, Hash]]:
    """(label, encoded digest, algorithm) for every digest form phonehome promises to find."""
    for algo in Hash:
        digest = hashlib.new(algo.value, data.encode()).digest()
        std = base64.b64encode(digest).decode()
        url = base64.urlsafe_b64encode(digest).decode()
        forms = {
            "hex": digest.hex(),
            "HEX": digest.hex().upper(),
            "b64": std,
            "b64-nopad": std.rstrip("="),
            "b64url": url,
            "b64url-nopad": url.rstrip("="),
        }
        for label, encoded in forms.items():
            yield f"{algo.value}-{label}", encoded, algo


def test_declared_values_are_normalised() -> None:
    assert dict(KNOWN.values) == {
        Kind.IMEI: (IMEI,),
        Kind.IMSI: (IMSI,),
        Kind.ICCID: (ICCID,),
        Kind.MEID: (MEID,),
        Kind.ANDROID_ID: (ANDROID_ID,),
        Kind.ADVERTISING_ID: (GAID, OAID),
        Kind.MAC_ADDRESS: (MAC,),
        Kind.EMAIL: (EMAIL,),
        Kind.PHONE_NUMBER: (PHONE,),
        Kind.SERIAL_NUMBER: (SERIAL,),
        Kind.DEVICE_ID: (DEVICE_ID,),
        Kind.COORDINATES: (HOME,),
    }


# -- every kind, every plain variant --------------------------------------------------------------

PLAIN: list[tuple[str, Kind, str]] = [
    (IMEI, Kind.IMEI, IMEI),
    (f"  {IMEI}\n", Kind.IMEI, IMEI),
    (IMSI, Kind.IMSI, IMSI),
    (ICCID, Kind.ICCID, ICCID),
    (MEID, Kind.MEID, MEID),
    (MEID.lower(), Kind.MEID, MEID),
    (ANDROID_ID, Kind.ANDROID_ID, ANDROID_ID),
    (ANDROID_ID.upper(), Kind.ANDROID_ID, ANDROID_ID),
    (GAID, Kind.ADVERTISING_ID, GAID),
    (GAID.upper(), Kind.ADVERTISING_ID, GAID),
    (GAID.replace("-", ""), Kind.ADVERTISING_ID, GAID),
    (GAID.replace("-", "").upper(), Kind.ADVERTISING_ID, GAID),
    (OAID, Kind.ADVERTISING_ID, OAID),
    (OAID.upper(), Kind.ADVERTISING_ID, OAID),
    (MAC, Kind.MAC_ADDRESS, MAC),
    (MAC.upper(), Kind.MAC_ADDRESS, MAC),
    ("a4-50-46-12-34-56", Kind.MAC_ADDRESS, MAC),
    ("A4-50-46-12-34-56", Kind.MAC_ADDRESS, MAC),
    ("a45046123456", Kind.MAC_ADDRESS, MAC),
    ("A45046123456", Kind.MAC_ADDRESS, MAC),
    ("a450.4612.3456", Kind.MAC_ADDRESS, MAC),
    (EMAIL, Kind.EMAIL, EMAIL),
    ("ALICE@Example.Com", Kind.EMAIL, EMAIL),
    (f" {EMAIL} ", Kind.EMAIL, EMAIL),
    (PHONE, Kind.PHONE_NUMBER, PHONE),
    ("8613812345678", Kind.PHONE_NUMBER, PHONE),
    ("008613812345678", Kind.PHONE_NUMBER, PHONE),
    ("13812345678", Kind.PHONE_NUMBER, PHONE),
    ("+86 138 1234 5678", Kind.PHONE_NUMBER, PHONE),
    ("+86-138-1234-5678", Kind.PHONE_NUMBER, PHONE),
    ("+86 (138) 1234-5678", Kind.PHONE_NUMBER, PHONE),
    ("138 1234 5678", Kind.PHONE_NUMBER, PHONE),
    ("138-1234-5678", Kind.PHONE_NUMBER, PHONE),
    ("0086 138 1234 5678", Kind.PHONE_NUMBER, PHONE),
    (SERIAL, Kind.SERIAL_NUMBER, SERIAL),
    (SERIAL.lower(), Kind.SERIAL_NUMBER, SERIAL),
    (DEVICE_ID, Kind.DEVICE_ID, DEVICE_ID),
    (DEVICE_ID.upper(), Kind.DEVICE_ID, DEVICE_ID),
]


@pytest.mark.parametrize(("sent", "kind", "value"), PLAIN, ids=[repr(p[0]) for p in PLAIN])
def test_plain_variants(sent: str, kind: Kind, value: str) -> None:
    assert found(sent) == [(kind, value, None)]


def test_finding_fields() -> None:
    field = fld("imei", IMEI, Where.QUERY, path="q.imei", encodings=("percent", "base64"))
    (f,) = detect_known(field, KNOWN)
    assert (f.source, f.detector, f.confidence) == (Source.KNOWN, "known", 1.0)
    assert (f.where, f.path, f.encodings, f.hashed) == (Where.QUERY, "q.imei", ("percent", "base64"), None)


# -- every kind, every digest, every encoding -----------------------------------------------------

# (what an SDK hashed, the kind and normalised value it must be reported as)
HASHED_INPUTS: list[tuple[str, Kind, str]] = [
    (IMEI, Kind.IMEI, IMEI),
    (IMSI, Kind.IMSI, IMSI),
    (ICCID, Kind.ICCID, ICCID),
    (MEID, Kind.MEID, MEID),
    (MEID.lower(), Kind.MEID, MEID),
    (ANDROID_ID, Kind.ANDROID_ID, ANDROID_ID),
    (ANDROID_ID.upper(), Kind.ANDROID_ID, ANDROID_ID),
    (GAID, Kind.ADVERTISING_ID, GAID),
    (GAID.upper(), Kind.ADVERTISING_ID, GAID),
    (GAID.replace("-", ""), Kind.ADVERTISING_ID, GAID),
    (GAID.replace("-", "").upper(), Kind.ADVERTISING_ID, GAID),
    (OAID, Kind.ADVERTISING_ID, OAID),
    (MAC, Kind.MAC_ADDRESS, MAC),
    (MAC.upper(), Kind.MAC_ADDRESS, MAC),
    ("a4-50-46-12-34-56", Kind.MAC_ADDRESS, MAC),
    ("A4-50-46-12-34-56", Kind.MAC_ADDRESS, MAC),
    ("a45046123456", Kind.MAC_ADDRESS, MAC),
    ("A45046123456", Kind.MAC_ADDRESS, MAC),
    (EMAIL, Kind.EMAIL, EMAIL),
    (PHONE, Kind.PHONE_NUMBER, PHONE),
    ("8613812345678", Kind.PHONE_NUMBER, PHONE),
    ("13812345678", Kind.PHONE_NUMBER, PHONE),
    (SERIAL, Kind.SERIAL_NUMBER, SERIAL),
    (SERIAL.lower(), Kind.SERIAL_NUMBER, SERIAL),
    (DEVICE_ID, Kind.DEVICE_ID, DEVICE_ID),
]
DIGESTS = [
    pytest.param(encoded, kind, value, algo, id=f"{data}-{label}")
    for data, kind, value in HASHED_INPUTS
    for label, encoded, algo in encodings(data)
]


@pytest.mark.parametrize(("sent", "kind", "value", "algo"), DIGESTS)
def test_digests(sent: str, kind: Kind, value: str, algo: Hash) -> None:
    assert found(sent) == [(kind, value, algo)]


def test_email_is_hashed_lower_case_only() -> None:
    # DESIGN.md: emails are trimmed and lower-cased before hashing; the raw-case digest is not ours.
    assert found(hashlib.md5(b"Alice@Example.COM").hexdigest()) == []
    assert found(hashlib.sha256(b" alice@example.com").hexdigest()) == []


# -- inside longer values ---------------------------------------------------------------------------

MD5_B64 = base64.b64encode(hashlib.md5(IMEI.encode()).digest()).decode()
SHA256_HEX = hashlib.sha256(EMAIL.encode()).hexdigest()
SHA1_URL = base64.urlsafe_b64encode(hashlib.sha1(MAC.encode()).digest()).decode().rstrip("=")
GAID_MD5 = hashlib.md5(GAID.encode()).hexdigest()

EMBEDDED: list[tuple[str, list[Expected]]] = [
    ("user=alice@example.com; x", [(Kind.EMAIL, EMAIL, None)]),
    ("mailto:Alice@Example.com?subject=hi", [(Kind.EMAIL, EMAIL, None)]),
    ("From: Alice <alice@example.com>.", [(Kind.EMAIL, EMAIL, None)]),
    ("contact alice@example.com.", [(Kind.EMAIL, EMAIL, None)]),
    (f"https://t.example.net/v1/{IMEI}/ping?x=1", [(Kind.IMEI, IMEI, None)]),
    (f'{{"imei":"{IMEI}","t":1714567890}}', [(Kind.IMEI, IMEI, None)]),
    (f"did_{IMEI}", [(Kind.IMEI, IMEI, None)]),
    ("mac:a4:50:46:12:34:56", [(Kind.MAC_ADDRESS, MAC, None)]),
    ("wifi=A4-50-46-12-34-56&ch=6", [(Kind.MAC_ADDRESS, MAC, None)]),
    ("id-A4-50-46-12-34-56", [(Kind.MAC_ADDRESS, MAC, None)]),
    ("m=a45046123456|", [(Kind.MAC_ADDRESS, MAC, None)]),
    (f"gaid-{GAID}", [(Kind.ADVERTISING_ID, GAID, None)]),
    (f"ifa:{GAID.upper()};lat=0", [(Kind.ADVERTISING_ID, GAID, None)]),
    ("call +86 138 1234 5678 now", [(Kind.PHONE_NUMBER, PHONE, None)]),
    ("tel:+8613812345678", [(Kind.PHONE_NUMBER, PHONE, None)]),
    ("mobile=13812345678&v=2", [(Kind.PHONE_NUMBER, PHONE, None)]),
    (f"sn={SERIAL};", [(Kind.SERIAL_NUMBER, SERIAL, None)]),
    (f"Build/{SERIAL.lower()} (Linux)", [(Kind.SERIAL_NUMBER, SERIAL, None)]),
    (f"uid={DEVICE_ID}&x=1", [(Kind.DEVICE_ID, DEVICE_ID, None)]),
    (f"Bearer {SHA256_HEX} trailing", [(Kind.EMAIL, EMAIL, Hash.SHA256)]),
    (f"h={SHA256_HEX.upper()}", [(Kind.EMAIL, EMAIL, Hash.SHA256)]),
    (f"x {MD5_B64} y", [(Kind.IMEI, IMEI, Hash.MD5)]),
    (f"k={MD5_B64}&n=1", [(Kind.IMEI, IMEI, Hash.MD5)]),
    # Standard base64 has `/` in it: found even inside a URL path.
    (f"/v1/{MD5_B64}/x", [(Kind.IMEI, IMEI, Hash.MD5)]),
    (f"/v1/{MD5_B64.rstrip('=')}/x", [(Kind.IMEI, IMEI, Hash.MD5)]),
    (f"/v1/{MD5_B64.rstrip('=')}", [(Kind.IMEI, IMEI, Hash.MD5)]),
    (f"tok_{SHA1_URL}.sig", [(Kind.MAC_ADDRESS, MAC, Hash.SHA1)]),
    (f"md5:{GAID_MD5}", [(Kind.ADVERTISING_ID, GAID, Hash.MD5)]),
    # Several values in one field, each reported once.
    (f"{IMEI}|{EMAIL}", [(Kind.IMEI, IMEI, None), (Kind.EMAIL, EMAIL, None)]),
    (f"{IMEI},{IMEI} {IMEI}", [(Kind.IMEI, IMEI, None)]),
    (f"a={GAID_MD5}&b={GAID_MD5.upper()}", [(Kind.ADVERTISING_ID, GAID, Hash.MD5)]),
]


@pytest.mark.parametrize(("sent", "expected"), EMBEDDED, ids=[e[0][:40] for e in EMBEDDED])
def test_embedded(sent: str, expected: list[Expected]) -> None:
    assert sorted(found(sent)) == sorted(expected)


def test_embedded_in_non_ascii_text() -> None:
    assert found(f"设备{IMEI}，邮箱{EMAIL}") == [(Kind.IMEI, IMEI, None), (Kind.EMAIL, EMAIL, None)]


def test_non_ascii_declared_value() -> None:
    known = KnownValues.from_mapping({"device_id": ["设备标识号码"]})  # 6 characters, 18 bytes
    assert found("设备标识号码", known=known) == [(Kind.DEVICE_ID, "设备标识号码", None)]
    assert found("id=设备标识号码&x=1", known=known) == [(Kind.DEVICE_ID, "设备标识号码", None)]
    digest = hashlib.sha1("设备标识号码".encode()).hexdigest()
    assert found(digest, known=known) == [(Kind.DEVICE_ID, "设备标识号码", Hash.SHA1)]


def test_lone_surrogates_do_not_break_matching() -> None:
    assert found(f"\udcff{IMEI} \ud800") == [(Kind.IMEI, IMEI, None)]


def test_standard_base64_in_path_precondition() -> None:
    assert "/" in MD5_B64  # the path rows above only test something if the digest has a slash


def test_same_value_declared_as_two_kinds_is_both() -> None:
    known = KnownValues.from_mapping({"serial_number": ["ZX1G22ABCD"], "device_id": ["zx1g22abcd"]})
    assert set(found("ZX1G22ABCD", known=known)) == {
        (Kind.SERIAL_NUMBER, "ZX1G22ABCD", None),
        (Kind.DEVICE_ID, "zx1g22abcd", None),
    }


# -- near misses ------------------------------------------------------------------------------------

NEAR_MISSES = [
    "861234567890128",  # IMEI, one digit off
    "86123456789012",  # IMEI, one digit short
    "8612345678901271",  # IMEI with one more digit: a different number
    f"x{IMEI}",  # glued to other letters: not a token
    f"{IMEI}0",
    hashlib.md5(b"861234567890128").hexdigest(),  # digest of a different value
    hashlib.sha1(IMEI.encode()).hexdigest()[:-1],  # truncated digest
    hashlib.sha256(IMEI.encode()).hexdigest() + "0",
    MD5_B64[:-4],
    "alice@example.org",  # same local part, other domain
    "alice@example.com.cn",
    "xalice@example.com",
    "bob.alice@example.com",
    "alice+news@example.com",
    "a4:50:46:12:34:57",  # MAC, one byte off
    "b4:50:46:12:34:56",
    "+8613812345679",  # phone, one digit off
    "+8513812345678",  # other country code
    "1381234567",
    "138123456789",
    ANDROID_ID[:-1],
    ANDROID_ID + "0",
    GAID[:-1] + "e",
    SERIAL + "F",
    "R58M12ABCD",
    DEVICE_ID + "x",
    "lat=22.5431",  # a coordinate alone is not a string match
    "",
    "   ",
    "hello world, nothing to see here",
]


@pytest.mark.parametrize("sent", NEAR_MISSES)
def test_near_misses(sent: str) -> None:
    assert found(sent) == []


# -- coordinates ------------------------------------------------------------------------------------

HOME_LAT, HOME_LON = 22.5431, 114.0579
M300 = 0.0027  # about 300 m of latitude
KM3 = 0.027  # about 3 km


@pytest.mark.parametrize(
    ("key", "lat", "lon_key", "lon"),
    [
        ("lat", f"{HOME_LAT + M300:.4f}", "lng", f"{HOME_LON}"),
        ("latitude", f"{HOME_LAT}", "longitude", f"{HOME_LON + M300:.4f}"),
        ("la", f"{HOME_LAT - M300:.6f}", "lo", f"{HOME_LON:.6f}"),
        ("gpsLat", "22.54", "gpsLng", "114.06"),  # rounded by the sender, still within 1 km
        ("lat", f"{HOME_LAT}", "lon", f"{HOME_LON}"),
    ],
)
def test_coordinates_pair_of_fields(key: str, lat: str, lon_key: str, lon: str) -> None:
    findings = detect_known(fld(key, lat, siblings={lon_key: lon, "acc": "12"}), KNOWN)
    assert [(f.kind, f.value, f.confidence, f.source) for f in findings] == [
        (Kind.COORDINATES, HOME, 0.95, Source.KNOWN)
    ]


@pytest.mark.parametrize(
    "sent",
    [
        HOME,
        f"{HOME_LAT + M300:.4f},{HOME_LON}",
        f"{HOME_LAT}, {HOME_LON - M300:.4f}",
        f"{HOME_LAT};{HOME_LON}",
        f"({HOME_LAT}|{HOME_LON})",
        f"{HOME_LON},{HOME_LAT + M300:.4f}",  # lon,lat order (Amap, GeoJSON)
    ],
)
def test_coordinates_one_string(sent: str) -> None:
    assert found(sent, key="loc") == [(Kind.COORDINATES, HOME, None)]
    assert found(sent, key="lat", siblings={"acc": "10"}) == [(Kind.COORDINATES, HOME, None)]


@pytest.mark.parametrize(
    ("field_key", "value", "siblings"),
    [
        ("lat", f"{HOME_LAT + KM3:.4f}", {"lng": f"{HOME_LON}"}),  # 3 km away
        ("lat", f"{HOME_LAT}", {"lng": f"{HOME_LON + KM3:.4f}"}),
        ("lat", f"{HOME_LAT}", {"speed": f"{HOME_LON}"}),  # no longitude beside it
        ("lat", f"{HOME_LAT}", None),
        ("lng", f"{HOME_LON}", {"lat": f"{HOME_LAT}"}),  # reported once, from the latitude
        ("lat", "abc", {"lng": f"{HOME_LON}"}),
        ("loc", f"{HOME_LAT + KM3:.4f},{HOME_LON}", None),
        ("loc", f"{HOME_LAT},{HOME_LON},{HOME_LAT}", None),
        ("loc", f"{HOME_LAT}", None),
        ("loc", f"{HOME_LAT:.4f},{HOME_LON + 180:.4f}", None),  # out of range
        ("size", "22,114", None),  # whole numbers are not a position
    ],
)
def test_coordinates_far_or_incomplete(field_key: str, value: str, siblings: dict[str, str] | None) -> None:
    assert found(value, key=field_key, siblings=siblings) == []


# -- loading ----------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str | bytes, name: str = "known.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_from_toml_design_example(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
imei = ["861234567890127"]
android_id = ["9f3b2c1d4e5f6a7b"]
advertising_id = ["38400000-8cf0-11bd-b23e-10b96e40000d"]
mac_address = ["a4:50:46:12:34:56"]
email = ["alice@example.com"]
phone_number = ["+8613812345678"]
serial_number = ["R58M12ABCDE"]
coordinates = ["22.5431,114.0579"]   # matched within 1 km
imsi = ["460001234567890"]
iccid = ["89860012345678901234"]
meid = ["A10000009296F2"]
device_id = ["dev_7Hk2.Lm9Q", "dev_7Hk2.Lm9Q"]
""",
    )
    known = KnownValues.from_toml(path)
    assert known
    assert len(known.values) == 12
    assert known.values[Kind.DEVICE_ID] == (DEVICE_ID,)  # duplicates collapse
    assert found(IMEI, known=known) == [(Kind.IMEI, IMEI, None)]
    assert KnownValues.from_toml(str(path)).values == known.values


@pytest.mark.parametrize("text", ["", "# nothing declared yet\n", "imei = []\nemail = []\n"])
def test_empty_is_falsy(tmp_path: Path, text: str) -> None:
    known = KnownValues.from_toml(write(tmp_path, text))
    assert not known
    assert detect_known(fld("imei", IMEI), known) == []
    assert not KnownValues.from_mapping({}) and not KnownValues()


TOML_ERRORS: list[tuple[str | bytes, str]] = [
    ("imei = [", "not valid TOML"),
    ('imei = ["861234567890127"\n', "not valid TOML"),
    (b'imei = ["\xff\xfe"]', "not UTF-8"),
    ('imeii = ["861234567890127"]', "unknown key 'imeii' (supported: advertising_id, android_id,"),
    ('[device]\nimei = ["861234567890127"]', "unknown key 'device'"),
    ('imei = "861234567890127"', 'imei must be a list of strings, like imei = ["..."]'),
    ("imei = 861234567890127", "imei must be a list of strings"),
    ("imei = {a = 1}", "imei must be a list of strings"),
    ("imei = [861234567890127]", "imei: item 1 is a number, not a string (put it in quotes)"),
    ('email = ["a@example.com", true]', "email: item 2 is a boolean"),
    ('imei = ["12345678901234"]', "imei: '12345678901234' is not an IMEI (15 digits)"),
    ('imei = ["86123456789012x"]', "is not an IMEI (15 digits)"),
    ('imei = ["000000000000000"]', "imei: '000000000000000' is a placeholder"),
    ('imsi = ["46000"]', "is not an IMSI"),
    ('iccid = ["8986001234"]', "is not an ICCID"),
    ('meid = ["A10000009296G2"]', "is not a MEID"),
    ('android_id = ["9f3b2c1d4e5f6a7b0"]', "is not an Android ID"),
    ('advertising_id = ["not an id"]', "is not an advertising ID"),
    ('advertising_id = ["00000000-0000-0000-0000-000000000000"]', "is a placeholder"),
    ('mac_address = ["a4:50:46:12:34"]', "mac_address: 'a4:50:46:12:34' is not a MAC address"),
    ('mac_address = ["not-a-mac"]', "is not a MAC address"),
    ('mac_address = ["02:00:00:00:00:00"]', "is a placeholder MAC address"),
    ('email = ["alice.example.com"]', "is not an email address"),
    ('email = ["alice@localhost"]', "is not an email address"),
    ('phone_number = ["13812345678"]', "is not in E.164 form: start with + and the country code"),
    ('phone_number = ["+86 phone"]', "is not a phone number"),
    ('phone_number = ["+861"]', "is not a"),
    ('coordinates = ["91.0,10.0"]', 'is not "lat,lon" in decimal degrees'),
    ('coordinates = ["22.5431,181.0"]', 'is not "lat,lon"'),
    ('coordinates = ["22.5431"]', 'is not "lat,lon"'),
    ('coordinates = ["here"]', 'is not "lat,lon"'),
    ('coordinates = ["0.0,0.0"]', "is 0,0"),
    (
        'serial_number = ["AB12"]',
        "serial_number: 'AB12' is too short to match reliably (at least 6 characters)",
    ),
    ('device_id = ["abc"]', "is too short"),
    ('device_id = ["unknown"]', "is a placeholder"),
    ('serial_number = ["   "]', "is a placeholder"),
    (f'device_id = ["{"x" * 30}\\n{"y" * 60}"]', "device_id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\nyyy"),
    ('serial_number = ["R58M12\\tABCDE"]', "contains a line break or control character"),
]


@pytest.mark.parametrize(("text", "message"), TOML_ERRORS, ids=[str(t[0])[:40] for t in TOML_ERRORS])
def test_toml_errors_are_one_clear_line(tmp_path: Path, text: str | bytes, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(KnownValuesError) as info:
        KnownValues.from_toml(path)
    text_of_error = str(info.value)
    assert text_of_error.startswith(f"{path}: ")
    assert message in text_of_error
    assert "\n" not in text_of_error and "Traceback" not in text_of_error and len(text_of_error) < 300
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(
        KnownValuesError, match=r"^cannot read known values file .*missing\.toml: No such file"
    ):
        KnownValues.from_toml(tmp_path / "missing.toml")
    with pytest.raises(KnownValuesError, match=r"^cannot read known values file"):
        KnownValues.from_toml(tmp_path)


def test_from_mapping_errors() -> None:
    with pytest.raises(KnownValuesError, match="imei must be a list of strings"):
        KnownValues.from_mapping({"imei": IMEI})
    with pytest.raises(KnownValuesError, match="unknown key 'cell_tower'"):
        KnownValues.from_mapping({"cell_tower": ["460-00-1234-5678"]})
    with pytest.raises(KnownValuesError, match="must be a table"):
        KnownValues.from_mapping([("imei", [IMEI])])  # type: ignore[arg-type]


def test_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        KNOWN.coordinates = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        KNOWN.index["x"] = ()  # type: ignore[index]


# -- speed sanity: many declared values, many fields (timing is in docs, not asserted here) ----------


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def many_declared(rng: random.Random, n: int = 200) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    hexd = "0123456789abcdef"
    for i in range(n):
        kind = (
            "imei",
            "email",
            "mac_address",
            "advertising_id",
            "serial_number",
            "android_id",
            "phone_number",
        )[i % 7]
        if kind == "imei":
            body = "86" + "".join(rng.choice("0123456789") for _ in range(12))
            value = body + luhn_digit(body)
        elif kind == "email":
            value = f"user{i}.{rng.randrange(10**6)}@example{i % 5}.com"
        elif kind == "mac_address":
            value = ":".join(f"{rng.randrange(256) & 0xFE:02x}" for _ in range(6))
        elif kind == "advertising_id":
            h = "".join(rng.choice(hexd) for _ in range(32))
            value = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        elif kind == "serial_number":
            value = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(11))
        elif kind == "android_id":
            value = "".join(rng.choice(hexd) for _ in range(16))
        else:
            value = f"+86138{rng.randrange(10**8):08d}"
        data.setdefault(kind, []).append(value)
    data["coordinates"] = ["22.5431,114.0579", "31.2304,121.4737"]
    return data


def many_fields(rng: random.Random, declared: dict[str, list[str]], n: int = 10_000) -> list[tuple[str, str]]:
    imeis, emails, macs = declared["imei"], declared["email"], declared["mac_address"]
    shapes: list[Callable[[], tuple[str, str]]] = [
        lambda: ("t", str(1714567890123 + rng.randrange(10**6))),
        lambda: ("os", "Android 14"),
        lambda: ("ua", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 Chrome/124.0 Mobile"),
        lambda: (
            "url",
            f"https://www.example.org/path/{rng.randrange(10**9)}?q=shoes&page={rng.randrange(9)}",
        ),
        lambda: ("rid", f"{rng.getrandbits(128):032x}"),
        lambda: ("imei", rng.choice(imeis)),
        lambda: ("h", hashlib.md5(rng.choice(emails).encode()).hexdigest()),
        lambda: ("lat", "22.5440"),
        lambda: ("mac", rng.choice(macs).upper().replace(":", "-")),
        lambda: ("body", "&".join(f"k{j}={rng.randrange(10**9)}" for j in range(40))),
    ]
    return [shapes[i % len(shapes)]() for i in range(n)]


def test_speed_sanity() -> None:
    rng = random.Random(7)
    declared = many_declared(rng)
    known = KnownValues.from_mapping(declared)
    assert sum(len(v) for v in known.values.values()) == 202
    hits = 0
    for key, value in many_fields(rng, declared):
        hits += len(detect_known(fld(key, value, siblings={"lng": "114.0579"}), known))
    assert hits >= 4_000  # every IMEI, MAC, email digest and latitude row is found


def test_only_the_needed_token_passes_run() -> None:
    only_imei = KnownValues.from_mapping({"imei": [IMEI]})
    # Digits and hex digests are ALNUM tokens; base64 digests may hold `+/` or `-_`.
    assert {p.name for p, _ in only_imei.passes} <= {"alnum", "base64", "urlsafe"}
    assert {p.name for p, _ in KNOWN.passes} >= {"alnum", "base64", "urlsafe", "colon", "email", "phone"}


def test_a_declared_place_in_neighbouring_protobuf_fields() -> None:
    from phonehome.classifiers.model import Field, Where

    sib = {"1": "22.54312", "2": "114.05791"}
    found = detect_known(Field(Where.BODY, "1.1", "1", "22.54312", ("protobuf",), "h", sib), KNOWN)
    assert [f.kind for f in found] == [Kind.COORDINATES]
