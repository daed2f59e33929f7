"""Device and advertising identifiers: IMEI, MEID, Android ID, advertising IDs, MAC addresses, SDK device IDs.

A pattern proposes, a check confirms (Luhn, UUID shape, not a placeholder), and the key the value was
sent under raises or provides the confidence.  Random UUIDs are everywhere (request and trace IDs),
so an advertising ID is only reported under a key that says so.
"""

from __future__ import annotations

import re

from phonehome.classifiers.detect.keys import (
    digest_by_length,
    has_space,
    is_digest,
    is_placeholder,
    match_key,
    norm,
    parent_key,
)
from phonehome.classifiers.detect.tracking import tracker_cookie
from phonehome.classifiers.model import Field, Finding, Hash, Kind, Source, Where, finding

# Keys that name what they hold, whoever receives them.  Terse keys whose meaning depends on the
# receiver (`muid` is Tencent GDT's MD5 of the IMEI but Microsoft's random cookie ID; `aid` an Android
# ID in one SDK, an app ID in another; Adjust's `adid` is its own device ID) are not here: they mean
# something only at the endpoints whose adapters document them (`adapters/`, `keys=`).
IMEI_KEYS = frozenset(
    {
        "imei",
        "imei1",
        "imei2",
        "deviceimei",
        "imeinum",
        "imeino",
        "udidimei",
        "simimei",
        "imeis",
    }
)
MEID_KEYS = frozenset({"meid", "meid1", "devicemeid"})
ANDROID_ID_KEYS = frozenset({"androidid", "andid", "androidsid", "ssaid"})
AD_ID_KEYS = frozenset(
    {
        "gaid", "adid", "gpsadid", "advertisingid", "advertiserid", "googleadid", "idfa", "rdid",
        "advertisingidentifier", "adsid", "googleadvertisingid", "gadid", "adtrackingid", "oaid",
        "deviceadid", "mobileadid", "maid", "ifa", "advertisingtrackingid", "advid", "adsidentifier",
    }
)  # fmt: skip
# Keys that hold an advertising ID only when it has its shape (a UUID): Adjust's `adid` is 32 hex
# digits of its own.
AMBIGUOUS_AD_KEYS = frozenset({"adid", "ifa", "maid", "rdid", "adsid", "advid"})
# Key endings that name an advertising ID in SDK-prefixed keys (`huq_aid`, `user_gaid`).
AD_ID_SUFFIXES = ("gaid", "adid", "advid", "advertisingid", "idfa", "oaid")
OAID_KEYS = frozenset({"oaid", "msaoaid", "hmsoaid"})
MAC_KEYS = frozenset(
    {
        "mac",
        "mac1",
        "macaddress",
        "wifimac",
        "macaddr",
        "devicemac",
        "localmac",
        "wlanmac",
        "ethmac",
        "hwaddr",
    }
)
DEVICE_ID_KEYS = frozenset(
    {
        "deviceid", "did", "udid", "uuid", "installid", "installationid", "instanceid", "appinstanceid",
        "distinctid", "anonid", "anonymousid", "cuid", "utdid", "umid", "tdid", "xiaomiid",
        "miuiid", "instanceidentifier", "deviceuuid", "androiduuid", "vaid", "aaid", "firebaseinstanceid",
        "fid", "appsflyerid", "afid", "uid", "guid", "deviceidentifier", "hwid", "deviceguid",
        "randomizeddevicetoken", "devicetoken", "idfv", "idfi", "taid", "extuk", "oneid", "openudid",
    }
)  # fmt: skip
# SDK-specific IDs whose values are that SDK's own, whatever they look like.
SPECIFIC_DEVICE_KEYS = frozenset(
    {"utdid", "cuid", "umid", "tdid", "extuk", "taid", "idfi", "oneid", "openudid", "anonid",
     "appsflyerid", "afid", "firebaseinstanceid", "fid", "appinstanceid", "randomizeddevicetoken"}
)  # fmt: skip
_GENERIC_DEVICE_KEYS = frozenset(
    {"deviceid", "did", "id", "udid", "uuid", "hwid", "deviceidentifier", "deviceuuid"}
)
# Key endings that name a device or install ID in prefixed keys (`mibrowser_did`, `x-device-id`).
DEVICE_ID_SUFFIXES = (
    "deviceid",
    "did",
    "installationid",
    "instanceid",
    "devicetoken",
    "deviceuuid",
    "hardwareid",
)
# A URL path segment after one of these is the ID of the device or install (`/installations/<fid>`).
DEVICE_PATH_KEYS = frozenset({"installations", "players", "devices", "device", "installs"})

