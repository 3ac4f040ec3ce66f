"""A workbook's cells, read with python-calamine where it may, else with openpyxl (``open_book``).

python-calamine (Rust) reads a sheet about fifteen times as fast as openpyxl's read-only mode, but it
loads a whole sheet at once where openpyxl streams it: about 32 bytes a cell and its text, so up to
a GB or so for Excel's 1,048,576 rows of 16 columns, held while the sheet's rows are read (a file of
one table keeps it from its header's reading to its rows'). A sheet spanning more cells than
``xlsx_scan.MAX_CELLS`` (16 columns of a million rows) is streamed by openpyxl instead. So is:

* every sheet, when python-calamine is not installed or cannot open the workbook;
* a sheet ``xlsx_scan`` does not vouch for: damaged XML (openpyxl then names the row where the damage
  starts, ``DamagedSheet``), cells whose place is not written, too many cells (above);
* a sheet calamine fails on (a shared string that does not exist …).

Both give the same values, once ``cell_value`` has made them alike: an empty cell is None, a number
with no fraction an int (calamine gives floats; text "5", not "5.0"), a date without a time of day a
``date`` (openpyxl gives ``datetime(2024, 1, 1, 0, 0)``: the text is "2024-01-01"), an error cell its
text (``#N/A``), a formula its cached value. Rows are numbered and cells placed as in the sheet (from
row 1 and column A, wherever the used cells start), blank rows included. Where they still differ:
calamine decodes the ``_xHHHH_`` escapes Excel writes for control characters (a carriage return in a
cell is ``_x000D_`` in the file; openpyxl left the escape as text), and it reads a well-formed cell
holding nonsense (text in a number cell), where openpyxl refused the file.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from supplyscreen.io.errors import InputError
from supplyscreen.io.xlsx_scan import check_sheet, scan_sheet, sheet_parts

#: Floats with no fraction below this are exact integers: read as ints, as openpyxl reads "5".
_EXACT = 2.0**53
_MIDNIGHT = time()


def cell_value(value: Any) -> Any:
    """A cell's value as both readers give it (see the module): None for empty, ints, dates."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() and -_EXACT < value < _EXACT else value
    if (
        kind is datetime
        and value.tzinfo is None
        and not (value.hour or value.minute or value.second or value.microsecond)
    ):
        return value.date()
    return value


def cell_values(cells: Sequence[Any]) -> list[Any]:
    """``cell_value`` of each cell of a row."""
    return [(value or None) if type(value) is str else cell_value(value) for value in cells]


