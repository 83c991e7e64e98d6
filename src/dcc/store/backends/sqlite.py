"""Full-text search on SQLite FTS5 (table `items_fts`, kept by triggers; see migration 0001)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    column,
    literal_column,
    select,
    table,
    text,
    type_coerce,
)

from dcc.store.items import id_range_for_time
from dcc.store.schema import items
from dcc.store.search import TOTAL_CAP, label_conditions

if TYPE_CHECKING:
    from dcc.store.search import SearchQuery, Term

# Relevance ranks the newest RELEVANCE_WINDOW matches, not all of them: a watch floor wants the
# best *recent* matches, and bm25 over every match of a common word in millions of items would
# take seconds. FTS5 yields matches by rowid, which follows ingest order, so this is cheap.
RELEVANCE_WINDOW = 2_000


items_fts = table("items_fts", column("rowid"), column("title"), column("text"))


def fts5_query(terms: tuple[Term, ...]) -> str:
    """Render terms as an FTS5 expression over title and text; every word is quoted, so user
    input can never be read as FTS5 syntax (column filters, NEAR, operators)."""
    positive: list[str] = []
    negative: list[str] = []
    for term in terms:
        phrase = '"' + " ".join(term.words) + '"' + ("*" if term.is_prefix else "")
        (negative if term.is_excluded else positive).append(phrase)
    expression = " AND ".join(positive)
    for phrase in negative:
        expression += f" NOT {phrase}"
    return "{title text} : (" + expression + ")"


def facet_token(prefix: str, value: str) -> str:
    """The token migration 0001 indexes for a filter value (see FACETS_SQL there)."""
    if prefix == "s":
        return "s" + value.encode("utf-8").hex()
    return prefix + value.lower()


def facets_query(query: SearchQuery) -> str:
    """The filters of `query` other than time as FTS5 terms on the facets column."""
    groups = [
        (prefix, values)
        for prefix, values in (
            ("s", query.sources),
            ("l", query.langs),
            ("c", query.countries),
            ("k", query.kinds),
        )
        if values
    ]
    clauses = []
    for prefix, values in groups:
        alternatives = " OR ".join(
            '"' + facet_token(prefix, v).replace('"', "") + '"' for v in values
        )
        clauses.append(f"facets : ({alternatives})")
    return " AND ".join(clauses)


def time_conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.since is not None:
        conditions.append(items.c.sort_at >= query.since)
    if query.until is not None:
        conditions.append(items.c.sort_at < query.until)
    return conditions


class SqliteFts:
    def search_ids(
        self,
        conn: Connection,
        terms: tuple[Term, ...],
        conditions: list[ColumnElement[bool]],
        query: SearchQuery,
    ) -> tuple[list[int], int, bool]:
        """Walk matches newest first inside the index: text and facets (source, language,
        country, kind) are FTS5 terms, a time range becomes a rowid range from
        item_time_bounds; `items` is read only to check exact times and to order by time.
        One pass gives the candidates and the capped total."""
        match = " AND ".join(part for part in (fts5_query(terms), facets_query(query)) if part)
        params: dict[str, object] = {"match": match}
        where = [text("items_fts MATCH :match")]
        times = time_conditions(query)
        # Label filters are checked on the candidates, like exact times.
        checks = [*times, *label_conditions(query)]
        if times:
            id_range = id_range_for_time(conn, query.since, query.until)
            if id_range is None:
                return [], 0, False
            params.update(low=id_range[0], high=id_range[1])
            where.append(text("items_fts.rowid BETWEEN :low AND :high"))
        rowid: ColumnElement[int] = literal_column("items_fts.rowid")
        needs_items = bool(checks) or query.effective_sort == "time"
        candidates = select(rowid, _raw_sort_at() if needs_items else literal_column("''"))
        candidates = candidates.select_from(items_fts)
        if needs_items:
            candidates = candidates.join(items, items.c.id == rowid)
        candidates = candidates.where(*where, *checks).order_by(rowid.desc()).limit(TOTAL_CAP + 1)
        rows = [(row[0], row[1], 0.0) for row in conn.execute(candidates, params)]
        if query.effective_sort == "relevance" and rows:
            rows = _with_scores(conn, match, rows[:RELEVANCE_WINDOW]) + rows[RELEVANCE_WINDOW:]
        return _page_of(rows, query), min(len(rows), TOTAL_CAP), len(rows) > TOTAL_CAP


def _with_scores(
    conn: Connection, match: str, rows: list[tuple[int, str, float]]
) -> list[tuple[int, str, float]]:
    """The rows with their bm25 scores, read over the rows' id range in one FTS pass."""
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


def _page_of(rows: Sequence[tuple[int, str, float]], query: SearchQuery) -> list[int]:
    """The page of ids from (id, sort_at, score) rows given newest id first.

    Items are inserted roughly in time order, so id order is close to sort_at order but not
    equal (a backfill inserts old items late): time order sorts on sort_at itself.
    """
    offset = (query.page - 1) * query.per_page
    if query.effective_sort == "time":
        ordered = sorted(rows, key=lambda row: (row[1], row[0]), reverse=True)
        return [row[0] for row in ordered[offset : offset + query.per_page]]
    # bm25 is lower for better matches; ties go to the newer item.
    ranked = sorted(rows, key=lambda row: (row[2], -row[0]))
    return [row[0] for row in ranked[offset : offset + query.per_page]]


def _raw_sort_at() -> ColumnElement[str]:
    # Read as stored text: ISO strings in UTC sort correctly, and converting thousands of
    # values to datetime objects would cost more than the query itself.
    return type_coerce(items.c.sort_at, String)
