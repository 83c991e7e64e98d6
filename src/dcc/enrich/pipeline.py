"""The enrichment pipeline: stages in order, each label with its evidence (DESIGN §4.2).

Stages are pure functions of the text (and of earlier labels), except near-duplicates and
stories, which remember earlier documents of the stream. A stage whose model file is missing
or that fails on one document leaves its label empty and says why under `why`; the document
and the stream go on (STYLE rule 10).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dcc.enrich.labels import CrisisLabel, Enrichment, Entity, Label, Place, pickled_by_fields

logger = logging.getLogger(__name__)

# Documents longer than this are analysed on their first MAX_ANALYSED_CHARS characters: the
# labels of a 1 MB document are decided by its opening, and the throughput target holds.
MAX_ANALYSED_CHARS = 20_000


@pickled_by_fields  # sent to worker processes (parallel.py)
@dataclass(frozen=True, slots=True)
class Document:
    """What the pipeline reads from an item or a JSON Lines document (DESIGN §4.1)."""

    id: str
    text: str
    title: str = ""
    lang: str | None = None  # a hint from the source; detection decides


class Enricher:
    """Runs every stage on documents of one stream, in order, a batch at a time.

    Two halves: `analyse_batch` (every stage that reads one document alone; any process can
    run it, see parallel.py) and `connect` (near-duplicates and stories, which remember the
    stream, so one Enricher runs them in stream order). Batches matter for speed: the
    linear models featurise a whole batch with a few numpy operations (`ngrams.featurise`).
    """

    def __init__(self) -> None:
        self._dedupe: Any = None
        self._stories: Any = None

    def enrich(self, doc: Document) -> Enrichment:
        return self.enrich_batch([doc])[0]

    def enrich_batch(self, docs: Sequence[Document]) -> list[Enrichment]:
        """The labels of each document, in order (documents of a stream, oldest first)."""
        return self.connect(docs, analyse_batch(docs))

    def enrich_batches(self, batches: Iterable[Sequence[Document]]) -> Iterator[list[Enrichment]]:
        """Each batch's labels, in order (parallel.py overlaps the batches' work)."""
        for batch in batches:
            yield self.enrich_batch(batch)

    def close(self) -> None:
        """Release what the enricher holds (nothing here; worker processes in parallel.py)."""

    def connect(self, docs: Sequence[Document], analysed: Sequence[Enrichment]) -> list[Enrichment]:
        """Add near-duplicates and stories to `analysed` (analyse_batch of `docs`), in order."""
        return [self._connect_one(doc, labels) for doc, labels in zip(docs, analysed, strict=True)]

    def _connect_one(self, doc: Document, labels: Enrichment) -> Enrichment:
        why = labels.why
        text = doc.text[:MAX_ANALYSED_CHARS]
        near = _run_stage("near_duplicate_of", why, lambda: self._near(doc.id, text))
        story_id = _run_stage(
            "story_id",
            why,
            lambda: self._story(doc, text, labels.lang, list(labels.entities), near),
        )
        return replace(labels, near_duplicate_of=near, story_id=story_id)

    def _near(self, doc_id: str, text: str) -> tuple[str | None, dict[str, Any]]:
        if self._dedupe is None:
            from dcc.enrich.dedupe import NearDuplicateIndex

            self._dedupe = NearDuplicateIndex()
        result: tuple[str | None, dict[str, Any]] = self._dedupe.add(doc_id, text)
        return result

    def _story(
        self, doc: Document, text: str, lang: str, entities: list[Entity], near: str | None
    ) -> tuple[str, dict[str, Any]]:
        if self._stories is None:
            from dcc.enrich.stories import StoryClusterer

            self._stories = StoryClusterer()
        result: tuple[str, dict[str, Any]] = self._stories.add(
            doc.id, text, lang, entities=entities, near_duplicate_of=near
        )
        return result


def analyse_batch(docs: Sequence[Document]) -> list[Enrichment]:
    """Every label that depends on one document alone (all but near-duplicates and stories)."""
    texts = [doc.text[:MAX_ANALYSED_CHARS] for doc in docs]
    whys: list[dict[str, Any]] = [{} for _ in docs]
    langs = _run_batch_stage("lang", whys, lambda: _languages(texts), lambda i: _language(texts[i]))
    langs = [lang or "und" for lang in langs]
    # Entities and geography one document after the other: both read the text's gazetteer
    # scan, which the gazetteer keeps for the last text only (gazetteer.Gazetteer.scan).
    entities: list[list[Entity]] = []
    geography: list[tuple[list[str], list[Place]]] = []
    for text, lang, why in zip(texts, langs, whys, strict=True):
        found = _run_stage("entities", why, lambda t=text, g=lang: _entities(t, g), default=[])
        entities.append(found)
        geography.append(
            _run_stage(
                "countries", why, lambda t=text, e=found, g=lang: _geography(t, e, g), ([], [])
            )
        )
    features = _affect_features(texts)
    sentiments = _run_batch_stage(
        "sentiment",
        whys,
        lambda: _sentiments(texts, langs, features),
        lambda i: _sentiment(texts[i], langs[i]),
    )
    stances = _run_batch_stage(
        "stance_id", whys, lambda: _stances(texts, langs), lambda i: _stance(texts[i], langs[i])
    )
    emotions = _run_batch_stage(
        "emotion",
        whys,
        lambda: _emotions(texts, langs, features),
        lambda i: _emotion(texts[i], langs[i]),
    )
    crises = _run_batch_stage(
        "crisis", whys, lambda: _crises(texts, langs), lambda i: _crisis(texts[i], langs[i])
    )
    topics = [
        _run_stage("topics", why, lambda t=text, g=lang: _topics(t, g), default=[])
        for text, lang, why in zip(texts, langs, whys, strict=True)
    ]
    analysed = []
    for i, why in enumerate(whys):
        if "places" not in why and "countries" in why:
            why["places"] = why["countries"]
        countries, places = geography[i]
        analysed.append(
            Enrichment(
                lang=langs[i],
                sentiment=sentiments[i],
                stance_id=stances[i],
                emotion=emotions[i],
                entities=tuple(entities[i]),
                countries=tuple(countries),
                places=tuple(places),
                crisis=crises[i],
                topics=tuple(topics[i] or ()),
                why=why,
            )
        )
    return analysed


_failed_once: set[str] = set()  # stages already reported as failing, logged once a process


def _run_stage(name: str, why: dict[str, Any], run: Any, default: Any = None) -> Any:
    """`run()`'s value, its evidence under why[name]; on failure `default` and the error."""
    try:
        value, evidence = run()
    except Exception as exc:  # one stage's failure must not lose the document
        if name not in _failed_once:
            logger.warning("enrichment stage %s unavailable: %s", name, exc)
            _failed_once.add(name)
        why[name] = {"error": f"{type(exc).__name__}: {exc}"}
        return default
    why[name] = evidence
    return value


