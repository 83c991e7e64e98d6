"""The web application, composed from routers; `dcc run` adds the workers to its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from dcc import __version__
from dcc.context import Context
from dcc.web import signin_views, views
from dcc.web.api import alerts as alerts_api
from dcc.web.api import dashboard as dashboard_api
from dcc.web.api import incidents as incidents_api
from dcc.web.api import items as items_api
from dcc.web.api import reports as reports_api
from dcc.web.api import sources as sources_api
from dcc.web.api import tasks as tasks_api
from dcc.web.api import watchlists as watchlists_api
from dcc.web.auth import signed_in
from dcc.web.collector import freeze_startup_objects
from dcc.web.errors import install_error_handlers
from dcc.web.i18n import LocaleMiddleware
from dcc.web.limits import BodySizeLimitMiddleware
from dcc.web.page_errors import install_page_error_handlers

STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(ctx: Context, *, with_workers: bool = False) -> FastAPI:
    """Build the app over an open context; with_workers also runs the scheduler and workers
    in-process (the embedded one-laptop mode)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not with_workers:
            yield
            return
        from dcc.runtime import run_workers

        stop = asyncio.Event()
        task = asyncio.create_task(run_workers(ctx, stop))
        try:
            yield
        finally:
            stop.set()
            await task

    app = FastAPI(
        title="DCC API",
        version=__version__,
        description=(
            "Digital Command Center: items, search, sources, watchlists, alerts, incidents "
            "and tasks."
        ),
        openapi_url="/api/v1/openapi.json",
        # The interactive docs load their scripts from a CDN; the center may be air-gapped.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = ctx
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=ctx.settings.max_request_bytes,
        # Incident attachments (API and page forms) may be larger than other requests.
        upload_paths=[r"/api/v1/incidents/\d+/attachments", r"/incidents/\d+/attachments"],
        upload_bytes=ctx.settings.max_attachment_bytes,
    )
    install_error_handlers(app)
    install_page_error_handlers(app)  # pages answer their errors with pages
    # Every API call is signed in (a session cookie with its CSRF token, or a bearer token);
    # what each principal sees is filtered in the queries (dcc.accounts.access).
    signed = [Depends(signed_in)]
    apis = (items_api, sources_api, watchlists_api, alerts_api, dashboard_api)
    for api in (*apis, incidents_api, reports_api, tasks_api):
        app.include_router(api.router, prefix="/api/v1", dependencies=signed)
    app.include_router(signin_views.router)
    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    freeze_startup_objects()  # full collections skip what startup built (web/collector.py)
    return app
