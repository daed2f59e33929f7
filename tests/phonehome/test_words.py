"""phonehome.words: one vocabulary for every human output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonehome.classifiers.model import Category, Kind

from phonehome.words import (
    BLIND_SPOT_LABELS,
    blind_spot_label,
    category_label,
    country_label,
    kind_label,
    local_zone,
    noun,
    plural,
    when,
    zone_info,
)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_a_label(kind: Kind) -> None:
    from phonehome.words import KIND_LABELS

    assert kind.value in KIND_LABELS and "_" not in kind_label(kind.value)


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_a_label(category: Category) -> None:
    from phonehome.words import CATEGORY_LABELS

    assert category.value in CATEGORY_LABELS and "_" not in category_label(category.value)


def test_labels() -> None:
    assert kind_label("android_id") == "Android ID"
    assert kind_label("cell_tower") == "mobile cell tower"
    assert kind_label("future_kind") == "future kind"
    assert category_label("app_usage") == "app usage"
    assert blind_spot_label("client_tls") == BLIND_SPOT_LABELS["client_tls"]
    assert blind_spot_label("new_thing") == "new thing"


@pytest.mark.parametrize(
    ("code", "name"),
    [("DE", "Germany"), (None, "unknown"), ("unknown", "unknown"), ("anycast", "anycast (no single country)"),
     ("US", "United States")],
)  # fmt: skip
def test_country_label(code: str | None, name: str) -> None:
    assert country_label(code) == name


@pytest.mark.parametrize(
    ("n", "word", "expected"),
    [(1, "request", "1 request"), (2, "request", "2 requests"), (0, "request", "0 requests"),
     (1, "company", "1 company"), (2, "company", "2 companies"), (3, "country", "3 countries"),
     (1, "finding", "1 finding"), (2, "finding", "2 findings"), (2, "address", "2 addresses"),
     (2, "person", "2 people"), (2, "host", "2 hosts"), (2, "entry", "2 entries"), (2, "day", "2 days"),
     (1204, "flow", "1,204 flows")],
)  # fmt: skip
def test_plural(n: int, word: str, expected: str) -> None:
    assert plural(n, word) == expected


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["request", "company", "host", "address"]))
def test_plural_one_is_singular_else_not(n: int, word: str) -> None:
    assert (noun(n, word) == word) == (n == 1)
    assert plural(n, word).startswith(f"{n:,} ")


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [("2024-05-01T06:00:01.900000Z", "Europe/Berlin", "2024-05-01 08:00:01 CEST"),
     ("2024-01-01T06:00:01+00:00", "Europe/Berlin", "2024-01-01 07:00:01 CET"),
     ("2024-05-01T06:00:01Z", None, "2024-05-01 06:00:01 UTC"),
     ("2024-05-01T06:00:01Z", "UTC", "2024-05-01 06:00:01 UTC"),
     ("2024-05-01T06:00:01Z", "+02:00", "2024-05-01 08:00:01 UTC+02"),
     ("2024-05-01T06:00:01Z", "-05:30", "2024-05-01 00:30:01 UTC-05:30"),
     ("2024-05-01T06:00:01Z", "Asia/Dubai", "2024-05-01 10:00:01 UTC+04"),
     (datetime(2024, 5, 1, 6, 0, 1, 999999), "America/New_York", "2024-05-01 02:00:01 EDT"),
     ("2024-05-01T06:00:01Z", "Not/AZone", "2024-05-01 06:00:01 UTC"),
     (None, "UTC", ""), ("not a time <b>", "UTC", "")],
)  # fmt: skip
def test_when(value: str | datetime | None, zone: str | None, expected: str) -> None:
    assert when(value, zone) == expected


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["UTC", "Europe/Berlin", "+05:45", "-11:00", "Asia/Shanghai", None]))  # fmt: skip
def test_when_is_to_the_second_and_names_the_zone(moment: datetime, zone: str | None) -> None:
    date, clock, name = when(moment, zone).split(" ")
    assert len(date) == 10 and len(clock) == 8 and name.strip()
    back = datetime.fromisoformat(f"{date}T{clock}").replace(tzinfo=zone_info(zone))
    if zone in (None, "UTC", "+05:45", "-11:00"):  # fixed offsets: exactly the moment, cut to the second
        assert back.astimezone(UTC) == moment.replace(microsecond=0)


@given(st.text(max_size=40))
def test_when_shows_only_times_it_can_read(text: str) -> None:
    shown = when(text, "UTC")
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        assert shown == ""
    else:
        assert shown.endswith(" UTC") and len(shown) == len("2024-05-01 08:00:01 UTC")


def test_zone_info() -> None:
    assert zone_info("+02:00") == timezone(timedelta(hours=2))
    assert zone_info("-03:30") == timezone(-timedelta(hours=3, minutes=30))
    assert zone_info("UTC") is UTC and zone_info(None) is UTC and zone_info("+99:00") is UTC
    assert zone_info("../../etc/passwd") is UTC


def test_local_zone_is_the_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone() == "Asia/Tokyo"
    assert when("2024-05-01T00:00:00Z", local_zone()) == "2024-05-01 09:00:00 JST"
