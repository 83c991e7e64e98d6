"""The audit trail (issue 6): rows chain and verify, secrets are redacted, concurrent writers
stay gapless, and every kind of tampering shows (both databases)."""

from __future__ import annotations

import enum
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from dcc.accounts.records import Principal, Role
from dcc.coordination.audit import (
    GENESIS_HASH,
    REDACTED,
    audit_history,
    entry_hash,
    hashed_fields,
    list_audit,
    record_audit,
    require_intact_audit,
    verify_audit,
)
from dcc.coordination.audit_records import AuditEntry, AuditReport
from dcc.coordination.errors import AuditChainError
from dcc.store.schema import audit_head, audit_log

ANA = Principal(user_id=7, username="ana", agency_id="kbri-tokyo", role=Role.ANALYST)
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def write_rows(engine: Engine, count: int, *, start: int = 0) -> None:
    """`count` audit rows in one transaction, by the three kinds of actor."""
    actors: list[Principal | str | None] = [ANA, None, "dcc:escalation"]
    with engine.begin() as conn:
        for n in range(start, start + count):
            record_audit(
                conn,
                actor=actors[n % 3],
                action="incident.update",
                object_type="incident",
                object_id=n % 5,
                before={"n": n - 1} if n else None,
                after={"n": n, "title": f"Gempa {n} — Sulawesi"},
                at=T0 + timedelta(seconds=n, microseconds=n),
            )


def verify(engine: Engine) -> AuditReport:
    with engine.connect() as conn:
        return verify_audit(conn)


def problems(engine: Engine) -> list[str]:
    report = verify(engine)
    assert report.ok is not bool(report.problems)
    return [p.what for p in report.problems]


def row(engine: Engine, seq: int) -> AuditEntry:
    with engine.connect() as conn:
        [entry] = [e for e in list_audit(conn, limit=10_000) if e.seq == seq]
    return entry


