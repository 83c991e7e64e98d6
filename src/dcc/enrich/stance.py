"""Stance toward Indonesia (its state, government, ministries, officials), DESIGN §4.2.

The stance is the sentiment of the sentences that mention Indonesia or its institutions and
officials (data/indonesia_terms.tsv), averaged over those sentences: a post can praise a
restaurant and attack the foreign ministry, and stance_id must follow the second part only.
A document with no such sentence does not concern Indonesia: None.

Cost: most documents name no term, and finding that out takes one casefold and a substring
test per term anchor over the whole text, then per word of the terms that share a present
anchor (about 5 µs for a tweet, 0.05 ms for 3 KB); only the terms that do occur are then
matched per sentence. Only the first MAX_CHARS are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.labels import SENTIMENT_LABELS, Label, Why
from dcc.enrich.sentiment import UNSURE_SCORE, model_name_for, sentiment_probabilities

TERMS_FILE = Path(__file__).parent / "data" / "indonesia_terms.tsv"
MAX_SENTENCES = 20  # the stance of a long article is decided by its first mentions
MAX_CHARS = 10_000  # ... and so only its opening is read
MAX_QUOTED_CHARS = 300  # sentences quoted in `why` are cut to this length

# A sentence ends at . ! ? … (and closing quotes or brackets) followed by space, or at a line
# break; not after a known abbreviation, a single capital (initials) or inside a number.
_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n\s*")
_LITERAL_START = re.compile(r"\\b([^\W\d_]+)")  # a regex term's leading r"\b" and word
_AS_IGNORECASE_READS_I = str.maketrans({"ı": "i", "\u0307": None})
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
    # Text that every match contains (casefolded when the term ignores case): a document
    # without it cannot match, and the pattern is not run on it.
    anchor: str
    ignores_case: bool
    # Every word every match contains (casefolded when the term ignores case), tested as
    # substrings before the pattern runs: "Indonesian president" is one of twenty terms that
    # share the anchor "indonesia", and a text naming Indonesia rarely names most of them.
    words: tuple[str, ...]


class TermsFileError(ValueError):
    """The terms file is malformed; the message names the file and the line."""


@cache
def load_terms(path: Path = TERMS_FILE) -> tuple[Term, ...]:
    """The terms of `path` compiled: whole words (any case or exact case) or regexes."""
    rows: list[tuple[re.Pattern[str], str, list[str], bool]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, pattern = line.split("\t")[:2]
        if kind == "regex":
            # Every match of r"\bWord..." contains "Word".
            literal = _LITERAL_START.match(pattern)
            if literal is None:
                raise TermsFileError(
                    rf"{path}:{number}: a regex must start with \b and a word, got {pattern!r}"
                )
            # A letter follows its r"\b", which therefore reads "no word character before".
            compiled = re.compile(_boundary_after_first(r"(?<!\w)" + pattern[2:]))
            rows.append((compiled, pattern, [literal.group(1)], False))
        elif kind in ("word", "exact"):
            body = r"\s+".join(re.escape(w) for w in pattern.split())
            ignores_case = kind == "word"
            compiled = re.compile(
                _boundary_after_first(rf"(?<!\w){body}(?!\w)"), re.IGNORECASE if ignores_case else 0
            )
            folded = [w.casefold() for w in pattern.split()] if ignores_case else pattern.split()
            rows.append((compiled, pattern, folded, ignores_case))
        else:
            raise TermsFileError(f"{path}:{number}: unknown kind {kind!r} (word, exact, regex)")
    # Anchors: a one-word term is its own; a longer term shares one of them where one of its
    # words contains it ("Indonesian government" -> "indonesia"), so that common words
    # ("government") do not make every document run its pattern; else its longest word.
    singles = dict.fromkeys((words[0], ignores) for _, _, words, ignores in rows if len(words) == 1)
    terms = []
    for compiled, pattern, words, ignores_case in rows:
        shared = [a for a, ignores in singles if ignores == ignores_case for w in words if a in w]
        anchor = max(shared, key=len) if shared else max(words, key=len)
        terms.append(Term(compiled, pattern, anchor, ignores_case, tuple(words)))
    return tuple(terms)


def _boundary_after_first(pattern: str) -> str:
    r"""`pattern`, which starts with r"(?<!\w)" and a letter or digit L, as r"L(?<!\w.)...":
    the same matches, found ~3x faster (the engine looks for L first instead of testing the
    boundary at every position of the text). Any other pattern is returned as it is."""
    lookbehind = r"(?<!\w)"
    if pattern.startswith(lookbehind) and pattern[len(lookbehind) :][:1].isalnum():
        rest = pattern[len(lookbehind) :]
        return rest[0] + r"(?<!\w.)" + rest[1:]
    return pattern


@cache
def _terms_by_anchor(path: Path = TERMS_FILE) -> tuple[tuple[str, bool, tuple[Term, ...]], ...]:
    grouped: dict[tuple[str, bool], list[Term]] = {}
    for term in load_terms(path):
        grouped.setdefault((term.anchor, term.ignores_case), []).append(term)
    return tuple((anchor, ignores, tuple(terms)) for (anchor, ignores), terms in grouped.items())


def terms_in(text: str) -> tuple[Term, ...]:
    """The terms that occur somewhere in `text` (one search per term whose anchor is there)."""
    # casefold, not lower: IGNORECASE also matches "K" (Kelvin sign) to "k", as casefold does.
    # It also matches "ı" and "İ" to "i", which casefold keeps or makes "i" + U+0307.
    folded = text.casefold()
    if "ı" in folded or "\u0307" in folded:
        folded = folded.translate(_AS_IGNORECASE_READS_I)
    found: list[Term] = []
    for anchor, ignores_case, terms in _terms_by_anchor():
        searched = folded if ignores_case else text
        if anchor in searched:
            found.extend(
                term
                for term in terms
                if all(word in searched for word in term.words) and term.pattern.search(text)
            )
    return tuple(found)


def matched_terms(sentence: str, terms: Sequence[Term] | None = None) -> list[str]:
    """Each term occurrence in `sentence`, in text order; one inside a longer one is dropped.

    `terms` limits the search to those terms (the ones `terms_in` found in the document).
    """
    candidates = load_terms() if terms is None else terms
    spans = {m.span() for term in candidates for m in term.pattern.finditer(sentence)}
    kept = [
        (start, end)
        for start, end in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)
    ]
    return [sentence[start:end] for start, end in sorted(kept)]


def stance_toward_indonesia(text: str, lang: str) -> tuple[Label | None, Why]:
    """Sentiment of the sentences about Indonesia's state, or None when there are none."""
    return stances_toward_indonesia([text], [lang])[0]


