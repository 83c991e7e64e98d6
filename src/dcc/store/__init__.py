"""Storage: schema, engines, migrations and queries for SQLite and PostgreSQL."""
