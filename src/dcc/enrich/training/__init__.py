"""Training and evaluation of the enrichment models (`dcc train`, `dcc eval`)."""
