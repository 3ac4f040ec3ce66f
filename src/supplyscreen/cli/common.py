"""What every CLI module shares: the consoles, the --home option and the end-of-run summary."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from supplyscreen.model import RISKS
from supplyscreen.screen.policy import FAIL_EXIT, fails_run

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


def summary_table(title: str, by_risk: Mapping[str, int], by_flag: Mapping[str, int]) -> Table:
    """The end-of-run table (also the Spark engine's): rows per risk, then per flag. The table is at
    least as wide as its title, so that the title stays on one line where the console allows."""
    table = Table(title=title, min_width=len(title) + 2)
    table.add_column("risk")
    table.add_column("rows", justify="right")
    for risk in RISKS:
        table.add_row(risk, f"{by_risk.get(risk, 0):,}")
    for code, n in sorted(by_flag.items()):
        table.add_row(f"  flag {code}", f"{n:,}")
    return table


def exit_if_failing(fail_on: str | None, by_risk: Mapping[str, int]) -> None:
    """Exit with ``policy.FAIL_EXIT`` when ``--fail-on`` was given and a row is at or above that risk."""
    if fails_run(fail_on, dict(by_risk)):
        raise typer.Exit(FAIL_EXIT)
