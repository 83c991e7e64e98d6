"""Search stored items with the query language: `search_items(conn, 'gempa country:ID')`.

The same page shape as store/search.py (`SearchResults`), so the API and the CLI can switch
to it without changing their output. The condition comes from sql.py; this module chooses
how to run it:
- SQLite, with words or phrases that every match must contain: the FTS5 index drives
  (newest matches first, by rowid), a time filter narrows the rowid range through
  item_time_bounds, and the other filters are checked on the candidates, as the existing
  backend does (store/backends/sqlite.py); relevance is bm25 over the newest 2,000 matches;
- otherwise (PostgreSQL, or a query of filters or negations only): one SELECT with the whole
  condition, newest first; on PostgreSQL relevance is ts_rank_cd over the newest 2,000.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
    type_coerce,
)

from dcc.query.ast import And, Node, Not, Or, Term, TimeCompare, resolve_time
from dcc.query.parser import parse_query
from dcc.query.sql import compile_condition, fts5_expression, items_fts
from dcc.store import search as store_search
from dcc.store.items import id_range_for_time, row_to_item
from dcc.store.schema import items
from dcc.store.search import TOTAL_CAP, SearchQuery, SearchResults, SortOrder, count_capped

# As in store/backends: rank the newest matches only (a watch floor wants recent ones).
RELEVANCE_WINDOW = 2_000


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
    plan = _fts_plan(node) if node is not None and dialect == "sqlite" else None
    if plan is not None:
        match, others = plan
        ids, total, capped = _fts_ids(conn, match, others, order, page, per_page, moment)
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


def _fts_plan(node: Node) -> tuple[str, list[Node]] | None:
    """The MATCH expression every result must satisfy and the other parts of a top-level
    AND, or None when no text part can drive the search."""
    parts = node.children if isinstance(node, And) else (node,)
    texts: list[Node] = []
    others: list[Node] = []
    for part in parts:
        inner = part.child if isinstance(part, Not) else part
        (texts if fts5_expression(inner) is not None else others).append(part)
    match = fts5_expression(And(tuple(texts))) if texts else None
    if match is None:
        return None
    return match, others


def _fts_ids(
    conn: Connection,
    match: str,
    others: Sequence[Node],
    order: SortOrder,
    page: int,
    per_page: int,
    now: datetime,
) -> tuple[list[int], int, bool]:
    """Walk the FTS5 matches newest first; check the other parts on the joined items."""
    rowid: ColumnElement[int] = literal_column("items_fts.rowid")
    where: list[ColumnElement[bool]] = [
        literal_column("items_fts").op("MATCH")(literal(match, type_=String))
    ]
    since, until = _time_bounds(others, now)
    if since is not None or until is not None:
        id_range = id_range_for_time(conn, since, until)
        if id_range is None:
            return [], 0, False
        where.append(rowid.between(id_range[0], id_range[1]))
    checks = [compile_condition(part, "sqlite", now=now) for part in others]
    needs_items = bool(checks) or order == "time"
    # sort_at as stored text: ISO strings in UTC sort correctly and cost less to read.
    sort_at: ColumnElement[str] = (
        type_coerce(items.c.sort_at, String) if needs_items else literal_column("''")
    )
    candidates = select(rowid, sort_at).select_from(items_fts)
    if needs_items:
        candidates = candidates.join(items, items.c.id == rowid)
    candidates = candidates.where(*where, *checks).order_by(rowid.desc()).limit(TOTAL_CAP + 1)
    rows = [(int(row[0]), str(row[1]), 0.0) for row in conn.execute(candidates)]
    offset = (page - 1) * per_page
    if order == "time":
        ordered = sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)
    else:
        window = _bm25(conn, match, rows[:RELEVANCE_WINDOW]) + rows[RELEVANCE_WINDOW:]
        # bm25 is lower for better matches; ties go to the newer item.
        ordered = sorted(window, key=lambda row: (row[2], -row[0]))
    ids = [row[0] for row in ordered[offset : offset + per_page]]
    return ids, min(len(rows), TOTAL_CAP), len(rows) > TOTAL_CAP


def _bm25(
    conn: Connection, match: str, rows: list[tuple[int, str, float]]
) -> list[tuple[int, str, float]]:
    """`rows` with their bm25 scores (title weighs 4, text 1), in one pass over their range."""
    if not rows:
        return []
    wanted = {row[0]: row for row in rows}
    scored = conn.execute(
        text(
            "SELECT rowid, bm25(items_fts, 4.0, 1.0, 0.0) FROM items_fts "
            "WHERE items_fts MATCH :match AND rowid BETWEEN :low AND :high"
        ),
        {"match": match, "low": min(wanted), "high": max(wanted)},
    )
    return [
        (row_id, wanted[row_id][1], float(score)) for row_id, score in scored if row_id in wanted
    ]


def _time_bounds(parts: Sequence[Node], now: datetime) -> tuple[datetime | None, datetime | None]:
    """The narrowest since/until that the top-level time parts imply (a superset)."""
    since: datetime | None = None
    until: datetime | None = None
    for part in parts:
        if not isinstance(part, TimeCompare):
            continue
        bound = resolve_time(part.point, now)
        if part.op in (">", ">="):
            since = bound if since is None else max(since, bound)
        else:
            until = bound if until is None else min(until, bound)
    return since, until


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
    total, capped = count_capped(conn, select(items.c.id).where(and_(condition)))
    return ids, total, capped
