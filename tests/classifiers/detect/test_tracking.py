"""classifiers.detect.tracking: tracking IDs in the cookies analytics and ad tech set."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.detect.tracking import KEY_PREFIXES, KEYS, detect_tracking_id, plausible_id
from phonehome.classifiers.model import Kind, Source, Where
from phonehome.classifiers.registry import analyze

from tests.classifiers._helpers import essentials, exchange, fld


def cookie(name: str, value: str):  # noqa: ANN201 - a Field
    return fld(name, value, Where.COOKIE)


POSITIVES = [
    (cookie("_ga", "GA1.2.1234567890.1700000000"), "1234567890.1700000000"),
    (cookie("_gid", "GA1.2.987654321.1700000001"), "987654321.1700000001"),
    (cookie("__utma", "173272373.1234567890.1700000000.1700000000.1700000000.1"), "1234567890.1700000000"),
    (cookie("_gcl_au", "1.1.1402456234.1700000000"), "1402456234.1700000000"),
    (cookie("_fbp", "fb.1.1700000000000.1234567890"), "fb.1.1700000000000.1234567890"),
    (cookie("MUID", "0F3C5A1B2D3E4F5061728394A5B6C7D8"), "0F3C5A1B2D3E4F5061728394A5B6C7D8"),
    (cookie("_uetvid", "a1b2c3d4e5f611eeb1c2d3e4f5a6b7c8|1abcdef|2|f|0|1234"), "a1b2c3d4e5f611eeb1c2d3e4f5a6b7c8"),
    (cookie("AMCV_0123ABC%40AdobeOrg", "-1124106680|MCIDTS|19700|MCMID|12345678901234567890123456789012345678|vVersion|5.2.0"),
     "12345678901234567890123456789012345678"),
    (cookie("s_vi", "[CS]v1|2F83E302BE531E9C-138A9D48BDB67503[CE]"), "2F83E302BE531E9C-138A9D48BDB67503"),
    (cookie("__gads", "ID=0a1b2c3d4e5f6a7b:T=1700000000:RT=1700000000:S=ALNI_Mabc"), "0a1b2c3d4e5f6a7b"),
    (cookie("ajs_anonymous_id", "4c7f6d8e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"), "4c7f6d8e-1a2b-4c3d-9e8f-0a1b2c3d4e5f"),
    (cookie("_pk_id.1.1fff", "0123456789abcdef.1700000000."), "0123456789abcdef"),
    (cookie("__qca", "P0-1234567890-1700000000000"), "P0-1234567890-1700000000000"),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value"), POSITIVES)
def test_tracker_cookies(field, value) -> None:  # noqa: ANN001
    found = detect_tracking_id(field)
    assert essentials(found) == [(Kind.TRACKING_ID, value, Source.KEY, None)]
    assert found[0].evidence  # names the tracker


@pytest.mark.parametrize(
    "field",
    [
        cookie("_ga", "1"),  # not an ID
        cookie("_gid", "GA1.2.0.0"),  # placeholder-like
        cookie("MUID", "0000000000000000"),
        cookie("_ga_ABC123", "GS1.1.1700000000.1.1.1700000100.0.0.0"),  # GA4 session state, not listed
        cookie("PHPSESSID", "abcdef0123456789abcdef"),  # first-party session
        fld("_ga", "GA1.2.1234567890.1700000000", Where.QUERY),  # only cookies here: queries need an adapter
        fld("_ga", "GA1.2.1234567890.1700000000", Where.COOKIE, path="_ga.x"),  # decoded out of a value
        cookie("_fbp", "1700000000000"),  # a timestamp alone
    ],
)
def test_not_tracking_ids(field) -> None:  # noqa: ANN001
    assert detect_tracking_id(field) == []


@given(st.integers(min_value=0, max_value=10**13))
def test_timestamps_are_never_ids(n: int) -> None:
    assert not plausible_id(str(n))


def test_dispatch_reaches_prefixed_cookies() -> None:
    assert "ga" in KEYS and "amcv" in KEY_PREFIXES


def test_microsoft_muid_cookie_is_a_tracking_id_not_an_imei() -> None:
    """The classic wrong headline: "your phone sent your IMEI to Microsoft"."""
    muid = "0F3C5A1B2D3E4F5061728394A5B6C7D8"
    ex = exchange(url="https://c.bing.com/c.gif", headers=(("Cookie", f"MUID={muid}"),), method="GET")
    assert [(f.kind, f.value) for f in analyze(ex).findings] == [(Kind.TRACKING_ID, muid)]


# -- ID-shaped cookies at advertising and analytics companies ----------------------------------------

BROWSER = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
APP = "Dalvik/2.1.0 (Linux; U; Android 13; 2201117TG Build/TKQ1.221114.001)"


def _cookie_findings(host: str, cookie: str, ua: str) -> set[tuple[Kind, str]]:
    ex = exchange(url=f"https://{host}/pixel", headers=(("Cookie", cookie), ("User-Agent", ua)), method="GET")
    return {(f.kind, f.value) for f in analyze(ex).findings if f.where == Where.COOKIE}


def test_an_ad_company_cookie_is_its_id_for_the_browser() -> None:
    found = _cookie_findings("ib.adnxs.com", "uuid2=8361237405437926432; anj=dTM7k!M4/8D", BROWSER)
    assert found == {(Kind.TRACKING_ID, "8361237405437926432")}
    found = _cookie_findings("dsum-sec.casalemedia.com", "CMID=VeILvcAoJEMAAFT7G8AAAAo; CMPS=1", BROWSER)
    assert found == {(Kind.TRACKING_ID, "VeILvcAoJEMAAFT7G8AAAAo")}


def test_in_an_app_such_a_cookie_is_the_device_id_it_looks_like() -> None:
    assert _cookie_findings("api.ad.intl.xiaomi.com", "_dmid=3B9F0A6D2C8E1F47", APP) == {
        (Kind.ANDROID_ID, "3b9f0a6d2c8e1f47")
    }


def test_cookies_elsewhere_or_not_id_shaped_are_not_tracking_ids() -> None:
    assert _cookie_findings("www.example.org", "uuid=6fe0dd22-4e86-11e5-9f93-005056a215fe", BROWSER) == {
        (
            Kind.TRACKING_ID,
            "6fe0dd22-4e86-11e5-9f93-005056a215fe",
        )  # a device-ID key in a browser: a tracking ID
    }
    assert _cookie_findings("www.example.org", "prefs=6fe0dd224e8611e59f93005056a215fe", BROWSER) == set()
    assert (
        _cookie_findings("ib.adnxs.com", "anj=short; euconsent=BOQ7WlgOQ7WlgABABwAAABJOACgACAAAAAAA", BROWSER)
        == set()
    )


def test_a_browser_has_no_device_ids_but_vendor_browsers_do() -> None:
    url = "https://api.example.org/v1/x?device_id=6fe0dd22-4e86-11e5-9f93-005056a215fe"
    kinds = {
        f.kind for f in analyze(exchange(url=url, headers=(("User-Agent", BROWSER),), method="GET")).findings
    }
    assert Kind.TRACKING_ID in kinds and Kind.DEVICE_ID not in kinds
    miui = BROWSER + " XiaoMi/MiuiBrowser/14.9.1-gn"
    kinds = {
        f.kind for f in analyze(exchange(url=url, headers=(("User-Agent", miui),), method="GET")).findings
    }
    assert Kind.DEVICE_ID in kinds


def test_credentials_containers_and_timestamps_in_ad_tech_cookies() -> None:
    # Sign-in cookies are credentials, base64 gzip a container, `<id>|<time>` an ID with its time.
    assert (
        _cookie_findings("www.google.com", "SID=YAieF18TdLas-8SKhGKNYvnieZbB1wJ1jf2tW44mAWYKcppPKL", BROWSER)
        == set()
    )
    assert (
        _cookie_findings(
            "p.rfihub.com", "rud=H4sIAAAAAAAAAOMSMrcwM7c0sjQ2MjExNzUytzQ0BAA-LZbwFAAAAA", BROWSER
        )
        == set()
    )
    assert _cookie_findings(
        "us-u.openx.net", "i=13d77993-15e3-46bd-ea47-1dbe6f71e6d8|1440877501", BROWSER
    ) == {(Kind.TRACKING_ID, "13d77993-15e3-46bd-ea47-1dbe6f71e6d8")}
    assert _cookie_findings(
        "mytoys.example", "visid_incap_592261=bMQnWfX0Qae3c028bVMVOxmAPVoAAAAAQUIPAAAAAABYkMG5rD", BROWSER
    ) == {(Kind.TRACKING_ID, "bMQnWfX0Qae3c028bVMVOxmAPVoAAAAAQUIPAAAAAABYkMG5rD")}


def test_electron_apps_are_apps_not_browsers() -> None:
    slack = "Mozilla/5.0 (Macintosh) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.33.90 Chrome/114 Electron/25.2.0 Safari/537.3"
    url = "https://slack.example/api?device_id=20b0ab55-dcc5-4ef4-9143-694309c56c5a"
    kinds = {
        f.kind for f in analyze(exchange(url=url, headers=(("User-Agent", slack),), method="GET")).findings
    }
    assert Kind.DEVICE_ID in kinds


def test_an_ad_frame_is_no_page_visited() -> None:
    ex = exchange(
        url="https://pixel.example-tracker.com/p", method="GET",
        headers=(("Referer", "https://tpc.googlesyndication.com/safeframe/1-0-14/html/container.html"), ("User-Agent", BROWSER)),
    )  # fmt: skip
    assert not [f for f in analyze(ex).findings if f.kind == Kind.VISITED_URL]
    ex = exchange(url="https://pixel.example-tracker.com/p", method="GET",
                  headers=(("Referer", "https://news.example.org/story"), ("User-Agent", BROWSER)))  # fmt: skip
    assert [f.value for f in analyze(ex).findings if f.kind == Kind.VISITED_URL] == [
        "https://news.example.org/story"
    ]


def test_tealium_and_adobe_cookies_and_timestamps() -> None:
    assert _cookie_findings(
        "tags.tiqcdn.com", "utag_main=v_id:0187531f8fde003a5b709aa2e85c000b400ab0ac004f4$_sn:1", APP
    ) == {(Kind.TRACKING_ID, "0187531f8fde003a5b709aa2e85c000b400ab0ac004f4")}
    assert _cookie_findings("www.example.org", "s_fid=47AF970D47CCF441-29623BF9B1D5A180", APP) == {
        (Kind.TRACKING_ID, "47AF970D47CCF441-29623BF9B1D5A180")
    }
    assert _cookie_findings("ib.adnxs.com", "s_getNewRepeat=1680784159950-Repeat", APP) == set()


def test_cookie_matching_parameters_and_headers_wherever_they_go() -> None:
    assert essentials(detect_tracking_id(fld("google_gid", "CAESEMcTIgGz24gxeBeoQMKmuGc", Where.QUERY))) == [
        (Kind.TRACKING_ID, "CAESEMcTIgGz24gxeBeoQMKmuGc", Source.KEY, None)
    ]
    assert detect_tracking_id(fld("x-goog-visitor-id", "CgtrWVhjUE14dUNIbyizg7TrBQ==", Where.HEADER))
    assert detect_tracking_id(fld("google_gid", "1", Where.QUERY)) == []


def test_only_ad_tech_hosts_have_their_cookies_taken_for_ids() -> None:
    # www.google.com is search and sign-in too: its cookies are its own business, named ones aside.
    assert (
        _cookie_findings("www.google.com", "SOCS=CAISHAgCEhJnd3NfMjAyMzA3MTgtMF9SQzIaAmVuIAEaBgiA", BROWSER)
        == set()
    )


def test_more_named_ids() -> None:
    assert _cookie_findings("example.org", "ruid=56157f625a5b0c3d4842730e6f2a71^1^1515916", BROWSER) == {
        (Kind.TRACKING_ID, "56157f625a5b0c3d4842730e6f2a71")
    }
    assert _cookie_findings("example.org", "rx_uuid=RX-bbf09a74-3a2e-4196-80be-0d48237be192", BROWSER) == {
        (Kind.TRACKING_ID, "RX-bbf09a74-3a2e-4196-80be-0d48237be192")
    }
    assert detect_tracking_id(fld("ga_vid", "131552123.1440859426", Where.QUERY))
