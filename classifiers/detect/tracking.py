"""Tracking IDs in cookies: the persistent pseudonymous IDs that analytics and ad tech set.

A cookie such as `_ga` or `_fbp` holds one browser's (or one WebView's) ID for a tracker, kept for
months and sent with every request to the site that set it; it names no hardware, but it links a
person's visits over time, which is what it is for.  Each cookie below is named after the tracker
that documents it (the vendors' own cookie lists), and the ID is cut out of the cookie's wrapping
(`GA1.2.<client id>`, `MCMID|<id>`), so the same ID sent as a query parameter (`cid=`) is the same
datum.  Cookies that hold per-session state, consent or settings are not listed: they are not IDs.

The same IDs in query parameters and bodies are found by the adapters of those trackers'
endpoints (`adapters/analytics.py`), scoped to the receivers where the parameter means that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from phonehome.classifiers.detect.keys import is_placeholder
from phonehome.classifiers.model import Destination, Field, Finding, Kind, Source, Where, finding

Extract = Callable[[str], str | None]


def _group(pattern: str) -> Extract:
    regex = re.compile(pattern)

    def extract(value: str) -> str | None:
        m = regex.search(value)
        return m.group(1) if m else None

    return extract


def _whole(value: str) -> str | None:
    return value


def _first(sep: str) -> Extract:
    def extract(value: str) -> str | None:
        return value.split(sep, 1)[0]

    return extract


_GA = _group(r"^GA\d\.\d+\.(\d+\.\d+)$")  # GA1.2.<random>.<first visit>: the client ID is the last two
_GCL = _group(r"^\d\.\d\.(\d+\.\d+)$")  # 1.1.<random>.<time>
_UTMA = _group(r"^\d+\.(\d+\.\d+)\.")  # <domain hash>.<random>.<first visit>.<previous>.<current>.<n>
_MCMID = _group(r"MCMID\|(\d{20,})")  # Adobe Experience Cloud ID inside AMCV_<org>
_S_VI = _group(r"\[CS\]v1\|([0-9A-Fa-f]+-[0-9A-Fa-f]+)\[CE\]")
_UET = _group(r"^([0-9a-f]{32})")  # <id>, or <id>|<...> in newer tags
_GADS = _group(r"(?:^|:)U?ID=([^:]+)")  # ID=<id>:T=<time>:RT=...:S=...
_HSTC = _group(r"^[^.]+\.([0-9a-f]{32})\.")  # <domain hash>.<visitor>.<times>...
_PK = _group(r"^([0-9a-f]{16})\.")  # Matomo: <visitor id>.<first visit>...
_SP = _group(r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16})\.")  # Snowplow
_CLCK = _first("|")  # Microsoft Clarity: <id>|<version>|...
_BCOOKIE = _group(r"v=\d+&([0-9a-f-]{36})")  # LinkedIn

# Lower-cased cookie name -> (tracker, what the ID is, how to cut it out of the cookie).
COOKIES: dict[str, tuple[str, str, Extract]] = {
    "_ga": ("Google Analytics", "client ID", _GA),
    "_gid": ("Google Analytics", "daily client ID", _GA),
    "__utma": ("Google Analytics (classic)", "visitor ID", _UTMA),
    "_gcl_au": ("Google Ads", "conversion linker ID", _GCL),
    "__gads": ("Google Ad Manager", "browser ID", _GADS),
    "__gpi": ("Google Ad Manager", "publisher ID", _GADS),
    "ide": ("Google DoubleClick", "ad cookie ID", _whole),
    "dsid": ("Google DoubleClick", "signed-in ad ID", _whole),
    "_fbp": ("Facebook (Meta) Pixel", "browser ID", _whole),
    "_fbc": ("Facebook (Meta) Pixel", "ad click ID", _whole),
    "muid": ("Microsoft", "machine user ID", _whole),
    "_uetsid": ("Microsoft Bing Ads (UET)", "session ID", _UET),
    "_uetvid": ("Microsoft Bing Ads (UET)", "visitor ID", _UET),
    "_clck": ("Microsoft Clarity", "user ID", _CLCK),
    "s_vi": ("Adobe Analytics", "visitor ID", _S_VI),
    "s_ecid": ("Adobe Experience Cloud", "ECID", _MCMID),
    "s_fid": ("Adobe Analytics", "fallback visitor ID", _whole),
    "demdex": ("Adobe Audience Manager", "device ID", _whole),
    "ajs_anonymous_id": ("Segment", "anonymous ID", _whole),
    "ajs_user_id": ("Segment", "user ID", _whole),
    "tdid": ("The Trade Desk", "user ID", _whole),
    "__qca": ("Quantcast", "browser ID", _whole),
    "_scor_uid": ("Comscore", "visitor ID", _whole),
    "uuid2": ("Xandr (AppNexus)", "user ID", _whole),
    "cto_bundle": ("Criteo", "user ID bundle", _whole),
    "_hjid": ("Hotjar", "user ID", _whole),
    "_ym_uid": ("Yandex Metrica", "user ID", _whole),
    "_pin_unauth": ("Pinterest", "browser ID", _whole),
    "_ttp": ("TikTok Pixel", "browser ID", _whole),
    "_scid": ("Snap Pixel", "browser ID", _whole),
    "bcookie": ("LinkedIn", "browser ID", _BCOOKIE),
    "li_sugr": ("LinkedIn", "browser ID", _whole),
    "a3": ("Yahoo", "ad ID", _whole),
    "_cc_id": ("Lotame", "user ID", _whole),
    "hubspotutk": ("HubSpot", "visitor ID", _whole),
    "__hstc": ("HubSpot", "visitor ID", _HSTC),
    "optimizelyenduserid": ("Optimizely", "user ID", _whole),
    "pref": ("Google", "browser ID (PREF)", _group(r"(?:^|:)ID=([0-9a-f]{16})")),
    "__zlcmid": ("Zendesk Chat", "visitor ID", _whole),
    "_lp4_u": ("Burt (Lp4)", "user ID", _whole),
    "idrxvr": ("AT Internet (Xiti)", "visitor ID", _whole),
    "npid": ("nPario", "visitor ID", _whole),
    "__glmrid": ("Glimr", "visitor ID", _whole),
    "lystra_guid": ("Lystra", "visitor ID", _whole),
    "wt_fpc": ("Webtrends", "visitor ID", _group(r"id=([0-9a-f-]{16,})")),
    "seuncy": ("Semasio", "user ID", _whole),
    "tcid": ("Commanders Act", "visitor ID", _whole),
    "ora_fpc": ("Oracle Infinity", "visitor ID", _group(r"id=([0-9a-f-]{16,})")),
    "eloqua": ("Oracle Eloqua", "visitor ID", _group(r"GUID=([0-9A-Fa-f]{16,})")),
    "kampyle_userid": ("Medallia (Kampyle)", "user ID", _whole),
    "__couid": ("Kantar Sifo", "browser ID", _whole),
    "imrid": ("Nielsen", "browser ID", _whole),
    "_kuid_": ("Salesforce DMP (Krux)", "user ID", _whole),
    "tuuid": ("BidSwitch", "user ID", _whole),
    "cmid": ("Casale Media (Index Exchange)", "user ID", _whole),
    "kaduserCOOKIE".lower(): ("PubMatic", "user ID", _whole),
    "tapad_did": ("Tapad", "device graph ID", _whole),
    "rmid": ("The New York Times", "reader ID", _whole),
    "nyt-a": ("The New York Times", "browser ID", _whole),
    "nid": ("Google", "browser ID (NID)", _group(r"^\d+=([A-Za-z0-9_-]{20,})")),
    "acookie": ("Webtrends", "visitor ID", _whole),
    "jeb2": ("ADTECH (AOL)", "user ID", _whole),
    "i00": ("INFOnline (IVW)", "user ID", _group(r"^([0-9a-f]{20,})")),
    "rx_uuid": ("RhythmOne", "user ID", _whole),
    "ruid": ("Magnite (Rubicon)", "user ID", _group(r"^([0-9a-f]{20,})")),
    "__ybotu": ("Yieldbot", "visitor ID", _whole),
    "umbel_browser_id": ("Umbel", "browser ID", _whole),
    "utag_main": ("Tealium", "visitor ID (utag v_id)", _group(r"(?:^|\$)v_id:([0-9a-f]{20,})")),
    "tapid": ("Tealium", "visitor ID", _group(r"([0-9a-f]{32})")),
}
# Cookie names that carry the site's or account's key after a fixed start (lower-cased).
PREFIXES: tuple[tuple[str, tuple[str, str, Extract]], ...] = (
    ("amcv_", ("Adobe Experience Cloud", "ECID (MCMID)", _MCMID)),
    ("_pk_id.", ("Matomo", "visitor ID", _PK)),
    ("_sp_id.", ("Snowplow", "user ID", _SP)),
    ("_hjsessionuser_", ("Hotjar", "user ID", _group(r'"id":"([0-9a-f-]{36})"'))),
    ("visid_incap_", ("Imperva Incapsula", "visitor ID", _whole)),
)
# Query parameters and headers whose names are a tracker's, whoever receives them: Google's cookie-
# matching protocol (`google_gid`, `google_hm`), Oracle BlueKai's `bk_uuid`, YouTube's visitor header.
PARAMETERS: dict[str, tuple[str, str]] = {
    "google_gid": ("Google cookie matching", "Google's user ID for the browser"),
    "google_hm": ("Google cookie matching", "the partner's hosted-match user ID"),
    "bk_uuid": ("Oracle BlueKai", "user ID"),
    "ga_vid": ("Google Analytics", "client ID, as Google's ad tags pass it on"),
    "x-goog-visitor-id": ("YouTube", "visitor ID"),
}
# The detector registry dispatches on normalised keys (letters and digits only).
KEYS = frozenset(re.sub(r"[^a-z0-9]", "", name) for name in (*COOKIES, *PARAMETERS))
KEY_PREFIXES = tuple(re.sub(r"[^a-z0-9]", "", p) for p, _ in PREFIXES)

_ID_CHARS = re.compile(r"^[A-Za-z0-9._:|=+/$-]+$")


def tracker_cookie(name: str) -> bool:
    """Whether a cookie of this name is a tracker's documented ID cookie."""
    return _tracker(name.lower()) is not None


