"""Markings of watchlists and alerts (issue 5): what each gets, who reads it through the
queries, who may change, remove, triage and share it (both databases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.errors import (
    AccountNotFoundError,
    MarkingError,
    PermissionDeniedError,
)
from dcc.accounts.queries import principal_of
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    AgencyKind,
    AgencySpec,
    Principal,
    Role,
    UserSpec,
)
from dcc.alerts.actions import (
    do_acknowledge_alert,
    do_create_watchlist,
    do_delete_watchlist,
    do_record_matches,
    do_update_watchlist,
)
from dcc.alerts.detection_actions import do_record_detections
from dcc.alerts.detection_records import Detection, Finding
from dcc.alerts.errors import AlertNotFoundError, WatchlistError, WatchlistNotFoundError
from dcc.alerts.marking import watchlist_of_key
from dcc.alerts.queries import (
    alert_deliveries_of,
    alert_history,
    alert_item_ids,
    get_alert,
    get_watchlist,
    list_alerts,
    list_deliveries,
    list_watchlists,
)
from dcc.alerts.records import AlertKind, WatchlistChanges, WatchlistMatch, WatchlistSpec
from dcc.alerts.sharing import (
    alert_access,
    do_share_alert,
    do_share_watchlist,
    do_unshare_alert,
    do_unshare_watchlist,
    watchlist_access,
)
from dcc.settings import Settings
from dcc.store.schema import alerts

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class People:
    ana: Principal  # analyst of kemlu: creates the watchlists
    rudi: Principal  # analyst of kemlu too
    tokyo: Principal  # analyst of kbri-tokyo
    liaison: Principal  # liaison of bssn
    viewer: Principal  # viewer of kbri-tokyo


@pytest.fixture
def people(engine: Engine) -> People:
    for agency, kind in (
        ("kemlu", AgencyKind.MINISTRY),
        ("kbri-tokyo", AgencyKind.EMBASSY),
        ("bssn", AgencyKind.PARTNER_AGENCY),
    ):
        do_create_agency(engine, AgencySpec(agency, agency.upper(), kind))

    def user(name: str, agency: str, role: Role = Role.ANALYST) -> Principal:
        return principal_of(do_create_user(engine, UserSpec(name, agency, role), None))

    return People(
        ana=user("ana", "kemlu"),
        rudi=user("rudi", "kemlu"),
        tokyo=user("tokyo", "kbri-tokyo"),
        liaison=user("liaison", "bssn", Role.LIAISON),
        viewer=user("viewer", "kbri-tokyo", Role.VIEWER),
    )


def raise_alert(engine: Engine, watchlist_id: int, item_id: int = 1, story: str = "s1") -> int:
    match = WatchlistMatch(watchlist_id, item_id, story, "Gempa", None, "antara-id", ("gempa",))
    (alert_id,) = do_record_matches(engine, [match], window=HOUR).created
    return alert_id


def reads_watchlist(engine: Engine, who: Principal, watchlist_id: int) -> bool:
    with engine.connect() as conn:
        listed = watchlist_id in {w.id for w in list_watchlists(conn, who)}
        found = get_watchlist(conn, who, watchlist_id) is not None
    assert listed is found
    return found


def reads_alert(engine: Engine, who: Principal, alert_id: int) -> bool:
    """Whether `who` reads the alert; its sub-objects come with it or not at all."""
    with engine.connect() as conn:
        listed = alert_id in {a.id for a in list_alerts(conn, who, limit=500)}
        found = get_alert(conn, who, alert_id) is not None
        history = alert_history(conn, who, alert_id)
        deliveries = alert_deliveries_of(conn, who, alert_id)
        items = alert_item_ids(conn, who, alert_id)
        every_delivery = {d.alert_id for d in list_deliveries(conn, who, limit=500)}
    assert listed is found
    assert bool(history) is found and bool(items) is found and bool(deliveries) is found
    assert (alert_id in every_delivery) is found
    return found


# --- what each object is marked --------------------------------------------------------------


def test_a_watchlist_is_its_creators_agencys_and_amber_unless_told(
    engine: Engine, people: People
) -> None:
    made = do_create_watchlist(engine, WatchlistSpec("Gempa", "gempa"), by=people.ana)
    assert (made.owner, made.owner_agency, made.created_by) == ("ana", "kemlu", people.ana.user_id)
    assert made.tlp == "AMBER"
    red = do_create_watchlist(engine, WatchlistSpec("x", "gempa", tlp="tlp:red"), by=people.ana)
    assert red.tlp == "RED"
    with pytest.raises(WatchlistError, match=r"'PURPLE' is not a TLP 2\.0 label"):
        do_create_watchlist(engine, WatchlistSpec("x", "gempa", tlp="PURPLE"), by=people.ana)
    with pytest.raises(PermissionDeniedError, match="may not create watchlists"):
        do_create_watchlist(engine, WatchlistSpec("x", "gempa"), by=people.viewer)
    # Its alerts carry the same marking.
    alert_id = raise_alert(engine, made.id)
    with engine.connect() as conn:
        alert = get_alert(conn, LOCAL_OPERATOR, alert_id)
    assert alert is not None and (alert.owner_agency, alert.tlp) == ("kemlu", "AMBER")


def test_the_operator_names_the_owner_or_gets_the_default_agency(
    engine: Engine, people: People, tmp_path: object
) -> None:
    spec = WatchlistSpec("Gempa", "gempa")
    by_user = do_create_watchlist(engine, spec, owner="tokyo")
    assert (by_user.owner_agency, by_user.created_by) == ("kbri-tokyo", people.tokyo.user_id)
    unknown = do_create_watchlist(engine, spec, settings=Settings(default_agency="pusat"))
    assert (unknown.owner, unknown.owner_agency, unknown.created_by) == ("local", "pusat", None)
    named = do_create_watchlist(engine, spec, owner="ana", owner_agency="bssn")
    assert (named.owner_agency, named.created_by) == ("bssn", people.ana.user_id)
    with pytest.raises(AccountNotFoundError, match="no agency with id 'nowhere'"):
        do_create_watchlist(engine, spec, owner_agency="nowhere")


def test_detection_alerts_are_green_unless_about_a_watchlist(
    engine: Engine, people: People
) -> None:
    watchlist = do_create_watchlist(
        engine, WatchlistSpec("Gempa", "gempa", tlp="AMBER+STRICT"), by=people.ana
    )
    do_share_watchlist(engine, watchlist.id, agency_id="kbri-tokyo", by=people.ana)
    now = datetime.now(tz=UTC)

    def burst(n: int, key: str) -> Detection:
        finding = Finding(
            kind=AlertKind.BURST,
            rule=f"burst:{key.split(':')[0]}",
            story_key=key,
            title=f"Burst on {key}",
            count=12,
            window_start=now - HOUR,
            window_end=now,
            alert_window=HOUR,
            numbers={},
            item_ids=(n,),
        )
        return Detection(finding, {"key": key}, first_item_id=n, last_item_id=n)

    keys = ("country:ID", f"watchlist:{watchlist.id}", "watchlist:999999")
    detections = [burst(n, key) for n, key in enumerate(keys)]
    outcome = do_record_detections(engine, detections, now=now, owner_agency="pusat")
    with engine.connect() as conn:
        country, mine, gone = (get_alert(conn, LOCAL_OPERATOR, i) for i in outcome.created)
    assert country is not None and mine is not None and gone is not None
    assert (country.watchlist_id, country.owner_agency, country.tlp) == (None, "pusat", "GREEN")
    assert (mine.watchlist_id, mine.owner_agency, mine.tlp) == (
        watchlist.id,
        "kemlu",
        "AMBER+STRICT",
    )
    assert (gone.watchlist_id, gone.tlp) == (None, "RED")  # nobody but the operator
    # GREEN: every agency but liaisons; the watchlist's burst: its readers, by its shares.
    assert reads_alert(engine, people.tokyo, country.id)
    assert not reads_alert(engine, people.liaison, country.id)
    assert reads_alert(engine, people.tokyo, mine.id)
    assert not reads_alert(engine, people.liaison, mine.id)
    assert not reads_alert(engine, people.ana, gone.id)
    assert watchlist_of_key("watchlist:12") == 12
    assert watchlist_of_key("watchlist:x") is None and watchlist_of_key("country:ID") is None


# --- reading through share lists -------------------------------------------------------------


def test_sharing_a_watchlist_shares_its_alerts_and_unsharing_takes_them_back(
    engine: Engine, people: People
) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec("Gempa", "gempa"), by=people.ana)
    old_alert = raise_alert(engine, watchlist.id, 1, "s1")
    assert reads_watchlist(engine, people.rudi, watchlist.id)  # the owner agency
    assert not reads_watchlist(engine, people.tokyo, watchlist.id)
    assert not reads_alert(engine, people.tokyo, old_alert)

    do_share_watchlist(engine, watchlist.id, agency_id="kbri-tokyo", by=people.ana)
    new_alert = raise_alert(engine, watchlist.id, 2, "s2")
    assert reads_watchlist(engine, people.tokyo, watchlist.id)
    assert reads_alert(engine, people.tokyo, old_alert) and reads_alert(
        engine, people.tokyo, new_alert
    )
    assert not reads_alert(engine, people.liaison, new_alert)

    # One alert shared on its own: that alert, not the watchlist nor its other alerts.
    do_share_alert(engine, new_alert, agency_id="bssn", by=people.ana)
    assert reads_alert(engine, people.liaison, new_alert)
    assert not reads_alert(engine, people.liaison, old_alert)
    assert not reads_watchlist(engine, people.liaison, watchlist.id)
    with engine.connect() as conn:
        seen = alert_access(conn, people.liaison, new_alert)
    assert seen.reason == "TLP:AMBER: shared with your agency (bssn)"
    assert {(s.object_type, s.agency_id) for s in seen.shares} == {
        ("alert", "bssn"),
        ("watchlist", "kbri-tokyo"),
    }
    assert seen.who_can_read == "users of kemlu, bssn, kbri-tokyo and its author"

    assert do_unshare_watchlist(engine, watchlist.id, agency_id="kbri-tokyo", by=people.ana) == 1
    assert not reads_alert(engine, people.tokyo, old_alert)
    assert not reads_alert(engine, people.tokyo, new_alert)
    # The alert's own share is removed on the alert; its watchlist's shares are not there.
    assert do_unshare_alert(engine, new_alert, agency_id="kbri-tokyo", by=people.ana) == 0
    assert do_unshare_alert(engine, new_alert, agency_id="bssn", by=people.ana) == 1
    assert not reads_alert(engine, people.liaison, new_alert)


def test_red_reaches_its_author_and_named_people_only(engine: Engine, people: People) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec("x", "gempa", tlp="RED"), by=people.ana)
    alert_id = raise_alert(engine, watchlist.id)
    assert reads_watchlist(engine, people.ana, watchlist.id)
    assert reads_alert(engine, people.ana, alert_id)  # the watchlist's author is the alert's
    assert not reads_watchlist(engine, people.rudi, watchlist.id)  # not even its agency
    with pytest.raises(MarkingError, match="never with a whole agency"):
        do_share_watchlist(engine, watchlist.id, agency_id="kbri-tokyo", by=people.ana)
    do_share_watchlist(engine, watchlist.id, username="tokyo", by=people.ana)
    assert reads_alert(engine, people.tokyo, alert_id)
    with pytest.raises(WatchlistNotFoundError):  # rudi cannot read it: "not found"
        do_share_watchlist(engine, watchlist.id, username="rudi", by=people.rudi)
    with pytest.raises(PermissionDeniedError, match="only its author"):
        do_share_watchlist(engine, watchlist.id, username="rudi", by=people.tokyo)
    with pytest.raises(AccountNotFoundError, match="no user named 'nobody'"):
        do_share_watchlist(engine, watchlist.id, username="nobody", by=people.ana)
    with pytest.raises(PermissionDeniedError, match="may not change share lists"):
        do_share_watchlist(engine, watchlist.id, username="rudi", by=people.viewer)
    with engine.connect() as conn:
        access = watchlist_access(conn, people.tokyo, watchlist.id)
    assert access.reason == "TLP:RED: you are named on its share list"


def test_a_row_without_a_label_is_read_by_nobody_but_the_operator(
    engine: Engine, people: People
) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec("x", "gempa", tlp="CLEAR"), by=people.ana)
    alert_id = raise_alert(engine, watchlist.id)
    assert reads_alert(engine, people.liaison, alert_id)
    with engine.begin() as conn:
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(tlp=None))
    assert not reads_alert(engine, people.ana, alert_id)
    with engine.connect() as conn:
        assert get_alert(conn, LOCAL_OPERATOR, alert_id) is not None


# --- doing -----------------------------------------------------------------------------------


def test_changing_removing_and_triaging_need_reading_and_more(
    engine: Engine, people: People
) -> None:
    watchlist = do_create_watchlist(engine, WatchlistSpec("Gempa", "gempa"), by=people.ana)
    alert_id = raise_alert(engine, watchlist.id)
    rename = WatchlistChanges(name="Gempa bumi")
    # Tokyo cannot read it: "not found", as for a missing one.
    with pytest.raises(WatchlistNotFoundError, match=f"^no watchlist with id {watchlist.id}$"):
        do_update_watchlist(engine, watchlist.id, rename, by=people.tokyo)
    with pytest.raises(WatchlistNotFoundError):
        do_delete_watchlist(engine, watchlist.id, by=people.tokyo)
    with pytest.raises(AlertNotFoundError, match=f"^no alert with id {alert_id}$"):
        do_acknowledge_alert(engine, alert_id, by=people.tokyo)
    # Shared with Tokyo: it reads and triages the alert, but the watchlist stays kemlu's.
    do_share_watchlist(engine, watchlist.id, agency_id="kbri-tokyo", by=people.ana)
    with pytest.raises(PermissionDeniedError, match=r"only its owner agency \(kemlu\)"):
        do_update_watchlist(engine, watchlist.id, rename, by=people.tokyo)
    with pytest.raises(PermissionDeniedError, match="only its owner agency"):
        do_delete_watchlist(engine, watchlist.id, by=people.tokyo)
    acked = do_acknowledge_alert(engine, alert_id, by=people.tokyo)
    assert acked.status_changed_by == "tokyo"
    # Any user of the owner agency changes it; the marking stays.
    changed = do_update_watchlist(engine, watchlist.id, rename, by=people.rudi)
    assert (changed.name, changed.tlp, changed.owner_agency) == ("Gempa bumi", "AMBER", "kemlu")
    with pytest.raises(PermissionDeniedError, match="may not change watchlists"):
        do_update_watchlist(engine, watchlist.id, rename, by=people.viewer)
    do_delete_watchlist(engine, watchlist.id, by=people.rudi)
    # Its alerts stay, with their marking and share list.
    assert reads_alert(engine, people.tokyo, alert_id)
    assert not reads_watchlist(engine, people.ana, watchlist.id)
