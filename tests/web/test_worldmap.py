"""The dashboard's world map: outlines decoded from the vendored TopoJSON, keyed by ISO code."""

from __future__ import annotations

import re

from dcc.web.worldmap import VIEWBOX, country_paths, shade

PATH = re.compile(r"^(M\d+,\d+(L\d+,\d+)+Z)+$")


def test_countries_of_the_region_have_outlines_inside_the_map() -> None:
    paths = country_paths()
    assert len(paths) >= 170
    width, height = (int(v) for v in VIEWBOX.split()[2:])
    for code in ("ID", "MY", "TL", "PG", "AU", "PH", "US", "CN", "NL", "SA"):
        assert PATH.match(paths[code]), code
        numbers = [int(n) for n in re.findall(r"\d+", paths[code])]
        xs, ys = numbers[0::2], numbers[1::2]
        assert min(xs) >= 0 and max(xs) <= width and min(ys) >= 0 and max(ys) <= height


def test_indonesia_lies_where_a_reader_expects_it() -> None:
    """Between 95°E and 141°E, 6°N and 11°S: x 2750-3210, y 740-960 in map units."""
    numbers = [int(n) for n in re.findall(r"\d+", country_paths()["ID"])]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 2740 and max(xs) <= 3220
    assert min(ys) >= 780 and max(ys) <= 960
    assert len(re.findall("M", country_paths()["ID"])) >= 10  # an archipelago, not one blob


def test_shades_grow_with_mentions_and_start_at_one() -> None:
    assert [shade(c, 1000) for c in (0, 1, 10, 100, 1000, 5000)] == [0, 1, 2, 4, 5, 5]
    assert shade(3, 0) == 0
