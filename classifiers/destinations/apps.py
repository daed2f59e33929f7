"""Which app sent a request, and the signal that says so.

A request names its app only when something in it does: a header the platform or an SDK adds
(`X-Requested-With` in an Android WebView, Google's `X-Android-Package`), a payload field an SDK
fills with the app's package or bundle ID (`msid`, `application_package_name`, OpenRTB's
`app.bundle`, ...), an app ID in an SDK's URL path (AppsFlyer, Crashlytics), or a User-Agent that
begins with a package (`com.zhiliaoapp.musically/2023...`) or is iOS's CFNetwork default
(`Instagram/250 CFNetwork/... Darwin/...`).  `app_of` returns the app with the signal named as
evidence, or None: unknown stays unknown, and nothing is ever inferred from the host a request
went to.

What `app` holds: a package name or bundle ID (reverse-DNS, with at least one dot), except from
a CFNetwork User-Agent, which gives the app's bundle name (`Instagram`), not its bundle ID; such a
name is taken only when it has no dot, so an `app` without a dot is always an iOS bundle name, and
its evidence says so.

Precedence: explicit headers, then SDK payload fields and URL paths, then the User-Agent.  When
signals disagree the first wins and the evidence notes the other; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from phonehome.classifiers.destinations.domains import has_public_suffix
from phonehome.classifiers.model import Field, Where

MAX_EVIDENCE = 200


class Attribution(NamedTuple):
    app: str
    evidence: str  # the signal, in a short phrase: "X-Requested-With header", "payload key msid"


_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+\Z")
# A package leading the User-Agent, followed by a version (`com.foo.bar/1.2.3 (Linux; ...)`).
_UA_PACKAGE = re.compile(r"([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+)/(\d[^\s;()]{0,30})")
# iOS's default User-Agent: `<bundle name>/<bundle version> CFNetwork/<v> Darwin/<v>`.
_CFNETWORK = re.compile(r"([^/\s]{1,80})/(\S{1,30}) CFNetwork/\S+ Darwin/")
# Google Mobile Ads' `an`: `<version code>.android.<package>` (or `.iphone.` / `.ipad.`).
_GMA_AN = re.compile(r"\d+\.(?:android|iphone|ipad|ios)\.(.+)\Z")

# Names of the platform and its libraries, never a sending app when a payload names them: the
# Play Store as installer, Java and Kotlin class names, intents, content provider authorities.
_PLATFORM = (
    "android.", "androidx.", "com.android.", "java.", "javax.", "kotlin.", "kotlinx.", "dalvik.",
    "org.json.", "org.apache.", "sun.", "com.sun.",
)  # fmt: skip
# Class names end like this; a package does not.
_CLASS_ENDINGS = ("Activity", "Exception", "Error", "Service", "Receiver", "Fragment", "Provider", "provider")
# Top-level domains that make a dotted string a host when they end it (`example.com`).
_HOST_ENDINGS = frozenset({"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz"})

# Payload keys whose name says they hold the app's own package or bundle ID (lower-cased, as the
# decoder gives keys; `packageName` arrives as `packagename`).
_EXPLICIT_KEYS = frozenset({
    "msid",  # Google Mobile Ads
    "application_package_name", "applicationpackagename",  # Facebook app events
    "package_name", "packagename",  # Adjust, Firebase Remote Config, many JSON APIs
    "af_package",  # AppsFlyer
    "bundle_id", "bundleid", "bundle_identifier", "bundleidentifier",  # Adjust (iOS), Unity, ironSource
    "ios_bundle_id", "iosbundleid",  # Branch (iOS)
    "app_bundle", "appbundle", "app_bundle_id", "appbundleid",
    "app_package", "apppackage", "app_package_name", "apppackagename", "pkg_name", "pkgname",
    "app_rdns", "apprdns",  # Tealium
    "appnamespace",  # Microsoft App Center
})  # fmt: skip
# Keys that hold the app's ID only sometimes (`app_id` is a number at Facebook, a package at
# AppsFlyer): a value under them must look like a package and not like a host.
_LOOSE_KEYS = frozenset({"app_id", "appid", "an", "app", "bundle", "package", "pkg"})
# Keys known by where they sit: OpenRTB's `app.bundle`, an app object's `id` (Bugsnag's
# `app.id`), the second item of Facebook's `extinfo` array.
# An app object's `id` is a package only sometimes, so it is held to the loose test.
_PLACED = {"bundle": ("app.bundle", "OpenRTB app.bundle", True), "id": ("app.id", "payload app.id", False),
           "extinfo": ("extinfo[1]", "Facebook extinfo", True)}  # fmt: skip
# SDK endpoints with the app ID in the URL path: (host suffix, the segment before it, label).
_URL_PATHS = (
    # `/v1.0/android/<app id>` (deep links), `/install_data/v4.0/<app id>` (conversion data)
    (
        ("appsflyer.com", "appsflyersdk.com"),
        ("android", "ios", "install_data/*"),
        "AppsFlyer app_id in the URL path",
    ),
    (("crashlytics.com",), ("apps",), "Crashlytics app ID in the URL path"),
)
_ANY_KEY = _EXPLICIT_KEYS | _LOOSE_KEYS | frozenset(_PLACED)
_URL_HINTS = ("appsflyer", "crashlytics")
# Apple's own processes that send CFNetwork User-Agents: not apps.
_APPLE_PROCESSES = frozenset({"CommCenter", "Spotlight", "MobileBackup"})
_REQUESTED_WITH_NOT_APPS = frozenset({"xmlhttprequest"})


def app_of(
    headers: Iterable[tuple[str, str]], fields: Iterable[Field] = (), url: str = ""
) -> Attribution | None:
    """The app that sent a request, with the signal that names it; None when nothing does.

    `fields` are the request's decoded fields, `url` its URL (for SDKs that put the app ID in the
    path).  Never raises on any input.
    """
    found: list[Attribution] = []
    ua = ""
    requested_with = False
    for name, value in headers:
        lname = name.lower()
        if lname == "user-agent":
            ua = value
        elif lname == "x-requested-with":
            v = value.strip()
            if v.lower() not in _REQUESTED_WITH_NOT_APPS and _named_package(v):
                found.append(Attribution(v, "X-Requested-With header"))
                requested_with = True
        elif lname in ("x-android-package", "x-ios-bundle-identifier"):
            v = value.strip()
            if _named_package(v):
                found.append(Attribution(v, f"{_header_name(lname)} header"))
    # A web browser's own request: a page can put any app's ID in what it sends, so only the
    # headers above (never sent by a browser itself) count.
    browser = ua.startswith("Mozilla/") and "; wv)" not in ua and not requested_with
    if not browser:
        if url and any(h in url for h in _URL_HINTS):
            found += _from_url(url)
        found += _from_fields(fields)
        if ua and (from_ua := _from_user_agent(ua)):
            found.append(from_ua)
    if not found:
        return None
    winner = found[0]
    others = [a for a in found[1:] if a.app.lower() != winner.app.lower()]
    if not others:
        return winner
    other = others[0]
    evidence = f"{winner.evidence} (disagrees: {other.evidence} says {other.app})"
    return Attribution(winner.app, _short(evidence))


def _header_name(lname: str) -> str:
    return "X-Android-Package" if lname == "x-android-package" else "X-Ios-Bundle-Identifier"


def _from_fields(fields: Iterable[Field]) -> list[Attribution]:
    explicit: list[Attribution] = []
    placed: list[Attribution] = []
    loose: list[Attribution] = []
    for fld in fields:
        key = fld.key
        if key not in _ANY_KEY:  # one set lookup for nearly every field
            continue
        if key in _EXPLICIT_KEYS:
            if fld.where in (Where.QUERY, Where.BODY) and _named_package(v := fld.value.strip()):
                explicit.append(Attribution(v, _field_evidence(fld)))
            continue
        place = _PLACED.get(key)
        if place is not None and fld.where is Where.BODY and fld.path.endswith(place[0]):
            v = fld.value.strip()
            label, named = place[1], place[2]
            if key == "id" and "releasestage" in (fld.siblings or {}):
                label, named = "Bugsnag app.id", True  # Bugsnag's app object: `id` is the package
            if _named_package(v) if named else _loose_package(v):
                placed.append(Attribution(v, label))
                continue
        if key in _LOOSE_KEYS and fld.where in (Where.QUERY, Where.BODY):
            v = fld.value.strip()
            if key == "an" and (m := _GMA_AN.match(v)):
                v = m.group(1)
            if _loose_package(v):
                loose.append(Attribution(v, _field_evidence(fld)))
    found = explicit + placed + loose
    # One key naming several packages (`apps[0].pkg`, `apps[1].pkg`) lists apps: it names no sender.
    by_signal: dict[str, set[str]] = {}
    for a in found:
        by_signal.setdefault(a.evidence, set()).add(a.app.lower())
    return [a for a in found if len(by_signal[a.evidence]) == 1]


def _field_evidence(fld: Field) -> str:
    # The key as sent (the path keeps its case; `key` is lower-cased).
    tail = fld.path.rsplit(".", 1)[-1].split("[", 1)[0] or fld.key
    where = "query parameter" if fld.where is Where.QUERY else "payload key"
    return _short(f"{where} {tail}")


def _from_url(url: str) -> list[Attribution]:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return []
    for suffixes, before, label in _URL_PATHS:
        if not host.endswith(suffixes):
            continue
        segments = [unquote(s) for s in parts.path.split("/")]
        for i, seg in enumerate(segments[:-1]):
            step = 2 if f"{seg}/*" in before else 1 if seg in before else 0  # `/*`: after one more segment
            if step and i + step < len(segments) and _named_package(nxt := segments[i + step].strip()):
                return [Attribution(nxt, label)]
    return []


def _from_user_agent(ua: str) -> Attribution | None:
    ua = ua.strip()
    if m := _UA_PACKAGE.match(ua):
        pkg = m.group(1)
        if _loose_package(pkg) and not pkg.startswith("com.apple."):
            return Attribution(pkg, _short(f'User-Agent "{pkg}/{m.group(2)}"'))
        return None
    if m := _CFNETWORK.match(ua):
        name = unquote(m.group(1)).strip()
        if _ios_app_name(name):
            return Attribution(
                name,
                _short(
                    f'User-Agent "{m.group(1)[:40]}/… CFNetwork/…": the iOS app\'s bundle name, not its ID'
                ),
            )
    return None


def _ios_app_name(name: str) -> bool:
    """A CFNetwork process name that is an app's: not Apple's daemons (`akd`, `nsurlsessiond`,
    lower-case names ending in d), never one with a dot (those would read as bundle IDs)."""
    if not name or "." in name or len(name) > 64 or not name.isprintable():
        return False
    if name in _APPLE_PROCESSES:
        return False
    return not (name.islower() and name.isascii() and name.isalnum() and name.endswith("d"))


def _named_package(value: str) -> bool:
    """A package or bundle ID, under a key or header whose name says it holds one."""
    if len(value) > 150 or not _PACKAGE.match(value) or _platform_or_class(value):
        return False
    if value.lower().startswith("www."):
        return False
    labels = value.split(".")
    # `example.com`, `vk.com`: a host; `com.example.com` would still lead with a TLD, as packages do.
    return not (labels[-1].lower() in _HOST_ENDINGS and (len(labels) == 2 or not _is_tld(labels[0])))


def _loose_package(value: str) -> bool:
    """A package or bundle ID under a key that does not always hold one: it must not read as a
    host either (`com.example` is a package, `example.com` and `sample.app` are hosts)."""
    if not _named_package(value):
        return False
    labels = value.split(".")
    return not has_public_suffix(value) or (len(labels) >= 3 and _is_tld(labels[0]))


def _platform_or_class(value: str) -> bool:
    return value.lower().startswith(_PLATFORM) or value.endswith(_CLASS_ENDINGS)


def _is_tld(label: str) -> bool:
    """`com`, `de`, `tv` lead package names (`tv.twitch.android.app`); `example` does not."""
    return has_public_suffix(f"x.{label.lower()}")


def _short(text: str) -> str:
    return text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 1] + "…"
