"""Tests for USGS earthquake GeoJSON: one quake item per feature, bad features reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dcc.errors import SourceFormatError
from dcc.ingest.sources.geojson import parse_geojson
from dcc.records import GeoPoint, ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
SOURCE = Source(id="usgs", kind=SourceKind.GEOJSON, url="https://earthquake.example.gov/all_day")


def parse(content: bytes) -> tuple[list[RawItem], list[ParseProblem]]:
    results = list(parse_geojson(content, SOURCE))
    return (
        [r for r in results if isinstance(r, RawItem)],
        [r for r in results if isinstance(r, ParseProblem)],
    )


def test_feature_becomes_a_quake_item(fixture_bytes: ReadFixture) -> None:
    items, _ = parse(fixture_bytes("quakes.geojson"))
    quake = items[0]
    assert quake.kind == "quake"
    assert quake.external_id == "test0001"
    assert quake.title == "M 4.6 - 127 km NNE of Lae, Papua New Guinea"
    assert quake.text == (
        "M 4.6 - 127 km NNE of Lae, Papua New Guinea; depth 35 km; 2024-03-01 03:00:00 UTC; "
        "PAGER alert level green; tsunami flag set"
    )
    assert quake.geo == GeoPoint(lat=-5.6, lon=147.5)
    assert quake.published_at == datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
    assert quake.url == "https://earthquake.example.gov/test0001"
    extra = quake.extra
    assert (extra["mag"], extra["depth_km"], extra["magType"], extra["sig"]) == (
        4.6,
        35.0,
        "mb",
        326,
    )
    assert (extra["alert"], extra["tsunami"], extra["place"]) == (
        "green",
        True,
        "127 km NNE of Lae, Papua New Guinea",
    )
    assert extra["updated"] == "2024-03-01T03:10:00+00:00"


def test_feature_without_title_or_magnitude_gets_one(fixture_bytes: ReadFixture) -> None:
    quarry = parse(fixture_bytes("quakes.geojson"))[0][1]
    assert quarry.title == "M ? - Quarry near Testville"
    assert "event type quarry blast" in quarry.text


def test_bad_features_are_problems(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("quakes.geojson"))
    assert len(items) == 2
    assert [str(p) for p in problems] == [
        "feature 3 (test0003): lon 200.0 is outside -180..180",
        "feature 4 (test0004): properties.time 'yesterday' is not a millisecond epoch time",
        "feature 5: feature has no 'id'",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON: Expecting property name"),
        (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection \\(type is 'Feature'\\)"),
        (b"[1, 2]", "type is 'list'"),
        (b'{"type": "FeatureCollection"}', "has no 'features' list"),
        (b'{"type": "FeatureCollection", "features": []}\xff', "not UTF-8"),
    ],
)
def test_unusable_documents_raise(content: bytes, message: str) -> None:
    with pytest.raises(SourceFormatError, match=message):
        parse(content)


def test_every_usgs_feature_is_parsed(shared_data: Path) -> None:
    content = (shared_data / "usgs-geojson" / "all_day.geojson").read_bytes()
    items, problems = parse(content)
    assert not problems
    assert len(items) == json.loads(content)["metadata"]["count"] == 146
    assert len({item.external_id for item in items}) == 146
    for item in items:
        assert item.geo is not None
        assert item.published_at is not None and item.published_at.tzinfo is UTC
        assert item.text.startswith(item.title)
        assert isinstance(item.extra["depth_km"], float)
    assert {item.extra["event_type"] for item in items} == {"earthquake", "quarry"}
