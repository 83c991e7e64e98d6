"""The coordination permission matrix (issues 5 and 6): every role of every kind of agency,
against incidents of every TLP label and their tasks, timeline entries and attachments, on
every surface that shows them, checked against what docs/coordination.md declares.

The world (coordination_world.py) is declared as data: matrix_world's four agencies (the
owner, an agency it supervises, the sharee, an unrelated partner) with one user per role; an
incident per TLP label owned by the owner and shared with the sharee (RED: with one of its
officers by name); on each but RED a task for the sharee and one for the owner itself, a
comment on each, an attachment on the sharee's task; on every incident an inheriting
comment, a restricted one and an attachment; and two twists: an AMBER incident taken off the
sharee's share list after its task was given (the task's own list still names the sharee),
and a comment on the owner's AMBER task shared on its own with the sharee. It is made once per
module and database with the coordination actions; the cases then only read, or attempt
writes that are refused before they change anything.

The expected answer of each case comes from `reads` below (docs/coordination.md, "Need-to-
know", over the TLP table of tests/tlp_rules.py), never from dcc.accounts.access or
dcc.coordination.marking: a bug there is caught here.

Zero leaks: an object a user may not read never appears in a list, a timeline, a report, a
notification or a page, not by id, text or count, and its detail answers exactly as a
missing one. No false denials: everything the rules allow is there and answers 200.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from coordination_answers import (
    LISTED,
    MISSING_ID,
    Ask,
    ReadAnswer,
    World,
    api,
    api_answer,
    bytes_answer,
    fetch,
    listed_in,
    not_found,
    on_page,
    page,
    page_answer,
    post,
    shown,
    unmarked,
)
from coordination_world import (
    BY_KEY,
    NOTICES,
    THINGS,
    WORK_INCIDENTS,
    Made,
    Notice,
    Thing,
    make_people,
    make_things,
)
from fastapi.testclient import TestClient
from matrix_world import OWNER, PARENTS, PEOPLE, SHAREE, UNRELATED
from sqlalchemy import ColumnElement, true
from test_permission_matrix import ModuleDatabase

from dcc.accounts.passwords import use_hasher
from dcc.accounts.records import LocalOperator, Reader
from dcc.app import create_app
from dcc.context import Context
from dcc.coordination import marking, queries
from dcc.settings import Settings, get_settings
from dcc.store.database import create_db_engine
from dcc.store.schema import tasks
from tlp_rules import Marked, Person, may_read
from web_helpers import sign_in_by_form

# Some 3,900 requests a database (360 of them pages), each a few thread hand-offs: about a
# minute a database.
pytestmark = pytest.mark.slow
TOKEN = re.compile(r"cx[itef]\d+q")
NOTICE_BY_KEY = {n.key: n for n in NOTICES}
# The incident list's status filters the matrix reads.
STRICTNESS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
FILTERS = {"new": ("new",), "triage+active": ("triage", "active"), "closed": ("closed",)}

# Writes that every role may attempt and none completes: a comment on a task that does not
# exist, a status the workflow never returns to, a task due in the past, a task moved to
# the status it has. Who may not read the object must get 404 before any of these is judged.
COMMENT_PROBE = {"body": "Coba", "task_id": MISSING_ID}
STATUS_PROBE = {"status": "new"}
ASSIGN_PROBE = {"title": "Coba", "agency": OWNER, "due_at": "2001-01-01T00:00:00+00:00"}
TASK_STATUS_PROBE = {"status": "open"}


# --- what the rules say ----------------------------------------------------------------------


def reads(person: Person, thing: Thing) -> bool:
    """docs/coordination.md, "Need-to-know": an incident by its own marking; a task by its
    own marking and the incident; an entry or attachment by the incident, the task it is on,
    and its own marking or, when it inherits (and is not RED unless its parent is RED), its
    own label read against its parent's (the task's, else the incident's) owner, share list
    and author."""
    if thing.kind == "incident":
        return may_read(person, thing.marked)
    if not reads(person, BY_KEY[thing.incident]):
        return False
    if thing.kind == "task":
        return may_read(person, thing.marked)
    if thing.task is not None and not reads(person, BY_KEY[thing.task]):
        return False
    if may_read(person, thing.marked):
        return True
    parent = BY_KEY[thing.task or thing.incident].marked
    if not thing.inherits or (thing.marked.tlp == "RED" and parent.tlp != "RED"):
        return False
    inherited = Marked(
        parent.owner, thing.marked.tlp, parent.agencies, parent.users, author=parent.author
    )
    return may_read(person, inherited)


def notified(person: Person, notice: Notice) -> bool:
    """docs/coordination.md, "Notifications": the user's own and its agency's, and never one
    about something the user may not read."""
    if person.agency != notice.to_agency and person.name != notice.to_user:
        return False
    about = (notice.incident, notice.task, notice.entry)
    return all(reads(person, BY_KEY[key]) for key in about if key is not None)


def manages(person: Person, incident: Thing) -> bool:
    """docs/coordination.md, "Who manages an incident": users of its owner agency and its
    role holders (the opener is its incident commander), with work_incidents."""
    holds = person.agency == incident.marked.owner or person.name == incident.marked.author
    return person.role in WORK_INCIDENTS and holds


def works(person: Person, task: Thing) -> bool:
    """The assigned agency works its task, and so do the incident's managers."""
    if person.role not in WORK_INCIDENTS:
        return False
    return person.agency == task.agency or manages(person, BY_KEY[task.incident])


