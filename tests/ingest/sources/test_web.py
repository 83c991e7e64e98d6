"""Tests for article pages extracted with trafilatura."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dcc.ingest.sources.web import parse_page
from dcc.records import ParseProblem, RawItem, Source, SourceKind

ReadFixture = Callable[[str], bytes]
PAGE_URL = "https://berita.example.id/nasional/2024/03/01/gempa-lombok?utm_medium=social"
SOURCE = Source(id="berita", kind=SourceKind.WEB, url=PAGE_URL, country="ID")


def test_article_page_becomes_one_item(fixture_bytes: ReadFixture) -> None:
    (item,) = list(parse_page(fixture_bytes("article.html"), SOURCE))
    assert isinstance(item, RawItem)
    # The canonical link, normalised: lowercase host, no utm_* parameters, no fragment.
    assert item.external_id == "https://berita.example.id/nasional/2024/03/01/gempa-lombok?page=1"
    assert item.url == item.external_id
    assert item.extra["fetched_url"] == PAGE_URL
    assert item.title == "Gempa M5,8 guncang Lombok, warga berhamburan"
    assert "tidak berpotensi tsunami" in item.text
    assert "Beranda" not in item.text  # navigation is left out
    assert "Semua hak dilindungi" not in item.text  # and the footer
    assert item.author == "Siti Rahma"
    assert item.published_at == datetime(2024, 3, 1, 3, 5, tzinfo=UTC)
    assert item.lang == "id"
    assert item.country == "ID"
    assert item.extra["sitename"] == "Berita Contoh"


def test_page_without_article_text_is_a_problem(fixture_bytes: ReadFixture) -> None:
    results = list(parse_page(fixture_bytes("empty.html"), SOURCE))
    assert results == [
        ParseProblem("page", f"{PAGE_URL}: no article text could be extracted"),
    ]


def test_short_real_article_is_kept() -> None:
    content = (
        b"<html><body><nav><a href='/'>Home</a></nav>"
        b"<article><p>Presiden tiba di Jakarta.</p></article></body></html>"
    )
    (item,) = list(parse_page(content, SOURCE))
    assert isinstance(item, RawItem)
    assert item.text == "Presiden tiba di Jakarta."
    assert item.external_id == "https://berita.example.id/nasional/2024/03/01/gempa-lombok"


def test_non_html_is_a_problem_not_a_crash() -> None:
    for content in (b"", b"\x00\x01\x02 binary", b"%PDF-1.7 not a page"):
        results = list(parse_page(content, SOURCE))
        assert all(isinstance(r, ParseProblem) for r in results)
        assert results


def test_xhtml_with_xml_declaration_and_latin1_bytes() -> None:
    content = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        'lang="fr"><head><title>Communiqué</title></head><body><article><p>Le ministère '
        "suit la situation à Lombok de près et reste en contact avec les autorités.</p>"
        "</article></body></html>"
    ).encode("latin-1")
    (item,) = list(parse_page(content, SOURCE))
    assert isinstance(item, RawItem)
    assert "Le ministère suit la situation à Lombok" in item.text
    assert item.lang == "fr"
