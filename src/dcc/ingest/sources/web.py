"""One article page -> one RawItem, extracted with trafilatura (text, title, date, author).

The page's URL is `source.url`; the item's key is the page's canonical URL (its
`<link rel="canonical">` or og:url, else `source.url`), normalised by `canonical_url`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urljoin

from dcc.ingest.decoding import decode_bytes
from dcc.ingest.sources.fields import canonical_url, language_code, parse_timestamp
from dcc.records import JSONValue, ParseProblem, RawItem, Source

# lxml refuses str input that carries an XML declaration (XHTML pages often do).
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# htmldate's output format: the time and offset when the page gives them.
_DATE_PARAMS = {
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    "original_date": True,
    # A date in the URL (/2024/03/01/) has no time: only a fallback to the page's metadata.
    "deferred_url_extractor": True,
}
# trafilatura's own MIN_EXTRACTED_SIZE: below it, its fallback extractors have taken over.
_SHORT_TEXT = 250


def parse_page(content: bytes, source: Source) -> Iterator[RawItem | ParseProblem]:
    """The page's article as one RawItem, or a ParseProblem when it has no article text."""
    # Imported here: trafilatura takes ~0.3 s to import and only web sources need it.
    import trafilatura
    from trafilatura.settings import Document

    decoded = decode_bytes(content)
    if decoded.has_replacements:
        yield ParseProblem("page", f"bytes invalid in {decoded.encoding} were replaced by U+FFFD")
    markup = _XML_DECLARATION.sub("", decoded.text, count=1)
    tree = trafilatura.load_html(markup)
    if tree is None:
        yield ParseProblem("page", f"{source.url}: not an HTML page")
        return
    page_lang = tree.getroottree().getroot().get("lang")
    document = trafilatura.bare_extraction(
        tree, url=source.url, with_metadata=True, date_extraction_params=_DATE_PARAMS
    )
    text = (document.text or "").strip() if isinstance(document, Document) else ""
    if text and len(text) < _SHORT_TEXT:
        # trafilatura's fallback extractors also return navigation ("Home") from pages with
        # no article; a short text is kept only if the precise extractor finds it too.
        precise = trafilatura.bare_extraction(
            markup, url=source.url, favor_precision=True, fast=True
        )
        text = (precise.text or "").strip() if isinstance(precise, Document) else ""
    if not isinstance(document, Document) or not text:
        yield ParseProblem("page", f"{source.url}: no article text could be extracted")
        return
    url = canonical_url(urljoin(source.url, document.url) if document.url else source.url)
    extra: dict[str, JSONValue] = {
        key: value
        for key, value in (
            ("sitename", document.sitename),
            ("description", document.description),
            ("categories", document.categories),
            ("tags", document.tags),
        )
        if value
    }
    if url != canonical_url(source.url):
        extra["fetched_url"] = source.url
    yield RawItem(
        source_id=source.id,
        external_id=url,
        text=text,
        title=(document.title or "").strip(),
        url=url,
        author=(document.author or "").strip() or None,
        published_at=_published_at(document.date),
        lang=language_code(page_lang) or language_code(document.language) or source.lang,
        country=source.country,
        kind="article",
        extra=extra,
    )


def _published_at(value: str | None) -> datetime | None:
    # htmldate gives a naive time when the page names no offset: taken as UTC (STYLE rule 9).
    if not value:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None
