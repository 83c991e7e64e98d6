"""Incidents, tasks for agencies, comments, attachments and escalation on both databases:
need-to-know between agencies, refusals with reasons (and audited), the injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from dcc.accounts.actions import do_create_agency
from dcc.accounts.errors import AccountNotFoundError, PermissionDeniedError
from dcc.accounts.queries import principal_of
from dcc.accounts.records import AgencyKind, AgencySpec, Principal, Role
from dcc.coordination.actions import (
    do_assign_role,
    do_change_incident_status,
    do_open_incident,
)
from dcc.coordination.errors import (
    AttachmentError,
    ClosedIncidentError,
    CoordinationError,
    IllegalTransitionError,
    IncidentNotFoundError,
    TaskNotFoundError,
)
from dcc.coordination.escalation import do_escalation_sweep
from dcc.coordination.notify import do_mark_notifications_read
from dcc.coordination.queries import (
    get_task,
    incident_view,
    list_entries,
    list_incidents,
    list_notifications,
    list_tasks,
)
from dcc.coordination.records import (
    EntryKind,
    IncidentKind,
    IncidentRole,
    IncidentSpec,
    IncidentStatus,
    NotificationKind,
    Severity,
    TaskSpec,
    TaskStatus,
)
from dcc.coordination.sharing import (
    SharedObject,
    do_share_object,
    do_unshare_object,
    object_access,
)
from dcc.coordination.task_actions import (
    do_assign_to_agencies,
    do_change_task_status,
    do_create_task,
    do_reassign_task,
)
from dcc.coordination.timeline_actions import do_add_attachment, do_comment, read_attachment
from dcc.store.schema import audit_log, notification_deliveries, on_call, user_contacts
from web_helpers import make_user

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Desk:
    engine: Engine
    analyst: Principal  # kemlu, owns the incidents
    liaison_a: Principal  # bnpb
    liaison_b: Principal  # bssn
    officer_osaka: Principal  # konjen-osaka, supervised by kbri-tokyo
    tokyo: Principal  # kbri-tokyo


def _principal(engine: Engine, username: str, role: Role, agency: str) -> Principal:
    return principal_of(make_user(engine, username, role=role, agency=agency))


@pytest.fixture
def desk(engine: Engine) -> Desk:
    analyst = _principal(engine, "ana", Role.ANALYST, "kemlu")
    do_create_agency(engine, AgencySpec("kbri-tokyo", "KBRI Tokyo", AgencyKind.EMBASSY))
    do_create_agency(
        engine, AgencySpec("konjen-osaka", "KJRI Osaka", AgencyKind.CONSULATE, "kbri-tokyo")
    )
    return Desk(
        engine=engine,
        analyst=analyst,
        liaison_a=_principal(engine, "lia-a", Role.LIAISON, "bnpb"),
        liaison_b=_principal(engine, "lia-b", Role.LIAISON, "bssn"),
        officer_osaka=_principal(engine, "osaka", Role.OFFICER, "konjen-osaka"),
        tokyo=_principal(engine, "tokyo", Role.OFFICER, "kbri-tokyo"),
    )


def _incident(desk: Desk, *, tlp: str = "AMBER", severity: Severity = Severity.HIGH) -> int:
    spec = IncidentSpec("Gempa M6.2 dekat Lombok", IncidentKind.DISASTER, severity, tlp=tlp)
    return do_open_incident(desk.engine, spec, by=desk.analyst, now=T0).id


def _audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_each_agency_sees_its_own_task_and_never_the_others(desk: Desk) -> None:
    incident_id = _incident(desk)
    task_a, task_b = do_assign_to_agencies(
        desk.engine,
        incident_id,
        TaskSpec("Laporan dampak", assigned_agency=""),
        ["bnpb", "bssn"],
        by=desk.analyst,
        now=T0,
    )
    engine = desk.engine
    with engine.connect() as conn:
        seen_by_a = incident_view(conn, desk.liaison_a, incident_id)
        assert [t.id for t in seen_by_a.tasks] == [task_a.id]
        assert get_task(conn, desk.liaison_a, task_b.id) is None
        assert [t.id for t in list_tasks(conn, desk.liaison_b)] == [task_b.id]
        texts = " ".join(e.body for e in seen_by_a.entries)
        assert f"#{task_a.id}" in texts and f"#{task_b.id}" not in texts
        assert "Incident opened" in texts
        # The owner agency sees both.
        assert len(incident_view(conn, desk.analyst, incident_id).tasks) == 2
    # A completes its task; cannot touch B's, nor manage the incident.
    do_change_task_status(engine, task_a.id, TaskStatus.DONE, outcome="Terkirim", by=desk.liaison_a)
    with pytest.raises(TaskNotFoundError):
        do_change_task_status(engine, task_b.id, TaskStatus.DONE, by=desk.liaison_a)
    with pytest.raises(PermissionDeniedError):
        do_change_incident_status(engine, incident_id, IncidentStatus.ACTIVE, by=desk.liaison_a)
    with pytest.raises(TaskNotFoundError):
        do_comment(engine, incident_id, "intip", task_id=task_b.id, by=desk.liaison_a)
    actions = _audit_actions(engine)
    assert "task.assign" in actions and "task.status" in actions
    assert "incident.status.refused" in actions


def test_an_agency_without_a_share_does_not_see_the_incident(desk: Desk) -> None:
    incident_id = _incident(desk)
    with desk.engine.connect() as conn:
        assert list_incidents(conn, desk.liaison_a) == []
    with pytest.raises(IncidentNotFoundError):
        do_comment(desk.engine, incident_id, "halo", by=desk.liaison_a)
    do_share_object(
        desk.engine, SharedObject.INCIDENT, incident_id, agency_id="bnpb", by=desk.analyst
    )
    with desk.engine.connect() as conn:
        assert [i.id for i in list_incidents(conn, desk.liaison_a)] == [incident_id]
        access = object_access(conn, desk.liaison_a, SharedObject.INCIDENT, incident_id)
        assert "shared with your agency (bnpb)" in access.reason


def test_illegal_transitions_and_closed_incidents_are_refused_and_audited(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    with pytest.raises(IllegalTransitionError, match="from new to monitoring"):
        do_change_incident_status(engine, incident_id, IncidentStatus.MONITORING, by=desk.analyst)
    do_change_incident_status(engine, incident_id, IncidentStatus.ACTIVE, by=desk.analyst)
    do_change_incident_status(engine, incident_id, IncidentStatus.CLOSED, by=desk.analyst)
    with pytest.raises(ClosedIncidentError, match="reopen"):
        do_comment(engine, incident_id, "satu lagi", by=desk.analyst)
    with pytest.raises(ClosedIncidentError):
        do_create_task(engine, incident_id, TaskSpec("x", "bnpb"), by=desk.analyst)
    do_change_incident_status(
        engine, incident_id, IncidentStatus.ACTIVE, note="gempa susulan", by=desk.analyst
    )
    do_comment(engine, incident_id, "dibuka lagi", by=desk.analyst)
    actions = _audit_actions(engine)
    assert actions.count("incident.status.refused") == 1
    assert actions.count("entry.add.refused") == 1 and actions.count("task.assign.refused") == 1
    with engine.connect() as conn:
        refusal = conn.execute(
            select(audit_log.c.after).where(audit_log.c.action == "incident.status.refused")
        ).scalar_one()
    assert "from new to monitoring" in refusal["reason"]


def test_tasks_for_unknown_or_unshareable_agencies_are_refused(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    with pytest.raises(AccountNotFoundError, match="no agency 'nowhere'"):
        do_create_task(engine, incident_id, TaskSpec("x", "nowhere"), by=desk.analyst)
    red = _incident(desk, tlp="RED")
    with pytest.raises(CoordinationError, match="RED is for named people"):
        do_create_task(engine, red, TaskSpec("x", "bnpb"), by=desk.analyst)
    with pytest.raises(CoordinationError, match="not a user of bnpb"):
        do_create_task(
            engine, incident_id, TaskSpec("x", "bnpb", assignee="lia-b"), by=desk.analyst
        )


def test_reassigning_moves_need_to_know_with_the_work(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    task = do_create_task(
        engine, incident_id, TaskSpec("Analisis malware", "bnpb"), by=desk.analyst
    )
    do_reassign_task(engine, task.id, "bssn", by=desk.analyst)
    with engine.connect() as conn:
        assert get_task(conn, desk.liaison_a, task.id) is None
        assert get_task(conn, desk.liaison_b, task.id) is not None


def test_comments_inherit_or_restrict_and_mentions_tell_readers_only(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    task_a = do_create_task(engine, incident_id, TaskSpec("Evakuasi", "bnpb"), by=desk.analyst)
    do_create_task(engine, incident_id, TaskSpec("Forensik", "bssn"), by=desk.analyst)
    open_note = do_comment(engine, incident_id, "Update untuk semua @lia-a", by=desk.analyst)
    restricted = do_comment(
        engine, incident_id, "Internal kemlu saja", restricted=True, by=desk.analyst
    )
    on_task = do_comment(
        engine, incident_id, "Tim sudah berangkat", task_id=task_a.id, by=desk.liaison_a
    )
    with pytest.raises(CoordinationError, match="@lia-b cannot read this comment"):
        do_comment(engine, incident_id, "cc @lia-b", restricted=True, by=desk.analyst)
    with engine.connect() as conn:
        ids_a = {e.id for e in list_entries(conn, desk.liaison_a, incident_id)}
        ids_b = {e.id for e in list_entries(conn, desk.liaison_b, incident_id)}
        ids_owner = {e.id for e in list_entries(conn, desk.analyst, incident_id)}
        notified = list_notifications(conn, desk.liaison_a)
    assert open_note.id in ids_a and open_note.id in ids_b
    assert restricted.id not in ids_a | ids_b and restricted.id in ids_owner
    assert on_task.id in ids_a and on_task.id not in ids_b and on_task.id in ids_owner
    assert open_note.data["mentions"] == ["lia-a"]
    kinds = {n.kind for n in notified}
    assert NotificationKind.MENTION in kinds and NotificationKind.ASSIGNED in kinds
    # An agency only decides for incidents it manages.
    with pytest.raises(PermissionDeniedError):
        do_comment(engine, incident_id, "keputusan", kind=EntryKind.DECISION, by=desk.liaison_a)


def test_attachments_are_checked_stored_outside_and_marked(desk: Desk, tmp_path: Path) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    task_a = do_create_task(engine, incident_id, TaskSpec("Peta", "bnpb"), by=desk.analyst)
    attachment = do_add_attachment(
        engine, incident_id, "peta.pdf", PDF, declared_type="application/pdf",
        task_id=task_a.id, by=desk.liaison_a, root=tmp_path,
    )  # fmt: skip
    assert (tmp_path / attachment.sha256[:2] / attachment.sha256).read_bytes() == PDF
    _, content = read_attachment(engine, attachment.id, desk.analyst, root=tmp_path)
    assert content == PDF
    with pytest.raises(Exception, match="no attachment"):
        read_attachment(engine, attachment.id, desk.liaison_b, root=tmp_path)
    with pytest.raises(AttachmentError, match="lies about its type"):
        do_add_attachment(
            engine, incident_id, "foto.png", PDF, declared_type="image/png",
            by=desk.analyst, root=tmp_path,
        )  # fmt: skip
    assert "attachment.add.refused" in _audit_actions(engine)


def test_an_overdue_task_climbs_the_ladder_on_an_injected_clock(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk, severity=Severity.HIGH)
    do_assign_role(engine, incident_id, IncidentRole.OPERATIONS, "tokyo", by=desk.analyst, now=T0)
    task = do_create_task(
        engine, incident_id, TaskSpec("Data WNI di Osaka", "konjen-osaka"), by=desk.analyst, now=T0
    )
    duty = make_user(engine, "duty", role=Role.OFFICER, agency="kemlu")
    with engine.begin() as conn:
        conn.execute(
            insert(on_call).values(
                agency_id="kemlu", user_id=duty.id, starts_at=T0, ends_at=T0 + timedelta(days=1),
                created_at=T0,
            )
        )  # fmt: skip
        conn.execute(
            insert(user_contacts).values(user_id=duty.id, email="duty@kemlu.go.id", updated_at=T0)
        )
    # The supervising embassy cannot see the consulate's task before it escalates.
    with engine.connect() as conn:
        assert get_task(conn, desk.tokyo, task.id) is None
    assert do_escalation_sweep(engine, now=T0 + timedelta(minutes=59)) == []
    steps = do_escalation_sweep(engine, now=T0 + timedelta(hours=1))
    assert [(s.task_id, s.level, s.to_agency) for s in steps] == [(task.id, 1, "kbri-tokyo")]
    assert do_escalation_sweep(engine, now=T0 + timedelta(hours=1, minutes=5)) == []
    with engine.connect() as conn:
        escalated = get_task(conn, desk.tokyo, task.id)
        assert escalated is not None and escalated.escalation_level == 1
        kinds = {n.kind for n in list_notifications(conn, desk.tokyo)}
        assert NotificationKind.ESCALATION in kinds
        assert NotificationKind.OVERDUE in {
            n.kind for n in list_notifications(conn, desk.officer_osaka)
        }
    steps = do_escalation_sweep(engine, now=T0 + timedelta(hours=1, minutes=30))
    assert [(s.level, s.to_user) for s in steps] == [(2, duty.id)]
    with engine.connect() as conn:
        emails = (
            conn.execute(
                select(notification_deliveries.c.recipient).where(
                    notification_deliveries.c.channel == "email"
                )
            )
            .scalars()
            .all()
        )
        assert "duty@kemlu.go.id" in emails
        timeline = [e.body for e in list_entries(conn, desk.analyst, incident_id)]
    assert any("escalated to kbri-tokyo" in line for line in timeline)
    assert any("escalated to duty" in line for line in timeline)
    assert _audit_actions(engine).count("task.escalate") == 2
    # Acknowledged and done: the ladder stops.
    do_change_task_status(engine, task.id, TaskStatus.DONE, by=desk.officer_osaka)
    assert do_escalation_sweep(engine, now=T0 + timedelta(days=3)) == []


def test_an_escalation_target_acts_and_finds_the_task_as_its_own(desk: Desk) -> None:
    engine = desk.engine
    incident_id = _incident(desk)
    task = do_create_task(
        engine, incident_id, TaskSpec("Data WNI", "konjen-osaka"), by=desk.analyst, now=T0
    )
    do_escalation_sweep(engine, now=T0 + timedelta(hours=1))
    with engine.connect() as conn:
        mine = list_tasks(conn, desk.tokyo, agency_id="kbri-tokyo", user_id=desk.tokyo.user_id)
    assert [t.id for t in mine] == [task.id]
    done = do_change_task_status(engine, task.id, TaskStatus.DONE, by=desk.tokyo)
    assert done.status is TaskStatus.DONE


def test_notifications_are_read_per_user_and_follow_the_shares(desk: Desk) -> None:
    engine = desk.engine
    colleague = principal_of(make_user(engine, "lia-a2", role=Role.LIAISON, agency="bnpb"))
    incident_id = _incident(desk)
    do_create_task(engine, incident_id, TaskSpec("Evakuasi", "bnpb"), by=desk.analyst)
    with engine.connect() as conn:
        [note] = list_notifications(conn, desk.liaison_a)
    assert note.agency_id == "bnpb" and note.read_at is None
    marked = do_mark_notifications_read(
        engine, user_id=desk.liaison_a.user_id, agency_id="bnpb", ids=[note.id], at=T0
    )
    assert marked == 1
    with engine.connect() as conn:
        assert list_notifications(conn, desk.liaison_a, unread_only=True) == []
        assert [n.id for n in list_notifications(conn, colleague, unread_only=True)] == [note.id]
        # Someone else's id is ignored.
        assert (
            do_mark_notifications_read(
                engine, user_id=desk.liaison_b.user_id, agency_id="bssn", ids=[note.id], at=T0
            )
            == 0
        )
    do_unshare_object(engine, SharedObject.INCIDENT, incident_id, agency_id="bnpb", by=desk.analyst)
    with engine.connect() as conn:
        assert list_notifications(conn, colleague) == []


def test_red_tasks_go_to_named_people_and_markings_never_loosen(desk: Desk) -> None:
    engine = desk.engine
    red = _incident(desk, tlp="RED")
    with pytest.raises(CoordinationError, match="cannot go to agency kemlu: RED is for named"):
        do_create_task(engine, red, TaskSpec("x", "kemlu"), by=desk.analyst)
    with pytest.raises(CoordinationError, match="osaka cannot read the TLP:RED incident"):
        do_create_task(
            engine, red, TaskSpec("x", "konjen-osaka", assignee="osaka"), by=desk.analyst
        )
    do_share_object(engine, SharedObject.INCIDENT, red, username="osaka", by=desk.analyst)
    task = do_create_task(
        engine, red, TaskSpec("Hubungi keluarga", "konjen-osaka", assignee="osaka"), by=desk.analyst
    )
    with engine.connect() as conn:
        assert get_task(conn, desk.officer_osaka, task.id) is not None
        # The named person reads the RED incident's timeline; its agency hears nothing.
        assert list_entries(conn, desk.officer_osaka, red)
        assert list_notifications(conn, desk.tokyo) == []
        agency_notes = [n for n in list_notifications(conn, desk.officer_osaka) if n.agency_id]
    assert agency_notes == []
    amber = _incident(desk)
    loose = do_create_task(engine, amber, TaskSpec("x", "bnpb", tlp="CLEAR"), by=desk.analyst)
    assert loose.tlp == "AMBER"
    green = _incident(desk, tlp="GREEN")
    note = do_comment(engine, green, "Hanya kemlu", restricted=True, by=desk.analyst)
    assert note.tlp == "AMBER"
    with engine.connect() as conn:
        ids = {
            e.id
            for e in list_entries(
                conn,
                principal_of(make_user(engine, "obi", role=Role.OFFICER, agency="kbri-tokyo")),
                green,
            )
        }
    assert note.id not in ids and ids  # the GREEN timeline, not the restricted note
