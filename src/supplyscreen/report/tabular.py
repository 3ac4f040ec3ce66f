"""Results as tables: every input column kept, the screening columns added; CSV, JSON lines, errors file.

CSV is written as UTF-8 with a byte-order mark by default: Excel (the tool most readers open a CSV
with) otherwise decodes it in the local ANSI code page and garbles Chinese names; every other reader
of this project, and Python's ``utf-8-sig``, skip the mark. Pass ``bom=False`` for plain UTF-8.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from supplyscreen.model import RowResult
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.columns import (
    added_columns,
    cells_of,
)
from supplyscreen.report.escape import csv_cell
from supplyscreen.report.summary import ReportAggregator

ERRORS_COLUMNS = ("row", "sheet", "column", "message")


class RowErrorLike(Protocol):
    """What `write_errors` reads of a skipped row (`supplyscreen.io.errors.RowError` has it)."""

    row: int
    column: str | None
    message: str
    sheet: str | None


def peek(results: Iterable[RowResult]) -> tuple[RowResult | None, Iterator[RowResult]]:
    """The first result (or None) and an iterator that still yields every result."""
    iterator = iter(results)
    first = next(iterator, None)
    return first, (chain((first,), iterator) if first is not None else iterator)


def input_columns(columns: Sequence[str], first: RowResult | None) -> list[str]:
    """The input columns to write back: as given, or the first record's fields when none are given."""
    if columns:
        return list(columns)
    return list(first.record.fields) if first is not None else []


def added_values(result: RowResult, with_change: bool) -> list[Any]:
    """The values of the added columns for one row (score as a number, None when empty)."""
    values: list[Any] = list(cells_of(result))
    if with_change:
        values.append(result.change or "")
    return values


def wants_change(first: RowResult | None, compare: bool) -> bool:
    """Whether to add the ``change`` column: in compare mode, or when the first row carries a change."""
    return compare or (first is not None and first.change is not None)


def write_csv(
    results: Iterable[RowResult],
    out: Path,
    columns: Sequence[str],
    aggregator: ReportAggregator,
    *,
    input_path: Path | None = None,
    compare: bool = False,
    bom: bool = True,
) -> None:
    """Stream results to a CSV file (atomically), counting each row in ``aggregator``."""
    first, rows = peek(results)
    cols = input_columns(columns, first)
    with_change = wants_change(first, compare)
    with atomic_output(out, input_path) as tmp:
        encoding = "utf-8-sig" if bom else "utf-8"
        with tmp.open("w", encoding=encoding, errors="replace", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_cell(c) for c in [*cols, *added_columns(cols, with_change)]])
            for result in rows:
                aggregator.add(result)
                fields = result.record.fields
                cells = [fields.get(c) for c in cols]
                cells += added_values(result, with_change)
                writer.writerow([csv_cell(v) for v in cells])


def write_jsonl(
    results: Iterable[RowResult],
    out: Path,
    aggregator: ReportAggregator,
    *,
    input_path: Path | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Stream results to a JSON-lines file (atomically), one ``RowResult.to_dict()`` per line, after
    a first line ``{"metadata": {...}}`` when ``metadata`` is given (see ``jsonl_metadata``): a reader
    tells it from the rows by its key (rows have ``row``)."""
    with atomic_output(out, input_path) as tmp:
        with tmp.open("w", encoding="utf-8", errors="replace", newline="\n") as handle:
            if metadata is not None:
                handle.write(json_line({METADATA_KEY: metadata}))
                handle.write("\n")
            for result in results:
                aggregator.add(result)
                handle.write(json_line(result.to_dict()))
                handle.write("\n")


#: The key of a JSONL output's first line, which describes the screening rather than a row.
METADATA_KEY = "metadata"


def is_metadata(row: dict[str, Any]) -> bool:
    """Whether a line of a JSONL output is its metadata record rather than a row."""
    return METADATA_KEY in row and "row" not in row


def json_line(obj: dict[str, Any]) -> str:
    """One compact JSON line; dates become ISO text, NaN and infinities become null."""
    try:
        return json.dumps(obj, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(obj), ensure_ascii=False, default=str)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def errors_path(out: Path) -> Path:
    """Where the skipped rows of a screening written to ``out`` go: ``<out stem>.errors.csv`` beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}.errors.csv")


def write_errors(
    errors: Iterable[RowErrorLike], out_path: Path, *, input_path: Path | None = None, bom: bool = True
) -> tuple[Path, int]:
    """Write skipped rows to `errors_path(out_path)` (columns row, sheet, column, message).

    Returns the errors file's path and the number of rows written; with no errors, no file is
    written (and the count is 0).
    """
    path = errors_path(out_path)
    iterator = iter(errors)
    first = next(iterator, None)
    if first is None:
        return path, 0
    count = 0
    with atomic_output(path, input_path) as tmp:
        with tmp.open("w", encoding="utf-8-sig" if bom else "utf-8", errors="replace", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(ERRORS_COLUMNS)
            for error in chain((first,), iterator):
                count += 1
                writer.writerow(
                    [error.row, csv_cell(error.sheet), csv_cell(error.column), csv_cell(error.message)]
                )
    return path, count
