"""Share lists through do_share / do_unshare: who may add and remove entries (both databases)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from account_helpers import as_principal, make_agency, make_user
from sqlalchemy import Engine

from dcc.accounts.actions import do_share, do_unshare
from dcc.accounts.errors import (
    AccountError,
    AccountNotFoundError,
    MarkingError,
    ObjectNotVisibleError,
    PermissionDeniedError,
)
from dcc.accounts.queries import list_shares, marking_of
from dcc.accounts.records import AgencyKind, Marking, ObjectRef, Principal, Role

INCIDENT = ObjectRef("incident", "42")


@dataclass(frozen=True)
class People:
    author: Principal
    tokyo: Principal
    liaison: Principal


@pytest.fixture
def people(engine: Engine) -> People:
    make_agency(engine, "kemlu", kind=AgencyKind.MINISTRY)
    make_agency(engine, "kbri-tokyo", kind=AgencyKind.EMBASSY)
    make_agency(engine, "kjri-osaka", kind=AgencyKind.CONSULATE, parent="kbri-tokyo")
    make_agency(engine, "bssn", kind=AgencyKind.PARTNER_AGENCY)
    return People(
        author=as_principal(make_user(engine, "author", "kemlu")),
        tokyo=as_principal(make_user(engine, "tokyo", "kbri-tokyo", role=Role.OFFICER)),
        liaison=as_principal(make_user(engine, "liaison", "bssn", role=Role.LIAISON)),
    )


def test_share_and_unshare_with_rules(engine: Engine, people: People) -> None:
    author, tokyo, liaison = people.author, people.tokyo, people.liaison

    def current(tlp: str = "AMBER") -> Marking:
        with engine.connect() as conn:
            return marking_of(
                conn, INCIDENT, owner_agency="kemlu", tlp=tlp, author_id=author.user_id
            )

    share = do_share(engine, INCIDENT, current(), agency_id="kbri-tokyo", by=author)
    again = do_share(engine, INCIDENT, current(), agency_id="kbri-tokyo", by=author)
    assert share == again and share.shared_by == author.user_id
    assert current().shared_with == {"kbri-tokyo"}
    # A recipient shares AMBER onward to an agency it supervises, not elsewhere.
    do_share(engine, INCIDENT, current(), agency_id="kjri-osaka", by=tokyo)
    with pytest.raises(PermissionDeniedError, match="within its own organisation"):
        do_share(engine, INCIDENT, current(), agency_id="bssn", by=tokyo)
    # Someone who cannot read it learns nothing: "not found".
    with pytest.raises(ObjectNotVisibleError, match=r"^no incident with id 42$"):
        do_share(engine, INCIDENT, current(), agency_id="bssn", by=liaison)
    with pytest.raises(ObjectNotVisibleError):
        do_unshare(engine, INCIDENT, current(), agency_id="kbri-tokyo", by=liaison)
    # RED is shared with named people only.
    with pytest.raises(MarkingError, match="never with a whole agency"):
        do_share(engine, INCIDENT, current("RED"), agency_id="bssn", by=author)
    with pytest.raises(AccountError, match="exactly one"):
        do_share(engine, INCIDENT, current(), by=author)
    named = do_share(engine, INCIDENT, current("RED"), user_id=liaison.user_id, by=author)
    assert named.user_id == liaison.user_id
    assert current("RED").shared_with_users == {liaison.user_id}
    with engine.connect() as conn:
        assert len(list_shares(conn, INCIDENT)) == 3
    # Tokyo removes the share it added; the owner agency removes any.
    assert do_unshare(engine, INCIDENT, current(), agency_id="kjri-osaka", by=tokyo) == 1
    with pytest.raises(PermissionDeniedError):
        do_unshare(engine, INCIDENT, current(), agency_id="kbri-tokyo", by=tokyo)
    assert do_unshare(engine, INCIDENT, current(), agency_id="kbri-tokyo", by=author) == 1
    assert do_unshare(engine, INCIDENT, current(), agency_id="kbri-tokyo") == 0
    with pytest.raises(AccountError, match="not a valid object type"):
        do_share(engine, ObjectRef("Bad Type", "1"), current(), agency_id="bssn")
    with pytest.raises(AccountNotFoundError, match="no agency with id 'nowhere'"):
        do_share(engine, INCIDENT, current(), agency_id="nowhere")
