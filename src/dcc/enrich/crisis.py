"""Crisis labels (DESIGN §4.2 `crisis`): related, informative, information type, with evidence.

English (and undetermined or other) text: three hashed n-gram logistic regressions trained on
CrisisLex T26 (+ T6 for `related`) by `dcc train crisis` (dcc.enrich.training.crisis), over
`prepare_text`, which also reads the Spanish, Italian, Portuguese and French crisis words of
GLOSSARY in English.
Indonesian and regional languages: a rule over the lexicon in data/crisis_terms_id.tsv, because
no Indonesian labelled crisis data exists here yet; their relevance is lexicon-driven until it
does. `info_type` is given for every related document, informative or not: CrisisLex puts most
"Sympathy and support" tweets under "Related - but not informative" (2,951 of 3,450), so gating
the type on `informative` would all but erase that class. Unrelated documents get
`not_applicable`.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dcc.enrich.labels import INFO_TYPES, CrisisLabel
from dcc.enrich.modelio import model_dir
from dcc.enrich.ngrams import analysed_tokens, featurise_forms, form_of
from dcc.enrich.termindex import TermIndex, tokenize
from dcc.enrich.textclf import LinearTextClassifier, NgramBatch

LEXICON_PATH = Path(__file__).parent / "data" / "crisis_terms_id.tsv"
MODEL_NAME = "crisis"
# Languages read with the Indonesian lexicon: Indonesian, Malay and the regional languages of
# DESIGN §4.2, whose crisis words are mostly borrowed from Indonesian in news and social posts.
LEXICON_LANGS = frozenset(
    {"id", "ms", "jv", "su", "min", "ban", "bjn", "bug", "mad", "ace", "nij", "bbc"}
)
STRONG_KINDS = frozenset({"hazard", "agency"})  # mark a crisis on their own
WEAK_KINDS = frozenset({"impact", "response", "alert"})  # need a second match
LEXICON_KINDS = STRONG_KINDS | WEAK_KINDS | {"sympathy"}

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_RETWEET = re.compile(r"^\s*RT\b[\s:]*", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASH = re.compile(r"#\w+")
_DIGITS = re.compile(r"\d+")

# Crisis words of the other languages of CrisisLex (Spanish, Italian, Portuguese, French) read
# as their English equivalent, so that what the models learn from the many English tweets
# carries to a crisis told in another language. Why: with the Sardinia floods held out of
# training (no other Italian event), Italian tweets scored 0.53 informative macro-F1 against
# 0.80 for English; this glossary raised them to 0.60 and all held-out events from 0.783 to
# 0.791 (leave-events-out cross-validation over the training events).
_GLOSSARY_SOURCE = {
    "earthquake": "terremoto terremotos sismo sismos scossa scosse séisme seisme tremblement "
    "temblor",
    "aftershock": "réplica réplicas repliche",
    "flood": "inundación inundacion inundaciones alluvione alluvioni inondazione inondazioni "
    "inundação inundacao enchente enchentes inondation inondations crue",
    "flooded": "inundado inundada inundados allagato allagata allagati allagate alagado alagada "
    "inondé inondée",
    "fire": "incendio incendios incendi incêndio incendie incendies fuego fuoco fogo feu",
    "explosion": "explosión esplosione explosão explosao explosiones",
    "train": "tren treno trem trenes treni",
    "derailment": "descarrilamiento deragliamento descarrilamento déraillement",
    "crash": "accidente incidente acidente",
    "dead": "muertos muertas morti mortos morts mortes fallecidos fallecidas deceduti",
    "death": "muerte morte mort",
    "deaths": "muertes",
    "victims": "víctimas victimas vittime vítimas vitimas victimes",
    "victim": "víctima victima vittima vítima vitima victime",
    "injured": "heridos heridas herido herida feriti ferito ferita feridos ferido ferida "
    "blessés blesses blessé",
    "missing": "desaparecidos dispersi disparus",
    "evacuated": "evacuados evacuadas sfollati evacuati évacués evacues",
    "evacuation": "evacuación evacuacion evacuazione evacuação evacuacao évacuation",
    "rescue": "rescate soccorsi soccorso salvataggio resgate socorro secours",
    "rescuers": "rescatistas soccorritori socorristas sauveteurs",
    "firefighters": "bomberos pompieri bombeiros pompiers",
    "police": "policía policia polizia polícia",
    "hospital": "ospedale hôpital hopital hospitales ospedali",
    "damage": "daños danos danni dégâts degats",
    "destroyed": "destruidos destruidas distrutto distrutta distrutti destruído détruit",
    "collapsed": "derrumbe crollo crollato crollata desabou effondré",
    "homes": "casas viviendas abitazioni maisons",
    "people": "personas persone pessoas personnes",
    "help": "ayuda ayudar aiuto aiutare ajuda",
    "donate": "donar donare doar donner donaciones donazioni doações",
    "blood": "sangre sangue",
    "pray": "rezar orar pregare prier",
    "prayers": "oraciones preghiere orações prières",
    "emergency": "emergencia emergenza emergência urgence",
    "alert": "alerta allerta alerte",
    "magnitude": "magnitud magnitudo",
    "rain": "lluvia lluvias pioggia piogge chuva chuvas pluie pluies",
    "road": "carretera strada estrada",
    "roads": "carreteras strade estradas",
    "closed": "cerrado cerrada cerrados chiuso chiusa chiusi fechado fechada fermé fermée",
    "water": "agua acqua água",
    "school": "escuela scuola escola école",
    "schools": "escuelas scuole escolas écoles",
    "government": "gobierno governo gouvernement",
}
# Left out: words that are also English ("case", "replica", "sang", "aide", "routes"), which
# would rewrite English text ("in case" is not "in homes").
GLOSSARY = {word: english for english, words in _GLOSSARY_SOURCE.items() for word in words.split()}
_GLOSSARY_WORDS = frozenset(GLOSSARY)


def prepare_text(text: str) -> str:
    """Tweet text as the crisis models see it: URLs, mentions, hashtags, digits and RT made
    generic, lower-cased words and marks separated by single spaces (as the hasher reads
    them), and the glossary's crisis words in English."""
    return " ".join(_prepared_tokens(text))


