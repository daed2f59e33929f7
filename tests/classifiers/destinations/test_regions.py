"""classifiers.regions: country codes to the jurisdiction groups users ask about."""

from __future__ import annotations

import pytest
from phonehome.classifiers.destinations.regions import (
    ANYCAST,
    EU_EEA,
    LOCAL,
    NAMED_COUNTRIES,
    NO_ADDRESS,
    Region,
    countries_of,
    parse_region,
    region_of,
)


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("DE", Region.EU_EEA), ("fr", Region.EU_EEA), ("NO", Region.EU_EEA), ("IS", Region.EU_EEA),
        ("GR", Region.EU_EEA), ("GB", Region.UK), ("US", Region.US), ("CN", Region.CN),
        ("HK", Region.HK), ("SG", Region.SG), ("RU", Region.RU), ("IN", Region.IN),
        ("CH", Region.OTHER), ("TW", Region.OTHER), ("BR", Region.OTHER), ("JP", Region.OTHER),
        (ANYCAST, Region.ANYCAST), (LOCAL, Region.LOCAL), (NO_ADDRESS, Region.UNKNOWN),
        ("unknown", Region.UNKNOWN), (None, Region.UNKNOWN), ("", Region.UNKNOWN), ("XYZ", Region.UNKNOWN),
    ],
)  # fmt: skip
def test_region_of(country: str | None, region: Region) -> None:
    assert region_of(country) is region


def test_eu_eea_is_the_30_states() -> None:
    assert len(EU_EEA) == 30
    assert "GB" not in EU_EEA and "CH" not in EU_EEA


@pytest.mark.parametrize(
    ("text", "region"),
    [("cn", Region.CN), ("China", Region.CN), ("eu", Region.EU_EEA), ("EU/EEA", Region.EU_EEA),
     ("eea", Region.EU_EEA), ("GB", Region.UK), ("uk", Region.UK), ("Hong Kong", Region.HK),
     ("other", Region.OTHER), ("SG", Region.SG)],
)  # fmt: skip
def test_parse_region(text: str, region: Region) -> None:
    assert parse_region(text) is region


def test_parse_region_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown region 'mars'"):
        parse_region("mars")


def test_countries_of() -> None:
    assert countries_of(Region.CN) == {"CN"}
    assert countries_of(Region.UK) == {"GB"}
    assert countries_of(Region.EU_EEA) == EU_EEA
    assert countries_of(Region.OTHER) is None
    assert {"CN", "HK", "SG", "GB", "US", "RU", "IN", "DE"} <= NAMED_COUNTRIES
