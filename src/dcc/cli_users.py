"""`dcc users ...`, `dcc agencies ...`, `dcc tokens ...` and the first administrator of
`dcc init`: thin commands over the accounts package (docs/accounts.md).

The command line acts as the local operator (whoever can run it holds the database), so
these commands are not limited by a role. Passwords are never taken as arguments (they would
land in shell history and process lists): they are read from standard input
(`--password-stdin`), from DCC_INIT_PASSWORD for `dcc init`, or prompted for on a terminal.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from dcc.accounts import actions
from dcc.accounts.queries import (
    active_admins,
    get_user_by_username,
    list_agencies,
    list_api_tokens,
    list_users,
)
from dcc.accounts.records import AgencyKind, AgencySpec, Locale, Role, User, UserSpec
from dcc.accounts.serialize import agency_json, api_token_json, user_json
from dcc.cli_support import context, fail, out, print_json
from dcc.context import Context
from dcc.errors import DCCError

users_app = typer.Typer(help="Manage users (accounts of people and scripts).", no_args_is_help=True)
agencies_app = typer.Typer(
    help="Manage agencies (ministry units, missions, partners).", no_args_is_help=True
)
tokens_app = typer.Typer(help="Manage API tokens for scripts.", no_args_is_help=True)

INIT_PASSWORD_VARIABLE = "DCC_INIT_PASSWORD"  # noqa: S105 - a variable name, not a secret
DEFAULT_ADMIN = "admin"
# Where a generated first password is written when nobody could be asked for one.
INITIAL_PASSWORD_FILE = "initial-admin-password"  # noqa: S105 - a file name
DEFAULT_AGENCY = "kemlu"
DEFAULT_AGENCY_NAME = "Kementerian Luar Negeri Republik Indonesia"

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
Username = Annotated[str, typer.Argument(help="The user's username.")]

# Options of `dcc init` (declared here, used by cli.py's init command).
InitAdmin = Annotated[
    str | None, typer.Option("--admin", help=f"The first administrator (default {DEFAULT_ADMIN}).")
]
InitAgency = Annotated[str, typer.Option("--agency", help="The first administrator's agency id.")]
InitAgencyName = Annotated[
    str, typer.Option("--agency-name", help="Its name, if the agency is created.")
]
InitAgencyKind = Annotated[
    AgencyKind, typer.Option("--agency-kind", help="Its kind, if the agency is created.")
]


# --- dcc init --------------------------------------------------------------------------------


def init_first_admin(
    ctx: Context,
    *,
    admin: str | None,
    agency: str,
    agency_name: str,
    agency_kind: AgencyKind,
    password_stdin: bool,
) -> None:
    """Create the first administrator (and its agency) when no active one exists.

    Asking for one explicitly (`--admin` or `--password-stdin`) when one exists is refused
    (exit 2); a plain `dcc init` just says so, so that it stays safe to re-run.
    """
    with ctx.engine.connect() as conn:
        admins = active_admins(conn)
    if admins:
        names = ", ".join(a.username for a in admins)
        if admin is not None or password_stdin:
            fail(f"an administrator exists already ({names}); add users with `dcc users add`")
        out.print(f"accounts: administrator {names}", markup=False)
        return
    username = admin or DEFAULT_ADMIN
    password = _read_password(from_stdin=password_stdin, variable=INIT_PASSWORD_VARIABLE)
    password_file = None
    if password is None:
        # Nobody to ask (`make run` from a script, a service): a strong random password,
        # written once to a file only this user can read, as Jenkins does for its first admin.
        password = secrets.token_urlsafe(18)
        password_file = ctx.settings.home / INITIAL_PASSWORD_FILE
    try:
        user = actions.do_create_first_admin(
            ctx.engine,
            AgencySpec(id=agency, name=agency_name, kind=agency_kind),
            UserSpec(username=username, agency_id=agency, role=Role.ADMIN),
            password,
        )
    except DCCError as exc:
        fail(str(exc))
    out.print(f"accounts: administrator {user.username} created in {user.agency_id}", markup=False)
    if password_file is not None:
        password_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")
        out.print(
            f"accounts: its password is in {password_file} (readable by you only); sign in, "
            f"then change it with `dcc users passwd {user.username}` and delete the file",
            markup=False,
        )


def _read_password(*, from_stdin: bool, variable: str | None = None) -> str | None:
    """The password from standard input, the environment or a terminal prompt; None if
    there is no way to ask."""
    if from_stdin:
        password = sys.stdin.read().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
        return password
    if variable and os.environ.get(variable):
        return os.environ[variable]
    if sys.stdin.isatty() and sys.stdout.isatty():
        prompted: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return prompted
    return None


def _required_password(from_stdin: bool) -> str:
    password = _read_password(from_stdin=from_stdin)
    if password is None:
        fail("no password given: use --password-stdin, or run the command in a terminal")
    return password


# --- users -----------------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    username: Username,
    agency: Annotated[str, typer.Option("--agency", help="The user's agency id.")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")] = Role.VIEWER,
    name: Annotated[str, typer.Option("--name", help="Display name (default: username).")] = "",
    locale: Annotated[Locale, typer.Option("--locale", help="Language of the UI.")] = Locale.ID,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: signs in with API tokens only.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Add a user to an agency with a role."""
    password = None if no_password else _required_password(password_stdin)
    spec = UserSpec(
        username=username, agency_id=agency, role=role, display_name=name, locale=locale
    )
    ctx = context()
    try:
        user = actions.do_create_user(ctx.engine, spec, password)
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json(user_json(user))
    else:
        out.print(
            f"added user {user.username} ({user.role.value}) in {user.agency_id}", markup=False
        )