def hashed_form(text: str) -> str:
    """`ngrams.analysed_form(prepare_text(text))`, without tokenising twice."""
    return form_of(_prepared_tokens(text))


def _prepared_tokens(text: str) -> list[str]:
    tokens = analysed_tokens(_masked(text))
    # A glossary word is a whole token, so it is read in English token by token. (Until
    # 2026-11, a regex rewrote the text and the text was tokenised again: the same forms on all
    # 71,934 CrisisLex tweets, and 0.1 ms more on an article that holds one such word.)
    if _GLOSSARY_WORDS.isdisjoint(tokens):
        return tokens
    return list(map(GLOSSARY.get, tokens, tokens))


def _masked(text: str) -> str:
    # Why: a URL's, handle's or hashtag's letters are mostly the name of one event (#qldfloods,
    # #yycflood) and do not carry to the next one, while *having* a link, a hashtag or a number
    # ("5 dead", "M 6.1") is a sign of an informative tweet. Masking hashtags raised informative
    # macro-F1 on unseen events from 0.762 to 0.779 (see training/crisis.py).
    text = html.unescape(text)
    # Each pattern runs only where it can match ("www." is matched in any case).
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" httpurl ", text)
    text = _RETWEET.sub("retweetmark ", text)
    if "@" in text:
        text = _MENTION.sub(" atuser ", text)
    if "#" in text:
        text = _HASH.sub(" hashtagmark ", text)
    return _DIGITS.sub("0", text)


class LexiconError(ValueError):
    """The crisis lexicon file has a malformed row."""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    kind: str  # one of LEXICON_KINDS
    info_type: str | None  # one of INFO_TYPES, or None


