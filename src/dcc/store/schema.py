"""The database schema, declared once for SQLite and PostgreSQL (SQLAlchemy Core).

Alembic migrations (`store/migrations/`) create exactly this; `tests/store/test_migrations.py`
checks that the two agree. Search indexes differ by dialect and live in the migration:
an FTS5 table kept by triggers on SQLite, a generated tsvector column on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

# SQLite needs INTEGER (not BIGINT) for an autoincrementing rowid primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (STYLE rule 9).

    SQLite keeps naive text, so values are converted to UTC on the way in and marked UTC on the
    way out; PostgreSQL keeps timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; DCC stores timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


sources = Table(
    "sources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("url", Text, nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("lang", String(10)),
    Column("country", String(2)),
    Column("tags", JSON, nullable=False, default=list),
    Column("mapping", JSON, nullable=False, default=dict),
    Column("interval_s", Integer, nullable=False, default=900),
    Column("is_private_allowed", Boolean, nullable=False, default=False),
    Column("is_enabled", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    # HTTP validators for conditional GET.
    Column("etag", Text),
    Column("last_modified", Text),
    # Health.
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_total", BigInteger, nullable=False, default=0),
)

items = Table(
    "items",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source_id", String(100), nullable=False),
    # The source's own id, or the canonical URL when it has none (DESIGN §2).
    Column("external_id", Text, nullable=False),
    Column("url", Text),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("author", Text),
    Column("published_at", UTCDateTime),
    Column("ingested_at", UTCDateTime, nullable=False),
    # published_at when known, else ingested_at: the time lists and filters sort by.
    Column("sort_at", UTCDateTime, nullable=False),
    Column("lang", String(10)),
    Column("country", String(2)),
    Column("lat", Float),
    Column("lon", Float),
    Column("kind", String(20), nullable=False, default="article"),
    Column("extra", JSON, nullable=False, default=dict),
    # Processing stage: "new" when stored raw, "processed" once the pipeline ran.
    Column("stage", String(20), nullable=False, default="new"),
    Column("processed_at", UTCDateTime),
    # Enrichment (migration 0002): the full labels with evidence, and what search filters on.
    Column("enrichment", JSON),
    Column("sentiment", String(10)),
    Column("stance", String(10)),
    Column("is_crisis", Boolean),
    UniqueConstraint("source_id", "external_id", name="uq_items_source_external"),
)
Index("ix_items_sort_at", items.c.sort_at)
Index("ix_items_source_sort_at", items.c.source_id, items.c.sort_at)
Index("ix_items_lang_sort_at", items.c.lang, items.c.sort_at)
Index("ix_items_country_sort_at", items.c.country, items.c.sort_at)
Index("ix_items_stage", items.c.stage, items.c.id)
Index("ix_items_source_ingested_at", items.c.source_id, items.c.ingested_at)
Index("ix_items_sentiment_sort_at", items.c.sentiment, items.c.sort_at)
Index("ix_items_stance_sort_at", items.c.stance, items.c.sort_at)
Index("ix_items_is_crisis_sort_at", items.c.is_crisis, items.c.sort_at)

# The id range of the items whose sort_at falls in each hour (hours since the epoch, UTC). A
# time filter becomes an id range that the full-text index can use directly (items are
# stored roughly in time order, so an hour's ids are close together). Only ever widened, so
# it stays a superset when items are deleted.
item_time_bounds = Table(
    "item_time_bounds",
    metadata,
    Column("hour", BigInteger, primary_key=True, autoincrement=False),
    Column("min_id", BigInteger, nullable=False),
    Column("max_id", BigInteger, nullable=False),
)

# The embedded job queue (jobs/sqlite.py). PostgreSQL deployments may use it too, but a
# scale-out deployment normally uses NATS JetStream (jobs/nats.py).
jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("topic", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    # ready -> leased -> done, or back to ready on failure/lease expiry, or dead after too many.
    Column("status", String(10), nullable=False, default="ready"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("available_at", UTCDateTime, nullable=False),
    Column("leased_until", UTCDateTime),
    Column("lease_owner", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("last_error", Text),
)
Index("ix_jobs_claim", jobs.c.topic, jobs.c.status, jobs.c.available_at)

# Problems met while ingesting (a malformed line, a CAP failing its schema): kept so that an
# administrator sees them in source health, not only the terminal that ran the ingest.
ingest_problems = Table(
    "ingest_problems",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source_id", String(100), nullable=False),
    Column("location", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_ingest_problems_source", ingest_problems.c.source_id, ingest_problems.c.id)

# --- alerts (issue 4; src/dcc/alerts/, docs/alerts.md) ----------------------------------------

# Saved queries matched on the stream as items are enriched. Removal is soft (deleted_at) so
# that the alerts a watchlist raised keep their context.
watchlists = Table(
    "watchlists",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("query", Text, nullable=False),
    Column("owner", String(100), nullable=False),
    Column("recipients", JSON, nullable=False, default=list),
    Column("channels", JSON, nullable=False, default=list),
    # "instant" or "digest" (alerts/records.py: Schedule).
    Column("schedule", String(10), nullable=False),
    Column("is_enabled", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_matched_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),
)

# One row (id 1): the watchlist revision, bumped by every watchlist change so that matchers
# reload their index with one cheap read; its row is also the lock that orders alert writers.
alert_state = Table(
    "alert_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("watchlist_revision", BigInteger, nullable=False, default=0),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # watchlist now; burst, campaign, stance_shift later (alerts/records.py: AlertKind).
    Column("kind", String(20), nullable=False),
    # What fired, as one key ("watchlist:7"); with story_key, the de-duplication key.
    Column("rule", String(100), nullable=False),
    Column("watchlist_id", BigInteger, ForeignKey("watchlists.id")),
    Column("story_key", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("schedule", String(10), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("first_item_id", BigInteger),
    Column("last_item_id", BigInteger),
    Column("explanation", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Later matches of the same rule and story until then are attached to this alert.
    Column("window_ends_at", UTCDateTime, nullable=False),
    Column("status_changed_at", UTCDateTime),
    Column("status_changed_by", String(100)),
)
Index("ix_alerts_rule_story", alerts.c.rule, alerts.c.story_key, alerts.c.window_ends_at)
Index("ix_alerts_status", alerts.c.status, alerts.c.id)
Index("ix_alerts_watchlist", alerts.c.watchlist_id, alerts.c.id)

# The items an alert gathered. (rule, item_id) is unique: matching an item again (a job
# delivered twice, a crash between storing labels and storing alerts) changes nothing.
alert_items = Table(
    "alert_items",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("alerts.id"), nullable=False),
    Column("rule", String(100), nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("matched_at", UTCDateTime, nullable=False),
    UniqueConstraint("rule", "item_id", name="uq_alert_items_rule_item"),
)
Index("ix_alert_items_alert", alert_items.c.alert_id, alert_items.c.id)

# Everything that happened to alerts, in commit order: the live stream (SSE ids, Last-Event-ID)
# and each alert's history (who acknowledged, dismissed or escalated it, and when).
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("alerts.id"), nullable=False),
    # created, updated, acknowledged, dismissed, escalated
    Column("event", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("who", String(100)),
    Column("note", Text),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_alert_events_alert", alert_events.c.alert_id, alert_events.c.id)

# One row per alert, channel and recipient, with its status (delivered, awaiting_digest, and
# for the channels to come: pending, failed).
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("alerts.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
)
Index("ix_alert_deliveries_alert", alert_deliveries.c.alert_id)
Index("ix_alert_deliveries_status", alert_deliveries.c.status, alert_deliveries.c.channel)
