"""A small set of enriched items for the query tests, stored through the real actions.

Each item has labels as the enrichment pipeline writes them (DESIGN §4.2), so the matcher
(reading `MatchItem.from_stored`) and the SQL compiler (reading the columns and the JSON that
`do_store_enrichment` stores) see the same item. One item is left unenriched, to check that
NOT of a missing label means the same on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from dcc.enrich.labels import CrisisLabel, Enrichment, Entity, Label
from dcc.ingest.actions import do_store_enrichment
from dcc.query.matcher import MatchItem
from dcc.records import RawItem, StoredItem
from dcc.store.items import get_items, insert_new_items
from dcc.store.schema import items

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Doc:
    key: str
    source: str
    title: str
    text: str
    hours_ago: float
    lang: str | None = "id"
    country: str | None = None
    kind: str = "article"
    # Enrichment; None leaves the item unprocessed.
    sentiment: str | None = "neutral"
    stance: str | None = None
    crisis: tuple[bool, bool, str] | None = None  # related, informative, info_type
    topics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    entities: tuple[tuple[str, str], ...] = ()  # (text, type)
    is_enriched: bool = True


DOCS = (
    Doc(
        "gempa-lombok",
        "antara-id",
        "Gempa Lombok",
        "Gempa bumi magnitudo 5,4 mengguncang Lombok dan warga mengungsi. BMKG: tidak "
        "berpotensi tsunami.",
        1,
        country="ID",
        sentiment="negative",
        stance="neutral",
        crisis=(True, True, "caution_and_advice"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Lombok", "LOC"), ("BMKG", "ORG")),
    ),
    Doc(
        "lombok-quake",
        "bbc-asia",
        "Lombok quake",
        "An earthquake hit Lombok, Indonesia; a tsunami warning was issued, then lifted.",
        2,
        lang="en",
        country="GB",
        sentiment="negative",
        stance="neutral",
        crisis=(True, True, "affected_individuals"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Lombok", "LOC"), ("Indonesia", "LOC")),
    ),
    Doc(
        "menlu",
        "antara-id",
        "Menlu bertemu mitra ASEAN",
        "Menteri Luar Negeri Retno Marsudi bertemu mitra ASEAN di Jakarta membahas kerja sama "
        "maritim.",
        3,
        country="ID",
        sentiment="positive",
        stance="positive",
        crisis=(False, False, "not_applicable"),
        topics=("diplomacy", "maritime"),
        countries=("ID",),
        entities=(("Retno Marsudi", "PER"), ("ASEAN", "ORG"), ("Jakarta", "LOC")),
    ),
    Doc(
        "covid",
        "cna-asia",
        "Covid",
        "COVID-19 cases rise again in Jakarta hospitals",
        4,
        lang="en",
        country="SG",
        sentiment="negative",
        crisis=(False, False, "not_applicable"),
        topics=("health",),
        countries=("ID",),
        entities=(("Jakarta", "LOC"),),
    ),
    Doc(
        "banjir",
        "antara-id",
        "Banjir Jakarta",
        "Banjir Jakarta: ribuan warga terdampak, pengungsian dibuka",
        5,
        country="ID",
        sentiment="negative",
        stance="neutral",
        crisis=(True, True, "affected_individuals"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Jakarta", "LOC"),),
    ),
    Doc(
        "minister",
        "bbc-asia",
        "Minister",
        "Indonesia's foreign minister meets ASEAN counterparts",
        30,
        lang="en",
        country="GB",
        stance="neutral",
        crisis=(False, False, "not_applicable"),
        topics=("diplomacy",),
        countries=("ID",),
        entities=(("ASEAN", "ORG"),),
    ),
    Doc(
        "kemlu",
        "reuters-world",
        "Statement",
        "The foreign ministry (Kemlu) rejected the report as baseless.",
        6,
        lang="en",
        country=None,
        sentiment="negative",
        stance="negative",
        crisis=(False, False, "not_applicable"),
        topics=("diplomacy",),
        countries=("ID",),
        entities=(("Kemlu", "ORG"),),
    ),
    Doc(
        "drill",
        "antara-en",
        "Tsunami drill",
        "A tsunami warning drill (latihan) was held in Padang; no real warning.",
        7,
        lang="en",
        country="ID",
        crisis=(True, False, "other_useful_information"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Padang", "LOC"),),
    ),
    Doc(
        "post",
        "twitter-export",
        "",
        "gempa lagi?? semoga semua aman #prayforlombok",
        0.5,
        kind="post",
        sentiment="negative",
        crisis=(True, False, "sympathy_and_support"),
        topics=("disaster",),
    ),
    Doc(
        "trade",
        "nikkei-asia",
        "Tokyo and Jakarta",
        "Japan and Indonesia sign a trade deal worth 5.4 billion dollars.",
        20,
        lang="en",
        country="JP",
        sentiment="positive",
        stance="positive",
        crisis=(False, False, "not_applicable"),
        topics=("economy_trade",),
        countries=("JP", "ID"),
        entities=(("Japan", "LOC"), ("Indonesia", "LOC")),
    ),
    Doc(
        "raw",
        "kompas-id",
        "Presiden meninjau banjir bandang",
        "Presiden Joko Widodo meninjau lokasi banjir bandang di Sumatra Barat",
        2.5,
        country="ID",
        is_enriched=False,
    ),
    Doc(
        "boundary",
        "antara-id",
        "Peringatan tsunami",
        "warning lifted for Sulawesi after the quake",
        8,
        country="ID",
        crisis=(True, True, "caution_and_advice"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Sulawesi", "LOC"),),
    ),
    Doc(
        "jokowi",
        "antara-id",
        "Rapat kabinet",
        "Presiden Joko Widodo memimpin rapat kabinet tentang warga_negara di luar negeri",
        9,
        country="ID",
        stance="positive",
        crisis=(False, False, "not_applicable"),
        topics=("politics",),
        countries=("ID",),
        entities=(("Joko Widodo", "PER"),),
    ),
    Doc(
        "old",
        "antara-id",
        "Gempa lama",
        "Arsip: gempa Lombok 2018 dan tsunami",
        24 * 30,
        country="ID",
        sentiment="negative",
        crisis=(True, False, "other_useful_information"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Lombok", "LOC"),),
    ),
    Doc(
        "cyber",
        "detik-id",
        "Serangan siber",
        "Peretas menyerang situs kementerian; BSSN menyelidiki serangan siber itu.",
        10,
        country="ID",
        sentiment="negative",
        stance="negative",
        crisis=(False, False, "not_applicable"),
        topics=("cyber",),
        countries=("ID",),
        entities=(("BSSN", "ORG"),),
    ),
    Doc(
        "kelantan",
        "bernama-my",
        "Banjir di Kelantan",
        "Banjir besar melanda Kelantan, ribuan dipindahkan",
        11,
        lang="ms",
        country="MY",
        sentiment="negative",
        crisis=(True, True, "affected_individuals"),
        topics=("disaster",),
        countries=("MY",),
        entities=(("Kelantan", "LOC"),),
    ),
    Doc(
        "cap",
        "bmkg-cap",
        "Peringatan Dini Cuaca",
        "Hujan lebat disertai petir di Jakarta Selatan",
        0.2,
        kind="alert",
        crisis=(True, True, "caution_and_advice"),
        topics=("disaster",),
        countries=("ID",),
        entities=(("Jakarta Selatan", "LOC"),),
    ),
    Doc(
        "covid-spaced",
        "detik-id",
        "Kasus covid 19 menurun",
        "Dinas kesehatan: kasus covid 19 terus menurun pekan ini",
        40,
        country="ID",
        sentiment="positive",
        crisis=(False, False, "not_applicable"),
        topics=("health",),
        countries=("ID",),
    ),
)


def enrichment_of(doc: Doc) -> Enrichment:
    return Enrichment(
        lang=doc.lang or "und",
        sentiment=Label(doc.sentiment, 0.8) if doc.sentiment else None,
        stance_id=Label(doc.stance, 0.7) if doc.stance else None,
        entities=tuple(Entity(text, kind, 0, len(text)) for text, kind in doc.entities),
        countries=doc.countries,
        crisis=CrisisLabel(*doc.crisis) if doc.crisis else None,
        topics=doc.topics,
    )


def store_docs(engine: Engine) -> dict[int, str]:
    """Store DOCS (enriched through do_store_enrichment); return item id -> doc key."""
    raw = [
        RawItem(
            source_id=doc.source,
            external_id=doc.key,
            title=doc.title,
            text=doc.text,
            lang=doc.lang,
            country=doc.country,
            kind=doc.kind,
            published_at=NOW - timedelta(hours=doc.hours_ago),
        )
        for doc in DOCS
    ]
    with engine.begin() as conn:
        insert_new_items(conn, raw)
        rows = conn.execute(select(items.c.id, items.c.external_id)).all()
    keys = {int(row.id): str(row.external_id) for row in rows}
    by_key = {doc.key: doc for doc in DOCS}
    do_store_enrichment(
        engine,
        [
            (item_id, enrichment_of(by_key[key]))
            for item_id, key in keys.items()
            if by_key[key].is_enriched
        ],
    )
    return keys


def stored_items(engine: Engine) -> list[StoredItem]:
    with engine.connect() as conn:
        ids = list(conn.execute(select(items.c.id).order_by(items.c.id)).scalars())
        return get_items(conn, ids)


def match_items() -> dict[str, MatchItem]:
    """DOCS as the matcher sees them, without a database (labels as from_stored reads them)."""
    found: dict[str, MatchItem] = {}
    for doc in DOCS:
        stored = StoredItem(
            id=0,
            source_id=doc.source,
            external_id=doc.key,
            title=doc.title,
            text=doc.text,
            url=None,
            author=None,
            published_at=NOW - timedelta(hours=doc.hours_ago),
            ingested_at=NOW,
            lang=doc.lang,
            country=doc.country,
            geo=None,
            kind=doc.kind,
            stage="processed" if doc.is_enriched else "new",
            extra={},
            enrichment=enrichment_of(doc).as_json() if doc.is_enriched else None,
        )
        found[doc.key] = MatchItem.from_stored(stored)
    return found