def _run_batch_stage(
    name: str,
    whys: list[dict[str, Any]],
    run_batch: Callable[[], list[tuple[Any, Any]]],
    run_one: Callable[[int], tuple[Any, Any]],
) -> list[Any]:
    """A stage run on the whole batch; if the batch fails, document by document."""
    try:
        results = run_batch()
    except Exception:  # find the document at fault: the others keep their labels
        return [_run_stage(name, why, lambda i=i: run_one(i)) for i, why in enumerate(whys)]
    values = []
    for why, (value, evidence) in zip(whys, results, strict=True):
        why[name] = evidence
        values.append(value)
    return values


def _affect_features(texts: Sequence[str]) -> Any:
    """One featurisation for the affect models, or None (each then tries on its own)."""
    try:
        from dcc.enrich.affect_text import affect_features

        return affect_features(texts)
    except Exception:  # the stages report the failure themselves
        return None


# Each stage is imported when first used, so that one missing model or module does not stop
# the others (and `dcc enrich` starts fast).


def _languages(texts: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    from dcc.enrich.language import detect_languages

    return [
        (code, {**evidence, "confidence": round(confidence, 4)})
        for code, confidence, evidence in detect_languages(texts)
    ]


def _language(text: str) -> tuple[str, dict[str, Any]]:
    from dcc.enrich.language import detect_language

    code, confidence, evidence = detect_language(text)
    return code, {**evidence, "confidence": round(confidence, 4)}


def _entities(text: str, lang: str) -> tuple[list[Entity], dict[str, Any]]:
    from dcc.enrich.entities import extract_entities

    return extract_entities(text, lang)


def _geography(
    text: str, entities: list[Entity], lang: str
) -> tuple[tuple[list[str], list[Place]], dict[str, Any]]:
    from dcc.enrich.geo import resolve_geography

    countries, places, evidence = resolve_geography(text, entities, lang)
    return (countries, places), evidence


def _sentiments(
    texts: Sequence[str], langs: Sequence[str], features: Any
) -> list[tuple[Label, dict[str, Any]]]:
    from dcc.enrich.sentiment import classify_sentiments

    return classify_sentiments(texts, langs, features)


def _emotions(
    texts: Sequence[str], langs: Sequence[str], features: Any
) -> list[tuple[Label | None, dict[str, Any]]]:
    from dcc.enrich.emotion import classify_emotions

    return classify_emotions(texts, langs, features)


def _crises(texts: Sequence[str], langs: Sequence[str]) -> list[tuple[CrisisLabel, dict[str, Any]]]:
    from dcc.enrich.crisis import classify_crises

    return classify_crises(texts, langs)


def _sentiment(text: str, lang: str) -> tuple[Label, dict[str, Any]]:
    from dcc.enrich.sentiment import classify_sentiment

    return classify_sentiment(text, lang)


def _stances(
    texts: Sequence[str], langs: Sequence[str]
) -> list[tuple[Label | None, dict[str, Any]]]:
    from dcc.enrich.stance import stances_toward_indonesia

    return stances_toward_indonesia(texts, langs)


def _stance(text: str, lang: str) -> tuple[Label | None, dict[str, Any]]:
    from dcc.enrich.stance import stance_toward_indonesia

    return stance_toward_indonesia(text, lang)


def _emotion(text: str, lang: str) -> tuple[Label | None, dict[str, Any]]:
    from dcc.enrich.emotion import classify_emotion

    return classify_emotion(text, lang)


def _crisis(text: str, lang: str) -> tuple[CrisisLabel, dict[str, Any]]:
    from dcc.enrich.crisis import classify_crisis

    return classify_crisis(text, lang)


def _topics(text: str, lang: str) -> tuple[list[str], dict[str, Any]]:
    from dcc.enrich.topics import assign_topics

    return assign_topics(text, lang)
