"""Full-text search on PostgreSQL: `items.search_vector` (generated tsvector, GIN index)."""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, literal_column, select

from dcc.store.schema import items
from dcc.store.search import TOTAL_CAP

if TYPE_CHECKING:
    from dcc.store.search import SearchQuery, Term

# As on SQLite: rank the newest matches only (see backends/sqlite.py).
RELEVANCE_WINDOW = 2_000
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def term_tsquery(term: Term, index: int) -> tuple[ColumnElement[Any], dict[str, str]]:
    """One term as a tsquery. Words and phrases go through phraseto_tsquery, which uses the
    same parser as the indexed documents ("COVID-19" splits the same way on both sides) and
    treats operators in user input as plain text. A prefix becomes a quoted lexeme with :*."""
    name = f"term{index}"
    if term.is_prefix and len(term.words) == 1:
        lexeme = "'" + term.words[0].replace("\\", "\\\\").replace("'", "''") + "':*"
        return func.to_tsquery(SIMPLE, bindparam(name)), {name: lexeme}
    return func.phraseto_tsquery(SIMPLE, bindparam(name)), {name: term.raw or " ".join(term.words)}


class PostgresTsvector:
    def search_ids(
        self,
        conn: Connection,
        terms: tuple[Term, ...],
        conditions: list[ColumnElement[bool]],
        query: SearchQuery,
    ) -> tuple[list[int], int, bool]:
        vector: ColumnElement[Any] = literal_column("items.search_vector")
        params: dict[str, str] = {}
        positive: list[ColumnElement[bool]] = []
        excluded: list[ColumnElement[bool]] = []
        rank_parts: list[ColumnElement[Any]] = []
        for index, term in enumerate(terms):
            tsquery, values = term_tsquery(term, index)
            params.update(values)
            if term.is_excluded:
                excluded.append(~vector.op("@@")(tsquery))
            else:
                positive.append(vector.op("@@")(tsquery))
                rank_parts.append(tsquery)
        matched = and_(*positive, *excluded, *conditions)
        offset = (query.page - 1) * query.per_page
        if query.effective_sort == "time":
            page = (
                select(items.c.id)
                .where(matched)
                .order_by(items.c.sort_at.desc(), items.c.id.desc())
                .limit(query.per_page)
                .offset(offset)
            )
        else:
            rank_query = reduce(lambda a, b: a.op("&&")(b), rank_parts)
            window = (
                select(items.c.id, func.ts_rank_cd(vector, rank_query).label("score"))
                .where(matched)
                .order_by(items.c.id.desc())
                .limit(RELEVANCE_WINDOW)
                .subquery()
            )
            page = (
                select(window.c.id)
                .order_by(window.c.score.desc(), window.c.id.desc())
                .limit(query.per_page)
                .offset(offset)
            )
        ids = list(conn.execute(page, params).scalars())
        limited = select(items.c.id).where(matched).limit(TOTAL_CAP + 1).subquery()
        total = int(conn.execute(select(func.count()).select_from(limited), params).scalar_one())
        return ids, min(total, TOTAL_CAP), total > TOTAL_CAP
