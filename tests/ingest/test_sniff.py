"""Tests for choosing a parser from a file name and its first bytes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dcc.ingest.sniff import detect_kind, root_element
from dcc.ingest.sources import PARSERS, parse_content
from dcc.records import RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("documents.jsonl", SourceKind.JSONL),
        ("feed.rss", SourceKind.RSS),
        ("feed.atom", SourceKind.RSS),
        ("feed-latin1.rss", SourceKind.RSS),
        ("cap-index.atom", SourceKind.CAP_INDEX),
        ("cap-exercise.cap", SourceKind.CAP),
        ("posts.csv", SourceKind.CSV),
        ("quakes.geojson", SourceKind.GEOJSON),
        ("article.html", SourceKind.WEB),
        ("mixed-utf8.txt", None),
        ("not-xml.rss", None),
    ],
)
def test_fixtures_are_recognised(fixture_bytes: ReadFixture, name: str, kind: SourceKind) -> None:
    assert detect_kind(name, fixture_bytes(name)[:4096]) == kind


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("export.ndjson", b"", SourceKind.JSONL),
        ("quakes.json", b'{"type": "FeatureCollection", "features": []}', SourceKind.GEOJSON),
        ("bundle.json", b'{\n  "type": "bundle"\n}', None),
        ("download", b'{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n', SourceKind.JSONL),
        (
            "alert.xml",
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- note -->\n<alert/>',
            SourceKind.CAP,
        ),
        ("index.xml", b"<rss><channel><title>NY CAP Index</title>", SourceKind.CAP_INDEX),
        ("rdf.xml", b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"><channel/>', SourceKind.RSS),
        ("page", b"<!DOCTYPE html>\n<html lang=en><body>", SourceKind.WEB),
        ("utf16.xml", '<?xml version="1.0"?><feed/>'.encode("utf-16"), SourceKind.RSS),
        ("unknown.bin", b"\x00\x01\x02", None),
        ("notes.xml", b"<notes/>", None),
    ],
)
def test_kind_from_name_and_head(name: str, head: bytes, kind: SourceKind | None) -> None:
    assert detect_kind(name, head) == kind


def test_root_element_skips_prologue_with_internal_subset() -> None:
    text = (
        '<?xml version="1.0"?>\n<?xml-stylesheet href="a.xsl"?>\n'
        "<!DOCTYPE a [<!ELEMENT a ANY>]>\n<!-- c -->\n<cap:alert>"
    )
    assert root_element(text) == "alert"


def test_real_data_files_are_recognised(shared_data: Path) -> None:
    expected = {
        "gdacs-rss/gdacs-rss.xml": SourceKind.RSS,
        "usgs-geojson/all_day.geojson": SourceKind.GEOJSON,
        "cap-alerts/weather.cap": SourceKind.CAP,
        "cap-alerts/earthquake_index.atom": SourceKind.CAP_INDEX,
        "cap-alerts/weather_index.atom": SourceKind.CAP_INDEX,
        "cap-alerts/ny_index.rss": SourceKind.CAP_INDEX,
    }
    for relative, kind in expected.items():
        path = shared_data / relative
        with path.open("rb") as handle:
            assert detect_kind(path.name, handle.read(4096)) == kind, relative


def test_every_kind_has_a_parser() -> None:
    assert set(PARSERS) == set(SourceKind)


@pytest.mark.parametrize(
    "name",
    [
        "feed.rss",
        "feed.atom",
        "cap-index.atom",
        "cap-exercise.cap",
        "quakes.geojson",
        "documents.jsonl",
    ],
)
def test_sniffed_kind_parses(fixture_bytes: ReadFixture, name: str) -> None:
    content = fixture_bytes(name)
    kind = detect_kind(name, content[:4096])
    assert kind is not None
    results = list(parse_content(content, Source(id="sniffed", kind=kind, url="file:///x")))
    assert any(isinstance(result, RawItem) for result in results)
