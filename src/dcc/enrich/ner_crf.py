"""CRF sequence labelling for Indonesian NER: token features, the models, a fast decoder.

`dcc train entities` (training/entities.py) trains CRFsuite on the attribute strings of
`token_features` and stores the weights as plain arrays (`CrfModel`, an .npz; never pickle).
Tagging (`NerTagger`) runs on those arrays in numpy, not through CRFsuite, which spent ~5 µs a
token turning attribute strings into ids (issue 3); a step-by-step Viterbi in numpy costs as
much here (~3 array operations of ~1-4 µs a token). So:

- Every attribute comes from one word at a fixed offset (the token's own word, its neighbours
  at ±1 and ±2), from the gazetteer tag at -2..+2, or from the word pair (-1, 0). A word's
  weights at each offset are summed once and cached, and a document's scores are one gather
  and one sum over cached rows.
- Decoding scores segments, not steps. A labelling is all-O plus entity segments (a B- tag and
  its I- continuations); a segment's gain over O on its tokens is a difference of cumulative
  sums, computed for every start, length (<= MAX_SEGMENT) and type at once. The segments that
  gain go to a small dynamic programme that adds the transition between adjacent ones. This
  is the CRF's Viterbi labelling but for segments that lose on their own and win only joined
  to a neighbour, names longer than MAX_SEGMENT and labellings where an I- follows O; on the
  valid splits it differs from Viterbi on 1 of 6,983 NERGrit and 22 of 19,629 NERP tags, and
  scores 0.732 and 0.724 F1 where Viterbi scores 0.734 and 0.722 (the models of 2026-11,
  before CrfModel.bonus).

A word's class (WordClusters, learned from unlabelled text and stored in the model) is one
more attribute of the word, so it is looked up once per distinct word, like the others.

NERP is entirely lower-cased, so its model sees no case features (`is_cased=False`) and is fed
lower-cased text; NERGrit keeps case, and its model uses it.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dcc.enrich.gazetteer import common_words, gazetteer
from dcc.enrich.modelio import ModelMissingError, load_arrays, save_arrays

FloatArray = NDArray[np.float64]
# Offsets whose word attributes a token sees, and the attributes taken at each. Attribute
# strings read "<offset><template>=<value>" ("0w=jakarta", "-1sh=Xx").
WORD_OFFSETS = (-2, -1, 0, 1, 2)
# Templates: w word, p2-p4 prefixes, s2-s4 suffixes, sh shape, cap capitalised, len length,
# case (Title, UPPER, lower, Mixed), dg has a digit, cw a common word (stop words and the
# gazetteer's common-word list). Chosen by 3-fold cross-validation on NERGrit train (entity
# F1): the first five 0.695; with len, case, dg, cw 0.708; neighbours' prefixes, shapes at
# +-2, character 3-grams, pairs with the next word and a rare-word flag did not help.
# c32/c128/c512: the word's class among 32, 128, 512 (WordClusters; NERGrit's model only):
# 0.711 -> 0.717 at bonus 0.5; all three at +-1 and c128 at +-2 0.713 (training/entities.py).
# p4/s4 at the token and the gazetteer tag at +-2 as well: 0.7216 -> 0.7275 (each fold up;
# either alone 0.7230 and 0.7239). Real-valued word vectors as attributes (128 standardised
# dimensions at the token, or at -1..+1) lowered two folds of two, and were not kept.
OFFSET_TEMPLATES: dict[int, tuple[str, ...]] = {
    -2: ("w",),
    -1: ("w", "sh", "s3", "case", "cw", "c128"),
    0: (
        "w",
        "p2",
        "p3",
        "p4",
        "s2",
        "s3",
        "s4",
        "sh",
        "cap",
        "len",
        "case",
        "dg",
        "cw",
        "c32",
        "c128",
        "c512",
        "v64",
        "v256",
    ),
    1: ("w", "sh", "s3", "case", "cw", "c128"),
    2: ("w",),
}
GAZ_OFFSETS = (-2, -1, 0, 1, 2)
BIAS = "bias"
FIRST = "edge=first"  # the sentence's first token
LAST = "edge=last"
PAIR = "pw="  # "pw=<previous word> <word>", lower-cased (a space is never inside a token)
MAX_CACHED_WORDS = 100_000  # the word-row cache is emptied when it reaches this
NO_VALUE = "\n"  # a template's value for a word that lacks it: never an attribute's value
# New words at once from which their rows are summed a template at a time, in numpy (an
# Indonesian article brings ~100 on a fresh stream: ~2.5x quicker); fewer go word by word,
# which costs no numpy call per template (a tweet's one new word).
BY_TEMPLATE_FROM = 24
# Longest segment scored at once: entities of NERGrit/NERP valid have at most 8 tokens; longer
# ones are found only where they split into segments joined by their transitions.
MAX_SEGMENT = 8


@dataclass(frozen=True, slots=True)
class Span:
    type: str  # the model's own tag name without B-/I- ("PLACE", "PPL", ...)
    first: int  # token indices, end exclusive
    last: int


def gazetteer_tags(words: Sequence[str], is_cased: bool) -> list[str]:
    """One feature value per token: B-/I- and the kind of the gazetteer name it is part of."""
    tags = ["O"] * len(words)
    for match in gazetteer().match_words(words, ignore_case=not is_cased):
        kind = match.best.kind
        tags[match.first] = f"B-{kind}"
        for i in range(match.first + 1, match.last):
            tags[i] = f"I-{kind}"
    return tags


def _shape(word: str, is_cased: bool) -> str:
    # Runs of one character class collapse ("Jakarta" -> "Xx", "2019" -> "d"), which keeps the
    # feature's vocabulary tiny and generalises over lengths.
    out: list[str] = []
    for ch in word:
        if ch.isdigit():
            c = "d"
        elif ch.isalpha():
            c = "X" if is_cased and ch.isupper() else "x"
        else:
            c = ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


class WordClusters:
    """Word classes learned from unlabelled text: each lower-cased word's class id at a few
    granularities ("c32", "c128", ...), as template values; unknown words have none."""

    def __init__(self, names: Sequence[str], words: Sequence[str], ids: NDArray[Any]) -> None:
        self.names = tuple(names)
        self.words = list(words)
        self.ids = np.asarray(ids, dtype=np.int16).reshape(len(self.words), len(self.names))
        # A negative id: the word has no class of that kind (it is known to the other kind).
        self._values = {
            word: {name: str(i) for name, i in zip(self.names, row, strict=True) if i >= 0}
            for word, row in zip(self.words, self.ids.tolist(), strict=True)
        }

    def values(self, lower: str) -> dict[str, str] | None:
        """{"c32": "7", "c128": "90", ...} for a known lower-cased word, else None."""
        return self._values.get(lower)


def _template_values(
    word: str, is_cased: bool, clusters: WordClusters | None = None
) -> dict[str, str]:
    """{template: value} of one word (a template the word lacks is left out)."""
    return {
        template: values[0]
        for template, values in _template_columns([word], is_cased, clusters).items()
        if values[0] != NO_VALUE
    }


def _template_columns(
    words: Sequence[str], is_cased: bool, clusters: WordClusters | None = None
) -> dict[str, list[str]]:
    """Each template's value for each of `words` (NO_VALUE where a word lacks it): the one
    definition of the templates, read a template at a time when many words are new."""
    lower = list(map(str.lower, words))
    columns = {
        "w": lower,
        "p2": [w[:2] for w in lower],
        "p3": [w[:3] for w in lower],
        "p4": [w[:4] for w in lower],
        "s2": [w[-2:] for w in lower],
        "s3": [w[-3:] for w in lower],
        "s4": [w[-4:] for w in lower],
        "sh": [_shape(w, is_cased) for w in words],
        "len": [str(min(len(w), 8)) for w in words],
    }
    if is_cased:  # NERGrit only: NERP is lower-cased throughout
        columns["cap"] = ["1" if w[:1].isupper() else NO_VALUE for w in words]
        columns["case"] = list(map(_case, words))
    columns["dg"] = ["1" if any(ch.isdigit() for ch in w) else NO_VALUE for w in words]
    common = common_words()
    columns["cw"] = ["1" if w in common else NO_VALUE for w in lower]
    if clusters is not None:
        classes = list(map(clusters.values, lower))
        for name in clusters.names:
            columns[name] = [c.get(name, NO_VALUE) if c else NO_VALUE for c in classes]
    return columns


def _case(word: str) -> str:
    if word.islower():
        return "L"
    if word[:1].isupper() and word[1:].islower():
        return "T"
    if word.isupper() and len(word) > 1:
        return "U"
    return "M"


def word_attributes(
    word: str, is_cased: bool, clusters: WordClusters | None = None
) -> tuple[tuple[str, ...], ...]:
    """The attributes `word` gives a token when it stands at each offset of WORD_OFFSETS
    from that token: ("-2w=…",), ("-1w=…", "-1sh=…", "-1s3=…"), ("0w=…", …), …"""
    values = _template_values(word, is_cased, clusters)
    return tuple(
        tuple(f"{offset}{t}={values[t]}" for t in OFFSET_TEMPLATES[offset] if t in values)
        for offset in WORD_OFFSETS
    )


def token_features(
    words: Sequence[str],
    is_cased: bool,
    gaz: Sequence[str] | None = None,
    clusters: WordClusters | None = None,
) -> list[list[str]]:
    """CRFsuite attributes for each token of one sentence: words around it, gazetteer, pair.

    The word at index i + 1 gives token i "1w=jakarta", "1sh=Xx" and "1s3=rta" when it is
    "Jakarta": `word_attributes(word)[WORD_OFFSETS.index(1)]`.
    """
    gaz = gazetteer_tags(words, is_cased) if gaz is None else gaz
    by_word = [_cached_word_attributes(w, is_cased, clusters) for w in words]
    n = len(words)
    rows: list[list[str]] = []
    for i in range(n):
        row = [BIAS]
        for k, offset in enumerate(WORD_OFFSETS):
            j = i + offset
            if 0 <= j < n:
                row += by_word[j][k]
        for offset in GAZ_OFFSETS:
            j = i + offset
            if 0 <= j < n:
                row.append(f"{offset}g={gaz[j]}")
        if i > 0:
            row.append(f"{PAIR}{words[i - 1].lower()} {words[i].lower()}")
        else:
            row.append(FIRST)
        if i + 1 == n:
            row.append(LAST)
        rows.append(row)
    return rows


def bio_spans(tags: Sequence[str]) -> list[Span]:
    """Entity spans from BIO tags, as conlleval and seqeval read them.

    An I- tag after O or after another type starts a new entity:
    ["B-PER", "I-PER", "O", "I-LOC"] -> [Span("PER", 0, 2), Span("LOC", 3, 4)].
    """
    spans: list[Span] = []
    kind: str | None = None
    first = 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == kind
        if kind is not None and not continues:
            spans.append(Span(kind, first, i))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, first = name, i
    return spans


_ATTRIBUTE_CACHE: dict[tuple[str, bool, int], tuple[tuple[str, ...], ...]] = {}


def _cached_word_attributes(
    word: str, is_cased: bool, clusters: WordClusters | None
) -> tuple[tuple[str, ...], ...]:
    # Training only (tagging caches summed weights instead): corpora have ~30k distinct words.
    # Keyed by the clusters' id: a run learns one set and keeps it alive while it trains.
    key = (word, is_cased, id(clusters))
    found = _ATTRIBUTE_CACHE.get(key)
    if found is None:
        if len(_ATTRIBUTE_CACHE) >= MAX_CACHED_WORDS:
            _ATTRIBUTE_CACHE.clear()
        found = _ATTRIBUTE_CACHE[key] = word_attributes(word, is_cased, clusters)
    return found


class CrfModel:
    """The weights of one trained linear-chain CRF: labels, transitions, attribute weights."""

    def __init__(
        self,
        labels: Sequence[str],
        transitions: FloatArray,
        attributes: Sequence[str],
        weights: FloatArray,
        is_cased: bool,
        name_symbols: Sequence[str] = (),
        bonus: float = 0.0,
        clusters: WordClusters | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.transitions = np.asarray(transitions, dtype=np.float64)
        self.attributes = list(attributes)
        self.weights = np.asarray(weights, dtype=np.float64)  # (attributes, labels)
        self.is_cased = is_cased
        # Tokens with no letter or digit seen inside names in training ("-", "&", "."): any
        # other such token ("#", an emoji) cannot be part of a name.
        self.name_symbols = frozenset(name_symbols)
        # Added to every entity's score when decoding: above 0 the tagger finds more names
        # (recall) at some cost in precision; chosen by cross-validation in training.
        self.bonus = bonus
        # The word classes its cluster attributes ("0c128=90") were trained with.
        self.clusters = clusters

    def save(self, path: Path) -> None:
        """Write the model as one .npz of plain arrays (names as UTF-8 bytes, no pickle)."""
        nonzero = np.nonzero(self.weights)
        save_arrays(
            path,
            labels=_encode(self.labels),
            attributes=_encode(self.attributes),
            transitions=self.transitions.astype(np.float32),
            feature_attribute=nonzero[0].astype(np.int32),
            feature_label=nonzero[1].astype(np.int8),
            feature_weight=self.weights[nonzero].astype(np.float32),
            is_cased=np.array([self.is_cased]),
            name_symbols=_encode(sorted(self.name_symbols)),
            bonus=np.array([self.bonus]),
            **_cluster_arrays(self.clusters),
        )

    @classmethod
    def load(cls, path: Path) -> CrfModel:
        """A model written by `save`; ModelMissingError when the file is absent."""
        if not path.exists():
            raise ModelMissingError(f"NER model {path} is missing; run `dcc train entities`")
        arrays = load_arrays(path)
        labels = _decode(arrays["labels"])
        attributes = _decode(arrays["attributes"])
        weights = np.zeros((len(attributes), len(labels)))
        weights[arrays["feature_attribute"], arrays["feature_label"]] = arrays["feature_weight"]
        return cls(
            labels,
            arrays["transitions"].astype(np.float64),
            attributes,
            weights,
            bool(arrays["is_cased"][0]),
            _decode(arrays["name_symbols"]) if "name_symbols" in arrays else (),
            float(arrays["bonus"][0]) if "bonus" in arrays else 0.0,
            WordClusters(
                _decode(arrays["cluster_names"]),
                _decode(arrays["cluster_words"]),
                arrays["cluster_ids"],
            )
            if "cluster_ids" in arrays
            else None,
        )

    @classmethod
    def from_crfsuite(
        cls,
        path: Path,
        is_cased: bool,
        name_symbols: Sequence[str] = (),
        clusters: WordClusters | None = None,
    ) -> CrfModel:
        """The weights of a CRFsuite model file (training only: python-crfsuite reads them)."""
        import pycrfsuite  # only training needs CRFsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        info = tagger.info()
        tagger.close()
        labels = sorted(info.labels, key=lambda name: int(info.labels[name]))
        label_index = {name: i for i, name in enumerate(labels)}
        transitions = np.zeros((len(labels), len(labels)))
        for (source, target), weight in info.transitions.items():
            transitions[label_index[source], label_index[target]] = weight
        attributes = sorted({name for name, _ in info.state_features})
        attribute_index = {name: i for i, name in enumerate(attributes)}
        weights = np.zeros((len(attributes), len(labels)))
        for (name, label), weight in info.state_features.items():
            weights[attribute_index[name], label_index[label]] = weight
        return cls(
            labels, transitions, attributes, weights, is_cased, name_symbols, clusters=clusters
        )


def _cluster_arrays(clusters: WordClusters | None) -> dict[str, NDArray[Any]]:
    if clusters is None:
        return {}
    return {
        "cluster_names": _encode(clusters.names),
        "cluster_words": _encode(clusters.words),
        "cluster_ids": clusters.ids,
    }


def _encode(names: Sequence[str]) -> NDArray[np.uint8]:
    # Names never hold a newline: tokens hold no whitespace, the pair attribute only a space.
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8)


def _decode(array: NDArray[Any]) -> list[str]:
    return bytes(array.astype(np.uint8)).decode("utf-8").split("\n")


@dataclass(frozen=True, slots=True)
class Found:
    """An entity one model found: token range (end exclusive), its own type name, confidence."""

    first: int
    last: int
    type: str
    score: float  # logistic of the segment's score gain over O: 0.5 undecided, near 1 sure


# Fixed rows of the row table: nothing; the end of a sentence; the start of one. The two
# edge rows stand between sentences (and before the first, after the last) as pseudo-tokens.
ZERO, END, START = 0, 1, 2
BARRIER = 1e6  # an edge row's own gains: no segment starts at one or runs through it

# A row key: a word, or (word, gazetteer tag, pair row) for a word inside a gazetteer name or
# after a word it has a pair weight with.
Key = str | tuple[str, str, int]


class _Rows:
    """Segment gains per distinct key: rows[row_of[key], slot, gain column].

    Slot k holds what the word adds to the token WORD_OFFSETS[k] away from it (its own
    weights at the middle slot), already in gain columns (`_Segments`).
    """

    __slots__ = ("row_of", "rows")

    def __init__(self, fixed: FloatArray) -> None:
        self.rows: FloatArray = np.zeros((1024, *fixed.shape[1:]))
        self.rows[: len(fixed)] = fixed
        self.row_of: dict[Key, int] = {}


class _Segments:
    """Constants of segment scoring. The gain columns are B - O of each entity type (the
    first token of a segment), then I - O of each (its continuations)."""

    def __init__(self, model: CrfModel) -> None:
        labels, t = model.labels, model.transitions
        o = labels.index("O")
        # Types with a B- label; one never seen with I- (a tiny corpus) has only 1-token names.
        self.names = sorted({label[2:] for label in labels if label.startswith("B-")})
        self.o_label = o
        self.b_label = [labels.index(f"B-{name}") for name in self.names]
        i_label = [labels.index(f"I-{n}") if f"I-{n}" in labels else -1 for n in self.names]
        self.i_label = [i if i >= 0 else b for i, b in zip(i_label, self.b_label, strict=True)]
        k = len(self.names)
        self.projection = np.zeros((len(labels), 2 * k))
        for j, (b, i) in enumerate(zip(self.b_label, i_label, strict=True)):
            self.projection[b, j] += 1.0
            self.projection[o, j] -= 1.0
            if i >= 0:
                self.projection[i, k + j] += 1.0
                self.projection[o, k + j] -= 1.0
        bs, is_ = np.array(self.b_label), np.array(self.i_label)
        has_i = np.array(i_label) >= 0
        enter_b = t[o, bs] - t[o, o]
        leave_b = t[bs, o] - t[o, o]
        leave_i = np.where(has_i, t[is_, o] - t[o, o], 0.0)
        more_i = np.where(has_i, t[is_, is_] - t[o, o], -BARRIER)  # one more I
        b_to_i = np.where(has_i, t[bs, is_] - t[is_, is_], 0.0)  # B->I instead of I->I
        # constant[type, l - 1]: the transitions in, inside and out of a segment of length l,
        # beside its emissions; a segment gains when its emissions beat `floor` = -constant.
        more = np.arange(MAX_SEGMENT)[None, :] * more_i[:, None]  # (types, lengths)
        is_long = np.arange(MAX_SEGMENT)[None, :] >= 1
        constant = (
            enter_b[:, None]
            + more
            + np.where(is_long, (b_to_i + leave_i)[:, None], leave_b[:, None])
        )
        constant += model.bonus
        self.floor = -constant[..., None]
        self.constants: list[float] = constant.ravel().tolist()
        self.steps = np.arange(MAX_SEGMENT)[:, None] + np.arange(1024)[None, :]
        # join[end label][start type]: what the transition between two adjacent segments
        # adds beside the O between them that their gains assume.
        self.join = [
            [float(t[e, s] - t[e, o] - t[o, s] + t[o, o]) for s in self.b_label]
            for e in range(len(labels))
        ]


Candidate = tuple[int, int, int, float]  # first place, last place (exclusive), type, gain


class NerTagger:
    """Tags documents with one CrfModel (see the module docstring)."""

    def __init__(self, model: CrfModel) -> None:
        self.model = model
        segments = self._segments = _Segments(model)
        width = 2 * len(segments.names)
        self._index = {name: i for i, name in enumerate(model.attributes)}
        self._weights = model.weights @ segments.projection  # (attributes, gain columns)
        # The word attributes by slot and template: value -> attribute index, so that a new
        # word's weights are found without building its attribute strings.
        self._by_template: list[tuple[int, str, dict[str, int]]] = [
            (slot, template, {})
            for slot, offset in enumerate(WORD_OFFSETS)
            for template in OFFSET_TEMPLATES[offset]
        ]
        where = {(WORD_OFFSETS[slot], t): values for slot, t, values in self._by_template}
        for name, i in self._index.items():
            offset = name[:2] if name[:1] == "-" else name[:1]
            template, is_word, value = name[len(offset) :].partition("=")
            if is_word and offset.lstrip("-").isdigit():
                found = where.get((int(offset), template))
                if found is not None:
                    found[value] = i
        self._pair_row: dict[str, dict[str, int]] = {}  # previous word -> word -> pair row
        pair_rows: list[int] = []
        self._gaz_part: dict[str, FloatArray] = {}  # gazetteer tag -> (slots, gains)
        gaz_offsets = {str(offset) for offset in GAZ_OFFSETS}
        for name, i in self._index.items():
            if name.startswith(PAIR):
                previous, _, word = name[len(PAIR) :].partition(" ")
                self._pair_row.setdefault(previous, {})[word] = len(pair_rows) + 1
                pair_rows.append(i)
                continue
            offset, is_gaz, tag = name.partition("g=")
            if is_gaz and offset in gaz_offsets:
                block = self._gaz_part.setdefault(tag, np.zeros((len(WORD_OFFSETS), width)))
                block[WORD_OFFSETS.index(int(offset))] += self._weights[i]
        self._pairs = np.concatenate([np.zeros((1, width)), self._weights[pair_rows]])
        # The sentence edges, with what the segment scores assume there undone: no transition
        # enters a sentence's first token or leaves its last.
        t, o = model.transitions, segments.o_label
        first = self._vector(FIRST) - (t[o] - t[o, o])
        last = self._vector(LAST) - (t[:, o] - t[o, o])
        fixed = np.zeros((3, len(WORD_OFFSETS), width))
        own = WORD_OFFSETS.index(0)
        fixed[END, own] = fixed[START, own] = -BARRIER
        fixed[END, WORD_OFFSETS.index(1)] = last @ segments.projection
        fixed[START, WORD_OFFSETS.index(-1)] = first @ segments.projection
        self._fixed = fixed
        self._bias = self._vector(BIAS) @ segments.projection
        self._cache = _Rows(fixed)
        self._lock = threading.Lock()

    @property
    def is_cased(self) -> bool:
        return self.model.is_cased

    def _vector(self, name: str) -> FloatArray:
        i = self._index.get(name)
        return self.model.weights[i] if i is not None else np.zeros(len(self.model.labels))

    def tag(self, words: Sequence[str]) -> list[str]:
        """BIO tags of one sentence (as the model's corpus spells them)."""
        lowered = [w.lower() for w in words]
        seen = words if self.is_cased else lowered
        gaz = {i: tag for i, tag in enumerate(gazetteer_tags(seen, self.is_cased)) if tag != "O"}
        bounds = [(0, len(words))] if words else []
        tags = ["O"] * len(words)
        for f in self.find(seen, lowered, gaz, bounds):
            tags[f.first] = f"B-{f.type}"
            for i in range(f.first + 1, f.last):
                tags[i] = f"I-{f.type}"
        return tags

    def find(
        self,
        words: Sequence[str],
        lowered: Sequence[str],
        gaz: dict[int, str],
        bounds: Sequence[tuple[int, int]],
    ) -> list[Found]:
        """The entities of a document.

        `words` as the model sees them (lower-cased for an uncased model), `lowered` the same
        lower-cased, `gaz` the gazetteer tag of the tokens inside a gazetteer name (the others
        are "O"), `bounds` the sentences. Token t of sentence s stands at place t + 2 (s + 1)
        of the scored sequence, behind the two edge rows of each sentence.
        """
        if not words:
            return []
        gains = self._gains(words, lowered, gaz, bounds)
        found = self._best(self._candidates(gains))
        if len(bounds) == 1:
            return [Found(f.first - 2, f.last - 2, f.type, f.score) for f in found]
        places = [first + 2 * (s + 1) for s, (first, _) in enumerate(bounds)]
        return [
            Found(f.first - shift, f.last - shift, f.type, f.score)
            for f in found
            for shift in (2 * bisect_right(places, f.first),)
        ]

    def _keys(
        self,
        words: Sequence[str],
        lowered: Sequence[str],
        gaz: dict[int, str],
        bounds: Sequence[tuple[int, int]],
    ) -> list[Key]:
        keys: list[Key] = list(words)
        pair_row = self._pair_row
        pairs: dict[int, int] = {}  # token -> pair row with the word before it
        for first, last in bounds:
            for i in range(first + 1, last):
                following = pair_row.get(lowered[i - 1])
                if following is not None:
                    row = following.get(lowered[i])
                    if row is not None:
                        pairs[i] = row
        for i in gaz.keys() | pairs.keys():
            keys[i] = (words[i], gaz.get(i, "O"), pairs.get(i, 0))
        return keys

    def _rows(self, keys: list[Key]) -> tuple[FloatArray, list[int]]:
        """The table and the rows of the keys (computed for keys not seen before)."""
        cache = self._cache
        found = list(map(cache.row_of.get, keys))
        if None not in found:
            return cache.rows, found  # type: ignore[return-value]  # no None left
        with self._lock:
            cache = self._cache
            if len(cache.row_of) + len(keys) > MAX_CACHED_WORDS:
                cache = self._cache = _Rows(self._fixed)
            self._add_rows(cache, [key for key in dict.fromkeys(keys) if key not in cache.row_of])
            row_of = cache.row_of
            return cache.rows, list(map(row_of.__getitem__, keys))

    def _add_rows(self, cache: _Rows, keys: list[Key]) -> None:
        """Compute the rows of new keys: their attributes' weights summed at each slot."""
        first = len(cache.row_of) + len(self._fixed)
        needed = first + len(keys)
        if needed > len(cache.rows):
            grown = np.zeros((max(needed, 2 * len(cache.rows)), *cache.rows.shape[1:]))
            grown[: len(cache.rows)] = cache.rows
            cache.rows = grown
        words = [key if isinstance(key, str) else key[0] for key in keys]
        columns = _template_columns(words, self.is_cased, self.model.clusters)
        new = cache.rows[first:needed]
        new[:] = self._gaz_part.get("O", 0.0)
        new[:, WORD_OFFSETS.index(0)] += self._bias
        # Either way each (row, slot) adds its attributes' weights in _by_template's order,
        # so the two give the same floats.
        if len(words) >= BY_TEMPLATE_FROM:
            self._add_by_template(new, columns, len(words))
        else:
            self._add_by_word(new, columns)
        own = WORD_OFFSETS.index(0)
        for n, key in enumerate(keys):
            word = key if isinstance(key, str) else key[0]
            if _is_symbol(word) and word not in self.model.name_symbols:
                new[n, own] -= BARRIER  # no name starts at this token or runs through it
            if not isinstance(key, str):
                _, tag, pair = key
                if tag != "O":
                    new[n] += self._gaz_part.get(tag, 0.0) - self._gaz_part.get("O", 0.0)
                new[n, own] += self._pairs[pair]
        row_of = cache.row_of
        for n, key in enumerate(keys):
            row_of[key] = first + n  # published last: readers without the lock see whole rows

    def _add_by_template(self, new: FloatArray, columns: dict[str, list[str]], n: int) -> None:
        for slot, template, known in self._by_template:
            values = columns.get(template)
            if values is None:
                continue
            ids = np.fromiter(map(known.get, values, repeat(-1)), dtype=np.int64, count=n)
            rows = np.flatnonzero(ids >= 0)  # each row once: a plain += adds every weight
            if rows.size:
                new[rows, slot] += self._weights[ids[rows]]

    def _add_by_word(self, new: FloatArray, columns: dict[str, list[str]]) -> None:
        slots = len(WORD_OFFSETS)
        targets: list[int] = []  # (row * slots + slot) of each attribute weight found
        hits: list[int] = []
        for slot, template, known in self._by_template:
            for n, value in enumerate(columns.get(template, ())):
                i = known.get(value)
                if i is not None:
                    hits.append(i)
                    targets.append(n * slots + slot)
        if hits:
            np.add.at(new.reshape(-1, new.shape[2]), targets, self._weights[hits])

    def _gains(
        self,
        words: Sequence[str],
        lowered: Sequence[str],
        gaz: dict[int, str],
        bounds: Sequence[tuple[int, int]],
    ) -> FloatArray:
        """The gain columns (rows of the result) at each place of the scored sequence.

        The sequence is each sentence behind its two edge rows, then edge rows enough for a
        segment of MAX_SEGMENT to start at the last token; place p sums, over slots k,
        rows[p + k, k] of the row list (which has two zero rows in front): one strided view
        and one sum.
        """
        table, rows = self._rows(self._keys(words, lowered, gaz, bounds))
        if len(bounds) == 1:
            ids = [ZERO, ZERO, END, START, *rows]
        else:
            ids = [ZERO, ZERO]
            for first, last in bounds:
                ids += (END, START)
                ids += rows[first:last]
        ids += [END, START] + [END] * (MAX_SEGMENT - 2) + [ZERO, ZERO]
        block = table.take(ids, axis=0)
        slots = len(WORD_OFFSETS)
        step, slot, column = block.strides
        diagonal: FloatArray = np.ndarray(
            (len(ids) - slots + 1, slots, block.shape[2]),
            dtype=block.dtype,
            buffer=block,
            strides=(step, step + slot, column),
        )
        gains: FloatArray = np.ascontiguousarray(np.add.reduce(diagonal, axis=1).T)
        return gains

    def _candidates(self, gains: FloatArray) -> list[Candidate]:
        """Segments that gain over O: the best type for each span.

        A segment from place a of length l of type y gains over O on its tokens
        (B - O)[a] + sum over a < t < a + l of (I - O)[t], plus the constant of its
        transitions in, inside and out: differences of one cumulative sum, for every start,
        length and type at once. The edge rows undo the transitions assumed at a sentence's
        edges, and no segment starts at one or runs through it (BARRIER).
        """
        segments = self._segments
        k = len(segments.names)
        running = np.cumsum(gains[k:], axis=1)  # (types, places)
        n = gains.shape[1] - MAX_SEGMENT + 1  # places a segment may start at
        steps = segments.steps[:, :n] if n <= segments.steps.shape[1] else _steps(n)
        emitted = running.take(steps, axis=1)  # (types, lengths, starts)
        emitted -= running[:, None, :n]
        emitted += gains[:k, None, :n]
        flat = emitted.ravel()
        hits = np.flatnonzero(emitted > segments.floor).tolist()
        if not hits:
            return []
        constants = segments.constants
        best: dict[tuple[int, int], Candidate] = {}
        for hit, value in zip(hits, flat[hits].tolist(), strict=True):
            segment, start = divmod(hit, n)
            j, length = divmod(segment, MAX_SEGMENT)
            gain = value + constants[segment]
            span = (start, start + length + 1)
            # Of two types for one span, the lower only wins by a join with a neighbour.
            if span not in best or best[span][3] < gain:
                best[span] = (*span, j, gain)
        return list(best.values())

    def _best(self, candidates: list[Candidate]) -> list[Found]:
        """The best set of candidate segments.

        Candidates that touch no other are taken as they are; each group of overlapping or
        adjacent ones goes through a small dynamic programme (`_best_chain`).
        """
        candidates.sort()
        chosen: list[Candidate] = []
        group: list[Candidate] = []
        group_end = -1
        for candidate in [*candidates, (1 << 62, 0, 0, 0.0)]:
            if candidate[0] > group_end:  # touches nothing before it: close the group
                if len(group) == 1:
                    chosen.append(group[0])
                elif group:
                    chosen += self._best_chain(group)
                group = []
            group.append(candidate)
            group_end = max(group_end, candidate[1])
        names = self._segments.names
        return [Found(first, last, names[j], _logistic(gain)) for first, last, j, gain in chosen]

    def _best_chain(self, candidates: list[Candidate]) -> list[Candidate]:
        """The best non-overlapping subset: a dynamic programme over candidates by end, with
        the transition between adjacent segments (edge rows keep sentences apart)."""
        segments = self._segments
        join, b_label, i_label = segments.join, segments.b_label, segments.i_label
        candidates = sorted(candidates, key=lambda c: c[1])
        value: list[float] = []
        back: list[int] = []  # the chosen predecessor's index, -1 for none
        ends: list[int] = []  # candidate ends, ascending
        best_upto: list[tuple[float, int]] = []  # best chain ending at or before ends[i]
        by_end: dict[int, list[int]] = {}
        for c, (first, last, j, gain) in enumerate(candidates):
            total, previous = gain, -1
            p = bisect_right(ends, first - 1) - 1  # chains with an O before `first`
            if p >= 0 and best_upto[p][0] > 0:
                total, previous = gain + best_upto[p][0], best_upto[p][1]
            for d in by_end.get(first, ()):
                d_first, d_last, d_j, _ = candidates[d]
                end = b_label[d_j] if d_last - d_first == 1 else i_label[d_j]
                joined = value[d] + gain + join[end][j]
                if joined > total:
                    total, previous = joined, d
            value.append(total)
            back.append(previous)
            ends.append(last)
            if not best_upto or total > best_upto[-1][0]:
                best_upto.append((total, c))
            else:
                best_upto.append(best_upto[-1])
            by_end.setdefault(last, []).append(c)
        total, c = best_upto[-1]
        chosen: list[Candidate] = []
        while c >= 0 and total > 0:
            chosen.append(candidates[c])
            c = back[c]
        return chosen[::-1]


def _is_symbol(token: str) -> bool:
    """Whether a token has no letter or digit (punctuation, symbols, emoji)."""
    return not any(ch.isalnum() for ch in token)


def _steps(n: int) -> NDArray[np.intp]:
    return np.arange(MAX_SEGMENT)[:, None] + np.arange(n)[None, :]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0
