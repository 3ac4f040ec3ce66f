"""`supplyscreen screen FILE`: screen a purchase file, vendor master, supplier list or OCDS package."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from supplyscreen.cases.hooks import screening_cases
from supplyscreen.cli.common import HomeOption, err, exit_if_failing, out, summary_table
from supplyscreen.cli.spark import screen_with_spark
from supplyscreen.io.location import describe as describe_places
from supplyscreen.screen.run import NO_NAME_NOTE, mapping_notes, screen_file
from supplyscreen.screener import Screener

#: The columns listed with their role after a screening (the reports list them all).
ROLES_SHOWN = 60


def register(app: typer.Typer) -> None:
    """Add the screen command to the main app."""

    @app.command("screen")
    def screen(
        input_path: Annotated[Path, typer.Argument(help="CSV/TSV, XLSX, Parquet, JSON lines or OCDS JSON.")],
        out_path: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Output (.csv, .xlsx, .jsonl, .html); default: <input>.screened.csv beside the input.",
            ),
        ] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="csv, xlsx, jsonl or html.")] = None,
        mapping: Annotated[
            str | None,
            typer.Option(
                "--map",
                help="Columns: name=COL,address=COL,… (keys: id, "
                "name, address, country, description, hs_code, amount, "
                "currency, funding, date).",
            ),
        ] = None,
        sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: all sheets).")] = None,
        workers: Annotated[int, typer.Option(help="Processes at work (0: one per core; 1: no helpers).")] = 0,
        resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted run.")] = False,
        compare_to: Annotated[
            Path | None,
            typer.Option(
                "--compare-to",
                help="An earlier result of the same file: mark rows new/changed/unchanged/resolved.",
            ),
        ] = None,
        fail_on: Annotated[
            str | None,
            typer.Option("--fail-on", help="Exit 3 when a row is at or above this risk: high or review."),
        ] = None,
        home: HomeOption = None,
        database_url: Annotated[
            str | None,
            typer.Option(
                "--database-url",
                help="Case database whose reviewer decisions apply and whose audit log records the "
                "screening (default: $SUPPLYSCREEN_DATABASE_URL, else <home>/supplyscreen.db if it exists).",
                show_default=False,
            ),
        ] = None,
        engine: Annotated[
            str,
            typer.Option(
                "--engine",
                help="local, or spark: CSV/Parquet file or folder in, a folder of part files out "
                "(needs the spark extra and Java).",
            ),
        ] = "local",
        master: Annotated[
            str | None,
            typer.Option("--master", help="Spark master for --engine spark, e.g. local[2]."),
        ] = None,
    ) -> None:
        """Screen every row: list hits by name, covered equipment, Xinjiang locations, UFLPA sectors."""
        if fail_on not in (None, "high", "review"):
            raise typer.BadParameter("use high or review", param_hint="--fail-on")
        if engine == "spark":  # pyspark is imported only then, by screen_with_spark
            if sheet or resume or compare_to:
                raise typer.BadParameter("--sheet, --resume and --compare-to need --engine local")
            screen_with_spark(
                input_path, out_path, fmt=fmt, mapping=mapping, master=master, home=home, fail_on=fail_on
            )
            return
        if engine != "local":
            raise typer.BadParameter("use local or spark", param_hint="--engine")
        screener = Screener.open(home)
        cases = screening_cases(database_url, home, screener)
        started = time.perf_counter()
        with Progress(
            TextColumn("screening"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("screen", total=estimate_rows(input_path), rate="")

            def on_rows(n: int) -> None:
                progress.advance(task, n)
                done = progress.tasks[0].completed
                progress.update(task, rate=f"{done / max(1e-9, time.perf_counter() - started):,.0f} rows/s")

            outcome = screen_file(
                screener,
                input_path,
                out_path,
                fmt=fmt,
                mapping=mapping,
                sheet=sheet,
                workers=workers,
                resume=resume,
                compare_to=compare_to,
                on_rows=on_rows,
            )
        elapsed = time.perf_counter() - started
        if cases is not None:
            cases.record(input_path, outcome)
            cases.close()
        summary = outcome.summary
        err.print("columns: " + ", ".join(f"{k}={v}" for k, v in outcome.mapping.items()), highlight=False)
        shown = outcome.roles[:ROLES_SHOWN]
        width = min(40, max((len(column) for column, _ in shown), default=0))
        for column, role in shown:
            err.print(f"  {column.ljust(width)}  {role}", highlight=False, markup=False)
        if len(outcome.roles) > ROLES_SHOWN:
            err.print(
                f"  … and {len(outcome.roles) - ROLES_SHOWN:,} more columns", highlight=False, markup=False
            )
        for note in mapping_notes(outcome.mapping):
            style = "bold yellow" if note == NO_NAME_NOTE else None
            err.print(note, highlight=False, markup=False, style=style)
        if outcome.vendor_places:
            err.print(
                "where the vendor is (name hits elsewhere demoted): "
                + describe_places(outcome.vendor_places),
                highlight=False,
            )
        table = summary_table(
            f"{input_path.name}: {summary.rows_total:,} rows screened in {elapsed:.1f}s "
            f"against lists {summary.list_snapshot}",
            summary.by_risk,
            summary.by_flag,
        )
        for change, n in sorted(summary.by_change.items()):
            table.add_row(f"  {change}", f"{n:,}")
        out.print(table)
        if outcome.resumed_rows:
            out.print(f"resumed after {outcome.resumed_rows:,} rows already screened")
        out.print(f"report: {outcome.output}", highlight=False)
        if outcome.errors_file:
            err.print(
                f"[yellow]{summary.errors:,} malformed row(s)[/] written to {outcome.errors_file}",
                highlight=False,
            )
        exit_if_failing(fail_on, summary.by_risk)


def estimate_rows(path: Path) -> int | None:
    """About how many rows a file holds, for the progress bar's ETA (None when it cannot tell cheaply).

    Parquet says so exactly; a text file is judged by the line length of its first 256 KB.
    """
    try:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if suffix in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson"):
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(1 << 18)
            lines = head.count(b"\n")
            if lines > 1:
                return max(1, int(size / (len(head) / lines)) - 1)
    except (OSError, ValueError):  # a damaged Parquet file (ArrowInvalid): the reader says so
        return None
    return None
