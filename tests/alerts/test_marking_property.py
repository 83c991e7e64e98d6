"""A property of need-to-know (issue 5): whatever sequence of creating watchlists, sharing,
unsharing, recording matches and removing watchlists happens, every user reads exactly the
watchlists and alerts an independent model of docs/accounts.md's rules says it may, through
the query functions the API uses (lists, details, the live stream's events).

The model (tests/tlp_rules.py plus the bookkeeping below) never calls dcc.accounts.access.
It also predicts whether each share and unshare is allowed, and the actions must agree.
Issue 6 extends the operations (incidents, tasks).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.errors import MarkingError, ObjectNotVisibleError, PermissionDeniedError
from dcc.accounts.queries import principal_of
from dcc.accounts.records import (
    LOCAL_OPERATOR,
    AgencyKind,
    AgencySpec,
    Principal,
    Role,
    UserSpec,
)
from dcc.alerts.actions import do_create_watchlist, do_delete_watchlist, do_record_matches
from dcc.alerts.queries import (
    events_after,
    get_alert,
    get_watchlist,
    latest_event_id,
    list_alerts,
    list_watchlists,
)
from dcc.alerts.records import WatchlistMatch, WatchlistSpec
from dcc.alerts.sharing import (
    do_share_alert,
    do_share_watchlist,
    do_unshare_alert,
    do_unshare_watchlist,
)
from tlp_rules import LABELS, Marked, Person, may_read, may_share, may_unshare

PARENTS: dict[str, str | None] = {
    "kemlu": None,
    "kemlu-dit": "kemlu",
    "kbri-tokyo": None,
    "kjri-osaka": "kbri-tokyo",
    "bssn": None,
}
PEOPLE = (
    Person("k.analyst", "kemlu", "analyst"),
    Person("k.liaison", "kemlu", "liaison"),
    Person("k.viewer", "kemlu", "viewer"),
    Person("d.admin", "kemlu-dit", "admin"),
    Person("t.analyst", "kbri-tokyo", "analyst"),
    Person("t.officer", "kbri-tokyo", "officer"),
    Person("o.officer", "kjri-osaka", "officer"),
    Person("b.liaison", "bssn", "liaison"),
    Person("b.analyst", "bssn", "analyst"),
)
CREATORS = tuple(p for p in PEOPLE if p.holds("manage_watchlists"))
TARGETS = (*PARENTS, *(p.name for p in PEOPLE))  # an agency, or a person by name
AGENCY_OF = {p.name: p.agency for p in PEOPLE}

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "share", "unshare", "match", "remove"]),
        st.integers(0, 99),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
    min_size=1,
    max_size=12,
)


@dataclass
class ModelObject:
    """The model's view of one object: its marking without shares, and its share list
    (target -> who added it)."""

    kind: str  # "watchlist" or "alert"
    object_id: int
    base: Marked
    shares: dict[str, str] = field(default_factory=dict)
    watchlist: ModelObject | None = None
    is_removed: bool = False

    def marked(self) -> Marked:
        """The whole marking: an alert also reads its watchlist's share list."""
        lists = [self.shares] + ([self.watchlist.shares] if self.watchlist else [])
        agencies = frozenset(t for s in lists for t in s if t in PARENTS)
        users = frozenset(t for s in lists for t in s if t not in PARENTS)
        return self.base.shared(agencies=agencies, users=users)

    def readable_by(self, person: Person) -> bool:
        return not self.is_removed and may_read(person, self.marked())


def test_no_sequence_lets_anyone_read_what_is_not_theirs(engine: Engine) -> None:
    for agency, parent in sorted(PARENTS.items(), key=lambda pair: pair[1] is not None):
        spec = AgencySpec(agency, agency.upper(), AgencyKind.MINISTRY_UNIT, parent)
        do_create_agency(engine, spec)
    principals = {
        p.name: principal_of(do_create_user(engine, UserSpec(p.name, p.agency, Role(p.role)), None))
        for p in PEOPLE
    }
    # One database for all examples: each example checks only the objects it made.
    world = World(engine, principals)

    @given(operations=OPERATIONS)
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        # Each example makes a handful of database writes per operation.
        suppress_health_check=[HealthCheck.too_slow],
    )
    def run(operations: list[tuple[str, int, int, int]]) -> None:
        with engine.connect() as conn:
            world.first_event = latest_event_id(conn, LOCAL_OPERATOR)
        world.objects = []
        for operation in operations:
            world.apply(*operation)
            world.check()

    run()


