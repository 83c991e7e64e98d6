"""Source parsers: pure functions from a source's bytes to raw items and parse problems.

Every parser has the `Parser` shape. It yields a RawItem per item and a ParseProblem per part
it could not accept, and goes on after each; when the whole document is unusable (malformed
XML, not a feed, a CAP alert failing its schema) it raises SourceFormatError or
SchemaValidationError once iteration starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dcc.ingest.sources.cap import parse_cap
from dcc.ingest.sources.cap_index import parse_cap_index
from dcc.ingest.sources.csv_posts import parse_csv
from dcc.ingest.sources.geojson import parse_geojson
from dcc.ingest.sources.jsonl import parse_jsonl
from dcc.ingest.sources.rss import parse_feed
from dcc.ingest.sources.web import parse_page
from dcc.records import ParseProblem, RawItem, Source, SourceKind

Parser = Callable[[bytes, Source], Iterator[RawItem | ParseProblem]]

PARSERS: dict[SourceKind, Parser] = {
    SourceKind.RSS: parse_feed,
    SourceKind.WEB: parse_page,
    SourceKind.JSONL: parse_jsonl,
    SourceKind.CSV: parse_csv,
    SourceKind.GEOJSON: parse_geojson,
    SourceKind.CAP: parse_cap,
    SourceKind.CAP_INDEX: parse_cap_index,
}


def parse_content(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """Parse `content` with the parser for `source.kind` (see the module docstring)."""
    return PARSERS[source.kind](content, source)


__all__ = ["PARSERS", "Parser", "parse_content"]
