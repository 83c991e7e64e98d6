"""The server-rendered pages (issue 5), one router per page area, composed here for app.py.

Every page is signed in (`SignedInPage`); what a page's role may do is checked by
`require(Permission.X)` on the routes that change something, and on the admin pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from dcc.web import (
    admin_source_views,
    admin_views,
    alert_views,
    dashboard_views,
    incident_forms,
    incident_views,
    search_views,
    story_views,
    task_views,
)

router = APIRouter(include_in_schema=False)
for pages in (
    dashboard_views,
    search_views,
    story_views,
    alert_views,
    incident_views,
    incident_forms,
    task_views,
    admin_source_views,
    admin_views,
):
    router.include_router(pages.router)