@users_app.command("list")
def users_list(
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency's.")] = None,
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Include deactivated users.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """List users."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_users(conn, agency_id=agency, is_active=None if include_inactive else True)
    if as_json:
        print_json([user_json(u) for u in found])
        return
    table = Table("username", "name", "agency", "role", "active", "last login")
    for u in found:
        table.add_row(
            u.username,
            u.display_name,
            u.agency_id,
            u.role.value,
            "yes" if u.is_active else "no",
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "—",
        )
    out.print(table)


@users_app.command("passwd")
def users_passwd(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (the user's sessions end)."""
    password = _required_password(password_stdin)
    ctx = context()
    user = _user_or_fail(ctx, username)
    try:
        actions.do_set_password(ctx.engine, user.id, password)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"password of {user.username} set; its sessions ended", markup=False)


@users_app.command("deactivate")
def users_deactivate(username: Username) -> None:
    """Deactivate a user: no sign-in, sessions end, API tokens revoked."""
    ctx = context()
    user = _user_or_fail(ctx, username)
    try:
        actions.do_deactivate_user(ctx.engine, user.id)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"deactivated {user.username}", markup=False)


@users_app.command("role")
def users_role(
    username: Username, role: Annotated[Role, typer.Argument(help="The new role.")]
) -> None:
    """Give a user another role."""
    ctx = context()
    user = _user_or_fail(ctx, username)
    try:
        changed = actions.do_change_role(ctx.engine, user.id, role)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"{changed.username} is now {changed.role.value}", markup=False)


def _user_or_fail(ctx: Context, username: str) -> User:
    with ctx.engine.connect() as conn:
        user = get_user_by_username(conn, username)
    if user is None:
        fail(f"no user named {username!r}")
    return user


# --- agencies --------------------------------------------------------------------------------


@agencies_app.command("add")
def agencies_add(
    agency_id: Annotated[str, typer.Argument(help="A short id: kbri-tokyo, bssn, pemprov-ntb.")],
    name: Annotated[str, typer.Argument(help="The agency's name.")],
    kind: Annotated[AgencyKind, typer.Option("--kind", help="What kind of agency.")],
    parent: Annotated[
        str | None, typer.Option("--parent", help="The supervising agency's id.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Add an agency."""
    ctx = context()
    try:
        agency = actions.do_create_agency(
            ctx.engine, AgencySpec(id=agency_id, name=name, kind=kind, parent_id=parent)
        )
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json(agency_json(agency))
    else:
        out.print(f"added agency {agency.id}: {agency.name}", markup=False)


@agencies_app.command("list")
def agencies_list(as_json: AsJson = False) -> None:
    """List agencies."""
    ctx = context()
    with ctx.engine.connect() as conn:
        found = list_agencies(conn)
    if as_json:
        print_json([agency_json(a) for a in found])
        return
    table = Table("id", "kind", "parent", "name")
    for a in found:
        table.add_row(a.id, a.kind.value, a.parent_id or "—", a.name)
    out.print(table)


# --- API tokens ------------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Argument(help="What the token is for: 'nightly export'.")],
    expires_days: Annotated[
        int | None, typer.Option("--expires-days", min=1, help="Expire after this many days.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Create an API token; it is shown once, only its hash is kept."""
    ctx = context()
    user = _user_or_fail(ctx, username)
    expires_at = (
        datetime.now(tz=UTC) + timedelta(days=expires_days) if expires_days is not None else None
    )
    try:
        created = actions.do_create_api_token(ctx.engine, user.id, name, expires_at=expires_at)
    except DCCError as exc:
        fail(str(exc))
    if as_json:
        print_json({**api_token_json(created.api_token), "token": created.token})
        return
    out.print(f"token {created.api_token.id} for {user.username}; shown once:", markup=False)
    sys.stdout.write(created.token + "\n")


@tokens_app.command("list")
def tokens_list(
    username: Annotated[str | None, typer.Option("--user", help="Only this user's.")] = None,
    as_json: AsJson = False,
) -> None:
    """List API tokens (never the tokens themselves: their prefixes)."""
    ctx = context()
    user_id = _user_or_fail(ctx, username).id if username else None
    with ctx.engine.connect() as conn:
        found = list_api_tokens(conn, user_id=user_id)
        names = {u.id: u.username for u in list_users(conn)}
    if as_json:
        print_json([api_token_json(t) for t in found])
        return
    now = datetime.now(tz=UTC)
    table = Table("id", "user", "name", "prefix", "state", "expires", "last used")
    for t in found:
        state = "live" if t.is_live(now) else ("revoked" if t.revoked_at else "expired")
        table.add_row(
            str(t.id),
            names.get(t.user_id, str(t.user_id)),
            t.name,
            t.prefix + "…",
            state,
            t.expires_at.strftime("%Y-%m-%d") if t.expires_at else "never",
            t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "—",
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")]) -> None:
    """Revoke an API token for good."""
    ctx = context()
    try:
        revoked = actions.do_revoke_api_token(ctx.engine, token_id)
    except DCCError as exc:
        fail(str(exc))
    out.print(f"revoked token {revoked.id} ({revoked.prefix}…)", markup=False)
