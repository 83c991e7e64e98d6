"""Coordination (issue 6): incidents, their roles, links, tasks and dependencies, the timeline,
attachments, notifications and their deliveries, on-call rotas, contacts, and the audit trail.

audit_log is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), so
that only someone who drops them first can change it, and `dcc audit verify` still catches
that (the hash chain). audit_head starts at the genesis: seq 0, a hash of 64 zeros.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dcc.store.schema import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

GENESIS_HASH = "0" * 64

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION dcc_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION dcc_audit_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION dcc_audit_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "user_contacts",
        sa.Column(
            "user_id",
            sa.BigInteger,
            sa.ForeignKey("users.id"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("email", sa.String(254)),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "agency_channels",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("secret", sa.String(200)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("agency_id", "channel", "address", name="uq_agency_channels"),
    )
    op.create_table(
        "on_call",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_on_call_agency", "on_call", ["agency_id", "starts_at"])
    op.create_table(
        "incidents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_agency", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("tlp", sa.String(20), nullable=False),
        sa.Column("created_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("status_changed_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime),
        sa.Column("opened_from_type", sa.String(10)),
        sa.Column("opened_from_id", sa.String(200)),
    )
    op.create_index("ix_incidents_owner", "incidents", ["owner_agency"])
    op.create_index("ix_incidents_status_updated", "incidents", ["status", "updated_at"])
    op.create_table(
        "incident_roles",
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), primary_key=True),
        sa.Column("role", sa.String(30), primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("assigned_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("assigned_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "incident_links",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("target_type", sa.String(10), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("added_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("incident_id", "target_type", "target_id", name="uq_incident_links"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("assigned_agency", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("assignee_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("ack_due_at", UTCDateTime, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("acknowledged_at", UTCDateTime),
        sa.Column("completed_at", UTCDateTime),
        sa.Column("outcome", sa.Text),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("escalated_to_agency", sa.String(64), sa.ForeignKey("agencies.id")),
        sa.Column("escalated_to_user", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("escalated_at", UTCDateTime),
        sa.Column("reminded_at", UTCDateTime),
        sa.Column("owner_agency", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("tlp", sa.String(20), nullable=False),
        sa.Column("created_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_tasks_agency_status", "tasks", ["assigned_agency", "status"])
    op.create_index("ix_tasks_incident", "tasks", ["incident_id"])
    op.create_index("ix_tasks_status_due", "tasks", ["status", "due_at"])
    op.create_table(
        "task_dependencies",
        sa.Column("task_id", sa.BigInteger, sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("depends_on_id", sa.BigInteger, sa.ForeignKey("tasks.id"), primary_key=True),
    )
    op.create_table(
        "incident_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("task_id", sa.BigInteger, sa.ForeignKey("tasks.id")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("owner_agency", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("tlp", sa.String(20), nullable=False),
        sa.Column("inherits_shares", sa.Boolean, nullable=False),
        sa.Column("author_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("author_name", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_incident_entries_incident", "incident_entries", ["incident_id", "id"])
    op.create_index("ix_incident_entries_task", "incident_entries", ["task_id"])
    op.create_table(
        "attachments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("task_id", sa.BigInteger, sa.ForeignKey("tasks.id")),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("owner_agency", sa.String(64), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("tlp", sa.String(20), nullable=False),
        sa.Column("inherits_shares", sa.Boolean, nullable=False),
        sa.Column("uploaded_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_attachments_incident", "attachments", ["incident_id"])
    op.create_table(
        "notifications",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("agency_id", sa.String(64), sa.ForeignKey("agencies.id")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("incident_id", sa.BigInteger, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("task_id", sa.BigInteger, sa.ForeignKey("tasks.id")),
        sa.Column("entry_id", sa.BigInteger, sa.ForeignKey("incident_entries.id")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("read_at", UTCDateTime),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (agency_id IS NULL)", name="ck_notifications_one_recipient"
        ),
    )
    op.create_index("ix_notifications_agency", "notifications", ["agency_id", "id"])
    op.create_index("ix_notifications_user", "notifications", ["user_id", "id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "notification_id", sa.BigInteger, sa.ForeignKey("notifications.id"), nullable=False
        ),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("delivered_at", UTCDateTime),
    )
    op.create_index(
        "ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"]
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_agency", sa.String(64)),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :genesis)"
        ).bindparams(genesis=GENESIS_HASH)
    )
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_TRIGGERS if is_sqlite else _POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS dcc_audit_append_only()")
    for table in [
        "audit_head",
        "audit_log",
        "notification_deliveries",
        "notifications",
        "attachments",
        "incident_entries",
        "task_dependencies",
        "tasks",
        "incident_links",
        "incident_roles",
        "incidents",
        "on_call",
        "agency_channels",
        "user_contacts",
    ]:
        op.drop_table(table)