def load_lexicon(path: Path = LEXICON_PATH) -> TermIndex[LexiconEntry]:
    """Read the term/kind/info_type TSV (with header; # comments) into a term index."""
    index: TermIndex[LexiconEntry] = TermIndex()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(
            (line for line in handle if not line.startswith("#")),
            delimiter="\t",
        )
        for number, row in enumerate(rows, start=1):
            if number == 1 or not row or not row[0].strip():
                continue  # header, blank line
            if len(row) != 3:
                raise LexiconError(f"{path}: data row {number}: expected 3 columns, got {row!r}")
            term, kind, info_type = (cell.strip() for cell in row)
            if kind not in LEXICON_KINDS:
                raise LexiconError(f"{path}: term {term!r}: unknown kind {kind!r}")
            if info_type != "-" and info_type not in INFO_TYPES:
                raise LexiconError(f"{path}: term {term!r}: unknown info_type {info_type!r}")
            index.add(term, LexiconEntry(kind, None if info_type == "-" else info_type))
    return index


@dataclass(frozen=True, slots=True)
class CrisisModels:
    """The three English classifiers; folder layout is models/crisis/<task>/."""

    related: LinearTextClassifier  # labels: related, not_related
    informative: LinearTextClassifier  # labels: informative, not_informative
    info_type: LinearTextClassifier  # labels: INFO_TYPES less not_applicable

    TASKS = ("related", "informative", "info_type")

    def save(self, folder: Path) -> None:
        """Write each classifier under folder/<task>/ (npz + json, no pickle)."""
        for task in self.TASKS:
            getattr(self, task).save(folder / task)

    @classmethod
    def load(cls, folder: Path) -> CrisisModels:
        """Read the classifiers saved by `save` (ModelMissingError when absent)."""
        return cls(*(LinearTextClassifier.load(folder / task) for task in cls.TASKS))


@lru_cache(maxsize=1)
def default_models() -> CrisisModels:
    """The shipped models, loaded once per process."""
    return CrisisModels.load(model_dir(MODEL_NAME))


@lru_cache(maxsize=1)
def default_lexicon() -> TermIndex[LexiconEntry]:
    """The shipped Indonesian lexicon, loaded once per process."""
    return load_lexicon()


def classify_crisis(
    text: str, lang: str, models: CrisisModels | None = None
) -> tuple[CrisisLabel, dict[str, Any]]:
    """Crisis label of `text` in language `lang`, and why (matched terms or top n-grams)."""
    return classify_crises([text], [lang], models)[0]


def classify_crises(
    texts: Sequence[str], langs: Sequence[str], models: CrisisModels | None = None
) -> list[tuple[CrisisLabel, dict[str, Any]]]:
    """`classify_crisis` for a batch: the model languages' texts are featurised once."""
    results: list[tuple[CrisisLabel, dict[str, Any]] | None] = [None] * len(texts)
    model_rows = []
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        if lang in LEXICON_LANGS:
            results[row] = classify_by_lexicon(text, default_lexicon())
        else:
            model_rows.append(row)
    if model_rows:
        decided = classify_by_model([texts[row] for row in model_rows], models or default_models())
        for row, result in zip(model_rows, decided, strict=True):
            results[row] = result
    return [result for result in results if result is not None]


