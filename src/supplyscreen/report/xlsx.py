"""Results as an Excel workbook: a "Results" sheet streamed row by row, and a "Summary" sheet.

openpyxl's write-only mode keeps memory flat whatever the row count. Numbers from the input stay
numbers; text is escaped against formula injection and cut to Excel's 32,767-character cell limit
with a marker (the summary sheet says how many cells were cut). Past Excel's 1,048,576 rows a sheet
continues on "Results 2". A result wider than Excel's 16,384 columns is refused before anything is
written (``check_width``): CSV output holds it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from supplyscreen.model import RowResult
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.columns import added_columns
from supplyscreen.report.context import ReportContext, ReportError, finalised
from supplyscreen.report.escape import FORMULA_STARTS, cell_text, clip_for_excel, escape_formula, xlsx_text
from supplyscreen.report.summary import ReportAggregator
from supplyscreen.report.tabular import added_values, input_columns, peek, wants_change
from supplyscreen.report.xlsx_summary import write_summary_sheet

EXCEL_MAX_ROWS = 1_048_576
#: The most columns an Excel sheet holds (XFD); a wider result is refused, not written.
EXCEL_MAX_COLUMNS = 16_384
#: Text longer than this is shown wrapped (top-aligned) rather than on one line.
WRAP_AFTER = 60
_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_WIDTHS = {"risk": 9, "flags": 26, "reasons": 90, "top_match": 36, "top_score": 10, "lists": 26}


class _ResultsSheets:
    """The "Results" sheet and its continuations, with header, widths and a filter on each."""

    def __init__(self, workbook: Workbook, header: list[str], aggregator: ReportAggregator) -> None:
        self.workbook = workbook
        self.header = header
        self.aggregator = aggregator
        self.sheets: list[tuple[Any, int]] = []
        self.rows = EXCEL_MAX_ROWS  # forces a first sheet on the first row

    def _new_sheet(self) -> None:
        if self.sheets:
            self._finish_last()
        title = "Results" if not self.sheets else f"Results {len(self.sheets) + 1}"
        sheet = self.workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, name in enumerate(self.header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, 18)
        cells = []
        for name in self.header:
            cell = WriteOnlyCell(sheet, value=xlsx_text(name))
            cell.font = _BOLD
            cells.append(cell)
        sheet.append(cells)
        self.sheets.append((sheet, 1))
        self.rows = 1

    def append(self, values: Sequence[Any]) -> None:
        if self.rows >= EXCEL_MAX_ROWS:
            self._new_sheet()
        sheet = self.sheets[-1][0]
        sheet.append([self._cell(sheet, value) for value in values])
        self.rows += 1

    def _cell(self, sheet: Any, value: Any) -> Any:
        if type(value) is str and len(value) <= WRAP_AFTER and value.isprintable():
            # the common short, plain text cell: only the formula check applies
            return value if not value or value[0] not in FORMULA_STARTS else escape_formula(value)
        value = excel_value(value)
        if not isinstance(value, str):
            return value
        text, cut = clip_for_excel(xlsx_text(value))
        if cut:
            self.aggregator.truncated_cells += 1
        if len(text) <= WRAP_AFTER and "\n" not in text:
            return text
        cell = WriteOnlyCell(sheet, value=text)
        cell.alignment = _WRAP
        return cell

    def _finish_last(self) -> None:
        sheet, _ = self.sheets[-1]
        if self.header:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{self.rows}"

    def close(self) -> None:
        if not self.sheets:
            self._new_sheet()
        self._finish_last()


def excel_value(value: Any) -> Any:
    """A value as Excel should hold it: numbers and booleans kept, naive dates kept, the rest as text."""
    if value is None or isinstance(value, bool) or (isinstance(value, int) and abs(value) < 1e308):
        return value  # (a bigger integer, from JSON, is no Excel number: it is written as text)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | time):
        return value if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value
    return cell_text(value)


def write_xlsx(
    results: Iterable[RowResult],
    out: Path,
    columns: Sequence[str],
    aggregator: ReportAggregator,
    context: ReportContext,
) -> None:
    """Stream results into an XLSX workbook (atomically), then add its summary sheet.

    The amount column (``context.mapping["amount"]``) is written as the number screening read from it
    (so "1.234,50" or "$362,000.00" sum in Excel); other text cells stay text, since codes such as HS
    "0702" or "8525.80" would lose digits as numbers.
    """
    if columns:  # before the first result is screened
        check_width(out, list(columns), context.compare_to is not None)
    first, rows = peek(results)
    cols = input_columns(columns, first)
    amount_at = cols.index(context.mapping["amount"]) if context.mapping.get("amount") in cols else None
    with_change = wants_change(first, context.compare_to is not None)
    header = check_width(out, cols, with_change)
    workbook = Workbook(write_only=True)
    sheets = _ResultsSheets(workbook, header, aggregator)
    with atomic_output(out, context.input_path) as tmp:
        for result in rows:
            aggregator.add(result)
            fields = result.record.fields
            values = [fields.get(c) for c in cols]
            if (
                amount_at is not None
                and result.record.amount is not None
                and isinstance(values[amount_at], str)
            ):
                values[amount_at] = result.record.amount
            sheets.append(values + added_values(result, with_change))
        sheets.close()
        context = finalised(context, out)
        aggregator.errors = max(aggregator.errors, context.error_count)
        write_summary_sheet(workbook.create_sheet("Summary"), aggregator.summary(), context)
        workbook.save(tmp)


def check_width(out: Path, columns: list[str], with_change: bool) -> list[str]:
    """The header of the "Results" sheet: ``columns`` and the added ones; ReportError when an Excel
    sheet cannot hold so many columns (Excel refuses to open such a workbook)."""
    header = [*columns, *added_columns(columns, with_change)]
    if len(header) > EXCEL_MAX_COLUMNS:
        raise ReportError(
            f"{out}: {len(header):,} columns ({len(columns):,} of the input and {len(header) - len(columns)} "
            f"added) are more than the {EXCEL_MAX_COLUMNS:,} an Excel sheet holds; nothing was written: "
            "write CSV or JSON lines output instead (--out FILE.csv)"
        )
    return header
