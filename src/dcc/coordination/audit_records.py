"""Records of the audit trail (issue 6; STYLE rule 5): one entry per write, and what
`verify_audit` found. docs/audit.md describes the rules for people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The prev_hash of the first row, and audit_head's hash before any row (migration 0009).
GENESIS_HASH = "0" * 64
# Who acts when no signed-in user does: the command line, run by the machine's operator.
LOCAL_OPERATOR_ACTOR = "local-operator"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail: who did what to which object, when, before and after.

    `hash` is SHA-256 of `prev_hash` and the row's canonical JSON (audit.entry_hash).
    """

    seq: int
    at: datetime
    actor: str  # a username, "local-operator", or a system actor such as "dcc:escalation"
    actor_agency: str | None
    action: str  # a dotted verb: "incident.open", "user.create", "share.add"
    object_type: str
    object_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One thing wrong with the chain, in words; `seq` is the row it concerns (None when it
    concerns the head or the whole table)."""

    seq: int | None
    what: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What `verify_audit` found: `ok` when every row and the head agree.

    `head_seq` and `head_hash` are audit_head's; an operator who records the hash outside
    DCC can later tell a wholesale rewrite of the table and head (docs/audit.md, "Limits").
    """

    ok: bool
    rows_checked: int
    head_seq: int | None
    head_hash: str | None
    problems: tuple[AuditProblem, ...] = ()
