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
   A run that holds gazetteer names is read around them: the person after each title ("UN
   Secretary-General Antonio Guterres"), or one organisation or event that contains them
   ("Chinese Foreign Ministry", "Boston Marathon"), and no other fragment. English headlines
   in title case yield only their gazetteer names and acronyms.

Tokens and gazetteer matches are computed once per text (gazetteer.scan) and reused by
geo.resolve_geography, which the pipeline calls next on the same text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
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
    "spokesperson spokesman spokeswoman jubir chairman chairwoman ketua director direktur "
    "commissioner envoy consul emir admiral commander marshal colonel captain lieutenant "
    "congressman congresswoman lawmaker mp"
)
ORG_WORDS = _word_set(
    "ministry kementerian agency badan council dewan organization organisation university "
    "universitas bank party partai committee komisi corporation corp inc ltd department "
    "association union fund forces army navy police commission institute court parliament "
    "embassy kedutaan group company airlines airways news times post reuters cross crescent"
)
LOC_WORDS = _word_set(
    "city kota province provinsi island islands pulau sea laut river sungai mount gunung strait "
    "selat bay teluk regency kabupaten district street jalan county state valley"
)
EVT_WORDS = _word_set(
    "summit ktt conference konferensi games olympics olimpiade cup piala war perang festival "
    "forum election elections pemilu pilpres expo marathon"
)
# Words before a title that belong to it ("Prime Minister", "Wakil Presiden") and capitalised
# words that are never names on their own (days, months).
TITLE_PARTS = _word_set(
    "prime vice deputy foreign acting former chief wakil plt attorney coordinating under crown"
)
NOT_NAMES = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday senin selasa rabu kamis jumat "
    "sabtu minggu january february march april may june july august september october "
    "november december januari februari maret mei juni juli agustus oktober desember i"
)
PLACE_CUES = _word_set("in at near from to into across di ke dari")
# The words of Indonesian office titles after their head word ("Menteri Luar Negeri", "Duta
# Besar", "Menko Polhukam"): the CRF, trained on few such titles, often starts a name inside
# one ("Menteri [Luar Negeri Retno Marsudi]" tagged a place), so they are cut from the front
# of its spans (_after_titles).
TITLE_WORDS_ID = _word_set(
    "luar negeri dalam pertahanan keuangan perdagangan perindustrian kesehatan pendidikan agama "
    "sosial perhubungan pertanian kehutanan lingkungan hidup hukum ham investasi pariwisata "
    "energi sumber daya mineral kelautan perikanan ketenagakerjaan koperasi ukm bumn "
    "sekretaris negara kabinet koordinator bidang politik keamanan perekonomian kemaritiman "
    "menko polhukam marves pmk besar bicara juru kepala staf kepresidenan perdana utama "
    "republik indonesia ri luar_biasa berkuasa penuh"
)
CONNECTORS = _word_set("of the for and de van von bin binti al")
_CUE_WORDS = ORG_WORDS | EVT_WORDS | LOC_WORDS
MAX_NAME_WORDS = 7  # a longer run that names an organisation is taken for a headline's words
# English function words that prose writes in lower case and title-case headlines capitalise
# ("Police Arrest Suspects In Bali After Bombing"). A sentence where some are capitalised and
# none is in lower case (its first word aside) is such a headline: its capitals mark no names,
# so the capitalisation heuristic leaves it to the gazetteer, acronyms aside. Counting all
# capitals cannot tell: a news sentence can be mostly names ("UN Secretary-General Antonio
# Guterres met Indonesian Foreign Minister Retno Marsudi in Jakarta").
HEADLINE_WORDS = _word_set(
    "in on at to for with from by of and or but after before over under into about against "
    "amid as is are was were be has have had will says said than near"
)


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
        headline = _title_case_tokens(scanned.words, scanned.folded) if lang == "en" else set()
        runs, wider = _capitalised_runs(scanned.words, found, headline)
        if wider:  # "Chinese Foreign Ministry" over the demonym "Chinese"
            found = [f for f in found if not any(w.first <= f.first and f.last <= w.last
                                                 for w in wider)] + wider  # fmt: skip
        found = _add(found, runs, len(scanned.words))
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
    return _after_titles(found, scanned), list(models.missing)


