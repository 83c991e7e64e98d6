"""Tests for CSV social-post exports read through a column mapping."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dcc.errors import SourceFormatError
from dcc.ingest.sources.csv_posts import parse_csv
from dcc.records import GeoPoint, ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
POSTS_MAPPING = {
    "id": "post id",
    "text": "MESSAGE",
    "author": "Author",
    "published_at": "created",
    "lat": "latitude",
    "lon": "longitude",
}
CRISISLEX_MAPPING = {"id": "tweet id", "text": "tweet"}


def source(mapping: dict[str, str]) -> Source:
    return Source(id="posts", kind=SourceKind.CSV, url="file:///posts.csv", mapping=mapping)


def parse(content: bytes, mapping: dict[str, str]) -> tuple[list[RawItem], list[ParseProblem]]:
    results = list(parse_csv(content, source(mapping)))
    return (
        [r for r in results if isinstance(r, RawItem)],
        [r for r in results if isinstance(r, ParseProblem)],
    )


def test_mapped_columns_become_fields(fixture_bytes: ReadFixture) -> None:
    items, _ = parse(fixture_bytes("posts.csv"), POSTS_MAPPING)
    first = items[0]
    assert first.external_id == "1001"  # quotes around the id are dropped
    assert first.text == "Banjir di Kampung Melayu, air setinggi pinggang"
    assert first.author == "@warga_jkt"
    assert first.published_at == datetime(2024, 3, 2, 1, 0, tzinfo=UTC)
    assert first.geo == GeoPoint(lat=-6.225, lon=106.866)
    assert first.kind == "post"
    assert first.extra == {"label": "on-topic"}  # the unmapped column, under its header
    # Twitter's created_at format is understood too.
    assert items[1].published_at == datetime(2024, 3, 2, 1, 5, tzinfo=UTC)
    assert items[1].geo is None
    # A quoted field may span lines.
    assert items[2].text == "Multi-line post\nsecond line of the same post"


def test_bad_rows_are_problems_and_the_rest_is_read(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("posts.csv"), POSTS_MAPPING)
    assert [i.external_id for i in items] == ["1001", "1002", "1006"]
    assert [str(p) for p in problems] == [
        "row 3: line 4: text is empty (id 1003)",
        "row 4: line 5: 8 columns, the header has 7",
        "row 5: line 6: lat '95.0' is outside -90..90",
    ]


def test_missing_mapping_is_refused(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError, match="need a column mapping"):
        parse(fixture_bytes("posts.csv"), {})
    with pytest.raises(SourceFormatError, match="lacks text"):
        parse(fixture_bytes("posts.csv"), {"id": "post id"})
    with pytest.raises(SourceFormatError, match="unknown field"):
        parse(fixture_bytes("posts.csv"), {"id": "post id", "text": "message", "body": "x"})
    with pytest.raises(SourceFormatError, match="both lat and lon"):
        parse(fixture_bytes("posts.csv"), {"id": "post id", "text": "message", "lat": "x"})


def test_absent_column_is_named_with_the_available_headers(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError) as caught:
        parse(fixture_bytes("posts.csv"), {"id": "tweet id", "text": "message"})
    assert str(caught.value) == (
        "CSV column 'tweet id' (mapped to id) is not in the header; columns are: 'Post ID', "
        "'Message', 'Author', 'Created', 'Latitude', 'Longitude', 'label'"
    )


def test_empty_file_is_refused() -> None:
    with pytest.raises(SourceFormatError, match="no header row"):
        parse(b"", CRISISLEX_MAPPING)


def test_oversized_row_is_a_problem() -> None:
    content = b"tweet id,tweet\n1,short\n2," + b"x" * 2000 + b"\n3,after\n"
    results = list(parse_csv(content, source(CRISISLEX_MAPPING), max_document_bytes=1000))
    items = [r for r in results if isinstance(r, RawItem)]
    problems = [r for r in results if isinstance(r, ParseProblem)]
    assert [i.external_id for i in items] == ["1", "3"]
    assert problems == [
        ParseProblem("row 2", "line 3: row is 2001 characters, over the limit of 1000")
    ]


def test_fields_beyond_the_csv_default_limit_are_read() -> None:
    # The csv module refuses fields over 128 KiB unless its limit is raised.
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(131072)
        content = b"tweet id,tweet\n1," + b"x" * 200_000 + b"\n"
        items, problems = parse(content, CRISISLEX_MAPPING)
    finally:
        csv.field_size_limit(limit)
    assert not problems
    assert len(items[0].text) == 200_000


def test_crisislex_t6_event_file(shared_data: Path) -> None:
    path = next((shared_data / "crisislex-t6" / "2013_Boston_Bombings").glob("*.csv"))
    content = path.read_bytes()
    items, problems = parse(content, CRISISLEX_MAPPING)
    assert not problems
    assert len(items) == len(content.splitlines()) - 1
    first = items[0]
    assert first.external_id == "325208201740029952"
    assert first.text.startswith("Funny how I got twenty minutes of sleep last night.")
    assert first.extra == {"label": "off-topic"}
    assert {item.extra["label"] for item in items} == {"on-topic", "off-topic"}
    assert all(item.external_id.isdigit() for item in items)
