"""Tests for bytes -> text: BOM, declared charset, detection, replacement of bad bytes."""

from __future__ import annotations

import codecs
from collections.abc import Callable

import pytest

from dcc.ingest.decoding import declared_charset, decode_bytes, xml_as_utf8
from dcc.ingest.xmlsafe import parse_xml

ReadFixture = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_bom_wins_and_is_removed(bom: bytes, encoding: str) -> None:
    decoded = decode_bytes(bom + "Déjà vu".encode(encoding))
    assert decoded.text == "Déjà vu"
    assert decoded.encoding == encoding
    assert not decoded.has_replacements


def test_http_charset_is_honoured() -> None:
    decoded = decode_bytes(
        "Séisme".encode("cp1252"), content_type='text/xml; charset="windows-1252"'
    )
    assert decoded.text == "Séisme"
    assert decoded.encoding == "cp1252"


def test_xml_declaration_charset_is_honoured() -> None:
    content = '<?xml version="1.0" encoding="ISO-8859-1"?><a>Usulután</a>'.encode("latin-1")
    assert decode_bytes(content).text.endswith("<a>Usulután</a>")


def test_html_meta_charset_is_honoured() -> None:
    content = '<html><head><meta charset="iso-8859-1"></head><body>café</body></html>'
    assert "café" in decode_bytes(content.encode("latin-1")).text


def test_unknown_declared_charset_is_ignored() -> None:
    assert declared_charset(b"x", content_type="text/html; charset=no-such-thing") is None


def test_wrong_declaration_falls_back_to_detection() -> None:
    content = '<?xml version="1.0" encoding="utf-8"?><a>Préfecture évacuée à Nîmes</a>'
    decoded = decode_bytes(content.encode("latin-1"))
    assert "Préfecture évacuée à Nîmes" in decoded.text


def test_central_european_text_keeps_its_code_page() -> None:
    text = "Zażółć gęślą jaźń — a Polish pangram in its legacy code page"
    assert decode_bytes(text.encode("cp1250")).text == text


def test_latin1_without_declaration_is_detected(fixture_bytes: ReadFixture) -> None:
    decoded = decode_bytes(fixture_bytes("feed-latin1.rss"))
    assert "Séisme à Lombok" in decoded.text
    assert not decoded.has_replacements


def test_mostly_utf8_with_bad_bytes_keeps_the_good_characters(fixture_bytes: ReadFixture) -> None:
    decoded = decode_bytes(fixture_bytes("mixed-utf8.txt"))
    assert decoded.encoding == "utf-8"
    assert decoded.has_replacements
    assert "Jalan Sudirman — «Menteng» café" in decoded.text
    assert "ünïcödé ok" in decoded.text
    assert "broken \ufffd byte" in decoded.text


def test_plain_utf8_has_no_replacements() -> None:
    decoded = decode_bytes("Jakarta — 東京".encode())
    assert (decoded.text, decoded.encoding, decoded.has_replacements) == (
        "Jakarta — 東京",
        "utf-8",
        False,
    )


def test_xml_as_utf8_rewrites_the_declaration_so_parsers_agree() -> None:
    content = b'  \n<?xml version="1.0" encoding="ISO-8859-1"?><a>Usulut\xe1n</a>'
    data, decoded = xml_as_utf8(content)
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert decoded.encoding == "iso8859-1"
    assert parse_xml(data).text == "Usulután"


def test_xml_as_utf8_handles_utf16_with_bom() -> None:
    content = '<?xml version="1.0" encoding="UTF-16"?><a>Bali</a>'.encode("utf-16")
    data, _ = xml_as_utf8(content)
    assert parse_xml(data).text == "Bali"
