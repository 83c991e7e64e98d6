"""Records of the alerts package (STYLE rule 5): watchlists, alerts, their events, deliveries.

An alert has a `kind` (only watchlist alerts are raised so far; bursts, campaigns and stance
shifts will add theirs) and a JSON `explanation` whose shape depends on the kind.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dcc.accounts.records import TLP, Marking, Share
from dcc.records import JSONValue

# What a new watchlist is marked unless its creator chooses (docs/accounts.md).
DEFAULT_WATCHLIST_TLP = TLP.AMBER.value


class AlertKind(enum.StrEnum):
    WATCHLIST = "watchlist"
    BURST = "burst"
    CAMPAIGN = "campaign"
    STANCE_SHIFT = "stance_shift"


class AlertStatus(enum.StrEnum):
    """new -> acknowledged -> escalated or dismissed (lifecycle.py has the rules)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"


class Schedule(enum.StrEnum):
    INSTANT = "instant"  # notify as soon as the alert is stored
    DIGEST = "digest"  # gather into one message per recipient every DCC_DIGEST_INTERVAL_S


class Channel(enum.StrEnum):
    """How recipients are told; each channel reaches the recipients of its own kind.

    in_app: user names (or the owner); email: e-mail addresses; webhook: http(s) URLs.
    """

    IN_APP = "in_app"  # the live stream (SSE) and the alert list in the app
    EMAIL = "email"  # SMTP (channels/smtp.py)
    WEBHOOK = "webhook"  # a signed JSON POST (channels/webhook.py)


# Channels whose deliveries are sent by the delivery worker (delivery.py), with retries.
SENT_CHANNELS = (Channel.EMAIL, Channel.WEBHOOK)


class DeliveryStatus(enum.StrEnum):
    """pending -> delivered, or pending again (retry) until dead; awaiting_digest -> delivered."""

    DELIVERED = "delivered"
    AWAITING_DIGEST = "awaiting_digest"
    PENDING = "pending"  # e-mail and webhooks: to be sent at next_attempt_at (first or retry)
    DEAD = "dead"  # gave up after DCC_DELIVERY_MAX_ATTEMPTS; last_error says why