@dataclass
class World:
    """The database, the people, and the model of the objects the current example made."""

    engine: Engine
    principals: dict[str, Principal]
    objects: list[ModelObject] = field(default_factory=list)
    first_event: int = 0
    item_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def apply(self, kind: str, a: int, b: int, c: int) -> None:
        """One operation; a share, unshare or removal must succeed exactly when the model
        says the rules allow it."""
        if kind == "create":
            self.create(CREATORS[a % len(CREATORS)], LABELS[b % len(LABELS)])
            return
        watchlists = [o for o in self.objects if o.kind == "watchlist"]
        if kind == "match" and watchlists:
            self.match(watchlists[a % len(watchlists)], f"story-{b % 3}")
        elif kind == "remove" and watchlists:
            self.remove(watchlists[a % len(watchlists)], PEOPLE[b % len(PEOPLE)])
        elif kind in ("share", "unshare") and self.objects:
            obj = self.objects[a % len(self.objects)]
            person, target = PEOPLE[b % len(PEOPLE)], TARGETS[c % len(TARGETS)]
            (self.share if kind == "share" else self.unshare)(obj, person, target)

    def create(self, person: Person, tlp: str) -> None:
        spec = WatchlistSpec(name=f"Gempa {tlp}", query="gempa", tlp=tlp)
        made = do_create_watchlist(self.engine, spec, by=self.principals[person.name])
        marked = Marked(person.agency, tlp, author=person.name)
        self.objects.append(ModelObject("watchlist", made.id, marked))

    def match(self, watchlist: ModelObject, story: str) -> None:
        match = WatchlistMatch(
            watchlist_id=watchlist.object_id,
            item_id=next(self.item_ids),
            story_key=story,
            item_title="Gempa guncang Lombok",
            item_url=None,
            source_id="antara-id",
        )
        outcome = do_record_matches(self.engine, [match], window=timedelta(hours=1))
        if watchlist.is_removed:
            assert outcome.created == () and outcome.updated == ()
        for alert_id in outcome.created:  # marked like its watchlist, no shares of its own
            self.objects.append(ModelObject("alert", alert_id, watchlist.base, {}, watchlist))

    def remove(self, watchlist: ModelObject, person: Person) -> None:
        allowed = (
            person.holds("manage_watchlists")
            and watchlist.readable_by(person)
            and (person.agency == watchlist.base.owner or person.name == watchlist.base.author)
        )
        try:
            do_delete_watchlist(self.engine, watchlist.object_id, by=self.principals[person.name])
        except (PermissionDeniedError, ObjectNotVisibleError):
            assert not allowed, (person, watchlist)
            return
        assert allowed, (person, watchlist)
        watchlist.is_removed = True

    def share(self, obj: ModelObject, person: Person, target: str) -> None:
        marked = obj.marked()
        is_agency = target in PARENTS
        allowed = not (obj.kind == "watchlist" and obj.is_removed) and may_share(
            person,
            marked,
            agency=target if is_agency else None,
            user_agency=None if is_agency else AGENCY_OF[target],
            parents=PARENTS,
        )
        action = do_share_watchlist if obj.kind == "watchlist" else do_share_alert
        try:
            action(
                self.engine,
                obj.object_id,
                agency_id=target if is_agency else None,
                username=None if is_agency else target,
                by=self.principals[person.name],
            )
        except (PermissionDeniedError, ObjectNotVisibleError, MarkingError):
            assert not allowed, (person, target, marked)
            return
        assert allowed, (person, target, marked)
        obj.shares.setdefault(target, person.name)

    def unshare(self, obj: ModelObject, person: Person, target: str) -> None:
        shared_by = obj.shares.get(target)
        allowed = (
            person.holds("share")
            and obj.readable_by(person)
            and (target not in obj.shares or may_unshare(person, obj.marked(), shared_by=shared_by))
        )
        action = do_unshare_watchlist if obj.kind == "watchlist" else do_unshare_alert
        is_agency = target in PARENTS
        try:
            action(
                self.engine,
                obj.object_id,
                agency_id=target if is_agency else None,
                username=None if is_agency else target,
                by=self.principals[person.name],
            )
        except (PermissionDeniedError, ObjectNotVisibleError):
            assert not allowed, (person, target, obj.marked())
            return
        assert allowed, (person, target, obj.marked())
        obj.shares.pop(target, None)

    def check(self) -> None:
        """Every person reads exactly what the model allows, in lists, details and the
        live stream's events (of this example's objects)."""
        mine = {(o.kind, o.object_id): o for o in self.objects}
        with self.engine.connect() as conn:
            for person in PEOPLE:
                principal = self.principals[person.name]
                wanted = {key for key, o in mine.items() if o.readable_by(person)}
                listed = {("watchlist", w.id) for w in list_watchlists(conn, principal)}
                listed |= {("alert", a.id) for a in list_alerts(conn, principal, limit=500)}
                assert listed & mine.keys() == wanted, person
                for (kind, object_id), obj in mine.items():
                    get = get_watchlist if kind == "watchlist" else get_alert
                    found = get(conn, principal, object_id) is not None
                    assert found is obj.readable_by(person), (person, kind, object_id)
                streamed = {
                    ("alert", e.alert_id)
                    for e in events_after(conn, principal, self.first_event, limit=10_000)
                }
                alerts = {key for key in wanted if key[0] == "alert"}
                assert streamed & mine.keys() == alerts, person
