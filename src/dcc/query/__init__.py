"""The query language shared by search and alert rules (issue 4, docs/query-language.md).

    node = parse_query('(kemlu OR "foreign ministry") stance:negative time:>now-24h')
    search_items(conn, text)              # stored items, SQLite FTS5 or PostgreSQL (search.py)
    QueryIndex().add(key, node); .match(MatchItem.from_stored(item))   # alerts (matcher.py)

One parser and one syntax tree (ast.py); the SQL compiler (sql.py) and the in-memory matcher
(matcher.py) give the same answers, which tests/query/test_equivalence.py checks.
"""

from dcc.query.ast import Field, Node
from dcc.query.errors import QuerySyntaxError
from dcc.query.matcher import MatchItem, QueryIndex, compile_query, matches, prepare
from dcc.query.parser import parse_query
from dcc.query.printer import format_query

__all__ = [
    "Field",
    "MatchItem",
    "Node",
    "QueryIndex",
    "QuerySyntaxError",
    "compile_query",
    "format_query",
    "matches",
    "parse_query",
    "prepare",
]
