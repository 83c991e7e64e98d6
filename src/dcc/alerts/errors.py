"""Exceptions of the alerts package, one per failure a caller can handle (STYLE rule 10)."""

from __future__ import annotations

from dcc.accounts.errors import ObjectNotVisibleError
from dcc.errors import DCCError


class WatchlistError(DCCError):
    """A watchlist definition is invalid (empty name, unknown channel or schedule).

    A query that does not parse raises QuerySyntaxError instead, with its position.
    """


class WatchlistNotFoundError(ObjectNotVisibleError):
    """No watchlist has this id (or it was removed), or none the reader may read: the same
    words either way, so that forged ids reveal nothing (HTTP 404)."""


class AlertNotFoundError(ObjectNotVisibleError):
    """No alert has this id, or none the reader may read (the same words either way)."""


class AlertTransitionError(DCCError):
    """An alert cannot move to the status asked for (dismissing an escalated alert)."""


class DeliveryError(DCCError):
    """An e-mail or webhook could not be sent (server down, refused, timed out, not set up).

    The delivery worker records the message as the delivery's `last_error` and retries.
    """
