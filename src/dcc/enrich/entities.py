"""Named entities (PER, ORG, LOC, EVT, MISC) with exact character offsets (DESIGN §4.2).

Three sources, merged in this order of trust:
1. Indonesian and regional-language text: a CRF trained on IndoNLU (ner_crf.py), its tags
   mapped to DCC types with training.entities.TAG_MAPS. One model a text, by its casing
   (issue 3: one CRF pass, not two): text that uses capitals gets NERGrit's model, lower-case
   text (typed on a phone, or like NERP) NERP's, which also finds events and food. Each
   register needs its own model: NERGrit's scores 0.14 F1 on lower-cased NERP valid, NERP's
   0.50 on NERGrit valid; and NERP's filling the gaps of NERGrit's on cased text lowered
   NERGrit valid from 0.721 to 0.700 (PER/LOC/ORG), so it no longer does.
2. The gazetteer (countries, provinces, cities, seas, organisations, demonyms). A gazetteer
   name that strictly contains a model span replaces it ("warga Malaysia" over "Malaysia");
   one that only partly overlaps a model span is dropped, since the model saw the context.
3. Other languages (English first): runs of capitalised words typed by cue words (titles
   such as "President" before a person, "Ministry" inside an organisation, "in" before a
   place). This is a heuristic with no labelled English data to measure it here: expect most
   capitalised names to be found, with types right mostly where a cue word or the gazetteer
   decides; a one-word name that opens a sentence is skipped, as capitals prove nothing there.

Tokens and gazetteer matches are computed once per text (gazetteer.scan) and reused by
geo.resolve_geography, which the pipeline calls next on the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, count
from operator import itemgetter
from typing import Any, NamedTuple

from dcc.enrich.gazetteer import SENTENCE_END, ScannedText, common_words, gazetteer
from dcc.enrich.labels import Entity
from dcc.enrich.modelio import ModelMissingError, model_dir
from dcc.enrich.ner_crf import CrfModel, NerTagger
from dcc.enrich.training.entities import CORPORA, MODEL_NAME, TAG_MAPS, model_file

# Languages the Indonesian CRF models are used for: Indonesian, Malay and the regional
# languages whose names and news register borrow heavily from Indonesian; `und` because most
# undetermined documents on this watch floor are short Indonesian posts.
CRF_LANGS = frozenset(
    {"id", "ms", "jv", "su", "min", "ban", "bjn", "bug", "mad", "ace", "nij", "bbc", "und"}
)
MAX_SENTENCE_TOKENS = 120  # the CRFs were trained on sentences; very long runs are cut
# From this share of capitalised words on, a text is taken as cased and NERGrit's model tags
# it; below, as lower-cased (typed on a phone, or like NERP) and NERP's does. 99% of NERGrit's
# valid sentences reach 0.12; NERP's are all 0.
MIN_CAPITALISED_SHARE = 0.1


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


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


class _Found(NamedTuple):
    first: int  # token indices, end exclusive
    last: int
    type: str
    source: str  # "crf:nergrit", "gazetteer", "heuristic", ...
    score: float


def extract_entities(text: str, lang: str) -> tuple[list[Entity], dict[str, Any]]:
    """Entities of `text` in order, each with `text[e.start:e.end] == e.text`, and evidence."""
    scanned = gazetteer().scan(text)
    notes: list[str] = []
    is_crf_lang = lang in CRF_LANGS
    if is_crf_lang:
        found, missing = _model_spans(scanned)
        if missing:
            notes.append(f"NER models missing ({', '.join(missing)}): run `dcc train entities`")
    else:
        found = []
    found = _merge_gazetteer(found, scanned)
    if not is_crf_lang:
        found = _add(found, _capitalised_runs(scanned.words), len(scanned.words))
    found.sort(key=lambda f: f.first)
    entities: list[Entity] = []
    evidence: list[dict[str, Any]] = []
    starts = scanned.starts(max((f.last for f in found), default=0))
    words = scanned.words
    for f in found:
        start, end = starts[f.first], starts[f.last - 1] + len(words[f.last - 1])
        entities.append(Entity(text[start:end], f.type, start, end))
        evidence.append(
            {
                "text": text[start:end],
                "type": f.type,
                "source": f.source,
                "score": round(f.score, 3),
            }
        )
    why: dict[str, Any] = {
        "method": "crf+gazetteer" if is_crf_lang else "gazetteer+capitalisation",
        "evidence": evidence,
    }
    if notes:
        why["notes"] = notes
    return entities, why


@dataclass(frozen=True, slots=True)
class _Models:
    cased: tuple[str, NerTagger] | None  # (corpus, tagger) for text that uses capitals
    uncased: tuple[str, NerTagger] | None  # for lower-cased text
    missing: tuple[str, ...]  # corpora whose model file is absent


@cache
def _models() -> _Models:
    """The corpus models found on disk: each text is tagged by the one for its casing."""
    found: dict[bool, tuple[str, NerTagger]] = {}
    missing: list[str] = []
    for corpus in CORPORA:
        try:
            model = CrfModel.load(model_dir(MODEL_NAME) / model_file(corpus))
        except ModelMissingError:
            missing.append(corpus.name)
            continue
        found.setdefault(model.is_cased, (corpus.name, NerTagger(model)))
    # Either model stands in for the other when that one is missing.
    cased = found.get(True) or found.get(False)
    uncased = found.get(False) or found.get(True)
    return _Models(cased, uncased, tuple(missing))


def _sentences(words: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges of the sentences, none longer than MAX_SENTENCE_TOKENS."""
    ends = [i + 1 for i, w in enumerate(words) if w in SENTENCE_END]
    if not ends or ends[-1] != len(words):
        ends.append(len(words))
    bounds: list[tuple[int, int]] = []
    first = 0
    for end in ends:
        while end - first > MAX_SENTENCE_TOKENS:
            bounds.append((first, first + MAX_SENTENCE_TOKENS))
            first += MAX_SENTENCE_TOKENS
        if end > first:
            bounds.append((first, end))
        first = end
    return bounds


