"""classifiers.apps: installed-app lists and app or screen activity."""

from __future__ import annotations

import pytest
from phonehome.classifiers.detect.apps import detect_app_activity, detect_installed_apps
from phonehome.classifiers.model import Field, Kind, Source, Where

from tests.classifiers._helpers import essentials, fld

THREE = "com.tencent.mm,com.eg.android.AlipayGphone,org.telegram.messenger"

# -- installed apps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected", "source", "confidence"),
    [
        (fld("apps", THREE), THREE, Source.KEY, 0.95),
        (
            fld("pkgList", "com.whatsapp, com.spotify.music"),
            "com.whatsapp,com.spotify.music",
            Source.KEY,
            0.95,
        ),
        # The decoder's joined form of a JSON string array.
        (
            fld("installed_apps", "com.a.b,com.c.d,tv.twitch.android.app", encodings=("json", "list")),
            "com.a.b,com.c.d,tv.twitch.android.app",
            Source.KEY,
            0.95,
        ),
        (fld("x", THREE), THREE, Source.PATTERN, 0.85),  # three or more packages need no key
        # One stray item in five is tolerated (>= 80 %) and left out of the value.
        (
            fld("apps", "com.a.b,com.c.d,org.e.f,net.g.h,Calculator"),
            "com.a.b,com.c.d,org.e.f,net.g.h",
            Source.KEY,
            0.95,
        ),
    ],
)
def test_installed_apps_positive(field: Field, expected: str, source: Source, confidence: float) -> None:
    found = detect_installed_apps(field)
    assert essentials(found) == [(Kind.INSTALLED_APPS, expected, source, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("hosts", "www.google.com,mail.google.com,maps.google.com"),  # package-like host names
        fld("x", "com.a.b,com.c.d"),  # two packages need a list key
        fld("apps", "com.tencent.mm"),  # one package, no list
        fld("apps", "com.a.b,hello,world,foo"),  # mostly not packages
        fld("versions", "1.2.3,4.5.6,7.8.9"),
        fld("apps", "com,org,net"),  # bare roots are not packages
        fld("tags", "a.b,c.d,e.f"),  # first label is not a package root
    ],
)
def test_installed_apps_negative(field: Field) -> None:
    assert detect_installed_apps(field) == []


def test_host_list_with_root_like_first_labels_is_not_an_app_list() -> None:
    assert detect_installed_apps(fld("hosts", "app.adjust.com,my.yahoo.com,in.appsflyer.com")) == []


# -- app activity -------------------------------------------------------------------------------

TIMED = {"screen_name": "x", "engagement_time_msec": "5230"}


@pytest.mark.parametrize(
    ("field", "expected", "confidence"),
    [
        (fld("screen_name", "CheckoutActivity", siblings=TIMED), "CheckoutActivity", 0.9),
        (fld("activity", " com.example.ui.SettingsActivity "), "com.example.ui.SettingsActivity", 0.75),
        (fld("firebase_screen_class", "MainActivity"), "MainActivity", 0.75),
        (
            fld("pkg", "com.tencent.mm", siblings={"pkg": "com.tencent.mm", "duration": "120"}),
            "com.tencent.mm",
            0.9,
        ),
        (
            fld("packageName", "org.telegram.messenger", siblings={"usetime": "60"}),
            "org.telegram.messenger",
            0.9,
        ),
    ],
)
def test_app_activity_positive(field: Field, expected: str, confidence: float) -> None:
    found = detect_app_activity(field)
    assert essentials(found) == [(Kind.APP_ACTIVITY, expected, Source.KEY, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        fld("pkg", "com.tencent.mm"),  # the app's own package on every request: needs time spent
        fld("pkg", "com.tencent.mm", siblings={"pkg": "com.tencent.mm", "ver": "8.0"}),
        fld("app", "WeChat", siblings={"duration": "120"}),  # not a package name
        fld("screen", "unknown"),
        fld("screen_name", "12345"),  # no letters
        fld("activity", "x" * 201),
        fld("title", "CheckoutActivity", siblings=TIMED),  # not a screen key
    ],
)
def test_app_activity_negative(field: Field) -> None:
    assert detect_app_activity(field) == []


@pytest.mark.parametrize("value", ["1080x2400", "1440X3200"])
def test_screen_resolution_is_not_app_activity(value: str) -> None:
    assert detect_app_activity(fld("screen", value)) == []


# -- screen events, usage rows, Umeng activities, components ----------------------------------------------


def _named(name: str, event_type: str) -> Field:
    return fld("name", name, path="batch[0].name", siblings={"type": event_type, "name": name})


def _usage(path: str, package: str, **others: str) -> Field:
    return fld("package", package, path=path, siblings={"package": package, **others})