def classify_by_model(
    texts: Sequence[str], models: CrisisModels
) -> list[tuple[CrisisLabel, dict[str, Any]]]:
    """Apply the English classifiers: informative implies related; related gates info_type."""
    # The three models share one FeatureSpec, so one featurisation of the batch serves all.
    batch = featurise_forms([hashed_form(text) for text in texts], models.related.spec)
    related = _decide(models.related, batch)
    informative = _decide(models.informative, batch)
    info_types = _decide(models.info_type, batch)
    rows = range(len(texts))
    related_top = models.related.evidence_for(batch, rows, [label for label, _ in related])
    informative_top = models.informative.evidence_for(
        batch, rows, [label for label, _ in informative]
    )
    # Informative implies related, so an informative verdict also marks the text related.
    # Why not gate informative on related instead: measured on unseen CrisisLex events,
    # gating cut informative macro-F1 from 0.75 to 0.69, while this rule raised related
    # from 0.58 to 0.62.
    is_related = [
        related[row][0] == "related" or informative[row][0] == "informative" for row in rows
    ]
    typed = [row for row in rows if is_related[row]]  # only a related text has a type
    type_top = dict(
        zip(
            typed,
            models.info_type.evidence_for(batch, typed, [info_types[row][0] for row in typed]),
            strict=True,
        )
    )
    decided = []
    for row in rows:
        related_label, related_p = related[row]
        informative_label, informative_p = informative[row]
        # The informative model's intercept carries the decision bias chosen in training, so its
        # argmax is the tuned threshold and its score the shifted probability.
        is_informative = informative_label == "informative"
        why: dict[str, Any] = {
            "method": "model",
            "related": {
                "label": "related" if is_related[row] else "not_related",
                "model_label": related_label,
                "score": round(related_p, 4),
                "top": related_top[row],
            },
            "informative": {
                "label": informative_label,
                "score": round(informative_p, 4),
                "top": informative_top[row],
            },
        }
        info_type = "not_applicable"
        if is_related[row]:
            info_type, type_p = info_types[row]
            why["info_type"] = {
                "label": info_type,
                "score": round(type_p, 4),
                "top": type_top[row],
            }
        decided.append((CrisisLabel(is_related[row], is_informative, info_type), why))
    return decided


def _decide(model: LinearTextClassifier, batch: NgramBatch) -> list[tuple[str, float]]:
    """Per document: the best label and its probability."""
    probabilities = model.probabilities(batch)
    return [
        (model.labels[int(best)], float(probabilities[row, best]))
        for row, best in enumerate(probabilities.argmax(axis=1))
    ]


def classify_by_lexicon(
    text: str, lexicon: TermIndex[LexiconEntry]
) -> tuple[CrisisLabel, dict[str, Any]]:
    """Rule over lexicon matches: a hazard or agency term, or two impact/response/alert terms."""
    tokens = tokenize(text)
    matches = lexicon.find(tokens)
    kinds: dict[str, list[str]] = {}
    type_votes: dict[str, int] = {}
    for match in matches:
        entry = match.payloads[0]
        kinds.setdefault(entry.kind, []).append(match.text)
        if entry.info_type:
            # A condolence names the victims ("berduka untuk korban"); it is still sympathy.
            vote = 2 if entry.kind == "sympathy" else 1
            type_votes[entry.info_type] = type_votes.get(entry.info_type, 0) + vote
    strong = sum(len(kinds.get(kind, [])) for kind in STRONG_KINDS)
    weak_terms = {term for kind in WEAK_KINDS for term in kinds.get(kind, [])}
    is_related = strong > 0 or len(weak_terms) >= 2
    # Informative: beyond naming the hazard (or praying), the post says something an analyst
    # can act on: impact, response, a warning, an agency, or a figure ("M 5,6", "3 tewas").
    # A condolence needs more than one such term, since it usually names the victims.
    has_figure = any(token.isdigit() for token in tokens)
    needed = 2 if "sympathy" in kinds else 1
    is_informative = is_related and (len(weak_terms) >= needed or "agency" in kinds or has_figure)
    info_type = "not_applicable"
    if is_related:
        # Ties go to the order of INFO_TYPES (most specific first); no hint: other useful info.
        ranked = sorted(type_votes, key=lambda t: (-type_votes[t], INFO_TYPES.index(t)))
        info_type = ranked[0] if ranked else "other_useful_information"
    why: dict[str, Any] = {
        "method": "lexicon",
        "note": "Indonesian crisis relevance is lexicon-driven until labelled data exists",
        "matched": kinds,
        "info_type_votes": type_votes,
        "has_figure": has_figure,
    }
    return CrisisLabel(is_related, is_informative, info_type), why
