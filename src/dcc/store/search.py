"""Full-text search with filters, one interface over SQLite FTS5 and PostgreSQL tsvector.

`search(conn, SearchQuery(...))` returns a page of items. The dialect decides the backend
(store/backends/); filters, paging and sorting are shared. The free-text part accepts words
(all must match), "quoted phrases", prefix* and -excluded words; the full query language with
field filters and OR comes with the alerts work (docs/query-language.md).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select

from dcc.errors import QueryError
from dcc.records import StoredItem
from dcc.store.items import row_to_item
from dcc.store.schema import items

SortOrder = Literal["time", "relevance"]
MAX_PER_PAGE = 200
MAX_PAGE = 500
# Totals are counted up to this many matches; above it the UI says "10,000+". Counting every
# match of a common word over millions of items would cost more than the page itself.
TOTAL_CAP = 10_000
MAX_QUERY_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Term:
    """One piece of a free-text query: a word, a phrase (several words) or a prefix."""

    words: tuple[str, ...]
    is_prefix: bool = False
    is_excluded: bool = False
    # The term as typed (without quotes, minus sign or star), for backends that tokenise it
    # with their own parser so that query and documents split words the same way.
    raw: str = ""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    sources: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    is_crisis: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    sort: SortOrder | None = None  # default: relevance with text, time without
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> SortOrder:
        if self.sort is not None:
            return self.sort
        return "relevance" if self.text.strip() else "time"


@dataclass(frozen=True, slots=True)
class SearchResults:
    items: list[StoredItem]
    total: int
    is_total_capped: bool
    page: int
    per_page: int
    took_ms: float
    terms: tuple[Term, ...] = field(default=())

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def parse_terms(text: str) -> tuple[Term, ...]:
    """Split free text into terms; raise QueryError when nothing searchable remains."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}")
    terms: list[Term] = []
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            words = tuple(w.lower() for w in _WORD.findall(match.group(2)))
            if words:
                terms.append(
                    Term(words, is_excluded=bool(match.group(1)), raw=match.group(2).strip())
                )
            continue
        raw = match.group(4)
        is_prefix = raw.endswith("*")
        words = tuple(w.lower() for w in _WORD.findall(raw))
        if not words:
            continue
        # "covid-19" or "e-mail" become the phrase of their parts, as the index splits them.
        terms.append(
            Term(
                words,
                is_prefix=is_prefix,
                is_excluded=bool(match.group(3)),
                raw=raw.rstrip("*"),
            )
        )
    if text.strip() and not any(not t.is_excluded for t in terms):
        raise QueryError(f"query {text!r} has no word to search for")
    return tuple(terms)


def filter_conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.sources:
        conditions.append(items.c.source_id.in_(query.sources))
    if query.langs:
        conditions.append(items.c.lang.in_(query.langs))
    if query.countries:
        conditions.append(items.c.country.in_([c.upper() for c in query.countries]))
    if query.kinds:
        conditions.append(items.c.kind.in_(query.kinds))
    conditions.extend(label_conditions(query))
    if query.since is not None:
        conditions.append(items.c.sort_at >= query.since)
    if query.until is not None:
        conditions.append(items.c.sort_at < query.until)
    return conditions


def label_conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    """Filters on enrichment labels (sentiment, stance toward Indonesia, crisis)."""
    conditions: list[ColumnElement[bool]] = []
    if query.sentiments:
        conditions.append(items.c.sentiment.in_(query.sentiments))
    if query.stances:
        conditions.append(items.c.stance.in_(query.stances))
    if query.is_crisis is not None:
        conditions.append(items.c.is_crisis.is_(query.is_crisis))
    return conditions


def validate(query: SearchQuery) -> None:
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page {query.per_page} must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= query.page <= MAX_PAGE:
        raise QueryError(f"page {query.page} must be between 1 and {MAX_PAGE}")
    if query.since and query.until and query.since >= query.until:
        raise QueryError("the time range is empty: 'since' must be before 'until'")
    for value in (query.since, query.until):
        if value is not None and value.tzinfo is None:
            raise QueryError(f"time {value.isoformat()} needs a timezone (for example Z)")


def search(conn: Connection, query: SearchQuery) -> SearchResults:
    """One page of items matching `query`, newest first or best match first."""
    validate(query)
    started = time.perf_counter()
    terms = parse_terms(query.text) if query.text.strip() else ()
    conditions = filter_conditions(query)
    if terms:
        from dcc.store.backends import for_dialect

        backend = for_dialect(conn.dialect.name)
        page_ids, total, capped = backend.search_ids(conn, terms, conditions, query)
    else:
        page_ids, total, capped = _browse_ids(conn, conditions, query)
    rows = conn.execute(select(items).where(items.c.id.in_(page_ids))).all() if page_ids else []
    by_id = {row.id: row_to_item(row) for row in rows}
    found = [by_id[i] for i in page_ids if i in by_id]
    return SearchResults(
        items=found,
        total=total,
        is_total_capped=capped,
        page=query.page,
        per_page=query.per_page,
        took_ms=(time.perf_counter() - started) * 1000,
        terms=terms,
    )


def _browse_ids(
    conn: Connection, conditions: list[ColumnElement[bool]], query: SearchQuery
) -> tuple[list[int], int, bool]:
    """Items without a text query: filters only, newest first (index on sort_at)."""
    where = and_(*conditions) if conditions else None
    page: Select[Any] = select(items.c.id)
    if where is not None:
        page = page.where(where)
    page = (
        page.order_by(items.c.sort_at.desc(), items.c.id.desc())
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    ids = list(conn.execute(page).scalars())
    total, capped = count_capped(
        conn, select(items.c.id).where(where) if where is not None else select(items.c.id)
    )
    return ids, total, capped


def count_capped(conn: Connection, ids_query: Select[Any]) -> tuple[int, bool]:
    """Count the rows of `ids_query` up to TOTAL_CAP; return (count, whether it was capped)."""
    limited = ids_query.limit(TOTAL_CAP + 1).subquery()
    total = int(conn.execute(select(func.count()).select_from(limited)).scalar_one())
    return min(total, TOTAL_CAP), total > TOTAL_CAP
