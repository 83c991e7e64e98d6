"""Watchlist definitions checked and normalised before they are stored (pure).

The query is parsed with the query language's parser, so a rule that cannot be read is refused
with the reason and the position (QuerySyntaxError), exactly as a search would be.
"""

from __future__ import annotations

from collections.abc import Iterable

from dcc.alerts.errors import WatchlistError
from dcc.alerts.records import Channel, Schedule, WatchlistSpec
from dcc.query import Node, parse_query

MAX_NAME_LENGTH = 200
MAX_RECIPIENTS = 100
MAX_RECIPIENT_LENGTH = 200


def checked_spec(spec: WatchlistSpec) -> tuple[WatchlistSpec, Node]:
    """`spec` with its values trimmed and de-duplicated, and its parsed query.

    Raises WatchlistError for a bad name, recipient, channel or schedule, QuerySyntaxError
    for a query that does not parse.
    """
    name = " ".join(spec.name.split())
    if not name:
        raise WatchlistError("a watchlist needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise WatchlistError(f"watchlist name is {len(name)} characters; at most {MAX_NAME_LENGTH}")
    if not spec.query.strip():
        raise WatchlistError(f"watchlist {name!r} needs a query")
    node = parse_query(spec.query)
    recipients = _unique(r.strip() for r in spec.recipients if r.strip())
    if len(recipients) > MAX_RECIPIENTS:
        raise WatchlistError(f"{len(recipients)} recipients; at most {MAX_RECIPIENTS}")
    for recipient in recipients:
        if len(recipient) > MAX_RECIPIENT_LENGTH:
            raise WatchlistError(f"recipient {recipient[:40]!r}... is too long")
    channels = _unique(c.strip().lower() for c in spec.channels if c.strip())
    if not channels:
        raise WatchlistError(f"watchlist {name!r} needs a channel, for example in_app")
    known = [c.value for c in Channel]
    for channel in channels:
        if channel not in known:
            raise WatchlistError(
                f"channel {channel!r} is not available; channels: {', '.join(known)} "
                "(e-mail and webhooks are not built yet)"
            )
    schedule = spec.schedule.strip().lower()
    if schedule not in [s.value for s in Schedule]:
        raise WatchlistError(f"schedule {spec.schedule!r} must be instant or digest")
    return (
        WatchlistSpec(
            name=name,
            query=spec.query.strip(),
            recipients=recipients,
            channels=channels,
            schedule=schedule,
            is_enabled=spec.is_enabled,
        ),
        node,
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` in their first order, each once."""
    return tuple(dict.fromkeys(values))