def stances_toward_indonesia(
    texts: Sequence[str], langs: Sequence[str]
) -> list[tuple[Label | None, Why]]:
    """`stance_toward_indonesia` for a batch: every quoted sentence of the batch is scored in
    one sentiment call per model (a call per document would featurise a few words at a time)."""
    results: list[tuple[Label | None, Why]] = []
    scored: dict[str, list[tuple[int, list[tuple[str, list[str]]]]]] = {}
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        mentions = _mentions(text)
        if not mentions:
            results.append((None, {"reason": "no sentence mentions Indonesia or its institutions"}))
            continue
        name = model_name_for(lang)
        if name is None:
            terms = sorted({term for _, found in mentions for term in found})
            results.append((Label("neutral", UNSURE_SCORE), {
                "terms": terms,
                "reason": f"no sentiment model for language {lang!r}; neutral by default",
            }))  # fmt: skip
            continue
        results.append((None, {}))  # decided below, with the model's other documents
        scored.setdefault(name, []).append((row, mentions))
    for name, documents in scored.items():
        sentences = [sentence for _, mentions in documents for sentence, _ in mentions]
        probabilities = sentiment_probabilities(sentences, name)
        start = 0
        for row, mentions in documents:
            part = probabilities[start : start + len(mentions)]
            start += len(mentions)
            results[row] = _decide(name, mentions, part)
    return results


def _mentions(text: str) -> list[tuple[str, list[str]]]:
    """The sentences of `text` that name Indonesia's state, with the terms they name."""
    text = text[:MAX_CHARS]
    # Most documents name no term at all: find that out over the whole text at once, and
    # split sentences and match per sentence only with the terms that occur.
    present = terms_in(text)
    mentions: list[tuple[str, list[str]]] = []
    if present:
        for sentence in split_sentences(text):
            found = matched_terms(sentence, present)
            if found:
                mentions.append((sentence, found))
                if len(mentions) == MAX_SENTENCES:
                    break
    return mentions


def _decide(
    name: str, mentions: list[tuple[str, list[str]]], probabilities: NDArray[np.float64]
) -> tuple[Label, Why]:
    """The mean sentiment of the mentioning sentences, with each sentence as evidence."""
    terms = sorted({term for _, found in mentions for term in found})
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