def _after_titles(found: list[_Found], scanned: ScannedText) -> list[_Found]:
    """CRF spans that open with the words of an office title, or follow one, read as a person.

    "Menteri [Luar Negeri Retno Marsudi]" (a place to the CRF) -> "Retno Marsudi", a person;
    "Menteri Luar Negeri [Australia Penny Wong]" -> "Australia" (left to the gazetteer) and
    "Penny Wong", a person. Only spans that a person title precedes or opens are read so.
    """
    if all(span.type == "PER" for span in found):
        return found
    words = scanned.words
    gazetteer_ends = {m.first: m.last for m in scanned.matches}
    kept: list[_Found] = []
    for span in found:
        if span.type == "PER":
            kept.append(span)  # NERGrit's people keep their titles ("Pangeran Singa Brata")
            continue
        first = span.first
        while first < span.last - 1 and _is_office_word(words[first].lower()):
            first += 1
        place_end = gazetteer_ends.get(first)
        if place_end is not None and place_end < span.last:
            first = place_end  # "Australia Penny Wong": the gazetteer gives "Australia"
        # The title's head word before the span, or opening it ("Menteri", "Wakil Presiden").
        head = span.first
        while head > 0 and words[head - 1].lower() in TITLE_WORDS_ID:
            head -= 1
        titled = any(_is_title(words[i].lower()) for i in range(max(head - 1, 0), first))
        is_name = span.last - first >= 2 and words[first][:1].isupper()
        if first > span.first and titled and is_name:
            kept.append(_Found(first, span.last, "PER", span.source, span.score))
        else:
            kept.append(span)
    return kept


def _is_office_word(word: str) -> bool:
    return _is_title_word(word) or word in TITLE_WORDS_ID


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


def _capitalised_runs(
    words: Sequence[str], known: Sequence[_Found], headline: Set[int] = frozenset()
) -> tuple[list[_Found], list[_Found]]:
    """Names read off runs of capitalised words, around the names already `known`.

    Returns the names found between known ones, and the organisations and events that contain
    known names and replace them ("Chinese Foreign Ministry", "ASEAN Summit"). A run holds
    known names ("UN Secretary-General Antonio Guterres", "Indonesian Foreign Minister Retno
    Marsudi"), so it is read in parts: the name after each title is a person, the words
    before it are read without their titles, and known names are never re-typed. Runs in
    `headline` (tokens of English sentences in title case, _title_case_tokens) give only their
    acronyms; other languages capitalise otherwise (a French post quoting "Let It Be" is no
    headline).
    """
    taken = bytearray(len(words))
    for f in known:
        taken[f.first : f.last] = b"\x01" * (f.last - f.first)
    capitalised = compress(count(), map(str.isupper, map(itemgetter(0), words)))
    names = {
        i for i in capitalised if words[i][0].isalpha() or any(ch.isalpha() for ch in words[i])
    }
    if not names:
        return [], []
    reader = _RunReader(words, taken)
    consumed = 0
    for i in sorted(names):
        if i < consumed:
            continue
        j = i + 1
        # A connector joins two names: "Ministry of Foreign Affairs", "Bank of England".
        while j in names or (j + 1 in names and words[j].lower() in CONNECTORS):
            j += 1
        consumed = j
        if i in headline:  # only its acronyms are names ("... Says NASA")
            for k in range(i, j):
                acronym = _typed_run(words, k, k + 1) if words[k].isupper() else None
                if acronym is not None and not taken[k]:
                    reader.found.append(acronym)
            continue
        if j == i + 1 and (i == 0 or words[i - 1] in SENTENCE_END):
            continue  # what _typed_run makes of one word opening a sentence: nothing
        reader.read_run(i, j)
    return reader.found, reader.wider


