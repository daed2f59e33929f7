#!/usr/bin/env python3
"""Build the world map's country shapes: `classifiers/data/world-110m.json`.

Maintainer tool: phonehome itself never goes online.  The shapes are Natural Earth's 1:110m
admin-0 countries (public domain), as redistributed in the npm package `world-atlas` (TopoJSON,
quantised, in degrees).  This script takes the pinned tarball (downloaded from the npm registry
and checked against its sha512 integrity, or given with --tarball), and writes one small JSON
file the report draws from without any geometry code at run time:

    width, height   the frame of the projected map (Equal Earth, y down, Antarctica left out)
    precision       path units per map unit (10: draw the paths inside a scale(0.1) group)
    shapes          ISO 3166-1 alpha-2 code -> SVG path data ("M12 34l5-2...z"), integer path units
    points          code -> [x, y] where a country's marker goes: the centroid of its largest
                    polygon for every shape; for the countries and territories too small for
                    the 1:110m set, the centroid of their largest polygon in the 1:50m set of
                    the same package, and for the last few (in neither) a coordinate in POINTS
    source          package, version, integrity, Natural Earth version, what was changed

world-atlas names countries by ISO 3166-1 numeric code; three shapes have none and are mapped by
name: Kosovo -> XK, and the de-facto states N. Cyprus and Somaliland join CY and SO (ISO 3166
has no code of their own, and a server there is located as CY or SO).

Usage:
    python tools/make_worldmap.py [--tarball world-atlas-2.0.2.tgz] [--out classifiers/data/world-110m.json]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import sys
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pycountry

PACKAGE = "world-atlas"
VERSION = "2.0.2"
INTEGRITY = "sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
NATURAL_EARTH = "4.1.0"

WIDTH = 960  # map units across; the report scales the SVG to its column
TOP_LAT, BOTTOM_LAT = 84.0, -58.0  # the crop: Greenland's north coast to below Cape Horn
TOLERANCE = 0.25  # Douglas-Peucker tolerance in map units
PRECISION = 10  # path data in tenths of a map unit (the SVG scales them by 1/PRECISION)

# Shapes without a numeric id in world-atlas.
BY_NAME = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
LEFT_OUT = {"AQ"}  # Antarctica: a third of the map's height for no server; a marker stands in

# (lat, lon) of places in neither the 1:110m nor the 1:50m set (or joined to another country
# there), and Antarctica's marker, which sits at the map's bottom edge.
POINTS: dict[str, tuple[float, float]] = {
    "AQ": (-57.0, 0.0),
    "BQ": (12.18, -68.25),
    "BV": (-54.42, 3.36),
    "CC": (-12.16, 96.87),
    "CX": (-10.49, 105.62),
    "GF": (3.93, -53.13),
    "GI": (36.14, -5.35),
    "GP": (16.25, -61.55),
    "MQ": (14.64, -61.02),
    "RE": (-21.12, 55.53),
    "SJ": (78.22, 15.65),
    "TK": (-9.20, -171.85),
    "TV": (-8.52, 179.20),
    "UM": (19.28, 166.65),
    "YT": (-12.83, 45.14),
}

# Equal Earth (Šavrič, Patterson and Jenny 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    theta = math.asin(M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = math.radians(lon) * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180.0, 0.0)[0]
Y_TOP, Y_BOTTOM = equal_earth(0.0, TOP_LAT)[1], equal_earth(0.0, BOTTOM_LAT)[1]
SCALE = WIDTH / (2 * X_MAX)
HEIGHT = round((Y_TOP - Y_BOTTOM) * SCALE)


def project(lon: float, lat: float) -> tuple[float, float]:
    x, y = equal_earth(lon, lat)
    return (x + X_MAX) * SCALE, (Y_TOP - y) * SCALE


def fetch_tarball(path: Path | None) -> bytes:
    if path is not None:
        data = path.read_bytes()
    else:
        print(f"downloading {TARBALL_URL}", file=sys.stderr)
        with urllib.request.urlopen(TARBALL_URL, timeout=60) as response:  # noqa: S310 (pinned https URL)
            data = response.read()
    algo, _, b64 = INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != b64:
        raise SystemExit(f"integrity mismatch: expected {INTEGRITY}, got {algo}-{got}")
    return data


def member(tgz: bytes, name: str) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        f = tar.extractfile(f"package/{name}")
        assert f is not None
        return dict(json.loads(f.read()))


Ring = list[tuple[float, float]]


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """TopoJSON's quantised, delta-encoded arcs as lists of (lon, lat)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    points: Ring = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(arcs: list[Ring], geometry: dict[str, Any]) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [[ring(arcs, r) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(arcs, r) for r in poly] for poly in geometry["arcs"]]
    return []


