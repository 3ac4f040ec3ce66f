"""Errors a user can act on: each names the file, row or field, or list concerned."""

from __future__ import annotations


class SupplyscreenError(Exception):
    """Base class of every error supplyscreen raises on purpose."""


class SourceFormatError(SupplyscreenError):
    """A list file could not be read: truncated, corrupt, wrongly encoded or of the wrong shape."""

    def __init__(
        self,
        path: object,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class StoreError(SupplyscreenError):
    """The list store cannot do what was asked (missing snapshot, unknown list, bad directory)."""


class UpdateError(SupplyscreenError):
    """A list update failed; the previously active snapshot stays active."""


class UnknownEntityError(SupplyscreenError):
    """No entity has the given id or source id."""


class ResumeError(SupplyscreenError):
    """A checkpoint cannot be used for this input (the file or the options changed)."""
