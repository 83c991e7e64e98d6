"""Enrichment: pure stages that label documents (DESIGN §4.2), each label with its evidence."""
