"""What a user file may hold at most: columns, JSON nesting, digits in a JSON number, header length.

A hostile or broken file must give a clear error naming it, never a hang or a traceback. These are
the limits behind those errors (README.md, "Screening a file", says them in words):

* ``MAX_COLUMNS``: Excel's own limit of 16,384 columns a sheet, for every input format;
* ``MAX_JSON_DEPTH``: JSON values nested deeper are refused (Python's parser and the writers of the
  outputs recurse once a level);
* Python's limit on the digits of an integer (``sys.get_int_max_str_digits``, 4,300 unless changed):
  a JSON number with more digits is refused;
* ``MAX_HEADER_CHARS``: a header cell longer than this is a column name, never a known header
  (spelling matching stops there);
* ``MAX_HEADER_RECORD_CHARS``: a CSV or TSV whose header (with any blank lines before it) runs longer
  is refused before it is split into cells (a 264 MB header of one word repeated took 2 GB).

A cell may be as long as the memory allows (CSV cells up to 2 GB): reading is linear in it.
"""

from __future__ import annotations

import sys

from supplyscreen.io.errors import InputError

#: The most columns a file may have (Excel's limit, XFD).
MAX_COLUMNS = 16_384
#: The deepest nesting of arrays and objects accepted in a JSON value.
MAX_JSON_DEPTH = 200
#: Header cells longer than this are not compared with the known header spellings.
MAX_HEADER_CHARS = 1_000
#: The most characters a delimited file's header may take (16,384 columns of 120 characters).
MAX_HEADER_RECORD_CHARS = 2_000_000


def check_columns(path: object, count: int, *, sheet: str | None = None) -> None:
    """Raise InputError when a header of ``count`` columns is wider than ``MAX_COLUMNS``."""
    if count > MAX_COLUMNS:
        raise InputError(
            path,
            f"{count:,} columns: more than the {MAX_COLUMNS:,} a file may have; "
            "is the delimiter right, or the header repeated?",
            sheet=sheet,
        )


def max_digits() -> int:
    """The most digits a JSON integer may have (Python's limit; 0 means no limit)."""
    getter = getattr(sys, "get_int_max_str_digits", None)
    return int(getter()) if getter is not None else 0


def json_depth_exceeded(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether the JSON text ``text[start:end]`` may nest deeper than ``MAX_JSON_DEPTH`` (a quick
    count of its brackets: False is sure, True is checked on the value by ``too_deep``)."""
    stop = len(text) if end is None else end
    return text.count("[", start, stop) + text.count("{", start, stop) > MAX_JSON_DEPTH


def too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a decoded JSON value nests arrays and objects more than ``limit`` levels deep."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_value_error(exc: BaseException) -> str | None:
    """The plain words for an error of Python's JSON parser that is not a syntax error: nesting too
    deep (RecursionError) or an integer of too many digits (ValueError); None for any other."""
    if isinstance(exc, RecursionError):
        return depth_message()
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return f"a JSON number of more than {max_digits():,} digits"
    return None


def depth_message() -> str:
    """What is said of a JSON value nested deeper than ``MAX_JSON_DEPTH``."""
    return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
