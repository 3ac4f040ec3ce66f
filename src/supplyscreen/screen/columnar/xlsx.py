"""An XLSX sheet for the columnar path: its rows as batches of text columns, as the row path reads them.

A file of one table (one sheet, or the one ``--sheet`` names) is read by ``io.sheet_cells`` (calamine,
else openpyxl) from the row after its header, in chunks of ``XLSX_BATCH_ROWS`` sheet rows. Each cell
becomes ``report.escape.cell_text`` of its value (``io.sheet_cells.cell_value``: "5", "2024-01-01",
"true", "#N/A"), None when empty; blank rows are dropped as ``io.sheets.sheet_rows`` drops them
(whitespace as Python's ``str.strip`` reads it). Each batch carries its rows' numbers (``row_numbers``:
data rows counted from the header, blank ones too, the row path's ``Record.row``), which compare mode
keys the earlier screening's rows by.

What the row path would read otherwise is handed back to it (``NotColumnar``, then ``MalformedInput``):
a value beyond the header's last column (the row path keeps it as ``column_N``), a number that is not
finite, a number in the date column whose text reads as another date than the number (20240101).

A sheet is read once per stream, however many passes the columnar path makes over it (with helpers:
the names read ahead, then every batch twice): the batches are kept for the stream's life, about the
size of the sheet's text; calamine's own copy of the sheet is let go once all are made.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import zip_longest
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from supplyscreen.io import RecordStream
from supplyscreen.io.dates import parse_date
from supplyscreen.io.sheet_cells import calamine_chunks, cell_value, open_book
from supplyscreen.report.escape import cell_text

#: Sheet rows read into one batch (blank ones dropped after).
XLSX_BATCH_ROWS = 65536
_EXACT = 2.0**53  # as io.sheet_cells.cell_value
#: The batch's schema metadata key of its rows' numbers (int64, little-endian).
ROWS_KEY = b"supplyscreen.rows"
#: The characters ``str.strip()`` takes away (``str.isspace``): a cell of only these is blank.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class NotColumnar(Exception):
    """A row the columnar path would not read as the row path does: the row path takes the file."""


def layout() -> dict[str, int]:
    """How a sheet is cut into batches, for a checkpoint's fingerprint (as ``reader.layout``)."""
    return {"xlsx_rows": XLSX_BATCH_ROWS}


def row_numbers(batch: pa.RecordBatch, first: int) -> np.ndarray:
    """Each row's number: the batch's own (``ROWS_KEY``), else ``first``, ``first + 1`` …"""
    metadata = batch.schema.metadata
    if metadata and ROWS_KEY in metadata:
        return np.frombuffer(metadata[ROWS_KEY], dtype="<i8")
    return np.arange(first, first + batch.num_rows, dtype=np.int64)


