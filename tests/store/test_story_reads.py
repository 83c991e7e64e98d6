"""Story reads on SQLite and PostgreSQL: the timeline across languages and the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from dcc.enrich.labels import Enrichment, Entity, Label
from dcc.errors import QueryError
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment
from dcc.records import RawItem
from dcc.store.records import EntityCount, LabelMix, ValueCount
from dcc.store.schema import items
from dcc.store.stories import story_items, story_summary

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# (source, lang, country, minutes after the first, sentiment, stance, about, topics, entities)
STORY = [
    ("antara-id", "id", "ID", 0, "negative", "negative", ("ID",), ("disaster",), ("BNPB",)),
    ("bbc", "en", "GB", 30, "negative", None, ("ID", "AU"), ("disaster",), ("BNPB", "Lombok")),
    ("star-my", "ms", "MY", 45, "neutral", "neutral", ("MY",), (), ("Lombok",)),
    ("antara-en", "en", "ID", 90, "positive", None, (), ("disaster", "health"), ("BNPB",)),
]


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    start = NOW - timedelta(hours=3)
    raw = [
        RawItem(
            source_id=source,
            external_id=f"s{i}",
            title=f"Gempa Lombok ({lang} {i})",
            text="Gempa mengguncang Lombok",
            lang=lang,
            country=country,
            published_at=start + timedelta(minutes=minutes),
        )
        for i, (source, lang, country, minutes, *_) in enumerate(STORY)
    ]
    raw.append(RawItem(source_id="antara-id", external_id="other", text="Banjir", published_at=NOW))
    do_ingest_stream(engine, raw, source_id="antara-id")
    with engine.connect() as conn:
        ids = {key: i for key, i in conn.execute(select(items.c.external_id, items.c.id))}
    labelled = []
    for i, (_, lang, _, _, sentiment, stance, about, topics, names) in enumerate(STORY):
        entities = tuple(Entity(name, "ORG" if name == "BNPB" else "LOC", 0, 4) for name in names)
        labelled.append(
            (
                ids[f"s{i}"],
                Enrichment(
                    lang=lang,
                    sentiment=Label(sentiment, 0.9),
                    stance_id=Label(stance, 0.8) if stance else None,
                    countries=about,
                    topics=topics,
                    entities=entities,
                    story_id="s00000007",
                ),
            )
        )
    labelled.append((ids["other"], Enrichment(lang="id", story_id="s00000008")))
    do_store_enrichment(engine, labelled)
    return engine


def test_story_items_is_a_timeline_across_languages(stocked: Engine) -> None:
    with stocked.connect() as conn:
        timeline = story_items(conn, "s00000007")
        newest = story_items(conn, "s00000007", limit=2, newest_first=True)
    assert [item.lang for item in timeline] == ["id", "en", "ms", "en"]
    assert [item.published_at for item in timeline] == sorted(i.published_at for i in timeline)
    assert all(item.enrichment and item.enrichment["story_id"] == "s00000007" for item in timeline)
    assert [item.id for item in newest] == [timeline[3].id, timeline[2].id]


def test_story_summary(stocked: Engine) -> None:
    with stocked.connect() as conn:
        summary = story_summary(conn, "s00000007")
    assert summary is not None
    assert summary.title == "Gempa Lombok (id 0)" and summary.size == 4
    assert summary.first_seen == NOW - timedelta(hours=3)
    assert summary.last_seen == NOW - timedelta(hours=3) + timedelta(minutes=90)
    assert summary.languages == (ValueCount("en", 2), ValueCount("id", 1), ValueCount("ms", 1))
    assert summary.sources[0] == ValueCount("antara-en", 1) and len(summary.sources) == 4
    # Own country and the countries it is about, as country: matches them.
    assert summary.countries == (
        ValueCount("ID", 3),
        ValueCount("AU", 1),
        ValueCount("GB", 1),
        ValueCount("MY", 1),
    )
    assert summary.topics == (ValueCount("disaster", 3), ValueCount("health", 1))
    assert summary.sentiment == LabelMix(positive=1, neutral=1, negative=2)
    assert summary.stance == LabelMix(positive=0, neutral=1, negative=1)
    assert summary.entities == (EntityCount("BNPB", "ORG", 3), EntityCount("Lombok", "LOC", 2))
    assert summary.entities_over == 4


def test_story_summary_limits_and_visibility(stocked: Engine) -> None:
    with stocked.connect() as conn:
        short = story_summary(conn, "s00000007", limit_per_list=1)
        english = story_summary(conn, "s00000007", visible=items.c.lang == "en")
        hidden = story_summary(conn, "s00000007", visible=items.c.lang == "jv")
        assert story_items(conn, "s00000007", visible=items.c.lang == "en")[0].lang == "en"
    assert short is not None and len(short.sources) == 1 and len(short.entities) == 1
    assert english is not None and english.size == 2 and english.languages == (ValueCount("en", 2),)
    assert english.title == "Gempa Lombok (en 1)"
    assert hidden is None


def test_unknown_story_and_bad_limit(stocked: Engine) -> None:
    with stocked.connect() as conn:
        assert story_summary(conn, "nope") is None
        assert story_items(conn, "nope") == []
        with pytest.raises(QueryError, match="limit"):
            story_items(conn, "s00000007", limit=0)
