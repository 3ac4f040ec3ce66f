"""The "Summary" sheet of an XLSX result: totals, the lists screened against with dates and gaps, amounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

from supplyscreen.model import FLAG_CODES, STALE_AFTER_DAYS
from supplyscreen.report.context import ReportContext, source_gaps
from supplyscreen.report.escape import EXCEL_CELL_LIMIT, cell_text, clip_for_excel, xlsx_text
from supplyscreen.report.summary import AmountRow, ReportSummary

#: Rows of each amount-at-risk table on the summary sheet.
SUMMARY_TOP = 20
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return clip_for_excel(xlsx_text(cell_text(value)))[0]


class _Writer:
    """Appends sections (a bold heading, then rows) to a write-only sheet."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet

    def row(self, *values: Any, font: Font | None = None, wrap: bool = False) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=_safe(value))
            if font is not None:
                cell.font = font
            if wrap or (isinstance(cell.value, str) and len(cell.value) > 60):
                cell.alignment = _WRAP
            cells.append(cell)
        self.sheet.append(cells)

    def heading(self, text: str, *columns: str) -> None:
        """A blank line, the section title, and the column labels (from column A) when given."""
        self.sheet.append([])
        self.row(text, font=_BOLD)
        if columns:
            self.row(*columns, font=_BOLD)


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def write_summary_sheet(sheet: Any, summary: ReportSummary, context: ReportContext) -> None:
    """Fill the summary sheet: what was screened, totals, lists and their gaps, amounts at risk."""
    for letter, width in zip("ABCDEFG", (34, 44, 14, 12, 12, 14, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    out = _Writer(sheet)
    out.row("supplyscreen screening summary", font=_TITLE)
    _about(out, summary, context)
    _totals(out, summary)
    _lists(out, context)
    for what, rows in (
        ("vendor", summary.amount_by_vendor),
        ("buyer", summary.amount_by_buyer),
        ("flag", summary.amount_by_flag),
    ):
        if rows:
            _amounts(out, what, rows[:SUMMARY_TOP])


def _about(out: _Writer, summary: ReportSummary, context: ReportContext) -> None:
    out.row("Input file", str(context.input_path or ""))
    out.row("Output file", str(context.output_path or summary.output or ""))
    out.row("List snapshot", context.list_snapshot or summary.list_snapshot)
    out.row("Started", _when(context.started))
    out.row("Finished", _when(context.finished))
    out.row("supplyscreen version", context.version)
    if context.profile:
        out.row("Profile", context.profile)
    if context.roles:
        out.row("Columns", "; ".join(f"{column}: {role}" for column, role in context.roles), wrap=True)
    elif context.mapping:
        out.row("Column mapping", ", ".join(f"{k}={v}" for k, v in context.mapping.items()))
    if context.compare_to:
        out.row("Compared with", str(context.compare_to))
    for note in context.notes:
        out.row("Note", note, wrap=True)


def _totals(out: _Writer, summary: ReportSummary) -> None:
    out.heading("Rows", "", "", "rows")
    out.row("Rows screened", "", summary.rows_total)
    for risk, n in summary.by_risk.items():
        out.row(f"Risk {risk}", "", n)
    out.row("Flagged (high or review)", "", summary.rows_flagged)
    out.row("Clear with information flags", "", summary.rows_information)
    out.row("Rows with errors (see the .errors.csv file)", "", summary.errors)
    if summary.truncated_cells:
        out.row(
            "Cells cut to Excel's limit",
            f"{summary.truncated_cells} cells were longer than {EXCEL_CELL_LIMIT:,} characters (Excel's "
            "limit) and were cut, marked '[truncated by supplyscreen …]'; CSV and JSONL output keep "
            "them whole.",
            summary.truncated_cells,
        )
    out.heading("Flags", "", "code", "rows")
    for code, n in summary.by_flag.items():
        if n or code in FLAG_CODES:
            out.row("", code, n)
    if summary.by_list:
        out.heading("Lists named by list flags", "", "list code", "rows")
        for code, n in summary.by_list.items():
            out.row("", code, n)
    if summary.by_change:
        out.heading("Changes since the previous screening", "", "change", "rows")
        for change, n in summary.by_change.items():
            out.row("", change, n)
    if summary.amount_at_risk:
        out.heading("Amount at risk (rows high or review)", "", "currency", "amount")
        for currency, amount in summary.amount_at_risk.items():
            out.row("", currency or "(none given)", amount)


def _lists(out: _Writer, context: ReportContext) -> None:
    if not context.sources:
        return
    out.heading(
        "Lists screened against",
        "source",
        "title",
        "snapshot date",
        "age (days)",
        "official",
        "",
        "known gaps",
    )
    for source in context.sources:
        age = source.get("age_days")
        gaps = source_gaps(source)
        if isinstance(age, int) and age > STALE_AFTER_DAYS:
            gaps = [f"older than {STALE_AFTER_DAYS} days: run `supplyscreen update`", *gaps]
        official = "yes" if source.get("official") else "no (research snapshot)"
        out.row(
            source.get("code") or source.get("source") or "",
            source.get("title") or "",
            source.get("snapshot_date") or "",
            age,
            official,
            "",
            "; ".join(gaps),
        )


def _amounts(out: _Writer, what: str, rows: list[AmountRow]) -> None:
    out.heading(f"Amount at risk by {what} (top {SUMMARY_TOP})", what, "currency", "amount", "rows")
    for row in rows:
        out.row(row.label, row.currency, round(row.amount, 2), row.rows)
