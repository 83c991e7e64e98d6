"""Query text to syntax tree: a small lexer and a recursive-descent parser.

Grammar (docs/query-language.md has the full description and examples):

    query   := or EOF
    or      := and (("OR" | "ATAU") and)*
    and     := unary (("AND" | "DAN")? unary)*          juxtaposition is AND
    unary   := ("NOT" | "BUKAN" | "-") unary | "+" unary | primary
    primary := "(" or ")" | field ":" value | '"' phrase '"' ["*"] | word ["*"]

Operators are recognised in upper case only, so the common Indonesian word "dan" stays a
word. Precedence: NOT > AND > OR. Every error is a QuerySyntaxError with the 0-based position.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from dcc.query.ast import (
    UNIT_SECONDS,
    And,
    Field,
    FieldMatch,
    Node,
    Not,
    Or,
    RelativeTime,
    Term,
    TimeCompare,
    TimeOp,
    TimePoint,
    TimeUnit,
)
from dcc.query.errors import QuerySyntaxError
from dcc.query.fields import field_value
from dcc.query.text import query_words

TokenKind = Literal["(", ")", "and", "or", "not", "plus", "word", "phrase", "field"]

MAX_QUERY_LENGTH = 4000
# Parentheses and NOTs nested deeper than this are refused (and keep recursion bounded).
MAX_DEPTH = 40
MIN_PREFIX_LENGTH = 2
# Relative times reach back at most this far (a larger offset cannot be a date).
MAX_RELATIVE_SECONDS = 100 * 366 * 86400
OPERATORS: dict[str, TokenKind] = {
    "AND": "and",
    "DAN": "and",
    "OR": "or",
    "ATAU": "or",
    "NOT": "not",
    "BUKAN": "not",
}
FIELD_NAMES = (*(f.value for f in Field), "time")
TIME_OPS: tuple[TimeOp, ...] = (">=", "<=", ">", "<")
TIME_UNITS: dict[str, TimeUnit] = {"m": "m", "h": "h", "d": "d", "w": "w"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    position: int
    text: str = ""  # word or phrase body, operator as typed, field name
    value: str = ""  # field value (without quotes or a trailing *)
    value_position: int = 0
    is_prefix: bool = False


_BARE_END = re.compile(r'[\s()"]')
_OPERAND_END = re.compile(r"[\s)]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RELATIVE = re.compile(r"^(?:now)?-(\d{1,7})([mhdw])$")


def parse_query(text: str, *, topics: Collection[str] | None = None) -> Node:
    """The syntax tree of `text`; QuerySyntaxError names the problem and its position.

    `topics` is the set of topic ids `topic:` accepts (default: the installed taxonomy).
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            f"query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}",
            MAX_QUERY_LENGTH,
            text,
        )
    return _Parser(text, topics).parse()


