"""Settings, read from `DCC_*` environment variables (docs/settings.md lists them all).

The embedded default needs none: SQLite under `var/`, the jobs table in the same database.
Scale-out is chosen by setting `DCC_DATABASE_URL` and `DCC_QUEUE_URL`, never by code forks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SOURCES_FILE = Path(__file__).parent / "ingest" / "default_sources.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DCC_", extra="ignore")

    # Where the embedded database, attachments and the sources file live.
    home: Path = Path("var")
    # Empty means SQLite at `<home>/dcc.db`. PostgreSQL: postgresql://user@host/db
    database_url: str = ""
    # Empty means the embedded jobs table; nats://host:4222 selects NATS JetStream.
    queue_url: str = ""
    # The sources file kept in step with the database (`dcc sources add|remove` write both).
    sources_file: Path | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # Fetching limits (DESIGN §5): time, size, retries, politeness.
    fetch_timeout_s: float = 20.0
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_retries: int = 2
    fetch_host_delay_s: float = 1.0
    fetch_user_agent: str = "DCC/0.1 (command center feed reader)"
    # Host names or CIDR ranges that may be fetched although private (for example an intranet
    # feed). Sources can also allow it one by one (`allow_private = true`).
    fetch_allowed_private: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Upload and ingest limits.
    max_document_bytes: int = 1024 * 1024
    # The largest request body the web server reads (forms and API calls).
    max_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_file_bytes: int = 200 * 1024 * 1024

    # Workers: how many items one job carries and how long a job may run before redelivery.
    job_batch_size: int = 200
    job_lease_s: float = 60.0
    job_max_attempts: int = 5
    # Processes that enrich items: unset means one per core (none on a single core); 1 means
    # in the worker's own process.
    enrich_processes: int | None = Field(default=None, ge=0, le=64)

    # Alerts (docs/alerts.md): one alert per watchlist and story per window; later matching
    # items of the story are attached to it. Heartbeat: a comment on an idle live stream.
    alert_window_s: float = Field(default=3600.0, gt=0)
    alert_heartbeat_s: float = Field(default=15.0, gt=0)
    # A watchlist's alerts sent at once per window; the stories after that wait for its
    # digest, so one event split into many stories never floods an inbox.
    alert_max_instant_per_window: int = Field(default=10, ge=1)
    # Bursts, novelty, campaigns, stance shifts (docs/alerts.md): the thresholds most worth
    # tuning; the others are in alerts/thresholds.py. The sweep catches what a job missed.
    detect_enabled: bool = True
    detect_interval_s: float = Field(default=60.0, gt=0)
    burst_min_count: int = Field(default=10, ge=1)
    burst_min_ratio: float = Field(default=3.0, gt=1)
    burst_min_z: float = Field(default=4.0, gt=0)
    burst_daily_min_count: int = Field(default=30, ge=1)
    novelty_max_age_s: float = Field(default=21600.0, gt=0)
    novelty_min_count: int = Field(default=15, ge=1)
    campaign_window_s: float = Field(default=1800.0, gt=0)
    campaign_min_accounts: int = Field(default=5, ge=2)
    stance_min_items: int = Field(default=20, ge=1)
    stance_min_rise: float = Field(default=0.15, gt=0, lt=1)

    # Alert delivery by e-mail and webhook (docs/alerts.md, "Deliveries"). The base URL DCC is
    # reached at, for links in e-mails and webhooks (empty: no link).
    public_url: str = ""
    # SMTP: an empty host leaves e-mail deliveries pending with an error until one is set.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_from: str = "dcc@localhost"
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    # Webhooks are signed with this key (HMAC-SHA256); unset, webhook deliveries fail and wait.
    webhook_secret: SecretStr = SecretStr("")
    # Host names or CIDR ranges a webhook may point at although private (an intranet receiver).
    webhook_allowed_private: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Retries: attempts before a delivery is dead, the first retry delay (doubled each time,
    # with jitter, up to the cap), and the time one send may take.
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff_s: float = Field(default=30.0, gt=0)
    delivery_backoff_max_s: float = Field(default=3600.0, gt=0)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    # Digest schedule: awaiting deliveries go out once per interval, on its UTC boundaries.
    digest_interval_s: float = Field(default=3600.0, ge=60)

    # Accounts (docs/accounts.md): a session ends after session_ttl_s, or after session_idle_s
    # without a request. Logins are refused for login_window_s after login_max_failures
    # failures for one username (since its last success), or
    # login_max_failures_per_address from one client address.
    session_ttl_s: float = Field(default=12 * 3600.0, gt=0)
    session_idle_s: float = Field(default=2 * 3600.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_s: float = Field(default=900.0, gt=0)
    # The agency that owns what DCC makes by itself (detection alerts) and what the command
    # line makes without naming a user of an agency (docs/accounts.md, "What each object is
    # marked"): the ministry that `dcc init` creates by default.
    default_agency: str = Field(default="kemlu", pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")

    # Coordination (docs/coordination.md): the SLA and escalation ladder file (empty: the
    # built-in coordination/data/sla.toml), how often the escalation sweep runs, where
    # attachments are kept (empty: <home>/attachments) and how big one may be.
    sla_file: Path | None = None
    escalation_interval_s: float = Field(default=30.0, gt=0)
    attachments_dir: Path | None = None
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    @field_validator("fetch_allowed_private", "webhook_allowed_private", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_attachments_dir(self) -> Path:
        return self.attachments_dir or self.home / "attachments"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'dcc.db').resolve()}"

    @property
    def resolved_sources_file(self) -> Path:
        return self.sources_file or self.home / "sources.toml"

    @property
    def is_embedded_queue(self) -> bool:
        return not self.queue_url


def normalise_database_url(url: str) -> str:
    """Point plain postgresql:// URLs at psycopg 3 (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
