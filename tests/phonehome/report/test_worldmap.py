"""The world map: shapes for every country phonehome can name, classes, markers, escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonehome.classifiers.destinations.regions import ANYCAST, LOCAL, NO_ADDRESS, UNKNOWN

from phonehome.countries import country_name
from phonehome.report.worldmap import MARKER_GAP, MARKER_R, entries, place_markers, world, world_map_svg

ALLOWED_TAGS = {
    "figure",
    "svg",
    "title",
    "g",
    "path",
    "rect",
    "circle",
    "line",
    "text",
    "ol",
    "li",
    "span",
    "p",
}


class Tags(HTMLParser):
    """Every start tag and attribute of a fragment, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(fragment: str) -> Tags:
    p = Tags()
    p.feed(fragment)
    p.close()
    return p


def assert_inert(fragment: str) -> None:
    """Only the tags the map draws, classes instead of styles, no scripts, handlers or references."""
    for tag, attrs in parse(fragment).tags:
        assert tag in ALLOWED_TAGS, tag
        for name in attrs:
            assert not name.startswith("on"), name
            assert name not in ("style", "href", "xlink:href", "src"), name


def classes_of(fragment: str, tag: str) -> list[str]:
    return [attrs.get("class") or "" for t, attrs in parse(fragment).tags if t == tag]


def test_the_shipped_data_is_small_and_says_where_it_comes_from() -> None:
    path = resources.files("phonehome.classifiers").joinpath("data", "world-110m.json")
    raw = path.read_bytes()
    assert len(raw) < 150_000
    source = json.loads(raw)["source"]
    assert "Natural Earth" in source["data"] and "public domain" in source["data"]
    assert source["package"] == "world-atlas@2.0.2" and source["integrity"].startswith("sha512-")
    attribution = resources.files("phonehome.classifiers").joinpath("data", "ATTRIBUTION.md").read_text()
    assert "world-110m.json" in attribution and "public domain" in attribution
    assert "naturalearthdata.com" in attribution and source["integrity"] in attribution


def test_every_country_phonehome_can_name_has_a_shape_or_a_marker() -> None:
    w = world()
    codes = {c.alpha_2 for c in pycountry.countries} | {"XK"}
    missing = sorted(c for c in codes if c not in w.points)
    assert not missing
    assert set(w.shapes) <= set(w.points)
    for x, y in w.points.values():
        assert 0 <= x <= w.width and 0 <= y <= w.height


def test_natural_earths_minus_99_countries_are_there() -> None:
    # ISO_A2 is -99 for these in Natural Earth; the map must still draw them.
    shapes = world().shapes
    for code in ("FR", "NO", "XK", "CY", "SO", "TW", "EH"):
        assert shapes.get(code, "").startswith("M"), code
    assert "AQ" not in shapes  # left out (a marker stands in)
    # Tiny places have a marker but no shape of their own.
    for code in ("SG", "HK", "MO", "MT", "MC", "LI", "BH", "MU"):
        assert code in world().points and code not in shapes, code


def test_path_data_is_plain_numbers() -> None:
    for code, d in world().shapes.items():
        assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", d), code


def test_empty_input_is_a_sentence_not_a_blank_map() -> None:
    out = world_map_svg({}, {})
    assert "<svg" not in out and 'class="map-empty"' in out and "No server or company country" in out
    assert world_map_svg({"CN": 0, "US": -3}, {}) == out


def test_places_that_are_not_countries_are_listed_not_drawn() -> None:
    out = world_map_svg({UNKNOWN: 3, ANYCAST: 2, NO_ADDRESS: 1, LOCAL: 1}, {"ZZ": 1})
    assert "<svg" not in out and "No country can be shown on a map" in out
    text = " ".join(parse(out).text)
    assert "anycast (no single country) (not on the map): servers (2 requests)" in text
    assert "ZZ (not on the map): headquarters (1 company)" in text
    assert "unknown (no server address) (not on the map): servers (1 request)" in text


