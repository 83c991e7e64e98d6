"""How the pages name codes and labels in the reader's language (template filters).

Countries and languages come from CLDR (babel, offline); topic, label, status and role names
are marked for translation here, so that one catalog holds them (docs/translating.md).

    country_name("TL")          # "Timor Leste" (id), "Timor-Leste" (en)
    label_name("negative")      # "negatif" (id), "negative" (en)
    marked_text("Retno di Jakarta", [{"text": "Jakarta", "type": "LOC", "start": 9, "end": 16}])
    # -> [("Retno di ", None), ("Jakarta", "LOC")]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from numbers import Number
from typing import Any, Final
from urllib.parse import urlsplit

from babel.dates import format_timedelta
from babel.numbers import format_percent
from markupsafe import Markup, escape

from dcc.accounts.records import Permission
from dcc.query.fields import country_codes, taxonomy_topics
from dcc.web.i18n import babel_locale, current_locale, format_datetime, format_number
from dcc.web.i18n import gettext as _

# Longest text a page marks entities in; the rest is shown as it is.
MAX_MARKED_CHARS: Final = 20_000


def country_name(code: str | None) -> str:
    """An ISO 3166-1 alpha-2 code as the country's name in the current locale, else the code."""
    if not code:
        return ""
    name = babel_locale(current_locale()).territories.get(code.upper())
    return str(name) if name else code


def _per_locale(names: Callable[[], dict[str, str]]) -> Callable[[], dict[str, str]]:
    """`names` (a table of marked strings) translated once per locale, not at every call: a
    story page names a few hundred labels, and each table holds up to 45 strings."""
    tables: dict[str, dict[str, str]] = {}

    def translated() -> dict[str, str]:
        locale = current_locale()
        found = tables.get(locale)
        if found is None:
            found = tables[locale] = names()
        return found

    return translated


