"""Making cell values safe to open: formula-injection escaping for CSV and XLSX, Excel's cell limits.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=cmd|' /C calc'!A0``). Following the OWASP advice on
CSV injection, such a cell gets a leading single quote, which spreadsheets show as text. A plain
number (``-12.50``, ``+3``) is no formula and is left alone, so amounts stay amounts.

The rule is applied twice, and the two must agree cell for cell: the row path's ``escape_formula``
(with ``csv_cell`` and ``xlsx_text``) one cell at a time, and the columnar path's ``escaped_formulas``
(with ``escaped_columns``) on whole pyarrow columns, which finds the cells to escape from their first
byte. ``tests/screen/test_screen_columnar.py`` holds the second to the first; the Spark engine escapes in the
JVM from the same ``FORMULA_STARTS`` and ``PLAIN_NUMBER``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: The most characters Excel keeps in one cell.
EXCEL_CELL_LIMIT = 32_767
#: Appended to a cell cut to Excel's limit; the number of characters dropped is filled in.
TRUNCATION_MARKER = " … [truncated by supplyscreen: {dropped} more characters]"

#: A plain number (a cell starting with ``+`` or ``-`` that is one is no formula), unanchored.
PLAIN_NUMBER = r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)
# Control characters an XLSX file cannot hold (openpyxl refuses them), and lone surrogates (a JSON
# "\ud800" escape; no UTF-8 writer takes them); tab, LF and CR are allowed.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def needs_escape(text: str) -> bool:
    """Whether a text cell would be read as a formula by a spreadsheet."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def escape_formula(text: str) -> str:
    """The text with a leading ``'`` when a spreadsheet would otherwise run it as a formula."""
    return "'" + text if needs_escape(text) else text


def cell_text(value: Any) -> str:
    """Any input cell value as text: empty for None and NaN, JSON for lists and dicts, ISO for dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def csv_cell(value: Any) -> str:
    """A value as one safe CSV cell."""
    # Fast path for the common case (a text cell that starts with an ordinary character).
    if type(value) is str and (not value or value[0] not in _FORMULA_FIRST):
        return value
    return escape_formula(cell_text(value))


# The columnar path's twin of escape_formula, for whole pyarrow columns (see the module docstring).
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_STARTS]] = True


def _formula_first(column: pa.Array) -> np.ndarray:
    """Whether each cell of a string column starts with a formula character, read from the first
    byte of each cell in the column's buffers (in UTF-8 no other character's first byte is one of
    these ASCII ones); null and empty cells do not."""
    n = len(column)
    if not n or column.buffers()[1] is None:  # no cells (Arrow allows an empty offsets buffer then)
        return np.zeros(n, dtype=bool)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * column.offset)
    data = column.buffers()[2]
    starts, nonempty = offsets[:-1], offsets[1:] > offsets[:-1]
    first = np.zeros(n, dtype=np.uint8)
    if data is not None and nonempty.any():
        first[nonempty] = np.frombuffer(data, dtype=np.uint8)[starts[nonempty]]
    risky = _FORMULA_BYTES[first]
    if column.null_count:
        risky &= column.is_valid().to_numpy(zero_copy_only=False)
    return risky


def escaped_formulas(column: pa.Array) -> pa.Array:
    """Cells a spreadsheet would run as formulas, prefixed with ``'`` (plain numbers left alone)."""
    if not pa.types.is_string(column.type):
        return column
    risky = _formula_first(column)
    if not risky.any():
        return column
    plain = pc.fill_null(pc.match_substring_regex(column, f"^{PLAIN_NUMBER}$"), False)
    escape = pa.array(risky & ~plain.to_numpy(zero_copy_only=False))
    return pc.if_else(escape, pc.binary_join_element_wise("'", column, ""), column)


def escaped_columns(columns: Iterable[pa.Array]) -> list[pa.Array]:
    """``escaped_formulas`` of each column."""
    return [escaped_formulas(c) for c in columns]


def clip_for_excel(text: str, limit: int = EXCEL_CELL_LIMIT) -> tuple[str, bool]:
    """The text cut to Excel's cell limit, with a marker saying how much was dropped; and if cut."""
    if len(text) <= limit:
        return text, False
    keep = limit
    while True:
        marker = TRUNCATION_MARKER.format(dropped=len(text) - keep)
        if keep + len(marker) <= limit:
            return text[:keep] + marker, True
        keep = limit - len(marker)


def xlsx_text(text: str) -> str:
    """Text an XLSX file can hold: control characters replaced by U+FFFD, formula starts escaped."""
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("\ufffd", text)
    return escape_formula(text)


def excerpt(text: str, limit: int) -> str:
    """At most ``limit`` characters of a text, cut at a word boundary with an ellipsis when shortened."""
    text = " ".join(text.split()) if len(text) <= limit * 4 else " ".join(text[: limit * 4].split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + " …"
