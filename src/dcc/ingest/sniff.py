"""Which parser suits a file or download: by its name's extension, then by its first bytes."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import PurePosixPath

from dcc.records import SourceKind

_BY_SUFFIX = {
    ".jsonl": SourceKind.JSONL,
    ".ndjson": SourceKind.JSONL,
    ".csv": SourceKind.CSV,
    ".geojson": SourceKind.GEOJSON,
    ".cap": SourceKind.CAP,
    ".html": SourceKind.WEB,
    ".htm": SourceKind.WEB,
}
# What comes before an XML root element: declaration, processing instructions, comments and a
# DOCTYPE (whose internal subset may hold '>' inside brackets).
_PROLOGUE = re.compile(
    r"""\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*\[.*?\])?[^>]*>)""", re.DOTALL | re.I
)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = {"rss", "feed", "rdf"}
# Signs that a feed is an index of CAP alerts rather than news.
_CAP_INDEX_MARKERS = ("application/cap+xml", "urn:oasis:names:tc:emergency:cap", "cap index")


def detect_kind(name: str, head: bytes) -> SourceKind | None:
    """The source kind for a file called `name` starting with `head`, or None if unknown."""
    suffix = PurePosixPath(name).suffix.lower()
    by_suffix = _BY_SUFFIX.get(suffix)
    if by_suffix is not None:
        return by_suffix
    text = _head_text(head)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_kind(stripped)
    if stripped.startswith("<"):
        return _markup_kind(text)
    return None


def root_element(text: str) -> str | None:
    """The local name of the first element after any XML prologue ("rdf:RDF" -> "RDF")."""
    position = 0
    while match := _PROLOGUE.match(text, position):
        position = match.end()
    root = _ROOT.match(text, position)
    if root is None:
        return None
    return root.group(1).rsplit(":", 1)[-1]


def _head_text(head: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "ignore")
    # A head may end inside a multi-byte character; the rest of it is what matters.
    return head.decode("utf-8", "ignore")


def _json_kind(text: str) -> SourceKind | None:
    if '"FeatureCollection"' in text:
        return SourceKind.GEOJSON
    first_line, newline, _ = text.partition("\n")
    if not newline:
        return None
    try:
        first = json.loads(first_line)
    except ValueError:
        return None
    return SourceKind.JSONL if isinstance(first, dict) else None


def _markup_kind(text: str) -> SourceKind | None:
    root = root_element(text)
    if root is None:
        return None
    root = root.lower()
    if root == "alert":
        return SourceKind.CAP
    if root in _FEED_ROOTS:
        lowered = text.lower()
        if any(marker in lowered for marker in _CAP_INDEX_MARKERS):
            return SourceKind.CAP_INDEX
        return SourceKind.RSS
    if root == "html":
        return SourceKind.WEB
    return None
