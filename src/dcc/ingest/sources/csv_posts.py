"""CSV exports of social-media posts, read through the source's column mapping.

`source.mapping` maps DCC fields to column headers, for example CrisisLex T6:
`{"id": "tweet id", "text": "tweet"}` (its header is `tweet id, tweet, label`). Headers match
after trimming spaces and ignoring case; ids lose quotes around them ('3252...' -> 3252...);
columns not mapped are kept in `extra` under their header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime

from dcc.errors import SourceFormatError
from dcc.ingest.decoding import decode_bytes
from dcc.ingest.sources.fields import geo_point, parse_timestamp
from dcc.records import GeoPoint, JSONValue, ParseProblem, RawItem, Source

# Same default as Settings.max_document_bytes (1 MiB): one row is one document.
DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
REQUIRED_FIELDS = ("id", "text")
OPTIONAL_FIELDS = ("title", "author", "published_at", "url", "lang", "lat", "lon")


def parse_csv(
    content: bytes, source: Source, *, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> Iterator[RawItem | ParseProblem]:
    """One RawItem per data row; a bad row is a ParseProblem ("row N", N counting data rows).

    SourceFormatError when the mapping is missing or names a column the header lacks.
    """
    _check_mapping(source.mapping)
    # The limit is process-wide in the csv module; raise it to what one document may be, never
    # lower it (another reader may need more).
    if csv.field_size_limit() < max_document_bytes:
        csv.field_size_limit(max_document_bytes)
    decoded = decode_bytes(content)
    if decoded.has_replacements:
        yield ParseProblem("file", f"bytes invalid in {decoded.encoding} were replaced by U+FFFD")
    reader = csv.reader(io.StringIO(decoded.text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise SourceFormatError("CSV file is empty: no header row") from None
    except csv.Error as exc:
        raise SourceFormatError(f"CSV header row cannot be read: {exc}") from None
    columns = _column_indexes(header, source.mapping)
    mapped = set(columns.values())
    unmapped = [(index, name.strip()) for index, name in enumerate(header) if index not in mapped]
    row_number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            yield ParseProblem(f"row {row_number}", f"line {reader.line_num}: {exc}")
            continue
        if not row:
            continue  # A blank line is not a row.
        row_number += 1
        size = sum(map(len, row))
        if size > max_document_bytes:
            yield ParseProblem(
                f"row {row_number}",
                f"line {reader.line_num}: row is {size} characters, over the limit of "
                f"{max_document_bytes}",
            )
            continue
        if len(row) != len(header):
            yield ParseProblem(
                f"row {row_number}",
                f"line {reader.line_num}: {len(row)} columns, the header has {len(header)}",
            )
            continue
        try:
            yield _row_item(row, columns, unmapped, source)
        except ValueError as exc:
            yield ParseProblem(f"row {row_number}", f"line {reader.line_num}: {exc}")


def _check_mapping(mapping: Mapping[str, str]) -> None:
    if not mapping:
        raise SourceFormatError(
            "CSV sources need a column mapping (DCC field -> column header), "
            "for example id='tweet id', text='tweet'"
        )
    missing = [field for field in REQUIRED_FIELDS if not mapping.get(field)]
    if missing:
        raise SourceFormatError(f"CSV column mapping lacks {', '.join(missing)}")
    unknown = sorted(set(mapping) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        known = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise SourceFormatError(
            f"CSV column mapping has unknown field(s) {', '.join(unknown)}; known: {known}"
        )
    if ("lat" in mapping) != ("lon" in mapping):
        raise SourceFormatError("CSV column mapping needs both lat and lon, or neither")


def _column_indexes(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name.strip().lower(), index)  # The first of duplicate names.
    columns: dict[str, int] = {}
    for field, column in mapping.items():
        found = positions.get(column.strip().lower())
        if found is None:
            available = ", ".join(repr(name.strip()) for name in header)
            raise SourceFormatError(
                f"CSV column {column!r} (mapped to {field}) is not in the header; "
                f"columns are: {available}"
            )
        columns[field] = found
    return columns


def _row_item(
    row: list[str], columns: dict[str, int], unmapped: list[tuple[int, str]], source: Source
) -> RawItem:
    values = {field: row[index].strip() for field, index in columns.items()}
    post_id = _unquote(values["id"])
    if not post_id:
        raise ValueError("id is empty")
    text = values["text"]
    if not text:
        raise ValueError(f"text is empty (id {post_id})")
    extra: dict[str, JSONValue] = {name: row[index] for index, name in unmapped}
    return RawItem(
        source_id=source.id,
        external_id=post_id,
        text=text,
        title=values.get("title", ""),
        url=values.get("url") or None,
        author=values.get("author") or None,
        published_at=_published_at(values.get("published_at")),
        lang=values.get("lang") or source.lang,
        country=source.country,
        geo=_geo(values.get("lat"), values.get("lon")),
        kind="post",
        extra=extra,
    )


def _unquote(value: str) -> str:
    # Exports quote long ids so spreadsheets keep every digit: '325208201740029952'.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].strip()
    return value


def _published_at(value: str | None) -> datetime | None:
    return parse_timestamp(value) if value else None


def _geo(lat: str | None, lon: str | None) -> GeoPoint | None:
    if not lat and not lon:
        return None
    return geo_point(lat, lon)
