"""Near-duplicate detection over a stream: MinHash LSH (rensa) on word 3-shingles (DESIGN §6).

A document nearly copies an earlier one when the Jaccard similarity of their sets of 3-word
shingles is at least `threshold` (0.7 by default), after normalisation: NFKC, lower case, the
"RT @user:" prefix, URLs and mentions removed, informal Indonesian spellings standardised
("yg" → "yang"). Why 0.7 on 3-shingles: a retweet with a comment of a few words, or a
syndicated article whose first line names another outlet ("JAKARTA, KOMPAS.com -" vs
"Jakarta (ANTARA) -"), keeps well above 0.7 of its shingles, while two different reports of the
same event written in the same register share under 0.3 (the story stage links those).

LSH only proposes candidates; each is then checked with the exact Jaccard of the stored shingle
sets, so `why` reports both the MinHash estimate and the exact shared fraction. Texts under
MIN_WORDS words have too few shingles for Jaccard to mean anything: they only match exactly.
Memory is bounded by `max_docs`: the oldest documents leave the index first.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from rensa import RMinHash, RMinHashLSH

from dcc.enrich.labels import Why
from dcc.enrich.normalize import informal_id_lexicon, text_features

DEFAULT_THRESHOLD = 0.7
SHINGLE_WORDS = 3
MIN_WORDS = 5
NUM_PERM = 64
# 16 bands of 4 rows: a pair at Jaccard 0.7 becomes a candidate with probability 0.99, at 0.5
# with 0.64 (rejected by the exact check), at 0.2 with 0.03: few wasted checks.
NUM_BANDS = 16
SEED = 42
DEFAULT_MAX_DOCS = 200_000  # about a day of a national stream's distinct items
_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The comparable words of `text`: prose only (no RT marker, URLs, mentions), standardised."""
    lexicon = informal_id_lexicon()
    words: list[str] = []
    for word in _WORD.findall(text_features(text).prose.lower()):
        standard = lexicon.get(word)
        # Same lexicon as normalize_informal_id, applied per word: a regex callback per token
        # would halve the throughput.
        if standard is None:
            words.append(word)
        else:
            words.extend(standard.lower().split())
    return words


def shingles_of(words: list[str]) -> frozenset[str]:
    """The set of SHINGLE_WORDS-word shingles of `words`."""
    n = SHINGLE_WORDS
    return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))


class NearDuplicateIndex:
    """Remembers recent documents and says which earlier one a new document nearly copies."""

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, max_docs: int | None = DEFAULT_MAX_DOCS
    ) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if max_docs is not None and max_docs < 1:
            raise ValueError(f"max_docs must be at least 1 or None, got {max_docs}")
        self.threshold = threshold
        self.max_docs = max_docs
        self._lsh = RMinHashLSH(threshold, NUM_PERM, NUM_BANDS)
        self._next_key = 0
        # key → (doc id, shingles, minhash), oldest first; only documents of MIN_WORDS+ words.
        self._docs: OrderedDict[int, tuple[str, frozenset[str], Any]] = OrderedDict()
        # exact normalised text → (key, doc id) of its first occurrence, for short texts too.
        self._exact: dict[str, tuple[int, str]] = {}
        self._exact_keys: OrderedDict[int, str] = OrderedDict()
        self._seen: dict[str, tuple[str | None, Why]] = {}
        self._seen_order: OrderedDict[int, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, doc_id: str, text: str) -> tuple[str | None, Why]:
        """(id of the earliest remembered document `text` nearly copies or None, why); remembers it.

        Adding the same `doc_id` again (a re-run) returns the first answer and changes nothing.
        """
        if doc_id in self._seen:
            return self._seen[doc_id]
        key = self._next_key
        self._next_key += 1
        words = words_of(text)
        exact_text = " ".join(words)
        is_long = len(words) >= MIN_WORDS
        shingles = shingles_of(words) if is_long else frozenset()
        minhash = _minhash(shingles) if is_long else None
        result = self._match(exact_text, shingles, minhash)
        if exact_text and exact_text not in self._exact:
            self._exact[exact_text] = (key, doc_id)
            self._exact_keys[key] = exact_text
        if is_long:
            self._lsh.insert(key, minhash)
            self._docs[key] = (doc_id, shingles, minhash)
        self._seen[doc_id] = result
        self._seen_order[key] = doc_id
        self._evict()
        return result

    def _match(
        self, exact_text: str, shingles: frozenset[str], minhash: Any
    ) -> tuple[str | None, Why]:
        if not exact_text:
            return None, {"reason": "no words to compare"}
        exact = self._exact.get(exact_text)
        if exact is not None:
            return exact[1], {"method": "exact", "similarity": 1.0, "shared_shingles": 1.0}
        if minhash is None:
            return None, {"method": "exact", "reason": f"under {MIN_WORDS} words: exact match only"}
        best: tuple[int, float, float] | None = None
        for candidate in sorted(self._lsh.query(minhash)):
            if candidate not in self._docs:
                continue
            _, other, other_hash = self._docs[candidate]
            shared = len(shingles & other) / len(shingles | other)
            if shared >= self.threshold:
                # Candidates are sorted by key, which is arrival order: the first is earliest.
                best = (candidate, float(minhash.jaccard(other_hash)), shared)
                break
        if best is None:
            return None, {"method": "minhash-lsh", "threshold": self.threshold}
        candidate, estimate, shared = best
        return self._docs[candidate][0], {
            "method": "minhash-lsh",
            "similarity": round(estimate, 4),
            "shared_shingles": round(shared, 4),
            "threshold": self.threshold,
        }

    def _evict(self) -> None:
        if self.max_docs is None:
            return
        while len(self._seen_order) > self.max_docs:
            key, doc_id = self._seen_order.popitem(last=False)
            self._seen.pop(doc_id, None)
            if self._docs.pop(key, None) is not None:
                self._lsh.remove(key)
            exact_text = self._exact_keys.pop(key, None)
            if exact_text is not None:
                self._exact.pop(exact_text, None)


def _minhash(shingles: frozenset[str]) -> Any:
    minhash = RMinHash(NUM_PERM, SEED)
    minhash.update(list(shingles))
    return minhash