@dataclass(slots=True)
class _RunReader:
    """Reads runs of capitalised `words` around the `taken` tokens (known names), adding the
    names it finds to `found` and the institutions that hold known names to `wider`."""

    words: Sequence[str]
    taken: bytearray
    found: list[_Found] = field(default_factory=list)
    wider: list[_Found] = field(default_factory=list)

    def read_run(self, first: int, last: int) -> None:
        """The names of the capitalised run words[first:last] (see _capitalised_runs)."""
        words, taken = self.words, self.taken
        titles = [k for k in range(first, last) if not taken[k] and _is_title(words[k].lower())]
        pending = first  # where the words not yet read start
        for title in titles:
            if title < pending:
                continue
            end = title + 1
            while end < last and not taken[end] and not _is_title(words[end].lower()):
                end += 1
            if end == title + 1:
                continue  # a known name or nothing follows the title: no person here
            # The title's own words ("Foreign Minister") are no name; what precedes may be.
            block = title
            while (
                block > pending and not taken[block - 1]
                and _is_title_word(words[block - 1].lower())
            ):  # fmt: skip
                block -= 1
            self.read_part(pending, block)
            person = _typed_run(words, title, end)  # the title types it a person
            if person is not None:
                self.found.append(person)
            pending = end
        self.read_part(pending, last)

    def read_part(self, first: int, last: int) -> None:
        """A run without a person title: typed by _typed_run, or, around known names, one
        organisation or event that holds them, or nothing.

        Why nothing: the other words of a run around a known name, cut off from it, are
        fragments of a longer name ("Boston Marathon" gave "Marathon"; "Santiago de
        Compostela" gave "de Compostela") or of a headline ("FBI Releases Images" gave
        "Releases Images"). Measured on 6,000 bench tweets while this was built, such
        fragments made most of the changed entities.
        """
        words, taken = self.words, self.taken
        if first < last and words[first].lower() == "the" and not taken[first]:
            first += 1  # "the ASEAN Summit" names "ASEAN Summit"
        opens_sentence = first == 0 or words[first - 1] in SENTENCE_END
        is_common = first < last and not taken[first] and words[first].lower() in common_words()
        if opens_sentence and is_common:
            first += 1  # "One Boston Marathon bombing suspect is dead"
        if first >= last:
            return
        if taken.find(1, first, last) == -1:
            run = _typed_run(words, first, last)
            if run is not None:
                self.found.append(run)
            return
        kind = _institution_kind([w.lower() for w in words[first:last]])
        if kind is not None and last - first <= MAX_NAME_WORDS:
            self.wider.append(_Found(first, last, kind, "heuristic", 0.5))


def _institution_kind(lowered: Sequence[str]) -> str | None:
    """ORG or EVT when the words end in an institution or event word ("... Ministry",
    "... Summit") or open with one and a connector ("Embassy of ...", "Bank of ...")."""
    for kind, cue_words in (("ORG", ORG_WORDS), ("EVT", EVT_WORDS)):
        if lowered[-1] in cue_words or (
            len(lowered) >= 3 and lowered[0] in cue_words and lowered[1] in CONNECTORS
        ):
            return kind
    return None


def _is_title(word: str) -> bool:
    """A person's title: "minister", and hyphenated ones ("secretary-general")."""
    if word in TITLES:
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(part in TITLES or part in TITLE_PARTS for part in parts)


def _is_title_word(word: str) -> bool:
    return _is_title(word) or word in TITLE_PARTS


def _title_case_tokens(words: Sequence[str], folded: Sequence[str]) -> set[int]:
    """Indices of the tokens of sentences written in title case (see HEADLINE_WORDS).

    `folded` are the casefolded `words` (gazetteer.scan made them). Only the function words
    are looked at one by one: an article has ~600 tokens and ~60 of those.
    """
    function_words = [i for i, word in enumerate(folded) if word in HEADLINE_WORDS]
    if not any(words[i].istitle() and i and words[i - 1] not in SENTENCE_END
               for i in function_words):  # fmt: skip
        return set()  # prose: no function word capitalised inside a sentence
    ends = [i + 1 for i, word in enumerate(words) if word in SENTENCE_END]
    starts = [0, *ends]
    capitalised: Counter[int] = Counter()  # sentence -> function words in title form
    lowered: set[int] = set()  # sentences with a function word in lower case
    for i in function_words:
        sentence = bisect_right(ends, i)
        if i == starts[sentence]:
            continue  # a sentence's first word is capitalised anyway
        if words[i].islower():
            lowered.add(sentence)
        elif words[i].istitle():
            capitalised[sentence] += 1
    inside: set[int] = set()
    for sentence in capitalised.keys() - lowered:
        end = ends[sentence] if sentence < len(ends) else len(words)
        inside.update(range(starts[sentence], end))
    return inside


def _typed_run(tokens: Sequence[str], first: int, last: int) -> _Found | None:
    words = [t.lower() for t in tokens[first:last]]
    had_title = False
    while words and (_is_title_word(words[0]) or words[0] == "the"):
        had_title = had_title or _is_title(words[0])
        words.pop(0)
        first += 1
    while words and (words[-1] in NOT_NAMES or words[-1] in CONNECTORS):
        words.pop()  # "Joe Biden and" of "President Joe Biden and Indonesian ..."
        last -= 1
    if not words:
        return None
    if len(words) == 1 and (first == 0 or tokens[first - 1] in SENTENCE_END):
        return None  # one capitalised word opening a sentence proves nothing
    if len(words) == 1 and words[0] in _CUE_WORDS:
        return None  # "the Embassy said": a cue word alone names nothing
    previous = tokens[first - 1].lower() if first > 0 else ""
    after_title = had_title or _is_title(previous)
    if len(words) == 1 and words[0] in common_words() and not after_title:
        return None  # "President Lee": after a title even a common word is a name
    if after_title:
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
