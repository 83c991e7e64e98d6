"""Administration of sources (`/admin/sources`, admin role, issue 5): every source with its
health; add one (dcc.ingest.actions.do_add_source, also written to the sources file, as
`dcc sources add` does); test a URL: fetch it once and show what would be parsed, storing
nothing (web/source_preview.py).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dcc.accounts.records import Permission
from dcc.context import Context
from dcc.errors import DCCError
from dcc.ingest.actions import do_add_source
from dcc.ingest.fetch import Fetcher
from dcc.ingest.netguard import check_url
from dcc.ingest.source_config import source_from_mapping
from dcc.records import SourceKind
from dcc.store import sources as source_queries
from dcc.web.auth import require
from dcc.web.deps import get_context
from dcc.web.i18n import gettext as _
from dcc.web.pages import PageUser, SignedInPage, render
from dcc.web.source_preview import SourcePreview, check_web_url, preview_source

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[require(Permission.MANAGE_SOURCES)]
)
Ctx = Annotated[Context, Depends(get_context)]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=100)]


async def _page(
    request: Request,
    page_user: PageUser,
    ctx: Context,
    *,
    form: dict[str, Any] | None = None,
    error: str = "",
    preview: SourcePreview | None = None,
    test_error: str = "",
    added: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    def load() -> tuple[list[Any], dict[str, Any]]:
        with ctx.engine.connect() as conn:
            health = {h.source_id: h for h in source_queries.list_health(conn)}
            return source_queries.list_sources(conn), health

    found, health = await asyncio.to_thread(load)
    context = {
        "section": "admin",
        "admin_tab": "sources",
        "sources": found,
        "health": health,
        "kinds": [kind.value for kind in SourceKind],
        "form": form or {},
        "error": error,
        "preview": preview,
        "test_error": test_error,
        "added": added,
    }
    return render(request, "admin_sources.html", page_user, context, status_code=status_code)


@router.get("/sources", response_class=HTMLResponse)
async def sources_page(
    request: Request, page_user: SignedInPage, ctx: Ctx, added: str = ""
) -> HTMLResponse:
    return await _page(request, page_user, ctx, added=added[:100])


@router.post("/sources", response_class=HTMLResponse)
async def add_source(
    request: Request,
    page_user: SignedInPage,
    ctx: Ctx,
    source_id: Annotated[str, Form(alias="id", max_length=100)],
    url: Text,
    kind: Short = SourceKind.RSS.value,
    name: Text = "",
    lang: Short = "",
    country: Short = "",
    interval_s: Annotated[int, Form(ge=60, le=7 * 24 * 3600)] = 900,
) -> Response:
    form: dict[str, Any] = {"id": source_id, "url": url, "kind": kind, "name": name}
    form |= {"lang": lang}
    form |= {"country": country, "interval_s": interval_s}
    data: dict[str, Any] = {
        "id": source_id.strip(),
        "kind": kind,
        "url": url.strip(),
        "name": name.strip(),
        "interval_s": interval_s,
        **({"lang": lang.strip()} if lang.strip() else {}),
        **({"country": country.strip().upper()} if country.strip() else {}),
    }
    try:
        source = source_from_mapping(data, where="source")
        check_url(check_web_url(source.url))  # http(s) only, no credentials or odd hosts
        await asyncio.to_thread(
            do_add_source,
            ctx.engine,
            source,
            sources_file=ctx.settings.resolved_sources_file,
            by=page_user.principal,
        )
    except DCCError as exc:
        message = _("The source was not added: %(reason)s") % {"reason": exc}
        return await _page(request, page_user, ctx, form=form, error=message, status_code=400)
    return RedirectResponse(f"/admin/sources?added={source.id}", status_code=303)


@router.post("/sources/test", response_class=HTMLResponse)
async def try_source(
    request: Request, page_user: SignedInPage, ctx: Ctx, url: Text, kind: Short = ""
) -> HTMLResponse:
    """Fetch `url` once and show what would be parsed; nothing is stored."""
    form = {"test_url": url, "test_kind": kind}
    try:
        chosen = SourceKind(kind) if kind else None
    except ValueError:
        chosen = None
    try:
        async with Fetcher(ctx.settings) as fetcher:
            preview = await preview_source(fetcher, url, chosen)
    except DCCError as exc:
        message = _("The test fetch failed: %(reason)s") % {"reason": exc}
        return await _page(request, page_user, ctx, form=form, test_error=message)
    return await _page(request, page_user, ctx, form=form, preview=preview)
