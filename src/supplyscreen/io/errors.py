"""Errors met while reading a user's file: fatal ones (`InputError`) and skipped rows (`RowError`)."""

from __future__ import annotations

from dataclasses import dataclass

from supplyscreen.errors import SupplyscreenError


def _where(path: str, sheet: str | None, row: int | None, column: str | None) -> str:
    where = path
    if sheet:
        where += f", sheet {sheet!r}"
    if row is not None:
        where += f", row {row}"
    if column:
        where += f", column {column!r}"
    return where


class InputError(SupplyscreenError):
    """A user file cannot be read at all: missing, empty, binary, of unknown encoding or shape."""

    def __init__(
        self,
        path: object,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.path = str(path)
        self.row = row
        self.column = column
        self.sheet = sheet
        self.reason = message
        super().__init__(f"{_where(self.path, sheet, row, column)}: {message}")


@dataclass(slots=True)
class RowError:
    """One damaged row: skipped (or, where the message says so, kept with damage) and counted, not fatal.

    ``row`` is the 1-based data row number (header excluded), as in `Record.row`.
    """

    row: int
    column: str | None
    message: str
    path: str = ""
    sheet: str | None = None

    def __str__(self) -> str:
        return f"{_where(self.path, self.sheet, self.row, self.column)}: {self.message}"
