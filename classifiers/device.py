"""Device details: model, OS version and mobile carrier."""

from __future__ import annotations

import re

from classifiers.keys import is_placeholder, norm
from classifiers.model import Field, Finding, Kind, Source, Where, finding

MODEL_KEYS = frozenset(
    {"model", "devicemodel", "phonemodel", "devicename", "dm", "hwmodel", "mobilemodel", "productmodel",
     "devmodel", "handsetmodel", "buildmodel", "mi", "dmodel"}
)  # fmt: skip
OS_KEYS = frozenset(
    {"osversion", "osv", "osver", "androidversion", "systemversion", "platformversion", "osvers",
     "androidrelease", "romversion", "miuiversion", "sysversion", "buildversion", "release"}
)  # fmt: skip
CARRIER_KEYS = frozenset(
    {"carrier", "carriername", "operator", "operatorname", "networkoperator", "networkoperatorname",
     "simoperator", "simoperatorname", "telecom", "isp", "mobileoperator", "telco"}
)  # fmt: skip

# "Dalvik/2.1.0 (Linux; U; Android 13; Redmi Note 12 Build/TKQ1.221114.001)" and browser UAs alike.
_ANDROID_UA = re.compile(
    r"Android ([0-9][0-9.]*);(?: [a-z]{2}[-_][A-Za-z]{2};)? ([^;)]+?)(?: Build/[^;)]*)?[;)]"
)


_BOOLEAN_OPERATORS = frozenset({"and", "or", "not"})


def _plain(value: str) -> bool:
    return 1 < len(value) <= 64 and not is_placeholder(value) and not value.startswith(("{", "["))


def detect_device_model(field: Field) -> list[Finding]:
    if field.where == Where.HEADER and field.key == "user-agent":
        match = _ANDROID_UA.search(field.value)
        if match and match.group(2).strip() not in ("K", "wv", "U", "Mobile", "Tablet", "TV"):
            return [
                finding(
                    field, Kind.DEVICE_MODEL, match.group(2).strip(), 0.85, Source.PATTERN, "device_model"
                )
            ]
        return []
    value = field.value.strip()
    if norm(field.key) in MODEL_KEYS and _plain(value) and any(ch.isalpha() for ch in value):
        return [finding(field, Kind.DEVICE_MODEL, value, 0.8, Source.KEY, "device_model")]
    return []


def detect_os_version(field: Field) -> list[Finding]:
    if field.where == Where.HEADER and field.key == "user-agent":
        match = _ANDROID_UA.search(field.value)
        if match:
            return [
                finding(
                    field, Kind.OS_VERSION, f"Android {match.group(1)}", 0.85, Source.PATTERN, "os_version"
                )
            ]
        return []
    value = field.value.strip()
    if (
        norm(field.key) in OS_KEYS
        and (value.isdigit() or _plain(value))
        and any(ch.isdigit() for ch in value)
    ):
        return [finding(field, Kind.OS_VERSION, value, 0.8, Source.KEY, "os_version")]
    return []


def detect_carrier(field: Field) -> list[Finding]:
    value = field.value.strip()
    if value.lower() in _BOOLEAN_OPERATORS:
        return []
    if norm(field.key) in CARRIER_KEYS and _plain(value) and any(ch.isalpha() for ch in value):
        return [finding(field, Kind.CARRIER, value, 0.8, Source.KEY, "carrier")]
    return []
