"""Alembic migrations; run through `dcc migrate` (store/migrate.py)."""
