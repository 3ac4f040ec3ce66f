"""XLSX workbooks: every sheet or one named, each with its header, and its rows.

The cells are read by python-calamine, or openpyxl where calamine may not (``io/sheet_cells.py``).
The header is the first of a sheet's first rows that names a supplier column (so a title line above
the table is passed over), else its first non-empty row. Sheets with no usable header are skipped
when reading all sheets (and listed), and are an error when named. A file of one table keeps the
sheet calamine read for its header (``SheetTable.loaded``) for its rows: it is read once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.io.columns import NO_NAME, detect_mapping, normalize_header, resolve_mapping
from supplyscreen.io.delimited import header_names
from supplyscreen.io.errors import InputError
from supplyscreen.io.limits import check_columns
from supplyscreen.io.sheet_cells import Book, DamagedSheet, LoadedSheet, blank, cell_values, open_book
from supplyscreen.io.sheet_cells import open_workbook as open_workbook  # openpyxl's, for network.relations

#: How many leading rows of a sheet may hold the header.
HEADER_SEARCH_ROWS = 20


@dataclass(slots=True)
class SheetTable:
    """One sheet's header: its 1-based sheet row, column names and the mapping chosen for them."""

    sheet: str
    header_row: int
    columns: list[str]
    mapping: dict[str, str] = field(default_factory=dict)
    #: the sheet as calamine read it for its header, kept for its rows when the file has one table
    #: (taken by the first reading of the rows; a second reads the file again)
    loaded: LoadedSheet | None = field(default=None, repr=False, compare=False)

    def take_loaded(self) -> LoadedSheet | None:
        """The kept sheet, no longer kept."""
        loaded, self.loaded = self.loaded, None
        return loaded


def open_sheets(
    path: Path, sheet: str | None, explicit: Mapping[str, str] | None
) -> tuple[list[SheetTable], dict[str, str]]:
    """The readable sheets of `path` (only `sheet` when named) and {skipped sheet: why}."""
    tables: list[SheetTable] = []
    skipped: dict[str, str] = {}
    with open_book(path) as book:
        names = book.names
        if sheet is not None and sheet not in names:
            raise InputError(path, f"no sheet {sheet!r}; sheets are {', '.join(map(repr, names))}")
        for name in [sheet] if sheet is not None else names:
            try:
                required = sheet is None and len(names) > 1  # a "Notes" sheet is skipped
                for table in tables:
                    table.loaded = None  # a sheet at a time is held
                tables.append(_sheet_table(path, book, name, explicit, required))
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
                for table in tables:
                    table.loaded = None
                tables.append(_sheet_table(path, book, name, explicit, False))
    if len(tables) > 1:
        tables[-1].loaded = None
    if not tables:
        reasons = "; ".join(f"sheet {name!r}: {reason}" for name, reason in skipped.items())
        raise InputError(path, f"no sheet can be read: {reasons}")
    return tables, skipped


def _sheet_table(
    path: Path, book: Book, name: str, explicit: Mapping[str, str] | None, require_name: bool
) -> SheetTable:
    """A sheet's header and mapping; ``require_name``: InputError (``NO_NAME``) without a name column."""
    if not book.is_worksheet(name):
        raise InputError(path, "not a worksheet (a chart?)", sheet=name)
    loaded = book.load(name)
    header_row, columns = _find_header(path, book, name, explicit, loaded)
    if header_row == 0:
        raise InputError(path, "the sheet is empty", sheet=name)
    mapping = resolve_mapping(columns, explicit, path, sheet=name, require_name=require_name)
    return SheetTable(name, header_row, columns, mapping, loaded)


def _find_header(
    path: Path, book: Book, name: str, explicit: Mapping[str, str] | None, loaded: LoadedSheet | None
) -> tuple[int, list[str]]:
    """(1-based row, column names) of the header, or (0, []) for an empty sheet."""
    first: tuple[int, list[str]] = (0, [])
    wanted = {normalize_header(str(column)) for column in explicit.values()} if explicit else set()
    for number, row in book.rows(name, stop=HEADER_SEARCH_ROWS, loaded=loaded):
        cells = cell_values(row)
        if all(blank(cell) for cell in cells):
            continue
        width = len(cells)
        while width and blank(cells[width - 1]):
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
    book: Book, table: SheetTable, path: Path | str = ""
) -> Iterator[tuple[int, list[Any], dict[str, Any]]]:
    """(data row, values in column order, {column_N: value} beyond the header) for non-blank rows.

    Values beyond the header's last column are kept under ``column_N`` names rather than dropped:
    in a sheet they cannot be a shifted row, and a note in column Z must not hide a supplier. A sheet
    found damaged on the way raises `DamagedSheet` (an InputError naming ``path``, sheet and row).
    """
    width = len(table.columns)
    start = table.header_row + 1
    loaded = table.take_loaded()
    rows = book.rows(table.sheet, start, header_row=table.header_row, loaded=loaded or "load")
    for sheet_row, row in rows:
        cells = cell_values(row)
        if all(blank(cell) for cell in cells):
            continue
        values = cells[:width]
        if len(values) < width:
            values.extend([None] * (width - len(values)))
        extra = {
            f"column_{index}": cell
            for index, cell in enumerate(cells[width:], start=width + 1)
            if not blank(cell)
        }
        yield sheet_row - table.header_row, values, extra


__all__ = ["HEADER_SEARCH_ROWS", "DamagedSheet", "SheetTable", "open_sheets", "open_workbook", "sheet_rows"]
