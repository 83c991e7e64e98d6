"""Bahasa Indonesia and English for the pages: message catalogs, the request's locale, and
localised dates and numbers (issue 5, item 4).

Strings are marked with `_()` / `ngettext()` in templates and Python, and translated from the
gettext catalogs in `web/locale/<lang>/LC_MESSAGES/messages.po`. The .po files are read with
Babel when the app starts, so there is no compile step to forget and no binary file in the
repository; `tests/web/test_i18n.py` fails when a marked string has no Indonesian translation.

The locale of a request is chosen once (the signed-in user's choice, else the `dcc_lang`
cookie, else the browser's Accept-Language, else Indonesian) and kept in a context variable,
so templates, filters and Python code all see the same one without passing it around.

    with use_locale("id"):
        gettext("Search")                 # -> "Cari"
        format_number(1234567.5)          # -> "1.234.567,5"
"""

from __future__ import annotations

import contextlib
import contextvars
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from starlette.datastructures import Headers
from starlette.requests import cookie_parser as parse_cookie
from starlette.types import ASGIApp, Receive, Scope, Send

LOCALE_DIR: Final = Path(__file__).parent / "locale"
SUPPORTED_LOCALES: Final = ("id", "en")
# The ministry's working language; English is the source language of the catalogs.
DEFAULT_LOCALE: Final = "id"
LOCALE_COOKIE: Final = "dcc_lang"
LOCALE_NAMES: Final = {"id": "Bahasa Indonesia", "en": "English"}
# Times are stored in UTC (STYLE rule 9) and shown in Western Indonesia Time by default,
# with the zone named, since the watch floor works in Jakarta.
DISPLAY_TIMEZONE: Final = ZoneInfo("Asia/Jakarta")

_current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "dcc_locale", default=DEFAULT_LOCALE
)


def supported_locale(value: str | None) -> str | None:
    """`value` as one of SUPPORTED_LOCALES ("id-ID" -> "id"), or None."""
    if not value:
        return None
    base = value.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LOCALES else None


def negotiate_locale(accept_language: str | None) -> str | None:
    """The best supported locale of an Accept-Language header, or None.

    "en-GB,en;q=0.9,id;q=0.8" -> "en"; "fr-FR,id;q=0.5" -> "id"; "fr" -> None.
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        found = supported_locale(tag)
        if found and weight > 0:
            ranked.append((-weight, position, found))
    return min(ranked)[2] if ranked else None


def choose_locale(user_choice: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The locale of a request: the user's setting, the cookie, the browser, then Indonesian."""
    return (
        supported_locale(user_choice)
        or supported_locale(cookie)
        or negotiate_locale(accept_language)
        or DEFAULT_LOCALE
    )


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in `locale` (a request, a test, an e-mail rendered for a recipient)."""
    token = _current_locale.set(supported_locale(locale) or DEFAULT_LOCALE)
    try:
        yield
    finally:
        _current_locale.reset(token)


def set_locale(locale: str) -> None:
    """Set the locale for the rest of the current context (one request)."""
    _current_locale.set(supported_locale(locale) or DEFAULT_LOCALE)


def current_locale() -> str:
    return _current_locale.get()


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog of `locale`, read from its .po file (English needs none: the source)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, count)


@cache
def babel_locale(locale: str) -> Locale:
    """The Babel locale of a locale code, parsed once: given a code, Babel looks its data up
    again for every number or date, half the time of formatting one (a story page formats
    a few thousand)."""
    return Locale.parse(locale)


def format_number(value: float | int, *, digits: int | None = None) -> str:
    """A number as the locale writes it: 1,234.5 in English, 1.234,5 in Indonesian."""
    return _formatted_number(value, digits, current_locale())


# Pages format the same counts and scores again and again (a week of hourly volume is 1,200
# numbers, most of them below 1,000); the text depends on nothing else. typed: 1, 1.0 and
# True are different keys.
@lru_cache(maxsize=4096, typed=True)
def _formatted_number(value: float | int, digits: int | None, locale: str) -> str:
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(locale))


def format_datetime(value: datetime | None, *, style: str = "medium") -> str:
    """A stored (UTC) time in the display time zone, in the locale's words, zone named.

    2026-11-24 03:05 UTC -> "24 Nov 2026 10.05.00 WIB" (id), "Nov 24, 2026, 10:05:00 AM WIB"
    (en). Naive values are taken as UTC.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _formatted_datetime(value, style, current_locale())


# The hours of the dashboard's tables and histograms recur from page to page. Equal aware
# datetimes are the same instant, so they share a text (shown in one zone).
@lru_cache(maxsize=2048)
def _formatted_datetime(value: datetime, style: str, locale: str) -> str:
    local = value.astimezone(DISPLAY_TIMEZONE)
    text = babel_format_datetime(local, format=style, locale=babel_locale(locale))
    return f"{text} {local.tzname()}"


def language_name(code: str | None) -> str:
    """A language code named in the current locale ("id" -> "Indonesia" in Indonesian)."""
    if not code:
        return ""
    name = babel_locale(current_locale()).languages.get(code)
    return name or code


class LocaleMiddleware:
    """Sets the request's locale before any handler runs (pure ASGI, so live streams pass
    through untouched). The signed-in user's own choice is applied later, by the handler
    that knows the user (`set_locale`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            cookies = parse_cookie(headers.get("cookie", ""))
            set_locale(
                choose_locale(None, cookies.get(LOCALE_COOKIE), headers.get("accept-language"))
            )
        await self.app(scope, receive, send)
