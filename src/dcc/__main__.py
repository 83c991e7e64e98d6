"""`python -m dcc` runs the command line."""

from dcc.cli import main

main()