class AlertEventType(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"  # more items of the story were attached
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"


@dataclass(frozen=True, slots=True)
class WatchlistSpec:
    """A watchlist as a user defines it (create, or the fields of an update)."""

    name: str
    query: str
    recipients: tuple[str, ...] = ()
    channels: tuple[str, ...] = (Channel.IN_APP.value,)
    schedule: str = Schedule.INSTANT.value
    is_enabled: bool = True
    # The TLP 2.0 label, chosen at creation (alerts/marking.py): AMBER unless told, since a
    # watchlist reveals what an agency watches.
    tlp: str = DEFAULT_WATCHLIST_TLP


@dataclass(frozen=True, slots=True)
class WatchlistChanges:
    """The fields of a watchlist to change; None leaves a field as it is."""

    name: str | None = None
    query: str | None = None
    recipients: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    schedule: str | None = None
    is_enabled: bool | None = None

    def applied_to(self, spec: WatchlistSpec) -> WatchlistSpec:
        return WatchlistSpec(
            name=spec.name if self.name is None else self.name,
            query=spec.query if self.query is None else self.query,
            recipients=spec.recipients if self.recipients is None else self.recipients,
            channels=spec.channels if self.channels is None else self.channels,
            schedule=spec.schedule if self.schedule is None else self.schedule,
            is_enabled=spec.is_enabled if self.is_enabled is None else self.is_enabled,
            tlp=spec.tlp,  # the marking is not changed by an update
        )


@dataclass(frozen=True, slots=True)
class Watchlist:
    """A saved query matched on the stream, with who is told, how and when."""

    id: int
    name: str
    query: str
    owner: str
    recipients: tuple[str, ...]
    channels: tuple[Channel, ...]
    schedule: Schedule
    is_enabled: bool
    created_at: datetime
    updated_at: datetime
    last_matched_at: datetime | None = None
    # The marking (alerts/marking.py). `tlp` is what is stored: "" (none) denies everyone.
    owner_agency: str | None = None
    tlp: str = ""
    created_by: int | None = None  # the user who created it: the marking's author

    @property
    def rule(self) -> str:
        """The key alerts of this watchlist are de-duplicated under."""
        return watchlist_rule(self.id)

    @property
    def spec(self) -> WatchlistSpec:
        return WatchlistSpec(
            name=self.name,
            query=self.query,
            recipients=self.recipients,
            channels=tuple(c.value for c in self.channels),
            schedule=self.schedule.value,
            is_enabled=self.is_enabled,
            tlp=self.tlp,
        )


def watchlist_rule(watchlist_id: int) -> str:
    return f"watchlist:{watchlist_id}"


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the watch floor should look at, gathering the items of one story."""

    id: int
    kind: AlertKind
    rule: str
    watchlist_id: int | None
    story_key: str
    title: str
    status: AlertStatus
    schedule: Schedule
    item_count: int
    first_item_id: int | None
    last_item_id: int | None
    explanation: Mapping[str, JSONValue]
    created_at: datetime
    updated_at: datetime
    window_ends_at: datetime
    status_changed_at: datetime | None = None
    status_changed_by: str | None = None
    # The marking (alerts/marking.py): a watchlist's alerts copy their watchlist's.
    owner_agency: str | None = None
    tlp: str = ""


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One thing that happened to an alert; `id` orders the live stream."""

    id: int
    alert_id: int
    type: AlertEventType
    status: AlertStatus
    who: str | None
    note: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """An alert handed to one recipient over one channel, with its status."""

    id: int
    alert_id: int
    channel: str
    recipient: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None = None  # when the worker sends (or retries) it


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    """A delivery one worker has claimed for a send (until `lease` ends, nobody else sends it).

    `attempts` counts this attempt; the outcome is recorded only while the row still has it,
    so a worker whose lease ran out cannot overwrite what a later claim recorded.
    """

    id: int
    alert_id: int
    channel: Channel
    recipient: str
    status: DeliveryStatus  # what it was claimed from: pending, or awaiting_digest
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one run of the delivery worker (or of the digests) did, by delivery id."""

    delivered: tuple[int, ...] = ()
    retrying: tuple[int, ...] = ()  # failed; pending again (or kept for the next digest)
    dead: tuple[int, ...] = ()

    @staticmethod
    def combined(reports: Iterable[DeliveryReport]) -> DeliveryReport:
        listed = list(reports)
        return DeliveryReport(
            delivered=tuple(sorted(i for r in listed for i in r.delivered)),
            retrying=tuple(sorted(i for r in listed for i in r.retrying)),
            dead=tuple(sorted(i for r in listed for i in r.dead)),
        )


@dataclass(frozen=True, slots=True)
class WatchlistMatch:
    """An item that matched a watchlist, with what alerting needs to know about it."""

    watchlist_id: int
    item_id: int
    story_key: str  # the story the item joined (alerts are one per watchlist and story)
    item_title: str
    item_url: str | None
    source_id: str
    matched: tuple[str, ...] = ()  # the query's clauses the item satisfied (explanation)


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """What storing a batch of matches did."""

    created: tuple[int, ...] = ()  # ids of new alerts
    updated: tuple[int, ...] = ()  # ids of alerts that gathered more items
    attached: int = 0  # items attached, to new or existing alerts


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """Who can see a watchlist or an alert, and why ("who can see this"; sharing.py).

    `shares` are the object's own and, for an alert, its watchlist's (each Share's
    object_type says whose); `reason` says why the asking reader may read it.
    """

    object_type: str  # "watchlist" or "alert"
    object_id: int
    marking: Marking
    shares: tuple[Share, ...]
    who_can_read: str
    reason: str
