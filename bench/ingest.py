"""Ingest and search benchmark (issue: foundation). Prints its figures.

1. Store ≥ 50k JSON Lines items (parse + durable store, no enrichment) on SQLite and, when
   DCC_TEST_POSTGRES_URL (or --postgres) is given, on PostgreSQL. Target ≥ 5,000 items/s.
2. Search latency p50/p95 over 1M items on SQLite with a mix of queries (common and rare
   words, phrases, prefixes, filters, time and relevance order). Target p95 ≤ 100 ms.

    .venv/bin/python bench/ingest.py [--items 50000] [--search-items 1000000] [--postgres URL]

The 1M-item database is built once under bench/out/ and reused (delete it to rebuild).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_sentences

from dcc.ingest.actions import do_ingest_stream, do_sync_sources
from dcc.records import RawItem, Source, SourceKind
from dcc.settings import normalise_database_url
from dcc.store.database import create_db_engine
from dcc.store.items import count_items
from dcc.store.migrate import migrate
from dcc.store.search import SearchQuery, search

OUT = Path(__file__).resolve().parent / "out"
LANGS = ["id", "en", "id", "en", "ms", "jv"]
COUNTRIES = ["ID", "ID", "MY", "SG", "AU", "US", "PH", "GB", None]
SOURCES = [f"src-{i:02d}" for i in range(40)]


def make_jsonl(path: Path, count: int, sentences: list[str]) -> None:
    rng = random.Random(1)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            doc = {
                "id": f"doc-{i}",
                "title": sentences[i % len(sentences)][:80],
                "text": " ".join(rng.sample(sentences, 3)),
                "url": f"https://news.example/{i}",
                "author": f"user{rng.randint(1, 5000)}",
                "published_at": (start + timedelta(seconds=i * 30)).isoformat(),
                "lang": rng.choice(LANGS),
                "retweets": rng.randint(0, 100),
            }
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")


def bench_store(url: str, jsonl: Path, label: str, repeat: int) -> float:
    """Store the JSONL file into a fresh database `repeat` times; print median and range."""
    from dcc.ingest.sources import parse_content

    source = Source(id="bench-jsonl", kind=SourceKind.JSONL, url=str(jsonl))
    content = jsonl.read_bytes()
    rates: list[float] = []
    again_seconds: list[float] = []
    for _ in range(repeat):
        with fresh_database(url) as engine:
            do_sync_sources(engine, [source])
            started = time.perf_counter()
            outcome = do_ingest_stream(engine, parse_content(content, source), source_id=source.id)
            rates.append(outcome.report.stored / (time.perf_counter() - started))
            print(f"  run: {rates[-1]:,.0f}/s", flush=True)
            started = time.perf_counter()
            again = do_ingest_stream(engine, parse_content(content, source), source_id=source.id)
            again_seconds.append(time.perf_counter() - started)
            with engine.connect() as conn:
                stored = count_items(conn)
            if again.report.stored or stored != outcome.report.stored:
                raise SystemExit(f"{label}: re-ingest stored {again.report.stored}, count {stored}")
    median = statistics.median(rates)
    print(
        f"store {label:10s}: {outcome.report.stored:,} JSONL items: median {median:,.0f} items/s "
        f"over {repeat} runs (range {min(rates):,.0f}-{max(rates):,.0f}; target ≥ 5,000); "
        f"re-ingest adds 0 in {statistics.median(again_seconds):.1f} s"
    )
    return median


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[Engine]:
    """A new empty, migrated database for one run (a file, or a PostgreSQL database)."""
    if url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_db_engine(f"sqlite:///{Path(tmp) / 'store.db'}")
            migrate(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    name, database_url = postgres_database(url)
    engine = create_db_engine(database_url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(url, name)


def build_search_db(path: Path, count: int, sentences: list[str]) -> None:
    if path.exists():
        engine = create_db_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            have = count_items(conn)
        engine.dispose()
        if have >= count:
            print(f"search db: reusing {path} ({have:,} items)")
            return
        path.unlink()
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    rng = random.Random(2)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    step = (180 * 86400) / count  # half a year of items, in time order
    do_sync_sources(
        engine, [Source(id=s, kind=SourceKind.RSS, url=f"https://{s}.example/rss") for s in SOURCES]
    )
    began = time.perf_counter()

    def items(source_id: str, first: int, last: int):  # type: ignore[no-untyped-def]
        for i in range(first, last):
            yield RawItem(
                source_id=source_id,
                external_id=str(i),
                title=sentences[(i * 7) % len(sentences)][:90],
                text=" ".join(sentences[(i * k) % len(sentences)] for k in (1, 13, 31)),
                published_at=start + timedelta(seconds=i * step),
                lang=rng.choice(LANGS),
                country=rng.choice(COUNTRIES),
            )

    chunk = 50_000
    for first in range(0, count, chunk):
        do_ingest_stream(
            engine,
            items(SOURCES[(first // chunk) % len(SOURCES)], first, min(first + chunk, count)),
            source_id="bench",
            batch_size=5000,
        )
        done = min(first + chunk, count)
        print(f"  built {done:,} items ({done / (time.perf_counter() - began):,.0f}/s)", flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def search_queries(sentences: list[str]) -> list[SearchQuery]:
    rng = random.Random(3)
    words = [w.strip(".,!?:;\"'()#@").lower() for s in sentences[:20000] for w in s.split()]
    words = [w for w in words if len(w) > 3 and w.isalpha()]
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=counts.get, reverse=True)  # type: ignore[arg-type]
    common, middle, rare = ranked[:50], ranked[200:2000], ranked[-3000:]
    queries: list[SearchQuery] = []
    now = datetime(2026, 10, 28, tzinfo=UTC)
    for _ in range(40):
        queries.append(SearchQuery(text=rng.choice(common)))
        queries.append(SearchQuery(text=rng.choice(middle)))
        queries.append(SearchQuery(text=rng.choice(rare)))
        queries.append(SearchQuery(text=f"{rng.choice(common)} {rng.choice(middle)}"))
        queries.append(SearchQuery(text=f'"{rng.choice(common)} {rng.choice(common)}"'))
        queries.append(SearchQuery(text=rng.choice(middle)[:4] + "*"))
        queries.append(SearchQuery(text=rng.choice(common), sort="time"))
        queries.append(SearchQuery(text=rng.choice(middle), langs=("id",)))
        queries.append(
            SearchQuery(text=rng.choice(common), countries=("ID",), since=now - timedelta(days=7))
        )
        queries.append(SearchQuery(sources=(rng.choice(SOURCES),)))
        queries.append(SearchQuery(langs=("en",), page=rng.randint(1, 5)))
        queries.append(SearchQuery())
    rng.shuffle(queries)
    return queries


def bench_search(path: Path, sentences: list[str]) -> None:
    engine = create_db_engine(f"sqlite:///{path}")
    queries = search_queries(sentences)
    timings: list[float] = []
    with engine.connect() as conn:
        for query in queries[:20]:  # warm the page cache as a running server would be
            search(conn, query)
        for query in queries:
            started = time.perf_counter()
            search(conn, query)
            timings.append((time.perf_counter() - started) * 1000)
        total = count_items(conn)
    engine.dispose()
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"search sqlite: {len(timings)} queries over {total:,} items: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target p95 ≤ 100 ms)"
    )


def postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"dcc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(normalise_database_url(admin_url)).set(database=name)
    return name, url.render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    admin = create_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--search-items", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("DCC_TEST_POSTGRES_URL", ""))
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--only-search", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="store runs per database")
    args = parser.parse_args()

    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    if not args.only_search:
        run_store_benchmarks(args.items, args.postgres, sentences, args.repeat)
    if not args.skip_search:
        OUT.mkdir(exist_ok=True)
        db = OUT / f"search-{args.search_items}.db"
        build_search_db(db, args.search_items, sentences)
        bench_search(db, sentences)


def run_store_benchmarks(count: int, postgres: str, sentences: list[str], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "items.jsonl"
        make_jsonl(jsonl, count, sentences)
        print(f"input: {count:,} JSON Lines documents, {jsonl.stat().st_size / 1e6:.1f} MB")
        bench_store("sqlite", jsonl, "sqlite", repeat)
        if postgres:
            bench_store(postgres, jsonl, "postgresql", repeat)
        else:
            print("store postgresql: skipped (set DCC_TEST_POSTGRES_URL or --postgres)")


if __name__ == "__main__":
    main()
