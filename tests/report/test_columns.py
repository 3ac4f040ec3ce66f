"""report/columns.py: the added cells are one named record, the same for every way of screening."""

from __future__ import annotations

from supplyscreen.model import Flag, Hit, Record, RowResult
from supplyscreen.report.columns import (
    ADDED_COLUMNS,
    SCORE_COLUMN,
    AddedCells,
    added_columns,
    cells_of,
    clear_cells,
)
from supplyscreen.report.tabular import added_values


def _hit(score: float, match: bool) -> Hit:
    return Hit(
        entity_id="us_trade_csl:1",
        caption="Zhejiang Dahua Technology Co., Ltd.",
        schema="Organization",
        names=["Zhejiang Dahua Technology Co., Ltd."],
        source_ids=["us_trade_csl:1"],
        lists=["us_bis_entity_list"],
        score=score,
        match=match,
        review=True,
        matched_name="Zhejiang Dahua Technology Co., Ltd.",
        explanation="",
    )


def test_the_columns_are_the_records_fields_in_order() -> None:
    assert ADDED_COLUMNS == ("risk", "flags", "reasons", "top_match", "top_score", "lists", "list_snapshot")
    assert ADDED_COLUMNS[SCORE_COLUMN] == "top_score"
    assert added_columns(["vendor", "risk"], with_change=True) == [
        "supplyscreen_risk",
        *ADDED_COLUMNS[1:],
        "change",
    ]


def test_a_clear_row_and_a_flagged_row() -> None:
    assert clear_cells("v1") == AddedCells("clear", "", "", "", None, "", "v1")
    flag = Flag("restricted_party", "high", "is Dahua", {"lists": ["us_bis_entity_list"]})
    result = RowResult(3, Record(3, name="Dahua"), "high", [flag], [_hit(0.912345, True)], "v1")
    cells = cells_of(result)
    assert (cells.risk, cells.flags, cells.reasons) == ("high", "restricted_party", "is Dahua")
    assert (cells.top_match, cells.top_score, cells.list_snapshot) == (
        "Zhejiang Dahua Technology Co., Ltd.",
        0.9123,
        "v1",
    )
    result.change = "new"
    assert added_values(result, with_change=True) == [*cells, "new"]
