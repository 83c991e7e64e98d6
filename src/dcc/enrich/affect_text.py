"""Text preparation shared by the sentiment, stance and emotion classifiers.

The training corpora (SmSA, NusaX, EmoT) are lower-cased and, for SmSA, tokenised with
spaces around punctuation; live posts are not. Preparing both sides the same way keeps the
hashed n-grams of "bagus," and "bagus ," identical. Informal Indonesian spellings are mapped
to one form ("gak", "ga", "nggak" -> "tidak") so that their evidence is pooled, and a
negation marks the next words ("tidak bagus" -> "tidak neg_bagus") so that a word's weight
can differ under negation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress, count

from dcc.enrich.ngrams import FeatureSpec, NgramBatch, analysed_form, featurise_forms, form_of

# The features every affect model (sentiment id/en, emotion) reads, so that one featurisation
# of a batch serves them all: word 1-2-grams and character 2-5-grams, 2**17 columns each.
AFFECT_SPEC = FeatureSpec(word_ngrams=(1, 2), char_ngrams=(2, 5), n_features=2**17)

# Frequent informal spellings in Indonesian posts and reviews, mapped to the standard word.
INFORMAL = {
    "gak": "tidak", "ga": "tidak", "gk": "tidak", "ngga": "tidak", "nggak": "tidak",
    "enggak": "tidak", "engga": "tidak", "kagak": "tidak", "ndak": "tidak", "tdk": "tidak",
    "ngk": "tidak", "nda": "tidak", "bgt": "banget", "bngt": "banget", "yg": "yang",
    "dgn": "dengan", "krn": "karena", "karna": "karena", "utk": "untuk", "tp": "tapi",
    "tpi": "tapi", "jg": "juga", "sdh": "sudah", "udah": "sudah", "udh": "sudah",
    "blm": "belum", "lg": "lagi", "bkn": "bukan", "aja": "saja", "sm": "sama", "dr": "dari",
    "dlm": "dalam", "org": "orang", "trs": "terus", "klo": "kalau", "kalo": "kalau",
    "jd": "jadi", "jgn": "jangan", "mantab": "mantap", "mantul": "mantap", "bgs": "bagus",
    "dpt": "dapat", "hrs": "harus", "sgt": "sangat", "bnyk": "banyak", "skrg": "sekarang",
    "sampe": "sampai", "emang": "memang", "gimana": "bagaimana", "gmn": "bagaimana",
    "knp": "kenapa", "bener": "benar", "gitu": "begitu", "gini": "begini",
}  # fmt: skip

# Words that invert what follows, in Indonesian and English ("n't" is split off as "t").
NEGATIONS = frozenset({
    "tidak", "bukan", "belum", "jangan", "kurang", "tanpa",
    "not", "no", "never", "nothing", "cannot", "nor", "hardly", "t",
})  # fmt: skip
NEGATION_SCOPE = 2  # words after a negation that it marks; a punctuation mark ends it
NEGATION_PREFIX = "neg_"  # the mark on those words (read back by word vectors, lexicon)

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_ELONGATED = re.compile(r"(\w)\1{2,}")  # "bagussss" -> "baguss": one form for any length
_TOKEN = re.compile(r"\[\w+\]|\w+|[^\w\s]")
_MASK = re.compile(r"\[(\w+)\]")  # "[url]": the one token of ours that the hasher splits


def prepare_text(text: str, *, mark_negation: bool = True) -> str:
    """Lower-case, mask URLs and mentions, space out punctuation, normalise informal words."""
    text = text.lower()
    # Each pattern runs only where it can match (a pass over a 3 KB article costs ~20 µs).
    if "://" in text or "www." in text:
        text = _URL.sub(" [url] ", text)
    if "@" in text:
        text = _MENTION.sub(" [username] ", text)
    text = _ELONGATED.sub(r"\1\1", text)
    tokens = _TOKEN.findall(text)
    tokens = list(map(INFORMAL.get, tokens, tokens))  # token loops in C: ~600 in an article
    if mark_negation:
        tokens = _mark_negation(tokens)
    return " ".join(tokens)


def _mark_negation(tokens: list[str]) -> list[str]:
    # Only the few tokens after a negation are looked at: a word is marked until the scope is
    # used up, a punctuation mark ends it, and another negation starts its own.
    marked = list(tokens)
    for i in compress(count(), map(NEGATIONS.__contains__, tokens)):  # `tokens` stays as is
        for j in range(i + 1, min(i + 1 + NEGATION_SCOPE, len(tokens))):
            token = tokens[j]
            if token in NEGATIONS or not token.isalnum():
                break
            marked[j] = NEGATION_PREFIX + token
    return marked


def affect_features(texts: Sequence[str], spec: FeatureSpec = AFFECT_SPEC) -> NgramBatch:
    """The prepared, hashed n-grams of `texts` that the affect models score."""
    return featurise_forms([_hashed_form(prepare_text(text)) for text in texts], spec)


def _hashed_form(prepared: str) -> str:
    """`ngrams.analysed_form(prepared)`, without finding the tokens of `prepared` again.

    Prepared text is already lower-cased tokens one space apart; of its tokens only a mask
    ("[url]") is more than one of the hasher's (`\\w+` runs and single marks). About 0.2 ms
    of an article's 3 KB.
    """
    if "\x00" in prepared:  # the hasher's document separator, which it blanks out
        return analysed_form(prepared)
    if "[" in prepared:
        prepared = _MASK.sub(r"[ \1 ]", prepared)
    return form_of((prepared,))  # its tokens, already one space apart


def features_for(spec: FeatureSpec, texts: Sequence[str], known: NgramBatch | None) -> NgramBatch:
    """`known` (affect_features of `texts`) when a model reads AFFECT_SPEC, else its own."""
    if known is not None and spec == AFFECT_SPEC:
        return known
    return affect_features(texts, spec)