def found(person: Person, thing: Thing) -> str:
    return "200" if reads(person, thing) else "404"


def refused_write(person: Person, thing: Thing, may: Callable[[], bool], passed: str) -> str:
    """A write attempt: 403 for a role without work_incidents (whatever the object), 404 for
    an object the user may not read, 403 for one it may not change, else `passed`."""
    if person.role not in WORK_INCIDENTS:
        return "403"
    if not reads(person, thing):
        return "404"
    return passed if may() else "403"


def comment_probe(person: Person, thing: Thing) -> str:
    return refused_write(person, thing, lambda: True, "404 (no such task)")


def status_probe(person: Person, thing: Thing) -> str:
    return refused_write(person, thing, lambda: manages(person, thing), "409")


def assign_probe(person: Person, thing: Thing) -> str:
    passed = "409" if thing.status == "closed" else "400"  # closed: read-only; else the date
    return refused_write(person, thing, lambda: manages(person, thing), passed)


def task_status_probe(person: Person, thing: Thing) -> str:
    return refused_write(person, thing, lambda: works(person, thing), "409")


AskFor = Callable[[World, Person, Any], Ask]


@dataclass(frozen=True)
class Surface:
    """Where an object may show: the request, how to read the answer, what the rules want."""

    ask: AskFor
    got: ReadAnswer
    want: Callable[[Person, Any], str]


def _incident(world: World, thing: Thing) -> str:
    return f"/api/v1/incidents/{world.id(thing.incident)}"


PLURAL = {"incident": "incidents", "task": "tasks", "entry": "entries", "attachment": "attachments"}


def _own(world: World, thing: Thing) -> str:
    return f"/api/v1/{PLURAL[thing.kind]}/{world.id(thing.key)}"


def _reads(person: Person, thing: Thing) -> str:
    return shown(reads(person, thing))


