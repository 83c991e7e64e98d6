"""Coordination benchmark (issue 6): what a busy national watch floor asks of the coordination
store on SQLite, in embedded mode, through the real actions and queries.

    .venv/bin/python bench/coordination.py [--incidents 1000] [--tasks-per-incident 5]

Builds (in a temporary database) incidents with tasks for several agencies, comments and
shares, as the actions write them (timeline, notifications and audit rows included); then
prints: the time to write them, one escalation sweep over every open task (nothing due, then
everything late), the incident list and "my agency's tasks" as a liaison (need-to-know in the
SQL), one incident's page data, the situation and after-action reports of an incident with a
2,000-entry timeline as PDF, and `dcc audit verify` over the whole trail.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select

from dcc.accounts.actions import do_create_agency, do_create_user
from dcc.accounts.passwords import use_hasher
from dcc.accounts.queries import get_user_by_username, principal_of
from dcc.accounts.records import AgencyKind, AgencySpec, Principal, Role, UserSpec
from dcc.briefings.sitrep import after_action_pdf, after_action_report, sitrep_pdf, situation_report
from dcc.coordination.actions import do_open_incident
from dcc.coordination.audit import verify_audit
from dcc.coordination.escalation import do_escalation_sweep
from dcc.coordination.queries import incident_view, list_incidents, list_tasks
from dcc.coordination.records import IncidentKind, IncidentSpec, Severity, TaskSpec
from dcc.coordination.task_actions import do_assign_to_agencies
from dcc.coordination.timeline_actions import do_comment
from dcc.store.database import create_db_engine
from dcc.store.migrate import migrate
from dcc.store.schema import audit_log

T = TypeVar("T")
T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PARTNERS = ["bnpb", "bssn", "polri", "kemenkes", "kbri-tokyo", "kbri-canberra", "pemprov-ntb"]


def timed(label: str, action: Callable[[], T], *, repeat: int = 1) -> T:
    times: list[float] = []
    result: T
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    if repeat == 1:
        print(f"{label}: {times[0] * 1000:,.1f} ms")
    else:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"{label}: p50 {statistics.median(times) * 1000:,.1f} ms, "
            f"p95 {p95 * 1000:,.1f} ms (n={repeat})"
        )
    return result


def people(engine: Engine) -> tuple[Principal, dict[str, Principal]]:
    # Nobody signs in here: no need for production-strength (slow) password hashing.
    use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    do_create_agency(engine, AgencySpec("kemlu", "Kementerian Luar Negeri", AgencyKind.MINISTRY))
    analyst = do_create_user(engine, UserSpec("ana", "kemlu", Role.ANALYST), None)
    liaisons = {}
    for agency in PARTNERS:
        do_create_agency(engine, AgencySpec(agency, agency.upper(), AgencyKind.PARTNER_AGENCY))
        user = do_create_user(engine, UserSpec(f"lia-{agency}", agency, Role.LIAISON), None)
        liaisons[agency] = principal_of(user)
    return principal_of(analyst), liaisons


def build(engine: Engine, incidents: int, per_incident: int) -> tuple[list[int], Principal]:
    analyst, liaisons = people(engine)
    ids = []
    for n in range(incidents):
        spec = IncidentSpec(
            f"Insiden {n}: banjir dan gangguan layanan", IncidentKind.DISASTER, Severity.HIGH
        )
        incident = do_open_incident(engine, spec, by=analyst, now=T0)
        agencies = [PARTNERS[(n + k) % len(PARTNERS)] for k in range(per_incident)]
        do_assign_to_agencies(
            engine, incident.id, TaskSpec("Laporan situasi", ""), agencies, by=analyst, now=T0
        )
        do_comment(engine, incident.id, "Mohon laporan setiap 2 jam", by=analyst, now=T0)
        ids.append(incident.id)
    return ids, liaisons["bnpb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--tasks-per-incident", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        tasks_total = args.incidents * args.tasks_per_incident
        start = time.perf_counter()
        ids, liaison = build(engine, args.incidents, args.tasks_per_incident)
        elapsed = time.perf_counter() - start
        print(
            f"wrote {args.incidents:,} incidents, {tasks_total:,} tasks, comments, shares, "
            f"notifications and audit rows in {elapsed:.1f} s "
            f"({elapsed / args.incidents * 1000:.1f} ms per incident with its tasks)"
        )
        timed("sweep, nothing due", lambda: do_escalation_sweep(engine, now=T0))
        steps = timed(
            f"sweep, all {tasks_total:,} tasks late (escalate each)",
            lambda: do_escalation_sweep(engine, now=T0 + timedelta(hours=1, minutes=5)),
        )
        print(f"  escalated {len(steps):,} tasks")
        timed(
            "sweep again, nothing more due",
            lambda: do_escalation_sweep(engine, now=T0 + timedelta(hours=1, minutes=6)),
        )
        with engine.connect() as conn:
            visible = timed(
                "incident list as a liaison (100 newest)",
                lambda: list_incidents(conn, liaison, limit=100),
                repeat=20,
            )
            print(f"  {len(visible)} incidents listed")
            mine = timed(
                "my agency's tasks as a liaison",
                lambda: list_tasks(conn, liaison, agency_id="bnpb", user_id=liaison.user_id),
                repeat=20,
            )
            print(f"  {len(mine)} tasks")
            timed(
                "one incident's page data as a liaison",
                lambda: incident_view(conn, liaison, visible[0].id),
                repeat=20,
            )
        analyst = analyst_of(engine)
        incident_id = ids[0]
        for n in range(2000):
            do_comment(
                engine,
                incident_id,
                f"Perkembangan ke-{n}: laporan diterima",
                by=analyst,
                now=T0 + timedelta(minutes=n),
            )
        with engine.connect() as conn:
            view = incident_view(conn, analyst, incident_id)
        now = T0 + timedelta(days=2)
        timed(
            f"situation report PDF ({len(view.entries):,} timeline entries)",
            lambda: sitrep_pdf(situation_report(view, now=now)),
        )
        timed(
            f"after-action report PDF ({len(view.entries):,} timeline entries)",
            lambda: after_action_pdf(after_action_report(view, now=now)),
        )
        with engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
            start = time.perf_counter()
            report = verify_audit(conn)
            spent = time.perf_counter() - start
        assert report.ok, report.problems
        print(f"audit verify: {rows:,} rows in {spent * 1000:,.0f} ms ({rows / spent:,.0f} rows/s)")
        engine.dispose()


def analyst_of(engine: Engine) -> Principal:
    with engine.connect() as conn:
        user = get_user_by_username(conn, "ana")
    assert user is not None
    return principal_of(user)


if __name__ == "__main__":
    main()
