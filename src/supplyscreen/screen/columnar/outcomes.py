"""What the columnar path makes of a row's result: the flags of each part by severity, and the
distinct results (outcomes) that rows share, with their output cells and what the totals count.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

from supplyscreen.model import SEVERITIES, Flag, Hit, Record, RowResult
from supplyscreen.report.columns import top_match
from supplyscreen.report.summary import flag_lists
from supplyscreen.screen.policy import row_risk


class _Outcome(NamedTuple):
    """One distinct row result, shared by rows: its output cells and what the totals count; ``key``
    (its parts' ids + 1) and ``row`` (its first row) make its RowResult when one is needed."""

    risk: str
    values: list[Any]  # the added columns' cells
    codes: tuple[str, ...]  # its flags' codes, each once
    lists: tuple[str, ...]  # the list codes of its restricted_party flags (see flag_lists)
    key: tuple[int, ...]  # the name's part, then each detector's, in registry order
    row: int


class _Segment(NamedTuple):
    """A part's flags of one severity: its index in SEVERITIES, the codes (in flag order), the
    reasons joined as a row's cell joins them, and the distinct codes with their cell."""

    level: int
    codes: tuple[str, ...]
    reasons: str
    distinct: tuple[str, ...]
    cell: str


class _Part(NamedTuple):
    """What a row result takes of one part (the name's flags and hits, one detector's flags): its
    flags by severity, most severe first (as ``RecordScreener.assemble`` orders a row's flags, the
    parts' order kept within a severity) and, for the name's part, what its hits give."""

    segments: tuple[_Segment, ...]
    listed: bool  # it holds restricted_party flags
    top: tuple[str, float | None] = ("", None)  # the name's part: top_match
    lists: tuple[str, ...] = ()  # the name's part: flag_lists

    @classmethod
    def of(cls, flags: list[Flag], hits: list[Hit] | None, snapshot: str) -> _Part:
        levels: list[list[Flag]] = [[] for _ in SEVERITIES]
        for f in flags:
            levels[SEVERITIES.index(f.severity)].append(f)
        segments = []
        for i, level in enumerate(levels):
            if level:
                codes = tuple(f.code for f in level)
                distinct = tuple(dict.fromkeys(codes))
                segments.append(
                    _Segment(i, codes, " | ".join(f.reason for f in level), distinct, ";".join(distinct))
                )
        part = cls(tuple(segments), any(f.code == "restricted_party" for f in flags))
        if hits is None:
            return part
        alone = RowResult(
            0, Record(0), row_risk(flags), [f for level in levels for f in level], hits, snapshot
        )
        return part._replace(top=top_match(alone), lists=tuple(flag_lists(alone)))


_NO_PART = _Part((), False)
_LEVEL = operator.attrgetter("level")
