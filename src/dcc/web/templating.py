"""The Jinja environment of the pages: gettext, localised filters, autoescaping.

One `TEMPLATES` for every page module, so that every page gets the same translations and
filters; the locale is the request's (web/i18n.py), read when a template renders.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from dcc.web import display, i18n, timeline_text

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
_ENVIRONMENT.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
TEMPLATES = Jinja2Templates(env=_ENVIRONMENT)
TEMPLATES.env.filters["number"] = i18n.format_number
TEMPLATES.env.filters["datetime"] = i18n.format_datetime
TEMPLATES.env.filters["language_name"] = i18n.language_name
TEMPLATES.env.globals["current_locale"] = i18n.current_locale
TEMPLATES.env.globals["locale_names"] = i18n.LOCALE_NAMES
# Country, topic and label names, and the entity-marked text of the page modules.
TEMPLATES.env.filters.update(display.FILTERS)
TEMPLATES.env.globals.update(display.GLOBALS)
TEMPLATES.env.filters["entry_text"] = timeline_text.entry_text