@lru_cache(maxsize=4096)
def _tracker(name: str) -> tuple[str, str, Extract] | None:
    found = COOKIES.get(name)
    if found is not None:
        return found
    for prefix, tracker in PREFIXES:
        if name.startswith(prefix):
            return tracker
    return None


def plausible_id(value: str) -> bool:
    """Long enough, varied enough and not a timestamp or a placeholder: a value an ID could be."""
    if len(value) < 8 or len(value) > 400 or is_placeholder(value) or not _ID_CHARS.match(value):
        return False
    if len(set(value)) < 5:
        return False
    return not (value.isdigit() and len(value) <= 13)  # seconds or milliseconds since 1970


def detect_tracking_id(field: Field) -> list[Finding]:
    if field.where != Where.COOKIE:
        named = PARAMETERS.get(field.key.lower())
        value = field.value.strip()
        if named is None or field.where == Where.PATH or not plausible_id(value):
            return []
        return [finding(field, Kind.TRACKING_ID, value, 0.9, Source.KEY, "tracking_id",
                        evidence=f"{named[0]}: {named[1]} (`{field.key}`)")]  # fmt: skip
    if field.path.lower() != field.key.lower():
        return []  # only the cookie itself, not parts decoded out of its value
    tracker = _tracker(field.key.lower())
    if tracker is None:
        return []
    name, what, extract = tracker
    cut = extract(field.value.strip())
    if cut is None or not plausible_id(cut):
        return []
    evidence = f"{name} {what} (cookie {field.key})"
    return [finding(field, Kind.TRACKING_ID, cut, 0.95, Source.KEY, "tracking_id", evidence=evidence)]


