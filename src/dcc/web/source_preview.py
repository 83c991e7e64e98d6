"""Testing a source from the admin page: fetch its URL once, as the scheduler would (polite,
bounded, SSRF-guarded by ingest/fetch.py and netguard), and parse it; nothing is stored.

    async with Fetcher(settings) as fetcher:
        preview = await preview_source(fetcher, "https://example.org/rss", SourceKind.RSS)
    preview.total, preview.items[:3], preview.problems

The web never opts a fetch into private addresses: a source on an intranet host is tested
only when DCC_FETCH_ALLOWED_PRIVATE names it (the same rule the workers follow).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import urlsplit

from dcc.errors import SourceConfigError
from dcc.ingest.fetch import Fetcher
from dcc.ingest.sniff import detect_kind
from dcc.ingest.sources import parse_content
from dcc.records import ParseProblem, RawItem, Source, SourceKind

PREVIEW_ITEMS: Final = 10
PREVIEW_PROBLEMS: Final = 10


@dataclass(frozen=True, slots=True)
class SourcePreview:
    """What one fetch of a URL would give: the response, and the items it parses into."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    size: int
    kind: SourceKind
    total: int  # items parsed
    items: tuple[RawItem, ...]  # the first PREVIEW_ITEMS
    problem_count: int
    problems: tuple[ParseProblem, ...]  # the first PREVIEW_PROBLEMS


def check_web_url(url: str) -> str:
    """`url` stripped, if it is http(s); the pages add no local files (the CLI does)."""
    cleaned = url.strip()
    if urlsplit(cleaned).scheme.lower() not in ("http", "https"):
        raise SourceConfigError(
            f"{cleaned!r} is not an http(s) URL; local files are added with `dcc sources add`"
        )
    return cleaned


async def preview_source(fetcher: Fetcher, url: str, kind: SourceKind | None) -> SourcePreview:
    """Fetch `url` once and parse it as `kind` (else the kind its name or first bytes show).

    Raises SourceError when the fetch fails or is refused (FetchRefusedError: a private
    address, too large), SourceFormatError when the content cannot be parsed at all, and
    SourceConfigError for a URL that is not http(s) or a format that cannot be told.
    """
    checked = check_web_url(url)
    result = await fetcher.fetch(checked)
    name = PurePosixPath(urlsplit(result.final_url).path).name or "index"
    chosen = kind or detect_kind(name, result.content[:4096])
    if chosen is None:
        raise SourceConfigError(f"cannot tell the format of {checked}; choose a kind")
    source = Source(id="preview", kind=chosen, url=checked, name=checked)
    parsed = await asyncio.to_thread(_first_parsed, parse_content(result.content, source))
    items, total, problems, problem_count = parsed
    return SourcePreview(
        url=checked,
        final_url=result.final_url,
        status=result.status,
        content_type=result.content_type,
        size=len(result.content),
        kind=chosen,
        total=total,
        items=items,
        problem_count=problem_count,
        problems=problems,
    )


def _first_parsed(
    parsed: Iterable[RawItem | ParseProblem],
) -> tuple[tuple[RawItem, ...], int, tuple[ParseProblem, ...], int]:
    """The first items and problems of a parse, and how many of each there were."""
    items: list[RawItem] = []
    problems: list[ParseProblem] = []
    total = problem_count = 0
    for entry in parsed:
        if isinstance(entry, RawItem):
            total += 1
            if len(items) < PREVIEW_ITEMS:
                items.append(entry)
        else:
            problem_count += 1
            if len(problems) < PREVIEW_PROBLEMS:
                problems.append(entry)
    return tuple(items), total, tuple(problems), problem_count