def drop_guards(conn: Connection) -> None:
    """What an attacker holding the database does first: remove the append-only triggers."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
    else:
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")


def forged_hash(prev_hash: str, entry: AuditEntry, **changes: Any) -> str:
    """The hash an attacker who knows the rule computes for `entry` with `changes`."""
    fields = hashed_fields(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        actor_agency=entry.actor_agency,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        before=entry.before,
        after=entry.after,
    )
    return entry_hash(prev_hash, {**fields, **changes})


# --- writing and verifying -------------------------------------------------------------------


def test_many_rows_chain_and_verify(engine: Engine) -> None:
    assert verify(engine) == AuditReport(
        ok=True, rows_checked=0, head_seq=0, head_hash=GENESIS_HASH, problems=()
    )
    write_rows(engine, 2100)  # more than one chunk of the walk
    report = verify(engine)
    assert report.ok, report.problems
    assert (report.rows_checked, report.head_seq) == (2100, 2100)
    with engine.connect() as conn:
        entries = list(reversed(list_audit(conn, limit=10_000)))
    assert [e.seq for e in entries] == list(range(1, 2101))
    assert entries[0].prev_hash == GENESIS_HASH
    for earlier, later in itertools.pairwise(entries):
        assert later.prev_hash == earlier.hash
    assert report.head_hash == entries[-1].hash
    assert entries[-1].hash == forged_hash(entries[-1].prev_hash, entries[-1])


def test_entries_keep_who_what_when_before_and_after(engine: Engine) -> None:
    class Colour(enum.Enum):
        RED = "red"

    @dataclass(frozen=True)
    class Note:
        at: datetime
        tags: frozenset[str]

    at = datetime(2025, 3, 1, 15, 0, 0, 123456, tzinfo=UTC)
    odd_keys: dict[Any, Any] = {"note": Note(at=at, tags=frozenset({"x"})), 3: None, "ratio": 0.5}
    with engine.begin() as conn:
        by_user = record_audit(
            conn,
            actor=ANA,
            action="task.assign",
            object_type="task",
            object_id=12,
            before={"status": Colour.RED, "due": at, "tags": {"b", "a"}, "pair": (1, 2)},
            after=odd_keys,
            at=at,
        )
        by_operator = record_audit(
            conn,
            actor=None,
            action="user.create",
            object_type="user",
            object_id="3",
            before=None,
            after={"username": "budi"},
        )
        by_system = record_audit(
            conn,
            actor="dcc:escalation",
            action="incident.escalate",
            object_type="incident",
            object_id=1,
            before=None,
            after=None,
        )
    assert (by_user.actor, by_user.actor_agency, by_user.object_id) == ("ana", "kbri-tokyo", "12")
    assert by_user.before == {
        "status": "red",
        "due": "2025-03-01T15:00:00.123456+00:00",
        "tags": ["a", "b"],
        "pair": [1, 2],
    }
    assert by_user.after == {
        "note": {"at": "2025-03-01T15:00:00.123456+00:00", "tags": ["x"]},
        "3": None,
        "ratio": 0.5,
    }
    assert (by_operator.actor, by_operator.actor_agency) == ("local-operator", None)
    assert (by_system.actor, by_system.seq) == ("dcc:escalation", 3)
    assert by_operator.at.tzinfo is not None
    # What was stored reads back exactly as it was returned (and hashed).
    with engine.connect() as conn:
        stored = list(reversed(list_audit(conn)))
    assert stored == [by_user, by_operator, by_system]
    assert verify(engine).ok


def test_secrets_are_never_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        entry = record_audit(
            conn,
            actor=None,
            action="user.update",
            object_type="user",
            object_id=1,
            before={"password_hash": "$argon2id$v=19$...", "has_password": True, "token": None},
            after={
                "password": "hunter2",
                "Token": "dcc_abc",
                "token_hash": "f00",
                "csrf_secret": "c",
                "secret": "s",
                "smtp-password": "p",
                "config": {"webhook_secret": "w", "url": "https://x.example"},
                "tokens": [{"api_token": "t", "name": "cron"}],
                "password_changed": True,
                "prefix": "dcc_ab",
            },
        )
    assert entry.before == {"password_hash": REDACTED, "has_password": True, "token": None}
    assert entry.after == {
        "password": REDACTED,
        "Token": REDACTED,
        "token_hash": REDACTED,
        "csrf_secret": REDACTED,
        "secret": REDACTED,
        "smtp-password": REDACTED,
        "config": {"webhook_secret": REDACTED, "url": "https://x.example"},
        "tokens": [{"api_token": REDACTED, "name": "cron"}],
        "password_changed": True,
        "prefix": "dcc_ab",
    }
    with engine.connect() as conn:
        stored = str(conn.execute(select(audit_log.c.before, audit_log.c.after)).one())
    for secret in ("argon2", "hunter2", "dcc_abc", "f00", "webhook_secret': 'w"):
        assert secret not in stored


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"at": datetime(2025, 1, 1)}, "naive datetime"),
        ({"action": " "}, "the audit action is empty"),
        ({"object_id": "x" * 201}, "is 201 characters"),
        ({"actor": ""}, "the audit actor is empty"),
    ],
)
def test_bad_values_are_refused(engine: Engine, changes: dict[str, Any], error: str) -> None:
    values: dict[str, Any] = {
        "actor": None,
        "action": "source.add",
        "object_type": "source",
        "object_id": "antara",
        "before": None,
        "after": {},
    }
    with engine.begin() as conn, pytest.raises(ValueError, match=error):
        record_audit(conn, **{**values, **changes})
    with engine.begin() as conn, pytest.raises(TypeError, match="mapping"):
        record_audit(conn, **{**values, "after": ["not", "a", "mapping"]})


def fail_after_auditing(engine: Engine) -> None:
    with engine.begin() as conn:
        record_audit(
            conn,
            actor=ANA,
            action="share.add",
            object_type="incident",
            object_id=1,
            before=None,
            after={"agency_id": "bnpb"},
        )
        raise RuntimeError("the write failed after its audit row")


def test_a_rolled_back_write_takes_its_audit_row_with_it(engine: Engine) -> None:
    write_rows(engine, 2)
    with pytest.raises(RuntimeError, match="the write failed"):
        fail_after_auditing(engine)
    report = verify(engine)
    assert report.ok and (report.rows_checked, report.head_seq) == (2, 2)
    write_rows(engine, 1, start=2)
    assert verify(engine).head_seq == 3 and verify(engine).ok


def test_the_triggers_refuse_update_and_delete(engine: Engine) -> None:
    write_rows(engine, 3)
    attempts: list[Callable[[Connection], object]] = [
        lambda c: c.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="eve")),
        lambda c: c.execute(delete(audit_log).where(audit_log.c.seq == 3)),
        lambda c: c.execute(delete(audit_log)),
    ]
    if engine.dialect.name == "postgresql":
        attempts.append(lambda c: c.exec_driver_sql("TRUNCATE audit_log"))
    for attempt in attempts:
        with pytest.raises(DBAPIError, match="audit_log is append-only"), engine.begin() as conn:
            attempt(conn)
    report = verify(engine)
    assert report.ok and report.rows_checked == 3


def test_concurrent_writers_stay_gapless_and_chained(engine: Engine) -> None:
    threads_count, each = 4, 15
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(each):
                with engine.begin() as conn:
                    # Read first, as writers do, then audit: the head update takes the lock.
                    conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
                    record_audit(
                        conn,
                        actor=f"writer-{number}",
                        action="task.update",
                        object_type="task",
                        object_id=n,
                        before=None,
                        after={"writer": number, "n": n},
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify(engine)
    assert report.ok, report.problems
    assert report.rows_checked == report.head_seq == threads_count * each
    with engine.connect() as conn:
        seqs = sorted(conn.execute(select(audit_log.c.seq)).scalars())
    assert seqs == list(range(1, threads_count * each + 1))


def test_history_and_listing_filter(engine: Engine) -> None:
    write_rows(engine, 12)
    with engine.connect() as conn:
        history = audit_history(conn, "incident", 2)
        assert [e.seq for e in history] == [8, 3]  # n = 7 and 2: newest first
        assert [e.seq for e in audit_history(conn, "incident", "2", limit=1)] == [8]
        assert {e.actor for e in list_audit(conn, actor="ana")} == {"ana"}
        assert len(list_audit(conn, actor="ana")) == 4
        assert [e.seq for e in list_audit(conn, limit=3)] == [12, 11, 10]
        since = T0 + timedelta(seconds=10)
        assert [e.seq for e in list_audit(conn, since=since)] == [12, 11]
        assert list_audit(conn, object_type="task") == []
        with pytest.raises(ValueError, match="limit 0"):
            list_audit(conn, limit=0)


# --- tampering -------------------------------------------------------------------------------

ROWS = 20


def _change_after(conn: Connection, engine: Engine) -> None:
    conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(after={"n": 99}))


def _change_time(conn: Connection, engine: Engine) -> None:
    entry = row(engine, 5)
    conn.execute(
        update(audit_log)
        .where(audit_log.c.seq == 5)
        .values(at=entry.at + timedelta(microseconds=1))
    )


def _rewrite_with_hash(conn: Connection, engine: Engine) -> None:
    entry = row(engine, 5)
    conn.execute(
        update(audit_log)
        .where(audit_log.c.seq == 5)
        .values(actor="eve", hash=forged_hash(entry.prev_hash, entry, actor="eve"))
    )


def _delete_middle(conn: Connection, engine: Engine) -> None:
    conn.execute(delete(audit_log).where(audit_log.c.seq == 5))


def _delete_range(conn: Connection, engine: Engine) -> None:
    conn.execute(delete(audit_log).where(audit_log.c.seq.between(5, 7)))


def _delete_first(conn: Connection, engine: Engine) -> None:
    conn.execute(delete(audit_log).where(audit_log.c.seq == 1))


def _delete_tail(conn: Connection, engine: Engine) -> None:
    conn.execute(delete(audit_log).where(audit_log.c.seq > 17))


def _swap(conn: Connection, engine: Engine) -> None:
    for old, new in ((5, 1000), (6, 5), (1000, 6)):
        conn.execute(update(audit_log).where(audit_log.c.seq == old).values(seq=new))


def _forged_after_head(conn: Connection, engine: Engine) -> None:
    last = row(engine, ROWS)
    forged = AuditEntry(
        **{**_fields(last), "seq": ROWS + 1, "actor": "eve", "prev_hash": last.hash}
    )
    conn.execute(
        insert(audit_log).values(**{**_fields(forged), "hash": forged_hash(last.hash, forged)})
    )


def _forged_replacement(conn: Connection, engine: Engine) -> None:
    previous, original = row(engine, 4), row(engine, 5)
    forged = AuditEntry(**{**_fields(original), "after": {"n": 4, "title": "nothing happened"}})
    conn.execute(delete(audit_log).where(audit_log.c.seq == 5))
    conn.execute(
        insert(audit_log).values(**{**_fields(forged), "hash": forged_hash(previous.hash, forged)})
    )


def _forged_with_head(conn: Connection, engine: Engine) -> None:
    last = row(engine, ROWS)
    junk = "f" * 64
    conn.execute(
        insert(audit_log).values(
            **{**_fields(last), "seq": ROWS + 1, "prev_hash": last.hash, "hash": junk}
        )
    )
    conn.execute(update(audit_head).values(last_seq=ROWS + 1, last_hash=junk))


def _head_hash(conn: Connection, engine: Engine) -> None:
    conn.execute(update(audit_head).values(last_hash="1" * 64))


def _head_seq(conn: Connection, engine: Engine) -> None:
    conn.execute(update(audit_head).values(last_seq=ROWS - 2))


def _head_gone(conn: Connection, engine: Engine) -> None:
    conn.execute(delete(audit_head))


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AuditEntry.__slots__}


TAMPERING: dict[str, tuple[Callable[[Connection, Engine], None], list[str]]] = {
    "changed": (_change_after, ["row 5 was changed (hash mismatch)"]),
    "time changed": (_change_time, ["row 5 was changed (hash mismatch)"]),
    "rewritten with its hash": (
        _rewrite_with_hash,
        [
            "row 6 does not chain to row 5 (prev_hash mismatch): row 5 was rewritten or "
            "replaced, or row 6 was forged"
        ],
    ),
    "deleted": (_delete_middle, ["row 5 is missing"]),
    "deleted range": (_delete_range, ["rows 5-7 are missing (3 rows)"]),
    "first deleted": (_delete_first, ["row 1 is missing"]),
    "tail deleted": (
        _delete_tail,
        ["the last 3 rows were removed (head says 20, last row is 17)"],
    ),
    "reordered": (
        _swap,
        [
            "rows out of order: row 5 holds what was written as row 6",
            "rows out of order: row 6 holds what was written as row 5",
        ],
    ),
    "forged after the head": (
        _forged_after_head,
        [
            "1 row lies beyond the head (head says 20, last row is 21): added outside DCC, or "
            "the head was changed"
        ],
    ),
    "forged replacement": (
        _forged_replacement,
        [
            "row 6 does not chain to row 5 (prev_hash mismatch): row 5 was rewritten or "
            "replaced, or row 6 was forged"
        ],
    ),
    "forged with the head": (_forged_with_head, ["row 21 was changed (hash mismatch)"]),
    "head hash": (
        _head_hash,
        ["the head's hash does not match row 20's: the head or the last row was changed"],
    ),
    "head seq": (
        _head_seq,
        [
            "2 rows lie beyond the head (head says 18, last row is 20): added outside DCC, or "
            "the head was changed"
        ],
    ),
    "head gone": (_head_gone, ["the audit head (audit_head row 1) is missing"]),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_detected(engine: Engine, case: str) -> None:
    tamper, expected = TAMPERING[case]
    write_rows(engine, ROWS)
    assert verify(engine).ok
    with engine.begin() as conn:
        drop_guards(conn)
        tamper(conn, engine)
    assert problems(engine) == expected
    with (
        engine.connect() as conn,
        pytest.raises(AuditChainError, match=re.escape(expected[0][:20])),
    ):
        require_intact_audit(conn)


def test_unreadable_rows_are_reported_not_fatal(sqlite_engine: Engine) -> None:
    write_rows(sqlite_engine, 4)
    with sqlite_engine.begin() as conn:
        drop_guards(conn)
        conn.execute(text("UPDATE audit_log SET after = 'not json' WHERE seq = 2"))
        conn.execute(text("UPDATE audit_log SET at = 'yesterday' WHERE seq = 3"))
    found = problems(sqlite_engine)
    assert [p.split(" (")[0] for p in found] == ["row 2 was changed", "row 3 was changed"]
    assert "cannot be read: JSONDecodeError" in found[0]


def test_a_broken_chain_lists_its_problems_within_bounds(sqlite_engine: Engine) -> None:
    write_rows(sqlite_engine, 1200)
    with sqlite_engine.begin() as conn:
        drop_guards(conn)
        conn.execute(update(audit_log).values(actor="eve"))
    report = verify(sqlite_engine)
    assert not report.ok and report.rows_checked == 1200
    assert len(report.problems) == 1001
    assert report.problems[-1].what == "and 200 more problems"


def test_a_wholesale_rewrite_verifies_unless_a_head_was_recorded(engine: Engine) -> None:
    write_rows(engine, ROWS)
    recorded = verify(engine).head_hash
    assert recorded is not None
    # The limit (docs/audit.md): rewrite row 5 and re-chain every later row and the head.
    with engine.begin() as conn:
        drop_guards(conn)
    prev_hash = row(engine, 4).hash
    for seq in range(5, ROWS + 1):
        entry = row(engine, seq)
        changes = {"actor": "eve"} if seq == 5 else {}
        digest = forged_hash(prev_hash, entry, **changes)
        with engine.begin() as conn:
            conn.execute(
                update(audit_log)
                .where(audit_log.c.seq == seq)
                .values(prev_hash=prev_hash, hash=digest, **changes)
            )
        prev_hash = digest
    with engine.begin() as conn:
        conn.execute(update(audit_head).values(last_hash=prev_hash))
    assert verify(engine).ok
    with engine.connect() as conn:
        report = verify_audit(conn, recorded={ROWS: recorded, 3: row(engine, 3).hash})
    assert [p.what for p in report.problems] == [
        f"row {ROWS}'s hash is not the one recorded ({recorded[:16]}...): the trail was "
        f"rewritten from row {ROWS} or before"
    ]
