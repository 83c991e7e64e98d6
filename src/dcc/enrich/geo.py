"""Which countries a document is about, and the places it names with coordinates (§4.2).

The focus rule (issue "Understand", point 5). Every gazetteer name and LOC entity is a mention
of a country: a country name, a city/province/sea (its country), a demonym ("warga Malaysia")
or a national body ("BNPB" -> ID). A country is one the document is ABOUT when
  - it is mentioned in the first sentence (a headline or a tweet's opening), or
  - it is mentioned at least twice, or
  - a place inside it (city, province, sea, US state) is named.
A single mention later in the text is a passing mention and is left out (listed under `why`).
Countries are ordered by score: the sum over mentions of the kind's weight (places and country
names 1.0, demonyms 0.7, organisations 0.5), doubled in the first sentence; ties by first
mention. A sea bordering several countries counts for the first one listed in data/regions.tsv.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from dcc.enrich.gazetteer import GazEntry, cities, country_points, gazetteer, tokenize
from dcc.enrich.labels import Entity, Place
from dcc.ingest.sources.rss import alpha3_to_alpha2

KIND_WEIGHT = {
    "country": 1.0,
    "province": 1.0,
    "region": 1.0,
    "city": 1.0,
    "state": 1.0,
    "demonym": 0.7,
    "org": 0.5,
}
PLACE_KINDS = frozenset({"province", "region", "city", "state"})
FIRST_SENTENCE = re.compile(r"[.!?\n](?:\s|$)")
# "127 km NNE of Lae, Papua New Guinea", "5km W of Cobb, California"
PLACE_STRING = re.compile(
    r"^\s*(?:(?P<km>\d+(?:\.\d+)?)\s*km\s+(?P<bearing>[NSEW]{1,3})\s+of\s+)?(?P<where>.+?)\s*$"
)
FOCUS_RULE = "first sentence, or >= 2 mentions, or a place inside it"
MAX_LEADING_WORDS = 6  # "off the west coast of northern Sumatra": words to drop before a name


@dataclass
class _Tally:
    score: float = 0.0
    count: int = 0
    first: int = 1 << 30
    is_in_first_sentence: bool = False
    places: list[str] = field(default_factory=list)
    name: str = ""  # the country's English name, once a country name is seen


def resolve_geography(
    text: str, entities: list[Entity], lang: str
) -> tuple[list[str], list[Place], dict[str, Any]]:
    """Countries the text is about (alpha-2, most central first), its places, and evidence."""
    del lang  # names are matched in every language the gazetteer holds
    mentions = _mentions(text, entities)
    if not mentions:
        return [], [], {"rule": FOCUS_RULE, "scores": {}, "passing": []}
    first_end = _first_sentence_end(text)
    named = {e.countries[0] for _, e in mentions if e.countries and e.kind == "country"}
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    places: dict[tuple[str, str | None], tuple[int, Place]] = {}
    for start, entry in mentions:
        preferred = _prefer_named(entry, named)
        if preferred is None or not preferred.countries:
            continue
        entry = preferred
        if not entry.countries:
            continue
        code = entry.countries[0]
        tally = tallies[code]
        is_first = start < first_end
        tally.score += KIND_WEIGHT[entry.kind] * (2.0 if is_first else 1.0)
        tally.count += 1
        tally.first = min(tally.first, start)
        tally.is_in_first_sentence |= is_first
        if entry.kind == "country":
            tally.name = entry.name
        if entry.kind in PLACE_KINDS:
            tally.places.append(entry.name)
        if entry.lat is not None and entry.lon is not None and entry.kind != "country":
            key = (entry.name, code)
            places.setdefault(key, (start, Place(entry.name, entry.lat, entry.lon, code)))
    focus = [
        code for code, t in tallies.items() if t.is_in_first_sentence or t.count >= 2 or t.places
    ]
    focus.sort(key=lambda code: (-tallies[code].score, tallies[code].first))
    for code in focus:
        point = country_points().get(code)
        if point and not any(p.country == code for _, p in places.values()):
            name = tallies[code].name or code
            places[(code, code)] = (tallies[code].first, Place(name, point[0], point[1], code))
    ordered = [p for _, p in sorted(places.values(), key=lambda item: item[0])]
    why: dict[str, Any] = {
        "rule": FOCUS_RULE,
        "scores": {
            code: {
                "score": round(t.score, 2),
                "mentions": t.count,
                "first_sentence": t.is_in_first_sentence,
                "places": t.places,
            }
            for code, t in tallies.items()
        },
        "passing": sorted(set(tallies) - set(focus)),
    }
    return focus, ordered, why


def parse_place_string(place: str) -> tuple[Place | None, str | None]:
    """The place and country of a USGS/GDACS location string.

    "127 km NNE of Lae, Papua New Guinea" -> (Place("Lae", -6.7, 147.0, "PG"), "PG");
    "south of the Fiji Islands" -> (Place("Fiji Islands", ..., "FJ"), "FJ").
    """
    match = PLACE_STRING.match(place)
    if match is None:
        return None, None
    where = match.group("where")
    locality, comma, region = where.rpartition(",")
    if comma:
        entry = _lookup_name(region.strip())
        if entry is not None and entry.countries:
            code = entry.countries[0]
            inside = _city_in(locality.strip(), code) or _region_in(locality.strip(), code)
            return inside or _as_place(entry, code), code
        where = locality
    entry = _lookup_name(where)
    if entry is None or not entry.countries:
        return None, None
    return _as_place(entry, entry.countries[0]), entry.countries[0]


def country_from_alpha3(code: str) -> str | None:
    """ISO alpha-2 for an alpha-3 code ("IDN" -> "ID"), as RSS/GDACS fields carry them."""
    return alpha3_to_alpha2().get(code.upper())


def _first_sentence_end(text: str) -> int:
    found = FIRST_SENTENCE.search(text)
    return found.end() if found else len(text)


def _mentions(text: str, entities: list[Entity]) -> list[tuple[int, GazEntry]]:
    """(offset, best reading) for each gazetteer name and each LOC entity with a known town."""
    found = gazetteer().find(text)
    mentions = [(m.start, m.best) for m in found]
    covered = [(m.start, m.end) for m in found]
    for entity in entities:
        if entity.type != "LOC":
            continue
        if any(s < entity.end and entity.start < e for s, e in covered):
            continue
        city = _city_readings(entity.text)
        if city:
            mentions.append((entity.start, city[0]))
    mentions.sort(key=lambda m: m[0])
    return mentions


def _prefer_named(entry: GazEntry, named: set[str]) -> GazEntry | None:
    """The reading of a town name inside a country the text names.

    A name that towns in several countries share, none of them named while other countries
    are, is dropped: "Victoria, Australia" is the Australian state, not Hong Kong's Victoria.
    """
    if entry.kind != "city" or not entry.countries or entry.countries[0] in named:
        return entry
    readings = _readings(entry.name)
    for reading in readings:
        if reading.countries and reading.countries[0] in named:
            return reading
    is_shared = len({r.countries for r in readings if r.kind == "city"}) > 1
    return None if named and is_shared else entry


@lru_cache(maxsize=4096)
def _readings(name: str) -> tuple[GazEntry, ...]:
    """Every reading of a town name: the gazetteer's, then every town of that name."""
    return gazetteer().lookup(name) + _city_readings(name)