def _incident_surfaces() -> dict[str, Surface]:
    found_ = {
        "list": Surface(
            lambda w, p, t: api(p, "/api/v1/incidents", ("limit", "500")),
            listed_in(("incidents", "id")),
            _reads,
        ),
        "page-list": Surface(
            lambda w, p, t: page(p, "/incidents"), on_page('id="incident-{id}"'), _reads
        ),
        "page-list?status=closed": Surface(
            lambda w, p, t: page(p, "/incidents", ("status", "closed")),
            on_page('id="incident-{id}"'),
            lambda p, t: shown(reads(p, t) and t.status == "closed"),
        ),
        "page": Surface(
            lambda w, p, t: page(p, f"/incidents/{w.id(t.key)}"), page_answer("incident"), found
        ),
        "comment": Surface(
            lambda w, p, t: post(p, f"{_own(w, t)}/comments", COMMENT_PROBE),
            api_answer("incident"),
            comment_probe,
        ),
        "status": Surface(
            lambda w, p, t: post(p, f"{_own(w, t)}/status", STATUS_PROBE),
            api_answer("incident"),
            status_probe,
        ),
        "assign": Surface(
            lambda w, p, t: post(p, f"{_own(w, t)}/tasks", ASSIGN_PROBE),
            api_answer("incident"),
            assign_probe,
        ),
    }
    for name, statuses in FILTERS.items():
        found_[f"list?status={name}"] = Surface(
            lambda w, p, t, s=statuses: api(
                p, "/api/v1/incidents", ("limit", "500"), *(("status", x) for x in s)
            ),
            listed_in(("incidents", "id")),
            lambda p, t, s=statuses: shown(reads(p, t) and t.status in s),
        )
    for name, suffix in (
        ("detail", ""),
        ("timeline", "/timeline"),
        ("tasks", "/tasks"),
        ("access", "/access"),
        ("sitrep", "/sitrep.json"),
        ("after-action", "/after-action.json"),
    ):
        found_[name] = Surface(
            lambda w, p, t, s=suffix: api(p, f"{_own(w, t)}{s}"), api_answer("incident"), found
        )
    return found_


def _task_surfaces() -> dict[str, Surface]:
    tasks_list = listed_in(("tasks", "id"))
    return {
        "detail": Surface(lambda w, p, t: api(p, _own(w, t)), api_answer("task"), found),
        "access": Surface(
            lambda w, p, t: api(p, f"{_own(w, t)}/access"), api_answer("task"), found
        ),
        "page": Surface(
            lambda w, p, t: page(p, f"/tasks/{w.id(t.key)}"), page_answer("task"), found
        ),
        "in-incident": Surface(lambda w, p, t: api(p, _incident(w, t)), tasks_list, _reads),
        "incident-tasks": Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/tasks"), tasks_list, _reads
        ),
        "all-tasks": Surface(
            lambda w, p, t: api(p, "/api/v1/tasks", ("limit", "500")), tasks_list, _reads
        ),
        "agency-tasks": Surface(
            lambda w, p, t: api(p, "/api/v1/tasks", ("agency", t.agency), ("limit", "500")),
            tasks_list,
            _reads,
        ),
        "my-tasks": Surface(
            lambda w, p, t: api(p, "/api/v1/tasks", ("agency", "mine"), ("limit", "500")),
            tasks_list,
            lambda p, t: shown(reads(p, t) and p.agency == t.agency),
        ),
        "sitrep": Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/sitrep.json"),
            listed_in(("next_deadlines", "task_id"), ("overdue", "task_id")),
            _reads,
        ),
        "after-action": Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/after-action.json"),
            listed_in(("tasks", "task_id")),
            _reads,
        ),
        "incident-page": Surface(
            lambda w, p, t: page(p, f"/incidents/{w.id(t.incident)}"),
            on_page('id="task-{id}"'),
            _reads,
        ),
        "page-list": Surface(
            lambda w, p, t: page(p, "/tasks"),
            on_page('id="task-{id}"'),
            lambda p, t: shown(reads(p, t) and p.agency == t.agency),
        ),
        "status": Surface(
            lambda w, p, t: post(p, f"{_own(w, t)}/status", TASK_STATUS_PROBE),
            api_answer("task"),
            task_status_probe,
        ),
    }


