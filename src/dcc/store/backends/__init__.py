"""Dialect-specific full-text search (SQLite FTS5, PostgreSQL tsvector) behind one protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy import ColumnElement, Connection

if TYPE_CHECKING:
    from dcc.store.search import SearchQuery, Term


class TextSearchBackend(Protocol):
    def search_ids(
        self,
        conn: Connection,
        terms: tuple[Term, ...],
        conditions: list[ColumnElement[bool]],
        query: SearchQuery,
    ) -> tuple[list[int], int, bool]:
        """Ids of one page of matches in order, the (capped) total, whether it was capped."""
        ...


def for_dialect(name: str) -> TextSearchBackend:
    if name == "sqlite":
        from dcc.store.backends.sqlite import SqliteFts

        return SqliteFts()
    if name == "postgresql":
        from dcc.store.backends.postgres import PostgresTsvector

        return PostgresTsvector()
    raise NotImplementedError(f"no full-text search for database dialect {name!r}")
