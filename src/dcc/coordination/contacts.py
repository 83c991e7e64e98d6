"""Who is reached, and how: users' e-mail addresses, agencies' duty mailboxes and webhooks,
and who is on call for an agency (the escalation ladder's `on_call` rung). Issue 6.

Writers are the local operator's and administrators' (manage_agencies); every change is
audited; a webhook address is checked against the SSRF guard when saved (and again when
sent, alerts/channels/webhook.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from dcc.accounts.access import require_permission
from dcc.accounts.errors import AccountNotFoundError
from dcc.accounts.queries import agency_or_raise, get_user_by_username
from dcc.accounts.records import Permission, Principal
from dcc.alerts.channels.webhook import webhook_policy, webhook_refusal
from dcc.alerts.records import Channel
from dcc.coordination.audit import record_audit
from dcc.coordination.errors import CoordinationError
from dcc.settings import get_settings
from dcc.store.schema import agency_channels, on_call, user_contacts, users

_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


@dataclass(frozen=True, slots=True)
class OnCall:
    id: int
    agency_id: str
    username: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class AgencyChannel:
    id: int
    agency_id: str
    channel: str
    address: str  # a webhook secret is never read back


def checked_email(address: str) -> str:
    cleaned = address.strip()
    if not _EMAIL.match(cleaned):
        raise CoordinationError(f"{address!r} is not an e-mail address")
    return cleaned


def _user_id(conn: Connection, username: str) -> int:
    user = get_user_by_username(conn, username)
    if user is None:
        raise AccountNotFoundError(f"no user named {username!r}")
    return user.id


def do_set_user_email(
    engine: Engine, username: str, email: str | None, *, by: Principal | None = None
) -> None:
    """Set (or with None clear) the address a user's notifications are e-mailed to. Users
    set their own; administrators anyone's."""
    address = checked_email(email) if email else None
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        if by is not None and by.user_id != user_id:
            require_permission(by, Permission.MANAGE_USERS, "set other users' e-mail addresses")
        before = conn.execute(
            select(user_contacts.c.email).where(user_contacts.c.user_id == user_id)
        ).scalar()
        conn.execute(delete(user_contacts).where(user_contacts.c.user_id == user_id))
        conn.execute(insert(user_contacts).values(user_id=user_id, email=address, updated_at=now))
        record_audit(
            conn,
            actor=by,
            action="contact.email",
            object_type="user",
            object_id=user_id,
            before={"email": before},
            after={"email": address},
            at=now,
        )


def do_add_agency_channel(
    engine: Engine,
    agency_id: str,
    channel: Channel,
    address: str,
    *,
    secret: str | None = None,
    by: Principal | None = None,
) -> AgencyChannel:
    """Add a duty mailbox or a webhook to an agency's notification channels."""
    require_permission(by, Permission.MANAGE_AGENCIES, "change agencies' notification channels")
    kind = Channel(channel)
    if kind is Channel.EMAIL:
        target = checked_email(address)
    elif kind is Channel.WEBHOOK:
        target = address.strip()
        refusal = webhook_refusal(target, webhook_policy(get_settings()))
        if refusal is not None:
            raise CoordinationError(f"webhook {target!r} refused: {refusal}")
    else:
        raise CoordinationError("agency channels are email or webhook (in-app is always on)")
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        agency = agency_or_raise(conn, agency_id)
        exists = conn.execute(
            select(agency_channels.c.id).where(
                agency_channels.c.agency_id == agency.id,
                agency_channels.c.channel == kind.value,
                agency_channels.c.address == target,
            )
        ).scalar()
        if exists is not None:
            if secret:
                conn.execute(
                    update(agency_channels)
                    .where(agency_channels.c.id == exists)
                    .values(secret=secret)
                )
            return AgencyChannel(exists, agency.id, kind.value, target)
        channel_id: int = conn.execute(
            insert(agency_channels)
            .values(
                agency_id=agency.id,
                channel=kind.value,
                address=target,
                secret=secret or None,
                created_at=now,
            )
            .returning(agency_channels.c.id)
        ).scalar_one()
        record_audit(
            conn,
            actor=by,
            action="contact.agency_channel.add",
            object_type="agency",
            object_id=agency.id,
            before=None,
            after={"channel": kind.value, "address": target, "has_secret": bool(secret)},
            at=now,
        )
    return AgencyChannel(channel_id, agency.id, kind.value, target)


def do_remove_agency_channel(
    engine: Engine, channel_id: int, *, by: Principal | None = None
) -> bool:
    require_permission(by, Permission.MANAGE_AGENCIES, "change agencies' notification channels")
    with engine.begin() as conn:
        row = conn.execute(
            select(agency_channels).where(agency_channels.c.id == channel_id)
        ).first()
        if row is None:
            return False
        conn.execute(delete(agency_channels).where(agency_channels.c.id == channel_id))
        record_audit(
            conn,
            actor=by,
            action="contact.agency_channel.remove",
            object_type="agency",
            object_id=row.agency_id,
            before={"channel": row.channel, "address": row.address},
            after=None,
        )
    return True


def list_agency_channels(conn: Connection, agency_id: str | None = None) -> list[AgencyChannel]:
    query = select(agency_channels).order_by(agency_channels.c.agency_id, agency_channels.c.id)
    if agency_id is not None:
        query = query.where(agency_channels.c.agency_id == agency_id)
    return [AgencyChannel(r.id, r.agency_id, r.channel, r.address) for r in conn.execute(query)]


def do_add_on_call(
    engine: Engine,
    agency_id: str,
    username: str,
    starts_at: datetime,
    ends_at: datetime,
    *,
    by: Principal | None = None,
) -> OnCall:
    """Put a user of the agency on call from `starts_at` until `ends_at`."""
    require_permission(by, Permission.MANAGE_AGENCIES, "change on-call rotas")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise CoordinationError("on-call times need a time zone")
    if ends_at <= starts_at:
        raise CoordinationError("an on-call shift must end after it starts")
    now = datetime.now(tz=UTC)
    with engine.begin() as conn:
        agency = agency_or_raise(conn, agency_id)
        user = get_user_by_username(conn, username)
        if user is None or not user.is_active:
            raise AccountNotFoundError(f"no active user named {username!r}")
        if user.agency_id != agency.id:
            raise CoordinationError(f"{user.username} is not a user of {agency.id}")
        shift_id: int = conn.execute(
            insert(on_call)
            .values(
                agency_id=agency.id,
                user_id=user.id,
                starts_at=starts_at,
                ends_at=ends_at,
                created_at=now,
            )
            .returning(on_call.c.id)
        ).scalar_one()
        record_audit(
            conn,
            actor=by,
            action="oncall.add",
            object_type="agency",
            object_id=agency.id,
            before=None,
            after={"user": user.username, "starts_at": starts_at, "ends_at": ends_at},
            at=now,
        )
    return OnCall(shift_id, agency.id, user.username, starts_at, ends_at)


def list_on_call(
    conn: Connection, *, agency_id: str | None = None, at: datetime | None = None
) -> list[OnCall]:
    """Shifts (of one agency; covering `at` when given), latest start first."""
    query = (
        select(on_call, users.c.username)
        .join(users, users.c.id == on_call.c.user_id)
        .order_by(on_call.c.starts_at.desc())
    )
    if agency_id is not None:
        query = query.where(on_call.c.agency_id == agency_id)
    if at is not None:
        query = query.where(on_call.c.starts_at <= at, on_call.c.ends_at > at)
    return [
        OnCall(r.id, r.agency_id, r.username, r.starts_at, r.ends_at) for r in conn.execute(query)
    ]
