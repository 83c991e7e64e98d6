"""The audit trail (issue 6, DESIGN §5): an append-only, hash-chained log of every write people
make (and DCC's own system actors), and the check that it was not changed since.

Writers call `record_audit` inside their own transaction, so the row commits or rolls back
with the write it describes. Each row's `hash` is SHA-256 of the previous row's hash followed
by the row's canonical JSON (`entry_hash`); audit_head keeps the last seq and hash, so that
changing, deleting, reordering or adding rows, and cutting rows off the end, all show in
`verify_audit` (`dcc audit verify`). docs/audit.md has the rules and their limit.

    >>> entry_hash(GENESIS_HASH, {"seq": 1, "action": "user.create"})[:12]
    'a04fba89ecad'
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    String,
    Text,
    cast,
    insert,
    select,
    type_coerce,
    update,
)

from dcc.accounts.records import Principal
from dcc.coordination.audit_records import (
    GENESIS_HASH,
    LOCAL_OPERATOR_ACTOR,
    AuditEntry,
    AuditProblem,
    AuditReport,
)
from dcc.coordination.errors import AuditChainError
from dcc.store.schema import audit_head, audit_log

__all__ = [
    "GENESIS_HASH",
    "LOCAL_OPERATOR_ACTOR",
    "REDACTED",
    "AuditEntry",
    "AuditProblem",
    "AuditReport",
    "audit_history",
    "canonical_json",
    "entry_hash",
    "list_audit",
    "record_audit",
    "require_intact_audit",
    "verify_audit",
]

# What a secret's value is replaced with (the key stays, so the trail shows it was there).
REDACTED = "[redacted]"
# Keys whose values are never stored, whatever the caller passes (compared lower-cased, with
# "-" read as "_"), and the endings that mark one ("smtp_password", "webhook_secret").
_SECRET_KEYS = frozenset(
    {
        "password",
        "password_hash",
        "secret",
        "token",
        "token_hash",
        "csrf_secret",
        "api_key",
        "private_key",
    }
)
_SECRET_ENDINGS = ("_password", "_password_hash", "_secret", "_token", "_token_hash", "_api_key")
# Flags about a secret ("has_password", "is_token_live") say nothing secret.
_FLAG_PREFIXES = ("has_", "is_")

# Column sizes of audit_log (store/schema.py).
_MAX_ACTOR = 100
_MAX_AGENCY = 64
_MAX_ACTION = 60
_MAX_OBJECT_TYPE = 40
_MAX_OBJECT_ID = 200

# verify_audit reads this many rows at a time (bounded memory on millions of rows) ...
_CHUNK = 1000
# ... remembers the hashes of this many recent rows, and looks this far for where a moved
# row was written ("rows out of order").
_WINDOW = 64
# Moved rows are looked for among the first this-many changed rows only (each costs
# 2 * _WINDOW hashes), and at most this many problems are listed (the rest are counted).
_MAX_DIAGNOSED = 100
MAX_PROBLEMS = 1000


# --- writing ---------------------------------------------------------------------------------


def record_audit(
    conn: Connection,
    *,
    actor: Principal | str | None,
    action: str,
    object_type: str,
    object_id: str | int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one row to the audit trail, in the caller's transaction (`with engine.begin()`),
    so that it commits or rolls back with the write it describes.

    `actor`: the signed-in Principal (its username and agency are kept), None for the local
    operator (the command line: "local-operator"), or a system actor's name ("dcc:escalation").
    `action` is a dotted verb ("incident.open", "task.assign", "share.add"); `before` and
    `after` are the object's state around the write (None where it did not exist), JSON-able:
    datetimes become ISO 8601, enums their value, sets and tuples lists.

    Never pass secrets: password hashes, session or API tokens (or their hashes), CSRF and
    webhook secrets. As a guard, a value under a key named like one (password, password_hash,
    secret, token, token_hash, csrf_secret, or ending so: "smtp_password") is stored as
    "[redacted]"; record that a password changed, and a token's name and prefix.

    Writers are serialised on audit_head: the head row is updated first, which takes
    PostgreSQL's row lock and SQLite's write lock before anything is read, and holds them to
    the end of the transaction. Record the audit row late in the transaction (it then holds
    the lock briefly), and never wait there on another transaction that writes.
    """
    name, agency = _actor_of(actor)
    when = _checked_at(at)
    action = _checked_name("action", action, _MAX_ACTION)
    object_type = _checked_name("object type", object_type, _MAX_OBJECT_TYPE)
    object_key = _checked_name("object id", str(object_id), _MAX_OBJECT_ID)
    before_json = _snapshot(before)
    after_json = _snapshot(after)
    head = conn.execute(
        update(audit_head)
        .where(audit_head.c.id == 1)
        .values(last_seq=audit_head.c.last_seq + 1)
        .returning(audit_head.c.last_seq, audit_head.c.last_hash)
    ).first()
    if head is None:
        raise AuditChainError("audit_head has no row 1 (migration 0009 makes it); nothing audited")
    seq, prev_hash = int(head.last_seq), str(head.last_hash)
    digest = entry_hash(
        prev_hash,
        hashed_fields(
            seq=seq,
            at=when,
            actor=name,
            actor_agency=agency,
            action=action,
            object_type=object_type,
            object_id=object_key,
            before=before_json,
            after=after_json,
        ),
    )
    conn.execute(
        insert(audit_log).values(
            seq=seq,
            at=when,
            actor=name,
            actor_agency=agency,
            action=action,
            object_type=object_type,
            object_id=object_key,
            before=before_json,
            after=after_json,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(last_hash=digest))
    return AuditEntry(
        seq=seq,
        at=when,
        actor=name,
        actor_agency=agency,
        action=action,
        object_type=object_type,
        object_id=object_key,
        before=before_json,
        after=after_json,
        prev_hash=prev_hash,
        hash=digest,
    )


def _actor_of(actor: Principal | str | None) -> tuple[str, str | None]:
    if actor is None:
        return LOCAL_OPERATOR_ACTOR, None
    if isinstance(actor, Principal):
        name, agency = actor.username, actor.agency_id
        return _checked_name("actor", name, _MAX_ACTOR), _checked_name(
            "actor agency", agency, _MAX_AGENCY
        )
    if isinstance(actor, str):
        return _checked_name("actor", actor, _MAX_ACTOR), None
    raise TypeError(f"audit actor {actor!r} is not a Principal, None or a name")


def _checked_name(what: str, value: str, limit: int) -> str:
    if not value or not value.strip():
        raise ValueError(f"the audit {what} is empty")
    if len(value) > limit:
        raise ValueError(f"the audit {what} {value[:40]!r}... is {len(value)} characters; {limit}")
    return value


def _checked_at(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(tz=UTC)
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} given; the audit trail keeps timezone-aware UTC")
    return at.astimezone(UTC)


# --- the hash rule ---------------------------------------------------------------------------


def hashed_fields(
    *,
    seq: int,
    at: datetime,
    actor: str,
    actor_agency: str | None,
    action: str,
    object_type: str,
    object_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The fields of a row that its hash covers, as they are hashed (`at`: ISO 8601 UTC with
    microseconds)."""
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "actor_agency": actor_agency,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
    }


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text as is: the same value always gives the same text."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the previous row's hash followed by this row's canonical JSON."""
    text = prev_hash + canonical_json(fields)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _snapshot(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if state is None:
        return None
    if not isinstance(state, Mapping):
        raise TypeError(f"audit before/after must be a mapping or None, not {type(state)!r}")
    return _jsonable_mapping(state)


def _is_secret_key(key: str) -> bool:
    name = key.strip().lower().replace("-", "_")
    if name.startswith(_FLAG_PREFIXES):
        return False
    return name in _SECRET_KEYS or name.endswith(_SECRET_ENDINGS)


def _jsonable_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, item in value.items():
        name = str(_jsonable(key))
        is_secret = _is_secret_key(name) and item is not None
        converted[name] = REDACTED if is_secret else _jsonable(item)
    return converted


def _jsonable(value: Any) -> Any:
    """`value` as plain JSON (secrets redacted, see record_audit)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _jsonable_mapping(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v) for v in value), key=canonical_json)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return str(value)


# --- reading ---------------------------------------------------------------------------------


def _row_to_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        actor_agency=row.actor_agency,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def audit_history(
    conn: Connection, object_type: str, object_id: str | int, *, limit: int = 100
) -> list[AuditEntry]:
    """The newest `limit` audit entries about one object, newest first."""
    return list_audit(conn, object_type=object_type, object_id=object_id, limit=limit)


def list_audit(
    conn: Connection,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest `limit` audit entries (newest first), at or after `since`, by `actor` (a
    username, "local-operator" or a system actor), about objects of `object_type` (and
    `object_id`)."""
    if limit < 1:
        raise ValueError(f"limit {limit} is not positive")
    where: list[ColumnElement[bool]] = []
    if since is not None:
        where.append(audit_log.c.at >= _checked_at(since))
    if actor is not None:
        where.append(audit_log.c.actor == actor)
    if object_type is not None:
        where.append(audit_log.c.object_type == object_type)
    if object_id is not None:
        where.append(audit_log.c.object_id == str(object_id))
    rows = conn.execute(
        select(audit_log).where(*where).order_by(audit_log.c.seq.desc()).limit(limit)
    )
    return [_row_to_entry(row) for row in rows]


# --- verifying -------------------------------------------------------------------------------


def verify_audit(conn: Connection, *, recorded: Mapping[int, str] | None = None) -> AuditReport:
    """Walk the whole trail in seq order, in bounded memory, and say what does not verify.

    Each row's hash is recomputed from its fields and its prev_hash; each prev_hash must be
    the previous row's hash, seqs must run 1, 2, 3 ... without gaps, and audit_head must name
    the last row. What is wrong is said in words ("row 17 was changed (hash mismatch)", "row
    18 is missing", "rows out of order: ...", "the last 3 rows were removed (head says 120,
    last row is 117)"). Rows committed while the walk runs are checked too.

    `recorded` maps seqs to head hashes an operator kept outside DCC: a row whose hash differs
    shows a rewrite of the whole chain from there on (docs/audit.md, "Limits").
    """
    walk = _Walk(recorded or {})
    _walk_rows(conn, walk)
    head_seq: int | None = None
    head_hash: str | None = None
    # Writers commit a row and the head together, so a head read after the walk names the
    # last row walked, unless rows were committed meanwhile: walk those, and look again.
    for _attempt in range(100):
        head = conn.execute(
            select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).first()
        if head is None:
            head_seq = head_hash = None
            walk.add(None, "the audit head (audit_head row 1) is missing")
            break
        head_seq, head_hash = int(head.last_seq), str(head.last_hash)
        if head_seq > walk.last_seq and _walk_rows(conn, walk):
            continue
        walk.check_head(head_seq, head_hash)
        break
    return walk.report(head_seq=head_seq, head_hash=head_hash)


def require_intact_audit(conn: Connection) -> AuditReport:
    """verify_audit, raising AuditChainError (its problems, in words) when it fails."""
    report = verify_audit(conn)
    if not report.ok:
        listed = "; ".join(p.what for p in report.problems[:5])
        more = len(report.problems) - 5
        raise AuditChainError(
            f"the audit trail does not verify: {listed}"
            + (f"; and {more} more" if more > 0 else "")
        )
    return report


@dataclass(frozen=True, slots=True)
class _RawRow:
    """A row as stored, read without trusting its types (an attacker may have written
    anything); `fields` is None when a value cannot be read back."""

    seq: int
    prev_hash: str
    hash: str
    fields: dict[str, Any] | None
    unreadable: str = ""


def _walk_rows(conn: Connection, walk: _Walk) -> int:
    """Check the rows after the last one walked, a chunk at a time; how many there were."""
    found = 0
    while True:
        rows = conn.execute(
            select(
                audit_log.c.seq,
                # Read as stored: a value an attacker made unreadable is a finding, not a crash.
                type_coerce(audit_log.c.at, String).label("at"),
                audit_log.c.actor,
                audit_log.c.actor_agency,
                audit_log.c.action,
                audit_log.c.object_type,
                audit_log.c.object_id,
                cast(audit_log.c.before, Text).label("before"),
                cast(audit_log.c.after, Text).label("after"),
                audit_log.c.prev_hash,
                audit_log.c.hash,
            )
            .where(audit_log.c.seq > walk.last_seq)
            .order_by(audit_log.c.seq)
            .limit(_CHUNK)
        ).all()
        for row in rows:
            walk.check(_raw_row(row))
        found += len(rows)
        if len(rows) < _CHUNK:
            return found


def _raw_row(row: Row[Any]) -> _RawRow:
    seq, prev_hash, digest = int(row.seq), str(row.prev_hash or ""), str(row.hash or "")
    try:
        fields = hashed_fields(
            seq=seq,
            at=_stored_at(row.at),
            actor=row.actor,
            actor_agency=row.actor_agency,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=_stored_json(row.before),
            after=_stored_json(row.after),
        )
    except (ValueError, TypeError) as exc:
        return _RawRow(seq, prev_hash, digest, None, f"{type(exc).__name__}: {exc}")
    return _RawRow(seq, prev_hash, digest, fields)


def _stored_at(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(parsed, datetime):
        raise TypeError(f"at is {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _stored_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class _Walk:
    """What verify_audit knows while walking: the last row, recent hashes, the problems."""

    def __init__(self, recorded: Mapping[int, str]) -> None:
        self.recorded = recorded
        self.rows = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.last_changed = False  # the previous row failed its own hash
        self.last_reorder: int | None = None  # the seq of the last "out of order" found
        self.diagnosed = 0
        self.recent: OrderedDict[str, int] = OrderedDict()  # hash -> seq, the last _WINDOW
        self.problems: list[AuditProblem] = []
        self.unlisted = 0

    def add(self, seq: int | None, what: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(AuditProblem(seq=seq, what=what))
        else:
            self.unlisted += 1

    def check(self, row: _RawRow) -> None:
        self.rows += 1
        seq = row.seq
        is_intact = row.fields is not None and entry_hash(row.prev_hash, row.fields) == row.hash
        if row.fields is None:
            self.add(seq, f"row {seq} was changed (cannot be read: {row.unreadable})")
        elif not is_intact:
            written_as = self._written_as(row)
            if written_as is not None:
                self.last_reorder = seq
                self.add(
                    seq, f"rows out of order: row {seq} holds what was written as row {written_as}"
                )
            else:
                self.add(seq, f"row {seq} was changed (hash mismatch)")
        known = self.recorded.get(seq)
        if known is not None and known.lower() != row.hash:
            self.add(
                seq,
                f"row {seq}'s hash is not the one recorded ({known[:16]}...): the trail was "
                f"rewritten from row {seq} or before",
            )
        expected = self.last_seq + 1
        if seq > expected:
            self.add(expected, _missing(expected, seq - 1))
        elif is_intact and not self.last_changed and row.prev_hash != self.last_hash:
            self._broken_link(row)
        self.last_seq, self.last_hash, self.last_changed = seq, row.hash, not is_intact
        self.recent[row.hash] = seq
        if len(self.recent) > _WINDOW:
            self.recent.popitem(last=False)

    def _written_as(self, row: _RawRow) -> int | None:
        """The seq a changed row hashes correctly under (it was moved), if one is near."""
        if row.fields is None or self.diagnosed >= _MAX_DIAGNOSED:
            return None
        self.diagnosed += 1
        for distance in range(1, _WINDOW + 1):
            for candidate in (row.seq - distance, row.seq + distance):
                if candidate >= 1:
                    fields = {**row.fields, "seq": candidate}
                    if entry_hash(row.prev_hash, fields) == row.hash:
                        return candidate
        return None

    def _broken_link(self, row: _RawRow) -> None:
        earlier = self.recent.get(row.prev_hash)
        if earlier is not None or row.prev_hash == GENESIS_HASH:
            # The row is intact and chains to an earlier row: rows were moved about.
            if self.last_reorder is None or row.seq - self.last_reorder > _WINDOW:
                self.last_reorder = row.seq
                self.add(
                    row.seq,
                    f"rows out of order: row {row.seq} follows row {earlier or 0} in the chain, "
                    f"not row {self.last_seq}",
                )
            return
        previous = self.last_seq
        self.add(
            row.seq,
            f"row {row.seq} does not chain to row {previous} (prev_hash mismatch): row "
            f"{previous} was rewritten or replaced, or row {row.seq} was forged",
        )

    def check_head(self, head_seq: int, head_hash: str) -> None:
        last = self.last_seq
        if head_seq > last:
            removed = head_seq - last
            gone = "the last row was" if removed == 1 else f"the last {removed} rows were"
            self.add(last + 1, f"{gone} removed (head says {head_seq}, last row is {last})")
        elif head_seq < last:
            extra = last - head_seq
            rows = "1 row lies" if extra == 1 else f"{extra} rows lie"
            self.add(
                head_seq + 1,
                f"{rows} beyond the head (head says {head_seq}, last row is {last}): added "
                "outside DCC, or the head was changed",
            )
        elif head_hash != self.last_hash:
            self.add(
                None,
                f"the head's hash does not match row {last}'s: the head or the last row was "
                "changed",
            )

    def report(self, *, head_seq: int | None, head_hash: str | None) -> AuditReport:
        problems = list(self.problems)
        if self.unlisted:
            problems.append(AuditProblem(seq=None, what=f"and {self.unlisted} more problems"))
        return AuditReport(
            ok=not problems,
            rows_checked=self.rows,
            head_seq=head_seq,
            head_hash=head_hash,
            problems=tuple(problems),
        )


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"row {first} is missing"
    return f"rows {first}-{last} are missing ({last - first + 1} rows)"
