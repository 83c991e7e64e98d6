"""Briefings (issue 6): situation reports and after-action reports of incidents, as JSON,
HTML and PDF. The public functions live in `dcc.briefings.sitrep`."""
