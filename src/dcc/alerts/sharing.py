"""Share lists of watchlists and alerts, and who can see them and why (issue 5).

The writers wrap accounts/sharing.py's do_share and do_unshare with the object's current
marking (alerts/marking.py), so TLP 2.0's rules on who may share with whom are the ones of
accounts/access.py (explain_share): CLEAR and GREEN by any reader; AMBER by the owner
agency or the author with anyone, and by a recipient only within its own organisation;
AMBER+STRICT by the owner agency or the author only; RED by the author, with named people.

Each needs the share permission (PermissionDeniedError, whatever the object: that says
nothing about it); then a reader who cannot read the object is told it does not exist
(WatchlistNotFoundError, AlertNotFoundError), before any rule on sharing is looked at.

Sharing a watchlist shares its alerts too (they read its share list); an alert's own share
list adds readers of that alert only. Removing a watchlist's share from one of its alerts is
done on the watchlist.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from dcc.accounts.access import explain_access, require_permission, who_can_read
from dcc.accounts.errors import AccountNotFoundError
from dcc.accounts.queries import get_user_by_username, list_shares
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    LocalOperator,
    Marking,
    ObjectRef,
    Permission,
    Principal,
    Reader,
    Share,
)
from dcc.accounts.sharing import do_share, do_unshare
from dcc.alerts.marking import (
    ALERT,
    WATCHLIST,
    alert_marking,
    alert_ref,
    watchlist_marking,
    watchlist_ref,
)
from dcc.alerts.queries import alert_or_raise, watchlist_or_raise
from dcc.alerts.records import ObjectAccess


def _reader(by: Principal | None) -> Reader:
    return LOCAL_OPERATOR if by is None else by


def _user_id(conn: Connection, username: str | None) -> int | None:
    if username is None:
        return None
    user = get_user_by_username(conn, username)
    if user is None:
        raise AccountNotFoundError(f"no user named {username!r}")
    return user.id


def _watchlist(
    engine: Engine, watchlist_id: int, by: Principal | None, username: str | None
) -> tuple[ObjectRef, Marking, int | None]:
    with engine.connect() as conn:
        watchlist = watchlist_or_raise(conn, _reader(by), watchlist_id)
        return (
            watchlist_ref(watchlist.id),
            watchlist_marking(conn, watchlist),
            _user_id(conn, username),
        )


def _alert(
    engine: Engine, alert_id: int, by: Principal | None, username: str | None
) -> tuple[ObjectRef, Marking, int | None]:
    with engine.connect() as conn:
        alert = alert_or_raise(conn, _reader(by), alert_id)
        return alert_ref(alert.id), alert_marking(conn, alert), _user_id(conn, username)


def do_share_watchlist(
    engine: Engine,
    watchlist_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> Share:
    """Share a watchlist (and so its alerts) with an agency or a named user (exactly one).

    Raises WatchlistNotFoundError when `by` cannot read it, PermissionDeniedError when TLP or
    `by`'s role forbids this share, MarkingError for an agency on a RED one,
    AccountNotFoundError for an unknown agency or user. Sharing twice changes nothing.
    """
    require_permission(by, Permission.SHARE, "change share lists")
    ref, marking, user_id = _watchlist(engine, watchlist_id, by, username)
    return do_share(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


def do_unshare_watchlist(
    engine: Engine,
    watchlist_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> int:
    """Remove an agency or a named user from a watchlist's share list; how many went.

    Removed by the owner agency, the author or whoever added the share (accounts/access.py
    explain_unshare); WatchlistNotFoundError when `by` cannot read it.
    """
    require_permission(by, Permission.SHARE, "change share lists")
    ref, marking, user_id = _watchlist(engine, watchlist_id, by, username)
    return do_unshare(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


def do_share_alert(
    engine: Engine,
    alert_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> Share:
    """Share one alert (not its watchlist) with an agency or a named user; as
    do_share_watchlist, with AlertNotFoundError."""
    require_permission(by, Permission.SHARE, "change share lists")
    ref, marking, user_id = _alert(engine, alert_id, by, username)
    return do_share(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


def do_unshare_alert(
    engine: Engine,
    alert_id: int,
    *,
    agency_id: str | None = None,
    username: str | None = None,
    by: Principal | None = None,
) -> int:
    """Remove an agency or a named user from an alert's own share list (a share of its
    watchlist is removed on the watchlist); how many went."""
    require_permission(by, Permission.SHARE, "change share lists")
    ref, marking, user_id = _alert(engine, alert_id, by, username)
    return do_unshare(engine, ref, marking, agency_id=agency_id, user_id=user_id, by=by)


# --- who can see this, and why ---------------------------------------------------------------


def watchlist_access(conn: Connection, reader: Reader, watchlist_id: int) -> ObjectAccess:
    """The watchlist's marking, its share list, who reads it and why `reader` does;
    WatchlistNotFoundError when `reader` cannot read it."""
    watchlist = watchlist_or_raise(conn, reader, watchlist_id)
    marking = watchlist_marking(conn, watchlist)
    shares = list_shares(conn, watchlist_ref(watchlist.id))
    return _access(WATCHLIST, watchlist.id, marking, shares, reader)


def alert_access(conn: Connection, reader: Reader, alert_id: int) -> ObjectAccess:
    """The alert's marking, its own and its watchlist's share lists, who reads it and why
    `reader` does; AlertNotFoundError when `reader` cannot read it."""
    alert = alert_or_raise(conn, reader, alert_id)
    marking = alert_marking(conn, alert)
    shares = list_shares(conn, alert_ref(alert.id))
    if alert.watchlist_id is not None:
        shares += list_shares(conn, watchlist_ref(alert.watchlist_id))
    return _access(ALERT, alert.id, marking, shares, reader)


def _access(
    object_type: str, object_id: int, marking: Marking, shares: list[Share], reader: Reader
) -> ObjectAccess:
    if isinstance(reader, LocalOperator):
        reason = "the local operator reads everything"
    else:
        reason = explain_access(reader, marking).reason
    return ObjectAccess(
        object_type=object_type,
        object_id=object_id,
        marking=marking,
        shares=tuple(shares),
        who_can_read=who_can_read(marking),
        reason=reason,
    )
