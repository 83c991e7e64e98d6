"""Who reads watchlists and alerts (issue 5; docs/accounts.md, "What each object is marked").

| object                     | owner agency       | TLP                   | share list            |
|----------------------------|--------------------|-----------------------|-----------------------|
| watchlist                  | its creator's      | chosen, default AMBER | its own               |
| alert of a watchlist, and  | the watchlist's    | the watchlist's       | its own and its       |
| a burst on a watchlist     | (copied)           | (copied)              | watchlist's           |
| other detection alert      | DCC_DEFAULT_AGENCY | GREEN                 | its own               |
| an alert's history,        | the alert's        | the alert's           | the alert's           |
| deliveries and items       |                    |                       |                       |

A watchlist's author is its creator; its alerts' author is the same person.

An alert "inherits" its watchlist's share list by reading it, not by copying it: sharing a
watchlist with an agency lets it read the watchlist's alerts, past and future, and removing
the share takes them away again. An alert can also be shared on its own.

The rules themselves are accounts/access.py's; this module only says where each object keeps
its marking, as SQL (`watchlist_readable`, `alert_readable`, for WHERE clauses) and as
Marking records (`watchlist_marking`, `alert_marking`, for explain_access and sharing).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, or_, select

from dcc.accounts.access import MarkedColumns, readable_filter
from dcc.accounts.queries import list_shares
from dcc.accounts.records import TLP, Marking, ObjectRef, Reader, Share
from dcc.alerts.records import Alert, Watchlist
from dcc.store.schema import alerts, watchlists

# The object types under which object_shares keeps their share lists.
WATCHLIST = "watchlist"
ALERT = "alert"

# Detection alerts are computed from public items (bursts, campaigns, stance shifts).
DETECTION_TLP = TLP.GREEN.value
# A watchlist's series is named "watchlist:<id>" (detection_records.ActivityKey.story_key):
# what is found on it (a burst) says what the watchlist watches, so it is marked like it.
WATCHLIST_KEY_PREFIX = "watchlist:"

WATCHLIST_COLUMNS = MarkedColumns(
    object_type=WATCHLIST,
    id=watchlists.c.id,
    owner_agency=watchlists.c.owner_agency,
    tlp=watchlists.c.tlp,
    author=watchlists.c.created_by,
)

# The author of an alert is its watchlist's creator (an alias, so that a query that also
# reads watchlists does not correlate this lookup with its own rows).
_alert_watchlist = watchlists.alias("alert_watchlist")
_ALERT_AUTHOR = (
    select(_alert_watchlist.c.created_by)
    .where(_alert_watchlist.c.id == alerts.c.watchlist_id)
    .correlate(alerts)
    .scalar_subquery()
)
ALERT_COLUMNS = MarkedColumns(
    object_type=ALERT,
    id=alerts.c.id,
    owner_agency=alerts.c.owner_agency,
    tlp=alerts.c.tlp,
    author=_ALERT_AUTHOR,
)
# The same marking read against the watchlist's share list.
ALERT_VIA_WATCHLIST = MarkedColumns(
    object_type=WATCHLIST,
    id=alerts.c.watchlist_id,
    owner_agency=alerts.c.owner_agency,
    tlp=alerts.c.tlp,
    author=_ALERT_AUTHOR,
)


def watchlist_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause keeping the watchlists `reader` may read."""
    return readable_filter(reader, WATCHLIST_COLUMNS)


def alert_readable(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause keeping the alerts `reader` may read (on a query over `alerts`).

    Either share list grants what it grants: the rule of access.visible_filter over the
    union of the alert's own shares and its watchlist's, as two EXISTS clauses.
    """
    return or_(readable_filter(reader, ALERT_COLUMNS), readable_filter(reader, ALERT_VIA_WATCHLIST))


def watchlist_ref(watchlist_id: int) -> ObjectRef:
    return ObjectRef(WATCHLIST, str(watchlist_id))


def alert_ref(alert_id: int) -> ObjectRef:
    return ObjectRef(ALERT, str(alert_id))


def watchlist_marking(conn: Connection, watchlist: Watchlist) -> Marking:
    """The watchlist's whole marking, with its share list."""
    return _marking(
        list_shares(conn, watchlist_ref(watchlist.id)),
        owner_agency=watchlist.owner_agency,
        tlp=watchlist.tlp,
        author_id=watchlist.created_by,
    )


def alert_marking(conn: Connection, alert: Alert) -> Marking:
    """The alert's whole marking: its own columns, its watchlist's author, and both share
    lists (the alert's own and its watchlist's)."""
    shares = list_shares(conn, alert_ref(alert.id))
    author_id = None
    if alert.watchlist_id is not None:
        shares += list_shares(conn, watchlist_ref(alert.watchlist_id))
        author_id = conn.execute(
            select(watchlists.c.created_by).where(watchlists.c.id == alert.watchlist_id)
        ).scalar()
    return _marking(shares, owner_agency=alert.owner_agency, tlp=alert.tlp, author_id=author_id)


def _marking(
    shares: list[Share], *, owner_agency: str | None, tlp: str, author_id: int | None
) -> Marking:
    return Marking(
        # No owner agency (rows older than the markings): no agency reads as the owner.
        owner_agency=owner_agency or "",
        tlp=tlp,
        shared_with=frozenset(s.agency_id for s in shares if s.agency_id is not None),
        shared_with_users=frozenset(s.user_id for s in shares if s.user_id is not None),
        author_id=author_id,
    )


def watchlist_of_key(story_key: str) -> int | None:
    """The watchlist a detection's key is about ("watchlist:7" -> 7), or None."""
    if not story_key.startswith(WATCHLIST_KEY_PREFIX):
        return None
    rest = story_key.removeprefix(WATCHLIST_KEY_PREFIX)
    return int(rest) if rest.isdigit() else None