def sheet_batches(stream: RecordStream, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The batches of the stream's one sheet (only ``columns``, when given); see the module."""
    for batch in _kept(stream):
        yield batch.select(columns) if columns is not None else batch


class _Kept:
    """Batches made once from ``source`` and kept, for each pass to iterate (from any thread); an
    error met while making them is met again by every pass that gets there."""

    def __init__(self, source: Iterator[pa.RecordBatch]) -> None:
        self.source: Iterator[pa.RecordBatch] | None = source
        self.batches: list[pa.RecordBatch] = []
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        n = 0
        while True:
            with self.lock:
                if n == len(self.batches):
                    if self.error is not None:
                        raise self.error
                    if self.source is None:
                        return
                    try:
                        self.batches.append(next(self.source))
                    except StopIteration:
                        self.source = None  # calamine's copy of the sheet is let go
                        return
                    except BaseException as exc:
                        self.error, self.source = exc, None
                        raise
                batch = self.batches[n]
            n += 1
            yield batch


_KEPT: weakref.WeakKeyDictionary[RecordStream, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _kept(stream: RecordStream) -> _Kept:
    with _KEPT_LOCK:
        kept = _KEPT.get(stream)
        if kept is None:
            kept = _KEPT[stream] = _Kept(_made(stream))
        return kept


def _made(stream: RecordStream) -> Iterator[pa.RecordBatch]:
    (table,) = stream.sheet_tables
    date = stream.mapping.get("date")
    date_at = table.columns.index(date) if date in table.columns else None
    for first, rows in _chunks(stream):
        numbers = np.arange(first - table.header_row, first - table.header_row + len(rows), dtype="<i8")
        batch = _batch(table.columns, numbers, rows, date_at)
        if batch.num_rows:
            yield batch


def _chunks(stream: RecordStream) -> Iterator[tuple[int, Sequence[Sequence[Any]]]]:
    """The sheet rows after the header, ``XLSX_BATCH_ROWS`` at a time, with the first one's sheet row:
    from the sheet kept since the header was read, else read again."""
    (table,) = stream.sheet_tables
    start = table.header_row + 1
    loaded = table.take_loaded()
    if loaded is not None:
        yield from calamine_chunks(loaded, start, XLSX_BATCH_ROWS)
        return
    with open_book(stream.path) as book:
        rows: list[Sequence[Any]] = []
        first = start
        for number, cells in book.rows(table.sheet, start, header_row=table.header_row):
            if not rows:
                first = number
            rows.append(cells)
            if len(rows) == XLSX_BATCH_ROWS:
                yield first, rows
                rows = []
        if rows:
            yield first, rows


def _batch(
    columns: list[str], numbers: np.ndarray, rows: Sequence[Sequence[Any]], date_at: int | None
) -> pa.RecordBatch:
    """One chunk of sheet rows as a batch of text columns, its blank rows dropped (see the module)."""
    width, n = len(columns), len(rows)
    cells = list(zip_longest(*rows))
    arrays = [_text_column(cells[i]) if i < len(cells) else pa.nulls(n, pa.string()) for i in range(width)]
    for extra in cells[width:]:
        if _filled(_text_column(extra)).any():
            raise NotColumnar("a value beyond the header's last column")
    if date_at is not None and date_at < len(cells):
        _check_dates(cells[date_at])
    keep = np.logical_or.reduce([_filled(column) for column in arrays]) if arrays else np.zeros(n, bool)
    batch = pa.RecordBatch.from_arrays(arrays, names=columns)
    kept = numbers
    if not keep.all():
        batch, kept = batch.filter(pa.array(keep)), kept[keep]
    return batch.replace_schema_metadata({ROWS_KEY: kept.tobytes()})


def _text_column(values: Sequence[Any]) -> pa.Array:
    """A column's cells as text (``cell_text`` of ``cell_value``), None where empty."""
    try:
        column = pa.array(values, type=pa.string())  # text and empty cells only: no conversion
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array(_texts(values), type=pa.string())
    empty = pc.equal(column, "")
    if pc.any(empty).as_py():
        column = pc.if_else(empty, pa.scalar(None, pa.string()), column)
    return column


def _texts(values: Sequence[Any]) -> list[str | None]:
    """``_text`` of each value, the common kinds of cell inline (a million cells a second)."""
    out: list[str | None] = []
    append = out.append
    for value in values:
        kind = type(value)
        if kind is str:
            append(value or None)
        elif kind is float and value.is_integer() and -_EXACT < value < _EXACT:
            append(str(int(value)))  # cell_value's int
        elif kind is float and math.isfinite(value):
            append(repr(value))  # cell_text of a float with a fraction, or too big to be exact
        elif kind is date:
            append(value.isoformat())
        else:
            append(_text(value))
    return out


def _text(value: Any) -> str | None:
    value = cell_value(value)
    if value is None:
        return None
    if type(value) is float and not math.isfinite(value):
        raise NotColumnar("a number that is not finite")  # no text, yet no blank cell in the row path
    return cell_text(value)


def _filled(column: pa.Array) -> np.ndarray:
    """Whether each cell holds more than whitespace."""
    length = pc.utf8_length(pc.utf8_trim(column, characters=PY_WHITESPACE))
    return np.asarray(pc.fill_null(pc.greater(length, 0), False).to_numpy(zero_copy_only=False), dtype=bool)


def _check_dates(values: Sequence[Any]) -> None:
    """The row path reads a number in the date column as an Excel serial; the columnar path reads
    its text, as the row path reads a text cell ("20240101" is a date, the number 20240101 none)."""
    for value in values:
        if type(value) in (int, float) and parse_date(cell_value(value)) != parse_date(_text(value)):
            raise NotColumnar("a number in the date column that its text reads otherwise")
