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
    CheckConstraint,
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
    # {"scheme", "secret_env"[, "header"]} of a private source; never the secret itself.
    Column("auth", JSON),
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
    # The marking (issue 5, migration 0008; alerts/marking.py): the creator's agency and the
    # TLP 2.0 label chosen at creation; the share list is in object_shares ("watchlist").
    # NULL for rows older than the markings whose owner is no user. A NULL tlp matches no
    # rule of accounts/access.py, so a writer that forgot it hides the row (default deny).
    Column("owner_agency", String(64)),
    Column("tlp", String(20)),
    # The user who created it (the marking's author), when a user did. No foreign key: users
    # are never deleted, and SQLite cannot drop a referencing column in place (migration 0008).
    Column("created_by", BigInteger),
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
    # The marking (migration 0008): a watchlist's alerts copy their watchlist's and also read
    # its share list; detection alerts are GREEN, owned by DCC_DEFAULT_AGENCY, unless they
    # are about a watchlist (burst:watchlist). History, deliveries and items are the alert's.
    Column("owner_agency", String(64)),
    Column("tlp", String(20)),
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

# One row per alert, channel and recipient, with its status: delivered, awaiting_digest, or for
# e-mail and webhooks pending (sent at next_attempt_at, retried with backoff) until delivered or
# dead (migration 0004; alerts/delivery.py).
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
    # When the worker sends it (first attempt or retry; while claimed, the lease's end), and
    # when an awaiting_digest row may join a digest (migration 0004).
    Column("next_attempt_at", UTCDateTime),
)
Index("ix_alert_deliveries_alert", alert_deliveries.c.alert_id)
Index("ix_alert_deliveries_status", alert_deliveries.c.status, alert_deliveries.c.channel)
Index("ix_alert_deliveries_due", alert_deliveries.c.status, alert_deliveries.c.next_attempt_at)

# --- alert detection (issue 4 items 3-5; alerts/detection.py, docs/alerts.md) -----------------

