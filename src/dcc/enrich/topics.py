"""Topics from the editable taxonomy in data/topics.toml (DESIGN §4.2 `topics`), with evidence.

A topic is assigned when at least one of its terms occurs as whole words in the text; topics
are ordered by score (sum of matches times the topic's weight), ties in taxonomy order. All
terms of all topics sit in one TermIndex, built once per taxonomy, so a tweet costs one pass
over its tokens. Optional learned signal: a caller that already has the crisis model's
`related` may pass it; a related document that matched neither disaster, terrorism nor
security_defence then gets `disaster` last, with why naming the model as its source (CrisisLex
"related" spans natural hazards and accidents; bombings and shootings are matched by terms).
"""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcc.enrich.termindex import TermIndex, TermSyntaxError, tokenize

TAXONOMY_PATH = Path(__file__).parent / "data" / "topics.toml"
TERM_LISTS = ("en", "id")
TOPIC_KEYS = frozenset({"label", "weight", *TERM_LISTS})
# Topics that already explain a crisis-related document; otherwise `related` adds disaster.
CRISIS_TOPICS = frozenset({"disaster", "terrorism", "security_defence"})


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the file and the line or topic."""


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    weight: float
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Topics in file order and one index from term to the topics that list it."""

    path: Path
    topics: tuple[Topic, ...]
    index: TermIndex[str]
    weights: dict[str, float]  # topic id -> weight, in file order (ties keep this order)

    def topic_ids(self) -> tuple[str, ...]:
        return tuple(topic.id for topic in self.topics)


def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Parse and check a taxonomy file, and make it the one `assign_topics` uses."""
    taxonomy = read_taxonomy(path)
    global _current
    with _lock:
        _current = taxonomy
    return taxonomy


def read_taxonomy(path: Path) -> Taxonomy:
    """Parse and check a taxonomy file without installing it (TaxonomyError when malformed)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:  # its message carries "(at line N, column M)"
        raise TaxonomyError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read the taxonomy: {exc}") from exc
    table = data.get("topics")
    if not isinstance(table, dict) or not table:
        raise TaxonomyError(f"{path}: no [topics.<id>] tables found")
    topics: list[Topic] = []
    index: TermIndex[str] = TermIndex()
    for topic_id, body in table.items():
        topic = _parse_topic(path, topic_id, body)
        for term in topic.terms:
            try:
                index.add(term, topic.id)
            except TermSyntaxError as exc:
                raise TaxonomyError(f"{path}: topic {topic_id!r}: {exc}") from exc
        topics.append(topic)
    return Taxonomy(path, tuple(topics), index, {topic.id: topic.weight for topic in topics})


def _parse_topic(path: Path, topic_id: str, body: Any) -> Topic:
    where = f"{path}: topic {topic_id!r}"
    if not topic_id.replace("_", "").isalnum() or topic_id != topic_id.lower():
        raise TaxonomyError(f"{where}: ids are lowercase letters, digits and underscores")
    if not isinstance(body, dict):
        raise TaxonomyError(f"{where}: expected a table [topics.{topic_id}]")
    unknown = set(body) - TOPIC_KEYS
    if unknown:
        raise TaxonomyError(
            f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(TOPIC_KEYS)}"
        )
    weight = body.get("weight", 1.0)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise TaxonomyError(f"{where}: weight must be a positive number, got {weight!r}")
    terms: list[str] = []
    for key in TERM_LISTS:
        values = body.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise TaxonomyError(f"{where}: {key} must be a list of strings")
        terms.extend(values)
    if not terms:
        raise TaxonomyError(f"{where}: no terms in {' or '.join(TERM_LISTS)}")
    label = body.get("label", topic_id)
    if not isinstance(label, str):
        raise TaxonomyError(f"{where}: label must be a string")
    return Topic(topic_id, label, float(weight), tuple(dict.fromkeys(terms)))


_lock = threading.Lock()
_current: Taxonomy | None = None


def current_taxonomy() -> Taxonomy:
    """The installed taxonomy, loading the shipped file on first use."""
    taxonomy = _current
    return taxonomy if taxonomy is not None else load_taxonomy()


def assign_topics(
    text: str,
    lang: str,
    *,
    crisis_related: bool | None = None,
    taxonomy: Taxonomy | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """Topic ids of `text`, strongest first, and why (matched terms and counts per topic)."""
    # `lang` is not used to pick terms: posts mix Indonesian and English, and both lists of a
    # topic are precise enough to apply to either. It stays in the signature for the pipeline.
    del lang
    taxonomy = taxonomy or current_taxonomy()
    counts: dict[str, dict[str, int]] = {}
    for match in taxonomy.index.find(tokenize(text)):
        for topic_id in match.payloads:
            per_topic = counts.setdefault(topic_id, {})
            per_topic[match.text] = per_topic.get(match.text, 0) + 1
    weights = taxonomy.weights
    scores = {t: weights[t] * sum(found.values()) for t, found in counts.items()}
    # sorted() is stable and `counts` follows the text, so re-key ties by taxonomy order.
    ranked = sorted(sorted(scores, key=list(weights).index), key=lambda t: -scores[t])
    why: dict[str, Any] = {
        topic_id: {"terms": counts[topic_id], "score": round(scores[topic_id], 3)}
        for topic_id in ranked
    }
    if crisis_related and "disaster" in weights and not CRISIS_TOPICS & set(ranked):
        ranked.append("disaster")
        why["disaster"] = {"terms": {}, "score": 0.0, "source": "crisis model: related"}
    return ranked, why
