"""Index hints on SQLite: `query.with_hint(items, "INDEXED BY ix_items_id_filters", "sqlite")`.

Why: on SQLite an item's row holds its text and enrichment (a 4 KB page or more), and with
the statistics of ANALYZE the planner still reads rows by id from the table when a narrow
covering index holds every column a query needs, or scans a time range when a few items
are looked for by stage. `INDEXED BY` settles it. SQLAlchemy renders `with_hint` only on
dialects that define `get_from_hint_text`, which its SQLite compiler does not: defined here,
it appends the hint after the table (and its alias), where SQLite's grammar wants it. Hints
for "sqlite" are ignored on PostgreSQL, which plans from its own statistics. Imported by
store/labels.py, which names the indexes, so every module that hints has it.
"""

from __future__ import annotations

from sqlalchemy import FromClause
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler


def _sqlite_from_hint_text(
    _compiler: SQLiteCompiler, _table: FromClause, text: str | None
) -> str | None:
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint_text  # type: ignore[method-assign,assignment]
