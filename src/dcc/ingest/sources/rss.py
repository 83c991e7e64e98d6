"""RSS 2.0, Atom and RDF feeds via feedparser, keeping GeoRSS points and GDACS fields.

The bytes are made UTF-8 and checked for entity tricks first (feedparser uses its own XML
parser, which defusedxml cannot guard), then each entry becomes one RawItem. GDACS feeds get
`kind="disaster"`, their gdacs:* fields in `extra["gdacs"]`, and the affected country.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import feedparser
from babel import Locale
from babel.core import get_global

from dcc.errors import SourceFormatError
from dcc.ingest.decoding import xml_as_utf8
from dcc.ingest.sources.fields import (
    canonical_url,
    from_struct_time,
    geo_point,
    html_to_text,
    iso_utc,
    language_code,
    parse_timestamp,
)
from dcc.ingest.xmlsafe import check_xml_is_safe
from dcc.records import GeoPoint, JSONValue, ParseProblem, RawItem, Source

# feedparser's results are FeedParserDict: untyped dict subclasses with attribute access.
FeedEntry = dict[str, Any]

# GDACS fields kept as given (text); the numeric and dated ones are converted below.
_GDACS_TEXT_FIELDS = (
    "alertlevel",
    "episodealertlevel",
    "eventtype",
    "eventname",
    "eventid",
    "episodeid",
    "country",
    "iso3",
    "cap",
    "glide",
    "version",
)
_GDACS_NUMBER_FIELDS = ("alertscore", "episodealertscore")
_GDACS_MEASURE_FIELDS = ("severity", "population", "vulnerability")
_GDACS_DATE_FIELDS = ("fromdate", "todate")
# ISO 3166-1 codes babel's CLDR data lacks: Kosovo's user-assigned code, which GDACS uses.
_EXTRA_ALPHA3 = {"XKX": "XK"}


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed as feedparser read it, the UTF-8 bytes it read, and whole-document problems."""

    feed: FeedEntry
    entries: list[FeedEntry]
    data: bytes
    problems: tuple[ParseProblem, ...]