def _model_spans(scanned: ScannedText) -> tuple[list[_Found], list[str]]:
    models = _models()
    words = scanned.words
    chosen = models.cased if _is_cased(words) else models.uncased
    if chosen is None or not words:
        return [], list(models.missing)
    name, tagger = chosen
    lowered = list(map(str.lower, words))
    seen = words if tagger.is_cased else lowered
    spans = tagger.find(seen, lowered, _gazetteer_tags(scanned, tagger.is_cased), _sentences(words))
    tag_map = TAG_MAPS[name]
    found = [
        _Found(s.first, s.last, tag_map[s.type], f"crf:{name}", s.score)
        for s in spans
        if s.type in tag_map
    ]
    return found, list(models.missing)


def _gazetteer_tags(scanned: ScannedText, is_cased: bool) -> dict[int, str]:
    """The gazetteer feature of the tokens inside a name, as training gives it."""
    if is_cased or not scanned.has_exact_case:
        matches = scanned.matches  # as written; or no reading needs its case: the same
    else:
        matches = gazetteer().match_words(scanned.words, ignore_case=True, folded=scanned.folded)
    tags: dict[int, str] = {}
    for match in matches:
        kind = match.best.kind
        tags[match.first] = f"B-{kind}"
        for i in range(match.first + 1, match.last):
            tags[i] = f"I-{kind}"
    return tags


def _is_cased(words: Sequence[str]) -> bool:
    """Whether the text uses capitals for names (hashtags and mentions aside)."""
    if "#" in words or "@" in words:
        words = [w for i, w in enumerate(words) if i == 0 or words[i - 1] not in ("#", "@")]
    initials = list(filter(str.isalpha, map(itemgetter(0), words)))
    capitalised = sum(map(str.isupper, initials))
    return bool(initials) and capitalised / len(initials) >= MIN_CAPITALISED_SHARE