def code_of(geometry: dict[str, Any]) -> str | None:
    name = geometry.get("properties", {}).get("name", "")
    if name in BY_NAME:
        return BY_NAME[name]
    country = pycountry.countries.get(numeric=geometry.get("id") or "")
    return None if country is None else str(country.alpha_2)


def area(points: Ring) -> float:
    return (
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)) / 2
    )


def centroid(points: Ring) -> tuple[float, float]:
    a = area(points)
    if abs(a) < 1e-9:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * a), cy / (6 * a)


def simplify(points: Ring, tolerance: float) -> Ring:
    """Douglas-Peucker on an open polyline (the ring's closing point is implied)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        (x0, y0), (x1, y1) = points[i], points[j]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for k in range(i + 1, j):
            px, py = points[k]
            d = abs(dy * (px - x0) - dx * (py - y0)) / norm if norm else math.hypot(px - x0, py - y0)
            if d > best:
                best, index = d, k
        if index > 0 and best > tolerance:
            keep[index] = True
            stack += [(i, index), (index, j)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def path_data(rings: list[Ring]) -> str:
    """Integer SVG path data, relative moves: the smallest text for these shapes."""
    out = []
    for r in rings:
        pts = [(round(x * PRECISION), round(y * PRECISION)) for x, y in r]
        pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        if len(set(pts)) < 3:
            continue
        steps = [n for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False) for n in (x1 - x0, y1 - y0)]
        out.append(f"M{_numbers(list(pts[0]))}l{_numbers(steps)}z")
    return "".join(out)


def _numbers(values: list[int]) -> str:
    """Numbers as SVG path data writes them: a minus sign is separator enough."""
    text = ""
    for v in values:
        text += str(v) if not text or v < 0 else f" {v}"
    return text


def clip(points: Ring, keep: Callable[[float], bool], edge: float) -> Ring:
    """Sutherland-Hodgman against one meridian: the part of a ring on the kept side of `edge`."""
    out: Ring = []
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        if keep(x1):
            if not keep(x0):
                out.append((edge, y0 + (y1 - y0) * (edge - x0) / (x1 - x0)))
            out.append((x1, y1))
        elif keep(x0):
            out.append((edge, y0 + (y1 - y0) * (edge - x0) / (x1 - x0)))
    return out


def densify(points: Ring) -> Ring:
    """Points every degree along the map's edge, which Equal Earth draws curved."""
    out: Ring = []
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        out.append((x0, y0))
        if x0 == x1 and abs(x0) == 180 and abs(y1 - y0) > 1:
            steps = int(abs(y1 - y0))
            out += [(x0, y0 + (y1 - y0) * k / steps) for k in range(1, steps)]
    return out


