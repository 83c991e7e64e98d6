"""What every signed-in page needs: the user, a CSRF token for its forms, the user's language.

@router.get("/", response_class=HTMLResponse)
def home(request: Request, page: SignedInPage) -> HTMLResponse:
    return render(request, "home.html", page, {...})
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from dcc.accounts.csrf import new_csrf_token
from dcc.accounts.queries import get_agency, get_user
from dcc.accounts.records import Agency, Principal, User
from dcc.web import i18n
from dcc.web.auth import RequestAuth, SignInRequiredError, signed_in
from dcc.web.deps import get_context
from dcc.web.templating import TEMPLATES


@dataclass(frozen=True, slots=True)
class PageUser:
    """The signed-in user as a page shows them, and the token its forms carry."""

    principal: Principal
    user: User
    agency: Agency | None
    csrf_token: str


async def signed_in_page(
    request: Request, auth: Annotated[RequestAuth, Depends(signed_in)]
) -> PageUser:
    """The page's user (pages are for browser sessions; a bearer token gets the API)."""
    if auth.session is None:
        raise SignInRequiredError("pages need a browser session; scripts use /api/v1")
    session = auth.session

    def load() -> tuple[User | None, Agency | None]:
        with get_context(request).engine.connect() as conn:
            user = get_user(conn, auth.principal.user_id)
            return user, get_agency(conn, auth.principal.agency_id)

    user, agency = await asyncio.to_thread(load)
    if user is None:
        raise SignInRequiredError("this account no longer exists")
    # The user's own language choice wins over the cookie and the browser (web/i18n.py).
    i18n.set_locale(user.locale.value)
    return PageUser(auth.principal, user, agency, new_csrf_token(session))


SignedInPage = Annotated[PageUser, Depends(signed_in_page)]


def render(
    request: Request,
    template: str,
    page: PageUser | None,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with what base.html needs (the user, the CSRF token) added to `context`."""
    full = {
        "page_user": page,
        "csrf_token": page.csrf_token if page else "",
        "q": context.get("q", ""),
        **context,
    }
    return TEMPLATES.TemplateResponse(request, template, full, status_code=status_code)
