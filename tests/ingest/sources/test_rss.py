"""Tests for RSS/Atom parsing: text, ids, dates, GeoRSS, GDACS fields, broken feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dcc.errors import SourceFormatError
from dcc.ingest.sources.rss import alpha3_to_alpha2, gdacs_country, parse_feed
from dcc.records import GeoPoint, ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
SOURCE = Source(id="test-feed", kind=SourceKind.RSS, url="https://news.example.org/rss")


def parse(content: bytes, source: Source = SOURCE) -> tuple[list[RawItem], list[ParseProblem]]:
    results = list(parse_feed(content, source))
    items = [r for r in results if isinstance(r, RawItem)]
    problems = [r for r in results if isinstance(r, ParseProblem)]
    return items, problems


def test_rss_items_become_raw_items(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("feed.rss"))
    first, second = items
    assert first.external_id == "news-example-1001"
    assert first.title == "Gempa M5.8 guncang Lombok"
    assert first.text == (
        "Gempa bumi berkekuatan 5,8 mengguncang Lombok pada Jumat pagi.\n"
        "BMKG: tidak berpotensi tsunami."
    )
    assert first.author == "Budi Santoso"
    assert first.published_at == datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
    assert first.lang == "id"  # from the channel's <language>id-ID</language>
    assert first.geo == GeoPoint(lat=-8.65, lon=116.32)
    assert first.extra == {"categories": ["Bencana"]}
    assert first.kind == "article"
    # No guid: the canonical link is the key (tracking parameters and fragment dropped).
    assert second.external_id == "https://news.example.org/2024/03/banjir?id=7"
    assert second.geo == GeoPoint(lat=-6.225, lon=106.9)  # W3C geo:lat / geo:long
    assert [str(p) for p in problems] == ["entry 3: entry has neither an id (guid) nor a link"]


def test_atom_content_is_preferred_and_html_becomes_lines(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("feed.atom"))
    assert not problems
    statement, advice = items
    assert statement.title == "Statement on the Lombok earthquake"
    assert (
        statement.text == "The Ministry expresses its condolences.\nHotline: 112\nEmbassy desk open"
    )
    assert statement.published_at == datetime(2024, 3, 5, 2, 0, tzinfo=UTC)  # updated only
    assert statement.lang == "en"
    assert statement.author == "Press Office"
    assert advice.published_at == datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # published wins


def test_source_defaults_apply(fixture_bytes: ReadFixture) -> None:
    source = Source(id="fr", kind=SourceKind.RSS, url="x", lang="fr", country="FR")
    items, _ = parse(fixture_bytes("feed-latin1.rss"), source)
    assert items[0].lang == "fr"
    assert items[0].country == "FR"


def test_latin1_feed_without_declaration_is_read(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("feed-latin1.rss"))
    assert not problems
    assert items[0].title == "Séisme à Lombok : l'ambassade ouverte"
    assert "Coût : 0 EUR" in items[0].text
    assert items[0].url is None  # the guid is not a URL, so it is not taken for a link


def test_broken_feed_yields_entries_and_one_problem(fixture_bytes: ReadFixture) -> None:
    items, problems = parse(fixture_bytes("feed-broken.rss"))
    assert [item.external_id for item in items] == ["broken-1", "broken-2"]
    assert items[0].text == "Body of the first item bold"
    assert len(problems) == 1
    assert problems[0].location == "feed"
    assert "mismatched tag" in problems[0].message


def test_unreadable_feed_raises_with_reason(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError, match="not a readable feed"):
        parse(fixture_bytes("not-xml.rss"))


def test_xml_that_is_not_a_feed_raises() -> None:
    with pytest.raises(SourceFormatError, match="not an RSS, Atom or RDF feed"):
        parse(b"<?xml version='1.0'?><catalog><book>x</book></catalog>")


def test_entity_tricks_are_refused_before_feedparser(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError, match="entity-expansion attack"):
        parse(fixture_bytes("billion-laughs.xml"))
    with pytest.raises(SourceFormatError, match="external entities"):
        parse(fixture_bytes("external-entity.xml"))


def test_rdf_feed_is_read() -> None:
    content = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/"><title>RDF</title><link>https://rdf.example.org/</link>
    <description>d</description></channel>
  <item rdf:about="https://rdf.example.org/a"><title>RDF item</title>
    <link>https://rdf.example.org/a</link><description>RDF body</description>
    <dc:date>2024-03-01T00:00:00Z</dc:date></item>
</rdf:RDF>"""
    items, problems = parse(content)
    assert not problems
    assert items[0].title == "RDF item"
    assert items[0].published_at == datetime(2024, 3, 1, tzinfo=UTC)


