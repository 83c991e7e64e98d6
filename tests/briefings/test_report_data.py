"""The facts of the situation report and the after-action report (pure, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_fixtures import (
    AGENCY_NAMES,
    ENTRIES,
    NOW,
    OPENED,
    TASKS,
    USER_NAMES,
    at,
    entry,
    incident,
    lombok_view,
    long_view,
    task,
)

from dcc.briefings.report_data import (
    BarState,
    DeadlineKind,
    ReportError,
    SlaState,
    after_action_report,
    situation_report,
)
from dcc.coordination.records import (
    EntryKind,
    IncidentRole,
    IncidentStatus,
    IncidentView,
    TaskStatus,
)


def sitrep(view: IncidentView | None = None, now: datetime = NOW, **options: int):
    return situation_report(
        view or lombok_view(),
        now=now,
        agency_names=AGENCY_NAMES,
        user_names=USER_NAMES,
        **options,
    )


def aar(view: IncidentView | None = None, now: datetime = NOW):
    return after_action_report(
        view or lombok_view(), now=now, agency_names=AGENCY_NAMES, user_names=USER_NAMES
    )


# --- situation report -------------------------------------------------------------------------


def test_header_names_the_incident_owner_and_roles_in_role_order():
    header = sitrep().header
    assert header.incident_id == 42
    assert header.title.startswith("Gempa M6,4 dekat Lombok Utara")
    assert header.status is IncidentStatus.ACTIVE
    assert header.owner_agency == "kemlu-pwni"
    assert header.owner_name == "Direktorat PWNI"
    assert header.generated_at == NOW
    # Incident commander first (ISO 22320 order), display names from user_names.
    assert [(r.role, r.name) for r in header.roles] == [
        (IncidentRole.INCIDENT_COMMANDER, "Rina Wulandari"),
        (IncidentRole.LIAISON, "Yuki Tanaka"),
    ]


def test_task_counts_per_agency_at_now():
    rows = {row.agency: row for row in sitrep().agency_tasks}
    assert list(rows) == ["bnpb", "bssn", "kbri-tokyo"]  # sorted by display name
    bnpb, bssn, tokyo = rows["bnpb"], rows["bssn"], rows["kbri-tokyo"]
    assert (bnpb.open, bnpb.overdue, bnpb.done, bnpb.cancelled) == (2, 0, 1, 0)
    assert (bssn.open, bssn.overdue, bssn.done, bssn.cancelled) == (0, 1, 0, 1)
    assert (tokyo.open, tokyo.overdue, tokyo.done, tokyo.cancelled) == (0, 1, 1, 0)
    assert tokyo.name == "KBRI Tokyo"
    totals = sitrep().task_totals
    assert (totals.open, totals.overdue, totals.done, totals.cancelled) == (2, 2, 2, 1)
    assert totals.total == len(TASKS)


def test_counts_move_with_now():
    # Two hours after opening nothing is late yet except the unacknowledged BSSN task
    # (acknowledgement due at +75 min); task 5 was due at +180.
    early = sitrep(now=at(120))
    assert early.task_totals.overdue == 1
    assert [o.task_id for o in early.overdue] == [3]
    # Before anything was due, nothing is overdue.
    assert sitrep(now=at(61)).task_totals.overdue == 0


def test_overdue_tasks_say_how_late_latest_first():
    overdue = sitrep().overdue
    assert [o.task_id for o in overdue] == [3, 2]
    bssn, tokyo = overdue
    # Never acknowledged: late since its acknowledgement deadline (+75 min), 7 h 45 min ago.
    assert bssn.deadline_kind is DeadlineKind.ACKNOWLEDGE
    assert bssn.deadline == at(75)
    assert bssn.late_by == timedelta(hours=7, minutes=45)
    assert bssn.agency_name == "BSSN"
    # Acknowledged, due at +420 min: two hours late, already escalated once.
    assert tokyo.deadline_kind is DeadlineKind.COMPLETE
    assert tokyo.late_by == timedelta(hours=2)
    assert tokyo.escalation_level == 1


def test_next_deadlines_are_the_open_tasks_not_yet_late_soonest_first():
    upcoming = sitrep().next_deadlines
    assert [(u.task_id, u.due_in) for u in upcoming] == [
        (4, timedelta(hours=2)),
        (7, timedelta(hours=6)),
    ]
    assert [u.task_id for u in sitrep(upcoming=1).next_deadlines] == [4]


def test_decisions_and_latest_developments():
    report = sitrep(latest=3)
    assert [d.entry_id for d in report.decisions] == [6, 9]
    assert all(d.kind is EntryKind.DECISION for d in report.decisions)
    assert [line.entry_id for line in report.latest] == [12, 11, 10]  # newest first
    escalation = report.latest[1]
    assert escalation.author == "DCC"  # no author id: the name as stored
    assert escalation.task_title == TASKS[1].title
    assert escalation.since_open == timedelta(minutes=470)
    assert sitrep(latest=0).latest == ()
    assert len(sitrep().latest) == 10


def test_links_and_attachments():
    report = sitrep()
    assert (report.links.items, report.links.stories, report.links.alerts) == (2, 1, 1)
    [attachment] = report.attachments
    assert attachment.filename == "peta_dampak_<lombok>.pdf"
    assert attachment.uploaded_by == "Dewi Lestari"
    assert attachment.tlp == "GREEN"


def test_activity_counts_entries_per_hour_with_status_changes():
    activity = sitrep().activity
    assert activity.bucket == timedelta(hours=1)
    assert activity.start == datetime(2026, 8, 5, 11, tzinfo=UTC)  # the hour it opened
    assert activity.end >= NOW
    assert sum(activity.counts) == len(ENTRIES)
    # Opened at 11:50 UTC; entries from 12:00 (seven before 13:00), 14:00, 14:50, 15:10 ...
    assert activity.counts[:6] == (0, 7, 0, 2, 1, 0)
    assert [m.status for m in activity.status_marks] == ["triage", "active"]


def test_long_incidents_count_per_day():
    later = OPENED + timedelta(days=20)
    activity = sitrep(long_view(200), now=later).activity
    assert activity.bucket == timedelta(days=1)
    assert len(activity.counts) <= 72
    # Day bars start at midnight WIB (17:00 UTC the day before).
    assert activity.start == datetime(2026, 8, 4, 17, tzinfo=UTC)
    assert sum(activity.counts) == 200


def test_report_label_is_the_incidents_or_a_stricter_sub_objects():
    assert sitrep().header.tlp == "AMBER"
    strict = (*ENTRIES, entry(99, EntryKind.COMMENT, 530, "Sumber intelijen", tlp="AMBER+STRICT"))
    assert sitrep(lombok_view(entries=strict)).header.tlp == "AMBER+STRICT"
    red_task = replace(TASKS[0], tlp="RED")
    assert sitrep(lombok_view(tasks=(red_task, *TASKS[1:]))).header.tlp == "RED"
    # A GREEN incident whose sub-objects are all GREEN or CLEAR stays GREEN.
    green = lombok_view(
        incident=incident(tlp="GREEN"),
        tasks=tuple(replace(t, tlp="GREEN") for t in TASKS),
        entries=tuple(replace(e, tlp="CLEAR") for e in ENTRIES),
    )
    report = sitrep(green)
    assert report.header.tlp == "GREEN"
    assert report.header.incident_tlp == "GREEN"


def test_an_empty_incident_reports_without_failing():
    empty = IncidentView(incident=incident(status=IncidentStatus.NEW))
    report = sitrep(empty)
    assert report.agency_tasks == ()
    assert report.task_totals.total == 0
    assert report.overdue == report.next_deadlines == report.latest == ()
    assert sum(report.activity.counts) == 0
    assert aar(empty).timeline == ()


def test_now_must_be_timezone_aware():
    with pytest.raises(ReportError, match="timezone-aware"):
        situation_report(lombok_view(), now=datetime(2026, 8, 5, 20, 50))
    with pytest.raises(ReportError):
        after_action_report(lombok_view(), now=datetime(2026, 8, 5, 20, 50))


# --- after-action report ----------------------------------------------------------------------


def test_after_action_report_has_every_entry_in_order_with_time_since_opened():
    shuffled = tuple(reversed(ENTRIES))
    report = aar(lombok_view(entries=shuffled))
    assert [line.entry_id for line in report.timeline] == [e.id for e in ENTRIES]
    assert [line.since_open for line in report.timeline] == [e.created_at - OPENED for e in ENTRIES]
    status = report.timeline[4]
    assert status.status_to == "active"


def test_after_action_report_of_a_long_incident_keeps_all_entries():
    report = aar(long_view(2000), now=OPENED + timedelta(days=5))
    assert len(report.timeline) == 2000
    assert report.timeline[-1].since_open == timedelta(minutes=3 * 1999)


def test_response_times_and_sla_per_task():
    tasks = {t.task_id: t for t in aar().tasks}
    done = tasks[1]
    assert done.time_to_acknowledge == timedelta(minutes=10)
    assert done.time_to_complete == timedelta(minutes=180)
    assert done.acknowledgement_sla is SlaState.MET
    assert done.completion_sla is SlaState.MET
    assert done.bar_state is BarState.DONE_ON_TIME
    assert done.late_by is None
    late = tasks[5]  # acknowledged at +50 (due +45), done at +250 (due +180)
    assert late.acknowledgement_sla is SlaState.MISSED
    assert late.completion_sla is SlaState.MISSED
    assert late.late_by == timedelta(minutes=70)
    assert late.bar_state is BarState.DONE_LATE
    silent = tasks[3]  # never acknowledged, due at +600: still pending at +540
    assert silent.time_to_acknowledge is None
    assert silent.acknowledgement_sla is SlaState.MISSED
    assert silent.completion_sla is SlaState.PENDING
    assert silent.bar_state is BarState.OVERDUE
    assert silent.bar_end == NOW
    overdue = tasks[2]
    assert overdue.completion_sla is SlaState.MISSED
    assert overdue.late_by == timedelta(hours=2)
    cancelled = tasks[6]
    # Cancelled at +120: after its acknowledgement deadline (+85), before its due date.
    assert cancelled.acknowledgement_sla is SlaState.MISSED
    assert cancelled.completion_sla is SlaState.NOT_APPLICABLE
    assert cancelled.bar_state is BarState.CANCELLED
    assert cancelled.bar_end == at(120)
    on_track = tasks[4]
    assert on_track.completion_sla is SlaState.PENDING
    assert on_track.bar_state is BarState.OPEN
    report = aar()
    assert report.completion_sla_count(SlaState.MET) == 1
    assert report.completion_sla_count(SlaState.MISSED) == 2
    assert report.completion_sla_count(SlaState.PENDING) == 3


def test_a_task_done_without_acknowledgement_counts_completion_as_first_response():
    quick = task(
        8,
        "bnpb",
        "Konfirmasi jumlah WNA",
        TaskStatus.DONE,
        created=10,
        ack_due=25,
        due=100,
        completed=20,
    )
    [outcome] = aar(lombok_view(tasks=(quick,))).tasks
    assert outcome.time_to_acknowledge == timedelta(minutes=10)
    assert outcome.acknowledgement_sla is SlaState.MET


def test_escalations_come_from_entries_and_from_tasks_without_one():
    report = aar()
    [escalation] = report.escalations
    assert escalation.task_id == 2
    assert escalation.level == 1
    assert escalation.to == "supervising_agency"
    # Without the (stricter, unseen) entry, the task's own record tells of it.
    without = tuple(e for e in ENTRIES if e.kind is not EntryKind.ESCALATION)
    [from_task] = aar(lombok_view(entries=without)).escalations
    assert (from_task.task_id, from_task.level, from_task.to) == (2, 1, "kemlu-pwni")
    assert from_task.at == at(470)


def test_after_action_of_a_closed_incident_ends_when_it_closed():
    closed = lombok_view(
        incident=incident(status=IncidentStatus.CLOSED, closed_at=at(600)),
    )
    report = aar(closed, now=at(60 * 24 * 3))
    assert report.ended_at == at(600)
    assert report.duration == timedelta(hours=10)
    assert report.activity.end - report.activity.bucket < at(600) + timedelta(hours=1)


@given(
    states=st.lists(
        st.tuples(
            st.sampled_from(list(TaskStatus)),
            st.sampled_from(["bnpb", "bssn", "kbri-tokyo"]),
            st.integers(min_value=0, max_value=900),
        ),
        max_size=30,
    ),
    now_minutes=st.integers(min_value=0, max_value=2000),
)
def test_counts_are_disjoint_and_cover_every_task(
    states: list[tuple[TaskStatus, str, int]], now_minutes: int
):
    tasks = tuple(
        task(
            n,
            agency,
            f"Tugas {n}",
            status,
            created=0,
            ack_due=due // 4,
            due=due,
            acknowledged=1 if status is not TaskStatus.OPEN else None,
            completed=due if status is TaskStatus.DONE else None,
        )
        for n, (status, agency, due) in enumerate(states)
    )
    report = sitrep(lombok_view(tasks=tasks), now=at(now_minutes))
    assert report.task_totals.total == len(tasks)
    assert report.task_totals.overdue == len(report.overdue)
    assert report.task_totals.open == len(
        sitrep(lombok_view(tasks=tasks), now=at(now_minutes), upcoming=100).next_deadlines
    )
    assert all(o.late_by >= timedelta(0) for o in report.overdue)
