"""Property: a random audit chain verifies, and any single change to any one of its rows or its
head (a field, a deletion, two rows swapped) is detected (issue 6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, insert, select, update
from sqlalchemy.pool import StaticPool

from dcc.coordination.audit import canonical_json, record_audit, verify_audit
from dcc.coordination.audit_records import GENESIS_HASH
from dcc.store.schema import audit_head, audit_log

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
STATES = st.none() | st.dictionaries(st.sampled_from(["a", "b", "title", "n"]), JSON_VALUES)
ROW = st.fixed_dictionaries(
    {
        "at": st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.just(UTC),
        ),
        "actor": st.sampled_from(["ana", "budi", "local-operator", "dcc:escalation"]),
        "action": st.sampled_from(["incident.open", "task.assign", "share.add"]),
        "object_type": st.sampled_from(["incident", "task", "user"]),
        "object_id": st.integers(1, 50).map(str),
        "before": STATES,
        "after": STATES,
    }
)
FIELDS = ["at", "actor", "actor_agency", "action", "object_type", "object_id", "before", "after"]
MUTATIONS = [*FIELDS, "prev_hash", "hash", "delete", "swap", "head_seq", "head_hash"]


@contextmanager
def audit_database() -> Iterator[Engine]:
    """An in-memory SQLite holding only the audit tables, without the triggers (as after an
    attacker dropped them)."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    audit_log.metadata.create_all(engine, tables=[audit_log, audit_head])
    with engine.begin() as conn:
        conn.execute(insert(audit_head).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
    try:
        yield engine
    finally:
        engine.dispose()


def write(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for values in rows:
            record_audit(conn, **values)


def stored_value(engine: Engine, seq: int, field: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(audit_log.c[field]).where(audit_log.c.seq == seq)).scalar()


def replacement(data: st.DataObject, field: str, old: Any) -> Any:
    """A new value for `field` that differs from `old` in what the hash covers."""
    if field == "at":
        shift = data.draw(st.integers(1, 10**12).map(lambda n: timedelta(microseconds=n)))
        return old + shift if data.draw(st.booleans()) else old - shift
    if field in ("before", "after"):
        state = data.draw(STATES)
        assume(canonical_json(state) != canonical_json(old))
        return state
    if field in ("prev_hash", "hash"):
        new = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64))
    else:
        new = data.draw(st.text(st.characters(codec="ascii"), min_size=1, max_size=30))
    assume(new != old)
    return new


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=10), data=st.data())
def test_any_single_change_is_detected(rows: list[dict[str, Any]], data: st.DataObject) -> None:
    with audit_database() as engine:
        write(engine, rows)
        with engine.connect() as conn:
            report = verify_audit(conn)
        assert report.ok and report.rows_checked == len(rows), report.problems
        seq = data.draw(st.integers(1, len(rows)), label="seq")
        mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
        with engine.begin() as conn:
            if mutation == "delete":
                conn.execute(delete(audit_log).where(audit_log.c.seq == seq))
            elif mutation == "swap":
                assume(len(rows) > 1)
                other = seq + 1 if seq < len(rows) else seq - 1
                for old, new in ((seq, 0), (other, seq), (0, other)):
                    conn.execute(update(audit_log).where(audit_log.c.seq == old).values(seq=new))
            elif mutation == "head_seq":
                new_seq = data.draw(st.integers(0, len(rows) + 5))
                assume(new_seq != len(rows))
                conn.execute(update(audit_head).values(last_seq=new_seq))
            elif mutation == "head_hash":
                head_hash = conn.execute(select(audit_head.c.last_hash)).scalar()
                new_hash = replacement(data, "hash", head_hash)
                conn.execute(update(audit_head).values(last_hash=new_hash))
            else:
                value = stored_value(engine, seq, mutation)
                conn.execute(
                    update(audit_log)
                    .where(audit_log.c.seq == seq)
                    .values({mutation: replacement(data, mutation, value)})
                )
        with engine.connect() as conn:
            report = verify_audit(conn)
        assert not report.ok and report.problems
