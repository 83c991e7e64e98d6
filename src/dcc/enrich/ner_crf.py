"""CRF sequence labelling for Indonesian NER: token features, the tagger, BIO spans.

The models are CRFsuite files (its own binary format, never pickle) trained by
`dcc train entities` (training/entities.py) on IndoNLU NERGrit and NERP. NERP is entirely
lower-cased, so its model sees no case features (`is_cased=False`) and is fed lower-cased
text; NERGrit keeps case, and its model uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycrfsuite

from dcc.enrich.gazetteer import gazetteer
from dcc.enrich.modelio import ModelMissingError


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


@lru_cache(maxsize=200_000)
def _word_attributes(word: str, is_cased: bool) -> tuple[str, str, tuple[str, ...]]:
    """(lower-case form, shape, the token's own attributes); cached, as words repeat a lot."""
    lower = word.lower()
    shape = _shape(word, is_cased)
    own = [
        "bias",
        "w=" + lower,
        "p2=" + lower[:2],
        "p3=" + lower[:3],
        "s2=" + lower[-2:],
        "s3=" + lower[-3:],
        "sh=" + shape,
    ]
    if is_cased and word[:1].isupper():
        own.append("cap")  # NERGrit only: NERP is lower-cased throughout
    return lower, shape, tuple(own)


def token_features(words: Sequence[str], is_cased: bool) -> list[list[str]]:
    """CRFsuite attributes for each token: the word, affixes, shape, gazetteer, neighbours."""
    attributes = [_word_attributes(w, is_cased) for w in words]
    lower = [a[0] for a in attributes]
    shapes = [a[1] for a in attributes]
    gaz = gazetteer_tags(words, is_cased)
    n = len(words)
    rows: list[list[str]] = []
    for i, word in enumerate(lower):
        row = [*attributes[i][2], "g=" + gaz[i]]
        if i > 0:
            row += (
                f"-1w={lower[i - 1]}",
                f"-1sh={shapes[i - 1]}",
                f"-1g={gaz[i - 1]}",
                f"-1s3={lower[i - 1][-3:]}",
                f"-1w|w={lower[i - 1]}|{word}",
            )
            if i > 1:
                row.append(f"-2w={lower[i - 2]}")
        else:
            row.append("-1edge")
        if i + 1 < n:
            row += (
                f"1w={lower[i + 1]}",
                f"1sh={shapes[i + 1]}",
                f"1g={gaz[i + 1]}",
                f"1s3={lower[i + 1][-3:]}",
            )
            if i + 2 < n:
                row.append(f"2w={lower[i + 2]}")
        else:
            row.append("1edge")
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


class CrfTagger:
    """One trained CRFsuite model; tags token sequences."""

    def __init__(self, path: Path, is_cased: bool) -> None:
        if not path.exists():
            raise ModelMissingError(f"NER model {path} is missing; run `dcc train entities`")
        self.path = path
        self.is_cased = is_cased
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))

    def tag(self, words: Sequence[str]) -> tuple[list[str], list[float]]:
        """BIO tags for `words`, with the marginal probability of each tag."""
        if not words:
            return [], []
        seen = words if self.is_cased else [w.lower() for w in words]
        tags: list[str] = self._tagger.tag(token_features(seen, self.is_cased))
        # Marginals only where an entity is: "O" tokens are most of a text and need none.
        marginals = [
            float(self._tagger.marginal(t, i)) if t != "O" else 1.0 for i, t in enumerate(tags)
        ]
        return tags, marginals
