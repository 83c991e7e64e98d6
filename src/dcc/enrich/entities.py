"""Named entities (PER, ORG, LOC, EVT, MISC) with exact character offsets (DESIGN §4.2).

Three sources, merged in this order of trust:
1. Indonesian and regional-language text: the two CRF models trained on IndoNLU, their tags
   mapped to DCC types with training.entities.TAG_MAPS. Cased text: NERGrit's model (cased,
   trusted first) then NERP's (it sees the text lower-cased, and adds events) where NERGrit
   found nothing. Lower-case text: NERP's model only. Measured on the valid splits (PER/LOC/ORG
   only): NERGrit's model 0.72 on NERGrit and 0.14 on NERP; NERP's 0.76 on NERP and 0.50 on
   NERGrit; so each corpus's register needs its own model.
2. The gazetteer (countries, provinces, cities, seas, organisations, demonyms). A gazetteer
   name that strictly contains a model span replaces it ("warga Malaysia" over "Malaysia");
   one that only partly overlaps a model span is dropped, since the model saw the context.
3. Other languages (English first): runs of capitalised words typed by cue words (titles
   such as "President" before a person, "Ministry" inside an organisation, "in" before a
   place). This is a heuristic with no labelled English data to measure it here: expect most
   capitalised names to be found, with types right mostly where a cue word or the gazetteer
   decides; a one-word name that opens a sentence is skipped, as capitals prove nothing there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from dcc.enrich.gazetteer import SENTENCE_END, Token, common_words, gazetteer, tokenize
from dcc.enrich.labels import Entity
from dcc.enrich.modelio import ModelMissingError, model_dir
from dcc.enrich.ner_crf import CrfTagger, bio_spans
from dcc.enrich.training.entities import CORPORA, MODEL_NAME

# Languages the Indonesian CRF models are used for: Indonesian, Malay and the regional
# languages whose names and news register borrow heavily from Indonesian; `und` because most
# undetermined documents on this watch floor are short Indonesian posts.
CRF_LANGS = frozenset(
    {"id", "ms", "jv", "su", "min", "ban", "bjn", "bug", "mad", "ace", "nij", "bbc", "und"}
)
MAX_SENTENCE_TOKENS = 120  # the CRFs were trained on sentences; very long runs are cut
# Below this share of capitalised words a text is taken as lower-cased (typed on a phone, or
# like NERP) and only the lower-case model runs: one CRF pass instead of two.
MIN_CAPITALISED_SHARE = 0.08


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# the CRFs were trained on sentences; very long runs are cut

TITLES = _word_set(
    "president presiden minister menteri menlu pm mr mrs ms dr sir king queen prince princess "
    "raja ratu pangeran secretary sekjen governor gubernur mayor bupati ambassador dubes pak bu "
    "bapak ibu general jenderal chancellor senator sen pope paus sheikh syekh imam premier "
    "spokesperson spokesman jubir chairman ketua director direktur"
)
ORG_WORDS = _word_set(
    "ministry kementerian agency badan council dewan organization organisation university "
    "universitas bank party partai committee komisi corporation corp inc ltd department "
    "association union fund forces army navy police commission institute court parliament "
    "embassy kedutaan group company airlines airways news times post reuters"
)
LOC_WORDS = _word_set(
    "city kota province provinsi island islands pulau sea laut river sungai mount gunung strait "
    "selat bay teluk regency kabupaten district street jalan county state valley"
)
EVT_WORDS = _word_set(
    "summit ktt conference konferensi games olympics olimpiade cup piala war perang festival "
    "forum election elections pemilu pilpres expo"
)
# Words before a title that belong to it ("Prime Minister", "Wakil Presiden") and capitalised
# words that are never names on their own (days, months).
TITLE_PARTS = _word_set("prime vice deputy foreign acting former chief wakil plt")
NOT_NAMES = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday senin selasa rabu kamis jumat "
    "sabtu minggu january february march april may june july august september october "
    "november december januari februari maret mei juni juli agustus oktober desember i"
)
PLACE_CUES = _word_set("in at near from to into across di ke dari")
CONNECTORS = _word_set("of the for and de van von bin binti al")


@dataclass(frozen=True, slots=True)
class _Found:
    first: int  # token indices, end exclusive
    last: int
    type: str
    source: str  # "crf:nergrit", "gazetteer", "heuristic", ...
    score: float


def extract_entities(text: str, lang: str) -> tuple[list[Entity], dict[str, Any]]:
    """Entities of `text` in order, each with `text[e.start:e.end] == e.text`, and evidence."""
    tokens = tokenize(text)
    notes: list[str] = []
    if lang in CRF_LANGS:
        found, missing = _model_spans(tokens)
        if missing:
            notes.append(f"NER models missing ({', '.join(missing)}): run `dcc train entities`")
    else:
        found = []
    found = _merge_gazetteer(found, text, tokens)
    if lang not in CRF_LANGS:
        found = _add(found, _capitalised_runs(tokens))
    found.sort(key=lambda f: f.first)
    entities = [
        Entity(text[tokens[f.first].start : tokens[f.last - 1].end], f.type, *_offsets(tokens, f))
        for f in found
    ]
    why: dict[str, Any] = {
        "method": "crf+gazetteer" if lang in CRF_LANGS else "gazetteer+capitalisation",
        "evidence": [
            {"text": e.text, "type": e.type, "source": f.source, "score": round(f.score, 3)}
            for e, f in zip(entities, found, strict=True)
        ],
    }
    if notes:
        why["notes"] = notes
    return entities, why


def _offsets(tokens: Sequence[Token], found: _Found) -> tuple[int, int]:
    return tokens[found.first].start, tokens[found.last - 1].end


@cache
def _taggers() -> tuple[tuple[str, CrfTagger | None, dict[str, str]], ...]:
    """Each corpus's model (None when its file is absent) with its tag mapping."""
    loaded: list[tuple[str, CrfTagger | None, dict[str, str]]] = []
    for corpus in CORPORA:
        path = model_dir(MODEL_NAME) / f"{corpus.name}.crfsuite"
        try:
            tagger: CrfTagger | None = CrfTagger(path, corpus.is_cased)
        except ModelMissingError:
            tagger = None
        loaded.append((corpus.name, tagger, corpus.tag_map))
    return tuple(loaded)