def _add(found: list[_Found], extra: Sequence[_Found], n_tokens: int) -> list[_Found]:
    """`found` plus those of `extra` that overlap none of them."""
    if not extra:
        return found
    taken = bytearray(n_tokens)
    for f in found:
        taken[f.first : f.last] = b"\x01" * (f.last - f.first)
    kept = list(found)
    for candidate in extra:
        if taken.find(1, candidate.first, candidate.last) == -1:
            kept.append(candidate)
            taken[candidate.first : candidate.last] = b"\x01" * (candidate.last - candidate.first)
    return kept


def _merge_gazetteer(found: list[_Found], scanned: ScannedText) -> list[_Found]:
    """`found` (non-overlapping, in order) with the gazetteer's names merged in (see above)."""
    if not scanned.matches:
        return found
    if not found:
        return [_Found(m.first, m.last, m.best.type, "gazetteer", 1.0) for m in scanned.matches]
    dropped: set[int] = set()
    added: list[_Found] = []
    k = 0  # found[:k] end before the current match (both lists are in text order)
    for match in scanned.matches:
        while k < len(found) and found[k].last <= match.first:
            k += 1
        hits = []
        for h in range(k, len(found)):
            if found[h].first >= match.last:
                break
            hits.append(h)
        is_wider = all(
            match.first <= found[h].first
            and found[h].last <= match.last
            and (match.last - match.first) > (found[h].last - found[h].first)
            for h in hits
        )
        if not hits or is_wider:
            dropped.update(hits)
            added.append(_Found(match.first, match.last, match.best.type, "gazetteer", 1.0))
    return [f for h, f in enumerate(found) if h not in dropped] + added


def _capitalised_runs(words: Sequence[str]) -> list[_Found]:
    """Runs of capitalised words ("Prime Minister Anthony Albanese" -> PER "Anthony Albanese")."""
    capitalised = compress(count(), map(str.isupper, map(itemgetter(0), words)))
    names = {
        i for i in capitalised if words[i][0].isalpha() or any(ch.isalpha() for ch in words[i])
    }
    if not names:
        return []
    found: list[_Found] = []
    consumed = 0
    for i in sorted(names):
        if i < consumed:
            continue
        j = i + 1
        # A connector joins two names: "Ministry of Foreign Affairs", "Bank of England".
        while j in names or (j + 1 in names and words[j].lower() in CONNECTORS):
            j += 1
        consumed = j
        if j == i + 1 and (i == 0 or words[i - 1] in SENTENCE_END):
            continue  # what _typed_run makes of one word opening a sentence: nothing
        run = _typed_run(words, i, j)
        if run is not None:
            found.append(run)
    return found


def _typed_run(tokens: Sequence[str], first: int, last: int) -> _Found | None:
    words = [t.lower() for t in tokens[first:last]]
    had_title = False
    while words and (words[0] in TITLES or words[0] in TITLE_PARTS or words[0] == "the"):
        had_title = had_title or words[0] in TITLES
        words.pop(0)
        first += 1
    while words and words[-1] in NOT_NAMES:
        words.pop()
        last -= 1
    if not words:
        return None
    if len(words) == 1 and (first == 0 or tokens[first - 1] in SENTENCE_END):
        return None  # one capitalised word opening a sentence proves nothing
    if len(words) == 1 and words[0] in common_words():
        return None
    previous = tokens[first - 1].lower() if first > 0 else ""
    if previous in TITLES or had_title:
        kind = "PER"
    elif any(w in ORG_WORDS for w in words):
        kind = "ORG"
    elif any(w in EVT_WORDS for w in words):
        kind = "EVT"
    elif words[-1] in LOC_WORDS or previous in PLACE_CUES:
        kind = "LOC"
    elif len(words) == 1 and tokens[first].isupper() and len(words[0]) >= 2:
        kind = "ORG"  # an acronym
    elif 2 <= len(words) <= 3:
        kind = "PER"  # most unknown two- or three-word capitalised names in news are people
    else:
        kind = "MISC"
    return _Found(first, last, kind, "heuristic", 0.5)
