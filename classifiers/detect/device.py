"""Device details: model, OS version and mobile carrier."""

from __future__ import annotations

import re
from functools import lru_cache

from phonehome.classifiers.detect.keys import has_letter, is_placeholder, norm, parent_key
from phonehome.classifiers.model import Field, Finding, Kind, Source, Where, finding

MODEL_KEYS = frozenset(
    {"model", "devicemodel", "phonemodel", "devicename", "dm", "hwmodel", "mobilemodel", "productmodel",
     "devmodel", "handsetmodel", "buildmodel", "mi", "dmodel", "productname", "romodel",
     "huqmodel", "submodel"}
)  # fmt: skip
OS_KEYS = frozenset(
    {"osversion", "osv", "osver", "androidversion", "systemversion", "platformversion", "osvers",
     "androidrelease", "romversion", "miuiversion", "sysversion", "buildversion", "release",
     "romver", "miuiver", "emuiver", "emuiversion", "harmonyver", "harmonyosversion", "os",
     "apilevel", "osapi", "osapilevel", "sdkint", "androidapilevel", "androidsdk", "osvername",
     "systemver", "huqosversion", "osname", "sdk", "sdkver", "deviceos"}
)  # fmt: skip
# Keys that are an OS version only inside an `os`-like object: `{"os": {"version": "14"}}`.
OS_CHILD_KEYS = frozenset({"version", "ver", "v", "release", "name", "apilevel"})
OS_PARENTS = frozenset({"os", "system", "platform", "osinfo", "operatingsystem"})
CARRIER_KEYS = frozenset(
    {"carrier", "carriername", "operator", "operatorname", "networkoperator", "networkoperatorname",
     "simoperator", "simoperatorname", "telecom", "isp", "mobileoperator", "telco", "serviceprovider",
     "huqcarrier", "networkcarrier"}
)  # fmt: skip

# The parenthesised part of an Android User-Agent: "(Linux; U; Android 13; Redmi Note 12 Build/TKQ1)".
# "Android" is looked for ahead, so the text between the parentheses is read once (placed, each of
# its places was tried: a 64 KB `(AndroidAndroid…` took seconds).
_UA_PARENS = re.compile(r"\(((?=[^()]*Android)[^()]*)\)")
_UA_ANDROID = re.compile(r"^Android ([0-9][0-9.]*)$")
# Tokens of that list that are not the model: flags, locales, OS names, Chrome's frozen "K".
_UA_NOT_MODEL = re.compile(
    r"^(?:U|K|wv|Mobile|Tablet|TV|Linux|HarmonyOS|HMSCore.*|rv:.*|[a-z]{2}(?:[-_][A-Za-z]{2})?)$"
)
# An OS version: `14`, `13.0`, `V14.0.4.0.TGCEUXM`, `HarmonyOS 3.0.0`, `Android 12` (no `@`, `+`, `/`).
_OS_VALUE = re.compile(r"^(?:[A-Za-z]+[ _-]?)?[Vv]?\d{1,2}(?:\.\d+){0,4}(?:[._-][A-Za-z0-9]+)*$")
_BOOLEAN_OPERATORS = frozenset({"and", "or", "not"})
_API_KEYS = frozenset(
    {"apilevel", "osapi", "osapilevel", "sdkint", "androidapilevel", "androidsdk", "sdk", "sdkver"}
)


@lru_cache(maxsize=1024)  # a phone sends the same few User-Agents with every request
def parse_user_agent(ua: str) -> tuple[str | None, str | None]:
    """(Android version, model) from an Android User-Agent; Chrome's frozen `Android 10; K` gives neither."""
    match = _UA_PARENS.search(ua)
    if not match:
        return None, None
    tokens = [t.strip() for t in match.group(1).split(";")]
    version = model = None
    for i, token in enumerate(tokens):
        android = _UA_ANDROID.match(token)
        if android:
            version = android.group(1)
            for rest in tokens[i + 1 :]:
                name = rest.split(" Build/")[0].strip()
                if name.upper().startswith("SAMSUNG "):  # Samsung Internet: "SAMSUNG SM-S911B"
                    name = name[8:]
                if name and not _UA_NOT_MODEL.match(name):
                    model = name
                    break
            break
    if model is None and tokens and "K" in tokens:
        return None, None  # a frozen UA: the version is fixed at 10, it says nothing about the phone
    return version, model


def _plain(value: str) -> bool:
    return 1 < len(value) <= 64 and not is_placeholder(value) and not value.startswith(("{", "["))


def _user_agent(field: Field) -> bool:
    return norm(field.key) == "useragent"


def detect_device_model(field: Field) -> list[Finding]:
    if _user_agent(field):
        _, model = parse_user_agent(field.value)
        if model:
            return [finding(field, Kind.DEVICE_MODEL, model, 0.85, Source.PATTERN, "device_model")]
        return []
    value = field.value.strip()
    key = norm(field.key)
    if (
        key in MODEL_KEYS
        and _plain(value)
        and has_letter(value)
        and not _DOMAIN.match(value)
        and "://" not in value
        and not _UUID_LIKE.match(value)
    ):
        if key in _TERSE_MODEL_KEYS and field.where == Where.COOKIE:
            return []  # `dm=nike.com; mi=...` in a cookie: a site's own settings, not a phone
        return [finding(field, Kind.DEVICE_MODEL, value, 0.8, Source.KEY, "device_model")]
    return []


# A host or domain name (`nike.com`, `.example.co.uk`): a cookie's domain, never a phone model.
_DOMAIN = re.compile(r"^\.?(?:[a-z0-9-]+\.)+(?:com|net|org|[a-z]{2}|info|io|app|dev|shop|store)$", re.I)
_UUID_LIKE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)  # an ID, no model
_TERSE_MODEL_KEYS = frozenset({"dm", "mi", "dmodel"})


def detect_os_version(field: Field) -> list[Finding]:
    if _user_agent(field):
        version, _ = parse_user_agent(field.value)
        if version:
            return [finding(field, Kind.OS_VERSION, f"Android {version}", 0.85, Source.PATTERN, "os_version")]
        return []
    value = field.value.strip()
    key = norm(field.key)
    keyed = (
        key in OS_KEYS
        or key.endswith(("osver", "osversion", "osvers"))
        or (key in OS_CHILD_KEYS and parent_key(field.path) in OS_PARENTS)
    )
    if not keyed or not _OS_VALUE.match(value) or is_placeholder(value):
        return []
    # A bare number is an Android version (4-16) or API level (14-40); `os: 1` is an enum.
    if value.isdigit() and not 4 <= int(value) <= 40:
        return []
    if key in _API_KEYS and not value.isdigit():
        return []  # `sdk: "6.2.1"` is the SDK's own version
    return [finding(field, Kind.OS_VERSION, value, 0.8, Source.KEY, "os_version")]


def detect_carrier(field: Field) -> list[Finding]:
    value = field.value.strip()
    if value.lower() in _BOOLEAN_OPERATORS:
        return []
    if norm(field.key) in CARRIER_KEYS and _plain(value) and has_letter(value):
        return [finding(field, Kind.CARRIER, value, 0.8, Source.KEY, "carrier")]
    return []