@pytest.mark.parametrize(
    ("field", "expected", "source", "confidence"),
    [
        # Segment-style screen events: `{"type": "screen", "name": ...}`.
        (_named("CheckoutScreen", "screen"), "CheckoutScreen", Source.KEY, 0.85),
        (_named("Home", "page"), "Home", Source.KEY, 0.85),
        (_named("Settings", "Screen"), "Settings", Source.KEY, 0.85),
        # One app's usage row: under a usage list, or beside an activity or time in the foreground.
        (_usage("usage[0].package", "com.tencent.mm", activity="com.tencent.mm.ui.LauncherUI"), "com.tencent.mm",
         Source.KEY, 0.9),
        (_usage("usage[0].package", "com.tencent.mm", foreground_ms="360000"), "com.tencent.mm", Source.KEY, 0.9),
        (_usage("stats[3].package", "org.telegram.messenger", foreground_ms="5000"), "org.telegram.messenger",
         Source.KEY, 0.9),
        (_usage("stats[3].package", "com.whatsapp", activity="com.whatsapp.HomeActivity"), "com.whatsapp",
         Source.KEY, 0.9),
        (_usage("appUsage[1].package", "com.whatsapp"), "com.whatsapp", Source.KEY, 0.9),
        # Umeng's `activities`: [[class name, duration], ...] decoded item by item under that key.
        (fld("activities", "com.example.shop.ui.CheckoutActivity", path="body.terminate[0].activities[0][0]"),
         "com.example.shop.ui.CheckoutActivity", Source.KEY, 0.75),
        # A full component name needs no key.
        (fld("top", "com.whatsapp/.HomeActivity"), "com.whatsapp/.HomeActivity", Source.PATTERN, 0.85),
        (fld("x", "com.android.chrome/org.chromium.chrome.browser.ChromeTabbedActivity"),
         "com.android.chrome/org.chromium.chrome.browser.ChromeTabbedActivity", Source.PATTERN, 0.85),
    ],
)  # fmt: skip
def test_app_activity_events_usage_rows_and_components(
    field: Field, expected: str, source: Source, confidence: float
) -> None:
    found = detect_app_activity(field)
    assert essentials(found) == [(Kind.APP_ACTIVITY, expected, source, None)]
    assert found[0].confidence == confidence


@pytest.mark.parametrize(
    "field",
    [
        _named("Order Completed", "track"),  # a tracked event, not a screen
        fld("name", "CheckoutScreen", siblings={"name": "CheckoutScreen"}),  # no type
        fld("name", "CheckoutScreen"),
        _named("null", "screen"),
        _named("x" * 201, "screen"),
        # The app's own package beside its version: no usage.
        _usage("app.package", "com.tencent.mm", version="8.0.44"),
        _usage("info.package", "com.tencent.mm", versionCode="2400"),
        _usage("usage[0].package", "WeChat", foreground_ms="360000"),  # not a package name
        fld("activities", "300000", path="body.terminate[0].activities[0][1]"),  # the duration beside it
        # Not components: a host and path, a MIME type, a well-known path.
        fld("x", "www.google.com/search"),
        fld("x", "image/png.x"),
        fld("x", "example.com/.well-known"),
        fld("x", "text/html; charset=utf-8"),
    ],
)
def test_app_activity_events_usage_rows_and_components_negative(field: Field) -> None:
    assert detect_app_activity(field) == []


# -- joined columns are not installed-app lists, unless the list key says so --------------------------

PKGS = "com.tencent.mm,org.telegram.messenger,com.whatsapp"


@pytest.mark.parametrize(
    "field",
    [
        fld("installed", PKGS, path="installed[*].pkg", encodings=("json", "column")),
        fld("apps", PKGS, path="apps[*].package", encodings=("json", "column")),
        fld("app_list", PKGS, path="app_list[*].name", encodings=("form", "json", "column")),
    ],
)
def test_column_under_an_app_list_key_is_installed_apps(field: Field) -> None:
    assert essentials(detect_installed_apps(field)) == [(Kind.INSTALLED_APPS, PKGS, Source.KEY, None)]


@pytest.mark.parametrize(
    "field",
    [
        fld("usage", PKGS, path="usage[*].package", encodings=("json", "column")),  # apps used, not installed
        fld("sessions", PKGS, path="sessions[*].pkg", encodings=("json", "column")),
        fld("events", PKGS, path="events[*].app", encodings=("column",)),
    ],
)
def test_column_of_usage_rows_is_not_installed_apps(field: Field) -> None:
    assert detect_installed_apps(field) == []


def test_the_same_packages_as_a_plain_value_are_installed_apps_by_pattern() -> None:
    assert essentials(detect_installed_apps(fld("usage", PKGS))) == [
        (Kind.INSTALLED_APPS, PKGS, Source.PATTERN, None)
    ]


def test_a_screen_resolution_with_more_after_it_is_not_an_app_screen() -> None:
    assert detect_app_activity(fld("screen", "1920x1080|1920x1040|24", Where.QUERY)) == []
