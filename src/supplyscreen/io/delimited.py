"""CSV and TSV files of any delimiter and encoding, read lazily row by row, damaged rows set aside.

A row with more values than the header (an unquoted delimiter inside a name, most often) is skipped
and reported; a row with fewer is padded, as spreadsheet exports drop trailing empty cells. An
unterminated quote would swallow the rest of the file: that row is reported and reading resumes on
the line after the one where it began.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TextIO

from supplyscreen.io.encoding import REPLACEMENT_COUNT, open_text, replacements
from supplyscreen.io.errors import InputError, RowError
from supplyscreen.io.limits import MAX_HEADER_RECORD_CHARS, check_columns

DELIMITERS = (",", ";", "\t", "|")
#: Give up resuming after this many unterminated quotes (each one costs a re-read of the file).
MAX_RESUMES = 100

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def sniff_delimiter(text: str, complete: bool = True) -> str:
    """The delimiter among `DELIMITERS` that splits the header of `text` and its rows most consistently."""
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    sample = "".join(lines[:200])
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def header_names(cells: list[object], *, keep_trailing: bool = True) -> list[str]:
    """Column names from header cells: blanks (whitespace only too) named column_N, repeats numbered.

    Trailing blank cells are kept as columns of their own: a data row that fills them must not
    outgrow its header (the output would show its values beyond the header, a silent misreading). A
    sheet pads its rows to its widest row, so ``keep_trailing=False`` drops them there; values a
    sheet holds beyond its header are kept another way (``sheets.sheet_rows``).
    """
    texts = ["" if cell is None else str(cell).strip() for cell in cells]
    while texts and not texts[-1] and not keep_trailing:
        texts.pop()
    names: list[str] = []
    seen: set[str] = set()
    # the next suffix to try for each repeated name: the ones below it are taken, and stay taken,
    # so a header repeating one name n times costs n steps, not n²/2
    next_suffix: dict[str, int] = {}
    for index, text in enumerate(texts, start=1):
        name = text or f"column_{index}"
        candidate = name
        if candidate in seen:
            suffix = next_suffix.get(name, 2)
            candidate = f"{name}_{suffix}"
            while candidate in seen:
                suffix += 1
                candidate = f"{name}_{suffix}"
            next_suffix[name] = suffix + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _header_lines(path: Path, handle: TextIO) -> Iterator[str]:
    """The file's lines while its header is looked for: InputError once they run past
    ``MAX_HEADER_RECORD_CHARS``, before a huge header is held whole or split into cells."""
    used = 0
    while True:
        line = handle.readline(MAX_HEADER_RECORD_CHARS - used + 1)
        if not line:
            return
        used += len(line)
        if used > MAX_HEADER_RECORD_CHARS:
            raise InputError(
                path,
                f"the header runs past {MAX_HEADER_RECORD_CHARS:,} characters: is the delimiter right, "
                "or is the file one line?",
                row=0,
            )
        yield line


@dataclass(slots=True)
class DelimitedFile:
    """A delimited text file whose encoding, delimiter and header are known; `rows()` streams the data."""

    path: Path
    encoding: str
    delimiter: str
    columns: list[str]
    header_records: int  # records read up to and including the header (blank leading rows too)

    @classmethod
    def open(
        cls, path: Path, encoding: str, delimiter: str | None, sample: bytes, complete: bool
    ) -> DelimitedFile:
        """Read the header of `path`; sniff the delimiter from `sample` unless given."""
        if delimiter is None:
            text = codecs.getincrementaldecoder(encoding)("replace").decode(sample[:65536], complete)
            delimiter = sniff_delimiter(text.lstrip("\ufeff"), complete and len(sample) <= 65536)
        with open_text(path, encoding) as handle:
            reader = csv.reader(_header_lines(path, handle), delimiter=delimiter)
            consumed = 0
            try:
                for cells in reader:
                    consumed += 1
                    if consumed == 1 and cells:
                        cells[0] = cells[0].lstrip("\ufeff")  # a BOM left by an explicit "utf-8"
                    if any(cell.strip() for cell in cells):
                        check_columns(path, len(cells))
                        return cls(path, encoding, delimiter, header_names(list(cells)), consumed)
            except csv.Error as exc:
                raise InputError(path, f"cannot read the header: {exc}", row=0) from exc
        raise InputError(path, "the file is empty: no header row")

    def rows(self, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
        """(data row number, values padded to the header's width) for each readable data row."""
        resume_line, row, resumes = 0, 0, 0
        while True:
            replaced_before = replacements()
            with open_text(self.path, self.encoding) as handle:
                lines = islice(handle, resume_line, None)
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                if resume_line == 0:
                    try:  # the header was read leniently: strict, it may not parse (an open quote)
                        for _ in islice(reader, self.header_records):
                            pass
                    except csv.Error as exc:
                        raise InputError(self.path, f"cannot read the header: {exc}", row=0) from exc
                reading = _RowReader(self, reader, errors, (row, resume_line, replaced_before))
                yield from reading
            if reading.resume_line is None:
                return
            resumes += 1
            if resumes > MAX_RESUMES:
                raise InputError(
                    self.path, f"more than {MAX_RESUMES} unterminated quotes; is the delimiter right?"
                )
            resume_line, row = reading.resume_line, reading.row


class _RowReader:
    """One pass of `DelimitedFile.rows` over an open reader; stops at the end or an unterminated quote."""

    def __init__(
        self,
        table: DelimitedFile,
        reader: _csv.Reader,
        errors: list[RowError],
        start: tuple[int, int, int],
    ) -> None:
        self.table, self.reader, self.errors = table, reader, errors
        self.row, self.line_offset, self._seen_replacements = start  # rows and lines before, U+FFFD count
        self.resume_line: int | None = None
        self._pending_replacements = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.table.columns)
        reader, replaced = self.reader, REPLACEMENT_COUNT  # locals: this loop runs once per row
        while True:
            line_before = reader.line_num
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.row += 1
                if self._unterminated(exc, self.line_offset + line_before + 1):
                    return
                continue
            self.row += 1
            if len(values) != width:
                checked = self._fit(values, width, self.line_offset + line_before + 1)
                if checked is None:
                    continue
                values = checked
            if not any(values):
                continue
            if replaced[0] != self._seen_replacements or self._pending_replacements:
                self._note_replacements(values)
            yield self.row, values

    def _unterminated(self, exc: csv.Error, first_line: int) -> bool:
        last_line = self.line_offset + self.reader.line_num
        if "end of data" in str(exc):
            self._error(f"unterminated quote starting on line {first_line}; row skipped")
            self.resume_line = first_line
            return True
        lines = f"line {first_line}" if last_line <= first_line else f"lines {first_line}-{last_line}"
        self._error(f"malformed CSV on {lines}: {exc}; row skipped")
        return False

    def _fit(self, values: list[str], width: int, first_line: int) -> list[str] | None:
        if len(values) < width:
            return values + [""] * (width - len(values)) if values else values
        if any(value.strip() for value in values[width:]):
            self._error(
                f"{len(values)} values where the header has {width} (line {first_line}; "
                "an unquoted delimiter inside a value?); row skipped"
            )
            return None
        return values[:width]

    def _note_replacements(self, values: list[str]) -> None:
        now = replacements()
        self._pending_replacements += now - self._seen_replacements
        self._seen_replacements = now
        for column, value in zip(self.table.columns, values, strict=False):
            found = value.count("\ufffd")
            if found:
                self._pending_replacements = max(0, self._pending_replacements - found)
                self._error(
                    f"bytes that are not valid {self.table.encoding} were replaced by U+FFFD; row kept",
                    column,
                )
                return

    def _error(self, message: str, column: str | None = None) -> None:
        self.errors.append(RowError(self.row, column, message, str(self.table.path)))
