"""The cells a screening adds to each row, as one named record.

Every way of screening a file writes the same added columns, in the same order, after the input's
own: the row path (``report/tabular.py``, ``report/xlsx.py``), the columnar path
(``screen/columnar/``), the Spark engine (``screen/engines/spark.py``) and the command line that
reads a Spark output back (``cli/spark.py``). They all build and read them through
:class:`AddedCells`, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from supplyscreen.model import RowResult
from supplyscreen.report.summary import flag_lists


class AddedCells(NamedTuple):
    """One row's added cells (``change`` is written after them when comparing)."""

    risk: str  # high, review or clear
    flags: str  # the flag codes, ;-separated
    reasons: str  # the flags' reasons, |-separated
    top_match: str  # the top hit's caption, when it is a match or review-level hit
    top_score: float | None  # its score, a number (the only cell that is not text)
    lists: str  # the list codes of the row's restricted_party flags, ;-separated
    list_snapshot: str  # the list version screened against


#: The added columns, in order.
ADDED_COLUMNS: tuple[str, ...] = AddedCells._fields
#: The position of the one added column that holds a number.
SCORE_COLUMN = ADDED_COLUMNS.index("top_score")
#: Written after the added columns when a screening is compared with an earlier one.
CHANGE_COLUMN = "change"
#: Prefix of an added column whose name the input already uses (a screened file screened again).
CLASH_PREFIX = "supplyscreen_"


def added_columns(columns: Sequence[str], with_change: bool) -> list[str]:
    """Names of the added columns, prefixed with ``supplyscreen_`` where the input already has the name."""
    taken = set(columns)
    names = [*ADDED_COLUMNS, CHANGE_COLUMN] if with_change else list(ADDED_COLUMNS)
    return [CLASH_PREFIX + name if name in taken else name for name in names]


def top_match(result: RowResult) -> tuple[str, float | None]:
    """Caption and score of the row's top hit when it is a match or review-level hit, else ``("", None)``."""
    hit = result.top_hit
    if hit is None or not (hit.match or hit.review):
        return "", None
    return hit.caption, round(hit.score, 4)


def clear_cells(snapshot: str, risk: str = "clear") -> AddedCells:
    """The cells of a row with nothing to say (most rows of a purchase file)."""
    return AddedCells(risk, "", "", "", None, "", snapshot)


def cells_of(result: RowResult) -> AddedCells:
    """The added cells of one row result."""
    if not result.flags and not result.hits:  # most rows of a purchase file: nothing to say
        return clear_cells(result.list_snapshot, result.risk)
    caption, score = top_match(result)
    return AddedCells(
        result.risk,
        ";".join(result.flag_codes),
        " | ".join(f.reason for f in result.flags),
        caption,
        score,
        ";".join(flag_lists(result)),
        result.list_snapshot,
    )
