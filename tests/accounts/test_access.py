"""Who reads what: the TLP rules case by case, and `can_read` and `visible_filter` agreeing
on every label, role, agency and share list (a property test over a real SQLite table, and
the same checks on PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from account_helpers import make_agency, make_user
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
)

from dcc.accounts.access import (
    MarkedColumns,
    can_read,
    explain_access,
    explain_share,
    parse_tlp,
    require_readable,
    visible_filter,
    who_can_read,
)
from dcc.accounts.errors import MarkingError, ObjectNotVisibleError
from dcc.accounts.records import TLP, Agency, AgencyKind, Marking, Principal, Role
from dcc.store.database import create_db_engine
from dcc.store.schema import object_shares

# Agencies and users of the cases below (ids as the principals carry them).
OWNER, TOKYO, OSAKA, BSSN = "kemlu", "kbri-tokyo", "kjri-osaka", "bssn"
AUTHOR, NAMED, COLLEAGUE, OUTSIDER = 1, 2, 3, 4
_AT = datetime(2026, 1, 1, tzinfo=UTC)


def who(user_id: int, agency: str, role: Role = Role.ANALYST) -> Principal:
    return Principal(user_id=user_id, username=f"u{user_id}", agency_id=agency, role=role)


def marking(
    tlp: str,
    *,
    agencies: Sequence[str] = (),
    users: Sequence[int] = (),
    author: int | None = AUTHOR,
) -> Marking:
    return Marking(
        owner_agency=OWNER,
        tlp=tlp,
        shared_with=frozenset(agencies),
        shared_with_users=frozenset(users),
        author_id=author,
    )


# (marking, principal, may read)
CASES: list[tuple[str, Marking, Principal, bool]] = [
    # CLEAR: every signed-in user, liaisons and viewers included.
    ("clear/outsider", marking("CLEAR"), who(OUTSIDER, BSSN, Role.LIAISON), True),
    ("clear/viewer", marking("CLEAR"), who(OUTSIDER, TOKYO, Role.VIEWER), True),
    # GREEN: the community, except liaisons unless it is shared with them.
    ("green/other agency", marking("GREEN"), who(OUTSIDER, TOKYO), True),
    ("green/viewer", marking("GREEN"), who(OUTSIDER, TOKYO, Role.VIEWER), True),
    ("green/liaison", marking("GREEN"), who(OUTSIDER, BSSN, Role.LIAISON), False),
    (
        "green/liaison shared",
        marking("GREEN", agencies=[BSSN]),
        who(OUTSIDER, BSSN, Role.LIAISON),
        True,
    ),
    ("green/liaison named", marking("GREEN", users=[NAMED]), who(NAMED, BSSN, Role.LIAISON), True),
    # AMBER: owner agency, shared agencies, named users.
    ("amber/owner", marking("AMBER"), who(COLLEAGUE, OWNER, Role.VIEWER), True),
    ("amber/other", marking("AMBER"), who(OUTSIDER, TOKYO), False),
    ("amber/shared", marking("AMBER", agencies=[TOKYO]), who(OUTSIDER, TOKYO), True),
    ("amber/named", marking("AMBER", users=[NAMED]), who(NAMED, OSAKA), True),
    ("amber/author elsewhere", marking("AMBER"), who(AUTHOR, TOKYO), True),
    (
        "amber/admin other agency",
        marking("AMBER", agencies=[TOKYO]),
        who(OUTSIDER, BSSN, Role.ADMIN),
        False,
    ),
    # AMBER+STRICT: the same readers as AMBER.
    ("strict/owner", marking("AMBER+STRICT"), who(COLLEAGUE, OWNER), True),
    ("strict/shared", marking("AMBER+STRICT", agencies=[TOKYO]), who(OUTSIDER, TOKYO), True),
    ("strict/other", marking("AMBER+STRICT", agencies=[TOKYO]), who(OUTSIDER, OSAKA), False),
    (
        "strict/liaison shared",
        marking("AMBER+STRICT", agencies=[BSSN]),
        who(OUTSIDER, BSSN, Role.LIAISON),
        True,
    ),
    # RED: the author and named users only; not the owner agency, not shared agencies.
    ("red/author", marking("RED"), who(AUTHOR, OWNER), True),
    ("red/named", marking("RED", users=[NAMED]), who(NAMED, TOKYO), True),
    ("red/owner agency", marking("RED"), who(COLLEAGUE, OWNER), False),
    ("red/owner admin", marking("RED"), who(COLLEAGUE, OWNER, Role.ADMIN), False),
    ("red/shared agency", marking("RED", agencies=[TOKYO]), who(OUTSIDER, TOKYO), False),
    ("red/no author", marking("RED", author=None), who(AUTHOR, OWNER), False),
    # Anything else: nobody, the author and the owner agency included.
    ("unknown/owner", marking("PINK"), who(COLLEAGUE, OWNER), False),
    ("unknown/author", marking("PINK"), who(AUTHOR, OWNER), False),
    ("lower case/owner", marking("amber"), who(COLLEAGUE, OWNER), False),
    ("empty/owner", marking(""), who(COLLEAGUE, OWNER), False),
    ("prefixed/owner", marking("TLP:CLEAR"), who(COLLEAGUE, OWNER), False),
]


@pytest.mark.parametrize(("case", "mark", "principal", "allowed"), CASES, ids=[c[0] for c in CASES])
def test_tlp_rules(case: str, mark: Marking, principal: Principal, allowed: bool) -> None:
    decision = explain_access(principal, mark)
    assert decision.allowed is allowed and can_read(principal, mark) is allowed
    assert decision.reason  # every decision says why


def test_reasons_say_why() -> None:
    assert "your agency (kemlu) owns it" in explain_access(who(3, OWNER), marking("AMBER")).reason
    assert (
        "shared with your agency"
        in explain_access(who(4, TOKYO), marking("AMBER", agencies=[TOKYO])).reason
    )
    assert "denied by default" in explain_access(who(3, OWNER), marking("PINK")).reason
    assert "liaison" in explain_access(who(4, BSSN, Role.LIAISON), marking("GREEN")).reason
    assert explain_access(None, marking("CLEAR")).reason == "not signed in"
    assert not can_read(None, marking("CLEAR"))


def test_require_readable_refuses_as_not_found(caplog: pytest.LogCaptureFixture) -> None:
    require_readable(who(3, OWNER), marking("AMBER"), object_type="incident", object_id=7)
    with pytest.raises(ObjectNotVisibleError, match=r"^no incident with id 7$"):
        require_readable(who(4, TOKYO), marking("AMBER"), object_type="incident", object_id=7)
    assert "access refused: user u4 (kbri-tokyo, analyst) asked for incident 7" in caplog.text


def test_who_can_read_in_words() -> None:
    assert who_can_read(marking("CLEAR")) == "every signed-in user"
    assert who_can_read(marking("AMBER", agencies=[TOKYO])) == (
        "users of kemlu, kbri-tokyo and its author"
    )
    assert "only the 1 people named" in who_can_read(marking("RED", users=[2]))
    assert who_can_read(marking("PINK")).startswith("nobody")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("CLEAR", TLP.CLEAR),
        ("tlp:amber+strict", TLP.AMBER_STRICT),
        (" TLP:RED ", TLP.RED),
        ("WHITE", TLP.CLEAR),
        ("green", TLP.GREEN),
    ],
)
def test_parse_tlp(text: str, label: TLP) -> None:
    assert parse_tlp(text) is label


def test_parse_tlp_refuses_others() -> None:
    with pytest.raises(MarkingError, match=r"'AMBER-STRICT' is not a TLP 2\.0 label"):
        parse_tlp("AMBER-STRICT")


# --- sharing rules ---------------------------------------------------------------------------


def agency(agency_id: str, parent: str | None = None) -> Agency:
    return Agency(agency_id, agency_id, AgencyKind.EMBASSY, parent, _AT, _AT)


SHARE_CASES = [
    # (label, sharer, target agency or None for a user of `user_agency`, user_agency, allowed)
    ("AMBER", who(3, OWNER), agency(TOKYO), None, True),
    ("AMBER", who(4, TOKYO), agency(OSAKA, parent=TOKYO), None, True),  # onward, to a client
    ("AMBER", who(4, TOKYO), agency(BSSN), None, False),  # onward, outside
    ("AMBER", who(4, TOKYO), None, TOKYO, True),  # onward, a colleague
    ("AMBER+STRICT", who(3, OWNER), agency(TOKYO), None, True),
    ("AMBER+STRICT", who(4, TOKYO), agency(OSAKA, parent=TOKYO), None, False),
    ("RED", who(AUTHOR, OWNER), None, TOKYO, True),
    ("RED", who(AUTHOR, OWNER), agency(TOKYO), None, False),  # never a whole agency
    ("RED", who(NAMED, OWNER), None, OWNER, False),  # only the author names people
    ("GREEN", who(4, TOKYO), agency(BSSN), None, True),
    ("AMBER", who(3, OWNER, Role.VIEWER), agency(TOKYO), None, False),  # viewers do not share
    ("AMBER", who(5, OSAKA), agency(OSAKA), None, False),  # cannot read it
]


@pytest.mark.parametrize(("label", "sharer", "target", "user_agency", "allowed"), SHARE_CASES)
def test_share_rules(
    label: str, sharer: Principal, target: Agency | None, user_agency: str | None, allowed: bool
) -> None:
    mark = marking(label, agencies=[TOKYO], users=[NAMED])
    decision = explain_share(sharer, mark, agency=target, user_agency_id=user_agency)
    assert decision.allowed is allowed, decision.reason


# --- can_read and visible_filter agree -------------------------------------------------------

objects_metadata = MetaData()
marked_objects = Table(
    "test_marked_objects",
    objects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("owner_agency", String(64), nullable=False),
    Column("tlp", String(20), nullable=False),
    Column("author_id", Integer),
)
MARKED = MarkedColumns(
    object_type="thing",
    id=marked_objects.c.id,
    owner_agency=marked_objects.c.owner_agency,
    tlp=marked_objects.c.tlp,
    author=marked_objects.c.author_id,
)
# The same table marked by text ids and without an author column.
keyed_objects = Table(
    "test_keyed_objects",
    objects_metadata,
    Column("key", String(100), primary_key=True),
    Column("owner_agency", String(64), nullable=False),
    Column("tlp", String(20), nullable=False),
)
KEYED = MarkedColumns(
    object_type="stix",
    id=keyed_objects.c.key,
    owner_agency=keyed_objects.c.owner_agency,
    tlp=keyed_objects.c.tlp,
)

AGENCIES = (OWNER, TOKYO, OSAKA, BSSN)
LABELS = (*(t.value for t in TLP), "PINK", "amber", "", "TLP:RED", "WHITE")


@dataclass(frozen=True)
class World:
    """Agencies and users stored in a migrated database, for shares to refer to."""

    engine: Engine
    user_ids: tuple[int, ...]
    user_agency: dict[int, str]


def build_world(engine: Engine) -> World:
    objects_metadata.create_all(engine)
    make_agency(engine, OWNER, kind=AgencyKind.MINISTRY)
    make_agency(engine, TOKYO, kind=AgencyKind.EMBASSY)
    make_agency(engine, OSAKA, kind=AgencyKind.CONSULATE, parent=TOKYO)
    make_agency(engine, BSSN, kind=AgencyKind.PARTNER_AGENCY)
    users = [
        make_user(engine, f"user{i}", AGENCIES[i % len(AGENCIES)], password=None) for i in range(6)
    ]
    return World(engine, tuple(u.id for u in users), {u.id: u.agency_id for u in users})


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = tmp_path_factory.mktemp("access") / "access.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_db_engine(f"sqlite:///{path}")
    yield build_world(engine)
    engine.dispose()


@dataclass(frozen=True)
class Thing:
    owner: str
    tlp: str
    author: int | None
    agencies: frozenset[str]
    users: frozenset[int]

    def marking(self) -> Marking:
        return Marking(self.owner, self.tlp, self.agencies, self.users, self.author)


def things(user_ids: Sequence[int]) -> st.SearchStrategy[list[Thing]]:
    agencies = st.sampled_from(AGENCIES)
    users = st.sampled_from(user_ids)
    return st.lists(
        st.builds(
            Thing,
            owner=agencies,
            tlp=st.sampled_from(LABELS),
            author=st.none() | users,
            agencies=st.frozensets(agencies, max_size=3),
            users=st.frozensets(users, max_size=3),
        ),
        max_size=12,
    )


def principals(world: World) -> list[Principal]:
    """Every stored user in every role, in its own agency and in another one, plus a user
    that no share names."""
    found = [
        Principal(user_id=u, username=f"user{u}", agency_id=agency, role=role)
        for u in world.user_ids
        for agency in (world.user_agency[u], BSSN)
        for role in Role
    ]
    return [*found, Principal(user_id=999, username="nobody", agency_id="kemlu", role=Role.ADMIN)]


def store(engine: Engine, table: Table, columns: MarkedColumns, found: Sequence[Thing]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(object_shares))
        conn.execute(delete(table))
        for n, thing in enumerate(found):
            key: object = n if table is marked_objects else f"{columns.object_type}--{n}"
            row: dict[str, object] = {
                columns.id.key: key,
                "owner_agency": thing.owner,
                "tlp": thing.tlp,
            }
            if columns.author is not None:
                row["author_id"] = thing.author
            conn.execute(insert(table).values(**row))
            shares = [{"agency_id": a, "user_id": None} for a in thing.agencies] + [
                {"agency_id": None, "user_id": u} for u in thing.users
            ]
            if shares:
                conn.execute(
                    insert(object_shares),
                    [
                        {
                            **s,
                            "object_type": columns.object_type,
                            "object_id": str(key),
                            "shared_at": _AT,
                        }
                        for s in shares
                    ],
                )


def assert_agree(
    world: World, table: Table, columns: MarkedColumns, found: Sequence[Thing]
) -> None:
    store(world.engine, table, columns, found)
    has_author = columns.author is not None
    with world.engine.connect() as conn:
        for principal in principals(world):
            in_sql = sorted(
                str(key)
                for key in conn.execute(
                    select(columns.id).where(visible_filter(principal, columns))
                ).scalars()
            )
            in_python = sorted(
                str(n) if table is marked_objects else f"{columns.object_type}--{n}"
                for n, thing in enumerate(found)
                if can_read(
                    principal,
                    Marking(
                        thing.owner,
                        thing.tlp,
                        thing.agencies,
                        thing.users,
                        thing.author if has_author else None,
                    ),
                )
            )
            assert in_sql == in_python, (principal, found)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_visible_filter_agrees_with_can_read(world: World, data: st.DataObject) -> None:
    found = data.draw(things(world.user_ids))
    assert_agree(world, marked_objects, MARKED, found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_visible_filter_agrees_on_text_ids_without_author(
    world: World, data: st.DataObject
) -> None:
    found = data.draw(things(world.user_ids))
    assert_agree(world, keyed_objects, KEYED, found)


def test_visible_filter_agrees_on_both_databases(engine: Engine) -> None:
    """Every label × owner × share pattern, on SQLite and PostgreSQL."""
    stored = build_world(engine)
    u = stored.user_ids
    found = [
        Thing(owner, label, author, agencies, users)
        for owner in (OWNER, BSSN)
        for label in LABELS
        for author in (None, u[0])
        for agencies, users in (
            (frozenset(), frozenset()),
            (frozenset({TOKYO}), frozenset()),
            (frozenset({BSSN, OSAKA}), frozenset({u[1]})),
            (frozenset(), frozenset({u[2], u[3]})),
        )
    ]
    assert_agree(stored, marked_objects, MARKED, found)
    assert_agree(stored, keyed_objects, KEYED, found)


def test_no_principal_sees_nothing(world: World) -> None:
    store(
        world.engine,
        marked_objects,
        MARKED,
        [Thing(OWNER, "CLEAR", None, frozenset(), frozenset())],
    )
    with world.engine.connect() as conn:
        assert conn.execute(select(marked_objects).where(visible_filter(None, MARKED))).all() == []
