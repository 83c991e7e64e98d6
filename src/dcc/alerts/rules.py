"""Watchlist definitions checked and normalised before they are stored (pure).

The query is parsed with the query language's parser, so a rule that cannot be read is refused
with the reason and the position (QuerySyntaxError), exactly as a search would be.

Recipients are of three kinds, each reached by one channel (`recipients_for`): e-mail
addresses (email), http(s) URLs (webhook) and user names (in_app). A watchlist must reach
every recipient it names, and each channel it names must have a recipient. Whether a webhook
URL resolves to a public address is checked by actions (DNS is I/O), with
channels/webhook.py:check_webhook_destination.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dcc.accounts.access import parse_tlp
from dcc.accounts.errors import MarkingError
from dcc.alerts.errors import WatchlistError
from dcc.alerts.records import Channel, Schedule, WatchlistSpec
from dcc.errors import FetchRefusedError
from dcc.ingest.netguard import check_url
from dcc.query import Node, parse_query

MAX_NAME_LENGTH = 200
MAX_RECIPIENTS = 100
MAX_RECIPIENT_LENGTH = 200

# An address as mail servers take it in RCPT TO: dot-atom local part, a domain of labels. Kept
# strict on purpose: the address goes into a header, so nothing but these characters may.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_CHANNEL_OF_KIND = {"address": Channel.EMAIL, "url": Channel.WEBHOOK, "user": Channel.IN_APP}
_KIND_NAMES = {"address": "an e-mail address", "url": "a webhook URL", "user": "a user name"}


def is_email_address(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


def is_url(value: str) -> bool:
    """True for anything written as a URL (`scheme://...`), whether or not it is usable."""
    return _URL_SCHEME.match(value) is not None


def recipient_kind(recipient: str) -> str:
    """ "url", "address" or "user": which channel can reach this recipient."""
    if is_url(recipient):
        return "url"
    if "@" in recipient:
        return "address"
    return "user"


def recipients_for(channel: Channel, recipients: Iterable[str], owner: str) -> tuple[str, ...]:
    """The recipients `channel` reaches: e-mail addresses, URLs, or user names (else the owner).

    >>> recipients_for(Channel.IN_APP, ["ops@example.org", "https://h.example/x"], "ana")
    ('ana',)
    """
    wanted = next(kind for kind, c in _CHANNEL_OF_KIND.items() if c is channel)
    found = tuple(r for r in recipients if recipient_kind(r) == wanted)
    if channel is Channel.IN_APP and not found:
        return (owner,)
    return found


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
        _check_recipient(recipient)
    channels = _unique(c.strip().lower() for c in spec.channels if c.strip())
    if not channels:
        raise WatchlistError(f"watchlist {name!r} needs a channel, for example in_app")
    known = [c.value for c in Channel]
    for channel in channels:
        if channel not in known:
            raise WatchlistError(
                f"channel {channel!r} is not available; channels: {', '.join(known)}"
            )
    _check_reach(recipients, {Channel(c) for c in channels})
    schedule = spec.schedule.strip().lower()
    if schedule not in [s.value for s in Schedule]:
        raise WatchlistError(f"schedule {spec.schedule!r} must be instant or digest")
    try:
        tlp = parse_tlp(spec.tlp).value
    except MarkingError as exc:
        raise WatchlistError(f"watchlist {name!r}: {exc}") from exc
    return (
        WatchlistSpec(
            name=name,
            query=spec.query.strip(),
            recipients=recipients,
            channels=channels,
            schedule=schedule,
            is_enabled=spec.is_enabled,
            tlp=tlp,
        ),
        node,
    )


def _check_recipient(recipient: str) -> None:
    """Refuse a URL that is not plain http(s) without credentials, or a malformed address."""
    kind = recipient_kind(recipient)
    if kind == "url":
        try:
            check_url(recipient)
        except FetchRefusedError as exc:
            # check_url's reason, said of a webhook rather than of a fetch.
            reason = str(exc).removeprefix("refused to fetch ")
            raise WatchlistError(f"webhook URL {reason}") from exc
    elif kind == "address" and not is_email_address(recipient):
        raise WatchlistError(f"recipient {recipient!r} is not a valid e-mail address")


def _check_reach(recipients: tuple[str, ...], channels: set[Channel]) -> None:
    """Every recipient is reached by a channel, and every sending channel has a recipient."""
    for recipient in recipients:
        kind = recipient_kind(recipient)
        channel = _CHANNEL_OF_KIND[kind]
        if channel not in channels:
            raise WatchlistError(
                f"recipient {recipient!r} is {_KIND_NAMES[kind]}, reached only by the "
                f"{channel.value} channel, which the watchlist does not use"
            )
    if Channel.EMAIL in channels and not recipients_for(Channel.EMAIL, recipients, ""):
        raise WatchlistError("the email channel needs at least one e-mail address recipient")
    if Channel.WEBHOOK in channels and not recipients_for(Channel.WEBHOOK, recipients, ""):
        raise WatchlistError("the webhook channel needs at least one http(s) URL recipient")


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` in their first order, each once."""
    return tuple(dict.fromkeys(values))
