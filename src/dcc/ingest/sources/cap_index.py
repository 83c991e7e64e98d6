"""Atom/RSS index feeds of CAP alerts: one RawItem per entry, with the link to its CAP document.

Some indexes (the NWS Atom one) also copy a few CAP fields into each entry as `cap:*`
elements; those are kept in `extra["cap"]`. The full alert is a separate CAP source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from xml.etree.ElementTree import Element

from dcc.errors import SourceFormatError
from dcc.ingest.sources.cap import CAP_NAMESPACES, EXERCISE_STATUSES
from dcc.ingest.sources.fields import iso_utc, language_code, parse_timestamp
from dcc.ingest.sources.rss import FeedEntry, item_from_entry, read_feed
from dcc.ingest.xmlsafe import parse_xml
from dcc.records import JSONValue, ParseProblem, RawItem, Source

CAP_MEDIA_TYPE = "application/cap+xml"
_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_ENTRY_TAGS = {f"{_ATOM}entry", "item", f"{_RSS1}item"}
_ID_TAGS = (f"{_ATOM}id", "guid", f"{_ATOM}link", "link", f"{_RSS1}link")
# CAP fields that may repeat in an entry: always lists, even when there is one.
_REPEATED = {"category", "responseType", "geocode", "parameter", "eventCode", "polygon", "circle"}
_TIMESTAMPS = {"sent", "effective", "onset", "expires"}


def parse_cap_index(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """One `kind="alert"` RawItem per index entry, `extra["cap_url"]` linking its CAP alert."""
    parsed = read_feed(content)
    yield from parsed.problems
    inline = _inline_cap_fields(parsed.data)
    feed_lang = language_code(parsed.feed.get("language")) or source.lang
    for index, entry in enumerate(parsed.entries, start=1):
        try:
            item = item_from_entry(entry, source, feed_lang=feed_lang, kind="alert")
        except ValueError as exc:
            yield ParseProblem(f"entry {index}", str(exc))
            continue
        cap = inline.get(item.external_id) or inline.get(item.url or "") or _flat_cap(entry)
        extra: dict[str, JSONValue] = {**item.extra, "cap_url": cap_link(entry)}
        if cap:
            extra["cap"] = cap
            extra["is_exercise"] = cap.get("status") in EXERCISE_STATUSES
        yield replace(item, kind="alert", extra=extra)


def cap_link(entry: FeedEntry) -> str | None:
    """The entry's link typed application/cap+xml, else its main link, else None."""
    links = entry.get("links") or []
    for link in links:
        if str(link.get("type", "")).lower().startswith(CAP_MEDIA_TYPE) and link.get("href"):
            return str(link["href"])
    main = entry.get("link")
    return str(main) if main else None


def _inline_cap_fields(data: bytes) -> dict[str, dict[str, JSONValue]]:
    # feedparser flattens cap:geocode pairs into one valueName/value, so the CAP elements are
    # read from the tree instead, keyed by the entry's id (or link) as feedparser reports it.
    try:
        root = parse_xml(data)
    except SourceFormatError:
        return {}  # Not well-formed: feedparser's flat fields are the fallback.
    fields: dict[str, dict[str, JSONValue]] = {}
    for entry in root.iter():
        if entry.tag not in _ENTRY_TAGS:
            continue
        cap = _cap_children(entry)
        key = _entry_key(entry)
        if cap and key:
            fields[key] = cap
    return fields


def _cap_children(entry: Element) -> dict[str, JSONValue]:
    cap: dict[str, JSONValue] = {}
    for child in entry:
        namespace, _, name = child.tag[1:].partition("}")
        if not child.tag.startswith("{") or namespace not in CAP_NAMESPACES:
            continue
        value: JSONValue
        if len(child):
            value = {
                grandchild.tag.rpartition("}")[2]: (grandchild.text or "").strip()
                for grandchild in child
            }
        else:
            value = (child.text or "").strip()
            if name in _TIMESTAMPS:
                value = _utc_text(value)
        if name in _REPEATED:
            cap.setdefault(name, []).append(value)
        else:
            cap[name] = value
    return cap


def _entry_key(entry: Element) -> str | None:
    for tag in _ID_TAGS:
        element = entry.find(tag)
        if element is None:
            continue
        value = (element.get("href") or element.text or "").strip()
        if value:
            return value
    return None


def _utc_text(value: str) -> str:
    try:
        return iso_utc(parse_timestamp(value)) or value
    except ValueError:
        return value  # Kept as written: the index is a pointer, the alert itself is checked.


def _flat_cap(entry: Mapping[str, object]) -> dict[str, JSONValue]:
    # feedparser's own view of cap:* elements (names lowercased, pairs flattened).
    return {
        key.removeprefix("cap_"): value
        for key, value in entry.items()
        if key.startswith("cap_") and isinstance(value, str) and value.strip()
    }
