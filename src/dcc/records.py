"""Explicit record types passed between stages (STYLE rule 5).

Records are frozen dataclasses: parsers produce them, actions store them, queries return them.
No dict of unknown shape crosses a module border, except `extra`, which carries the fields a
source had that DCC does not model (DESIGN §4.1: unknown fields are kept).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSONValue = Any  # JSON-serialisable value; json.dumps is the check at the store boundary.


class SourceKind(enum.StrEnum):
    """How a source's bytes are parsed."""

    RSS = "rss"  # RSS 2.0 / Atom / RDF, GeoRSS and GDACS fields kept
    WEB = "web"  # one article page, extracted with trafilatura
    JSONL = "jsonl"  # JSON Lines documents (DESIGN §4.1)
    CSV = "csv"  # social-post export with a column mapping
    GEOJSON = "geojson"  # USGS earthquake summary GeoJSON
    CAP = "cap"  # one CAP 1.2 alert (1.0/1.1 upgraded and validated as 1.2)
    CAP_INDEX = "cap_index"  # Atom/RSS index whose entries link to CAP alerts


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as a source gave it, before any enrichment.

    `(source_id, external_id)` is the durable key: the source's own id (guid, tweet id, CAP
    identifier) or, failing that, the canonical URL.
    """

    source_id: str
    external_id: str
    text: str
    title: str = ""
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    lang: str | None = None
    country: str | None = None
    geo: GeoPoint | None = None
    kind: str = "article"
    extra: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A part of an input that could not be accepted; the rest of the input still is.

    `location` names where (for example "line 12" or "entry 3"), `message` says what is wrong.
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class SourceAuth:
    """How a private source proves who is asking: `scheme` "bearer" (Authorization: Bearer),
    "basic" (the secret is "user:password") or "header" (the secret is `header`'s value).

    The secret itself is never stored: `secret_env` names the environment variable that holds
    it on the machines that fetch (dcc.ingest.source_auth).
    """

    scheme: str
    secret_env: str
    header: str = "Authorization"


@dataclass(frozen=True, slots=True)
class Source:
    """A place DCC reads from: a URL polled on a schedule, or a local file or folder."""

    id: str
    kind: SourceKind
    url: str
    name: str = ""
    lang: str | None = None
    country: str | None = None
    tags: tuple[str, ...] = ()
    interval_s: int = 900
    is_private_allowed: bool = False
    is_enabled: bool = True
    # CSV column mapping: DCC field -> column name (id, text, title, author, published_at, url,
    # lang, lat, lon). JSONL needs none.
    mapping: Mapping[str, str] = field(default_factory=dict)
    auth: SourceAuth | None = None  # a private (subscription, partner) source's credentials


@dataclass(frozen=True, slots=True)
class SourceHealth:
    source_id: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_total: int
    items_last_day: int

    @property
    def is_healthy(self) -> bool:
        return self.last_success_at is not None and self.consecutive_failures == 0


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An item as stored, with its database id and processing stage."""

    id: int
    source_id: str
    external_id: str
    title: str
    text: str
    url: str | None
    author: str | None
    published_at: datetime | None
    ingested_at: datetime
    lang: str | None
    country: str | None
    geo: GeoPoint | None
    kind: str
    stage: str
    extra: Mapping[str, JSONValue]
    # The enrichment labels with their evidence (DESIGN §4.2), once processed.
    enrichment: Mapping[str, JSONValue] | None = None


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingest call did: items parsed, newly stored, already known, and problems."""

    parsed: int = 0
    stored: int = 0
    duplicates: int = 0
    problems: tuple[ParseProblem, ...] = ()

    def merged(self, other: IngestReport) -> IngestReport:
        return IngestReport(
            parsed=self.parsed + other.parsed,
            stored=self.stored + other.stored,
            duplicates=self.duplicates + other.duplicates,
            problems=self.problems + other.problems,
        )
