"""`supplyscreen scan FILE…`: list entities, covered equipment, Xinjiang places and high-priority
sectors named in documents (PDF, DOCX, HTML, e-mail, XLSX, CSV, text).

Exit codes: 0 when every file was read; 2 when a file could not be read (each is named on stderr,
and the others are still scanned and reported); 3 with ``--fail-on`` when a list entity was found
at that verdict or above.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from supplyscreen.cli.common import HomeOption, err, out
from supplyscreen.errors import SupplyscreenError

#: Exit code of a scan that found a list entity at or above ``--fail-on``.
FOUND_EXIT = 3
#: Exit code of a scan where a file could not be read.
UNREADABLE_EXIT = 2
#: File name endings a folder given to ``scan`` is searched for.
DOCUMENT_SUFFIXES = (
    ".pdf",
    ".docx",
    ".html",
    ".htm",
    ".xhtml",
    ".txt",
    ".text",
    ".md",
    ".eml",
    ".xlsx",
    ".csv",
    ".tsv",
)


def expand(paths: list[Path]) -> list[Path]:
    """The files to scan: each file as given (whatever its name), and the documents in each folder
    (by their endings, sorted, hidden files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(
                    Path(root) / n
                    for n in sorted(names)
                    if not n.startswith(".") and n.lower().endswith(DOCUMENT_SUFFIXES)
                )
        else:
            files.append(path)
    return files


def register(app: typer.Typer) -> None:
    """Add the scan command to the main app."""

    @app.command("scan")
    def scan(
        paths: Annotated[
            list[Path],
            typer.Argument(
                help="Documents (PDF with text, DOCX, HTML, .eml, XLSX, CSV, text) or folders of them."
            ),
        ],
        out_path: Annotated[
            Path | None,
            typer.Option(
                "--out", help="Report: .html, .jsonl (one line per mention) or .csv (the same columns)."
            ),
        ] = None,
        fail_on: Annotated[
            str | None,
            typer.Option(
                "--fail-on",
                help="Exit 3 when a list entity is found at this verdict or above: match or review.",
            ),
        ] = None,
        workers: Annotated[int, typer.Option(help="Processes at work (0: one per core; 1: no helpers).")] = 0,
        home: HomeOption = None,
    ) -> None:
        """Find list entities, covered equipment, Xinjiang places and high-priority sectors in documents.

        Exit 2 when a file could not be read (each is named on stderr; the others are still scanned
        and reported), 3 with --fail-on when a list entity was found at that verdict."""
        if fail_on not in (None, "match", "review"):
            raise typer.BadParameter("use match or review", param_hint="--fail-on")
        from supplyscreen.scan.report import FORMATS, write_report
        from supplyscreen.scan.run import scan_files
        from supplyscreen.screener import Screener

        if out_path is not None and out_path.suffix.lower() not in FORMATS:
            raise SupplyscreenError(f"{out_path}: unknown report format; use .html, .jsonl or .csv")
        files = expand(paths)
        if not files:
            raise SupplyscreenError("no document to scan in " + ", ".join(str(p) for p in paths))
        screener = Screener.open(home)
        with Progress(
            TextColumn("scanning {task.fields[file]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as progress:
            file_task = progress.add_task("files", total=len(files), file="", unit="files")
            page_task = progress.add_task("pages", total=None, file="", unit="pages")
            current: dict[str, int] = {}

            def on_page(file: str, page: int, pages: int) -> None:
                top = file.split("!", 1)[0]
                if top not in current:
                    current[top] = 1
                    progress.advance(file_task)
                progress.update(file_task, file=Path(top).name)
                if pages:
                    progress.update(
                        page_task, total=(progress.tasks[1].total or 0) + (pages if page == 1 else 0)
                    )
                    progress.advance(page_task)

            result = scan_files(screener, files, progress=on_page, workers=workers)
        if out_path is not None:
            write_report(result, out_path)
        for error in result.errors:
            err.print(f"[red]error:[/] {escape(str(error))}", highlight=False)
        _print_summary(result)
        if out_path is not None:
            err.print(f"report: {out_path}", highlight=False)
        if fail_on is not None and any(
            m.kind == "entity" and (m.verdict == "match" or fail_on == "review") for m in result.mentions
        ):
            raise typer.Exit(FOUND_EXIT)
        if result.errors:
            raise typer.Exit(UNREADABLE_EXIT)


def _print_summary(result: object) -> None:
    from supplyscreen.scan.run import ScanResult

    assert isinstance(result, ScanResult)
    mentions = result.mentions
    entities: dict[str, list[object]] = {}
    for m in mentions:
        if m.kind == "entity" and m.entity_id:
            entities.setdefault(m.entity_id, []).append(m)
    table = Table(
        title=f"{len(result.documents)} file(s), {result.pages:,} page(s) scanned "
        f"against lists {result.snapshot_version}"
    )
    table.add_column("found")
    table.add_column("what")
    table.add_column("lists / basis")
    table.add_column("mentions", justify="right")
    for group in entities.values():
        first = group[0]
        verdicts = Counter(getattr(m, "verdict", "") for m in group)
        table.add_row(
            "entity (" + ", ".join(f"{v}" for v in verdicts) + ")",
            escape(str(getattr(first, "entity_name", ""))),
            escape(", ".join(getattr(first, "lists", []))),
            str(len(group)),
        )
    for kind in ("equipment", "place", "sector"):
        keys = Counter(m.key for m in mentions if m.kind == kind)
        for key, n in keys.most_common():
            basis = next(
                (
                    m.detail.get("legal_basis") or m.detail.get("uflpa_status") or ""
                    for m in mentions
                    if m.kind == kind and m.key == key
                ),
                "",
            )
            table.add_row(kind, escape(key), escape(str(basis)), str(n))
    if not mentions:
        out.print("nothing found: no list entity, covered equipment, Xinjiang place or high-priority sector")
    else:
        out.print(table)