def _sentences(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    first = 0
    for i, token in enumerate(tokens):
        is_end = token.text in SENTENCE_END or i + 1 - first >= MAX_SENTENCE_TOKENS
        if is_end or i + 1 == len(tokens):
            bounds.append((first, i + 1))
            first = i + 1
    return bounds


def _model_spans(tokens: Sequence[Token]) -> tuple[list[_Found], list[str]]:
    found: list[_Found] = []
    missing: list[str] = []
    words = [t.text for t in tokens]
    is_cased_text = _is_cased(words)
    for name, tagger, tag_map in _taggers():
        if tagger is not None and tagger.is_cased and not is_cased_text:
            continue  # NERGrit's cased model scores 0.14 F1 on lower-cased NERP valid: skip it
        if tagger is None:
            missing.append(name)
            continue
        spans: list[_Found] = []
        for first, last in _sentences(tokens):
            tags, marginals = tagger.tag(words[first:last])
            for span in bio_spans(tags):
                if span.type in tag_map:
                    score = sum(marginals[span.first : span.last]) / (span.last - span.first)
                    spans.append(
                        _Found(
                            first + span.first,
                            first + span.last,
                            tag_map[span.type],
                            f"crf:{name}",
                            score,
                        )
                    )
        # A later model only fills gaps: NERGrit's cased reading is trusted where both speak.
        found = _add(found, spans)
    return found, missing


def _is_cased(words: Sequence[str]) -> bool:
    """Whether the text uses capitals for names (about 29% of NERGrit's words are capitalised)."""
    alphabetic = [w for w in words if w[:1].isalpha()]
    capitalised = sum(w[:1].isupper() for w in alphabetic)
    return bool(alphabetic) and capitalised / len(alphabetic) >= MIN_CAPITALISED_SHARE


def _overlaps(a: _Found, b: _Found) -> bool:
    return a.first < b.last and b.first < a.last


def _add(found: list[_Found], extra: Sequence[_Found]) -> list[_Found]:
    """`found` plus those of `extra` that overlap none of them."""
    kept = list(found)
    for candidate in extra:
        if not any(_overlaps(candidate, f) for f in kept):
            kept.append(candidate)
    return kept


def _merge_gazetteer(found: list[_Found], text: str, tokens: Sequence[Token]) -> list[_Found]:
    kept = list(found)
    for match in gazetteer().find(text, tokens):
        candidate = _Found(match.first, match.last, match.best.type, "gazetteer", 1.0)
        hits = [f for f in kept if _overlaps(candidate, f)]
        is_wider = all(
            candidate.first <= f.first
            and f.last <= candidate.last
            and (candidate.last - candidate.first) > (f.last - f.first)
            for f in hits
        )
        if not hits or is_wider:
            kept = [f for f in kept if f not in hits] + [candidate]
    return kept


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and any(ch.isalpha() for ch in word)


def _capitalised_runs(tokens: Sequence[Token]) -> list[_Found]:
    """Runs of capitalised words ("Prime Minister Anthony Albanese" -> PER "Anthony Albanese")."""
    found: list[_Found] = []
    i = 0
    while i < len(tokens):
        if not _is_name_word(tokens[i].text):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            word = tokens[j].text
            is_bridge = (
                word.lower() in CONNECTORS
                and j + 1 < len(tokens)
                and _is_name_word(tokens[j + 1].text)
            )
            if not (_is_name_word(word) or is_bridge):
                break
            j += 1
        run = _typed_run(tokens, i, j)
        if run is not None:
            found.append(run)
        i = j
    return found


def _typed_run(tokens: Sequence[Token], first: int, last: int) -> _Found | None:
    words = [t.text.lower() for t in tokens[first:last]]
    had_title = False
    while words and (words[0] in TITLES or words[0] in TITLE_PARTS or words[0] == "the"):
        had_title = had_title or words[0] in TITLES
        words.pop(0)
        first += 1
    while words and words[-1] in NOT_NAMES:
        words.pop()
        last -= 1
    at_start = first == 0 or tokens[first - 1].text in SENTENCE_END
    if not words or (len(words) == 1 and (words[0] in common_words() or at_start)):
        return None
    previous = tokens[first - 1].text.lower() if first > 0 else ""
    if previous in TITLES or had_title:
        kind = "PER"
    elif any(w in ORG_WORDS for w in words):
        kind = "ORG"
    elif any(w in EVT_WORDS for w in words):
        kind = "EVT"
    elif words[-1] in LOC_WORDS or previous in PLACE_CUES:
        kind = "LOC"
    elif len(words) == 1 and tokens[first].text.isupper() and len(words[0]) >= 2:
        kind = "ORG"  # an acronym
    elif 2 <= len(words) <= 3:
        kind = "PER"  # most unknown two- or three-word capitalised names in news are people
    else:
        kind = "MISC"
    return _Found(first, last, kind, "heuristic", 0.5)
