"""phonehome.countries: names people read."""

from __future__ import annotations

import pytest

from phonehome.countries import country_name


@pytest.mark.parametrize(
    ("code", "name"),
    [("SG", "Singapore"), ("CN", "China"), ("RU", "Russia"), ("GB", "United Kingdom"), ("US", "United States"),
     ("KR", "South Korea"), ("TW", "Taiwan"), ("anycast", "anycast (no single country)"), ("local", "local network"),
     ("unknown (no server address)", "unknown (no server address)"), (None, "unknown"), ("ZZ", "ZZ")],
)  # fmt: skip
def test_country_name(code: str | None, name: str) -> None:
    assert country_name(code) == name
