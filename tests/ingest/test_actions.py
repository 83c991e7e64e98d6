"""Ingest actions: batch commits, idempotence, problems kept, health recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dcc.enrich.labels import CrisisLabel, Enrichment, Label
from dcc.errors import SourceConfigError, SourceFormatError
from dcc.ingest import actions
from dcc.ingest.source_config import read_sources_file
from dcc.records import ParseProblem, RawItem, Source, SourceKind
from dcc.store import sources as source_queries
from dcc.store.items import count_items, get_items
from dcc.store.search import SearchQuery, search

SOURCE = Source(id="feed", kind=SourceKind.RSS, url="https://feed.example/rss", lang="id")


def stream(n: int, *, problem_every: int = 0) -> Iterator[RawItem | ParseProblem]:
    for i in range(n):
        if problem_every and i % problem_every == 0:
            yield ParseProblem(f"line {i + 1}", "broken")
        yield RawItem(source_id="feed", external_id=str(i), text=f"berita {i}")


@pytest.fixture
def with_source(engine: Engine) -> Engine:
    actions.do_sync_sources(engine, [SOURCE])
    return engine


def test_stream_is_stored_in_batches_and_reported(with_source: Engine) -> None:
    seen: list[int] = []
    outcome = actions.do_ingest_stream(
        with_source,
        stream(2500, problem_every=1000),
        source_id="feed",
        batch_size=1000,
        on_batch=lambda report, ids: seen.append(len(ids)),
    )
    assert outcome.report.stored == 2500 and outcome.report.duplicates == 0
    assert [p.location for p in outcome.report.problems] == ["line 1", "line 1001", "line 2001"]
    assert seen == [1000, 1000, 500]
    assert len(set(outcome.new_item_ids)) == 2500
    with with_source.connect() as conn:
        assert source_queries.recent_problems(conn, "feed")[0] == ("line 2001", "broken")
        (health,) = source_queries.list_health(conn)
    assert health.items_total == 2500 and health.items_last_day == 2500


def test_items_before_a_broken_part_are_kept(with_source: Engine) -> None:
    def breaking() -> Iterator[RawItem | ParseProblem]:
        yield from stream(2500)
        raise SourceFormatError("feed truncated at byte 123456")

    with pytest.raises(SourceFormatError, match="truncated"):
        actions.do_ingest_stream(with_source, breaking(), source_id="feed", batch_size=1000)
    with with_source.connect() as conn:
        assert count_items(conn) == 2500


def test_reingest_adds_nothing(with_source: Engine) -> None:
    actions.do_ingest_stream(with_source, stream(300), source_id="feed")
    again = actions.do_ingest_stream(with_source, stream(310), source_id="feed")
    assert (again.report.stored, again.report.duplicates) == (10, 300)
    with with_source.connect() as conn:
        assert count_items(conn) == 310


def test_problems_per_source_are_bounded(with_source: Engine) -> None:
    problems = [
        ParseProblem(f"line {i}", "bad") for i in range(actions.MAX_PROBLEMS_PER_SOURCE + 50)
    ]
    actions.do_record_problems(with_source, "feed", problems)
    actions.do_record_problems(with_source, "feed", [ParseProblem("line last", "bad")])
    with with_source.connect() as conn:
        kept = source_queries.recent_problems(conn, "feed", limit=10_000)
    assert len(kept) == actions.MAX_PROBLEMS_PER_SOURCE
    assert kept[0][0] == "line last"


def test_fetch_health_counts_failures_and_resets(with_source: Engine) -> None:
    actions.do_record_fetch_failure(with_source, "feed", "timed out")
    actions.do_record_fetch_failure(with_source, "feed", "HTTP 503")
    with with_source.connect() as conn:
        (health,) = source_queries.list_health(conn)
    assert (health.consecutive_failures, health.last_error, health.is_healthy) == (
        2,
        "HTTP 503",
        False,
    )
    actions.do_record_fetch_success(with_source, "feed", etag='"v2"', last_modified="Mon")
    with with_source.connect() as conn:
        (health,) = source_queries.list_health(conn)
        assert source_queries.fetch_validators(conn, "feed") == ('"v2"', "Mon")
    assert health.consecutive_failures == 0 and health.is_healthy
    assert health.last_error == "HTTP 503"  # the last error stays visible after recovery


def test_add_remove_source_keeps_file_and_items(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "sources.toml"
    actions.do_add_source(engine, SOURCE, sources_file=file)
    assert [s.id for s in read_sources_file(file)] == ["feed"]
    with pytest.raises(SourceConfigError, match="already exists"):
        actions.do_add_source(engine, SOURCE, sources_file=file)
    actions.do_ingest_stream(engine, stream(3), source_id="feed")
    actions.do_remove_source(engine, "feed", sources_file=file)
    assert read_sources_file(file) == []
    with engine.connect() as conn:
        assert count_items(conn) == 3
    with pytest.raises(SourceConfigError, match="no source"):
        actions.do_remove_source(engine, "feed")


def test_sync_updates_changed_definitions(engine: Engine) -> None:
    assert actions.do_sync_sources(engine, [SOURCE]) == (1, 0)
    assert actions.do_sync_sources(engine, [SOURCE]) == (0, 0)
    changed = Source(id="feed", kind=SourceKind.RSS, url="https://feed.example/v2", lang="en")
    assert actions.do_sync_sources(engine, [changed]) == (0, 1)
    with engine.connect() as conn:
        assert source_queries.get_source(conn, "feed") == changed


def test_store_enrichment_is_idempotent_and_sets_filters(with_source: Engine) -> None:
    outcome = actions.do_ingest_stream(with_source, stream(3), source_id="feed")
    first, second, third = sorted(outcome.new_item_ids)
    labels = Enrichment(
        lang="id",
        sentiment=Label("negative", 0.9),
        stance_id=Label("negative", 0.7),
        crisis=CrisisLabel(related=True, informative=True, info_type="affected_individuals"),
        why={"sentiment": {"ngrams": ["banjir"]}},
    )
    unsure = Enrichment(lang="und")
    assert actions.do_store_enrichment(with_source, [(first, labels), (second, unsure)]) == 2
    assert actions.do_store_enrichment(with_source, [(first, unsure)]) == 0  # already processed
    with with_source.connect() as conn:
        stored = {i.id: i for i in get_items(conn, [first, second, third])}
        negative = search(conn, SearchQuery(sentiments=("negative",), is_crisis=True))
        by_text = search(conn, SearchQuery(text="berita", stances=("negative",)))
    assert stored[first].enrichment is not None
    assert stored[first].enrichment["why"]["sentiment"] == {"ngrams": ["banjir"]}
    assert stored[first].lang == "id" and stored[first].stage == "processed"
    assert stored[second].lang is None  # "und" keeps the source's hint
    assert stored[third].stage == "new"
    assert [i.id for i in negative.items] == [first]
    assert [i.id for i in by_text.items] == [first]
