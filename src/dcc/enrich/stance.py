"""Stance toward Indonesia (its state, government, ministries, officials), DESIGN §4.2.

The stance is the sentiment of the sentences that mention Indonesia or its institutions and
officials (data/indonesia_terms.tsv), averaged over those sentences: a post can praise a
restaurant and attack the foreign ministry, and stance_id must follow the second part only.
A document with no such sentence does not concern Indonesia: None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from dcc.enrich.labels import SENTIMENT_LABELS, Label, Why
from dcc.enrich.sentiment import UNSURE_SCORE, model_name_for, sentiment_probabilities

TERMS_FILE = Path(__file__).parent / "data" / "indonesia_terms.tsv"
MAX_SENTENCES = 20  # the stance of a long article is decided by its first mentions
MAX_QUOTED_CHARS = 300  # sentences quoted in `why` are cut to this length

# A sentence ends at . ! ? … (and closing quotes or brackets) followed by space, or at a line
# break; not after a known abbreviation, a single capital (initials) or inside a number.
_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*")
_ABBREVIATIONS = frozenset({
    "dr", "mr", "mrs", "ms", "prof", "jl", "jln", "no", "bpk", "ibu", "sdr", "st", "gen", "lt",
    "col", "capt", "pres", "rep", "sen", "gov", "u.s", "vs", "etc", "dll", "dsb", "tsb", "a.n",
    "h.e", "ir", "drs", "hj", "kh",
})  # fmt: skip


def split_sentences(text: str) -> list[str]:
    """Sentences of Indonesian or English `text`, by punctuation and line-break rules."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        piece = text[start : match.start()]
        last_word = piece.rsplit(None, 1)[-1] if piece.split() else ""
        stem = last_word.rstrip(".").lower()
        is_abbreviation = last_word.endswith(".") and (
            stem in _ABBREVIATIONS or (len(stem) == 1 and stem.isalpha())
        )
        if is_abbreviation and "\n" not in match.group():
            continue
        if piece.strip():
            sentences.append(piece.strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


@dataclass(frozen=True, slots=True)
class Term:
    pattern: re.Pattern[str]
    source: str  # the line's pattern as written, reported in `why`


@cache
def load_terms(path: Path = TERMS_FILE) -> tuple[Term, ...]:
    """The terms of `path` compiled: whole words (any case or exact case) or regexes."""
    terms = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, pattern = line.split("\t")[:2]
        if kind == "regex":
            compiled = re.compile(pattern)
        elif kind in ("word", "exact"):
            words = r"\s+".join(re.escape(w) for w in pattern.split())
            flags = re.IGNORECASE if kind == "word" else 0
            compiled = re.compile(rf"(?<!\w){words}(?!\w)", flags)
        else:
            raise ValueError(f"{path}:{number}: unknown kind {kind!r} (word, exact, regex)")
        terms.append(Term(compiled, pattern))
    return tuple(terms)


def matched_terms(sentence: str) -> list[str]:
    """Each term occurrence in `sentence`, in text order; one inside a longer one is dropped."""
    spans = {m.span() for term in load_terms() for m in term.pattern.finditer(sentence)}
    kept = [
        (start, end)
        for start, end in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)
    ]
    return [sentence[start:end] for start, end in sorted(kept)]


def stance_toward_indonesia(text: str, lang: str) -> tuple[Label | None, Why]:
    """Sentiment of the sentences about Indonesia's state, or None when there are none."""
    mentions = []
    for sentence in split_sentences(text):
        found = matched_terms(sentence)
        if found:
            mentions.append((sentence, found))
            if len(mentions) == MAX_SENTENCES:
                break
    if not mentions:
        return None, {"reason": "no sentence mentions Indonesia or its institutions"}
    terms = sorted({term for _, found in mentions for term in found})
    name = model_name_for(lang)
    if name is None:
        return Label("neutral", UNSURE_SCORE), {
            "terms": terms,
            "reason": f"no sentiment model for language {lang!r}; neutral by default",
        }
    probabilities = sentiment_probabilities([s for s, _ in mentions], name)
    mean = probabilities.mean(axis=0)
    best = int(np.argmax(mean))
    sentences = []
    for (sentence, found), row in zip(mentions, probabilities, strict=True):
        index = int(np.argmax(row))
        sentences.append({
            "text": sentence[:MAX_QUOTED_CHARS],
            "terms": found,
            "label": SENTIMENT_LABELS[index],
            "score": round(float(row[index]), 4),
        })  # fmt: skip
    return Label(SENTIMENT_LABELS[best], float(mean[best])), {
        "model": name,
        "terms": terms,
        "sentences": sentences,
        "score": round(float(mean[best]), 4),
    }
