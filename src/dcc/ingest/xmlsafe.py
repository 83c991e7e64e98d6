"""Safe XML parsing: entity declarations and external references are refused (DESIGN §5).

Entity declarations are how "billion laughs" bombs and external-entity (XXE) reads work, and
no feed or CAP alert needs them, so any declaration is refused outright. A plain DOCTYPE
(RSS 0.91's Netscape one) is allowed: without entities it cannot do harm.
"""

from __future__ import annotations

from typing import cast
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as DefusedElementTree

from dcc.errors import SourceFormatError

ENTITY_REFUSAL = "XML entity declarations are refused (possible entity-expansion attack)"


def parse_xml(content: bytes) -> Element:
    """Parse XML bytes into an element tree; SourceFormatError if unsafe or malformed."""
    try:
        return cast(
            Element,
            DefusedElementTree.fromstring(
                content, forbid_dtd=False, forbid_entities=True, forbid_external=True
            ),
        )
    except DefusedXmlException as exc:
        raise SourceFormatError(_refusal_message(exc)) from None
    except ParseError as exc:
        line, column = exc.position
        reason = ErrorString(exc.code) if exc.code else str(exc)
        raise SourceFormatError(
            f"malformed XML at line {line}, column {column}: {reason}"
        ) from None


def check_xml_is_safe(content: bytes) -> None:
    """Raise SourceFormatError if the XML declares entities or references external ones.

    Malformed XML passes: feedparser reads broken feeds leniently and reports them itself.
    Its lenient parser never sees a declaration either, because a document whose parse failed
    is still refused when it holds one (the parse may have stopped before reaching it).
    """
    try:
        parse_xml(content)
    except SourceFormatError as exc:
        if not str(exc).startswith("malformed XML"):
            raise
        if _has_entity_declaration(content):
            raise SourceFormatError(ENTITY_REFUSAL) from None


def _refusal_message(exc: DefusedXmlException) -> str:
    if isinstance(exc, EntitiesForbidden):
        if exc.sysid:
            return f"XML external entities are refused: entity {exc.name!r} points at {exc.sysid}"
        return f"{ENTITY_REFUSAL}: entity {exc.name!r}"
    if isinstance(exc, DTDForbidden):
        return "XML document type declarations are refused"
    return f"XML external references are refused: {exc}"


def _has_entity_declaration(content: bytes) -> bool:
    if b"<!ENTITY" in content:
        return True
    # UTF-16 and UTF-32 put NUL bytes between ASCII characters.
    if b"\x00" in content[:4]:
        for encoding in ("utf-16", "utf-32"):
            try:
                if "<!ENTITY" in content.decode(encoding):
                    return True
            except UnicodeDecodeError:
                continue
    return False
