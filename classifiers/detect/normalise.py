"""Value normalisation per kind (DESIGN.md, "Kinds and how values are normalised").

Used where something other than a pattern says what a value is (endpoint adapters, known values):
the value is cleaned into its kind's canonical form, or rejected as a placeholder.
"""

from __future__ import annotations

import re

import phonenumbers
from phonehome.classifiers.detect.identifiers import normalise_mac
from phonehome.classifiers.detect.keys import is_placeholder
from phonehome.classifiers.model import Kind

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_DASHED_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DIGIT_KINDS = frozenset({Kind.IMEI, Kind.IMSI, Kind.ICCID})


def canonical_uuid(value: str) -> str | None:
    if not _UUID.match(value):
        return None
    bare = value.replace("-", "").lower()
    return f"{bare[:8]}-{bare[8:12]}-{bare[12:16]}-{bare[16:20]}-{bare[20:]}"


def e164(value: str, region: str | None = None) -> str | None:
    digits = re.sub(r"[\s().-]", "", value)
    try:
        number = phonenumbers.parse(digits, None if digits.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: Kind, value: str) -> str | None:
    """The canonical form of `value` as `kind`, or None for placeholders and malformed values."""
    v = value.strip()
    if is_placeholder(v) or v.lower() in ("02:00:00:00:00:00", "00000000-0000-0000-0000-000000000000"):
        return None
    if kind in _DIGIT_KINDS:
        digits = re.sub(r"\D", "", v)
        return digits if len(digits) >= 10 and len(set(digits)) > 1 else None
    if kind == Kind.MEID:
        return v.upper()
    if kind == Kind.ANDROID_ID:
        return v.lower() if re.fullmatch(r"[0-9a-fA-F]{16}", v) else v
    if kind == Kind.ADVERTISING_ID:
        # GAIDs and IDFAs travel as dashed UUIDs; anything else (an OAID) is kept as sent.
        return v.lower() if _DASHED_UUID.match(v) else v
    if kind == Kind.MAC_ADDRESS:
        return normalise_mac(v)
    if kind == Kind.WIFI_NETWORK:
        return normalise_mac(v) or v
    if kind == Kind.EMAIL:
        return v.lower() if "@" in v else None
    if kind == Kind.PHONE_NUMBER:
        return e164(v) or (re.sub(r"\D", "", v) or None)
    if kind == Kind.TRACKING_ID:
        from phonehome.classifiers.detect.tracking import plausible_id

        return v if plausible_id(v) else None
    if kind == Kind.CELL_TOWER:
        return cell_from_operator(v) or (v if v.count("-") == 3 else None)
    return v


def cell_from_operator(value: str) -> str | None:
    """An operator code (MCC then MNC: `26201`, `310260`) as a partial tower, `262-01--`."""
    from phonehome.classifiers.detect.identifiers import MCCS

    v = value.strip()
    if v.isdigit() and len(v) in (5, 6) and int(v[:3]) in MCCS:
        return f"{v[:3]}-{v[3:]}--"
    return None


_HEX16 = re.compile(r"^[0-9a-fA-F]{16}$")


def refine(kind: Kind, value: str) -> Kind:
    """Where an endpoint says "device ID", a well-known shape says which one it really is."""
    if kind in (Kind.DEVICE_ID, Kind.ANDROID_ID):
        from phonehome.classifiers.detect.identifiers import luhn_ok

        if len(value) == 15 and value.isdigit() and luhn_ok(value):
            return Kind.IMEI
        if _HEX16.match(value):
            return Kind.ANDROID_ID
        return Kind.DEVICE_ID
    return kind
