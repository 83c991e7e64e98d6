"""Near-duplicate detection over a stream: MinHash LSH (rensa) on word 3-shingles (DESIGN §6).

A document nearly copies an earlier one when the Jaccard similarity of their sets of 3-word
shingles is at least `threshold` (0.7 by default), after normalisation: NFKC, lower case, the
"RT @user:" prefix, URLs and mentions removed, informal Indonesian spellings standardised
("yg" → "yang"). Why 0.7 on 3-shingles: a retweet with a comment of a few words, or a
syndicated article whose first line names another outlet ("JAKARTA, KOMPAS.com -" vs
"Jakarta (ANTARA) -"), keeps well above 0.7 of its shingles, while two different reports of the
same event written in the same register share under 0.3 (the story stage links those).

LSH only proposes candidates; each is then checked with the exact Jaccard of the shingle sets,
so `why` reports both the MinHash estimate and the exact shared fraction. Texts under
MIN_WORDS words have too few shingles for Jaccard to mean anything: they only match exactly.
Memory is bounded by `max_docs`: the oldest documents leave the index first. Each remembered
document keeps only its normalised words as one string; a candidate's shingles and MinHash are
rebuilt from it when LSH proposes it, which is rare, so a day's window stays small in memory
and `state()` can save it as JSON (`from_state()` restores it; no pickle).
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from functools import cache
from typing import Any

from rensa import RMinHash, RMinHashLSH

from dcc.enrich.labels import Why

# The patterns text_features uses to take URLs, the RT marker and mentions out of the prose;
# words_of applies them directly (test_dedupe checks both agree). The "#" of a hashtag and
# runs of spaces, which text_features also rewrites, never change the words.
from dcc.enrich.normalize import INVISIBLE, MENTION, RETWEET, URL, informal_id_lexicon

DEFAULT_THRESHOLD = 0.7
SHINGLE_WORDS = 3
MIN_WORDS = 5
NUM_PERM = 64
# 16 bands of 4 rows: a pair at Jaccard 0.7 becomes a candidate with probability 0.99, at 0.5
# with 0.64 (rejected by the exact check), at 0.2 with 0.03: few wasted checks.
NUM_BANDS = 16
SEED = 42
DEFAULT_MAX_DOCS = 200_000  # about a day of a national stream's distinct items
# Articles are compared on their opening: a syndicated copy shares it, and reading a whole long
# article would cost more than all other checks together (about 0.4 ms per 2,000 characters).
MAX_CHARS = 2_000
STATE_VERSION = 1
_WORD = re.compile(r"\w+")
_HAS_INVISIBLE = re.compile("[" + "".join(map(chr, INVISIBLE)) + "]")


class DedupeStateError(ValueError):
    """A saved index state cannot be restored; the message says which part is wrong."""


@cache
def _standard_spellings() -> tuple[dict[str, str], frozenset[str]]:
    """informal_id_lexicon with the standard forms in lower case, and the informal words whose
    standard form is not one word ("pemda" -> "pemerintah daerah")."""
    spellings = {informal: standard.lower() for informal, standard in informal_id_lexicon().items()}
    several = frozenset(
        word for word, standard in spellings.items() if standard.split() != [standard]
    )
    return spellings, several


def words_of(text: str) -> list[str]:
    """The comparable words of `text`: prose only (no RT marker, URLs, mentions), standardised.

    Only the first MAX_CHARS characters are read.
    """
    clean = text[:MAX_CHARS]
    if not clean.isascii():  # NFKC and the invisible characters only concern non-ASCII text
        clean = unicodedata.normalize("NFKC", clean)
        if _HAS_INVISIBLE.search(clean):
            clean = clean.translate(INVISIBLE)
    # Each pattern runs only where it can match. Mentions are removed before lower-casing:
    # lower() turns some letters into two characters ("İ"), which would cut a handle short.
    lowered = clean.lower()
    is_changed = False
    if "://" in lowered or "www." in lowered:
        clean, is_changed = URL.sub(" ", clean), True
    if clean.lstrip()[:2].lower() == "rt":
        clean, is_changed = RETWEET.sub(" ", clean), True
    if "@" in clean:
        clean, is_changed = MENTION.sub(" ", clean), True
    spellings, several = _standard_spellings()
    # Same lexicon as normalize_informal_id, applied per word: a regex callback per token
    # would halve the throughput. A standard form may be two words: then join and split.
    found = _WORD.findall(clean.lower() if is_changed else lowered)
    words = [spellings.get(w, w) for w in found]
    return words if several.isdisjoint(found) else " ".join(words).split()


def shingles_of(words: list[str]) -> frozenset[str]:
    """The set of SHINGLE_WORDS-word shingles of `words`."""
    if SHINGLE_WORDS == 3:
        return frozenset(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
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
        # key → (doc id, its words joined by spaces, whether it is in LSH), oldest first.
        self._docs: OrderedDict[int, tuple[str, str, bool]] = OrderedDict()
        # exact normalised text → (key, doc id) of its first remembered occurrence.
        self._exact: dict[str, tuple[int, str]] = {}
        self._seen: dict[str, tuple[str | None, Why]] = {}

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
        minhash = _minhash(shingles_of(words)) if is_long else None
        result = self._match(exact_text, words, minhash)
        holds_exact = bool(exact_text) and exact_text not in self._exact
        self._remember(key, doc_id, exact_text, is_long, minhash, result, holds_exact)
        self._evict()
        return result

    def _remember(
        self,
        key: int,
        doc_id: str,
        exact_text: str,
        is_long: bool,
        minhash: Any,
        result: tuple[str | None, Why],
        holds_exact: bool,
    ) -> None:
        if holds_exact:
            self._exact[exact_text] = (key, doc_id)
        if is_long:
            self._lsh.insert(key, minhash)
        self._docs[key] = (doc_id, exact_text, is_long)
        self._seen[doc_id] = result

    def _match(self, exact_text: str, words: list[str], minhash: Any) -> tuple[str | None, Why]:
        if not exact_text:
            return None, {"reason": "no words to compare"}
        exact = self._exact.get(exact_text)
        if exact is not None:
            return exact[1], {"method": "exact", "similarity": 1.0, "shared_shingles": 1.0}
        if minhash is None:
            return None, {"method": "exact", "reason": f"under {MIN_WORDS} words: exact match only"}
        candidates = self._lsh.query(minhash)
        if not candidates:
            return None, {"method": "minhash-lsh", "threshold": self.threshold}
        shingles = shingles_of(words)
        # Keys are given in arrival order: the first candidate that passes is the earliest.
        for candidate in sorted(candidates):
            remembered = self._docs.get(candidate)
            if remembered is None:
                continue
            other = shingles_of(remembered[1].split())
            shared = len(shingles & other) / len(shingles | other)
            if shared >= self.threshold:
                estimate = float(minhash.jaccard(_minhash(other)))
                return remembered[0], {
                    "method": "minhash-lsh",
                    "similarity": round(estimate, 4),
                    "shared_shingles": round(shared, 4),
                    "threshold": self.threshold,
                }
        return None, {"method": "minhash-lsh", "threshold": self.threshold}

    def _evict(self) -> None:
        if self.max_docs is None:
            return
        while len(self._docs) > self.max_docs:
            key, (doc_id, exact_text, is_long) = self._docs.popitem(last=False)
            self._seen.pop(doc_id, None)
            if is_long:
                self._lsh.remove(key)
            if self._exact.get(exact_text) == (key, doc_id):
                del self._exact[exact_text]

    # --- persistence ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything the index remembers, as JSON types: one entry per document, oldest first.

        Each entry is [key, doc id, normalised words, holds the exact text, answer, why]; the
        MinHashes are recomputed from the words when the state is restored.
        """
        documents = []
        for key, (doc_id, exact_text, _) in self._docs.items():
            near, why = self._seen[doc_id]
            holds_exact = self._exact.get(exact_text) == (key, doc_id)
            documents.append([key, doc_id, exact_text, holds_exact, near, why])
        return {
            "version": STATE_VERSION,
            "threshold": self.threshold,
            "max_docs": self.max_docs,
            "next_key": self._next_key,
            "documents": documents,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> NearDuplicateIndex:
        """An index that answers as the one that produced `state()` would have."""
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            found = state.get("version") if isinstance(state, dict) else type(state).__name__
            raise DedupeStateError(f"dedupe state version {found!r}, expected {STATE_VERSION}")
        try:
            index = cls(threshold=float(state["threshold"]), max_docs=state["max_docs"])
            index._next_key = int(state["next_key"])
            for key, doc_id, exact_text, holds_exact, near, why in state["documents"]:
                if not isinstance(why, dict):
                    raise TypeError(f"why of {doc_id!r} is not an object")
                words = str(exact_text).split()
                is_long = len(words) >= MIN_WORDS
                minhash = _minhash(shingles_of(words)) if is_long else None
                result = (None if near is None else str(near), why)
                index._remember(
                    int(key),
                    str(doc_id),
                    " ".join(words),
                    is_long,
                    minhash,
                    result,
                    bool(holds_exact),
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise DedupeStateError(
                f"dedupe state is malformed: {type(exc).__name__}: {exc}"
            ) from exc
        return index


def _minhash(shingles: frozenset[str]) -> Any:
    minhash = RMinHash(NUM_PERM, SEED)
    minhash.update(list(shingles))
    return minhash
