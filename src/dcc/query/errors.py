"""The one error the query language raises: a syntax error with the place it was found."""

from __future__ import annotations

from dcc.errors import QueryError


class QuerySyntaxError(QueryError):
    """A query cannot be read; `position` is the 0-based character where the problem is.

    `str()` is one line for the CLI and the API (`... at position 6`); `caret()` draws the
    query with a caret under the position, for a rule editor or a terminal:

        gempa lang:xx
                   ^ unknown language 'xx' ...
    """

    def __init__(self, message: str, position: int, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} (at position {position})")

    def caret(self) -> str:
        """The query on one line and a caret under the offending character on the next."""
        line = self.query.replace("\n", " ").replace("\t", " ")
        return f"{line}\n{' ' * self.position}^ {self.message}"