def test_gdacs_country_needs_a_single_named_country() -> None:
    assert gdacs_country({"iso3": "IDN", "country": "Indonesia"}) == "ID"
    assert gdacs_country({"iso3": "ARG", "country": "Argentina, Chile"}) is None
    assert gdacs_country({"iso3": "", "country": "Southeast Of Honshu, Japan"}) is None
    assert gdacs_country({"iso3": "XKX", "country": "Kosovo"}) == "XK"


def test_alpha3_table_covers_iso_3166() -> None:
    table = alpha3_to_alpha2()
    assert len(table) >= 249
    assert (table["IDN"], table["TLS"], table["PNG"], table["SSD"]) == ("ID", "TL", "PG", "SS")


@pytest.mark.parametrize("name", ["gdacs-rss.xml", "gdacs-rss-24h.xml"])
def test_every_gdacs_item_has_geo_and_alert_level(shared_data: Path, name: str) -> None:
    content = (shared_data / "gdacs-rss" / name).read_bytes()
    items, problems = parse(content, Source(id="gdacs", kind=SourceKind.RSS, url="x"))
    assert not problems
    assert len(items) == content.count(b"<item>")
    for item in items:
        gdacs = item.extra["gdacs"]
        assert item.kind == "disaster"
        assert item.geo is not None
        assert gdacs["alertlevel"] in {"Green", "Orange", "Red"}
        assert gdacs["eventtype"] in {"EQ", "TC", "FL", "VO", "DR", "WF"}
        assert gdacs["eventid"] and gdacs["episodeid"]
        assert set(gdacs["bbox"]) == {"lon_min", "lon_max", "lat_min", "lat_max"}
        # Not always around the point: a cyclone's box covers its forecast track.
        assert gdacs["bbox"]["lat_min"] <= gdacs["bbox"]["lat_max"]
        assert gdacs["bbox"]["lon_min"] <= gdacs["bbox"]["lon_max"]
        assert item.published_at is not None and item.published_at.tzinfo is UTC
        assert str(gdacs["cap"]).startswith("http")
        # Country only when exactly one is named, and then it matches the ISO3 code.
        if gdacs.get("iso3") and "," not in str(gdacs.get("country", ",")):
            assert item.country == alpha3_to_alpha2()[str(gdacs["iso3"])]
        else:
            assert item.country is None


def test_gdacs_fields_are_typed(shared_data: Path) -> None:
    items, _ = parse((shared_data / "gdacs-rss" / "gdacs-rss.xml").read_bytes())
    cyclone = next(i for i in items if i.external_id == "TC1000643")
    gdacs = cyclone.extra["gdacs"]
    assert cyclone.country == "MU"
    assert cyclone.geo == GeoPoint(lat=-19.4, lon=59.8)
    assert gdacs["severity"] == {"value": 92.592, "unit": "km/h"}
    assert gdacs["population"] == {"value": 0.0, "unit": "Pop74"}
    assert gdacs["fromdate"] == "2019-12-29T12:00:00+00:00"
    assert gdacs["eventname"] == "CALVINIA-19"
    assert gdacs["iscurrent"] is True