def split_at_antimeridian(points: Ring) -> list[Ring]:
    """world-atlas keeps rings whole across 180 degrees (d3 clips when drawing): cut them here."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in zip(points, points[1:], strict=False)):
        return [points]
    unwrapped: Ring = [points[0]]
    for lon, lat in points[1:]:
        prev = unwrapped[-1][0]
        lon += 360 * round((prev - lon) / 360)
        unwrapped.append((lon, lat))
    parts = []
    for shift in (-360, 0, 360):
        moved = [(lon + shift, lat) for lon, lat in unwrapped]
        part = clip(clip(moved, lambda x: x <= 180, 180.0), lambda x: x >= -180, -180.0)
        if len(part) >= 3 and abs(area(part)) > 1e-6:
            parts.append(densify(part))
    return parts


def projected(polys: list[list[Ring]]) -> list[list[Ring]]:
    out = []
    for poly in polys:
        # An outer ring cut in two makes two polygons; holes (none cross 180 at this scale) stay.
        outers = split_at_antimeridian(poly[0])
        for i, outer in enumerate(outers):
            holes = poly[1:] if i == 0 else []
            out.append([[project(lon, lat) for lon, lat in r] for r in [outer, *holes]])
    return out


def label_point(polys: list[list[Ring]]) -> list[float]:
    largest = max((poly[0] for poly in polys), key=lambda r: abs(area(r)))
    x, y = centroid(largest)
    return [round(x, 1), round(y, 1)]


def build(tgz: bytes) -> dict[str, Any]:
    small = member(tgz, "countries-110m.json")
    arcs = decode_arcs(small)
    by_code: dict[str, list[list[Ring]]] = {}
    for geometry in small["objects"]["countries"]["geometries"]:
        code = code_of(geometry)
        if code is None:
            raise SystemExit(f"no ISO code for {geometry.get('properties')}")
        by_code.setdefault(code, []).extend(projected(polygons(arcs, geometry)))
    shapes: dict[str, str] = {}
    points: dict[str, list[float]] = {}
    for code, polys in sorted(by_code.items()):
        if code in LEFT_OUT:
            continue
        # The label goes on the country's own largest polygon, not a de-facto state joined to it.
        points[code] = label_point(polys)
        rings = [simplify(r, TOLERANCE) for poly in polys for r in poly]
        d = path_data(rings)
        if not d:  # everything simplified away: keep the largest ring as it was
            d = path_data([max((r for poly in polys for r in poly), key=lambda r: abs(area(r)))])
        shapes[code] = d
    medium = member(tgz, "countries-50m.json")
    arcs50 = decode_arcs(medium)
    for geometry in medium["objects"]["countries"]["geometries"]:
        code = code_of(geometry)
        if code is None or code in points or code in LEFT_OUT or code in POINTS:
            continue
        points[code] = label_point(projected(polygons(arcs50, geometry)))
    for code, (lat, lon) in POINTS.items():
        points[code] = [round(v, 1) for v in project(lon, lat)]
    return {
        "source": {
            "data": f"Natural Earth {NATURAL_EARTH}, 1:110m Cultural Vectors, Admin 0 - Countries (public domain)",
            "url": "https://www.naturalearthdata.com/downloads/110m-cultural-vectors/",
            "package": f"{PACKAGE}@{VERSION}",
            "integrity": INTEGRITY,
            "files": ["countries-110m.json", "countries-50m.json (marker points only)"],
            "generator": "tools/make_worldmap.py",
            "changes": (
                f"Equal Earth projection, {WIDTH} units across, cropped to latitudes {TOP_LAT} to {BOTTOM_LAT}; "
                "Antarctica left out; N. Cyprus joined to CY and Somaliland to SO; "
                f"Douglas-Peucker simplification (tolerance {TOLERANCE} units), coordinates in 1/{PRECISION} units"
            ),
        },
        "width": WIDTH,
        "height": HEIGHT,
        "precision": PRECISION,
        "shapes": shapes,
        "points": dict(sorted(points.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball", type=Path, help="the pinned package tarball, instead of downloading it")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent.parent / "classifiers/data/world-110m.json"
    )
    args = parser.parse_args()
    data = build(fetch_tarball(args.tarball))
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(data['shapes'])} shapes, {len(data['points'])} points, {len(text):,} bytes")


if __name__ == "__main__":
    main()
