"""JSON Lines documents (DESIGN §4.1): one object a line, each checked on its own.

Fields: `id` (string; an integer is taken as its decimal string) and `text` are required;
`title`, `url`, `author`, `published_at` (ISO 8601, naive means UTC), `lang` and `geo`
({lat, lon}) are optional. `source` (the outlet) and any unknown field go to `extra`. A line
that breaks these rules is a ParseProblem naming its number; the other lines still count.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dcc.ingest.sources.fields import geo_point, to_utc
from dcc.records import GeoPoint, ParseProblem, RawItem, Source

# Same default as Settings.max_document_bytes (1 MiB).
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
_MODELLED = frozenset({"id", "text", "title", "url", "author", "published_at", "lang", "geo"})
_REPLACED = "invalid UTF-8 bytes replaced by U+FFFD"
# JSONDecoder.decode skips json.loads' per-call type checks and encoding detection.
_decode_json = json.JSONDecoder().decode


def parse_jsonl(
    content: bytes, source: Source, *, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> Iterator[RawItem | ParseProblem]:
    """One RawItem per valid line; one ParseProblem ("line N") per invalid or oversized line.

    A line with invalid UTF-8 is decoded with U+FFFD replacements, accepted if otherwise valid,
    and reported as a problem too, so nothing is lost and nothing is silently altered.
    """
    for number, line, note in _lines(content):
        if not line or line.isspace():
            continue
        # Characters never outnumber bytes, so most lines skip the encode.
        if len(line) * 4 > max_document_bytes and len(line.encode()) > max_document_bytes:
            yield ParseProblem(
                f"line {number}",
                f"line is {len(line.encode())} bytes, over the limit of {max_document_bytes}",
            )
            continue
        try:
            record = _decode_json(line)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg} at column {exc.colno}"
            yield ParseProblem(f"line {number}", f"{note}; {reason}" if note else reason)
            continue
        try:
            item = document_item(record, source)
        except ValueError as exc:
            yield ParseProblem(f"line {number}", f"{note}; {exc}" if note else str(exc))
            continue
        if note:
            yield ParseProblem(f"line {number}", f"{note} (document kept)")
        yield item


def document_item(record: Any, source: Source) -> RawItem:
    """The RawItem for one decoded §4.1 document; ValueError naming the offending field."""
    if type(record) is not dict:
        raise ValueError(f"expected a JSON object, found {type(record).__name__}")
    doc_id = record.get("id")
    if type(doc_id) is int:
        doc_id = str(doc_id)
    if type(doc_id) is not str or not doc_id or doc_id.isspace():
        raise ValueError(f"'id' must be a non-empty string, found {_short(doc_id)}")
    text = record.get("text")
    if type(text) is not str or not text or text.isspace():
        raise ValueError(f"'text' must be a non-empty string, found {_short(text)}")
    title = _optional_string(record, "title")
    lang = _optional_string(record, "lang")
    # Most documents hold only modelled fields; skip building `extra` for them.
    extra = (
        {k: v for k, v in record.items() if k not in _MODELLED} if record.keys() - _MODELLED else {}
    )
    return RawItem(
        source_id=source.id,
        external_id=doc_id.strip(),
        text=text,
        title=title or "",
        url=_optional_string(record, "url"),
        author=_optional_string(record, "author"),
        published_at=_published_at(record.get("published_at")),
        lang=lang or source.lang,
        country=source.country,
        geo=_geo(record.get("geo")),
        extra=extra,
    )


def _lines(content: bytes) -> Iterator[tuple[int, str, str]]:
    """(line number, text, note) for each line; the note tells of replaced bytes."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        # One decode for the whole input is much faster than one a line.
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        for number, raw in enumerate(content.split(b"\n"), start=1):
            try:
                yield number, raw.decode("utf-8"), ""
            except UnicodeDecodeError:
                yield number, raw.decode("utf-8", "replace"), _REPLACED
        return
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line, ""


def _optional_string(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or type(value) is str:
        return value or None
    raise ValueError(f"{name!r} must be a string, found {_short(value)}")


def _published_at(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"'published_at' must be an ISO 8601 string, found {_short(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"'published_at' {value!r} is not ISO 8601") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else to_utc(parsed)


def _geo(value: object) -> GeoPoint | None:
    if value is None:
        return None
    if type(value) is dict:
        lat, lon = value.get("lat"), value.get("lon")
        # Fast path for the usual case: two floats in range.
        if type(lat) is float and type(lon) is float and -90 <= lat <= 90 and -180 <= lon <= 180:
            return GeoPoint(lat, lon)
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        raise ValueError(f"'geo' must be an object with lat and lon, found {_short(value)}")
    try:
        return geo_point(value["lat"], value["lon"])
    except ValueError as exc:
        raise ValueError(f"'geo': {exc}") from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
