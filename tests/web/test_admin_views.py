"""Administration pages: sources (list with health, add, test a URL without storing),
users (list, add with a role and agency, deactivate) and agencies (list, add); admin only
(issue 5)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dcc.accounts.queries import get_user_by_username, list_agencies
from dcc.accounts.records import Role
from dcc.app import create_app
from dcc.context import Context
from dcc.ingest.source_config import read_sources_file
from dcc.settings import Settings
from dcc.store.database import create_db_engine
from dcc.store.items import count_items
from dcc.store.sources import get_source
from web_helpers import PASSWORD, make_user, sign_in_by_form

FEED = (Path(__file__).resolve().parents[1] / "fixtures" / "feed.rss").read_bytes()
ADMIN_PAGES = ["/admin/sources", "/admin/users", "/admin/agencies"]


@pytest.fixture
def admin(ctx: Context) -> Iterator[tuple[TestClient, str]]:
    """A client signed in as an administrator of kemlu, and its CSRF token."""
    make_user(ctx.engine, "adm", role=Role.ADMIN)
    with TestClient(create_app(ctx)) as client:
        yield client, sign_in_by_form(client, "adm")


@pytest.fixture
def feed_server() -> Iterator[str]:
    """A feed on localhost (a private address: fetched only where settings allow it)."""

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_for_administrators(ctx: Context, path: str) -> None:
    make_user(ctx.engine, "ana")
    with TestClient(create_app(ctx)) as client:
        sign_in_by_form(client, "ana")
        refused = client.get(path)
        assert refused.status_code == 403 and "You may not do this" in refused.text
        assert 'href="/admin/sources"' not in client.get("/").text


def test_sources_with_their_health(ctx: Context, admin: tuple[TestClient, str]) -> None:
    from dcc.ingest.actions import do_record_fetch_failure, do_sync_sources
    from dcc.records import Source, SourceAuth, SourceKind

    client, _ = admin
    wire = Source(id="wire", kind=SourceKind.RSS, url="https://wire.example/rss",
                  auth=SourceAuth("bearer", "DCC_SOURCE_SECRET_WIRE"))  # fmt: skip
    do_sync_sources(
        ctx.engine,
        [Source(id="antara-id", kind=SourceKind.RSS, url="https://antara.example/rss"), wire],
    )
    do_record_fetch_failure(ctx.engine, "antara-id", "HTTP 503 fetching https://antara.example/rss")
    page = client.get("/admin/sources").text
    assert "antara-id" in page and "unreachable (1)" in page and "HTTP 503" in page
    assert 'aria-current="page">Sources</a>' in page
    # A private source says how it authenticates and where its secret is kept.
    assert "private: bearer, secret in DCC_SOURCE_SECRET_WIRE" in page


def test_add_a_source(ctx: Context, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    form = {
        "csrf_token": csrf,
        "id": "kompas-id",
        "url": "https://kompas.example/rss",
        "kind": "rss",
        "name": "Kompas",
        "lang": "id",
        "country": "id",
        "interval_s": "600",
    }
    added = client.post("/admin/sources", data=form, follow_redirects=False)
    assert (
        added.status_code == 303 and added.headers["location"] == "/admin/sources?added=kompas-id"
    )
    assert "Source kompas-id added." in client.get(added.headers["location"]).text
    with ctx.engine.connect() as conn:
        source = get_source(conn, "kompas-id")
    assert source is not None and source.country == "ID" and source.interval_s == 600
    assert [s.id for s in read_sources_file(ctx.settings.resolved_sources_file)] == ["kompas-id"]
    again = client.post("/admin/sources", data=form)
    assert again.status_code == 400 and "already exists" in again.text
    assert 'value="Kompas"' in again.text  # the form keeps what was typed


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/etc/passwd", "not an http(s) URL"),
        ("file:///etc/passwd", "must be http(s)"),
        ("ftp://example.org/feed", "must be http(s)"),
    ],
)
def test_the_web_adds_no_local_files(
    ctx: Context, admin: tuple[TestClient, str], url: str, reason: str
) -> None:
    client, csrf = admin
    refused = client.post(
        "/admin/sources", data={"csrf_token": csrf, "id": "local", "url": url, "kind": "rss"}
    )
    assert refused.status_code == 400 and reason in refused.text
    with ctx.engine.connect() as conn:
        assert get_source(conn, "local") is None


def test_testing_a_private_address_is_refused(
    admin: tuple[TestClient, str], feed_server: str
) -> None:
    client, csrf = admin
    page = client.post("/admin/sources/test", data={"csrf_token": csrf, "url": feed_server})
    assert page.status_code == 200
    assert 'id="test-error"' in page.text and "refused to fetch" in page.text


def test_testing_a_url_shows_what_would_be_read_and_stores_nothing(
    sqlite_url: str, tmp_path: Path, feed_server: str
) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=sqlite_url,
        fetch_host_delay_s=0,
        fetch_allowed_private=["127.0.0.1/32"],
    )
    settings.home.mkdir(parents=True, exist_ok=True)
    ctx = Context(settings=settings, engine=create_db_engine(settings=settings))
    make_user(ctx.engine, "adm", role=Role.ADMIN)
    try:
        with TestClient(create_app(ctx)) as client:
            csrf = sign_in_by_form(client, "adm")
            page = client.post(
                "/admin/sources/test", data={"csrf_token": csrf, "url": feed_server, "kind": ""}
            )
        assert page.status_code == 200, page.text
        assert "2 items would be read · rss · HTTP 200" in page.text
        assert "Gempa M5.8 guncang Lombok" in page.text and "Banjir di Jakarta Timur" in page.text
        assert "1 part could not be read" in page.text
        with ctx.engine.connect() as conn:
            assert count_items(conn) == 0
    finally:
        ctx.close()


def test_add_and_deactivate_a_user(ctx: Context, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    make_user(ctx.engine, "someone", agency="bssn")  # creates the agency bssn
    form = {
        "csrf_token": csrf,
        "username": "dewi",
        "display_name": "Dewi Lestari",
        "agency_id": "bssn",
        "role": "liaison",
        "locale": "en",
        "password": PASSWORD,
    }
    added = client.post("/admin/users", data=form, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/admin/users?done=added:dewi"
    page = client.get(added.headers["location"]).text
    assert "User dewi added." in page and "Dewi Lestari" in page and "liaison" in page
    with ctx.engine.connect() as conn:
        dewi = get_user_by_username(conn, "dewi")
    assert dewi is not None and dewi.role is Role.LIAISON and dewi.agency_id == "bssn"
    with TestClient(create_app(ctx)) as other:
        sign_in_by_form(other, "dewi")  # the new user can sign in
    taken = client.post("/admin/users", data=form)
    assert taken.status_code == 409 and "is taken" in taken.text
    weak = client.post("/admin/users", data={**form, "username": "eko", "password": "short"})
    assert weak.status_code == 400 and "The user was not added" in weak.text
    bad_role = client.post("/admin/users", data={**form, "username": "eko", "role": "king"})
    assert bad_role.status_code == 400 and "Choose a role" in bad_role.text

    assert re.search(rf'action="/admin/users/{dewi.id}/deactivate"', page)
    gone = client.post(
        f"/admin/users/{dewi.id}/deactivate", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert "User dewi deactivated" in client.get(gone.headers["location"]).text
    with ctx.engine.connect() as conn:
        again = get_user_by_username(conn, "dewi")
    assert again is not None and not again.is_active
    missing = client.post("/admin/users/987654/deactivate", data={"csrf_token": csrf})
    assert missing.status_code == 404 and "Not found" in missing.text


def test_the_last_administrator_stays(ctx: Context, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    with ctx.engine.connect() as conn:
        adm = get_user_by_username(conn, "adm")
    assert adm is not None
    refused = client.post(f"/admin/users/{adm.id}/deactivate", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "last active administrator" in refused.text


def test_add_an_agency(ctx: Context, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    form = {
        "csrf_token": csrf,
        "id": "kbri-tokyo",
        "name": "KBRI Tokyo",
        "kind": "embassy",
        "parent_id": "kemlu",
    }
    added = client.post("/admin/agencies", data=form, follow_redirects=False)
    assert added.status_code == 303
    page = client.get(added.headers["location"]).text
    assert "Agency kbri-tokyo added." in page and "KBRI Tokyo" in page and "embassy" in page
    with ctx.engine.connect() as conn:
        tokyo = next(a for a in list_agencies(conn) if a.id == "kbri-tokyo")
    assert tokyo.parent_id == "kemlu"
    taken = client.post("/admin/agencies", data=form)
    assert taken.status_code == 409 and "exists already" in taken.text
    unknown_parent = client.post("/admin/agencies", data={**form, "id": "x1", "parent_id": "nope"})
    assert unknown_parent.status_code == 400 and "no agency" in unknown_parent.text


def test_admin_forms_need_the_csrf_token(admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    refused = client.post("/admin/agencies", data={"id": "x", "name": "X", "kind": "embassy"})
    assert refused.status_code == 403 and "The form has expired" in refused.text
