"""The writes people make are audited in their own transaction, with actor, before and after,
and never a secret (issue 6): accounts, share lists, sign-in, alerts, watchlists, sources."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from dcc.accounts.actions import (
    do_change_role,
    do_create_agency,
    do_create_api_token,
    do_create_user,
    do_deactivate_user,
    do_login,
    do_logout,
    do_revoke_api_token,
    do_set_password,
    do_share,
    do_unshare,
    do_update_agency,
)
from dcc.accounts.errors import AccountConflictError, LoginRefusedError
from dcc.accounts.queries import principal_of
from dcc.accounts.records import (
    TLP,
    AgencyChanges,
    AgencyKind,
    AgencySpec,
    Marking,
    ObjectRef,
    Principal,
    Role,
    UserSpec,
)
from dcc.alerts.actions import (
    do_acknowledge_alert,
    do_create_watchlist,
    do_delete_watchlist,
    do_dismiss_alert,
    do_record_matches,
    do_update_watchlist,
)
from dcc.alerts.records import WatchlistChanges, WatchlistMatch, WatchlistSpec
from dcc.coordination.audit import list_audit, verify_audit
from dcc.coordination.audit_records import AuditEntry
from dcc.errors import SourceConfigError
from dcc.ingest.actions import do_add_source, do_remove_source, do_sync_sources
from dcc.records import Source, SourceKind

PASSWORD = "correct horse battery staple"


def entries(engine: Engine, **filters: Any) -> list[AuditEntry]:
    """Audit entries, oldest first."""
    with engine.connect() as conn:
        return list(reversed(list_audit(conn, limit=1000, **filters)))


def actions_of(engine: Engine, **filters: Any) -> list[str]:
    return [e.action for e in entries(engine, **filters)]


def assert_verifies_without_secrets(engine: Engine, *secrets: str) -> None:
    with engine.connect() as conn:
        assert verify_audit(conn).ok
    stored = json.dumps([(e.before, e.after) for e in entries(engine)], default=str)
    for secret in (*secrets, "argon2", "token_hash", "csrf"):
        assert secret not in stored, secret


@pytest.fixture
def admin(engine: Engine) -> Principal:
    do_create_agency(engine, AgencySpec(id="kemlu", name="Kemlu", kind=AgencyKind.MINISTRY))
    user = do_create_user(
        engine, UserSpec(username="rina", agency_id="kemlu", role=Role.ADMIN), PASSWORD
    )
    return principal_of(user)


def test_accounts_are_audited(engine: Engine, admin: Principal) -> None:
    tokyo = do_create_agency(
        engine, AgencySpec(id="kbri-tokyo", name="KBRI Tokyo", kind=AgencyKind.EMBASSY), by=admin
    )
    do_update_agency(engine, tokyo.id, AgencyChanges(parent_id="kemlu"), by=admin)
    budi = do_create_user(
        engine,
        UserSpec(username="budi", agency_id="kbri-tokyo", role=Role.OFFICER),
        "another long passphrase",
        by=admin,
    )
    do_change_role(engine, budi.id, Role.ANALYST, by=admin)
    do_set_password(engine, budi.id, "a brand new passphrase", by=admin)
    do_set_password(engine, budi.id, "budi's own passphrase", by=principal_of(budi))
    do_deactivate_user(engine, budi.id, by=admin)
    with pytest.raises(AccountConflictError):  # refused: nothing audited
        do_deactivate_user(engine, admin.user_id, by=admin)

    # The fixture's agency and first user came from the command line (the local operator).
    first = entries(engine)[:2]
    assert [(e.action, e.actor, e.actor_agency) for e in first] == [
        ("agency.create", "local-operator", None),
        ("user.create", "local-operator", None),
    ]
    assert actions_of(engine, object_type="agency", object_id="kbri-tokyo") == [
        "agency.create",
        "agency.update",
    ]
    created, role, reset, change, deactivated = entries(
        engine, object_type="user", object_id=budi.id
    )
    assert (created.action, created.actor, created.actor_agency) == ("user.create", "rina", "kemlu")
    assert created.before is None and created.after is not None
    assert created.after["username"] == "budi" and created.after["has_password"] is True
    assert (role.action, role.before, role.after) == (
        "user.role_change",
        {**(role.before or {}), "role": "officer"},
        {**(role.after or {}), "role": "analyst"},
    )
    assert (reset.action, reset.actor) == ("user.password_reset", "rina")
    assert (change.action, change.actor) == ("user.password_change", "budi")
    assert change.after is not None and change.after["password_changed"] is True
    assert deactivated.action == "user.deactivate"
    assert (deactivated.before or {})["is_active"] is True
    assert (deactivated.after or {})["is_active"] is False
    assert_verifies_without_secrets(engine, "passphrase", PASSWORD)


def test_sessions_and_tokens_are_audited(engine: Engine, admin: Principal) -> None:
    new_session = do_login(engine, "rina", PASSWORD, client_address="192.0.2.7")
    do_logout(engine, new_session.session.id)
    do_logout(engine, new_session.session.id)  # already ended: nothing more
    new_token = do_create_api_token(
        engine, admin.user_id, "nightly export", expires_at=None, by=admin
    )
    do_revoke_api_token(engine, new_token.api_token.id, by=admin)
    do_revoke_api_token(engine, new_token.api_token.id, by=admin)  # again: nothing more
    opened, closed = entries(engine, object_type="session")
    assert (opened.action, opened.actor, opened.actor_agency) == ("session.open", "rina", "kemlu")
    assert opened.object_id == str(new_session.session.id)
    assert (opened.after or {})["client_address"] == "192.0.2.7"
    assert (closed.action, closed.actor) == ("session.close", "rina")
    created, revoked = entries(engine, object_type="api_token")
    assert (created.action, revoked.action) == ("api_token.create", "api_token.revoke")
    assert (created.after or {})["name"] == "nightly export"
    assert (created.after or {})["prefix"] == new_token.api_token.prefix
    assert (revoked.before or {})["revoked_at"] is None
    assert (revoked.after or {})["revoked_at"] is not None
    # A failed login is kept in login_attempts, not audited.
    with pytest.raises(LoginRefusedError):
        do_login(engine, "rina", "wrong password", client_address="192.0.2.7")
    assert len(entries(engine, object_type="session")) == 2
    assert_verifies_without_secrets(engine, new_session.token, new_token.token, PASSWORD)


def test_share_lists_are_audited(engine: Engine, admin: Principal) -> None:
    do_create_agency(engine, AgencySpec(id="bnpb", name="BNPB", kind=AgencyKind.PARTNER_AGENCY))
    ref = ObjectRef(object_type="incident", object_id="42")
    marking = Marking(owner_agency="kemlu", tlp=TLP.AMBER)
    share = do_share(engine, ref, marking, agency_id="bnpb", by=admin)
    do_share(engine, ref, marking, agency_id="bnpb", by=admin)  # twice: a no-op, not audited
    assert do_unshare(engine, ref, marking, agency_id="bnpb", by=admin) == 1
    added, removed = entries(engine, object_type="incident", object_id="42")
    assert (added.action, added.actor, added.actor_agency) == ("share.add", "rina", "kemlu")
    assert added.before is None
    assert added.after == {
        "share_id": share.id,
        "agency_id": "bnpb",
        "user_id": None,
        "shared_by": admin.user_id,
        "shared_at": share.shared_at.isoformat(),
    }
    assert (removed.action, removed.before, removed.after) == ("share.remove", added.after, None)
    assert_verifies_without_secrets(engine)


def test_watchlists_and_alert_triage_are_audited(engine: Engine, admin: Principal) -> None:
    hook = "https://93.184.216.34/services/T00/B00/very-secret-key"  # the URL is the key
    spec = WatchlistSpec(name="Gempa", query="gempa", recipients=("rina",))
    watchlist = do_create_watchlist(engine, spec, by=admin)
    changed = WatchlistChanges(
        name="Gempa bumi", recipients=("rina", hook), channels=("in_app", "webhook")
    )
    do_update_watchlist(engine, watchlist.id, changed, by=admin)
    match = WatchlistMatch(
        watchlist_id=watchlist.id,
        item_id=1,
        story_key="story:s1",
        item_title="Gempa 1",
        item_url="https://antara.example/1",
        source_id="antara-id",
        matched=("gempa",),
    )
    [alert_id] = do_record_matches(engine, [match], window=timedelta(hours=1)).created
    do_acknowledge_alert(engine, alert_id, by=admin, note="looking")
    do_dismiss_alert(engine, alert_id)
    do_delete_watchlist(engine, watchlist.id, by=admin)

    create, update, delete = entries(engine, object_type="watchlist")
    assert (create.action, create.actor, (create.after or {})["name"]) == (
        "watchlist.create",
        "rina",
        "Gempa",
    )
    assert (update.action, (update.before or {})["name"], (update.after or {})["name"]) == (
        "watchlist.update",
        "Gempa",
        "Gempa bumi",
    )
    [_, kept_hook] = (update.after or {})["recipients"]
    assert kept_hook.startswith("https://93.184.216.34/... (sha256 ")
    assert (delete.action, delete.after) == ("watchlist.delete", None)
    # Matching opened the alert (DCC's own work): only the people's moves are audited.
    acked, dismissed = entries(engine, object_type="alert")
    assert (acked.action, acked.actor, acked.actor_agency) == ("alert.acknowledge", "rina", "kemlu")
    assert acked.before == {"status": "new"}
    assert acked.after == {"status": "acknowledged", "who": "rina", "note": "looking"}
    assert (dismissed.action, dismissed.actor) == ("alert.dismiss", "local-operator")
    assert (dismissed.after or {})["who"] == "local"
    assert_verifies_without_secrets(engine, "very-secret-key")


def test_source_administration_is_audited(engine: Engine, admin: Principal) -> None:
    feed = Source(
        id="antara", kind=SourceKind.RSS, url="https://antara.example/rss?key=s3cr3t", lang="id"
    )
    do_add_source(engine, feed, by=admin)
    do_sync_sources(engine, [feed])  # unchanged: nothing audited
    disabled = Source(**{**{f: getattr(feed, f) for f in feed.__slots__}, "is_enabled": False})
    other = Source(id="kompas", kind=SourceKind.RSS, url="https://kompas.example/rss")
    assert do_sync_sources(engine, [disabled, other]) == (1, 1)
    do_remove_source(engine, "kompas")
    added, updated = entries(engine, object_type="source", object_id="antara")
    assert (added.action, added.actor, added.before) == ("source.add", "rina", None)
    assert (added.after or {})["url"] == "https://antara.example/rss?key=***"
    assert (updated.action, updated.actor) == ("source.update", "local-operator")
    assert (updated.before or {})["is_enabled"] is True
    assert (updated.after or {})["is_enabled"] is False
    assert actions_of(engine, object_type="source", object_id="kompas") == [
        "source.add",
        "source.remove",
    ]
    assert_verifies_without_secrets(engine, "s3cr3t")


def test_a_refused_write_leaves_no_audit_row(engine: Engine, admin: Principal) -> None:
    before = len(entries(engine))
    with pytest.raises(AccountConflictError):
        do_create_agency(engine, AgencySpec(id="kemlu", name="again", kind=AgencyKind.MINISTRY))
    with pytest.raises(SourceConfigError, match="no source"):
        do_remove_source(engine, "nowhere")
    assert len(entries(engine)) == before
