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
