"""Watchlist definitions are checked and normalised before they are stored."""

from __future__ import annotations

import pytest

from dcc.alerts.errors import WatchlistError
from dcc.alerts.records import Channel, WatchlistSpec
from dcc.alerts.rules import checked_spec, recipients_for
from dcc.query import QuerySyntaxError
from dcc.query.ast import Term


def test_a_spec_is_trimmed_and_deduplicated() -> None:
    spec, node = checked_spec(
        WatchlistSpec(
            name="  Gempa   Lombok ",
            query=" gempa ",
            recipients=(" desk-asia ", "desk-asia", "", "duty"),
            channels=("IN_APP", "in_app"),
            schedule="Digest",
        )
    )
    assert spec == WatchlistSpec(
        name="Gempa Lombok",
        query="gempa",
        recipients=("desk-asia", "duty"),
        channels=("in_app",),
        schedule="digest",
    )
    assert node == Term(("gempa",))


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        (WatchlistSpec(name=" ", query="gempa"), "needs a name"),
        (WatchlistSpec(name="x", query="  "), "needs a query"),
        (WatchlistSpec(name="x", query="gempa", channels=()), "needs a channel"),
        (WatchlistSpec(name="x", query="gempa", channels=("sms",)), "'sms' is not available"),
        (
            WatchlistSpec(name="x", query="gempa", channels=("email",)),
            "email channel needs at least one e-mail address",
        ),
        (
            WatchlistSpec(name="x", query="gempa", recipients=("duty",), channels=("webhook",)),
            "'duty' is a user name, reached only by the in_app channel",
        ),
        (
            WatchlistSpec(name="x", query="gempa", recipients=("ops@example.org",)),
            "'ops@example.org' is an e-mail address, reached only by the email channel",
        ),
        (
            WatchlistSpec(name="x", query="gempa", recipients=("https://h.example/x",)),
            "is a webhook URL, reached only by the webhook channel",
        ),
        (
            WatchlistSpec(name="x", query="gempa", recipients=("ops@",), channels=("email",)),
            "'ops@' is not a valid e-mail address",
        ),
        (
            WatchlistSpec(
                name="x",
                query="gempa",
                recipients=("a@b.org\r\nBcc: c@d.org",),
                channels=("email",),
            ),
            "is not a valid e-mail address",
        ),
        (
            WatchlistSpec(
                name="x",
                query="gempa",
                recipients=("ops@example.org",),
                channels=("email", "webhook"),
            ),
            "webhook channel needs at least one http",
        ),
        (
            WatchlistSpec(
                name="x",
                query="gempa",
                recipients=("https://u:p@h.example/x",),
                channels=("webhook",),
            ),
            "webhook URL https://\\*\\*\\*@h.example/x: credentials in the URL",
        ),
        (
            WatchlistSpec(
                name="x", query="gempa", recipients=("file:///etc/passwd",), channels=("webhook",)
            ),
            "file scheme, only http and https",
        ),
        (WatchlistSpec(name="x", query="gempa", schedule="weekly"), "'weekly' must be instant"),
        (WatchlistSpec(name="x" * 201, query="gempa"), "at most 200"),
    ],
)
def test_bad_definitions_are_refused(spec: WatchlistSpec, says: str) -> None:
    with pytest.raises(WatchlistError, match=says):
        checked_spec(spec)


def test_a_bad_query_is_refused_with_its_position() -> None:
    with pytest.raises(QuerySyntaxError) as refused:
        checked_spec(WatchlistSpec(name="x", query="gempa lang:xx"))
    assert refused.value.position == 11  # the value after "lang:"


def test_recipients_are_split_between_the_channels() -> None:
    spec, _ = checked_spec(
        WatchlistSpec(
            name="x",
            query="gempa",
            recipients=("duty", "ops@example.org", "https://h.example/dcc", "HTTP://H.example/b"),
            channels=("in_app", "email", "webhook"),
        )
    )
    assert recipients_for(Channel.IN_APP, spec.recipients, "ana") == ("duty",)
    assert recipients_for(Channel.EMAIL, spec.recipients, "ana") == ("ops@example.org",)
    assert recipients_for(Channel.WEBHOOK, spec.recipients, "ana") == (
        "https://h.example/dcc",
        "HTTP://H.example/b",
    )
    assert recipients_for(Channel.IN_APP, ("ops@example.org",), "ana") == ("ana",)
    assert recipients_for(Channel.EMAIL, (), "ana") == ()