# Companies whose business is following people: a cookie of theirs that holds an ID-shaped value is
# that company's ID for this browser, whatever they named it (`uuid2`, `KADUSERCOOKIE`, `CMID`, `u`).
TRACKER_CATEGORIES = frozenset({"advertising", "analytics"})
_STRONG_ID = re.compile(
    r"^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"  # a UUID
    r"|[0-9a-fA-F]{16,64}"  # a long hex string
    r"|(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,120}={0,2})$"  # random letters and digits
)
_TIME_FIRST = re.compile(r"^\d{10}(?:\d{3})?(?:\D|$)")  # a cookie that starts with a timestamp
_NOT_ID_COOKIES = ("consent", "optout", "opt_out", "test_cookie", "gdpr", "euconsent", "usprivacy", "cmp")
# Sign-in and session credentials (Google's SID family, `*_session`, CSRF tokens): they hold an account's
# session, not a tracker's ID for the browser, and are not reported as one.
_CREDENTIAL_COOKIE = re.compile(r"sid(?:cc|ts)?$|sess|ses$|auth|token|csrf|xsrf|login|^aec$", re.IGNORECASE)


def tracker_cookie_ids(fields: list[Field], destination: Destination, browser: bool = True) -> list[Finding]:
    """ID-shaped cookies sent to a host the entity map knows only for advertising or analytics.

    In a browser's request such a cookie is the company's ID for the browser: a tracking ID.  In an
    app's, the SDK keeps the device's ID there (Xiaomi's ad SDK sends the Android ID as `_dmid`): a
    device ID, or the Android ID or IMEI its shape shows.
    """
    from phonehome.classifiers.detect.normalise import refine

    if not destination.categories or not set(destination.categories) <= TRACKER_CATEGORIES:
        return []  # only hosts that do nothing but ads and analytics: a search or sign-in host's cookies are its own
    who = destination.entity or destination.domain
    found = []
    for fld in fields:
        if fld.where != Where.COOKIE or fld.path.lower() != fld.key.lower():
            continue
        value = fld.value.strip().strip('"')
        head, bar, tail = value.partition("|")
        if bar and (tail.isdigit() and len(tail) in (10, 13) or tail.startswith("|t=")):
            value = head  # `<id>|<time set>` (OpenX's `i`), `<id>||t=<time>` (DoubleClick's `id`);
            # Baidu's `<md5>|<reversed IMEI>` stays whole
        if not _STRONG_ID.match(value) or len(set(value)) < 8 or is_placeholder(value):
            continue
        if value.startswith(("H4sI", "eyJ", "aHR0c")) or _TIME_FIRST.match(value):
            continue  # base64 of gzip, of JSON or of a URL, `<time>-Repeat`: data, not an ID
        if any(word in fld.key.lower() for word in _NOT_ID_COOKIES) or _CREDENTIAL_COOKIE.search(fld.key):
            continue
        evidence = f"an ID-shaped cookie `{fld.path}` sent to {who}, an advertising or analytics company"
        kind = Kind.TRACKING_ID if browser else refine(Kind.DEVICE_ID, value)
        value = value.lower() if kind == Kind.ANDROID_ID else value
        found.append(finding(fld, kind, value, 0.75, Source.PATTERN, "tracking_id", evidence=evidence))
    return found
