"""Signed-in clients for the web tests: a user of an agency with a role, by API token (the
API) or by the login form (pages, with the session's CSRF token)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.queries import get_agency
from dcc.accounts.records import AgencyKind, AgencySpec, Locale, Role, User, UserSpec
from dcc.accounts.signin import do_create_api_token

PASSWORD = "correct horse battery staple"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def make_user(
    engine: Engine,
    username: str,
    *,
    role: Role = Role.ANALYST,
    agency: str = "kemlu",
    locale: Locale = Locale.EN,
) -> User:
    """A user (and its agency, if new) who can sign in with PASSWORD; English pages unless
    told otherwise, since most tests read English wording."""
    with engine.connect() as conn:
        exists = get_agency(conn, agency) is not None
    if not exists:
        do_create_agency(
            engine, AgencySpec(id=agency, name=agency.upper(), kind=AgencyKind.MINISTRY_UNIT)
        )
    spec = UserSpec(username=username, agency_id=agency, role=role, locale=locale)
    return do_create_user(engine, spec, PASSWORD)


def bearer(engine: Engine, user: User) -> dict[str, str]:
    """The Authorization header of a new API token of `user`."""
    return {"Authorization": f"Bearer {do_create_api_token(engine, user.id, 'tests').token}"}


def sign_in_by_token(client: TestClient, engine: Engine, user: User) -> TestClient:
    """`client` sending `user`'s new API token with every request."""
    client.headers.update(bearer(engine, user))
    return client


def sign_in_by_form(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form as a browser does; return a CSRF token of the session."""
    form = client.get("/login")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert login_csrf, form.text
    response = client.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": login_csrf.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/")
    found = CSRF_META.search(page.text)
    assert found, page.text
    return found.group(1)
