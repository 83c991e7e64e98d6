"""Ingest: sources, fetching, parsing and durable storing of raw items."""
