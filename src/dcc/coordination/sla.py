"""Task deadlines, reminders and escalation ladders, pure (issue 6; STYLE rule 4).

The policy comes from a TOML file (data/sla.toml, or DCC_SLA_FILE); `decide` says, for one
task at one instant, whether to remind, escalate (and to which rung) or leave it. The clock
is always a parameter, so tests move time instead of sleeping.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dcc.coordination.errors import CoordinationError
from dcc.coordination.notify_text import late_reason
from dcc.coordination.records import Severity, Task, TaskStatus

DEFAULT_POLICY_FILE = Path(__file__).parent / "data" / "sla.toml"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Rung(enum.StrEnum):
    SUPERVISING_AGENCY = "supervising_agency"
    ON_CALL = "on_call"
    INCIDENT_COMMANDER = "incident_commander"


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    acknowledge_within: timedelta
    due_within: timedelta
    remind_before: timedelta


@dataclass(frozen=True, slots=True)
class LadderStep:
    to: Rung
    after: timedelta


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    levels: Mapping[Severity, ServiceLevel]
    ladder: tuple[LadderStep, ...]

    def level(self, severity: Severity) -> ServiceLevel:
        return self.levels[severity]


def parse_duration(text: str, *, where: str) -> timedelta:
    """ "15m" -> 15 minutes; CoordinationError naming `where` for anything else."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise CoordinationError(f"{where}: {text!r} is not a duration like 15m, 2h or 3d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def load_policy(path: Path | None = None) -> SlaPolicy:
    """The SLA policy in `path` (default: data/sla.toml); CoordinationError naming the file
    and the offending entry when it is incomplete or malformed."""
    source = path or DEFAULT_POLICY_FILE
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CoordinationError(f"cannot read the SLA policy {source}: {exc}") from exc
    return policy_from_mapping(raw, where=str(source))


def policy_from_mapping(raw: Mapping[str, Any], *, where: str = "SLA policy") -> SlaPolicy:
    severities = raw.get("severity")
    if not isinstance(severities, Mapping):
        raise CoordinationError(f"{where}: no [severity.*] tables")
    levels: dict[Severity, ServiceLevel] = {}
    for severity in Severity:
        entry = severities.get(severity.value)
        if not isinstance(entry, Mapping):
            raise CoordinationError(f"{where}: no [severity.{severity.value}] table")
        at = f"{where} [severity.{severity.value}]"
        levels[severity] = ServiceLevel(
            acknowledge_within=parse_duration(entry.get("acknowledge_within", ""), where=at),
            due_within=parse_duration(entry.get("due_within", ""), where=at),
            remind_before=parse_duration(entry.get("remind_before", ""), where=at),
        )
    steps = raw.get("ladder", [])
    if not isinstance(steps, list):
        raise CoordinationError(f"{where}: [[ladder]] must be a list of rungs")
    ladder: list[LadderStep] = []
    for number, step in enumerate(steps, start=1):
        at = f"{where} ladder rung {number}"
        target = step.get("to") if isinstance(step, Mapping) else None
        if target not in {r.value for r in Rung}:
            names = ", ".join(r.value for r in Rung)
            raise CoordinationError(f"{at}: 'to' is {target!r}, not one of {names}")
        ladder.append(LadderStep(Rung(target), parse_duration(step.get("after", ""), where=at)))
    return SlaPolicy(levels=levels, ladder=tuple(ladder))


def deadlines(policy: SlaPolicy, severity: Severity, now: datetime) -> tuple[datetime, datetime]:
    """(acknowledge by, due by) of a task assigned at `now` on an incident of `severity`."""
    level = policy.level(severity)
    return now + level.acknowledge_within, now + level.due_within


def late_since(task: Task) -> datetime:
    """When an open task became (or becomes) late: its deadline, or its acknowledgement
    deadline while it is still unacknowledged, whichever comes first."""
    if task.status is TaskStatus.OPEN:
        return min(task.ack_due_at, task.due_at)
    return task.due_at


def is_unacknowledged_late(task: Task) -> bool:
    """Whether the task is (or will be) late for want of an acknowledgement, rather than of
    being done: still open and due to be acknowledged no later than done (when both fall at
    once, the missing acknowledgement is the first thing wrong)."""
    return task.status is TaskStatus.OPEN and task.ack_due_at <= task.due_at


def is_overdue(task: Task, now: datetime) -> bool:
    return task.is_open and now >= late_since(task)


@dataclass(frozen=True, slots=True)
class Remind:
    """Remind the assigned agency that the task is due soon."""


@dataclass(frozen=True, slots=True)
class Escalate:
    """Climb to rung `level` (1-based) of the ladder, whose target is `to`, because the task
    is `late_minutes` past its deadline (its acknowledgement deadline when `unacknowledged`);
    `reason` says so in English. `passed` lists the rungs climbed over on the way (a sweep
    that ran late)."""

    level: int
    to: Rung
    late_minutes: int
    unacknowledged: bool = False
    passed: tuple[Rung, ...] = ()

    @property
    def reason(self) -> str:
        return late_reason(self.unacknowledged, self.late_minutes)


Decision = Remind | Escalate | None


def decide(task: Task, policy: SlaPolicy, severity: Severity, now: datetime) -> Decision:
    """What to do about `task` at `now`: escalate to the highest rung now due that it has not
    reached, else remind once before the deadline, else nothing."""
    if not task.is_open:
        return None
    since = late_since(task)
    if now >= since:
        due_rung = 0
        threshold = since
        for number, step in enumerate(policy.ladder, start=1):
            threshold += step.after
            if now >= threshold:
                due_rung = number
        if due_rung > task.escalation_level:
            step = policy.ladder[due_rung - 1]
            passed = tuple(s.to for s in policy.ladder[task.escalation_level : due_rung - 1])
            late_minutes = int((now - since).total_seconds() // 60)
            return Escalate(due_rung, step.to, late_minutes, is_unacknowledged_late(task), passed)
        return None
    level = policy.level(severity)
    if task.reminded_at is None and now >= task.due_at - level.remind_before:
        return Remind()
    return None
