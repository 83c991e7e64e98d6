"""Records for enrichment results (DESIGN §4.2). Stages return these; the pipeline assembles
them into `Enrichment`, whose `as_json()` is exactly the `dcc enrich` output contract."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Evidence for one label: matched terms, top features, scores. JSON-serialisable.
Why = dict[str, Any]

R = TypeVar("R", bound="DataclassInstance")


def pickled_by_fields(cls: type[R]) -> type[R]:
    """Class decorator: instances pickle as the class and its fields' values, in order.

    Why: worker processes send every document's labels to the main one (parallel.py), and a
    slotted dataclass pickles through `__getstate__`/`__setstate__`, which walk `fields()` in
    Python for every record: half the cost of passing a tweet's labels between processes.
    """
    values = attrgetter(*(f.name for f in fields(cls)))

    def reduce(self: R) -> tuple[type[R], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


SENTIMENT_LABELS = ("positive", "neutral", "negative")
EMOTION_LABELS = ("anger", "fear", "happy", "love", "sadness")
ENTITY_TYPES = ("PER", "ORG", "LOC", "EVT", "MISC")
INFO_TYPES = (
    "affected_individuals",
    "infrastructure_and_utilities",
    "donations_and_volunteering",
    "caution_and_advice",
    "sympathy_and_support",
    "other_useful_information",
    "not_applicable",
)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Label:
    label: str
    score: float  # 0..1, the model's confidence in `label`

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 4)}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Entity:
    text: str
    type: str  # one of ENTITY_TYPES
    start: int  # offsets into the document's text
    end: int

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "type": self.type, "start": self.start, "end": self.end}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    country: str | None  # ISO 3166-1 alpha-2

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "lat": self.lat, "lon": self.lon, "country": self.country}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CrisisLabel:
    related: bool
    informative: bool
    info_type: str  # one of INFO_TYPES

    def as_json(self) -> dict[str, Any]:
        return {
            "related": self.related,
            "informative": self.informative,
            "info_type": self.info_type,
        }


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Enrichment:
    """Every label of one document, with the evidence for each under `why`."""

    lang: str = "und"
    sentiment: Label | None = None
    stance_id: Label | None = None
    emotion: Label | None = None
    entities: tuple[Entity, ...] = ()
    countries: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    crisis: CrisisLabel | None = None
    topics: tuple[str, ...] = ()
    near_duplicate_of: str | None = None
    story_id: str | None = None
    why: dict[str, Why] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "sentiment": self.sentiment.as_json() if self.sentiment else None,
            "stance_id": self.stance_id.as_json() if self.stance_id else None,
            "emotion": self.emotion.as_json() if self.emotion else None,
            "entities": [e.as_json() for e in self.entities],
            "countries": list(self.countries),
            "places": [p.as_json() for p in self.places],
            "crisis": self.crisis.as_json() if self.crisis else None,
            "topics": list(self.topics),
            "near_duplicate_of": self.near_duplicate_of,
            "story_id": self.story_id,
            "why": self.why,
        }