class _Parser:
    def __init__(self, text: str, topics: Collection[str] | None) -> None:
        self.text = text
        self.topics = topics
        self.tokens = _lex(text)
        self.index = 0

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, position, self.text)

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("the query is empty", 0)
        node = self.parse_or(0)
        extra = self.peek()
        if extra is not None:  # only a ')' can stop parse_or early
            raise self.error("unmatched ')'", extra.position)
        return node

    def parse_or(self, depth: int) -> Node:
        children = [self.parse_and(depth)]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            self.expect_operand(token)
            children.append(self.parse_and(depth))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self, depth: int) -> Node:
        children = [self.parse_unary(depth)]
        while (token := self.peek()) is not None and token.kind not in (")", "or"):
            if token.kind == "and":
                self.take()
                self.expect_operand(token)
            children.append(self.parse_unary(depth))
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self, depth: int) -> Node:
        token = self.peek()
        if token is not None and token.kind == "not":
            if depth >= MAX_DEPTH:
                raise self.error(f"the query nests deeper than {MAX_DEPTH} levels", token.position)
            self.take()
            self.expect_operand(token)
            return Not(self.parse_unary(depth + 1))
        if token is not None and token.kind == "plus":
            self.take()
            self.expect_operand(token)
            return self.parse_unary(depth)
        return self.parse_primary(depth)

    def expect_operand(self, operator: Token) -> None:
        """Refuse an operator with nothing it could apply to after it."""
        following = self.peek()
        if following is None or following.kind in (")", "and", "or"):
            name = repr(operator.text) if operator.text in ("-", "+") else operator.text
            where = following.position if following is not None else operator.position
            raise self.error(f"{name} needs a term after it", where)

    def parse_primary(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise self.error(f"the query nests deeper than {MAX_DEPTH} levels", token.position)
            following = self.peek()
            if following is None:
                raise self.error("'(' is never closed", token.position)
            if following.kind == ")":
                raise self.error("empty parentheses", token.position)
            node = self.parse_or(depth + 1)
            closing = self.peek()
            if closing is None:
                raise self.error("'(' is never closed", token.position)
            self.take()
            return node
        if token.kind == ")":
            raise self.error("unmatched ')'", token.position)
        if token.kind in ("and", "or"):
            raise self.error(f"{token.text} needs a term before it", token.position)
        if token.kind == "field":
            return self.field(token)
        return self.term(token)

    def term(self, token: Token) -> Term:
        body = token.text
        offset = token.position + (1 if token.kind == "phrase" else 0)
        if token.is_prefix and not body:
            raise self.error("'*' must follow a letter or digit", token.position)
        star = body.find("*")
        if star != -1:
            raise self.error("'*' is only allowed at the end of a word or phrase", offset + star)
        words = query_words(body)
        if not words:
            what = "the phrase" if token.kind == "phrase" else "the word"
            raise self.error(f"{what} {body!r} has no letters or digits", token.position)
        if token.is_prefix:
            if not body.rstrip()[-1:].isalnum():
                raise self.error("'*' must follow a letter or digit", offset + len(body))
            if len(words[-1]) < MIN_PREFIX_LENGTH:
                raise self.error(
                    f"a prefix needs at least {MIN_PREFIX_LENGTH} letters or digits before '*'",
                    token.position,
                )
        return Term(words, is_prefix=token.is_prefix, raw=body)

    def field(self, token: Token) -> Node:
        name = token.text.lower()
        if name not in FIELD_NAMES:
            raise self.error(
                f"unknown field {token.text!r}; fields are {', '.join(FIELD_NAMES)} "
                "(put text containing ':' in quotes)",
                token.position,
            )
        if not token.value.strip():
            raise self.error(f"{name}: needs a value", token.value_position)
        if name == "time":
            if token.is_prefix:
                raise self.error("time: takes no '*'", token.value_position)
            return self.time(token.value, token.value_position)
        field = Field(name)
        if token.is_prefix and field is not Field.SOURCE:
            raise self.error(f"{name}: takes no '*' (only source: does)", token.value_position)
        try:
            value = field_value(field, token.value, self.topics)
        except ValueError as exc:
            raise self.error(str(exc), token.value_position) from None
        return FieldMatch(field, value, is_prefix=token.is_prefix)

    def time(self, value: str, position: int) -> Node:
        if ".." in value:
            low_text, high_text = value.split("..", 1)
            if not low_text and not high_text:
                raise self.error("time: a range needs a start, an end or both", position)
            parts: list[TimeCompare] = []
            low: TimePoint | None = None
            high: TimePoint | None = None
            if low_text:
                low, _ = self.time_point(low_text, position)
                parts.append(TimeCompare(">=", low))
            if high_text:
                high_position = position + len(low_text) + 2
                high, is_day = self.time_point(high_text, high_position)
                # A day as the end of a range includes that whole day.
                parts.append(
                    TimeCompare("<", _next_day(high)) if is_day else TimeCompare("<=", high)
                )
                if low is not None and _is_after(low, high):
                    raise self.error(
                        f"time: the range {value!r} is empty (its start is after its end)",
                        position,
                    )
            return parts[0] if len(parts) == 1 else And(tuple(parts))
        op = next((candidate for candidate in TIME_OPS if value.startswith(candidate)), None)
        point_text = value[len(op) :] if op else value
        point, is_day = self.time_point(point_text, position + (len(op) if op else 0))
        if op is None:
            if is_day:  # a whole day
                return And((TimeCompare(">=", point), TimeCompare("<", _next_day(point))))
            if isinstance(point, RelativeTime):  # time:-24h is the last 24 hours
                return TimeCompare(">=", point)
            raise self.error(
                "time: an exact instant needs >, >=, < or <= (or a range with ..)", position
            )
        if is_day:  # compare with whole days
            if op == ">":
                return TimeCompare(">=", _next_day(point))
            if op == "<=":
                return TimeCompare("<", _next_day(point))
        return TimeCompare(op, point)

    def time_point(self, text: str, position: int) -> tuple[TimePoint, bool]:
        """A point in time and whether it is a whole day (a date without a time)."""
        if text == "now":
            return RelativeTime(0, "m"), False
        relative = _RELATIVE.match(text)
        if relative is not None:
            amount = int(relative.group(1))
            unit = TIME_UNITS[relative.group(2)]
            if amount * UNIT_SECONDS[unit] > MAX_RELATIVE_SECONDS:
                raise self.error(f"time: {text!r} reaches back more than 100 years", position)
            return (RelativeTime(amount, unit) if amount else RelativeTime(0, "m")), False
        try:
            if _DATE.match(text):
                day = date.fromisoformat(text)
                if day.year >= 9999:
                    raise ValueError(text)
                return datetime(day.year, day.month, day.day, tzinfo=UTC), True
            if "T" in text or "t" in text:
                instant = datetime.fromisoformat(text)
                if instant.tzinfo is None:
                    instant = instant.replace(tzinfo=UTC)
                return instant.astimezone(UTC), False
        except (ValueError, OverflowError):
            pass
        raise self.error(
            f"time: {text!r} is not a date (2026-11-01), a time (2026-11-01T08:00Z) "
            "or a relative time (now-24h, -7d)",
            position,
        )


def _next_day(point: TimePoint) -> TimePoint:
    return point + timedelta(days=1) if isinstance(point, datetime) else point


def _is_after(low: TimePoint, high: TimePoint) -> bool:
    """Whether `low` is surely later than `high` (both absolute, or both relative)."""
    if isinstance(low, datetime) and isinstance(high, datetime):
        return low > high
    if isinstance(low, RelativeTime) and isinstance(high, RelativeTime):
        return low.amount * UNIT_SECONDS[low.unit] < high.amount * UNIT_SECONDS[high.unit]
    return False


def _lex(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    length = len(text)
    while position < length:
        char = text[position]
        if char.isspace():
            position += 1
        elif char in "()":
            tokens.append(Token("(" if char == "(" else ")", position))
            position += 1
        elif char == '"':
            start = position
            body, position, is_prefix = _quoted(text, start)
            tokens.append(Token("phrase", start, body, is_prefix=is_prefix))
        elif char in "-+" and position + 1 < length and not _OPERAND_END.match(text[position + 1]):
            kind: TokenKind = "not" if char == "-" else "plus"
            tokens.append(Token(kind, position, char))
            position += 1
        elif char == "+":
            position += 1  # a lone '+' adds nothing
        elif char == "-":
            raise QuerySyntaxError(
                "'-' must be directly followed by the term it excludes, like -latihan",
                position,
                text,
            )
        else:
            position = _bare(text, position, tokens)
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int, bool]:
    """The body of the quoted string opening at `start`, the position after it (and after a
    '*' that follows), and whether a '*' followed."""
    end = text.find('"', start + 1)
    if end == -1:
        raise QuerySyntaxError("'\"' is never closed", start, text)
    after = end + 1
    is_prefix = after < len(text) and text[after] == "*"
    return text[start + 1 : end], after + is_prefix, is_prefix


def _bare(text: str, start: int, tokens: list[Token]) -> int:
    """Read an operator, a word or a field:value starting at `start`; return where it ends."""
    found = _BARE_END.search(text, start)
    end = found.start() if found else len(text)
    run = text[start:end]
    if run in OPERATORS:
        tokens.append(Token(OPERATORS[run], start, run))
        return end
    colon = run.find(":")
    if colon == -1:
        is_prefix = run.endswith("*")
        tokens.append(Token("word", start, run[:-1] if is_prefix else run, is_prefix=is_prefix))
        return end
    if colon == 0:
        raise QuerySyntaxError("':' must follow a field name, like lang:id", start, text)
    name = run[:colon]
    value_start = start + colon + 1
    value = run[colon + 1 :]
    if not value and end < len(text) and text[end] == '"':
        value, end, is_prefix = _quoted(text, end)
    else:
        is_prefix = value.endswith("*")
        value = value[:-1] if is_prefix else value
    tokens.append(
        Token(
            "field",
            start,
            name,
            value=value,
            value_position=value_start,
            is_prefix=is_prefix,
        )
    )
    return end
