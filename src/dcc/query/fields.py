"""The values each field filter accepts, and their normal form in the syntax tree.

`field_value(field, text, topics)` returns the normal form or raises `ValueError` with a
message naming the field and the value; the parser adds the position.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache

from dcc.query.ast import Field

SENTIMENTS = {
    "positive": "positive",
    "neutral": "neutral",
    "negative": "negative",
    # Indonesian spellings, so that a rule reads naturally in either language.
    "positif": "positive",
    "netral": "neutral",
    "negatif": "negative",
}
CRISIS_FLAGS = {
    "true": "true",
    "yes": "true",
    "ya": "true",
    "false": "false",
    "no": "false",
    "tidak": "false",
}
# crisis.info_type values (DESIGN §4.2), also accepted after `crisis:`.
INFO_TYPES = (
    "affected_individuals",
    "infrastructure_and_utilities",
    "donations_and_volunteering",
    "caution_and_advice",
    "sympathy_and_support",
    "other_useful_information",
    "not_applicable",
)
CRISIS_VALUES = ("true", "false", "informative", *INFO_TYPES)
# CLDR's user-assigned and grouping codes are not countries an item can be about.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
KIND = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
MAX_ENTITY_LENGTH = 200


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (CLDR's territory list, offline through babel)."""
    from babel import Locale

    codes = (code for code in Locale("en").territories if isinstance(code, str))
    return frozenset(
        code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@cache
def language_codes() -> frozenset[str]:
    """ISO 639 codes CLDR knows (two letters where one exists, else three), plus "und"."""
    from babel import Locale

    codes = {
        code
        for code in Locale("en").languages
        if isinstance(code, str) and code.isalpha() and code.islower()
    }
    # Languages DCC detects that CLDR lacks (DESIGN §4.2), and "undetermined".
    return frozenset({*codes, "nij", "und"})


def taxonomy_topics() -> frozenset[str]:
    """Topic ids of the installed taxonomy (enrich/data/topics.toml); read each time, since
    the taxonomy is editable and may be reloaded (enrich/topics.py caches the file)."""
    from dcc.enrich.topics import current_taxonomy

    return frozenset(current_taxonomy().topic_ids())


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only: SQLite's lower() does exactly this, so the matcher and
    both databases compare entity names the same way (sql.py)."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def entity_key(text: str) -> str:
    """An entity name as compared: ASCII letters lower-cased, spaces collapsed."""
    return ascii_lower(" ".join(text.split()))


def field_value(field: Field, text: str, topics: Collection[str] | None = None) -> str:
    """The normal form of `text` as a value of `field`; ValueError says why it is not one."""
    if field is Field.LANG:
        value = text.lower()
        if value not in language_codes():
            raise ValueError(f"lang: {text!r} is not a language code (for example id, en, jv)")
        return value
    if field is Field.COUNTRY:
        value = text.upper()
        if value not in country_codes():
            raise ValueError(
                f"country: {text!r} is not an ISO 3166-1 alpha-2 code (for example ID, MY)"
            )
        return value
    if field is Field.SOURCE:
        value = text.lower()
        if not SOURCE_ID.match(value):
            raise ValueError(
                f"source: {text!r} is not a source id (lowercase letters, digits, '.', '_', '-')"
            )
        return value
    if field is Field.KIND:
        value = text.lower()
        if not KIND.match(value):
            raise ValueError(f"kind: {text!r} is not an item kind (for example article, post)")
        return value
    if field is Field.TOPIC:
        value = text.lower()
        known = taxonomy_topics() if topics is None else topics
        if value not in known:
            raise ValueError(f"topic: {text!r} is not a topic; known: {', '.join(sorted(known))}")
        return value
    if field is Field.ENTITY:
        value = entity_key(text)
        if not value or len(value) > MAX_ENTITY_LENGTH:
            raise ValueError(f"entity: {text!r} must be 1-{MAX_ENTITY_LENGTH} characters")
        return value
    if field in (Field.SENTIMENT, Field.STANCE):
        found = SENTIMENTS.get(text.lower())
        if found is None:
            raise ValueError(f"{field}: {text!r} must be positive, neutral or negative")
        return found
    value = text.lower()
    value = CRISIS_FLAGS.get(value, value)
    if value not in CRISIS_VALUES:
        raise ValueError(
            f"crisis: {text!r} must be true, false, informative or an information type "
            f"({', '.join(INFO_TYPES)})"
        )
    return value
