"""Asking DCC as each person of the coordination matrix, and reading its answers: which
request a case makes (by API token, or on a page signed in by form), sending them a few people
at once, and turning an answer into what the matrix compares ("200", "404", "listed",
"absent"; a refusal unlike a missing object's answer reads as its own, failing, outcome).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from coordination_world import BY_KEY, Made, content
from fastapi.testclient import TestClient

from tlp_rules import Person

MISSING_ID = 987654321
LISTED, ABSENT = "listed", "absent"


def shown(is_shown: bool) -> str:
    return LISTED if is_shown else ABSENT


@dataclass(frozen=True)
class Ask:
    """One request: by API token ("get", "post" with a JSON body) or signed in ("page")."""

    person: str
    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: str = ""


def api(person: Person, path: str, *params: tuple[str, str]) -> Ask:
    return Ask(person.name, "get", path, tuple(params))


def page(person: Person, path: str, *params: tuple[str, str]) -> Ask:
    return Ask(person.name, "page", path, tuple(params))


def post(person: Person, path: str, body: dict[str, Any]) -> Ask:
    return Ask(person.name, "post", path, body=json.dumps(body))


# A reader of answers: (world, the request, the object's key, the answer) -> the outcome.
ReadAnswer = Callable[["World", Ask, str, httpx.Response], str]


@dataclass(repr=False)
class World:
    """What was made, the clients, and every answer of every case, read once."""

    made: Made
    client: TestClient
    pages: dict[str, TestClient] = field(default_factory=dict)
    answers: dict[Ask, httpx.Response] = field(default_factory=dict)

    def __repr__(self) -> str:  # short: pytest shows it with every failure
        return f"<World of {len(self.made.ids)} objects, {len(self.answers)} answers>"

    def id(self, key: str) -> int:
        return self.made.ids[key]


def send(world: World, ask: Ask) -> httpx.Response:
    if ask.method == "page":
        return world.pages[ask.person].get(ask.path, params=list(ask.params))
    headers = world.made.headers[ask.person]
    if ask.method == "post":
        return world.client.post(ask.path, json=json.loads(ask.body), headers=headers)
    return world.client.get(ask.path, params=list(ask.params), headers=headers)


def fetch(world: World, asks: Iterable[Ask]) -> dict[Ask, httpx.Response]:
    """The answers to `asks`, each person's in turn on its own clients, a few people at once
    (each request is mostly waiting on thread hand-offs in the app: overlapping them halves
    the time). None changes what anyone reads, so their order does not matter."""
    by_person: dict[str, list[Ask]] = defaultdict(list)
    for ask in asks:
        by_person[ask.person].append(ask)

    def run(mine: list[Ask]) -> list[tuple[Ask, httpx.Response]]:
        return [(ask, send(world, ask)) for ask in mine]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return {a: r for batch in pool.map(run, by_person.values()) for a, r in batch}


def not_found(kind: str, object_id: int) -> dict[str, Any]:
    """The answer for an object that does not exist (and for one the user may not read)."""
    return {"error": {"code": "not_found", "message": f"no {kind} with id {object_id}"}}


def api_answer(kind: str) -> ReadAnswer:
    def got(world: World, ask: Ask, key: str, response: httpx.Response) -> str:
        object_id = world.id(key)
        if response.status_code != 404:
            return str(response.status_code)
        body = response.json()
        if body == not_found(kind, object_id):
            return "404"
        if body == not_found("task", MISSING_ID):
            return "404 (no such task)"
        return f"404 unlike a missing {kind}: {body}"

    return got


def page_answer(kind: str) -> ReadAnswer:
    """A page's status; a 404 page must read exactly as the one for a missing id."""

    def got(world: World, ask: Ask, key: str, response: httpx.Response) -> str:
        if response.status_code != 404:
            return str(response.status_code)
        missing = Ask(ask.person, "page", f"/{kind}s/{MISSING_ID}")
        if unmarked(response.text, ask.path) == unmarked(world.answers[missing].text, missing.path):
            return "404"
        return f"404 page unlike a missing {kind}'s"

    return got


def unmarked(text: str, path: str) -> str:
    """A page without its per-request CSRF tokens, nor its own path (the language links
    name the page they come back to)."""
    text = re.sub(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]*"', r"\1", text)
    return text.replace(f'={path}"', '=PATH"')


def listed_in(*fields: tuple[str, str]) -> ReadAnswer:
    """Whether the object's id is in one of the answer's lists (field, id key)."""

    def got(world: World, ask: Ask, key: str, response: httpx.Response) -> str:
        if response.status_code != 200:
            return ABSENT
        document = response.json()
        ids = {row[key] for name, key in fields for row in document[name]}
        return shown(world.id(key) in ids)

    return got


def on_page(marker: str) -> ReadAnswer:
    """Whether the page shows the object (`marker` with its id)."""

    def got(world: World, ask: Ask, key: str, response: httpx.Response) -> str:
        return shown(
            response.status_code == 200 and marker.format(id=world.id(key)) in response.text
        )

    return got


def bytes_answer(world: World, ask: Ask, key: str, response: httpx.Response) -> str:
    got = api_answer("attachment")(world, ask, key, response)
    if got == "200" and response.content != content(BY_KEY[key]):
        return "200 with other bytes"
    return got
