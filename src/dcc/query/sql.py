"""Syntax tree to one SQLAlchemy condition on `items`, for SQLite and PostgreSQL.

The condition keeps the whole boolean structure (OR across fields, NOT of groups) and has
exactly the matcher's meaning (matcher.py; tests/query/test_equivalence.py runs both):
- every leaf is true or false, never NULL, so NOT of a missing label is true, as in the
  matcher (nullable columns are tested with IS NOT NULL first);
- text on SQLite goes to the FTS5 index (`items_fts`, migration 0001). A group made only of
  words, phrases and prefixes (with AND, OR and NOT beside a positive term) becomes one
  MATCH expression; every word is quoted, so input is never read as FTS5 syntax;
- text on PostgreSQL uses the tsvector index (`items.search_vector`) to find candidates,
  and a phrase is then checked on the title and the text on their own with a regular
  expression, so that it neither spans the title and the text nor depends on how
  PostgreSQL's parser splits "covid-19" or "5.4";
- labels come from the enrichment columns (sentiment, stance, is_crisis), from the label
  index `item_labels` (topics; countries, with the item's own country: store/labels.py,
  derived from the enrichment in the transaction that stores it, so it means the same and
  is read by item id instead of parsing 2-4 KB of JSON per item) and from the stored
  enrichment JSON (entities, crisis.informative/info_type);
- time compares `items.sort_at` (published, else ingested); relative times use `now`.

Known differences on PostgreSQL (docs/query-language.md): accents count ("cafe" does not
find "café"), and a word found only inside a host name, e-mail address, URL or decimal
number ("kemlu" in "kemlu.go.id") is not found, as PostgreSQL indexes those whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)

from dcc.query.ast import (
    And,
    Field,
    FieldMatch,
    Node,
    Not,
    Or,
    Term,
    TimeCompare,
    resolve_time,
)
from dcc.query.fields import INFO_TYPES
from dcc.store.labels import has_label
from dcc.store.schema import items

DIALECTS = ("sqlite", "postgresql")
items_fts = table("items_fts", column("rowid"))
_FTS_COLUMNS = "{title text}"
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("items.search_vector")
# Between two words of a phrase: anything that is not a letter or digit ("_" included), as
# the tokenizer of text.py splits them.
_GAP = "[^[:alnum:]]+"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def compile_condition(node: Node, dialect: str, *, now: datetime) -> ColumnElement[bool]:
    """`node` as a condition on `items` for `dialect` ("sqlite" or "postgresql")."""
    if dialect not in DIALECTS:
        raise NotImplementedError(f"no query compiler for database dialect {dialect!r}")
    return _Compiler(dialect, now).condition(node)


def fts5_expression(node: Node) -> str | None:
    """`node` as one FTS5 MATCH expression over title and text, or None when it holds
    anything FTS5 cannot answer alone (fields, time, a NOT with no positive term beside it)."""
    if isinstance(node, Term):
        phrase = '"' + " ".join(node.words) + '"'
        return f"{_FTS_COLUMNS} : {phrase}" + ("*" if node.is_prefix else "")
    if isinstance(node, Or):
        parts = [fts5_expression(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return "(" + " OR ".join(f"({part})" for part in parts) + ")"
    if isinstance(node, And):
        return _fts5_and(node.children)
    return None


def _fts5_and(children: tuple[Node, ...]) -> str | None:
    positive: list[str] = []
    negative: list[str] = []
    for child in children:
        if isinstance(child, Not):
            inner = fts5_expression(child.child)
            if inner is None:
                return None
            negative.append(inner)
        else:
            part = fts5_expression(child)
            if part is None:
                return None
            positive.append(part)
    if not positive:  # FTS5 has no unary NOT
        return None
    expression = "(" + " AND ".join(f"({part})" for part in positive) + ")"
    return expression + "".join(f" NOT ({part})" for part in negative)


class _Compiler:
    def __init__(self, dialect: str, now: datetime) -> None:
        self.is_sqlite = dialect == "sqlite"
        self.now = now

    def condition(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, Term):
            return self.fts_match(fts5_expression(node) or "") if self.is_sqlite else self.pg(node)
        if isinstance(node, FieldMatch):
            return self.field(node)
        if isinstance(node, TimeCompare):
            bound = resolve_time(node.point, self.now)
            sort_at = items.c.sort_at
            if node.op == ">=":
                return sort_at >= bound
            if node.op == ">":
                return sort_at > bound
            if node.op == "<=":
                return sort_at <= bound
            return sort_at < bound
        if isinstance(node, Not):
            return not_(self.condition(node.child))
        if self.is_sqlite:
            return self.sqlite_group(node)
        parts = [self.condition(child) for child in node.children]
        return and_(*parts) if isinstance(node, And) else or_(*parts)

    def sqlite_group(self, node: And | Or) -> ColumnElement[bool]:
        """An And or Or on SQLite: its text parts as one MATCH, the rest as conditions."""
        whole = fts5_expression(node)
        if whole is not None:
            return self.fts_match(whole)
        if isinstance(node, Or):
            texts = [child for child in node.children if fts5_expression(child) is not None]
            if len(texts) < 2:
                return or_(*(self.condition(child) for child in node.children))
            others = [self.condition(child) for child in node.children if child not in texts]
            return or_(self.fts_match(fts5_expression(Or(tuple(texts))) or ""), *others)
        texts = [
            child
            for child in node.children
            if fts5_expression(child.child if isinstance(child, Not) else child) is not None
        ]
        grouped = _fts5_and(tuple(texts)) if len(texts) > 1 else None
        if grouped is None:
            return and_(*(self.condition(child) for child in node.children))
        others = [self.condition(child) for child in node.children if child not in texts]
        return and_(self.fts_match(grouped), *others)

    def fts_match(self, expression: str) -> ColumnElement[bool]:
        matching = select(items_fts.c.rowid).where(
            literal_column("items_fts").op("MATCH")(bindparam(None, expression, type_=String))
        )
        return items.c.id.in_(matching)

    def pg(self, term: Term) -> ColumnElement[bool]:
        """A word or phrase on PostgreSQL: the tsvector finds candidates; a phrase is then
        checked with a regular expression on the title and the text separately."""
        if len(term.words) == 1:
            word = term.words[0]
            lexeme = _tsquery_word(word) + ":*" if term.is_prefix else _tsquery_alternatives(word)
            return _SEARCH_VECTOR.op("@@")(func.to_tsquery(_SIMPLE, literal(lexeme)))
        every_word = " & ".join(
            _tsquery_word(word) + ":*"
            if term.is_prefix and index == len(term.words) - 1
            # A word split off a hyphen may be indexed with its sign ("covid-19" -> '-19').
            else _tsquery_alternatives(word)
            for index, word in enumerate(term.words)
        )
        candidates: ColumnElement[Any] = func.to_tsquery(_SIMPLE, literal(every_word))
        if term.raw and not term.is_prefix:
            # PostgreSQL keeps "5.4" or "kemlu.go.id" as one lexeme: its own parser finds those.
            candidates = candidates.op("||")(func.phraseto_tsquery(_SIMPLE, literal(term.raw)))
        pattern = "(^|[^[:alnum:]])" + _GAP.join(term.words)
        if not term.is_prefix:
            pattern += "([^[:alnum:]]|$)"
        return and_(
            _SEARCH_VECTOR.op("@@")(candidates),
            or_(items.c.title.op("~*")(literal(pattern)), items.c.text.op("~*")(literal(pattern))),
        )

    def field(self, node: FieldMatch) -> ColumnElement[bool]:
        value = node.value
        field = node.field
        if field is Field.LANG:
            return _equals(items.c.lang, value)
        if field is Field.COUNTRY:
            return has_label("country", [value])
        if field is Field.SOURCE:
            if node.is_prefix:
                return func.substr(items.c.source_id, 1, len(value)) == value
            return items.c.source_id == value
        if field is Field.KIND:
            return items.c.kind == value
        if field is Field.TOPIC:
            return has_label("topic", [value])
        if field is Field.ENTITY:
            return self.json_entity(value)
        if field is Field.SENTIMENT:
            return _equals(items.c.sentiment, value)
        if field is Field.STANCE:
            return _equals(items.c.stance, value)
        return self.crisis(value)

    def crisis(self, value: str) -> ColumnElement[bool]:
        if value == "true":
            return items.c.is_crisis.is_(true())
        if value == "false":
            return items.c.is_crisis.is_(false())
        if value == "informative":
            if self.is_sqlite:
                flag = func.json_extract(items.c.enrichment, "$.crisis.informative")
                return func.coalesce(flag, 0) == 1
            text = items.c.enrichment[("crisis", "informative")].as_string()
            return func.coalesce(text, "") == "true"
        if value not in INFO_TYPES:
            raise ValueError(f"crisis: {value!r} is not a crisis value")
        if self.is_sqlite:
            info = func.json_extract(items.c.enrichment, "$.crisis.info_type")
        else:
            info = items.c.enrichment[("crisis", "info_type")].as_string()
        return func.coalesce(info, "") == value

    def json_entity(self, key: str) -> ColumnElement[bool]:
        """Whether an entity's text, ASCII letters lower-cased, equals `key` (fields.py)."""
        if self.is_sqlite:
            each = func.json_each(items.c.enrichment, "$.entities").table_valued("value")
            name = func.lower(func.json_extract(each.c.value, "$.text"))
        else:
            listed = items.c.enrichment["entities"]
            each = func.json_array_elements(listed).table_valued("value")
            name = func.translate(each.c.value.op("->>")("text"), _UPPER, _UPPER.lower())
        return exists(select(literal(1)).select_from(each).where(name == key))


def _equals(column_: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    """column = value that is false, not NULL, where the column is NULL."""
    return and_(column_.is_not(None), column_ == value)


def _tsquery_word(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def _tsquery_alternatives(word: str) -> str:
    if word.isdigit():
        return f"({_tsquery_word(word)} | {_tsquery_word('-' + word)})"
    return _tsquery_word(word)