_IMEI_RE = re.compile(r"^\d{15}$")
_MEID_RE = re.compile(r"^[0-9A-Fa-f]{14}$")
_HEX16_RE = re.compile(r"^[0-9a-fA-F]{16}$")
_HEX32_RE = re.compile(r"^[0-9a-fA-F]{32}$")
# Model numbers that share the serial shape: Xiaomi's `M2101K6G`, `2201116SG`, `23021RAAEG`.
_MODEL_NUMBER = re.compile(r"^(?:M\d{4}[A-Z0-9]{2,4}|\d{4,8}[A-Z]{1,4}\d?[A-Z]{0,2})$")
_SERIAL_SHAPE = re.compile(r"^(?=[A-Z0-9]*[G-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{8,20}$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_FCM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{11,}:APA91b[A-Za-z0-9_-]{100,}$")
_RANDOM_FRACTION = re.compile(r"^0\.\d{6,}$")
# Random or time-based UUIDs (versions 4 and 1), not name-based ones (3 and 5, derived from a page or content).
_UUID4_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[14][0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")
_MAC_BARE_RE = re.compile(r"^[0-9A-Fa-f]{12}$")
_AP_MAC_KEYS = frozenset({"apmac", "routermac", "wifimacap", "gatewaymac"})
_PLACEHOLDER_MACS = frozenset({"02:00:00:00:00:00", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"})


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Digests of the empty string: what SDKs send under `imei_md5` when the OS hides the IMEI.
_EMPTY_DIGESTS = frozenset(
    {
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    }
)


def _opaque_digest(field: Field, value: str, algo: Hash, detector: str) -> Finding:
    evidence = f"a {algo.value} digest sent under `{field.key}`: which value was hashed is not shown"
    return finding(field, Kind.DEVICE_ID, value, 0.75, Source.KEY, detector, algo, evidence)


def _digest_finding(field: Field, kind: Kind, detector: str) -> list[Finding]:
    """A digest under a key for `kind`: `imei_md5=…`, or a bare hex digest under `imei` itself.

    Which value was hashed cannot be checked from the digest: since Android 10 apps cannot read the
    IMEI, and SDKs fill `imei_md5` with a digest of something else (or of nothing).  So the key alone
    makes it an opaque device identifier; the strong claim ("the MD5 of your IMEI") needs an adapter
    that documents the field, or a declared value that the digest matches (`--known`).
    """
    ok, algo = match_key(field.key, _KEYS_BY_KIND[kind])
    if not ok:
        return []
    value = field.value.strip()
    if algo is None:
        algo = digest_by_length(value)
    if algo is not None and is_digest(value, algo) and not is_placeholder(value):
        if value.lower() in _EMPTY_DIGESTS:
            return []
        return [_opaque_digest(field, value, algo, detector)]
    return []


def detect_imei(field: Field) -> list[Finding]:
    value = field.value.strip()
    if _IMEI_RE.match(value):
        if is_placeholder(value) or not luhn_ok(value):
            return []
        keyed, _ = match_key(field.key, IMEI_KEYS)
        # A valid TAC never starts with 0; a Luhn-valid 15-digit number elsewhere is weaker evidence.
        if keyed:
            return [finding(field, Kind.IMEI, value, 0.97, Source.KEY, "imei")]
        if value[:2] in _TAC_PREFIXES:
            return [finding(field, Kind.IMEI, value, 0.8, Source.PATTERN, "imei")]
        return []
    return _digest_finding(field, Kind.IMEI, "imei")


# Reporting-body prefixes of real type allocation codes (GSMA): 01, 35, 86 and 99 cover nearly all phones.
_TAC_PREFIXES = frozenset(
    {"01", "35", "86", "99", "30", "33", "44", "45", "49", "50", "51", "52", "53", "54"}
)


def detect_meid(field: Field) -> list[Finding]:
    value = field.value.strip()
    keyed, algo = match_key(field.key, MEID_KEYS)
    if keyed and algo is None and _MEID_RE.match(value) and not is_placeholder(value):
        return [finding(field, Kind.MEID, value.upper(), 0.9, Source.KEY, "meid")]
    return _digest_finding(field, Kind.MEID, "meid")


def detect_android_id(field: Field) -> list[Finding]:
    value = field.value.strip()
    keyed, algo = match_key(field.key, ANDROID_ID_KEYS)
    if keyed and algo is None and _HEX16_RE.match(value) and not is_placeholder(value):
        return [finding(field, Kind.ANDROID_ID, value.lower(), 0.93, Source.KEY, "android_id")]
    return _digest_finding(field, Kind.ANDROID_ID, "android_id")


def _ad_keyed(field: Field) -> bool:
    keyed, _ = match_key(field.key, AD_ID_KEYS | OAID_KEYS)
    return keyed or norm(field.key).endswith(AD_ID_SUFFIXES) or "advertising" in parent_key(field.path)


def detect_advertising_id(field: Field) -> list[Finding]:
    value = field.value.strip()
    if not _ad_keyed(field):
        # `aid` means an advertising ID in some SDKs and an Android ID in others: the shape decides.
        # Not a name-based UUID: `pstaid`, Yahoo's page-stream ID (a version 3 UUID), ends in `aid` too.
        if _UUID4_RE.match(value) and norm(field.key).endswith("aid") and not is_placeholder(value):
            return [finding(field, Kind.ADVERTISING_ID, value.lower(), 0.85, Source.KEY, "advertising_id")]
        return _digest_finding(field, Kind.ADVERTISING_ID, "advertising_id")
    if _UUID_RE.match(value):
        if is_placeholder(value):
            return []
        return [finding(field, Kind.ADVERTISING_ID, value.lower(), 0.95, Source.KEY, "advertising_id")]
    if (
        _HEX32_RE.match(value)
        and not is_placeholder(value)
        and not norm(field.key).endswith("oaid")
        and norm(field.key) not in AMBIGUOUS_AD_KEYS
    ):
        # A GAID sent without its dashes.
        v = value.lower()
        dashed = f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"
        return [finding(field, Kind.ADVERTISING_ID, dashed, 0.85, Source.KEY, "advertising_id")]
    if norm(field.key) in AMBIGUOUS_AD_KEYS and _HEX32_RE.match(value) and not is_placeholder(value):
        # Adjust's own device ID (`adid`) has this shape: an identifier, not an advertising ID or a digest.
        return [finding(field, Kind.DEVICE_ID, value.lower(), 0.8, Source.KEY, "advertising_id")]
    oaid = match_key(field.key, OAID_KEYS)[0] or norm(field.key).endswith("oaid")
    # OAIDs are vendor-formatted (hex strings of 16 or 64 chars, sometimes UUIDs): report as sent.
    if oaid and len(value) >= 16 and re.fullmatch(r"[0-9A-Za-z-]+", value) and not is_placeholder(value):
        return [finding(field, Kind.ADVERTISING_ID, value, 0.9, Source.KEY, "advertising_id")]
    return _digest_finding(field, Kind.ADVERTISING_ID, "advertising_id")


def normalise_mac(value: str) -> str | None:
    v = value.strip()
    if _MAC_RE.match(v):
        bare = re.sub(r"[:-]", "", v)
    elif _MAC_BARE_RE.match(v):
        bare = v
    else:
        return None
    mac = ":".join(bare[i : i + 2] for i in range(0, 12, 2)).lower()
    return None if mac in _PLACEHOLDER_MACS else mac


# The key word is looked for ahead, not placed: `[A-Za-z_]*(?:wifi|…)[A-Za-z_]*` tried each of its
# places in a key (`wifiwifi…`: quadratic in a path, whose length only the body's bounds).
_WIFI_ITEM = re.compile(
    r"(?:^|\.)((?=[A-Za-z_]*(?:wifi|wlan|accesspoint|bssid|scan|aps))[A-Za-z_]*)\[\d+\]\.[^.\[]+$", re.I
)


def in_wifi_list(field: Field) -> bool:
    """An item of a list of Wi-Fi networks (`wifiAccessPoints[0].macAddress`): an access point's
    address, not the device's.  A plain `wifi: {mac: ...}` object is the device's own interface."""
    return "[" in field.path and _WIFI_ITEM.search(field.path) is not None


def detect_mac_address(field: Field) -> list[Finding]:
    if in_wifi_list(field):
        return []  # reported as wifi_network by the location family
    keyed, _ = match_key(field.key, MAC_KEYS)
    value = field.value.strip()
    if _MAC_RE.match(value):
        mac = normalise_mac(value)
        if mac is None or int(mac[:2], 16) & 1:  # multicast addresses are not a device's
            return []
        if keyed:
            return [finding(field, Kind.MAC_ADDRESS, mac, 0.97, Source.KEY, "mac_address")]
        if "bssid" in field.key or norm(field.key) in _AP_MAC_KEYS:
            return []  # a BSSID is the access point's, reported as wifi_network by the location family
        return [finding(field, Kind.MAC_ADDRESS, mac, 0.85, Source.PATTERN, "mac_address")]
    if keyed and _MAC_BARE_RE.match(value):
        mac = normalise_mac(value)
        if mac is not None and not int(mac[:2], 16) & 1:
            return [finding(field, Kind.MAC_ADDRESS, mac, 0.9, Source.KEY, "mac_address")]
        return []
    return _digest_finding(field, Kind.MAC_ADDRESS, "mac_address")


def _device_keyed(field: Field) -> tuple[bool, Hash | None]:
    keyed, algo = match_key(field.key, DEVICE_ID_KEYS)
    if keyed:
        return keyed, algo
    if field.where == Where.PATH or norm(field.key) == "device":
        # `/installations/<fid>`; `"device": "<id>"` (a bare `device` is as often the model:
        # its value's shape decides below).
        return norm(field.key) in DEVICE_PATH_KEYS, None
    return norm(field.key).endswith(DEVICE_ID_SUFFIXES) or (
        norm(field.key) == "id" and parent_key(field.path) in ("device", "devices", "deviceinfo")
    ), None


def detect_device_id(field: Field) -> list[Finding]:
    """Vendor and SDK device or installation IDs, found by key context; a well-known shape wins.

    Under a device-ID key, a Luhn-valid 15-digit number is the IMEI and 16 hex digits are the
    Android ID: SDKs often use those as their "device ID".  A Firebase Cloud Messaging registration
    token is recognised by its shape under any key: it is the address of one app install.
    """
    value = field.value.strip()
    if ":APA91b" in value and _FCM_TOKEN.match(value):
        return [finding(field, Kind.DEVICE_ID, value, 0.9, Source.PATTERN, "device_id",
                        evidence="a Firebase Cloud Messaging registration token: this app install's push address")]  # fmt: skip
    keyed, algo = _device_keyed(field)
    if keyed and field.where == Where.COOKIE and tracker_cookie(field.path):
        return []  # a tracker's documented cookie (`s_fid`): reported as its tracking ID
    if keyed and (field.siblings or {}).get(f"is_{field.key}_real", "").lower() in ("false", "0"):
        return []  # Branch's `hardware_id` with `is_hardware_id_real: false` is a fresh random UUID
    if not keyed or is_placeholder(value) or len(value) < 8 or len(value) > 128:
        return []
    if has_space(value) or value.startswith(("{", "[")) or _ad_keyed(field):
        return []  # `gps_adid` ends like a device ID but is the advertising ID
    if algo is None and norm(field.key) not in SPECIFIC_DEVICE_KEYS:
        if _IMEI_RE.match(value) and luhn_ok(value):
            return [finding(field, Kind.IMEI, value, 0.9, Source.KEY, "device_id")]
        if _HEX16_RE.match(value):
            return [finding(field, Kind.ANDROID_ID, value.lower(), 0.85, Source.KEY, "device_id")]
        if _SERIAL_SHAPE.match(value) and not _MODEL_NUMBER.match(value):
            # Upper-case letters beyond hex and digits: a hardware serial (`R5CW30ABX9K`).
            return [finding(field, Kind.SERIAL_NUMBER, value, 0.75, Source.KEY, "device_id")]
    if norm(field.key) == "device" and field.where != Where.PATH:
        return []  # only a well-known shape makes a bare `device` value an identifier
    if len(value) < 10 and (
        norm(field.key) in _GENERIC_DEVICE_KEYS or not match_key(field.key, DEVICE_ID_KEYS)[0]
    ):
        return []  # `deviceId=SM-S911B`: generic device IDs are longer than model names
    # Timestamps and small counters sit under `uid` in some payloads: require some letters or length.
    if value.isdigit() and len(value) < 12:
        return []
    if _RANDOM_FRACTION.match(value) or value.startswith("_") and value.endswith("_"):
        return []  # `Math.random()` as a cache-buster, an unfilled macro (`_wfivefivec_`)
    if algo is not None and not is_digest(value, algo):
        return []
    if value.endswith(".apps.googleusercontent.com"):
        return []  # an OAuth client: names the app, not the device
    return [finding(field, Kind.DEVICE_ID, value, 0.8, Source.KEY, "device_id", algo)]


_KEYS_BY_KIND = {
    Kind.IMEI: IMEI_KEYS,
    Kind.MEID: MEID_KEYS,
    Kind.ANDROID_ID: ANDROID_ID_KEYS,
    Kind.ADVERTISING_ID: AD_ID_KEYS,
    Kind.MAC_ADDRESS: MAC_KEYS,
}


IMSI_KEYS = frozenset({"imsi", "imsi1", "imsi2", "subscriberid", "simimsi", "deviceimsi", "mimsi"})
ICCID_KEYS = frozenset({"iccid", "simserial", "simserialnumber", "iccid1", "iccid2", "icc", "simid"})
SERIAL_KEYS = frozenset(
    {
        "sn", "serial", "serialno", "serialnumber", "roserialno", "deviceserial", "buildserial",
        "hwserial", "devsn", "devicesn", "serialnum", "androidserial",
    }
)  # fmt: skip

# Mobile country codes (ITU-T E.212): an IMSI starts with one of these.
MCCS = frozenset(
    int(m)
    for m in (
        "202 204 206 208 212 213 214 216 218 219 220 221 222 226 228 230 231 232 234 235 238 240 242 244 246 "
        "247 248 250 255 257 259 260 262 266 268 270 272 274 276 278 280 282 283 284 286 288 289 290 292 293 "
        "294 295 297 302 308 310 311 312 313 314 315 316 330 334 338 340 342 344 346 348 350 352 354 356 358 "
        "360 362 363 364 365 366 368 370 372 374 376 400 401 402 404 405 406 410 412 413 414 415 416 417 418 "
        "419 420 421 422 424 425 426 427 428 429 430 431 432 434 436 437 438 440 441 450 452 454 455 456 457 "
        "460 461 466 467 470 472 502 505 510 514 515 520 525 528 530 536 537 539 540 541 542 543 544 545 546 "
        "547 548 549 550 551 552 553 554 555 602 603 604 605 606 607 608 609 610 611 612 613 614 615 616 617 "
        "618 619 620 621 622 623 624 625 626 627 628 629 630 631 632 633 634 635 636 637 638 639 640 641 642 "
        "643 645 646 647 648 649 650 651 652 653 654 655 657 658 659 702 704 706 708 710 712 714 716 722 724 "
        "730 732 734 736 738 740 742 744 746 748 750 901"
    ).split()
)
_IMSI_RE = re.compile(r"^\d{14,15}$")
_ICCID_RE = re.compile(r"^89\d{16,18}$")
_SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{4,30}$")


def detect_imsi(field: Field) -> list[Finding]:
    """An IMSI has no check digit: only under an IMSI key, and only with a real country code."""
    keyed, algo = match_key(field.key, IMSI_KEYS)
    value = field.value.strip()
    if keyed and algo is None and _IMSI_RE.match(value) and not is_placeholder(value):
        if int(value[:3]) in MCCS:
            return [finding(field, Kind.IMSI, value, 0.95, Source.KEY, "imsi")]
        return []
    algo = algo or (digest_by_length(value) if keyed else None)
    if keyed and algo is not None and is_digest(value, algo):
        return [_opaque_digest(field, value, algo, "imsi")]
    return []


def detect_iccid(field: Field) -> list[Finding]:
    """SIM card numbers start with 89 (telecom) and end with a Luhn check digit."""
    value = field.value.strip()
    keyed, algo = match_key(field.key, ICCID_KEYS)
    if _ICCID_RE.match(value):
        digits = value.rstrip("Ff")
        if luhn_ok(digits):
            confidence, source = (0.97, Source.KEY) if keyed else (0.85, Source.PATTERN)
            return [finding(field, Kind.ICCID, digits, confidence, source, "iccid")]
        if keyed and len(digits) == 19:
            # Some vendors send the 19 digits without the check digit.
            return [finding(field, Kind.ICCID, digits, 0.8, Source.KEY, "iccid")]
        return []
    algo = algo or (digest_by_length(value) if keyed else None)
    if keyed and algo is not None and is_digest(value, algo):
        return [_opaque_digest(field, value, algo, "iccid")]
    return []


def detect_serial_number(field: Field) -> list[Finding]:
    keyed, algo = match_key(field.key, SERIAL_KEYS)
    if not keyed:
        return []
    value = field.value.strip()
    if algo is not None:
        return [_opaque_digest(field, value, algo, "serial_number")] if is_digest(value, algo) else []
    if not _SERIAL_RE.match(value) or is_placeholder(value) or value.lower() in ("unknown", "serial"):
        return []
    # Serials mix letters and digits, or are long digit strings; short pure numbers are counters.
    if value.isdigit() and len(value) < 8 or value.isalpha():
        return []
    return [finding(field, Kind.SERIAL_NUMBER, value, 0.85, Source.KEY, "serial_number")]
