"""What every `dcc` command shares: the consoles, exiting with a reason, JSON output, and
opening the database (DESIGN §4.3: bad input exits 2 with a one-line reason on stderr)."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from dcc.context import Context, open_context
from dcc.errors import DCCError

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """Exit 2 with a one-line reason (DESIGN §4.3)."""
    # Written directly: a console would wrap a long reason over several lines.
    sys.stderr.write(f"dcc: error: {' '.join(message.split())}\n")
    raise typer.Exit(code=2)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2) + "\n")


def context() -> Context:
    try:
        return open_context()
    except DCCError as exc:
        fail(str(exc))
    except Exception as exc:  # an unreachable database is bad input from the user's side
        fail(f"cannot open the database: {exc.__class__.__name__}: {exc}".splitlines()[0])