def blank(cell: object) -> bool:
    """Whether a cell holds nothing: empty, or only whitespace."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


class DamagedSheet(InputError):
    """A sheet whose XML cannot be read past some row: the whole file is refused, never a sheet
    quietly skipped (a damaged sheet may hold any supplier)."""


@dataclass(slots=True)
class LoadedSheet:
    """A sheet calamine has read: its cells (a ``CalamineSheet``), and the error cells' texts it
    left empty, by sheet row (``xlsx_scan.SheetScan.errors``)."""

    cells: Any
    errors: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


def _calamine() -> Any:
    """The python_calamine module, or None when it is not installed (openpyxl reads everything)."""
    try:
        import python_calamine  # optional: the fast reader
    except ImportError:
        return None
    return python_calamine


class Book:
    """A workbook open for reading (``open_book``): its sheet names, which are worksheets, their rows."""

    def __init__(self, path: Path, stack: ExitStack) -> None:
        self.path = path
        self._stack = stack
        self._openpyxl: Any = None
        self._calamine: Any = None
        self._parts: dict[str, str] = {}
        module = _calamine()
        if module is not None:
            try:
                self._calamine = stack.enter_context(module.CalamineWorkbook.from_path(str(path)))
                self._archive = stack.enter_context(zipfile.ZipFile(path))
                self._parts = sheet_parts(self._archive)
            except Exception:  # noqa: BLE001 - whatever calamine refuses, openpyxl reads or names
                self._calamine = None
        if self._calamine is None:
            self._workbook()  # the error of an unreadable workbook is openpyxl's, as it always was
            self.names = list(self._workbook().sheetnames)
            self._kinds = {name: hasattr(self._workbook()[name], "iter_rows") for name in self.names}
        else:
            self.names = list(self._calamine.sheet_names)
            worksheet = module.SheetTypeEnum.WorkSheet
            self._kinds = {meta.name: meta.typ == worksheet for meta in self._calamine.sheets_metadata}

    def _workbook(self) -> Any:
        if self._openpyxl is None:
            self._openpyxl = self._stack.enter_context(open_workbook(self.path))
        return self._openpyxl

    def is_worksheet(self, name: str) -> bool:
        """Whether sheet ``name`` holds cells (not a chart sheet)."""
        return self._kinds.get(name, False)

    def load(self, name: str) -> LoadedSheet | None:
        """Sheet ``name`` read by calamine; None when openpyxl is to read it (see the module)."""
        if self._calamine is None or name not in self._parts:
            return None
        part = self._parts[name]
        scan = scan_sheet(self._archive, part)
        if scan is None:
            return None
        # the XML checked in a thread while calamine reads the sheet (both let the other run)
        checked: list[bool] = []
        checker = threading.Thread(target=lambda: checked.append(check_sheet(self._archive, part, scan)))
        checker.start()
        try:
            cells = self._calamine.get_sheet_by_name(name)
        except BaseException as exc:  # CalamineError, or a Rust panic (pyo3's PanicException)
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            cells = None
        finally:
            checker.join()
        if cells is None or checked != [True]:
            return None
        return LoadedSheet(cells, scan.errors)

    def rows(
        self,
        name: str,
        start: int = 1,
        stop: int | None = None,
        header_row: int | None = None,
        loaded: LoadedSheet | None | Literal["load"] = "load",
    ) -> Iterator[tuple[int, Sequence[Any]]]:
        """(sheet row, cells from column A) of sheet rows ``start`` to ``stop`` (to the end: None),
        blank ones included, as the reader gave them (``cell_values`` makes them alike). ``loaded``:
        the sheet as ``load`` gave it (None: openpyxl reads it), else it is loaded here. Damage met by
        openpyxl raises `DamagedSheet` naming the row (counted from ``header_row``; None while the
        header is looked for)."""
        if isinstance(loaded, str):  # "load"
            loaded = self.load(name)
        if loaded is None:
            workbook = self._workbook()
            worksheet = workbook[name] if name in workbook.sheetnames else None
            if not hasattr(worksheet, "iter_rows"):  # listed by calamine, its part missing or no sheet
                raise DamagedSheet(
                    self.path,
                    "the sheet's cells are missing from the workbook, so the file is refused: open and "
                    "save the workbook again in Excel, or export the sheet as CSV",
                    sheet=name,
                )
            assert worksheet is not None
            worksheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
            cells = worksheet.iter_rows(min_row=start, max_row=stop, values_only=True)
            yield from _read_rows(self.path, name, cells, start, header_row)
            return
        yield from calamine_rows(loaded, start, stop)


def calamine_rows(
    loaded: LoadedSheet, start: int = 1, stop: int | None = None
) -> Iterator[tuple[int, Sequence[Any]]]:
    """(sheet row, cells from column A) of a sheet read by calamine, its error cells' texts put back."""
    for first, rows in calamine_chunks(loaded, start, 4096):
        for number, cells in enumerate(rows, start=first):
            if stop is not None and number > stop:
                return
            yield number, cells


def calamine_chunks(loaded: LoadedSheet, start: int, size: int) -> Iterator[tuple[int, list[list[Any]]]]:
    """The rows of ``calamine_rows`` by ``size`` at a time: (the first one's sheet row, their cells)."""
    sheet = loaded.cells
    if sheet.start is None:  # no cell used
        return
    rows = sheet.iter_rows()  # from row 1, above the used ones too
    for _ in islice(rows, start - 1):
        pass
    pad = [None] * sheet.start[1]  # calamine's rows start at the first used column
    errors = loaded.errors
    first = start
    while chunk := list(islice(rows, size)):
        if pad:
            chunk = [pad + cells for cells in chunk]
        for number in [n for n in errors if first <= n < first + len(chunk)] if errors else ():
            cells = chunk[number - first]
            for column, text in errors[number]:
                if len(cells) < column:
                    cells.extend([None] * (column - len(cells)))
                cells[column - 1] = text
        yield first, chunk
        first += len(chunk)


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """The workbook at `path` opened by openpyxl, read-only (cached values, not formulas); InputError
    if unreadable."""
    import openpyxl  # type: ignore[import-untyped]

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors for damaged files
        raise InputError(path, f"cannot read as an Excel workbook (.xlsx): {exc}") from exc
    try:
        yield workbook
    finally:
        workbook.close()


@contextmanager
def open_book(path: Path) -> Iterator[Book]:
    """The workbook at ``path`` open for reading (InputError if no reader can open it)."""
    with ExitStack() as stack:
        yield Book(Path(path), stack)


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