def _sub_object_surfaces(kind: str) -> dict[str, Surface]:
    """Surfaces of entries and attachments: where their incident and task show them."""
    field_ = "timeline" if kind == "entry" else "attachments"
    marker = 'id="entry-{id}"' if kind == "entry" else "/api/v1/attachments/{id}/content"
    found_ = {
        "access": Surface(
            lambda w, p, t: api(p, f"/api/v1/{PLURAL[kind]}/{w.id(t.key)}/access"),
            api_answer(kind),
            found,
        ),
        "in-incident": Surface(
            lambda w, p, t: api(p, _incident(w, t)), listed_in((field_, "id")), _reads
        ),
        "after-action": Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/after-action.json"),
            listed_in((field_, "id")),
            _reads,
        ),
        "incident-page": Surface(
            lambda w, p, t: page(p, f"/incidents/{w.id(t.incident)}"), on_page(marker), _reads
        ),
        "task-page": Surface(
            lambda w, p, t: page(p, f"/tasks/{w.id(t.task)}"), on_page(marker), _reads
        ),
    }
    if kind == "entry":
        found_["timeline"] = Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/timeline"),
            listed_in(("timeline", "id")),
            _reads,
        )
        # The latest ten and the decisions: only checked where nothing may show.
        found_["sitrep"] = Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/sitrep.json"),
            listed_in(("latest", "id"), ("decisions", "id")),
            _reads,
        )
    else:
        found_["detail"] = Surface(
            lambda w, p, t: api(p, _own(w, t)), api_answer("attachment"), found
        )
        found_["content"] = Surface(
            lambda w, p, t: api(p, f"{_own(w, t)}/content"), bytes_answer, found
        )
        found_["sitrep"] = Surface(
            lambda w, p, t: api(p, f"{_incident(w, t)}/sitrep.json"),
            listed_in(("attachments", "id")),
            _reads,
        )
    return found_


NOTICE_SURFACES = {
    "api": Surface(
        lambda w, p, n: api(p, "/api/v1/notifications", ("limit", "500")),
        listed_in(("notifications", "id")),
        lambda p, n: shown(notified(p, n)),
    ),
    "page": Surface(
        lambda w, p, n: page(p, "/tasks"),
        on_page('id="notification-{id}"'),
        lambda p, n: shown(notified(p, n)),
    ),
}
SURFACES: dict[str, dict[str, Surface]] = {
    "incident": _incident_surfaces(),
    "task": _task_surfaces(),
    "entry": _sub_object_surfaces("entry"),
    "attachment": _sub_object_surfaces("attachment"),
    "notification": NOTICE_SURFACES,
}


@dataclass(frozen=True)
class Case:
    person: Person
    key: str  # a Thing's or a Notice's
    surface: str
    want: str

    @property
    def kind(self) -> str:
        return "notification" if self.key in NOTICE_BY_KEY else BY_KEY[self.key].kind

    @property
    def subject(self) -> Thing | Notice:
        return NOTICE_BY_KEY[self.key] if self.key in NOTICE_BY_KEY else BY_KEY[self.key]

    def ask(self, world: World) -> Ask:
        return SURFACES[self.kind][self.surface].ask(world, self.person, self.subject)

    def outcome(self, world: World, answers: dict[Ask, httpx.Response]) -> str:
        ask = self.ask(world)
        return SURFACES[self.kind][self.surface].got(world, ask, self.key, answers[ask])


def _cases() -> list[Case]:
    found_ = []
    subjects: list[Thing | Notice] = [*THINGS, *NOTICES]
    for person in PEOPLE:
        for subject in subjects:
            kind = subject.kind if isinstance(subject, Thing) else "notification"
            for name, surface in SURFACES[kind].items():
                if name == "task-page" and getattr(subject, "task", None) is None:
                    continue  # not on a task
                want = surface.want(person, subject)
                if kind == "entry" and name == "sitrep" and want == LISTED:
                    continue  # the latest ten: a readable entry may be older
                found_.append(Case(person, subject.key, name, want))
    return found_


CASES = _cases()


# --- the world, once per module and database -------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """conftest.py's isolation, once for the module rather than per case."""
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("DCC_") and not key.startswith(("DCC_TEST_", "DCC_DATA_DIR")):
                patch.delenv(key)
        patch.setenv("DCC_HOME", str(tmp_path_factory.mktemp("coordination-dcc-home")))
        get_settings.cache_clear()
        previous = use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield
        use_hasher(previous)
    get_settings.cache_clear()


