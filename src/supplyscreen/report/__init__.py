"""Writing screening results: CSV, XLSX, JSON lines and the HTML report, plus the errors file.

Public API::

    from supplyscreen.report import ReportContext, write_results, write_errors
    context = ReportContext(input_path=Path("po.csv"), list_snapshot=snapshot.version, sources=...)
    summary = write_results(results, Path("po.screened.xlsx"), fmt=None, context=context, columns=cols)
    print(summary.format_table())

Results stream through: each writer reads the `RowResult`s once, writes them into a temp file beside
the output, feeds a `ReportAggregator`, and renames the file into place at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from supplyscreen.model import STALE_AFTER_DAYS, RowResult
from supplyscreen.report.atomic import atomic_output, check_output_path
from supplyscreen.report.columns import ADDED_COLUMNS, AddedCells
from supplyscreen.report.context import (
    FORMATS,
    ReportContext,
    ReportError,
    age_in_days,
    detect_format,
    sources_from_snapshot,
)
from supplyscreen.report.escape import EXCEL_CELL_LIMIT, escape_formula
from supplyscreen.report.flagged import FLAGGED_ROWS_SHOWN
from supplyscreen.report.html import write_html
from supplyscreen.report.summary import AmountRow, ReportAggregator, ReportSummary
from supplyscreen.report.tabular import errors_path, write_csv, write_errors, write_jsonl

__all__ = [
    "ADDED_COLUMNS",
    "AddedCells",
    "EXCEL_CELL_LIMIT",
    "FLAGGED_ROWS_SHOWN",
    "FORMATS",
    "STALE_AFTER_DAYS",
    "AmountRow",
    "ReportAggregator",
    "ReportContext",
    "ReportError",
    "ReportSummary",
    "age_in_days",
    "atomic_output",
    "detect_format",
    "errors_path",
    "escape_formula",
    "sources_from_snapshot",
    "summarise",
    "write_errors",
    "write_results",
]


def jsonl_metadata(context: ReportContext) -> dict[str, Any]:
    """The first record of a JSONL output: what was screened, against which lists, and how each
    input column was read. No time: a resumed run's output stays byte-identical to an uninterrupted
    one's (the XLSX summary and the HTML report carry the times)."""
    return {
        "kind": "supplyscreen screening",
        "supplyscreen": context.version,
        "input": str(context.input_path) if context.input_path else None,
        "list_snapshot": context.list_snapshot,
        "columns": [{"column": column, "role": role} for column, role in context.roles],
        "mapping": dict(context.mapping),
        "notes": list(context.notes),
    }


def write_results(
    results: Iterable[RowResult],
    out: Path,
    *,
    fmt: str | None,
    context: ReportContext,
    columns: Sequence[str] = (),
    aggregator: ReportAggregator | None = None,
    csv_bom: bool = True,
    html_rows: int = FLAGGED_ROWS_SHOWN,
) -> ReportSummary:
    """Write results to ``out`` in ``fmt`` (or the format its extension names) and return their totals.

    ``columns`` are the input columns in order (default: ``context.columns``, else the first
    record's fields). The file is
    written to a temp file in the same folder and renamed at the end; an output that is the input
    file (``context.input_path``) raises `ReportError` before anything is read. Pass an
    ``aggregator`` to count into one the caller also reads (a progress display, say).
    """
    out = Path(out)
    kind = detect_format(out, fmt)
    check_output_path(out, context.input_path)
    agg = aggregator if aggregator is not None else ReportAggregator()
    columns = list(columns) or list(context.columns)
    compare = context.compare_to is not None
    if kind == "csv":
        write_csv(results, out, columns, agg, input_path=context.input_path, compare=compare, bom=csv_bom)
    elif kind == "jsonl":
        write_jsonl(results, out, agg, input_path=context.input_path, metadata=jsonl_metadata(context))
    elif kind == "xlsx":
        from supplyscreen.report.xlsx import write_xlsx  # openpyxl loads only when needed

        write_xlsx(results, out, columns, agg, context)
    else:
        write_html(results, out, agg, context, limit=html_rows)
    agg.errors = max(agg.errors, context.error_count)
    summary = agg.summary()
    summary.output = out
    summary.format = kind
    return summary


def summarise(results: Iterable[RowResult]) -> ReportSummary:
    """The totals of a screening without writing anything."""
    return ReportAggregator().add_all(results).summary()
