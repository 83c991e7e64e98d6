"""The enrichment pipeline: stages in order, each label with its evidence (DESIGN §4.2).

Stages are pure functions of the text (and of earlier labels), except near-duplicates and
stories, which remember earlier documents of the stream. A stage whose model file is missing
or that fails on one document leaves its label empty and says why under `why`; the document
and the stream go on (STYLE rule 10).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dcc.enrich.labels import CrisisLabel, Enrichment, Entity, Label, Place

logger = logging.getLogger(__name__)

# Documents longer than this are analysed on their first MAX_ANALYSED_CHARS characters: the
# labels of a 1 MB document are decided by its opening, and the throughput target holds.
MAX_ANALYSED_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Document:
    """What the pipeline reads from an item or a JSON Lines document (DESIGN §4.1)."""

    id: str
    text: str
    title: str = ""
    lang: str | None = None  # a hint from the source; detection decides


class Enricher:
    """Runs every stage on documents of one stream, in order."""

    def __init__(self) -> None:
        self._dedupe: Any = None
        self._stories: Any = None
        self._failed_once: set[str] = set()

    def enrich(self, doc: Document) -> Enrichment:
        why: dict[str, Any] = {}
        text = doc.text[:MAX_ANALYSED_CHARS]
        lang = self._stage("lang", why, lambda: _language(text), default="und")
        near = self._stage("near_duplicate_of", why, lambda: self._near_duplicate(doc.id, text))
        entities: list[Entity] = self._stage(
            "entities", why, lambda: _entities(text, lang), default=[]
        )
        geography = self._stage(
            "countries", why, lambda: _geography(text, entities, lang), default=([], [])
        )
        countries, places = geography
        sentiment = self._stage("sentiment", why, lambda: _sentiment(text, lang))
        stance = self._stage("stance_id", why, lambda: _stance(text, lang))
        emotion = self._stage("emotion", why, lambda: _emotion(text, lang))
        crisis = self._stage("crisis", why, lambda: _crisis(text, lang))
        topics = self._stage("topics", why, lambda: _topics(text, lang), default=[])
        story_id = self._stage(
            "story_id", why, lambda: self._story(doc, text, lang, entities, near)
        )
        if "places" not in why and "countries" in why:
            why["places"] = why["countries"]
        return Enrichment(
            lang=lang,
            sentiment=sentiment,
            stance_id=stance,
            emotion=emotion,
            entities=tuple(entities),
            countries=tuple(countries),
            places=tuple(places),
            crisis=crisis,
            topics=tuple(topics),
            near_duplicate_of=near,
            story_id=story_id,
            why=why,
        )

    def _stage(self, name: str, why: dict[str, Any], run: Any, default: Any = None) -> Any:
        try:
            value, evidence = run()
        except Exception as exc:  # one stage's failure must not lose the document
            if name not in self._failed_once:
                logger.warning("enrichment stage %s unavailable: %s", name, exc)
                self._failed_once.add(name)
            why[name] = {"error": f"{type(exc).__name__}: {exc}"}
            return default
        why[name] = evidence
        return value

    def _near_duplicate(self, doc_id: str, text: str) -> tuple[str | None, dict[str, Any]]:
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


# Each stage is imported when first used, so that one missing model or module does not stop
# the others (and `dcc enrich` starts fast).


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


def _sentiment(text: str, lang: str) -> tuple[Label, dict[str, Any]]:
    from dcc.enrich.sentiment import classify_sentiment

    return classify_sentiment(text, lang)


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