def extra_asks(person: Person) -> list[Ask]:
    """What the per-person checks read besides the cases' requests."""
    return [
        page(person, f"/incidents/{MISSING_ID}"),
        page(person, f"/tasks/{MISSING_ID}"),
    ]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    home = tmp_path_factory.mktemp("coordination-home")
    with ModuleDatabase(request, home) as url:
        settings = Settings(home=home, database_url=url)
        ctx = Context(settings=settings, engine=create_db_engine(settings=settings))
        app = create_app(ctx)
        with TestClient(app) as client, ExitStack() as stack:
            made = Made()
            make_people(ctx.engine, made)
            make_things(ctx.engine, made)
            found_ = World(made, client)
            for person in PEOPLE:
                found_.pages[person.name] = stack.enter_context(TestClient(app))
                sign_in_by_form(found_.pages[person.name], person.name)
            asks = {c.ask(found_) for c in CASES} | {a for p in PEOPLE for a in extra_asks(p)}
            found_.answers = fetch(found_, asks)
            yield found_
        ctx.close()


# --- the matrix ------------------------------------------------------------------------------


PAIRS = sorted({(c.person, c.key) for c in CASES}, key=lambda p: (p[0].name, p[1]))


@pytest.mark.parametrize(("person", "key"), PAIRS, ids=[f"{p.name}-{k}" for p, k in PAIRS])
def test_matrix(world: World, person: Person, key: str) -> None:
    """Every surface of one object for one person, against the declared rules; all
    mismatches are reported together ("surface: want ..., got ...")."""
    cases = [c for c in CASES if c.person == person and c.key == key]
    got = {c.surface: c.outcome(world, world.answers) for c in cases}
    wrong = {
        c.surface: f"want {c.want}, got {got[c.surface]}" for c in cases if got[c.surface] != c.want
    }
    assert not wrong, f"{person.name} ({person.role} of {person.agency}) on {key}: {wrong}"


# --- zero leaks, per person ------------------------------------------------------------------


def readable(person: Person, kind: str) -> list[Thing]:
    return [t for t in THINGS if t.kind == kind and reads(person, t)]


def ids(world: World, things: Iterable[Thing | Notice]) -> set[int]:
    return {world.id(t.key) for t in things}


def mine(world: World, person: str) -> list[tuple[Ask, httpx.Response]]:
    return [(a, r) for a, r in world.answers.items() if a.person == person]


# Ids a page shows in its links and anchors, by kind.
PAGE_IDS = {
    "incident": re.compile(r'(?:/incidents/|id="incident-)(\d+)'),
    "task": re.compile(r'(?:/tasks/|id="task-)(\d+)'),
    "entry": re.compile(r'id="entry-(\d+)"'),
    "attachment": re.compile(r"/attachments/(\d+)"),
    "notification": re.compile(r'id="notification-(\d+)"'),
}
# Keys of the API's JSON that name an object of a kind.
JSON_IDS = {
    "incident_id": "incident",
    "task_id": "task",
    "entry_id": "entry",
    "attachment_id": "attachment",
}