def parse_feed(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """One RawItem per feed entry; a bad entry is a ParseProblem, an unreadable feed raises."""
    parsed = read_feed(content)
    yield from parsed.problems
    feed_lang = language_code(_text(parsed.feed, "language")) or source.lang
    for index, entry in enumerate(parsed.entries, start=1):
        try:
            yield item_from_entry(entry, source, feed_lang=feed_lang)
        except ValueError as exc:
            yield ParseProblem(f"entry {index}", str(exc))


def read_feed(content: bytes) -> ParsedFeed:
    """Decode, check and parse a feed; SourceFormatError when it has no readable entries."""
    data, decoded = xml_as_utf8(content)
    check_xml_is_safe(data)
    result = feedparser.parse(data)
    entries: list[FeedEntry] = list(result.entries)
    problems: list[ParseProblem] = []
    if decoded.has_replacements:
        problems.append(
            ParseProblem("feed", f"bytes invalid in {decoded.encoding} were replaced by U+FFFD")
        )
    if result.bozo:
        exception = result.get("bozo_exception")
        reason = str(exception) or type(exception).__name__
        if not entries:
            raise SourceFormatError(f"not a readable feed: {reason}")
        problems.append(ParseProblem("feed", f"not well-formed XML, read leniently: {reason}"))
    elif not entries and not result.version:
        raise SourceFormatError("not an RSS, Atom or RDF feed (no channel or feed element)")
    return ParsedFeed(result.feed, entries, data, tuple(problems))


def item_from_entry(
    entry: FeedEntry, source: Source, *, feed_lang: str | None, kind: str = "article"
) -> RawItem:
    """The RawItem for one feed entry; ValueError when it has no id, link, title or text."""
    # feedparser copies a guid into `link` when it may be a permalink; only URLs count as links.
    link = _text(entry, "link") if _is_web_url(_text(entry, "link")) else ""
    external_id = _text(entry, "id") or (canonical_url(link) if link else "")
    if not external_id:
        raise ValueError("entry has neither an id (guid) nor a link")
    title = html_to_text(_text(entry, "title"))
    text = entry_text(entry) or title
    if not text:
        raise ValueError(f"entry {external_id!r} has no title and no text")
    extra: dict[str, JSONValue] = {}
    categories = [tag["term"] for tag in entry.get("tags") or () if tag.get("term")]
    if categories:
        extra["categories"] = categories
    country = source.country
    gdacs = gdacs_fields(entry)
    if gdacs:
        extra["gdacs"] = gdacs
        kind = "disaster"
        country = gdacs_country(gdacs) or country
    return RawItem(
        source_id=source.id,
        external_id=external_id,
        text=text,
        title=title,
        url=link or None,
        author=_author(entry),
        published_at=from_struct_time(
            entry.get("published_parsed") or dict.get(entry, "updated_parsed")
        ),
        lang=_entry_language(entry) or feed_lang,
        country=country,
        geo=entry_point(entry),
        kind=kind,
        extra=extra,
    )


def entry_text(entry: FeedEntry) -> str:
    """Plain text of an entry: its longest content block, else its summary."""
    contents = [block.get("value") or "" for block in entry.get("content") or ()]
    body = max(contents, key=len, default="") or _text(entry, "summary")
    return html_to_text(body)


def entry_point(entry: FeedEntry) -> GeoPoint | None:
    """The entry's GeoRSS or W3C geo point, or None when it has none (or a broken one)."""
    where = entry.get("where")
    try:
        if where and where.get("type") == "Point":
            lon, lat = where["coordinates"][:2]
            return geo_point(lat, lon)
        if entry.get("geo_lat") and entry.get("geo_long"):
            return geo_point(entry["geo_lat"], entry["geo_long"])
    except (ValueError, TypeError, KeyError):
        return None
    return None


def gdacs_fields(entry: FeedEntry) -> dict[str, JSONValue]:
    """The entry's gdacs:* fields, typed (numbers, UTC dates, bbox list); empty if none."""
    fields: dict[str, JSONValue] = {}
    for name in _GDACS_TEXT_FIELDS:
        value = _text(entry, f"gdacs_{name}")
        if value:
            fields[name] = value
    for name in _GDACS_NUMBER_FIELDS:
        number = _number(entry.get(f"gdacs_{name}"))
        if number is not None:
            fields[name] = number
    for name in _GDACS_MEASURE_FIELDS:
        measure = entry.get(f"gdacs_{name}")
        if isinstance(measure, Mapping) and measure.get("value") not in (None, ""):
            fields[name] = {"value": _number(measure["value"]), "unit": measure.get("unit", "")}
    for name in _GDACS_DATE_FIELDS:
        value = _text(entry, f"gdacs_{name}")
        if value:
            try:
                fields[name] = iso_utc(parse_timestamp(value))
            except ValueError:
                fields[name] = value
    bbox = [_number(part) for part in _text(entry, "gdacs_bbox").split()]
    if len(bbox) == 4 and None not in bbox:
        # GDACS writes "lonmin lonmax latmin latmax" (a comment in the feed says so).
        fields["bbox"] = dict(zip(("lon_min", "lon_max", "lat_min", "lat_max"), bbox, strict=True))
    is_current = _text(entry, "gdacs_iscurrent").lower()
    if is_current in ("true", "false"):
        fields["iscurrent"] = is_current == "true"
    return fields


def gdacs_country(gdacs: Mapping[str, JSONValue]) -> str | None:
    """ISO 3166-1 alpha-2 of the one country a GDACS event affects; None if several or none.

    gdacs:iso3 holds one code even when gdacs:country lists several ("Argentina, Chile"), so
    the code is trusted only when the country list has a single name.
    """
    iso3 = str(gdacs.get("iso3") or "").upper()
    names = str(gdacs.get("country") or "")
    if not iso3 or "," in names:
        return None
    return alpha3_to_alpha2().get(iso3)


@cache
def alpha3_to_alpha2() -> dict[str, str]:
    """ISO 3166-1 alpha-3 -> alpha-2, from CLDR's territory aliases as babel ships them."""
    territories = Locale("en").territories
    mapping = {
        alias: replacements[0]
        for alias, replacements in get_global("territory_aliases").items()
        if len(alias) == 3
        and alias.isalpha()
        and len(replacements) == 1
        and replacements[0] in territories
    }
    return mapping | _EXTRA_ALPHA3


def _text(entry: FeedEntry, key: str) -> str:
    # dict.get, not entry.get: feedparser warns (DeprecationWarning) when "updated" is asked
    # for and only "published" exists, and its key aliases are not wanted here.
    value = dict.get(entry, key)
    return value.strip() if isinstance(value, str) else ""


def _is_web_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def _number(value: object) -> float | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _author(entry: FeedEntry) -> str | None:
    detail = entry.get("author_detail")
    if isinstance(detail, Mapping) and detail.get("name"):
        return str(detail["name"]).strip()
    return _text(entry, "author") or None


def _entry_language(entry: FeedEntry) -> str | None:
    for key in ("content", "summary_detail", "title_detail"):
        detail = entry.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, Mapping) and detail.get("language"):
            return language_code(detail["language"])
    return None
