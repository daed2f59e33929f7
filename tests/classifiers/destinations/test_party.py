"""classifiers.party: first or third party, relative to the phone's maker and the app."""

from __future__ import annotations

import pytest
from phonehome.classifiers.destinations.entities import EntityMap
from phonehome.classifiers.destinations.party import Context, Party, app_from_headers, party_of, vendor_in

EMAP = EntityMap(
    [
        {"id": "xiaomi", "name": "Xiaomi", "country": "CN", "categories": ["os_vendor"], "brands": ["xiaomi", "redmi", "poco"],
         "apps": ["com.miui.", "com.xiaomi."], "domains": ["xiaomi.com", "miui.com"]},
        {"id": "google", "name": "Google", "country": "US", "categories": ["os_vendor"], "brands": ["pixel"],
         "apps": ["com.google."], "domains": ["google.com", "app-measurement.com"]},
        {"id": "samsung", "name": "Samsung", "country": "KR", "categories": ["os_vendor"], "brands": ["samsung"],
         "domains": ["samsung.com"]},
        {"id": "oppo", "name": "OPPO", "country": "CN", "categories": ["os_vendor"], "brands": ["oppo"], "domains": ["oppo.com"]},
        {"id": "oneplus", "name": "OnePlus", "country": "CN", "parent": "oppo", "categories": ["os_vendor"],
         "brands": ["oneplus"], "domains": ["oneplus.com"]},
        {"id": "bytedance", "name": "ByteDance", "country": "CN", "categories": ["social"],
         "apps": ["com.zhiliaoapp.musically"], "domains": ["tiktokv.com"]},
    ]
)  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "app"),
    [
        ([("X-Requested-With", "com.miui.browser")], "com.miui.browser"),
        ([("x-requested-with", "XMLHttpRequest")], None),
        (
            [("User-Agent", "com.zhiliaoapp.musically/2023205030 (Linux; U; Android 12)")],
            "com.zhiliaoapp.musically",
        ),
        ([("User-Agent", "Mozilla/5.0 (Linux; Android 12)")], None),
        ([("User-Agent", "okhttp/4.9.2")], None),
        ([("User-Agent", "Dalvik/2.1.0 (Linux; U; Android 11; M2007J20CG Build/RKQ1)")], None),
        ([], None),
    ],
)
def test_app_from_headers(headers: list[tuple[str, str]], app: str | None) -> None:
    assert app_from_headers(headers) == app


@pytest.mark.parametrize(
    ("text", "vendor"),
    [
        (
            "Mozilla/5.0 (Linux; U; Android 10; Redmi Note 8 Pro Build/QP1A) XiaoMi/MiuiBrowser/12.10.5",
            "xiaomi",
        ),
        ("Dalvik/2.1.0 (Linux; U; Android 11; M2007J20CG Build/RKQ1.200826.002)", "xiaomi"),
        ("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36", "samsung"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36", "google"),
        ("Dalvik/2.1.0 (Linux; U; Android 13; CPH2451 Build/TP1A)", "oppo"),
        ("POCO F5", "xiaomi"),
        ("Mozilla/5.0 (X11; Linux x86_64)", None),
        ("", None),
    ],
)
def test_vendor_in(text: str, vendor: str | None) -> None:
    found = vendor_in(text, EMAP)
    assert (found.id if found else None) == vendor


def test_party_of() -> None:
    xiaomi, google, oneplus, oppo = (EMAP.entities[k] for k in ("xiaomi", "google", "oneplus", "oppo"))
    phone = Context(vendor=xiaomi)
    assert party_of(xiaomi, phone, EMAP) is Party.FIRST_VENDOR
    assert party_of(google, phone, EMAP) is Party.THIRD
    assert party_of(None, phone, EMAP) is Party.UNKNOWN
    # The app's own company is first party for that app's requests.
    assert party_of(google, Context(vendor=xiaomi, app="com.google.android.youtube"), EMAP) is Party.FIRST_APP
    assert (
        party_of(EMAP.entities["bytedance"], Context(app="com.zhiliaoapp.musically"), EMAP) is Party.FIRST_APP
    )
    # A group counts as one: a OnePlus phone talking to OPPO is first party.
    assert party_of(oppo, Context(vendor=oneplus), EMAP) is Party.FIRST_VENDOR
    # Nothing known about the sender: every known receiver is a third party.
    assert party_of(xiaomi, Context(), EMAP) is Party.THIRD


def test_analysis_names_the_sending_app() -> None:
    from datetime import UTC, datetime

    from phonehome.classifiers.model import Exchange
    from phonehome.classifiers.registry import analyze

    t = datetime(2026, 11, 20, tzinfo=UTC)
    ads = Exchange(
        t, "GET", "https://googleads.g.doubleclick.net/mads/gma?msid=com.pixelforge.dungeon&rdid=x"
    )
    assert analyze(ads).app == "com.pixelforge.dungeon"
    webview = Exchange(
        t, "GET", "https://x.example/", request_headers=(("X-Requested-With", "com.miui.browser"),)
    )
    assert analyze(webview).app == "com.miui.browser"
    assert analyze(Exchange(t, "GET", "https://x.example/?a=1")).app is None
