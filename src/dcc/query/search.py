"""Search stored items with the query language: `search_items(conn, 'gempa country:ID')`.

The same page shape as store/search.py (`SearchResults`), so the API and the CLI can switch
to it without changing their output. How it runs (issue 5; measured with bench/web.py on
1M items, SQLite):
- SQLite: the most selective index drives (plan.py): FTS5 for words, with `lang:`, `kind:`
  and `source:` as its facet tokens; the label index for `topic:`/`country:`; else the
  covering index ix_items_id_filters. Candidates come newest first in bounded windows
  (scan.py) and the other parts are checked on them by item id. Reading `country:`/`topic:`
  out of the enrichment JSON of each candidate's wide row instead took 0.3-2.8 s a query;
- the total counts the matches among the first MAX_CANDIDATES candidates (TOTAL_CAP+1
  where nothing needs checking, MAX_ROW_CANDIDATES where a check reads the wide row); where
  that bound cut the count, it is the matches found and `is_total_capped` says "at least".
  The page itself is always exact: the scan goes on past the bound until the page (and the
  relevance window) is full or no candidate is left;
- time order is exact where candidates come by id (items are stored roughly, not exactly,
  in time order): items older by id but newer than the page's oldest are looked for in the
  id ranges of their hours (item_time_bounds). Relevance is bm25 over the newest
  RELEVANCE_WINDOW matches by id; a query without words every match must contain is sorted
  by time;
- PostgreSQL: one SELECT with the whole condition (tsvector, and the same label index for
  `topic:`/`country:`), newest first; relevance is ts_rank_cd over the newest
  RELEVANCE_WINDOW.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
)

from dcc.query.ast import And, Node, Or, Term
from dcc.query.parser import parse_query
from dcc.query.plan import is_row_check, sqlite_plan
from dcc.query.scan import Scanner, Window, merged_spans
from dcc.query.sql import compile_condition
from dcc.store import search as store_search
from dcc.store.items import id_range_for_time, row_to_item
from dcc.store.schema import item_time_bounds, items
from dcc.store.search import TOTAL_CAP, SearchQuery, SearchResults, SortOrder

# As in store/backends: rank the newest matches only (a watch floor wants recent ones).
RELEVANCE_WINDOW = 2_000
# Candidates checked for the total where a check reads only indexes (ix_items_id_filters,
# the label index): about 1.5 µs each on 1M items (bench/web.py), 20,000 in ~30 ms. Where a
# check reads an item's wide row (kind, crisis, entity) one costs ~10 µs: 4,000 in ~40 ms.
MAX_CANDIDATES = 20_000
MAX_ROW_CANDIDATES = 4_000

Match = tuple[int, Any]  # (id, time key) as Scanner finds it


def search_items(
    conn: Connection,
    query_text: str,
    *,
    sort: SortOrder | None = None,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
) -> SearchResults:
    """One page of items matching `query_text` (docs/query-language.md), newest first or
    best match first. An empty query lists every item, newest first.

    Raises QuerySyntaxError (a QueryError) for a query that does not parse, QueryError for
    bad paging.
    """
    store_search.validate(SearchQuery(page=page, per_page=per_page))
    started = time.perf_counter()
    moment = now or datetime.now(tz=UTC)
    node = parse_query(query_text) if query_text.strip() else None
    terms = positive_terms(node) if node is not None else ()
    order: SortOrder = sort or ("relevance" if terms else "time")
    dialect = conn.dialect.name
    if dialect == "sqlite":
        ids, total, capped = _sqlite_ids(conn, node, order, page, per_page, moment)
    else:
        condition = compile_condition(node, dialect, now=moment) if node is not None else true()
        ranked = order == "relevance" and dialect == "postgresql" and bool(terms)
        ids, total, capped = _select_ids(conn, condition, terms if ranked else (), page, per_page)
    rows = conn.execute(select(items).where(items.c.id.in_(ids))).all() if ids else []
    by_id = {row.id: row_to_item(row) for row in rows}
    return SearchResults(
        items=[by_id[i] for i in ids if i in by_id],
        total=total,
        is_total_capped=capped,
        page=page,
        per_page=per_page,
        took_ms=(time.perf_counter() - started) * 1000,
        terms=tuple(
            store_search.Term(t.words, is_prefix=t.is_prefix, raw=t.raw or " ".join(t.words))
            for t in terms
        ),
    )


def positive_terms(node: Node) -> tuple[Term, ...]:
    """The words and phrases of `node` not under a NOT (for ranking and highlighting)."""
    if isinstance(node, Term):
        return (node,)
    if not isinstance(node, And | Or):
        return ()
    found: list[Term] = []
    for child in node.children:
        found.extend(term for term in positive_terms(child) if term not in found)
    return tuple(found)


def _sqlite_ids(
    conn: Connection,
    node: Node | None,
    order: SortOrder,
    page: int,
    per_page: int,
    now: datetime,
) -> tuple[list[int], int, bool]:
    """The page's ids, the total and whether it is a lower bound, on SQLite."""
    plan = sqlite_plan(node, now)
    id_range = None
    if not plan.is_time_ordered and (plan.since is not None or plan.until is not None):
        id_range = id_range_for_time(conn, plan.since, plan.until)
        if id_range is None:
            return [], 0, False
    is_ranked = order == "relevance" and plan.text_match is not None
    is_by_time = not is_ranked
    scanner = Scanner(conn, plan, now=now, id_range=id_range, needs_time=is_by_time)
    offset = (page - 1) * per_page
    # One past the page tells whether there is a next page; relevance ranks a window.
    needed = offset + per_page + 1
    if is_ranked:
        needed = max(needed, RELEVANCE_WINDOW)
    needed = min(needed, TOTAL_CAP + 1)
    keep = needed if is_ranked else offset + per_page
    if not plan.checks:
        size = TOTAL_CAP + 1
    elif any(is_row_check(part) for part in plan.checks):
        size = MAX_ROW_CANDIDATES
    else:
        size = MAX_CANDIDATES
    last = scanner.window(size=size, limit=TOTAL_CAP + 1, keep=keep, is_by_time=is_by_time)
    found, kept = last.found, list(last.kept)
    is_capped = found > TOTAL_CAP or not last.is_exhausted
    while found < needed and not last.is_exhausted:
        # Past the count's bound: only as many as the page needs, in growing windows.
        size *= 2
        last = scanner.window(
            after=last.examined_to,
            size=size,
            limit=needed - found,
            keep=keep,
            is_by_time=is_by_time,
        )
        found += last.found
        kept += last.kept
        if last.is_exhausted:
            is_capped = False  # every candidate was checked: `found` counts every match
    if is_by_time:
        kept.sort(key=lambda match: (match[1], match[0]), reverse=True)
        if not plan.is_time_ordered and not last.is_exhausted:
            extra = _newer_by_time(conn, scanner, kept[:keep], last, keep, id_range)
            found += len(extra)
            kept = sorted(kept + extra, key=lambda match: (match[1], match[0]), reverse=True)
        ordered = kept
    else:
        ordered = _by_relevance(conn, plan.match or "", kept)
    page_ids = [match[0] for match in ordered[offset : offset + per_page]]
    return page_ids, min(found, TOTAL_CAP), is_capped or found > TOTAL_CAP


