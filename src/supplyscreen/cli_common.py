"""What every CLI module shares: the consoles and the --home option."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# Piped output (CI logs, files) gets a wide console so tables are not folded into unreadable columns.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Data directory (default: $SUPPLYSCREEN_HOME or the user data dir).",
        show_default=False,
    ),
]
