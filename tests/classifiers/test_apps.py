"""classifiers.apps: installed-app lists and app or screen activity."""

from __future__ import annotations

import pytest

from classifiers.apps import detect_app_activity, detect_installed_apps
from classifiers.model import Field, Kind, Source
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