def _newer_by_time(
    conn: Connection,
    scanner: Scanner,
    newest: list[Match],
    last: Window,
    wanted: int,
    id_range: tuple[int, int] | None,
) -> list[Match]:
    """Matches older by id than every candidate checked (`last.examined_to`) that are newer
    by time than the `wanted`-th of `newest` (the newest found, by time): each lies in the id
    range of its hour (item_time_bounds)."""
    if not newest or last.examined_to is None:
        return []
    oldest_wanted = str(newest[min(wanted, len(newest)) - 1][1])
    below = last.examined_to[1]
    hour = int(_parse_stored(oldest_wanted).timestamp()) // 3600
    spans = [
        (int(low), min(int(high), below - 1))
        for low, high in conn.execute(
            select(item_time_bounds.c.min_id, item_time_bounds.c.max_id).where(
                item_time_bounds.c.hour >= hour, item_time_bounds.c.min_id < below
            )
        )
    ]
    if id_range is not None:
        spans = [(max(low, id_range[0]), min(high, id_range[1])) for low, high in spans]
    extra: list[Match] = []
    for span in merged_spans([(low, high) for low, high in spans if low <= high]):
        window = scanner.window(
            size=None,
            limit=None,
            keep=wanted,
            is_by_time=True,
            span=span,
            since_text=oldest_wanted,
        )
        extra += window.kept
    return extra


