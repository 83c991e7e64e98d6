"""How the pages name codes and labels in the reader's language (template filters).

Countries and languages come from CLDR (babel, offline); topic, label, status and role names
are marked for translation here, so that one catalog holds them (docs/translating.md).

    country_name("TL")          # "Timor Leste" (id), "Timor-Leste" (en)
    label_name("negative")      # "negatif" (id), "negative" (en)
    marked_text("Retno di Jakarta", [{"text": "Jakarta", "type": "LOC", "start": 9, "end": 16}])
    # -> [("Retno di ", None), ("Jakarta", "LOC")]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import format_percent

from dcc.accounts.records import Permission
from dcc.query.fields import country_codes, taxonomy_topics
from dcc.web.i18n import current_locale, format_datetime
from dcc.web.i18n import gettext as _

# Longest text a page marks entities in; the rest is shown as it is.
MAX_MARKED_CHARS: Final = 20_000


def country_name(code: str | None) -> str:
    """An ISO 3166-1 alpha-2 code as the country's name in the current locale, else the code."""
    if not code:
        return ""
    try:
        name = Locale(current_locale()).territories.get(code.upper())
    except (ValueError, TypeError):
        name = None
    return str(name) if name else code


def topic_name(topic_id: str | None) -> str:
    """A topic id of the taxonomy (enrich/data/topics.toml) as its short name."""
    names = {
        "diplomacy": _("Diplomacy"),
        "cyber": _("Cyber security"),
        "disaster": _("Disasters"),
        "economy_trade": _("Economy and trade"),
        "security_defence": _("Security and defence"),
        "terrorism": _("Terrorism"),
        "politics": _("Politics"),
        "health": _("Health"),
        "citizens_abroad_migration": _("Citizens abroad and migration"),
        "maritime": _("Maritime"),
        "environment": _("Environment"),
        "energy": _("Energy"),
        "human_rights": _("Human rights"),
    }
    if not topic_id:
        return ""
    return names.get(topic_id, topic_id.replace("_", " "))


def label_name(value: str | None) -> str:
    """A label, status, kind or role value as words (unknown values as they are)."""
    names = {
        # sentiment and stance
        "positive": _("positive"),
        "neutral": _("neutral"),
        "negative": _("negative"),
        # emotion
        "anger": _("anger"),
        "fear": _("fear"),
        "happy": _("happy"),
        "love": _("love"),
        "sadness": _("sadness"),
        # entity types
        "PER": _("person"),
        "ORG": _("organisation"),
        "LOC": _("place"),
        "EVT": _("event"),
        "MISC": _("other"),
        # crisis information types
        "affected_individuals": _("affected people"),
        "infrastructure_and_utilities": _("infrastructure and utilities"),
        "donations_and_volunteering": _("donations and volunteering"),
        "caution_and_advice": _("caution and advice"),
        "sympathy_and_support": _("sympathy and support"),
        "other_useful_information": _("other useful information"),
        "not_applicable": _("not applicable"),
        # alert statuses and kinds
        "new": _("new"),
        "acknowledged": _("acknowledged"),
        "dismissed": _("dismissed"),
        "escalated": _("escalated"),
        "watchlist": _("watchlist"),
        "burst": _("burst"),
        "campaign": _("campaign"),
        "stance_shift": _("stance shift"),
        # roles and agency kinds
        "admin": _("administrator"),
        "analyst": _("analyst"),
        "officer": _("officer"),
        "liaison": _("liaison"),
        "viewer": _("viewer"),
        "ministry_unit": _("ministry unit"),
        "embassy": _("embassy"),
        "consulate": _("consulate"),
        "partner_agency": _("partner agency"),
        "ministry": _("ministry"),
        "provincial_government": _("provincial government"),
    }
    if not value:
        return ""
    return names.get(value, value.replace("_", " "))


def window_name(window: str) -> str:
    """A dashboard time window ("24h") in words."""
    names = {
        "1h": _("last hour"),
        "6h": _("last 6 hours"),
        "24h": _("last 24 hours"),
        "7d": _("last 7 days"),
        "30d": _("last 30 days"),
    }
    return names.get(window, window)


def countries_by_name() -> list[tuple[str, str]]:
    """(code, name) of every country a filter accepts, by name in the current locale."""
    named = [(code, country_name(code)) for code in country_codes()]
    return sorted(named, key=lambda pair: pair[1].casefold())


def topics_by_name() -> list[tuple[str, str]]:
    """(id, name) of the taxonomy's topics, by name in the current locale."""
    named = [(topic, topic_name(topic)) for topic in taxonomy_topics()]
    return sorted(named, key=lambda pair: pair[1].casefold())


def when(value: datetime | str | None, style: str = "medium") -> str:
    """A time (or its ISO 8601 text, as explanations store times) in the display zone."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return format_datetime(parsed, style=style)
    return format_datetime(value, style=style)


def time_ago(value: datetime | None, *, now: datetime | None = None) -> str:
    """How long ago `value` was, in the locale's words ("5 menit yang lalu")."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - (now or datetime.now(tz=UTC))
    return format_timedelta(delta, add_direction=True, locale=current_locale())


def marked_text(text: str, entities: Any) -> list[tuple[str, str | None]]:
    """`text` cut into (segment, entity type or None) by the enrichment's entity offsets;
    overlapping or out-of-range entities are skipped, so the segments always rebuild `text`."""
    spans: list[tuple[int, int, str]] = []
    if isinstance(entities, Sequence) and not isinstance(entities, str):
        for entity in entities:
            if not isinstance(entity, Mapping):
                continue
            start, end, kind = entity.get("start"), entity.get("end"), entity.get("type")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                spans.append((start, end, str(kind or "")))
    limit = min(len(text), MAX_MARKED_CHARS)
    segments: list[tuple[str, str | None]] = []
    position = 0
    for start, end, kind in sorted(spans):
        if start < position or end > limit:
            continue
        if start > position:
            segments.append((text[position:start], None))
        segments.append((text[start:end], kind))
        position = end
    if position < len(text):
        segments.append((text[position:], None))
    return segments


def web_url(url: str | None) -> str:
    """`url` when it is http(s), else "": a feed's `javascript:` link never becomes a link."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return ""


def score_percent(value: Any) -> str:
    """A 0..1 score as a whole percentage in the locale's way ("85%"), else empty."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return str(format_percent(float(value), locale=current_locale()))


FILTERS: Final = {
    "country_name": country_name,
    "topic_name": topic_name,
    "label_name": label_name,
    "time_ago": time_ago,
    "when": when,
    "window_name": window_name,
    "marked_text": marked_text,
    "score_percent": score_percent,
    "web_url": web_url,
}
GLOBALS: Final = {
    "Permission": Permission,
    "countries_by_name": countries_by_name,
    "topics_by_name": topics_by_name,
}
