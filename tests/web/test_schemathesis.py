"""schemathesis against /api/v1/openapi.json (issue 5): requests generated from the schema,
valid and not, signed in as an analyst, never get a server error (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from dcc.alerts.actions import do_create_watchlist, do_record_matches
from dcc.alerts.records import WatchlistMatch, WatchlistSpec
from dcc.app import create_app
from dcc.context import Context
from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.records import RawItem, Source, SourceKind
from dcc.settings import Settings
from dcc.store.database import create_db_engine
from web_helpers import bearer, make_user

pytestmark = pytest.mark.slow
HEADERS: dict[str, str] = {}


@pytest.fixture
def api_schema(sqlite_url: str, tmp_path: Path) -> Iterator[Any]:
    """The app over a small database with items, a watchlist and an alert, and its schema
    (less the live stream, which never ends by design)."""
    config = Settings(home=tmp_path / "home", database_url=sqlite_url, fetch_host_delay_s=0)
    config.home.mkdir(parents=True, exist_ok=True)
    ctx = Context(settings=config, engine=create_db_engine(settings=config))
    source = Source(id="antara-id", kind=SourceKind.RSS, url="https://antara.example/rss")
    do_sync_sources(ctx.engine, [source])
    do_ingest_stream(
        ctx.engine,
        [
            RawItem(
                source_id="antara-id",
                external_id=str(n),
                title=f"Gempa guncang Lombok {n}",
                text="Warga mengungsi",
                published_at=datetime.now(tz=UTC),
            )
            for n in range(3)
        ],
        source_id="antara-id",
    )
    watchlist = do_create_watchlist(ctx.engine, WatchlistSpec(name="Gempa", query="gempa"))
    match = WatchlistMatch(watchlist.id, 1, "story:a", "Gempa", None, "antara-id", ("gempa",))
    do_record_matches(ctx.engine, [match], window=timedelta(hours=1))
    HEADERS.clear()
    HEADERS.update(bearer(ctx.engine, make_user(ctx.engine, "ana")))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(ctx))
    yield schema.exclude(path_regex="stream$")
    ctx.close()


def test_no_request_makes_a_server_error(api_schema: Any) -> None:
    """Every operation, 30 generated requests each (schemathesis's pytest plugin does not
    follow this pytest's internals, so the operations are driven here with Hypothesis)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers=HEADERS)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
