"""`supplyscreen network`: suppliers and their relations in, exposure paths out (HTML, JSONL or CSV)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from supplyscreen.cli.common import HomeOption, err, out
from supplyscreen.report.atomic import check_output_path
from supplyscreen.screener import Screener


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of") from None


def register(app: typer.Typer) -> None:
    """Add the network command to the main app."""

    @app.command("network")
    def network(
        suppliers: Annotated[
            Path, typer.Argument(help="Your suppliers: CSV, XLSX, JSONL … with a name column.")
        ],
        relations: Annotated[
            list[Path],
            typer.Option(
                "--relations",
                help="Edges file (from,to,relation,share,product) or FtM JSON lines; repeat for several.",
            ),
        ],
        max_tier: Annotated[int, typer.Option("--max-tier", min=0, help="Longest path, in tiers.")] = 4,
        out_path: Annotated[
            Path | None,
            typer.Option("--out", help="report.html, .jsonl or .csv (default: <suppliers>.network.html)."),
        ] = None,
        fmt: Annotated[
            str | None, typer.Option("--format", help="html, jsonl or csv (default: by --out).")
        ] = None,
        bis_affiliates_rule: Annotated[
            str,
            typer.Option(
                "--bis-affiliates-rule",
                help="BIS 50% affiliates rule: on, off, or auto (on outside its suspension window).",
            ),
        ] = "auto",
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Screening date YYYY-MM-DD (default: today).")
        ] = None,
        mapping: Annotated[
            str | None, typer.Option("--map", help="Suppliers columns, e.g. name=Vendor,address=Addr.")
        ] = None,
        workers: Annotated[int, typer.Option(help="Processes for name resolution (0: one per core).")] = 1,
        home: HomeOption = None,
    ) -> None:
        """Flag suppliers owned by, part of or supplied by listed or Xinjiang-based parties, with the path."""
        # the network package loads networkx: only when this command runs, not at every CLI start
        from supplyscreen.network import screen_network, write_report
        from supplyscreen.network.report import output_format
        from supplyscreen.network.rules import RULE_MODES

        if bis_affiliates_rule not in RULE_MODES:
            raise typer.BadParameter(
                f"use one of {', '.join(RULE_MODES)}", param_hint="--bis-affiliates-rule"
            )
        target = out_path or suppliers.with_name(suppliers.stem + ".network.html")
        kind = output_format(target, fmt)
        check_output_path(target, suppliers)
        started = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task("resolving names", total=None)

            def report(step: str, done: int, total: int) -> None:
                progress.update(task, description=step, completed=done, total=total)

            result = screen_network(
                suppliers,
                relations,
                Screener.open(home),
                max_tier=max_tier,
                as_of=_as_of(as_of),
                bis_affiliates_rule=bis_affiliates_rule,
                workers=workers,
                mapping=mapping,
                progress=report,
            )
        write_report(result, target, kind, input_path=suppliers)
        _print_summary(result.summary())
        err.print(f"wrote {kind} → {target} in {time.perf_counter() - started:.1f}s", highlight=False)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )


def _print_summary(summary: dict[str, object]) -> None:
    table = Table(title=f"Supply network exposure ({summary['as_of']}, up to {summary['max_tier']} tiers)")
    table.add_column("")
    table.add_column("suppliers", justify="right")
    table.add_row("screened", str(summary["suppliers"]))
    table.add_row("exposed", str(summary["exposed"]))
    by_flag = summary["by_flag"]
    assert isinstance(by_flag, dict)
    for code, n in by_flag.items():
        table.add_row(f"  {code}", str(n))
    out.print(table)
    rules = summary["rules"]
    assert isinstance(rules, list)
    for rule in rules:
        state = "applied" if rule["active"] else "not applied"
        out.print(f"{rule['title']}: {state} ({rule['reason']})", highlight=False)
    skipped = summary.get("skipped_suppliers")
    if skipped:
        err.print(f"[yellow]warning:[/] {skipped} supplier rows without a name were skipped")
