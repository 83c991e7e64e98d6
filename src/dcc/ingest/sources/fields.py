"""Field normalisers the source parsers share: timestamps, URLs, languages, points, HTML text.

Each function takes a value as a source wrote it and returns DCC's form of it (UTC datetimes,
canonical URLs, ISO 639 primary subtags, validated points, plain text), or raises ValueError
naming the bad value, so a parser can turn that into a ParseProblem.
"""

from __future__ import annotations

import html
import math
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

from dcc.records import GeoPoint

# --- time -----------------------------------------------------------------------------------

# Twitter/X exports write created_at as "Wed Oct 10 20:19:24 +0000 2018".
_TWITTER_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_timestamp(value: str) -> datetime:
    """ISO 8601, RFC 2822 or Twitter-style text -> aware UTC datetime; ValueError otherwise."""
    text = value.strip()
    if not text:
        raise ValueError("empty timestamp")
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return to_utc(datetime.strptime(text, _TWITTER_FORMAT))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 or RFC 2822 timestamp") from None


def from_struct_time(value: time.struct_time | None) -> datetime | None:
    """A feedparser `*_parsed` value (a UTC struct_time) -> aware UTC datetime, or None."""
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def from_epoch_ms(value: float) -> datetime:
    """Milliseconds since 1970-01-01 UTC -> aware UTC datetime; ValueError when out of range."""
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value!r} is not a millisecond epoch time") from None


def iso_utc(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 text in UTC (for `extra`, which must be JSON)."""
    return None if value is None else to_utc(value).isoformat()


# --- URLs and languages ---------------------------------------------------------------------

# Query parameters that only track a click; dropping them makes one page one URL.
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, no default port, no fragment, no utm_*/fbclid/gclid params."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = f"{parts.netloc.rsplit('@', 1)[0]}@{host}"
    # Filter the raw "k=v" pairs rather than re-encode them, so the rest keeps its spelling.
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not pair.split("=", 1)[0].lower().startswith(_TRACKING_PARAMS)
    )
    path = parts.path or ("/" if host else "")
    return urlunsplit((scheme, host, path, query, ""))


def language_code(value: str | None) -> str | None:
    """The primary subtag of a language tag, lowercased ("en-US" -> "en"), or None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


# --- points ---------------------------------------------------------------------------------


def geo_point(lat: object, lon: object) -> GeoPoint:
    """A validated WGS 84 point from numbers or numeric strings; ValueError naming the value."""
    return GeoPoint(lat=_coordinate(lat, "lat", 90.0), lon=_coordinate(lon, "lon", 180.0))


def _coordinate(value: object, name: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"{name} {value!r} is outside -{limit:g}..{limit:g}")
    return number


# --- HTML to text ---------------------------------------------------------------------------

# Tags that end a line of text; everything else is inline.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head"})
_TAG = re.compile(r"<[A-Za-z/!?]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # In HTML a newline in the source is only a space; block tags make the lines.
            self.parts.append(data.replace("\n", " "))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags and scripts dropped, one paragraph per line.

    Text without markup keeps its own line breaks: `html_to_text("a\\n b")` is "a\\nb".
    """
    if _TAG.search(markup):
        collector = _TextCollector()
        collector.feed(markup)
        collector.close()
        markup = "".join(collector.parts)
    elif "&" in markup:
        markup = html.unescape(markup)
    lines = (_SPACES.sub(" ", line).strip() for line in markup.splitlines())
    return "\n".join(line for line in lines if line)
