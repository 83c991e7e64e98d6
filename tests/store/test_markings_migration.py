"""Migration 0008 (markings) marks the watchlists and alerts made before it, and goes down
and up again cleanly, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, insert, inspect, select

from dcc.store.migrate import alembic_config, migrate
from dcc.store.schema import agencies, alerts, users, watchlists

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def alert_row(rule: str, story: str, watchlist_id: int | None) -> dict[str, Any]:
    return {
        "kind": "watchlist" if rule.startswith("watchlist:") else "burst",
        "rule": rule,
        "watchlist_id": watchlist_id,
        "story_key": story,
        "title": story,
        "status": "new",
        "schedule": "instant",
        "item_count": 1,
        "explanation": {},
        "created_at": NOW,
        "updated_at": NOW,
        "window_ends_at": NOW + timedelta(hours=1),
    }


def test_older_rows_are_marked_and_the_migration_goes_down_and_up(engine: Engine) -> None:
    downgrade(engine, "0007")
    assert "tlp" not in {c["name"] for c in inspect(engine).get_columns("alerts")}
    with engine.begin() as conn:
        conn.execute(
            insert(agencies).values(
                id="kbri-tokyo", name="KBRI Tokyo", kind="embassy", created_at=NOW, updated_at=NOW
            )
        )
        ana = conn.execute(
            insert(users)
            .values(
                username="ana",
                display_name="Ana",
                agency_id="kbri-tokyo",
                role="analyst",
                locale="id",
                is_active=True,
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(users.c.id)
        ).scalar_one()
        made = {}
        for owner in ("ana", "local"):  # a user's, and one made by the command line
            made[owner] = conn.execute(
                insert(watchlists)
                .values(
                    name=owner,
                    query="gempa",
                    owner=owner,
                    recipients=[],
                    channels=["in_app"],
                    schedule="instant",
                    is_enabled=True,
                    created_at=NOW,
                    updated_at=NOW,
                )
                .returning(watchlists.c.id)
            ).scalar_one()
        rows = [
            alert_row(f"watchlist:{made['ana']}", "story:a", made["ana"]),
            alert_row(f"watchlist:{made['local']}", "story:b", made["local"]),
            alert_row("burst:watchlist", f"watchlist:{made['ana']}", None),
            alert_row("burst:country", "country:ID", None),
        ]
        alert_ids = [
            conn.execute(insert(alerts).values(**row).returning(alerts.c.id)).scalar_one()
            for row in rows
        ]
    migrate(engine)
    with engine.connect() as conn:
        marked = {
            row.id: (row.owner_agency, row.tlp, row.created_by)
            for row in conn.execute(select(watchlists))
        }
        found = {
            row.id: (row.watchlist_id, row.owner_agency, row.tlp)
            for row in conn.execute(select(alerts))
        }
    assert marked == {
        made["ana"]: ("kbri-tokyo", "AMBER", ana),
        made["local"]: (None, "GREEN", None),
    }
    assert [found[i] for i in alert_ids] == [
        (made["ana"], "kbri-tokyo", "AMBER"),
        (made["local"], None, "GREEN"),
        (made["ana"], "kbri-tokyo", "AMBER"),  # the burst on ana's watchlist is its alert now
        (None, None, "GREEN"),
    ]
    downgrade(engine, "0007")
    assert "created_by" not in {c["name"] for c in inspect(engine).get_columns("watchlists")}
    migrate(engine)
    assert "created_by" in {c["name"] for c in inspect(engine).get_columns("watchlists")}
