"""`RecordStream`: the records of one user file, read lazily, with what was learnt about the file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from supplyscreen.io.columns import detect_address_parts
from supplyscreen.io.errors import RowError
from supplyscreen.io.location import vendor_place_columns
from supplyscreen.io.record_builder import other_columns
from supplyscreen.io.sheets import SheetTable
from supplyscreen.model import Record

#: The role of a column without a key: the detectors read it, name matching does not.
DETECTORS_ONLY = "read by detectors only"


class RecordStream:
    """An iterable of `Record`s from one file; iterating again reads the file again.

    Known before iterating: `format`, `columns` (input columns in order; for several sheets, all
    of them in order of first appearance), `mapping` ({key: column} of the first sheet read; per
    sheet in `sheet_mappings`), `encoding` and `delimiter` (text files), `sheets`, `sheet_tables`
    (their headers) and `skipped_sheets` (XLSX). Filled while iterating (reset at each pass):
    `errors`, the damaged rows (skipped unless their message says "row kept"), and `unreadable`, how
    many present amount or date values could not be read, by key.
    """

    def __init__(
        self,
        path: Path,
        format: str,
        columns: list[str],
        mapping: dict[str, str],
        produce: Callable[[RecordStream], Iterator[Record]],
    ) -> None:
        self.path = path
        self.format = format
        self.columns = columns
        self.mapping = mapping
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self.sheets: list[str] = []
        self.sheet_tables: list[SheetTable] = []
        self.sheet_mappings: dict[str, dict[str, str]] = {}
        self.skipped_sheets: dict[str, str] = {}
        self.errors: list[RowError] = []
        self.unreadable: Counter[str] = Counter()
        self._produce = produce

    def __iter__(self) -> Iterator[Record]:
        self.errors.clear()
        self.unreadable.clear()
        return self._produce(self)

    @property
    def vendor_places(self) -> list[tuple[str, str]]:
        """(column, kind) of the columns saying where the vendor is, when no country column is mapped
        (``location.vendor_place_columns``); each record's country is read from them."""
        if self.format == "ocds" or "country" in self.mapping:
            return []
        return vendor_place_columns(self.columns, self.mapping)

    @property
    def address_parts(self) -> list[str]:
        """Columns of address details (city, province...) appended to each record's address."""
        return detect_address_parts(self.columns, self.mapping) if self.format != "ocds" else []

    @property
    def others(self) -> list[str]:
        """The columns without a role (no key, no address detail, no vendor place), in file order: the
        detectors read them, name matching does not (``record_builder.other_columns``)."""
        if self.format == "ocds":
            return []
        return other_columns(self.columns, self.mapping, self.address_parts, self.vendor_places)

    def roles(self) -> list[tuple[str, str]]:
        """Each input column, in file order, with what screening does with it: its key ("name",
        "amount" …), "address detail", "vendor place (state)", or "read by detectors only"."""
        keys: dict[str, list[str]] = {}
        for key, column in self.mapping.items():
            keys.setdefault(column, []).append(key)
        parts = set(self.address_parts)
        places = dict(self.vendor_places)
        others = set(self.others)
        out: list[tuple[str, str]] = []
        for column in self.columns:
            if column in keys:
                out.append((column, ", ".join(keys[column])))
            elif column in parts:
                out.append((column, "address detail"))
            elif column in places:
                out.append((column, f"vendor place ({places[column]})"))
            elif column in others:
                out.append((column, DETECTORS_ONLY))
        return out

    def row_error(self, row: int, column: str | None, message: str, sheet: str | None = None) -> None:
        """Note a damaged row of this file."""
        self.errors.append(RowError(row, column, message, str(self.path), sheet))

    def __repr__(self) -> str:
        return f"RecordStream({str(self.path)!r}, format={self.format!r}, columns={len(self.columns)})"
