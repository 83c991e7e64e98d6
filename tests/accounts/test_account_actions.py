"""Agencies, users, roles, permissions and share lists through the actions (both databases)."""

from __future__ import annotations

import pytest
from account_helpers import PASSWORD, as_principal, make_agency, make_user
from sqlalchemy import Engine, select

from dcc.accounts.actions import (
    do_change_role,
    do_create_agency,
    do_create_api_token,
    do_create_first_admin,
    do_create_user,
    do_deactivate_user,
    do_revoke_api_token,
    do_set_password,
    do_update_agency,
)
from dcc.accounts.errors import (
    AccountConflictError,
    AccountError,
    AccountNotFoundError,
    PasswordPolicyError,
    PermissionDeniedError,
)
from dcc.accounts.queries import (
    get_user_by_username,
    list_agencies,
    list_users,
)
from dcc.accounts.records import (
    AgencyChanges,
    AgencyKind,
    AgencySpec,
    Locale,
    Role,
    UserSpec,
)
from dcc.store.schema import users

# --- agencies --------------------------------------------------------------------------------


def test_agencies_add_update_and_refuse_bad_ones(engine: Engine) -> None:
    kemlu = make_agency(engine, "kemlu", kind=AgencyKind.MINISTRY)
    tokyo = do_create_agency(
        engine, AgencySpec(id=" KBRI-Tokyo ", name="  KBRI  Tokyo ", kind=AgencyKind.EMBASSY)
    )
    assert (tokyo.id, tokyo.name, tokyo.parent_id) == ("kbri-tokyo", "KBRI Tokyo", None)
    osaka = make_agency(engine, "kjri-osaka", kind=AgencyKind.CONSULATE, parent="kbri-tokyo")
    assert osaka.parent_id == "kbri-tokyo"
    moved = do_update_agency(engine, "kbri-tokyo", AgencyChanges(parent_id=kemlu.id, name="KBRI"))
    assert (moved.parent_id, moved.name) == ("kemlu", "KBRI")
    with pytest.raises(AccountError, match="would supervise itself"):
        do_update_agency(engine, "kemlu", AgencyChanges(parent_id="kjri-osaka"))
    cleared = do_update_agency(engine, "kbri-tokyo", AgencyChanges(clear_parent=True))
    assert cleared.parent_id is None
    with pytest.raises(AccountConflictError, match="'kemlu' exists already"):
        make_agency(engine, "kemlu")
    with pytest.raises(AccountError, match="'bad id!' is not a valid agency id"):
        make_agency(engine, "bad id!")
    with pytest.raises(AccountNotFoundError, match="no agency with id 'nowhere'"):
        make_agency(engine, "kjri-x", parent="nowhere")
    with engine.connect() as conn:
        assert [a.id for a in list_agencies(conn)] == ["kbri-tokyo", "kemlu", "kjri-osaka"]


# --- users -----------------------------------------------------------------------------------


def test_users_are_created_with_a_hash_and_checked(engine: Engine) -> None:
    make_agency(engine, "kemlu")
    ana = do_create_user(
        engine,
        UserSpec(
            username="Ana.W",
            agency_id="kemlu",
            role=Role.OFFICER,
            locale=Locale.EN,
            display_name="Ana Wijaya",
        ),
        PASSWORD,
    )
    assert (ana.username, ana.display_name, ana.role, ana.locale) == (
        "ana.w",
        "Ana Wijaya",
        Role.OFFICER,
        Locale.EN,
    )
    assert ana.is_active and ana.has_password and ana.password_changed_at is not None
    with engine.connect() as conn:
        assert conn.execute(select(users.c.password_hash)).scalar_one().startswith("$argon2id$")
        assert get_user_by_username(conn, "ANA.W") == ana
    with pytest.raises(AccountConflictError, match=r"username 'ana\.w' is taken"):
        make_user(engine, "ANA.W", "kemlu")
    with pytest.raises(AccountNotFoundError, match="no agency with id 'bssn'"):
        make_user(engine, "budi", "bssn")
    with pytest.raises(AccountError, match="'budi wijaya' is not a valid username"):
        make_user(engine, "budi wijaya", "kemlu")
    with pytest.raises(PasswordPolicyError, match="at least 12"):
        make_user(engine, "budi", "kemlu", password="short")
    script = make_user(engine, "export-bot", "kemlu", password=None)
    assert not script.has_password


def test_roles_and_the_last_administrator(engine: Engine) -> None:
    make_agency(engine, "kemlu")
    admin = make_user(engine, "admin", "kemlu", role=Role.ADMIN)
    with pytest.raises(AccountConflictError, match="last active administrator"):
        do_change_role(engine, admin.id, Role.VIEWER)
    with pytest.raises(AccountConflictError, match="last active administrator"):
        do_deactivate_user(engine, admin.id)
    second = make_user(engine, "admin2", "kemlu", role=Role.ADMIN)
    assert do_change_role(engine, admin.id, Role.ANALYST).role is Role.ANALYST
    with pytest.raises(AccountConflictError):
        do_deactivate_user(engine, second.id)
    with engine.connect() as conn:
        assert [u.username for u in list_users(conn, is_active=True)] == ["admin", "admin2"]


def test_first_admin_only_while_there_is_none(engine: Engine) -> None:
    agency = AgencySpec(id="kemlu", name="Kemlu", kind=AgencyKind.MINISTRY)
    spec = UserSpec(username="root", agency_id="kemlu", role=Role.VIEWER)
    admin = do_create_first_admin(engine, agency, spec, PASSWORD)
    assert admin.role is Role.ADMIN and admin.agency_id == "kemlu"
    with pytest.raises(AccountConflictError, match=r"an administrator exists already \(root\)"):
        do_create_first_admin(engine, agency, UserSpec("root2", "kemlu", Role.ADMIN), PASSWORD)


def test_roles_limit_who_manages_accounts(engine: Engine) -> None:
    make_agency(engine, "kemlu")
    admin = as_principal(make_user(engine, "admin", "kemlu", role=Role.ADMIN))
    viewer_user = make_user(engine, "vina", "kemlu", role=Role.VIEWER)
    viewer = as_principal(viewer_user)
    spec = UserSpec(username="budi", agency_id="kemlu", role=Role.ANALYST)
    with pytest.raises(PermissionDeniedError, match="the viewer role may not manage users"):
        do_create_user(engine, spec, PASSWORD, by=viewer)
    budi = do_create_user(engine, spec, PASSWORD, by=admin)
    with pytest.raises(PermissionDeniedError):
        do_change_role(engine, budi.id, Role.ADMIN, by=viewer)
    with pytest.raises(PermissionDeniedError):
        do_set_password(engine, budi.id, "another long password", by=viewer)
    do_set_password(engine, viewer_user.id, "my own new password", by=viewer)  # one's own
    # API tokens: one's own with the permission; others' only as an administrator.
    analyst = as_principal(budi)
    own = do_create_api_token(engine, budi.id, "mine", by=analyst)
    with pytest.raises(PermissionDeniedError, match="viewer role may not use API tokens"):
        do_create_api_token(engine, viewer_user.id, "mine", by=viewer)
    with pytest.raises(PermissionDeniedError):
        do_revoke_api_token(engine, own.api_token.id, by=viewer)
    assert do_revoke_api_token(engine, own.api_token.id, by=admin).revoked_at is not None