def _parse_stored(value: str) -> datetime:
    """items.sort_at as SQLite stores it ('YYYY-MM-DD HH:MM:SS.ffffff', UTC)."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _by_relevance(conn: Connection, match: str, found: list[Match]) -> list[Match]:
    """`found` (newest by id first) by bm25 over the first RELEVANCE_WINDOW (title weighs
    4, text 1), then the others newest first; ties go to the newer item."""
    window = found[:RELEVANCE_WINDOW]
    if not window:
        return []
    wanted = [match[0] for match in window]
    # One pass over the window's id range; "+rowid IN" filters there (bm25 is computed only
    # for the rows kept) without making FTS5 look each id up alone (seconds for 2,000).
    scores = {
        int(row_id): float(score)
        for row_id, score in conn.execute(
            text(
                "SELECT rowid, bm25(items_fts, 4.0, 1.0, 0.0) FROM items_fts "
                "WHERE items_fts MATCH :match AND rowid BETWEEN :low AND :high "
                "AND +rowid IN (SELECT value FROM json_each(:ids))"
            ),
            {"match": match, "low": min(wanted), "high": max(wanted), "ids": json.dumps(wanted)},
        )
    }
    ranked = sorted(window, key=lambda match: (scores.get(match[0], 0.0), -match[0]))
    return ranked + found[RELEVANCE_WINDOW:]


def _select_ids(
    conn: Connection,
    condition: ColumnElement[bool],
    ranked_terms: tuple[Term, ...],
    page: int,
    per_page: int,
) -> tuple[list[int], int, bool]:
    """One page of the items matching `condition`, newest first, or on PostgreSQL by
    ts_rank_cd over the newest RELEVANCE_WINDOW when `ranked_terms` are given."""
    offset = (page - 1) * per_page
    if ranked_terms:
        words = " | ".join(
            "'" + word.replace("'", "''") + "'" for term in ranked_terms for word in term.words
        )
        vector: ColumnElement[Any] = literal_column("items.search_vector")
        rank = func.ts_rank_cd(vector, func.to_tsquery(literal_column("'simple'"), literal(words)))
        window = (
            select(items.c.id, rank.label("score"))
            .where(condition)
            .order_by(items.c.id.desc())
            .limit(RELEVANCE_WINDOW)
            .subquery()
        )
        page_query: Select[Any] = (
            select(window.c.id)
            .order_by(window.c.score.desc(), window.c.id.desc())
            .limit(per_page)
            .offset(offset)
        )
    else:
        page_query = (
            select(items.c.id)
            .where(condition)
            .order_by(items.c.sort_at.desc(), items.c.id.desc())
            .limit(per_page)
            .offset(offset)
        )
    ids = [int(i) for i in conn.execute(page_query).scalars()]
    limited = select(items.c.id).where(and_(condition)).limit(TOTAL_CAP + 1).subquery()
    total = int(conn.execute(select(func.count()).select_from(limited)).scalar_one())
    return ids, min(total, TOTAL_CAP), total > TOTAL_CAP
