"""SQL compiler: FTS5 expressions, conditions on both databases, input never read as SQL."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from dcc.query.ast import Field, FieldMatch
from dcc.query.errors import QuerySyntaxError
from dcc.query.parser import parse_query
from dcc.query.sql import compile_condition, fts5_expression
from dcc.records import RawItem
from dcc.store.items import insert_new_items
from dcc.store.schema import items

NOW = parse_query("time:>2026-11-20T12:00Z").point  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("gempa", '{title text} : "gempa"'),
        ('"tsunami warning"', '{title text} : "tsunami warning"'),
        ("gemp*", '{title text} : "gemp"*'),
        ("covid-19", '{title text} : "covid 19"'),
        (
            "gempa OR banjir",
            '(({title text} : "gempa") OR ({title text} : "banjir"))',
        ),
        (
            "gempa lombok -latihan",
            '(({title text} : "gempa") AND ({title text} : "lombok"))'
            ' NOT ({title text} : "latihan")',
        ),
        ("-latihan", None),  # FTS5 has no NOT on its own
        ("gempa lang:id", None),
        ("gempa OR time:>now-1h", None),
    ],
)
def test_fts5_expressions(text: str, expression: str | None) -> None:
    assert fts5_expression(parse_query(text)) == expression


@pytest.mark.parametrize("text", ['"a OR b" NEAR', "title:x", '"x" AND "y*"', "a^b c:d"])
def test_fts5_syntax_in_input_stays_words(text: str) -> None:
    """Operators in quotes and FTS5 column filters are plain words once quoted."""
    try:
        node = parse_query(text)
    except QuerySyntaxError:
        return  # refused by the parser (unknown field): nothing reaches FTS5
    expression = fts5_expression(node) or ""
    assert "title:" not in expression and "NEAR" not in expression


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_every_construct_compiles(dialect: object) -> None:
    node = parse_query(
        '(gempa OR "tsunami warning" OR gemp* OR "tsunami warn"*) -latihan lang:id '
        "country:ID source:antara* source:bbc kind:post topic:disaster "
        'entity:"Joko Widodo" sentiment:negative stance:negative crisis:true crisis:false '
        "crisis:informative crisis:caution_and_advice time:>now-24h time:2026-11-01..2026-11-20"
    )
    name = dialect.name  # type: ignore[attr-defined]
    compiled = str(compile_condition(node, name, now=NOW).compile(dialect=dialect))  # type: ignore[arg-type]
    assert ("MATCH" in compiled) == (name == "sqlite")
    assert ("@@" in compiled) == (name == "postgresql")


def test_unknown_dialect_and_value_are_refused() -> None:
    with pytest.raises(NotImplementedError, match="mysql"):
        compile_condition(parse_query("gempa"), "mysql", now=NOW)
    with pytest.raises(ValueError, match="maybe"):
        compile_condition(FieldMatch(Field.CRISIS, "maybe"), "sqlite", now=NOW)


@pytest.fixture
def accents(engine: Engine) -> Engine:
    batch = [
        RawItem(source_id="s", external_id="1", title="Café Jakarta", text="di kemlu.go.id"),
        RawItem(source_id="s", external_id="2", title="cafe Bandung", text="-"),
    ]
    with engine.begin() as conn:
        insert_new_items(conn, batch)
    return engine


def titles(engine: Engine, text: str) -> set[str]:
    with engine.connect() as conn:
        condition = compile_condition(parse_query(text), conn.dialect.name, now=NOW)
        return set(conn.execute(select(items.c.title).where(condition)).scalars())


def test_known_differences_between_the_databases(accents: Engine) -> None:
    """docs/query-language.md lists these: accents and host names on PostgreSQL."""
    is_sqlite = accents.dialect.name == "sqlite"
    both = {"Café Jakarta", "cafe Bandung"}
    assert titles(accents, "café") == (both if is_sqlite else {"Café Jakarta"})
    assert titles(accents, "cafe") == (both if is_sqlite else {"cafe Bandung"})
    assert titles(accents, "kemlu") == ({"Café Jakarta"} if is_sqlite else set())
    # The whole host name is found on both.
    assert titles(accents, "kemlu.go.id") == {"Café Jakarta"}


@pytest.mark.parametrize(
    "hostile",
    ["') OR 1=1 --", '"; DROP TABLE items; --"', "x' OR 'a'='a", "a\\'b", 'entity:"\' OR 1=1"'],
)
def test_hostile_input_is_data(accents: Engine, hostile: str) -> None:
    # Refused with a reason is fine; a database error is not.
    with contextlib.suppress(QuerySyntaxError):
        assert titles(accents, hostile) == set()
    assert titles(accents, "jakarta") == {"Café Jakarta"}
