"""The label index: what an item is indexed under, written with its enrichment, and filled
by migration 0007 for items enriched before it; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Engine, select, update

from dcc.enrich.labels import Enrichment, Label
from dcc.ingest.actions import do_ingest_stream, do_store_enrichment
from dcc.records import RawItem
from dcc.store.labels import epoch_us, from_epoch_us, label_rows, label_values
from dcc.store.migrate import alembic_config, migrate
from dcc.store.schema import item_labels, items

AT = datetime(2026, 11, 20, 23, 59, 59, 999_999, tzinfo=UTC)


def labels_of(engine: Engine) -> set[tuple[int, str, str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                item_labels.c.item_id,
                item_labels.c.kind,
                item_labels.c.value,
                item_labels.c.sort_at_us,
            )
        )
        return {(r[0], r[1], r[2], r[3]) for r in rows}


def ingest(engine: Engine, count: int) -> list[int]:
    do_ingest_stream(
        engine,
        [
            RawItem(
                source_id="antara-id",
                external_id=f"e{i}",
                text=f"teks {i}",
                country="ID" if i % 2 == 0 else None,
                published_at=AT - timedelta(hours=i),
            )
            for i in range(count)
        ],
        source_id="antara-id",
    )
    with engine.connect() as conn:
        return list(conn.execute(select(items.c.id).order_by(items.c.id)).scalars())


ENRICHMENT = Enrichment(
    lang="id",
    sentiment=Label("negative", 0.9),
    stance_id=Label("negative", 0.8),
    countries=("MY", "ID"),
    topics=("disaster", "maritime"),
    story_id="s00000042",
)


def test_label_values() -> None:
    assert label_values(ENRICHMENT.as_json(), country="SG") == {
        ("country", "SG"),
        ("country", "MY"),
        ("country", "ID"),
        ("topic", "disaster"),
        ("topic", "maritime"),
        ("story", "s00000042"),
    }
    assert label_values(Enrichment().as_json(), country=None) == set()
    odd = {"countries": ["MY", 3, None, ""], "topics": "disaster", "story_id": 7}
    assert label_values(odd, country=None) == {("country", "MY")}


def test_times_are_exact_microseconds() -> None:
    assert from_epoch_us(epoch_us(AT)) == AT
    assert epoch_us(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005


def test_store_enrichment_writes_the_labels_once(engine: Engine) -> None:
    ids = ingest(engine, 3)
    assert do_store_enrichment(engine, [(ids[0], ENRICHMENT), (ids[1], ENRICHMENT)]) == 2
    expected = {
        (row["item_id"], row["kind"], row["value"], row["sort_at_us"])
        for item_id, country in ((ids[0], "ID"), (ids[1], None))
        for row in label_rows(
            item_id,
            ENRICHMENT.as_json(),
            sort_at=AT - timedelta(hours=ids.index(item_id)),
            country=country,
        )
    }
    assert labels_of(engine) == expected
    assert ("country", "ID") in {(k, v) for i, k, v, _ in expected if i == ids[0]}
    # A redelivered job changes nothing; an item not enriched has no labels.
    assert do_store_enrichment(engine, [(ids[0], ENRICHMENT)]) == 0
    assert labels_of(engine) == expected
    assert not {row for row in labels_of(engine) if row[0] == ids[2]}


def test_deleting_an_item_deletes_its_labels(engine: Engine) -> None:
    ids = ingest(engine, 2)
    do_store_enrichment(engine, [(ids[0], ENRICHMENT), (ids[1], ENRICHMENT)])
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(items.delete().where(items.c.id == ids[0]))
    assert {row[0] for row in labels_of(engine)} == {ids[1]}


def test_migration_fills_the_index_for_items_enriched_before_it(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    ids = ingest(engine, 4)
    odd = {"lang": "id", "countries": None, "topics": ["health"], "story_id": None}
    with engine.begin() as conn:  # as the writer stored enrichment before 0007
        for item_id, labels in ((ids[0], ENRICHMENT.as_json()), (ids[1], odd)):
            conn.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(enrichment=labels, stage="processed")
            )
    migrate(engine)
    expected = {
        (row["item_id"], row["kind"], row["value"], row["sort_at_us"])
        for item_id, labels, country in (
            (ids[0], ENRICHMENT.as_json(), "ID"),
            (ids[1], odd, None),
        )
        for row in label_rows(
            item_id, labels, sort_at=AT - timedelta(hours=ids.index(item_id)), country=country
        )
    }
    assert labels_of(engine) == expected
