"""A pyarrow column's values as Python values, for both ways of reading a Parquet file.

Python's ``datetime`` ends at year 9999; Parquet dates and timestamps do not. ``to_pylist`` fails on
the first later value (``OverflowError``, ``ValueError``), so the row path and the columnar path
both read a column with ``column_values``: a value Python cannot hold is given as pyarrow writes it
as text (``10000-01-11``), and the two paths write the same cells.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]


def column_values(column: Any) -> list[Any]:
    """The column's values; a temporal value past Python's range as pyarrow's text of it."""
    try:
        return list(column.to_pylist())
    except (OverflowError, ValueError):
        if not pa.types.is_temporal(column.type):
            raise
    values: list[Any] = []
    for index in range(len(column)):
        cell = column.slice(index, 1)
        try:
            values.extend(cell.to_pylist())
        except (OverflowError, ValueError):
            values.append(pc.cast(cell, pa.string())[0].as_py())
    return values
