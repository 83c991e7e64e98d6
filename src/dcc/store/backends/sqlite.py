"""Full-text search on SQLite FTS5 (table `items_fts`, kept by triggers; see migration 0001)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Connection, and_, column, literal_column, select, table, text

from dcc.store.schema import items
from dcc.store.search import TOTAL_CAP

if TYPE_CHECKING:
    from dcc.store.search import SearchQuery, Term

# Relevance ranks the newest RELEVANCE_WINDOW matches, not all of them: a watch floor wants the
# best *recent* matches, and bm25 over every match of a common word in millions of items would
# take seconds. FTS5 yields matches by rowid, which follows ingest order, so this is cheap.
RELEVANCE_WINDOW = 5_000


items_fts = table("items_fts", column("rowid"), column("title"), column("text"))


def fts5_query(terms: tuple[Term, ...]) -> str:
    """Render terms as an FTS5 MATCH expression; every word is quoted, so user input can never
    be read as FTS5 syntax (column filters, NEAR, operators)."""
    positive: list[str] = []
    negative: list[str] = []
    for term in terms:
        phrase = '"' + " ".join(term.words) + '"' + ("*" if term.is_prefix else "")
        (negative if term.is_excluded else positive).append(phrase)
    expression = " AND ".join(positive)
    for phrase in negative:
        expression += f" NOT {phrase}"
    return expression


class SqliteFts:
    def search_ids(
        self,
        conn: Connection,
        terms: tuple[Term, ...],
        conditions: list[ColumnElement[bool]],
        query: SearchQuery,
    ) -> tuple[list[int], int, bool]:
        match = fts5_query(terms)
        rowid = literal_column("items_fts.rowid")
        matches = (
            select(rowid.label("id")).select_from(items_fts).where(text("items_fts MATCH :match"))
        )
        if conditions:
            matches = matches.join(items, items.c.id == rowid).where(and_(*conditions))
        newest = matches.order_by(rowid.desc())
        offset = (query.page - 1) * query.per_page
        if query.effective_sort == "time":
            # Items are inserted roughly in time order, so rowid order is close to sort_at order
            # but not equal (a backfill inserts old items late): sort the newest candidates by
            # sort_at for the page.
            window = newest.limit(TOTAL_CAP + 1).subquery()
            page = (
                select(window.c.id)
                .join(items, items.c.id == window.c.id)
                .order_by(items.c.sort_at.desc(), items.c.id.desc())
                .limit(query.per_page)
                .offset(offset)
            )
        else:
            scored = (
                newest.add_columns(literal_column("bm25(items_fts, 4.0, 1.0)").label("score"))
                .limit(RELEVANCE_WINDOW)
                .subquery()
            )
            page = (
                select(scored.c.id)
                .order_by(scored.c.score, scored.c.id.desc())
                .limit(query.per_page)
                .offset(offset)
            )
        ids = list(conn.execute(page, {"match": match}).scalars())
        counted = select(literal_column("count(*)")).select_from(
            newest.limit(TOTAL_CAP + 1).subquery()
        )
        total = int(conn.execute(counted, {"match": match}).scalar_one())
        return ids, min(total, TOTAL_CAP), total > TOTAL_CAP
