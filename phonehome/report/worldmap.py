"""Where the data went, as a world map: inline SVG from shipped country shapes, no network.

API (pure; the HTML report calls it once per device):

    world_map_svg(servers, headquarters, *, label=country_name, svg_id="world-map",
                  server_noun=("request", "requests"), hq_noun=("company", "companies")) -> str

`servers` maps ISO 3166-1 alpha-2 codes of server countries to a count (requests, say) and
`headquarters` the countries where the receiving companies sit to a count (companies, say); the
nouns name those counts in titles and the legend.  Any other key ("unknown", "anycast", "local",
a code that is no country) is listed under the map as not on it.  The result is an HTML fragment:
`<figure class="map">` holding the `<svg id=svg_id>` and an `<ol class="map-legend">`; with no
country to show it is one `<p class="map-empty">` sentence (and that list), never a blank map.

Countries with servers get the class `map-server`, headquarters `map-hq`, both `map-both`, the rest
`map-land`.  Colour is never the only cue: every coloured country has a `<title>` (name and counts)
and a numbered marker (`<g class="map-marker map-...">`), and the legend below repeats number,
name and counts in words.  Markers are how countries without visible area (Singapore, Hong Kong,
Luxembourg, Malta, islands) appear at all; crowded markers are moved apart and tied to their
country by a line (`map-leader`).  The SVG uses classes only (no style attributes, no script, no
references outside itself), so it fits the report's Content-Security-Policy; `CSS` is a default
stylesheet for these classes that the report adds to its own (hashed) one.

Every caller-given string (labels, svg_id, nouns, unknown keys) is escaped with html.escape
(quote=True), its control and bidi-override characters dropped and lone surrogates replaced.  The shapes are Natural Earth's 1:110m countries (public domain), projected and
simplified by `tools/make_worldmap.py` into `classifiers/data/world-110m.json`.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from phonehome.countries import country_name

DATA_FILE = "world-110m.json"
MARKER_R = 8.0  # marker radius, map units (the map is 960 units across)
MARKER_GAP = 1.5  # at least this much between two markers

CSS = """
.map-land{fill:#dfe4ec;stroke:#fff;stroke-width:.4}
.map-server{fill:#0072b2;stroke:#fff;stroke-width:.4}
.map-hq{fill:#e69f00;stroke:#fff;stroke-width:.4}
.map-both{fill:#882255;stroke:#fff;stroke-width:.4}
.map-marker circle{stroke:#fff;stroke-width:1.2}
.map-marker text{fill:#fff;font:700 9px system-ui,sans-serif}
.map-marker.map-hq text{fill:#1d2330}
.map-leader{stroke:#1d2330;stroke-width:.8;fill:none}
.map-anchor{fill:#1d2330}
.map-legend{margin:6px 0;padding-left:0;list-style:none;font-size:.9rem}
.map-legend li{margin:2px 0}
.map-key{display:inline-block;min-width:1.6em;border-radius:.8em;text-align:center;font-weight:700;margin-right:4px;color:#fff}
.map-key.map-server{background:#0072b2}.map-key.map-hq{background:#e69f00;color:#1d2330}.map-key.map-both{background:#882255}
.map-key.map-none{background:#dfe4ec;color:#1d2330}
"""


@dataclass(frozen=True)
class World:
    """The shipped shapes: frame, path data per code (in 1/precision units), marker points."""

    width: int
    height: int
    precision: int
    shapes: Mapping[str, str]
    points: Mapping[str, tuple[float, float]]
    source: Mapping[str, Any]


@lru_cache(maxsize=1)
def world() -> World:
    raw = json.loads(resources.files("phonehome.classifiers").joinpath("data", DATA_FILE).read_text("utf-8"))
    return World(
        width=int(raw["width"]),
        height=int(raw["height"]),
        precision=int(raw["precision"]),
        shapes=dict(raw["shapes"]),
        points={code: (float(p[0]), float(p[1])) for code, p in raw["points"].items()},
        source=dict(raw["source"]),
    )


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def esc(value: object) -> str:
    """Inert text: escaped, without control or bidi-override characters or lone surrogates."""
    text = "" if value is None else str(value)
    return html.escape(_SURROGATE.sub("\ufffd", _INVISIBLE.sub("", text)), quote=True)


def _count(n: int, noun: tuple[str, str]) -> str:
    return f"{n:,} {noun[0] if n == 1 else noun[1]}"


@dataclass(frozen=True)
class Entry:
    """One key of the input: a country on the map (numbered) or a place that is not on it."""

    code: str
    name: str
    servers: int
    headquarters: int
    number: int | None  # None: not on the map

    @property
    def cls(self) -> str:
        if self.servers and self.headquarters:
            return "map-both"
        return "map-server" if self.servers else "map-hq" if self.headquarters else "map-none"

    def words(self, server_noun: tuple[str, str], hq_noun: tuple[str, str]) -> str:
        parts = []
        if self.servers:
            parts.append(f"servers ({_count(self.servers, server_noun)})")
        if self.headquarters:
            parts.append(f"headquarters ({_count(self.headquarters, hq_noun)})")
        return " and ".join(parts)


def entries(
    servers: Mapping[str, int], headquarters: Mapping[str, int], label: Callable[[str], str]
) -> list[Entry]:
    """Every key with a positive count, countries on the map first (numbered by total, then name)."""
    points = world().points
    totals: dict[str, list[int]] = {}
    for i, counts in enumerate((servers, headquarters)):
        for key, n in counts.items():
            if not n or n <= 0:
                continue
            code = key.upper() if key and key.upper() in points else key
            totals.setdefault(code, [0, 0])[i] += int(n)
    rows = sorted(totals.items(), key=lambda kv: (kv[0] not in points, -sum(kv[1]), label(kv[0]), kv[0]))
    out, number = [], 0
    for code, (s, h) in rows:
        on_map = code in points
        number += on_map
        out.append(Entry(code, label(code), s, h, number if on_map else None))
    return out


def place_markers(
    anchors: list[tuple[float, float]], width: float, height: float, r: float = MARKER_R
) -> list[tuple[float, float]]:
    """Marker centres in the order given: each at its anchor if free, else the nearest free spot
    on rings around it (checked against the markers already placed), inside the frame."""
    placed: list[tuple[float, float]] = []
    least = 2 * r + MARKER_GAP

    def free(x: float, y: float) -> bool:
        return all(math.hypot(x - px, y - py) >= least for px, py in placed)

    for ax, ay in anchors:
        ax, ay = min(max(ax, r), width - r), min(max(ay, r), height - r)
        spot = (ax, ay)
        if not free(ax, ay):
            spot = _search(ax, ay, free, width, height, r)
        placed.append(spot)
    return placed


def _search(
    ax: float, ay: float, free: Callable[[float, float], bool], width: float, height: float, r: float
) -> tuple[float, float]:
    step = r * 1.1
    for ring in range(1, 400):
        count = 8 * ring
        for k in range(count):
            angle = 2 * math.pi * k / count - math.pi / 2
            x, y = ax + ring * step * math.cos(angle), ay + ring * step * math.sin(angle)
            if r <= x <= width - r and r <= y <= height - r and free(x, y):
                return x, y
    return ax, ay  # a frame full of markers: overlap rather than fail


def world_map_svg(
    servers: Mapping[str, int],
    headquarters: Mapping[str, int],
    *,
    label: Callable[[str], str] = country_name,
    svg_id: str = "world-map",
    server_noun: tuple[str, str] = ("request", "requests"),
    hq_noun: tuple[str, str] = ("company", "companies"),
) -> str:
    """The map and its legend as an HTML fragment (see the module's docstring)."""
    w = world()
    rows = entries(servers, headquarters, label)
    on_map = [e for e in rows if e.number is not None]
    off_map = [e for e in rows if e.number is None]
    legend = _legend(on_map, off_map, server_noun, hq_noun)
    if not on_map:
        what = "No server or company country is known" if not off_map else "No country can be shown on a map"
        return f'<p class="map-empty">{what} for this capture.</p>{legend}'

    coloured = {e.code: e for e in on_map}
    scale = 1 / w.precision
    parts = [
        f'<figure class="map"><svg id="{esc(svg_id)}" class="world-map" role="img" '
        f'viewBox="0 0 {w.width} {w.height}" width="{w.width}" height="{w.height}">'
        "<title>Map: countries of the servers that received data and of the companies behind them</title>"
        f'<g transform="scale({scale:g})">'
    ]
    for code, d in w.shapes.items():
        if code not in coloured:
            parts.append(f'<path class="map-land" d="{d}"/>')
    for e in on_map:
        if e.code in w.shapes:
            tip = f"{e.number}. {e.name}: {e.words(server_noun, hq_noun)}"
            parts.append(f'<path class="{e.cls}" d="{w.shapes[e.code]}"><title>{esc(tip)}</title></path>')
    parts.append("</g>")
    anchors = [w.points[e.code] for e in on_map]
    for e, (ax, ay), (mx, my) in zip(on_map, anchors, place_markers(anchors, w.width, w.height), strict=True):
        tip = f"{e.number}. {e.name}: {e.words(server_noun, hq_noun)}"
        if (mx, my) != (ax, ay):
            parts.append(
                f'<line class="map-leader" x1="{ax:.1f}" y1="{ay:.1f}" x2="{mx:.1f}" y2="{my:.1f}"/>'
                f'<circle class="map-anchor" cx="{ax:.1f}" cy="{ay:.1f}" r="1.6"/>'
            )
        parts.append(
            f'<g class="map-marker {e.cls}"><title>{esc(tip)}</title>'
            f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="{MARKER_R:g}"/>'
            f'<text x="{mx:.1f}" y="{my:.1f}" dy="3.2" text-anchor="middle">{e.number}</text></g>'
        )
    parts.append("</svg>")
    parts.append(legend)
    parts.append("</figure>")
    return "".join(parts)


def _legend(
    on_map: list[Entry], off_map: list[Entry], server_noun: tuple[str, str], hq_noun: tuple[str, str]
) -> str:
    if not on_map and not off_map:
        return ""
    items = []
    for e in on_map:
        items.append(
            f'<li><span class="map-key {e.cls}">{e.number}</span>{esc(e.name)}: '
            f"{esc(e.words(server_noun, hq_noun))}</li>"
        )
    for e in off_map:
        items.append(
            f'<li><span class="map-key map-none">–</span>{esc(e.name)} (not on the map): '
            f"{esc(e.words(server_noun, hq_noun))}</li>"
        )
    return f'<ol class="map-legend">{"".join(items)}</ol>'
