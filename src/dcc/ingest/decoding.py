"""Bytes to text: byte-order mark first, then the declared charset, then detection.

Nothing here fails on bad bytes: what cannot be decoded becomes U+FFFD and `has_replacements`
says so, so the caller can report it (STYLE rule 10: one bad byte never loses a document).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTENT_TYPE_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_DECLARATION_CHARSET = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.IGNORECASE
)
_HTML_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# One well-formed multi-byte UTF-8 sequence: text holding these is UTF-8, even with bad bytes.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_XML_DECLARATION_ENCODING = re.compile(r"""^(<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")
_HEAD_BYTES = 4096
# Single-byte Latin code pages that charset-normalizer confuses with windows-1252.
_LATIN_LOOKALIKES = frozenset(
    {"cp1250", "cp1257", "cp775", "cp850", "iso8859_2", "iso8859_10", "iso8859_15", "mac_latin2"}
)


@dataclass(frozen=True, slots=True)
class DecodedText:
    """Text decoded from bytes, the codec used, and whether any bytes had to be replaced."""

    text: str
    encoding: str
    has_replacements: bool


def decode_bytes(content: bytes, *, content_type: str | None = None) -> DecodedText:
    """Decode with the BOM, else the declared charset, else UTF-8, else charset-normalizer."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _decode(content[len(bom) :], encoding)
    declared = declared_charset(content, content_type=content_type)
    if declared is not None:
        try:
            return DecodedText(content.decode(declared), declared, has_replacements=False)
        except UnicodeDecodeError:
            pass  # The declaration is wrong (common in the wild): detect instead.
    try:
        return DecodedText(content.decode("utf-8"), "utf-8", has_replacements=False)
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(content):
        # Mostly UTF-8 with a few broken bytes: detection would misread the good characters.
        return _decode(content, "utf-8")
    matches = charset_normalizer.from_bytes(content)
    guess = matches.best()
    if guess is None:
        return _decode(content, "utf-8")
    if guess.encoding in _LATIN_LOOKALIKES:
        # Short Western text scores alike in every Latin code page, and the detector often
        # ranks Central European ones first ("à" read as "ŕ"); windows-1252, the web's default
        # legacy encoding, is taken whenever it is among the candidates.
        western = next((match for match in matches if match.encoding == "cp1252"), None)
        guess = western or guess
    return DecodedText(str(guess), guess.encoding, has_replacements=False)


def declared_charset(content: bytes, *, content_type: str | None = None) -> str | None:
    """The charset named by an HTTP Content-Type, an XML declaration or an HTML meta tag.

    Only names Python knows are returned (as its canonical codec name); others count as absent.
    """
    candidates: list[str] = []
    if content_type:
        match = _CONTENT_TYPE_CHARSET.search(content_type)
        if match:
            candidates.append(match.group(1))
    head = content[:_HEAD_BYTES]
    for pattern in (_XML_DECLARATION_CHARSET, _HTML_META_CHARSET):
        found = pattern.search(head)
        if found:
            candidates.append(found.group(1).decode("ascii"))
    for name in candidates:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return None


def xml_as_utf8(content: bytes, *, content_type: str | None = None) -> tuple[bytes, DecodedText]:
    """XML bytes re-encoded as UTF-8, its declaration saying so, plus how they were decoded.

    Parsers downstream (expat, feedparser) then never guess: a Latin-1 feed without a
    declaration, or a UTF-16 one, reaches them as plain UTF-8.
    """
    decoded = decode_bytes(content, content_type=content_type)
    # Whitespace before the declaration is a well-formedness error that changes nothing.
    text = decoded.text.lstrip()
    text = _XML_DECLARATION_ENCODING.sub(r"\1\2utf-8\2", text, count=1)
    return text.encode("utf-8"), decoded


def _decode(content: bytes, encoding: str) -> DecodedText:
    try:
        return DecodedText(content.decode(encoding), encoding, has_replacements=False)
    except UnicodeDecodeError:
        return DecodedText(content.decode(encoding, "replace"), encoding, has_replacements=True)
