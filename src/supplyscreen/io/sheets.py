"""XLSX workbooks, read with openpyxl in read-only mode: every sheet or one named, each with its header.

The header is the first of a sheet's first rows that names a supplier column (so a title line above
the table is passed over), else its first non-empty row. Sheets with no usable header are skipped
when reading all sheets (and listed), and are an error when named.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.io.columns import NO_NAME, detect_mapping, normalize_header, resolve_mapping
from supplyscreen.io.delimited import header_names
from supplyscreen.io.errors import InputError
from supplyscreen.io.limits import check_columns

#: How many leading rows of a sheet may hold the header.
HEADER_SEARCH_ROWS = 20


@dataclass(slots=True)
class SheetTable:
    """One sheet's header: its 1-based sheet row, column names and the mapping chosen for them."""

    sheet: str
    header_row: int
    columns: list[str]
    mapping: dict[str, str] = field(default_factory=dict)


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """The workbook at `path` opened read-only (cached values, not formulas); InputError if unreadable."""
    import openpyxl  # type: ignore[import-untyped]

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors for damaged files
        raise InputError(path, f"cannot read as an Excel workbook (.xlsx): {exc}") from exc
    try:
        yield workbook
    finally:
        workbook.close()


def open_sheets(
    path: Path, sheet: str | None, explicit: Mapping[str, str] | None
) -> tuple[list[SheetTable], dict[str, str]]:
    """The readable sheets of `path` (only `sheet` when named) and {skipped sheet: why}."""
    tables: list[SheetTable] = []
    skipped: dict[str, str] = {}
    with open_workbook(path) as workbook:
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise InputError(path, f"no sheet {sheet!r}; sheets are {', '.join(map(repr, names))}")
        for name in [sheet] if sheet is not None else names:
            try:
                required = sheet is None and len(names) > 1  # a "Notes" sheet is skipped
                tables.append(_sheet_table(path, workbook[name], name, explicit, required))
            except InputError as exc:
                if sheet is not None or len(names) == 1 or isinstance(exc, DamagedSheet):
                    raise
                skipped[name] = exc.reason
        if not tables and any(NO_NAME in reason for reason in skipped.values()):
            # no sheet names a vendor: every sheet is read, by the detectors only
            named, skipped = skipped, {}
            for name in names:
                if NO_NAME not in named[name]:
                    skipped[name] = named[name]
                    continue
                tables.append(_sheet_table(path, workbook[name], name, explicit, False))
    if not tables:
        reasons = "; ".join(f"sheet {name!r}: {reason}" for name, reason in skipped.items())
        raise InputError(path, f"no sheet can be read: {reasons}")
    return tables, skipped


def _sheet_table(
    path: Path, worksheet: Any, name: str, explicit: Mapping[str, str] | None, require_name: bool
) -> SheetTable:
    """A sheet's header and mapping; ``require_name``: InputError (``NO_NAME``) without a name column."""
    if not hasattr(worksheet, "iter_rows"):
        raise InputError(path, "not a worksheet (a chart?)", sheet=name)
    worksheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
    header_row, columns = _find_header(path, worksheet, name, explicit)
    if header_row == 0:
        raise InputError(path, "the sheet is empty", sheet=name)
    mapping = resolve_mapping(columns, explicit, path, sheet=name, require_name=require_name)
    return SheetTable(name, header_row, columns, mapping)


def _find_header(
    path: Path, worksheet: Any, name: str, explicit: Mapping[str, str] | None
) -> tuple[int, list[str]]:
    """(1-based row, column names) of the header, or (0, []) for an empty sheet."""
    first: tuple[int, list[str]] = (0, [])
    wanted = {normalize_header(str(column)) for column in explicit.values()} if explicit else set()
    rows = _read_rows(path, name, worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), 1, None)
    for number, cells in rows:
        if all(_blank(cell) for cell in cells):
            continue
        width = len(cells)
        while width and _blank(cells[width - 1]):
            width -= 1
        check_columns(path, width, sheet=name)
        columns = header_names(list(cells), keep_trailing=False)
        if not first[0]:
            first = (number, columns)
        if wanted:
            found = wanted <= {normalize_header(column) for column in columns}
        else:
            found = "name" in detect_mapping(columns)
        if found:
            return number, columns
    return first


def sheet_rows(
    workbook: Any, table: SheetTable, path: Path | str = ""
) -> Iterator[tuple[int, list[Any], dict[str, Any]]]:
    """(data row, values in column order, {column_N: value} beyond the header) for non-blank rows.

    Values beyond the header's last column are kept under ``column_N`` names rather than dropped:
    in a sheet they cannot be a shifted row, and a note in column Z must not hide a supplier. A sheet
    found damaged on the way raises `DamagedSheet` (an InputError naming ``path``, sheet and row).
    """
    worksheet = workbook[table.sheet]
    worksheet.reset_dimensions()
    width = len(table.columns)
    start = table.header_row + 1
    rows = worksheet.iter_rows(min_row=start, values_only=True)
    for sheet_row, cells in _read_rows(Path(path), table.sheet, rows, start, table.header_row):
        if all(_blank(cell) for cell in cells):
            continue
        values = list(cells[:width])
        if len(values) < width:
            values.extend([None] * (width - len(values)))
        extra = {
            f"column_{index}": cell
            for index, cell in enumerate(cells[width:], start=width + 1)
            if not _blank(cell)
        }
        yield sheet_row - table.header_row, values, extra


class DamagedSheet(InputError):
    """A sheet whose XML cannot be read past some row: the whole file is refused, never a sheet
    quietly skipped (a damaged sheet may hold any supplier)."""


def _read_rows(
    path: Path, sheet: str, rows: Iterator[tuple[Any, ...]], start: int, header_row: int | None
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(sheet row, cells) of ``rows`` (openpyxl's, from sheet row ``start``); damage that openpyxl
    meets while it parses them (malformed XML, a shared string that does not exist, a bad number)
    raises `DamagedSheet` naming the sheet and the first data row that could not be read (data rows
    count from ``header_row``; None while the header is looked for)."""
    sheet_row = start - 1
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl raises XML parse, index, key and value errors
            raise DamagedSheet(
                path,
                f"the sheet is damaged from sheet row {sheet_row + 1} on ({_damage(exc)}); the rows "
                "from there cannot be read, so the file is refused: open and save the workbook again "
                "in Excel, or export the sheet as CSV",
                sheet=sheet,
                row=None if header_row is None else sheet_row + 1 - header_row,
            ) from exc
        sheet_row += 1
        yield sheet_row, cells


def _damage(exc: Exception) -> str:
    if isinstance(exc, IndexError):
        return "a cell refers to a shared string that does not exist"
    return f"{type(exc).__name__}: {exc}"


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
