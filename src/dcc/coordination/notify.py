"""Notifications of coordination (issue 6): who is told of an assignment, a mention, a
coming deadline, an overdue task or an escalation, in the app and over the alert channels.

`add_notification` writes, inside the caller's transaction, one in-app notification (to a
user, or to every user of an agency) and one pending delivery per channel the recipient
has: a user's e-mail address (user_contacts), an agency's duty mailboxes and webhooks
(agency_channels). The notification delivery loop (notify_delivery.py) sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from dcc.alerts.records import Channel, DeliveryStatus
from dcc.coordination.notify_text import NotificationParams, notification_text
from dcc.coordination.records import NotificationKind
from dcc.store.schema import (
    agency_channels,
    notification_deliveries,
    notification_reads,
    notifications,
    user_contacts,
)

MAX_TITLE = 300


@dataclass(frozen=True, slots=True)
class Recipient:
    """A user or an agency (exactly one)."""

    user_id: int | None = None
    agency_id: str | None = None


def add_notification(
    conn: Connection,
    recipient: Recipient,
    kind: NotificationKind,
    params: NotificationParams,
    *,
    incident_id: int,
    at: datetime,
    task_id: int | None = None,
    entry_id: int | None = None,
) -> int:
    """Write the notification and its pending deliveries; its id.

    `params` fill the sentence of `kind` (notify_text.SENTENCES): stored as they are, for
    pages to say it in their reader's language, and said in English as the stored title.
    """
    if (recipient.user_id is None) == (recipient.agency_id is None):
        raise ValueError("a notification goes to exactly one user or one agency")
    title = notification_text(kind, params)
    notification_id: int = conn.execute(
        insert(notifications)
        .values(
            user_id=recipient.user_id,
            agency_id=recipient.agency_id,
            kind=kind.value,
            incident_id=incident_id,
            task_id=task_id,
            entry_id=entry_id,
            title=title[:MAX_TITLE],
            params=dict(params),
            created_at=at,
        )
        .returning(notifications.c.id)
    ).scalar_one()
    for channel, address in _addresses(conn, recipient):
        conn.execute(
            insert(notification_deliveries).values(
                notification_id=notification_id,
                channel=channel,
                recipient=address,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                created_at=at,
                updated_at=at,
                next_attempt_at=at,
            )
        )
    return notification_id


def _addresses(conn: Connection, recipient: Recipient) -> list[tuple[str, str]]:
    if recipient.user_id is not None:
        email = conn.execute(
            select(user_contacts.c.email).where(user_contacts.c.user_id == recipient.user_id)
        ).scalar()
        return [(Channel.EMAIL.value, email)] if email else []
    rows = conn.execute(
        select(agency_channels.c.channel, agency_channels.c.address)
        .where(agency_channels.c.agency_id == recipient.agency_id)
        .order_by(agency_channels.c.id)
    )
    return [(row.channel, row.address) for row in rows]


def do_mark_notifications_read(
    engine: Engine, *, user_id: int, agency_id: str, ids: list[int], at: datetime
) -> int:
    """Mark notifications read for this user: its own, and its agency's (for this user only);
    how many changed. An id that is neither is ignored, never revealed."""
    if not ids:
        return 0
    changed = 0
    with engine.begin() as conn:
        changed += conn.execute(
            update(notifications)
            .where(
                notifications.c.id.in_(ids),
                notifications.c.user_id == user_id,
                notifications.c.read_at.is_(None),
            )
            .values(read_at=at)
        ).rowcount
        agency_ids = conn.execute(
            select(notifications.c.id).where(
                notifications.c.id.in_(ids), notifications.c.agency_id == agency_id
            )
        ).scalars()
        already = set(
            conn.execute(
                select(notification_reads.c.notification_id).where(
                    notification_reads.c.user_id == user_id,
                    notification_reads.c.notification_id.in_(ids),
                )
            ).scalars()
        )
        for notification_id in agency_ids:
            if notification_id in already:
                continue
            conn.execute(
                insert(notification_reads).values(
                    notification_id=notification_id, user_id=user_id, read_at=at
                )
            )
            changed += 1
    return changed