@_per_locale
def _topic_names() -> dict[str, str]:
    return {
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


def topic_name(topic_id: str | None) -> str:
    """A topic id of the taxonomy (enrich/data/topics.toml) as its short name."""
    if not topic_id:
        return ""
    return _topic_names().get(topic_id, topic_id.replace("_", " "))


@_per_locale
def _label_names() -> dict[str, str]:
    return {
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
        # coordination (issue 6): incident kinds, severities, statuses, task statuses,
        # timeline entry kinds, ISO 22320 roles, linked objects, notifications, ladder rungs
        "disinformation": _("disinformation"),
        "disaster": _("disaster"),
        "cyber": _("cyber"),
        "consular": _("consular"),
        "diplomatic": _("diplomatic"),
        "low": _("low"),
        "moderate": _("moderate"),
        "high": _("high"),
        "critical": _("critical"),
        "triage": _("triage"),
        "active": _("active"),
        "monitoring": _("monitoring"),
        "closed": _("closed"),
        "open": _("open"),
        "in_progress": _("in progress"),
        "done": _("done"),
        "cancelled": _("cancelled"),
        "comment": _("comment"),
        "decision": _("decision"),
        "status": _("status"),
        "task": _("task"),
        "attachment": _("attachment"),
        "link": _("link"),
        "role": _("role"),
        "escalation": _("escalation"),
        "incident_commander": _("incident commander"),
        "planning": _("planning"),
        "operations": _("operations"),
        "logistics": _("logistics"),
        "item": _("item"),
        "story": _("story"),
        "alert": _("alert"),
        "assigned": _("assigned"),
        "mention": _("mention"),
        "due": _("due soon"),
        "overdue": _("overdue"),
        "supervising_agency": _("supervising agency"),
        "on_call": _("on-call officer"),
        "title": _("title"),
        "kind": _("kind"),
        "severity": _("severity"),
        "summary": _("summary"),
    }


def label_name(value: str | None) -> str:
    """A label, status, kind or role value as words (unknown values as they are)."""
    if not value:
        return ""
    return _label_names().get(value, value.replace("_", " "))


@_per_locale
def _label_titles() -> dict[str, str]:
    return {
        "lang": _("Language"),
        "sentiment": _("Sentiment"),
        "stance_id": _("Stance toward Indonesia"),
        "emotion": _("Emotion"),
        "entities": _("Entities"),
        "countries": _("Countries"),
        "places": _("Places"),
        "crisis": _("Crisis"),
        "topics": _("Topics"),
        "near_duplicate_of": _("Near duplicate of"),
        "story_id": _("Story"),
    }


def label_title(name: str) -> str:
    """The title of an enrichment label ("stance_id" -> "Stance toward Indonesia")."""
    return _label_titles().get(name, name)


@_per_locale
def _window_names() -> dict[str, str]:
    return {
        "1h": _("last hour"),
        "6h": _("last 6 hours"),
        "24h": _("last 24 hours"),
        "7d": _("last 7 days"),
        "30d": _("last 30 days"),
    }


def window_name(window: str) -> str:
    """A dashboard time window ("24h") in words."""
    return _window_names().get(window, window)


def countries_by_name() -> list[tuple[str, str]]:
    """(code, name) of every country a filter accepts, by name in the current locale."""
    return list(_countries_by_name(current_locale()))


@cache
def _countries_by_name(locale: str) -> tuple[tuple[str, str], ...]:
    named = [(code, country_name(code)) for code in country_codes()]
    return tuple(sorted(named, key=lambda pair: pair[1].casefold()))


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
    return format_timedelta(delta, add_direction=True, locale=babel_locale(current_locale()))


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
    return str(format_percent(float(value), locale=babel_locale(current_locale())))


def json_tree(value: Any) -> Markup:
    """A JSON value (an explanation, a label's evidence) as nested HTML lists: objects as
    <dl> by key, lists of objects or lists as <ul>, other lists joined by commas, numbers in
    the locale's way. Written here rather than as a recursive template macro: a story page
    draws a hundred of these trees, and a macro call costs as much as a dozen lines here."""
    return Markup(_tree(value))  # noqa: S704 - _tree escapes every value it writes


_NOTHING: Final = '<span class="meta">—</span>'


def _tree(value: Any) -> str:
    """json_tree's HTML as text (escaped; joined as text, a tenth of the cost of Markup)."""
    if isinstance(value, Mapping):
        # As Jinja's dictsort: by key, case-insensitive.
        ordered = sorted(value.items(), key=lambda pair: _folded(pair[0]))
        terms = "".join(
            f"<dt>{_html(str(key).replace('_', ' '))}</dt><dd>{_tree(item)}</dd>"
            for key, item in ordered
        )
        return f'<dl class="tree">{terms}</dl>'
    if isinstance(value, str):
        return _html(value)
    if _is_sequence(value):
        if not value:
            return _NOTHING
        if any(not isinstance(item, str) and _is_sequence(item) for item in value):
            entries = "".join(f"<li>{_tree(item)}</li>" for item in value)
            return f'<ul class="tree-list">{entries}</ul>'
        return ", ".join(_tree(item) for item in value)
    if value is True:
        return _("yes")  # as the template's _(), which leaves its translation unescaped
    if value is False:
        return _("no")
    if value is None:
        return _NOTHING
    if isinstance(value, Number):
        return _html(format_number(value))  # type: ignore[arg-type]
    return _html(value)


def _html(value: Any) -> str:
    return str(escape(value))


def _folded(key: Any) -> Any:
    return key.lower() if isinstance(key, str) else key


def _is_sequence(value: Any) -> bool:
    """Jinja's `sequence` test: anything with a length and items (a mapping too)."""
    try:
        len(value)
        value.__getitem__  # noqa: B018 - the test is whether it has one
    except Exception:  # as Jinja's test: any failure means "no"
        return False
    return True


FILTERS: Final = {
    "country_name": country_name,
    "topic_name": topic_name,
    "label_name": label_name,
    "time_ago": time_ago,
    "when": when,
    "window_name": window_name,
    "marked_text": marked_text,
    "json_tree": json_tree,
    "label_title": label_title,
    "score_percent": score_percent,
    "web_url": web_url,
}
GLOBALS: Final = {
    "Permission": Permission,
    "countries_by_name": countries_by_name,
    "topics_by_name": topics_by_name,
}