def _lookup_name(name: str) -> GazEntry | None:
    """A gazetteer reading for `name`, dropping leading words ("south of the") and "region"."""
    words = [t.text for t in tokenize(name)]
    if words and words[-1].lower() == "region":
        words = words[:-1]
    for skip in range(min(MAX_LEADING_WORDS, len(words)) + 1):
        candidate = " ".join(words[skip:])
        readings = gazetteer().lookup(candidate) or _city_readings(candidate)
        if readings:
            return readings[0]
    return None


def _as_place(entry: GazEntry, code: str) -> Place | None:
    if entry.lat is None or entry.lon is None:
        point = country_points().get(code)
        return Place(entry.name, point[0], point[1], code) if point else None
    return Place(entry.name, entry.lat, entry.lon, code)


def _region_in(name: str, code: str) -> Place | None:
    entry = _lookup_name(name)
    if entry is None or code not in entry.countries:
        return None
    return _as_place(entry, code)


def _city_in(name: str, code: str) -> Place | None:
    for reading in _city_readings(name):
        if reading.countries == (code,):
            return _as_place(reading, code)
    return None


def load_town_table() -> None:
    """Read the table of every town now (0.15 s, 11 MB): a worker does on start, so that the
    first LOC name it cannot place otherwise does not stall its batch."""
    _all_towns()


def _city_readings(name: str) -> tuple[GazEntry, ...]:
    return _all_towns().get(name.casefold(), ())


@cache
def _all_towns() -> dict[str, tuple[GazEntry, ...]]:
    """Every town of 15k people or more by casefolded name, most populous first.

    Wider than the gazetteer's cities (which must stay precise in free text): used only for
    names already known to be places, such as a LOC entity or a USGS locality.
    """
    towns: dict[str, list[GazEntry]] = defaultdict(list)
    for city in cities().values():
        entry = GazEntry(
            "city",
            str(city["name"]),
            (str(city["countrycode"]),),
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["population"]),
        )
        towns[entry.name.casefold()].append(entry)
    return {
        name: tuple(sorted(found, key=lambda e: -e.population)) for name, found in towns.items()
    }
