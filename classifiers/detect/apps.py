"""App usage: lists of installed packages, and events naming apps or screens with time spent."""

from __future__ import annotations

import re
from functools import lru_cache

from phonehome.classifiers.detect.keys import has_letter, is_placeholder, norm, parent_key
from phonehome.classifiers.model import Field, Finding, Kind, Source, finding

_PACKAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+){1,8}$")
# Package names are reversed domains: their first label is a TLD-like prefix, unlike host names.
_PACKAGE_ROOTS = frozenset(
    {"com", "org", "net", "cn", "io", "tv", "me", "de", "ru", "in", "jp", "kr", "uk", "fr", "app", "co", "us",
     "air", "android", "id", "br", "tw", "hk", "sg", "vn", "th", "my", "mobi", "info", "it", "es", "nl", "pl"}
)  # fmt: skip
APP_LIST_KEYS = frozenset(
    {
        "apps", "applist", "installedapps", "installedapplist", "pkgs", "pkglist", "packages", "packagelist",
        "installed", "appinstalllist", "userapps", "ail", "installlist", "iplist", "apppkgs",
    }
)  # fmt: skip
SCREEN_KEYS = frozenset(
    {
        "screenname", "screen", "activity", "activityname", "pagename", "currentactivity", "firebasescreen",
        "curactivityname", "activities", "screenclass", "currentscreen", "pageview", "viewcontroller",
        "firebasescreenclass", "viewname", "currentpage", "topactivity",
    }
)  # fmt: skip
APP_KEYS = frozenset({"pkg", "package", "packagename", "app", "appname", "apppackage", "pkgname"})
DURATION_KEYS = frozenset(
    {
        "duration", "dur", "timespent", "staytime", "usetime", "usagetime", "foregroundtime", "engagementtime",
        "engagementtimemsec", "totaltime", "playtime", "sessionduration", "elapsed", "usedtime", "viewtime",
    }
)  # fmt: skip


# Host names end in a TLD; package names almost never do (`com.instagram.android` ends in `android`).
_HOST_TLDS = frozenset({"com", "net", "org", "cn", "io", "uk", "jp", "de", "ru", "info", "us", "fr", "kr"})
_RESOLUTION = re.compile(r"\d{2,5}\s*[x*×]\s*\d{2,5}", re.IGNORECASE)


def _is_package(item: str) -> bool:
    labels = item.lower().split(".")
    return bool(_PACKAGE.match(item)) and labels[0] in _PACKAGE_ROOTS and labels[-1] not in _HOST_TLDS


def detect_installed_apps(field: Field) -> list[Finding]:
    value = field.value
    if "," not in value:
        return []
    items = [i.strip() for i in value.split(",") if i.strip()]
    keyed = norm(field.key) in APP_LIST_KEYS
    if field.encodings and field.encodings[-1] == "column" and not keyed:
        return []  # packages gathered across rows of app usage are not an installed-apps list
    packages = [i for i in items if _is_package(i)]
    if len(packages) < (2 if keyed else 3) or len(packages) < 0.8 * len(items):
        return []
    # A JSON list arrives twice: item by item and joined (`list` layer); report the joined form only.
    return [
        finding(field, Kind.INSTALLED_APPS, ",".join(packages), 0.95 if keyed else 0.85,
                Source.KEY if keyed else Source.PATTERN, "installed_apps")
    ]  # fmt: skip


# An Android component: `com.whatsapp/.HomeActivity`, `com.android.chrome/org.chromium.Main`.
_COMPONENT = re.compile(r"^([a-zA-Z][\w]*(?:\.[\w]+)+)/(\.?[\w$]+(?:\.[\w$]+)*)$")


def looks_like_component(value: str) -> bool:
    return "/" in value and "." in value and len(value) < 200


# Objects that are one app's usage, or a screen event: `{"package": ..., "foreground_ms": ...}`,
# Segment's `{"type": "screen", "name": ...}`.
_USAGE_PARENTS = frozenset(
    {"usage", "usages", "appusage", "usagestats", "appstats", "sessions", "foreground"}
)
_SCREEN_TYPES = frozenset({"screen", "page", "activity", "view", "screenview"})


def _timed(field: Field) -> bool:
    siblings = field.siblings
    return bool(siblings) and _has_duration(tuple(siblings or ()))


@lru_cache(maxsize=4096)
def _has_duration(keys: tuple[str, ...]) -> bool:
    for k in keys:
        nk = norm(k)
        if (
            nk in DURATION_KEYS
            or "duration" in nk
            or "foreground" in nk
            or nk.startswith(("dur", "usage", "stay"))
        ):
            return True
    return False


def detect_app_activity(field: Field) -> list[Finding]:
    key = norm(field.key)
    value = field.value.strip()
    if key == "name" and field.siblings:
        kind = norm(field.siblings.get("type", ""))
        if kind in _SCREEN_TYPES and value and not is_placeholder(value) and len(value) <= 200:
            return [finding(field, Kind.APP_ACTIVITY, value, 0.85, Source.KEY, "app_activity")]
        return []
    if key not in SCREEN_KEYS and key not in APP_KEYS:
        # Unkeyed, only a full component name says "this app's screen was in use".
        match = _COMPONENT.match(value) if looks_like_component(value) else None
        if match and _is_package(match.group(1)):
            return [finding(field, Kind.APP_ACTIVITY, value, 0.85, Source.PATTERN, "app_activity")]
        return []
    if is_placeholder(value) or len(value) > 200 or not has_letter(value):
        return []
    if _RESOLUTION.match(value):
        return []  # `screen=1080x2400`, `1920x1080|1920x1040|24`: the display, not a screen of the app
    timed = _timed(field)
    if key in SCREEN_KEYS:
        return [finding(field, Kind.APP_ACTIVITY, value, 0.9 if timed else 0.75, Source.KEY, "app_activity")]
    usage_row = (
        timed
        or parent_key(field.path) in _USAGE_PARENTS
        or bool(field.siblings and "activity" in field.siblings)
    )
    if key in APP_KEYS and usage_row and _is_package(value):
        return [finding(field, Kind.APP_ACTIVITY, value, 0.9, Source.KEY, "app_activity")]
    return []
