"""Markings of watchlists and alerts (issue 5): owner agency, TLP 2.0 label, author.

Rows older than the markings are backfilled:
- a watchlist whose owner names a user gets that user's agency and id (its author) and
  AMBER, the label of every new watchlist (what an agency watches is its own business); one
  whose owner is no user (made with the command line before users existed) stays readable
  as before by every agency: GREEN, with no owner agency;
- a burst alert about a watchlist (story key "watchlist:<id>") is tied to its watchlist;
- a watchlist's alerts copy their watchlist's marking; other detection alerts, computed
  from public items, are GREEN with no owner agency.
Going down drops the columns; a burst alert keeps the watchlist it was tied to.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = (
    "UPDATE watchlists SET "
    "created_by = (SELECT users.id FROM users WHERE users.username = watchlists.owner), "
    "owner_agency = (SELECT users.agency_id FROM users WHERE users.username = watchlists.owner)",
    "UPDATE watchlists SET tlp = CASE WHEN owner_agency IS NULL THEN 'GREEN' ELSE 'AMBER' END",
    "UPDATE alerts SET watchlist_id = (SELECT w.id FROM watchlists w "
    "WHERE 'watchlist:' || CAST(w.id AS VARCHAR(20)) = alerts.story_key) "
    "WHERE watchlist_id IS NULL AND story_key LIKE 'watchlist:%'",
    "UPDATE alerts SET "
    "owner_agency = (SELECT w.owner_agency FROM watchlists w WHERE w.id = alerts.watchlist_id), "
    "tlp = (SELECT w.tlp FROM watchlists w WHERE w.id = alerts.watchlist_id) "
    "WHERE watchlist_id IS NOT NULL",
    "UPDATE alerts SET tlp = 'GREEN' WHERE watchlist_id IS NULL",
)


def upgrade() -> None:
    op.add_column("watchlists", sa.Column("owner_agency", sa.String(64)))
    op.add_column("watchlists", sa.Column("tlp", sa.String(20)))
    # A user id without a foreign key: users are never deleted (only deactivated), and SQLite
    # could not drop a referencing column again without copying the table.
    op.add_column("watchlists", sa.Column("created_by", sa.BigInteger))
    op.add_column("alerts", sa.Column("owner_agency", sa.String(64)))
    op.add_column("alerts", sa.Column("tlp", sa.String(20)))
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for table, column in (
        ("alerts", "tlp"),
        ("alerts", "owner_agency"),
        ("watchlists", "created_by"),
        ("watchlists", "tlp"),
        ("watchlists", "owner_agency"),
    ):
        op.drop_column(table, column)
