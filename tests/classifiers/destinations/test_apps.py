"""classifiers.destinations.apps: the app that sent a request, with the signal as evidence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.destinations.apps import Attribution, app_of
from phonehome.classifiers.model import Exchange, Field, Where
from phonehome.classifiers.registry import analyze

WV = "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A; wv) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
DALVIK = "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230901.001)"


def q(key: str, value: str, path: str | None = None) -> Field:
    return Field(Where.QUERY, path or key, key.lower(), value)


def b(key: str, value: str, path: str | None = None, siblings: dict[str, str] | None = None) -> Field:
    return Field(Where.BODY, path or key, key.lower(), value, siblings=siblings)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("X-Requested-With", "com.miui.browser"), ("User-Agent", WV)], ("com.miui.browser", "X-Requested-With header")),
        ([("X-Android-Package", "com.example.maps")], ("com.example.maps", "X-Android-Package header")),
        ([("x-ios-bundle-identifier", "com.example.Maps")], ("com.example.Maps", "X-Ios-Bundle-Identifier header")),
        ([("User-Agent", "com.zhiliaoapp.musically/2023205030 (Linux; U; Android 12)")],
         ("com.zhiliaoapp.musically", 'User-Agent "com.zhiliaoapp.musically/2023205030"')),
        ([("User-Agent", "com.google.ios.youtube/19.09.3 (iPhone14,3; U; CPU iOS 17_3 like Mac OS X)")],
         ("com.google.ios.youtube", 'User-Agent "com.google.ios.youtube/19.09.3"')),
    ],
)  # fmt: skip
def test_headers_name_the_app(headers: list[tuple[str, str]], expected: tuple[str, str]) -> None:
    assert app_of(headers) == Attribution(*expected)


def test_ios_cfnetwork_gives_the_bundle_name_and_says_so() -> None:
    found = app_of([("User-Agent", "Instagram/250.0.0.21 CFNetwork/1402.0.8 Darwin/22.2.0")])
    assert found is not None and found.app == "Instagram"
    assert "bundle name, not its ID" in found.evidence and "CFNetwork" in found.evidence
    # Percent-encoded names are decoded (WeChat's is Chinese).
    found = app_of([("User-Agent", "%E5%BE%AE%E4%BF%A1/8.0.40 CFNetwork/1402.0.8 Darwin/22.2.0")])
    assert found is not None and found.app == "微信"


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Requested-With", "XMLHttpRequest")],
        [("x-requested-with", "xmlhttprequest"), ("User-Agent", DESKTOP)],
        [("X-Requested-With", "ShockwaveFlash/20.0.0.228")],
        [("User-Agent", DALVIK)],
        [("User-Agent", "okhttp/4.9.2")],
        [("User-Agent", "FBAndroidSDK.14.1.1")],
        [("User-Agent", DESKTOP)],
        [("User-Agent", WV)],  # a WebView that no longer sends X-Requested-With
        # An SDK's User-Agent built from the package plus its own suffix, with no version: unknown.
        [("User-Agent", "br.com.voeazul.DMA/unknown:0 (Linux; U; Android 11)")],
        [("User-Agent", "api.example.com/1.0")],  # a host, not a package
        # Apple's daemons and WebKit's networking process are no apps.
        [("User-Agent", "nsurlsessiond/1.0 CFNetwork/1402.0.8 Darwin/22.2.0")],
        [("User-Agent", "akd/1.0 CFNetwork/1402.0.8 Darwin/22.2.0")],
        [("User-Agent", "com.apple.WebKit.Networking/8614.1.25 CFNetwork/1402.0.8 Darwin/22.2.0")],
        # A dotted name is never taken as a name.
        [("User-Agent", "Mail.Ru/1.0 CFNetwork/1402.0.8 Darwin/22.2.0")],
        [("X-Android-Package", "example.com")],
        [],
    ],
)
def test_what_names_no_app(headers: list[tuple[str, str]]) -> None:
    assert app_of(headers) is None


@pytest.mark.parametrize(
    ("fld", "expected"),
    [
        (q("msid", "com.pixelforge.dungeon"), ("com.pixelforge.dungeon", "query parameter msid")),
        (q("an", "181.android.com.pixelforge.dungeon"), ("com.pixelforge.dungeon", "query parameter an")),
        (b("application_package_name", "tld.sample.app"), ("tld.sample.app", "payload key application_package_name")),
        (b("extinfo", "tld.sample.app", "extinfo[1]"), ("tld.sample.app", "Facebook extinfo")),
        (b("af_package", "com.example.shop"), ("com.example.shop", "payload key af_package")),
        (q("app_id", "com.example.shop"), ("com.example.shop", "query parameter app_id")),
        (b("package_name", "com.example.shop"), ("com.example.shop", "payload key package_name")),
        (b("bundle_id", "com.example.Shop"), ("com.example.Shop", "payload key bundle_id")),
        (b("ios_bundle_id", "com.example.Shop"), ("com.example.Shop", "payload key ios_bundle_id")),
        (b("bundle", "com.example.game", "app.bundle"), ("com.example.game", "OpenRTB app.bundle")),
        (q("bundleId", "com.example.game"), ("com.example.game", "query parameter bundleId")),
        (b("packageName", "com.example.notes", "packageName"), ("com.example.notes", "payload key packageName")),
        (b("app_id", "com.example.notes", "app_instance.app_id"), ("com.example.notes", "payload key app_id")),
        (b("app_rdns", "br.com.voeazul"), ("br.com.voeazul", "payload key app_rdns")),
        (b("appNamespace", "br.com.voeazul", "logs[0].device.appNamespace"),
         ("br.com.voeazul", "payload key appNamespace")),
        (b("id", "tld.sample.app", "events[0].app.id", {"releasestage": "production", "type": "android"}),
         ("tld.sample.app", "Bugsnag app.id")),
        (b("id", "com.example.notes", "app.id"), ("com.example.notes", "payload app.id")),
    ],
)  # fmt: skip
def test_sdk_fields_name_the_app(fld: Field, expected: tuple[str, str]) -> None:
    assert app_of([("User-Agent", DALVIK)], [fld]) == Attribution(*expected)


@pytest.mark.parametrize(
    "fld",
    [
        q("app_id", "example.com"),  # a host
        q("an", "flipboard.app"),  # reads as a host under a key that is not always a package
        b("id", "tld.sample.app", "app.id"),  # the same without Bugsnag's app object around it
        q("app_id", "1:1234567890:android:abc123"),  # Firebase's app ID names no package
        q("app_id", "138566025676"),  # Facebook's numeric app ID
        b("package_name", "com.android.vending"),  # the Play Store as installer
        b("package_name", "java.lang.RuntimeException"),
        b("package_name", "com.example.app.MainActivity"),
        b("package_name", "com.example.app.fileprovider"),  # a content provider authority
        b("packageName", "android.intent.action.VIEW"),
        b("package_name", "www.example.org"),
        q("an", "Azul"),  # Google Analytics' app name: no ID
        b("name", "com.example.game"),  # not a key SDKs use for it
        b("bundle", "1234567890", "app.bundle"),  # an App Store ID
        Field(Where.COOKIE, "app_id", "app_id", "com.example.shop"),  # a site's cookie
        Field(Where.HEADER, "package_name", "package_name", "com.example.shop"),
    ],
)
def test_fields_that_name_no_app(fld: Field) -> None:
    assert app_of([("User-Agent", DALVIK)], [fld]) is None


@pytest.mark.parametrize(
    ("url", "app"),
    [
        ("https://gcdsdk.appsflyer.com/install_data/v4.0/com.example.shop?devkey=x", "com.example.shop"),
        ("https://dlsdk.appsflyer.com/v1.0/android/com.example.shop?af_sig=x", "com.example.shop"),
        (
            "https://settings.crashlytics.com/spi/v2/platforms/android/apps/com.example.shop/settings",
            "com.example.shop",
        ),
        ("https://dlsdk.appsflyer.com/v1.0/ios/id123456789", None),
        # The path grammar of one SDK, at its hosts only.
        ("https://example.com/android/com.example.shop", None),
    ],
)
def test_app_ids_in_sdk_url_paths(url: str, app: str | None) -> None:
    found = app_of([("User-Agent", DALVIK)], (), url)
    assert (found.app if found else None) == app
    if found:
        assert "in the URL path" in found.evidence


def test_precedence_headers_then_sdk_fields_then_user_agent_and_conflicts_are_noted() -> None:
    headers = [("X-Requested-With", "com.example.host"), ("User-Agent", "com.example.ua/1.0")]
    found = app_of(headers, [q("msid", "com.example.ads")])
    assert found is not None and found.app == "com.example.host"
    assert found.evidence.startswith("X-Requested-With header")
    assert "query parameter msid says com.example.ads" in found.evidence
    found = app_of([("User-Agent", "com.example.ua/1.0")], [q("msid", "com.example.ads")])
    assert found is not None and found.app == "com.example.ads" and "com.example.ua" in found.evidence
    # Signals that agree are no conflict.
    found = app_of([("User-Agent", "com.example.ads/1.0")], [q("msid", "com.example.ads")])
    assert found == Attribution("com.example.ads", "query parameter msid")


def test_a_list_of_apps_names_no_sender() -> None:
    listed = [b("pkg", p, f"apps[{i}].pkg") for i, p in enumerate(["com.whatsapp", "com.instagram.android"])]
    assert app_of([("User-Agent", DALVIK)], listed) is None
    # The sender named beside such a list still counts.
    found = app_of([("User-Agent", DALVIK)], [*listed, b("package_name", "com.example.store")])
    assert found == Attribution("com.example.store", "payload key package_name")


def test_a_desktop_browser_request_names_no_app_from_its_payload() -> None:
    assert app_of([("User-Agent", DESKTOP)], [q("bundle_id", "com.example.shop")]) is None
    # ...but a WebView's does, and so do the Google API headers anywhere.
    assert app_of([("User-Agent", WV)], [q("bundle_id", "com.example.shop")]) is not None
    assert app_of([("User-Agent", DESKTOP), ("X-Android-Package", "com.example.shop")]) is not None


def test_analysis_carries_app_and_evidence() -> None:
    t = datetime(2026, 12, 1, tzinfo=UTC)
    ads = Exchange(
        t, "GET", "https://googleads.g.doubleclick.net/mads/gma?msid=com.pixelforge.dungeon&rdid=x"
    )
    a = analyze(ads)
    assert (a.app, a.app_evidence) == ("com.pixelforge.dungeon", "query parameter msid")
    nothing = analyze(Exchange(t, "GET", "https://pixelforge.example/?a=1", (("User-Agent", DALVIK),)))
    assert (nothing.app, nothing.app_evidence) == (None, None)  # never from the host


_text = st.text(max_size=60)
_keys = (
    st.sampled_from(["msid", "an", "app_id", "bundle", "id", "extinfo", "package_name", "x", "app"]) | _text
)
_fields = st.builds(
    Field,
    st.sampled_from(list(Where)),
    _text,
    _keys,
    _text,
    siblings=st.none() | st.dictionaries(_text, _text, max_size=3),
)
_header_names = (
    st.sampled_from(["User-Agent", "X-Requested-With", "X-Android-Package", "X-Ios-Bundle-Identifier"])
    | _text
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_header_names, _text), max_size=5), st.lists(_fields, max_size=6), _text)
def test_never_raises_and_what_it_names_looks_like_an_app(
    headers: list[tuple[str, str]], fields: list[Field], url: str
) -> None:
    found = app_of(headers, fields, url)
    if found is not None:
        assert found.app and found.evidence and len(found.evidence) <= 200
        assert found.app.lower() != "xmlhttprequest"
        if "." in found.app:
            assert " " not in found.app and "/" not in found.app


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z]{2,10}\.(com|net|org)", fullmatch=True),
    st.sampled_from(["app_id", "an", "app", "bundle", "package_name", "msid"]),
)
def test_a_host_is_never_an_app(host: str, key: str) -> None:
    headers = [("X-Requested-With", host), ("User-Agent", f"{host}/1.0")]
    assert app_of(headers, [q(key, host), b(key, host)], f"https://{host}/") is None
    assert app_of([("X-Requested-With", "XMLHttpRequest")], [q(key, "XMLHttpRequest")]) is None