def test_classes_titles_markers_and_legend() -> None:
    out = world_map_svg(
        {"CN": 40, "sg": 12, "US": 7, "anycast": 3}, {"CN": 2, "US": 1, "KR": 1}, svg_id="m-1"
    )
    assert_inert(out)
    assert 'id="m-1"' in out and 'viewBox="0 0 960 ' in out
    paths = classes_of(out, "path")
    assert paths.count("map-both") == 2  # CN and US: servers and headquarters
    assert paths.count("map-hq") == 1  # KR
    assert paths.count("map-server") == 0  # SG has no shape: its marker is all there is
    assert paths.count("map-land") == len(world().shapes) - 3
    markers = [c for c in classes_of(out, "g") if c.startswith("map-marker")]
    assert markers == [
        "map-marker map-both",
        "map-marker map-server",
        "map-marker map-both",
        "map-marker map-hq",
    ]
    # Numbered by total, and the legend says the same in words, in the same order.
    legend = re.findall(r'<li><span class="map-key ([\w-]+)">([^<]+)</span>([^<]*)</li>', out)
    assert [(cls, num) for cls, num, _ in legend] == [
        ("map-both", "1"),
        ("map-server", "2"),
        ("map-both", "3"),
        ("map-hq", "4"),
        ("map-none", "–"),
    ]
    assert legend[0][2] == "China: servers (40 requests) and headquarters (2 companies)"
    assert legend[1][2] == "Singapore: servers (12 requests)"
    assert legend[3][2] == "South Korea: headquarters (1 company)"
    # Every coloured thing has a title with its name and counts.
    assert "<title>2. Singapore: servers (12 requests)</title>" in out
    assert out.count("<title>1. China: servers (40 requests) and headquarters (2 companies)</title>") == 2


def test_the_callers_words_are_used() -> None:
    out = world_map_svg(
        {"DE": 1},
        {"DE": 2},
        label=lambda c: f"Land {c}",
        server_noun=("flow", "flows"),
        hq_noun=("firm", "firms"),
    )
    assert "Land DE: servers (1 flow) and headquarters (2 firms)" in out


HOSTILE = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "</title></svg><script>alert(1)</script>",
    "' onmouseover='alert(1)",
    "\ud800 lone surrogate \x00 nul \u202e bidi",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_string_from_the_caller_is_escaped(hostile: str) -> None:
    out = world_map_svg({"CN": 1, hostile: 2}, {hostile: 1}, label=lambda c: hostile + c, svg_id=hostile)
    assert_inert(out)
    assert "<script" not in out and "<img" not in out
    out.encode("utf-8")  # writable: no lone surrogate left


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(max_size=12), st.integers(-2, 10**6), max_size=8),
    st.dictionaries(st.sampled_from(sorted(world().points)), st.integers(0, 50), max_size=30),
    st.text(max_size=30),
)
def test_any_input_gives_an_inert_fragment(servers: dict[str, int], hq: dict[str, int], name: str) -> None:
    out = world_map_svg(servers, hq, label=lambda c: name + country_name(c), svg_id=name)
    assert_inert(out)
    numbered = [e for e in entries(servers, hq, country_name) if e.number is not None]
    assert [e.number for e in numbered] == list(range(1, len(numbered) + 1))
    if numbered:
        assert out.count('<g class="map-marker') == len(numbered)
    else:
        assert "<svg" not in out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 960), st.floats(0, 420)), max_size=60))
def test_markers_never_overlap_and_stay_in_the_frame(anchors: list[tuple[float, float]]) -> None:
    placed = place_markers(anchors, 960, 420)
    assert len(placed) == len(anchors)
    for i, (x, y) in enumerate(placed):
        assert MARKER_R <= x <= 960 - MARKER_R and MARKER_R <= y <= 420 - MARKER_R
        for x2, y2 in placed[:i]:
            assert ((x - x2) ** 2 + (y - y2) ** 2) ** 0.5 >= 2 * MARKER_R + MARKER_GAP - 1e-9


def test_a_free_marker_stays_on_its_country() -> None:
    assert place_markers([(100.0, 100.0), (400.0, 200.0)], 960, 420) == [(100.0, 100.0), (400.0, 200.0)]
    # Two at one spot: the second moves, and the map ties it back with a leader line.
    second = place_markers([(500.0, 80.0), (500.0, 80.0)], 960, 420)[1]
    assert second != (500.0, 80.0)
    out = world_map_svg({"BE": 2, "LU": 1, "NL": 1}, {})
    assert 'class="map-leader"' in out