def named_ids(document: Any) -> Iterator[tuple[str, int]]:
    """(kind, id) for every key of a JSON document that names an object by id."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in JSON_IDS and isinstance(value, int):
                yield JSON_IDS[key], value
            else:
                yield from named_ids(value)
    elif isinstance(document, list):
        for value in document:
            yield from named_ids(value)


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_nothing_unreadable_shows_by_text_or_id(world: World, person: Person) -> None:
    """No answer this person got (API, reports, notifications, pages) carries the text of an
    object it may not read, or names one by id."""
    allowed_tokens = {t.token for t in THINGS if t.token and reads(person, t)}
    allowed = {
        kind: ids(world, readable(person, kind)) | {MISSING_ID}
        for kind in ("incident", "task", "entry", "attachment")
    }
    allowed["notification"] = ids(world, (n for n in NOTICES if notified(person, n)))
    leaks = []
    for ask, response in mine(world, person.name):
        where = f"{ask.method} {ask.path} {ask.params or ''}"
        if extra := set(TOKEN.findall(response.text)) - allowed_tokens:
            leaks.append(f"{where}: the text of {sorted(extra)}")
        if ask.method == "page":
            text = unmarked(response.text, ask.path)  # a 404 page names the path asked for
            shown_ids = {(kind, int(i)) for kind, rx in PAGE_IDS.items() for i in rx.findall(text)}
        elif response.headers.get("content-type", "").startswith("application/json"):
            shown_ids = set(named_ids(response.json()))
        else:
            shown_ids = set()
        if extra_ids := {(k, i) for k, i in shown_ids if i not in allowed[k]}:
            leaks.append(f"{where}: {sorted(extra_ids)}")
    assert not leaks, f"{person.name} ({person.role} of {person.agency}): {leaks}"


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_lists_hold_exactly_what_may_be_read(world: World, person: Person) -> None:
    """The lists, no more (an object outside the world would be a leak too) and no less."""

    def listed(ask: Ask, name: str) -> set[int]:
        response = world.answers[ask]
        assert response.status_code == 200, response.text
        return {row["id"] for row in response.json()[name]}

    limit = ("limit", "500")
    assert listed(api(person, "/api/v1/incidents", limit), "incidents") == ids(
        world, readable(person, "incident")
    )
    assert listed(api(person, "/api/v1/tasks", limit), "tasks") == ids(
        world, readable(person, "task")
    )
    assert listed(api(person, "/api/v1/tasks", ("agency", "mine"), limit), "tasks") == ids(
        world, (t for t in readable(person, "task") if t.agency == person.agency)
    )
    notices = [n for n in NOTICES if notified(person, n)]
    assert listed(api(person, "/api/v1/notifications", limit), "notifications") == ids(
        world, notices
    )
    incidents_page = world.answers[page(person, "/incidents")].text
    shown_ids = {int(i) for i in re.findall(r'id="incident-(\d+)"', incidents_page)}
    assert shown_ids == ids(world, readable(person, "incident"))
    # The count of unread notifications in the navigation of every page.
    unread = re.search(r'id="unread-count">(\d+)<', incidents_page)
    assert (int(unread.group(1)) if unread else 0) == len(notices)


@pytest.mark.parametrize("person", PEOPLE, ids=[p.name for p in PEOPLE])
def test_reports_count_and_mark_only_what_may_be_read(world: World, person: Person) -> None:
    """A report's task counts are of the readable tasks, its entries and attachments are
    readable ones, and its label is the strictest of what it includes (a restricted note on
    a CLEAR or GREEN incident is AMBER: its readers' reports are AMBER)."""
    for incident in readable(person, "incident"):
        mine_ = [t for t in readable(person, "task") if t.incident == incident.key]
        entries = ids(world, (e for e in readable(person, "entry") if e.incident == incident.key))
        for report in ("sitrep", "after-action"):
            path = f"/api/v1/incidents/{world.id(incident.key)}/{report}.json"
            document = world.answers[api(person, path)].json()
            where = f"{person.name} {report} of {incident.key}"
            assert document["task_totals"]["total"] == len(mine_), where
            assert sum(row["total"] for row in document["tasks_by_agency"]) == len(mine_), where
            assert {row["agency"] for row in document["tasks_by_agency"]} == {
                t.agency for t in mine_
            }, where
            lines = document.get("timeline", []) + document.get("latest", [])
            assert {line["id"] for line in lines} <= entries, where
            included = [incident, *mine_]
            included += [
                t
                for t in (*readable(person, "entry"), *readable(person, "attachment"))
                if t.incident == incident.key
            ]
            strictest = max((t.marked.tlp for t in included), key=STRICTNESS.index)
            assert document["tlp"] == strictest, where
        incident_page = world.answers[page(person, f"/incidents/{world.id(incident.key)}")].text
        count = re.search(r'id="tasks-title">[^<]*<span class="meta">\((\d+)\)', incident_page)
        assert count and int(count.group(1)) == len(mine_), f"{person.name} {incident.key}"


def test_a_missing_id_answers_as_an_unreadable_one(world: World) -> None:
    """What the matrix compares every refusal with: the answer for an id that exists
    nowhere, on every path with an id."""
    headers = world.made.headers[f"{OWNER}.admin"]
    for kind, suffixes in (
        ("incident", ("", "/timeline", "/tasks", "/access", "/sitrep.json")),
        ("incident", ("/after-action.json",)),
        ("task", ("", "/access")),
        ("entry", ("/access",)),
        ("attachment", ("", "/content", "/access")),
    ):
        for suffix in suffixes:
            path = f"/api/v1/{PLURAL[kind]}/{MISSING_ID}{suffix}"
            response = world.client.get(path, headers=headers)
            assert response.status_code == 404
            assert response.json() == not_found(kind, MISSING_ID), (kind, suffix)
    for path, body in (
        ("comments", COMMENT_PROBE),
        ("status", STATUS_PROBE),
        ("tasks", ASSIGN_PROBE),
    ):
        response = world.client.post(
            f"/api/v1/incidents/{MISSING_ID}/{path}", json=body, headers=headers
        )
        assert response.json() == not_found("incident", MISSING_ID), path
    response = world.client.post(
        f"/api/v1/tasks/{MISSING_ID}/status", json=TASK_STATUS_PROBE, headers=headers
    )
    assert response.json() == not_found("task", MISSING_ID)
    for person in PEOPLE:
        for kind in ("incident", "task"):
            assert world.answers[page(person, f"/{kind}s/{MISSING_ID}")].status_code == 404


def test_red_incidents_take_no_agency_task_nor_a_mention_of_who_cannot_read(
    world: World,
) -> None:
    refusals = world.made.refusals
    for agency in (SHAREE, UNRELATED):
        assert f"TLP:RED task cannot go to agency {agency}" in refusals[f"RED task for {agency}"]
    assert "cannot read this comment" in refusals["RED mention"]


def test_the_matrix_covers_every_label_role_agency_and_surface() -> None:
    labels = {BY_KEY[c.key].marked.tlp for c in CASES if c.key in BY_KEY}
    assert labels == {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}
    assert {c.person.role for c in CASES} == {"admin", "analyst", "officer", "liaison", "viewer"}
    assert {c.person.agency for c in CASES} == set(PARENTS)
    assert {c.kind for c in CASES} == set(SURFACES)
    # Both answers occur on every surface (but the entries' sitrep, checked for leaks only):
    # a matrix that only ever allows (or refuses) a surface proves nothing about it.
    for kind, surfaces in SURFACES.items():
        for surface in surfaces:
            wants = {c.want for c in CASES if c.kind == kind and c.surface == surface}
            if (kind, surface) != ("entry", "sitrep"):
                assert len(wants) > 1, (kind, surface, wants)


# --- the matrix can fail ---------------------------------------------------------------------


def red_cases(world: World, cases: list[Case]) -> list[tuple[Case, str]]:
    """The cases whose answers, asked again now, differ from what the rules want."""
    answers = fetch(world, {c.ask(world) for c in cases})
    outcomes = [(c, c.outcome(world, answers)) for c in cases]
    return [(c, got) for c, got in outcomes if got != c.want]


def test_a_task_read_without_its_own_marking_is_caught(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected in DCC — tasks read by whoever reads their incident, their own
    marking dropped — turns the matrix red, and only where the rules say so: another
    agency's task, which the incident's readers may not read."""

    def incident_only(reader: Reader) -> ColumnElement[bool]:
        if isinstance(reader, LocalOperator):
            return true()
        return marking._incident_of(reader, tasks.c.incident_id)

    monkeypatch.setattr(queries, "task_readable", incident_only)
    surfaces = ("detail", "all-tasks", "agency-tasks", "in-incident")
    cases = [c for c in CASES if c.kind == "task" and c.surface in surfaces]
    red = red_cases(world, cases)
    assert red, "the matrix did not notice tasks read without their own marking"
    for case, got in red:
        task = BY_KEY[case.key]
        assert reads(case.person, BY_KEY[task.incident]) and not reads(case.person, task)
        assert got in (LISTED, "200"), (case, got)
