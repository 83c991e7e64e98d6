"""Tests for safe XML parsing: entity bombs and external entities refused, errors located."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from dcc.errors import SourceFormatError
from dcc.ingest.xmlsafe import ENTITY_REFUSAL, check_xml_is_safe, parse_xml

ReadFixture = Callable[[str], bytes]


def test_parse_xml_returns_the_root_element() -> None:
    root = parse_xml(b"<?xml version='1.0'?><a><b>text</b></a>")
    assert root.tag == "a"
    assert root.findtext("b") == "text"


def test_entity_bomb_is_refused_fast(fixture_bytes: ReadFixture) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceFormatError, match="entity-expansion attack"):
        parse_xml(fixture_bytes("billion-laughs.xml"))
    assert time.perf_counter() - started < 0.5


def test_external_entity_is_refused_naming_its_target(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError, match=r"external entities are refused.*/etc/passwd"):
        parse_xml(fixture_bytes("external-entity.xml"))


def test_parameter_entity_is_refused() -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % p SYSTEM "http://x/y.dtd"> %p;]><a/>'
    with pytest.raises(SourceFormatError, match="external entities are refused"):
        parse_xml(content)


def test_plain_doctype_without_entities_is_allowed() -> None:
    content = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>'
    )
    assert parse_xml(content).tag == "rss"


def test_malformed_xml_names_line_and_column() -> None:
    with pytest.raises(
        SourceFormatError, match=r"malformed XML at line 2, column 5: mismatched tag"
    ):
        parse_xml(b"<a>\n<b></a>")


def test_empty_document_is_malformed() -> None:
    with pytest.raises(SourceFormatError, match="no element found"):
        parse_xml(b"")


def test_check_xml_is_safe_lets_malformed_but_harmless_xml_through() -> None:
    check_xml_is_safe(b"<rss><channel><item></channel></rss>")


def test_check_xml_is_safe_refuses_entities(fixture_bytes: ReadFixture) -> None:
    with pytest.raises(SourceFormatError, match="entity-expansion attack"):
        check_xml_is_safe(fixture_bytes("billion-laughs.xml"))
    with pytest.raises(SourceFormatError, match="external entities"):
        check_xml_is_safe(fixture_bytes("external-entity.xml"))


def test_check_xml_is_safe_refuses_a_declaration_in_a_broken_document() -> None:
    # The parse stops at the first error, before expat reports the entity: still refused.
    content = b'<?xml version="1.0"?>\n<!DOCTYPE a [ <!ENTITY x "y"> <bad ]>\n<a>&x;</a>'
    with pytest.raises(
        SourceFormatError, match=ENTITY_REFUSAL.replace("(", r"\(").replace(")", r"\)")
    ):
        check_xml_is_safe(content)


def test_check_xml_is_safe_sees_declarations_in_utf16() -> None:
    content = '<!DOCTYPE a [<!ENTITY x "y"> <bad ]><a>&x;</a>'.encode("utf-16")
    with pytest.raises(SourceFormatError):
        check_xml_is_safe(content)
