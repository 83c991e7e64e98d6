"""Exceptions a caller can handle, one class per failure (STYLE rule 10).

Each message names the offending value. The CLI turns `DCCError` into exit code 2 with its
message as the one-line reason (DESIGN §4.3).
"""


class DCCError(Exception):
    """Base of every error DCC reports to a user as bad input or an unusable source."""


class SourceError(DCCError):
    """A source cannot be read: unreachable, refused, too large, timed out."""


class FetchRefusedError(SourceError):
    """A fetch was refused before or during the request (scheme, private address, size)."""


class SourceFormatError(SourceError):
    """A source's content cannot be parsed at all (malformed XML, wrong format)."""


class SchemaValidationError(SourceFormatError):
    """A document fails its schema (for example CAP 1.2); the message holds the schema error."""


class SourceConfigError(DCCError):
    """A source definition is invalid (unknown kind, bad URL, duplicate id)."""


class QueryError(DCCError):
    """A search query or filter is invalid."""


class JobError(DCCError):
    """The job queue cannot be reached or refused an operation."""
