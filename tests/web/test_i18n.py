"""Bahasa Indonesia and English: every marked string translated, the locale chosen per
request, dates and numbers localised (issue 5, item 4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from dcc.accounts.queries import get_user_by_username
from dcc.accounts.records import Locale
from dcc.app import create_app
from dcc.context import Context
from dcc.web import i18n
from web_helpers import make_user, sign_in_by_form

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [
    ("src/dcc/**.py", "python"),
    ("src/dcc/web/templates/**.html", "jinja2"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def marked_messages() -> set[str]:
    """Every msgid marked in the code and templates (the singular of plural forms)."""
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(REPO),
        method_map=METHODS,
        options_map={"src/dcc/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_string_has_an_indonesian_translation() -> None:
    catalog_path = i18n.LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po"
    with catalog_path.open("rb") as handle:
        catalog = read_po(handle, locale="id")
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        translated[key] = (strings, message.fuzzy)
    marked = marked_messages()
    assert len(marked) >= 20
    missing = sorted(m for m in marked if m not in translated or not all(translated[m][0]))
    assert missing == [], f"add these to {catalog_path} (make messages): {missing}"
    fuzzy = sorted(m for m in marked if translated[m][1])
    assert fuzzy == [], f"review these fuzzy translations: {fuzzy}"
    for message in marked:
        for text in translated[message][0]:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(message)), message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9,id;q=0.8", "en"),
        ("fr-FR,id;q=0.5", "id"),
        ("id-ID", "id"),
        ("en;q=0.2,id;q=0.9", "id"),
        ("fr", None),
        ("en;q=nonsense", None),
        ("", None),
    ],
)
def test_accept_language_is_negotiated(header: str, expected: str | None) -> None:
    assert i18n.negotiate_locale(header) == expected


def test_the_users_choice_wins_then_cookie_then_browser_then_indonesian() -> None:
    assert i18n.choose_locale("en", "id", "id") == "en"
    assert i18n.choose_locale(None, "en", "id") == "en"
    assert i18n.choose_locale(None, "xx", "en-US") == "en"
    assert i18n.choose_locale(None, None, None) == "id"


def test_numbers_and_dates_are_localised() -> None:
    moment = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)
    with i18n.use_locale("id"):
        assert i18n.format_number(1234567.5) == "1.234.567,5"
        assert i18n.format_datetime(moment) == "24 Nov 2026 10.05.00 WIB"
        assert i18n.gettext("Latest items") == "Butir terbaru"
        assert i18n.ngettext("%(num)s item", "%(num)s items", 2) == "%(num)s butir"
    with i18n.use_locale("en"):
        assert i18n.format_number(1234567.5) == "1,234,567.5"
        assert i18n.format_datetime(moment) == "Nov 24, 2026, 10:05:00\u202fAM WIB"
        assert i18n.gettext("Latest items") == "Latest items"
    assert i18n.format_datetime(None) == ""


def test_pages_follow_the_browser_then_the_users_own_choice(ctx: Context) -> None:
    make_user(ctx.engine, "sari", locale=Locale.ID)
    with TestClient(create_app(ctx)) as client:
        # Before signing in: the browser's language, or the cookie of the switch.
        english = client.get("/login", headers={"Accept-Language": "en-US"})
        assert 'lang="en"' in english.text and "Sign in to the command center" in english.text
        indonesian = client.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9"})
        assert 'lang="id"' in indonesian.text and "Masuk ke pusat komando" in indonesian.text
        switched = client.get("/lang/en", params={"next": "/login"}, follow_redirects=False)
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        assert "dcc_lang=en" in switched.headers["set-cookie"]
        assert "Sign in to the command center" in client.get("/login").text

        # Signed in: the user's own setting (Indonesian for sari), whatever the browser says.
        csrf = sign_in_by_form(client, "sari")
        page = client.get("/", headers={"Accept-Language": "en"})
        assert 'lang="id"' in page.text and "Kesehatan sumber" in page.text
        # The switch now changes her setting, and needs the session's CSRF token.
        refused = client.post("/lang/en", data={"next": "/"}, follow_redirects=False)
        assert refused.status_code == 403
        changed = client.post(
            "/lang/en", data={"next": "/?q=gempa", "csrf_token": csrf}, follow_redirects=False
        )
        assert changed.status_code == 303 and changed.headers["location"] == "/?q=gempa"
        assert "Source health" in client.get("/", headers={"Accept-Language": "id"}).text
    with ctx.engine.connect() as conn:
        sari = get_user_by_username(conn, "sari")
    assert sari is not None and sari.locale is Locale.EN


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_language_switch_never_redirects_to_another_site(ctx: Context, target: str) -> None:
    with TestClient(create_app(ctx)) as client:
        response = client.get("/lang/id", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/"