# Items, items with a stance toward Indonesia and negative ones, per series ("country"/"ID")
# and time bucket, in buckets of 300, 3600 and 86400 s (alerts/activity.py). Buckets are
# seconds since the epoch, like item_time_bounds.hour: cheap to compare and to upsert alike
# on both databases. Pruned past each size's retention.
activity_buckets = Table(
    "activity_buckets",
    metadata,
    Column("dimension", String(20), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("resolution", Integer, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("item_count", Integer, nullable=False),
    Column("stance_count", Integer, nullable=False),
    Column("negative_count", Integer, nullable=False),
)
Index("ix_activity_buckets_bucket", activity_buckets.c.resolution, activity_buckets.c.bucket)

# A few item ids per series and 5-minute bucket: an explanation's examples, terms, sources.
activity_examples = Table(
    "activity_examples",
    metadata,
    Column("dimension", String(20), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("item_id", BigInteger, primary_key=True, autoincrement=False),
)
Index("ix_activity_examples_bucket", activity_examples.c.bucket)

# Items already counted: a job delivered twice counts its items once.
activity_counted = Table(
    "activity_counted",
    metadata,
    Column("item_id", BigInteger, primary_key=True, autoincrement=False),
    Column("counted_at", UTCDateTime, nullable=False),
)
Index("ix_activity_counted_at", activity_counted.c.counted_at)

# Recent items by the item they nearly copy (root_id; the item itself for an original), with
# who posted them: the campaign detector's input (alerts/campaigns.py).
campaign_posts = Table(
    "campaign_posts",
    metadata,
    Column("item_id", BigInteger, primary_key=True, autoincrement=False),
    Column("root_id", BigInteger, nullable=False),
    Column("account", String(200), nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
)
Index("ix_campaign_posts_root", campaign_posts.c.root_id, campaign_posts.c.posted_at)
Index("ix_campaign_posts_posted_at", campaign_posts.c.posted_at)

# --- accounts (issue 5; src/dcc/accounts/, docs/accounts.md) ----------------------------------

# Ministry units, embassies, consulates, partner agencies, ministries, provinces. `parent_id`
# is the supervising agency (kept for escalation; it grants no access).
agencies = Table(
    "agencies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    # accounts/records.py: AgencyKind
    Column("kind", String(30), nullable=False),
    Column("parent_id", String(64), ForeignKey("agencies.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    # Stored lower-case; sign-in compares lower-case.
    Column("username", String(64), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    # admin, analyst, officer, liaison, viewer (accounts/records.py: Role)
    Column("role", String(20), nullable=False),
    Column("locale", String(5), nullable=False),
    # argon2id in PHC format; NULL: cannot sign in with a password (API tokens only).
    Column("password_hash", Text),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    Column("password_changed_at", UTCDateTime),
    UniqueConstraint("username", name="uq_users_username"),
)
Index("ix_users_agency", users.c.agency_id)

# Browser sessions. Only the SHA-256 of the session token (the cookie) is stored. A session
# ends at expires_at, after the idle timeout since last_seen_at, or when revoked (logout).
sessions = Table(
    "sessions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    # The key of this session's CSRF tokens (accounts/csrf.py).
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("client_address", String(64)),
    Column("user_agent", String(300)),
    UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
)
Index("ix_sessions_user", sessions.c.user_id)
Index("ix_sessions_expires_at", sessions.c.expires_at)

# Bearer tokens for scripts. Only the SHA-256 of the token is stored; `prefix` is shown.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
)
Index("ix_api_tokens_user", api_tokens.c.user_id)

# Every login attempt, for rate limiting across processes (per username, per address). The
# username is kept as typed (lower-cased), whether or not such a user exists.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("is_success", Boolean, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
Index("ix_login_attempts_username_at", login_attempts.c.username, login_attempts.c.at)
Index("ix_login_attempts_address_at", login_attempts.c.client_address, login_attempts.c.at)

# The share list of every marked object (accounts/access.py): one row per agency or named
# user an object is shared with. object_id is text so that integer ids and STIX ids fit.
object_shares = Table(
    "object_shares",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("agency_id", String(64), ForeignKey("agencies.id")),
    Column("user_id", BigInteger, ForeignKey("users.id")),
    Column("shared_by", BigInteger, ForeignKey("users.id")),
    Column("shared_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "(agency_id IS NULL) <> (user_id IS NULL)", name="ck_object_shares_one_recipient"
    ),
)
Index("ix_object_shares_object", object_shares.c.object_type, object_shares.c.object_id)
Index("ix_object_shares_agency", object_shares.c.agency_id, object_shares.c.object_type)
Index("ix_object_shares_user", object_shares.c.user_id, object_shares.c.object_type)

# --- label index (issue 5: facets, dashboard, stories; store/labels.py, migration 0007) -----

# One row per item and value of the list-valued labels that filters and counts read: kind
# "country" (the item's own country and the countries it is about, exactly what `country:`
# matches), "topic", "story". Derived from items.enrichment (the one source of truth) and written
# in the same transaction by do_store_enrichment, so the two never disagree. Why a table and
# not JSON functions: counting a facet over 20,000 items would parse 20,000 enrichment
# documents of 2-4 KB each (measured: store/facets.py). The item's sort_at is copied in (it
# never changes after insert), as microseconds since the epoch like activity_buckets' times,
# so that counts over a time window read this table's index alone and bucket alike on both
# databases.
item_labels = Table(
    "item_labels",
    metadata,
    Column(
        "item_id",
        BigInteger,
        ForeignKey("items.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("kind", String(10), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("sort_at_us", BigInteger, nullable=False),
    # The primary key is the table on SQLite: an item's labels lie together.
    sqlite_with_rowid=False,
)
Index("ix_item_labels_time", item_labels.c.kind, item_labels.c.sort_at_us, item_labels.c.value)
# The filter columns of items by id. SQLite keeps a row's columns together with its text and
# enrichment (one 4 KB page per item or more): reading the language of 20,000 items by id from
# the table touches 20,000 pages, from this index a few hundred (facets, dashboard filters).
Index(
    "ix_items_id_filters",
    items.c.id,
    items.c.sort_at,
    items.c.lang,
    items.c.source_id,
    items.c.country,
    items.c.sentiment,
    items.c.stance,
)
Index(
    "ix_item_labels_value",
    item_labels.c.kind,
    item_labels.c.value,
    item_labels.c.sort_at_us,
    item_labels.c.item_id,
)

# --- coordination (issue 6; src/dcc/coordination/, docs/coordination.md) ---------------------
#
# Every object here is marked (accounts/access.py): an owner agency, a TLP 2.0 label and its
# own share list in object_shares ("incident", "task", "entry", "attachment"). A timeline
# entry or an attachment with `inherits_shares` is also read by its parent's share list (the
# task's when it belongs to one, else the incident's); a task never inherits the incident's
# (an agency sees its own tasks, not the others'). coordination/marking.py says this in SQL.

# An e-mail address per user for notifications (the alert channels; optional).
user_contacts = Table(
    "user_contacts",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True, autoincrement=False),
    Column("email", String(254)),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Where an agency wants its notifications: a duty mailbox, a webhook into its own system.
agency_channels = Table(
    "agency_channels",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    # email, webhook (alerts/records.py: Channel)
    Column("channel", String(20), nullable=False),
    Column("address", Text, nullable=False),
    # The HMAC key of a webhook's signature (alerts/channels/webhook.py); never shown again.
    Column("secret", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("agency_id", "channel", "address", name="uq_agency_channels"),
)

# Who is on call for an agency, and when: an escalation ladder's last rung.
on_call = Table(
    "on_call",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("agency_id", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_on_call_agency", on_call.c.agency_id, on_call.c.starts_at)

incidents = Table(
    "incidents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("title", String(300), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    # disinformation, disaster, cyber, consular, diplomatic (coordination/records.py)
    Column("kind", String(20), nullable=False),
    # low, moderate, high, critical
    Column("severity", String(10), nullable=False),
    # new, triage, active, monitoring, closed (coordination/incidents.py)
    Column("status", String(20), nullable=False),
    Column("owner_agency", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("tlp", String(20), nullable=False),
    Column("created_by", BigInteger, ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("status_changed_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    # What it was opened from: "alert", "story" or NULL (by hand), and that object's id.
    Column("opened_from_type", String(10)),
    Column("opened_from_id", String(200)),
)
Index("ix_incidents_status_updated", incidents.c.status, incidents.c.updated_at)
Index("ix_incidents_owner", incidents.c.owner_agency)

# ISO 22320 roles held on an incident: one person per role.
incident_roles = Table(
    "incident_roles",
    metadata,
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), primary_key=True),
    # incident_commander, planning, operations, logistics, liaison
    Column("role", String(30), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("assigned_by", BigInteger, ForeignKey("users.id")),
    Column("assigned_at", UTCDateTime, nullable=False),
)

# Items, stories and alerts linked to an incident (their own markings still apply).
incident_links = Table(
    "incident_links",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    # item, story, alert
    Column("target_type", String(10), nullable=False),
    Column("target_id", String(200), nullable=False),
    Column("added_by", BigInteger, ForeignKey("users.id")),
    Column("added_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "target_type", "target_id", name="uq_incident_links"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("details", Text, nullable=False, default=""),
    Column("assigned_agency", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("assignee_id", BigInteger, ForeignKey("users.id")),
    # open, acknowledged, in_progress, done, cancelled (coordination/tasks.py)
    Column("status", String(20), nullable=False),
    # The SLA: acknowledge by, finish by (coordination/sla.py sets both from the severity).
    Column("ack_due_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    Column("outcome", Text),
    # How far up its escalation ladder it went (0: not escalated), to whom, when.
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("escalated_to_agency", String(64), ForeignKey("agencies.id")),
    Column("escalated_to_user", BigInteger, ForeignKey("users.id")),
    Column("escalated_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("owner_agency", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("tlp", String(20), nullable=False),
    Column("created_by", BigInteger, ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_tasks_incident", tasks.c.incident_id)
Index("ix_tasks_agency_status", tasks.c.assigned_agency, tasks.c.status)
Index("ix_tasks_status_due", tasks.c.status, tasks.c.due_at)

# A task waits for the tasks it depends on (same incident, no cycles: coordination/tasks.py).
task_dependencies = Table(
    "task_dependencies",
    metadata,
    Column("task_id", BigInteger, ForeignKey("tasks.id"), primary_key=True),
    Column("depends_on_id", BigInteger, ForeignKey("tasks.id"), primary_key=True),
)

# The timeline: comments (with mentions), status changes, decisions, attachments, task events.
incident_entries = Table(
    "incident_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("task_id", BigInteger, ForeignKey("tasks.id")),
    # comment, decision, status, task, attachment, link, role, escalation (records.EntryKind)
    Column("kind", String(20), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("data", JSON, nullable=False, default=dict),
    Column("owner_agency", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("tlp", String(20), nullable=False),
    Column("inherits_shares", Boolean, nullable=False, default=True),
    Column("author_id", BigInteger, ForeignKey("users.id")),
    # Who wrote it, as shown: a username, "the local operator" or "DCC" (escalations).
    Column("author_name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_incident_entries_incident", incident_entries.c.incident_id, incident_entries.c.id)
Index("ix_incident_entries_task", incident_entries.c.task_id)

# Files kept outside the database (DCC_HOME/attachments/<sha256>), checked on every read.
attachments = Table(
    "attachments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("task_id", BigInteger, ForeignKey("tasks.id")),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("owner_agency", String(64), ForeignKey("agencies.id"), nullable=False),
    Column("tlp", String(20), nullable=False),
    Column("inherits_shares", Boolean, nullable=False, default=True),
    Column("uploaded_by", BigInteger, ForeignKey("users.id")),
    Column("uploaded_at", UTCDateTime, nullable=False),
)
Index("ix_attachments_incident", attachments.c.incident_id)

# Notifications (assigned, mention, due, overdue, escalation): shown in the app to a user or
# to every user of an agency, and sent over the alert channels (notification_deliveries).
notifications = Table(
    "notifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id")),
    Column("agency_id", String(64), ForeignKey("agencies.id")),
    Column("kind", String(20), nullable=False),
    Column("incident_id", BigInteger, ForeignKey("incidents.id"), nullable=False),
    Column("task_id", BigInteger, ForeignKey("tasks.id")),
    Column("entry_id", BigInteger, ForeignKey("incident_entries.id")),
    Column("title", Text, nullable=False),  # in English, for mail, webhooks and the API
    # JSON: what the title says, for pages to say it in their language (notify_text.py);
    # NULL for notifications written before migration 0011.
    Column("params", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime),
    CheckConstraint(
        "(user_id IS NULL) <> (agency_id IS NULL)", name="ck_notifications_one_recipient"
    ),
)
Index("ix_notifications_user", notifications.c.user_id, notifications.c.id)
Index("ix_notifications_agency", notifications.c.agency_id, notifications.c.id)

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("notification_id", BigInteger, ForeignKey("notifications.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("recipient", Text, nullable=False),
    # pending, sending, delivered, dead (alerts/records.py: DeliveryStatus)
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("delivered_at", UTCDateTime),
)
Index(
    "ix_notification_deliveries_due",
    notification_deliveries.c.status,
    notification_deliveries.c.next_attempt_at,
)

# The audit trail (coordination/audit.py): one row per write, append-only (triggers refuse
# UPDATE and DELETE on both databases) and hash-chained: `hash` = SHA-256 of the previous
# row's hash and this row's canonical JSON, so changing, deleting or reordering any row
# breaks the chain; audit_head holds the last row's seq and hash, so that cutting rows off
# the end is caught too. `dcc audit verify` walks it.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("actor_agency", String(64)),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_log_object", audit_log.c.object_type, audit_log.c.object_id)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

# Who has read an agency's notification (each of its users reads it on their own; a user's
# own notification keeps its read_at). Migration 0010.
notification_reads = Table(
    "notification_reads",
    metadata,
    Column(
        "notification_id",
        BigInteger,
        ForeignKey("notifications.id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("user_id", BigInteger, ForeignKey("users.id"), primary_key=True, autoincrement=False),
    Column("read_at", UTCDateTime, nullable=False),
)
