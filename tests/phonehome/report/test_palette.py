"""phonehome/report/palette.py: one colour and one pattern per data category, told apart by people
with normal vision and with deuteranopia or protanopia, and a class for every category."""

from __future__ import annotations

import itertools
import math

import pytest

from phonehome.report import palette
from phonehome.summary import CATEGORY_ORDER

# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
SIMULATIONS = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
}  # fmt: skip


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _lab(hex_colour: str, matrix: tuple[tuple[float, ...], ...]) -> tuple[float, float, float]:
    rgb = [_linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    r, g, b = (min(1.0, max(0.0, sum(m * v for m, v in zip(row, rgb, strict=True)))) for row in matrix)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_every_category_has_its_own_colour_and_pattern() -> None:
    assert set(palette.CATEGORY_COLOURS) == set(CATEGORY_ORDER)
    assert len(set(palette.CATEGORY_COLOURS.values())) == len(CATEGORY_ORDER)
    patterns = [palette._PATTERNS[c] for c in CATEGORY_ORDER]
    assert len(set(patterns)) == len(patterns)  # one of them plain, the others each their own


@pytest.mark.parametrize("vision", sorted(SIMULATIONS))
def test_categories_stay_apart_as_colour_blind_people_see_them(vision: str) -> None:
    matrix = SIMULATIONS[vision]
    labs = {c: _lab(palette.colour(c), matrix) for c in CATEGORY_ORDER}
    closest = min(math.dist(labs[a], labs[b]) for a, b in itertools.combinations(CATEGORY_ORDER, 2))
    assert closest >= 30, (vision, closest)


def test_unknown_categories_are_other_and_every_class_is_styled() -> None:
    assert palette.category_class("identifier") == "cat-identifier"
    assert palette.category_class("a category from the future") == "cat-other"
    assert palette.colour("nope") == palette.OTHER_COLOUR
    css = palette.css()
    for category in (*CATEGORY_ORDER, palette.OTHER):
        assert f".cat-{category}{{" in css and f'id="p-{category}"' in palette.pattern_defs()
    for cls in ("map-server", "map-hq", "map-both", "map-land"):
        assert f".{cls}" in css
    assert "url(" not in css.replace("url(#p-", "")  # nothing fetched: only the page's own patterns
