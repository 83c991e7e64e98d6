"""Tests for CAP index feeds: one alert item per entry, the CAP link, inline CAP fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dcc.ingest.sources.cap_index import parse_cap_index
from dcc.records import ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
SOURCE = Source(id="cap-index", kind=SourceKind.CAP_INDEX, url="https://alerts.example.id/index")


def parse(content: bytes) -> tuple[list[RawItem], list[ParseProblem]]:
    results = list(parse_cap_index(content, SOURCE))
    return (
        [r for r in results if isinstance(r, RawItem)],
        [r for r in results if isinstance(r, ParseProblem)],
    )


def test_entries_link_to_their_cap_documents(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("cap-index.atom"))
    assert not problems
    flood, all_clear = items
    assert flood.kind == all_clear.kind == "alert"
    assert flood.external_id == "urn:dcc:test:alert:1"
    # The application/cap+xml link wins over the HTML alternate.
    assert flood.extra["cap_url"] == "https://alerts.example.id/1.cap"
    assert flood.url == "https://alerts.example.id/1.html"
    assert all_clear.extra["cap_url"] == "https://alerts.example.id/2.cap"
    assert "cap" not in all_clear.extra


def test_inline_cap_fields_are_kept(fixture_bytes: ReadFixture) -> None:
    flood = parse(fixture_bytes("cap-index.atom"))[0][0]
    assert flood.extra["cap"] == {
        "status": "Test",
        "msgType": "Alert",
        "category": ["Met", "Env"],
        "severity": "Moderate",
        "effective": "2024-03-01T03:20:00+00:00",
        "areaDesc": "Citarum basin",
        "geocode": [{"valueName": "ISO3166-2", "value": "ID-JB"}],
    }
    assert flood.extra["is_exercise"] is True


def test_usgs_index_uses_the_cap_typed_link(shared_data: Path) -> None:
    items, problems = parse((shared_data / "cap-alerts" / "earthquake_index.atom").read_bytes())
    assert not problems
    (quake,) = items
    assert (
        quake.extra["cap_url"] == "http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd"
    )
    assert quake.title == "M 5.3, Tonga"
    assert quake.geo is not None and quake.geo.lat == -16.0529


def test_nws_index_keeps_inline_geocodes(shared_data: Path) -> None:
    items, problems = parse((shared_data / "cap-alerts" / "weather_index.atom").read_bytes())
    assert not problems
    assert len(items) == 2
    first = items[0]
    assert first.extra["cap_url"] == first.external_id  # the entry id is the CAP URL
    assert first.extra["cap"]["geocode"] == [
        {"valueName": "FIPS6", "value": "009007 009009 009011 044009"}
    ]
    assert first.extra["cap"]["msgType"] == "Alert"
    assert first.extra["is_exercise"] is False


def test_ny_rss_index_uses_the_item_link(shared_data: Path) -> None:
    items, problems = parse((shared_data / "cap-alerts" / "ny_index.rss").read_bytes())
    assert not problems
    assert [item.external_id for item in items] == [
        "NYAlert-ALLHAZALERT-3167113",
        "NYAlert-ALLHAZALERT-3162202",
    ]
    assert items[0].extra["cap_url"] == (
        "http://www.nyalert.gov/Public/News/GetCapAlert.aspx?capID=NYAlert-ALLHAZALERT-3167113"
    )
