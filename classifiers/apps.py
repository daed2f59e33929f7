"""App usage: lists of installed packages, and events naming apps or screens with time spent."""

from __future__ import annotations

import re

from classifiers.keys import is_placeholder, norm
from classifiers.model import Field, Finding, Kind, Source, finding

_PACKAGE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+){1,8}$")
# Package names are reversed domains: their first label is a TLD-like prefix, unlike host names.
_PACKAGE_ROOTS = frozenset(
    {"com", "org", "net", "cn", "io", "tv", "me", "de", "ru", "in", "jp", "kr", "uk", "fr", "app", "co", "us",
     "air", "android", "id", "br", "tw", "hk", "sg", "vn", "th", "my", "mobi", "info", "it", "es", "nl", "pl"}
)  # fmt: skip
APP_LIST_KEYS = frozenset(
    {
        "apps", "applist", "installedapps", "installedapplist", "pkgs", "pkglist", "packages", "packagelist",
        "installed", "appinstalllist", "userapps", "app_list", "ail", "installlist", "iplist", "apppkgs",
    }
)  # fmt: skip
SCREEN_KEYS = frozenset(
    {
        "screenname", "screen", "activity", "activityname", "pagename", "currentactivity", "firebasescreen",
        "firebasescreenclass", "screenclass", "viewname", "currentpage", "topactivity",
    }
)  # fmt: skip
APP_KEYS = frozenset({"pkg", "package", "packagename", "app", "appname", "apppackage", "pkgname"})
DURATION_KEYS = frozenset(
    {
        "duration", "dur", "timespent", "staytime", "usetime", "usagetime", "foregroundtime", "engagementtime",
        "engagementtimemsec", "totaltime", "playtime", "sessionduration", "elapsed", "usedtime", "viewtime",
    }
)  # fmt: skip


def _is_package(item: str) -> bool:
    return bool(_PACKAGE.match(item)) and item.split(".", 1)[0].lower() in _PACKAGE_ROOTS


def detect_installed_apps(field: Field) -> list[Finding]:
    value = field.value
    if "," not in value:
        return []
    items = [i.strip() for i in value.split(",") if i.strip()]
    keyed = norm(field.key) in APP_LIST_KEYS
    packages = [i for i in items if _is_package(i)]
    if len(packages) < (2 if keyed else 3) or len(packages) < 0.8 * len(items):
        return []
    # A JSON list arrives twice: item by item and joined (`list` layer); report the joined form only.
    return [
        finding(field, Kind.INSTALLED_APPS, ",".join(packages), 0.95 if keyed else 0.85,
                Source.KEY if keyed else Source.PATTERN, "installed_apps")
    ]  # fmt: skip


def detect_app_activity(field: Field) -> list[Finding]:
    key = norm(field.key)
    if key not in SCREEN_KEYS and key not in APP_KEYS:
        return []
    value = field.value.strip()
    if is_placeholder(value) or len(value) > 200 or not any(ch.isalpha() for ch in value):
        return []
    timed = bool(field.siblings) and any(norm(k) in DURATION_KEYS for k in (field.siblings or {}))
    if key in SCREEN_KEYS:
        return [finding(field, Kind.APP_ACTIVITY, value, 0.9 if timed else 0.75, Source.KEY, "app_activity")]
    if key in APP_KEYS and timed and _is_package(value):
        return [finding(field, Kind.APP_ACTIVITY, value, 0.9, Source.KEY, "app_activity")]
    return []
