"""Shared fixtures: databases migrated once into a template and copied per test (STYLE 12).

SQLite always runs. PostgreSQL runs when DCC_TEST_POSTGRES_URL is set and reachable; without
it those tests skip with the reason, except in CI (DCC_TEST_REQUIRE_SERVICES=1), where an
unreachable service fails the run instead of hiding behind skips.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dcc.accounts.passwords import use_hasher
from dcc.context import Context
from dcc.settings import Settings, get_settings, normalise_database_url
from dcc.store.database import create_db_engine
from dcc.store.migrate import migrate

REPO = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("DCC_TEST_POSTGRES_URL", "")
NATS_URL = os.environ.get("DCC_TEST_NATS_URL", "")
REQUIRE_SERVICES = os.environ.get("DCC_TEST_REQUIRE_SERVICES") == "1"


def shared_data_dir() -> Path | None:
    """../shared/data beside the checkout (or DCC_DATA_DIR), or None when absent."""
    configured = os.environ.get("DCC_DATA_DIR")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    found = shared_data_dir()
    if found is None:
        pytest.skip("../shared/data is absent (set DCC_DATA_DIR to the real datasets)")
    return found


def service_unavailable(name: str, reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required in CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test gets its own DCC home and no inherited DCC_* configuration."""
    for key in list(os.environ):
        if key.startswith("DCC_") and not key.startswith(("DCC_TEST_", "DCC_DATA_DIR")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DCC_HOME", str(tmp_path / "home"))
    # In-process enrichment: a pool of worker processes per test would cost seconds each;
    # tests/enrich/test_parallel.py runs the pool itself.
    monkeypatch.setenv("DCC_ENRICH_PROCESSES", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """argon2id with the least work it accepts: tests sign users in by the hundred (the
    production parameters stay as they are; tests/accounts checks rehashing to them)."""
    previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    use_hasher(previous)


# --- SQLite ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "dcc.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = create_db_engine(sqlite_url)
    yield engine
    engine.dispose()


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test copies it with CREATE DATABASE ... TEMPLATE."""
    if not POSTGRES_URL:
        service_unavailable("PostgreSQL", "DCC_TEST_POSTGRES_URL is not set")
    admin = _admin_engine()
    name = f"dcc_tpl_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        service_unavailable("PostgreSQL", f"{type(exc).__name__}: {exc}".splitlines()[0])
    url = _database_url(name)
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    admin = _admin_engine()
    name = f"dcc_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield _database_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _admin_engine() -> Engine:
    return create_engine(
        normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", poolclass=None
    )


def _database_url(name: str) -> str:
    url = make_url(normalise_database_url(POSTGRES_URL)).set(database=name)
    return url.render_as_string(hide_password=False)


# --- either ---------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test on SQLite and, when reachable, on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    settings = Settings(home=tmp_path / "home", database_url=db_url, fetch_host_delay_s=0)
    settings.home.mkdir(parents=True, exist_ok=True)
    context = Context(settings=settings, engine=create_db_engine(settings=settings))
    yield context
    context.close()
