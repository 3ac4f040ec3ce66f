"""XLSX results: a Results sheet with numbers kept and formulas escaped, long cells cut, a Summary sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_report_rows import (
    COLUMNS,
    FORMULA_VENDOR,
    HEADER,
    SNAPSHOT,
    UFLPA_GAP,
    clean_row,
    huge_row,
    write_sample,
)

import supplyscreen.report.xlsx as xlsx_module
from supplyscreen.report import EXCEL_CELL_LIMIT, ReportContext, write_results


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("xlsx") / "po.screened.xlsx"
    summary = write_sample(out, error_count=2)
    assert summary.truncated_cells == 1 and summary.errors == 2 and summary.format == "xlsx"
    return openpyxl.load_workbook(out)


def _rows(sheet: Any) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_xlsx_has_a_results_sheet_and_a_summary_sheet(workbook: Any) -> None:
    assert workbook.sheetnames == ["Results", "Summary"]
    header = next(workbook["Results"].iter_rows(values_only=True))
    assert list(header) == HEADER
    assert workbook["Results"].freeze_panes == "A2"


def test_xlsx_results_keep_numbers_as_numbers_and_text_as_text(workbook: Any) -> None:
    rows = _rows(workbook["Results"])
    dahua, xinjiang = rows[0], rows[1]
    assert dahua["Amount"] == 48355 and isinstance(dahua["Amount"], int | float)
    assert dahua["top_score"] == 0.97
    assert (dahua["risk"], dahua["flags"]) == ("high", "covered_equipment;restricted_party")
    assert dahua["lists"] == "us_ndaa_889;us_fcc_covered;us_bis_entity_list"
    assert dahua["list_snapshot"] == SNAPSHOT
    assert xinjiang["Amount"] == 120_000  # the amount column holds the amount screening read
    assert dahua["HS Code"] == "8525.89" and xinjiang["PO Number"] == "PO-2024-0118"  # other text stays text
    assert xinjiang["Address"] == "阿克苏市纺织工业城, 新疆, China"
    assert xinjiang["top_score"] is None


def test_xlsx_escapes_formula_cells_so_none_is_a_formula(workbook: Any) -> None:
    sheet = workbook["Results"]
    assert sheet.cell(6, 2).value == "'" + FORMULA_VENDOR
    assert sheet.cell(6, 4).value == "'+SUM(A1:A9)"
    assert sheet.cell(6, 1).value == "-1200.50"  # a plain number in text is no formula: left as it is
    assert sheet.cell(6, 6).value == -1200.5
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_1mb_cell_is_cut_to_excels_limit_with_a_marker(workbook: Any) -> None:
    description = workbook["Results"].cell(7, 4).value
    assert len(description) == EXCEL_CELL_LIMIT
    assert description.startswith("Surveillance camera mounting brackets")
    assert description.endswith("… [truncated by supplyscreen: 967287 more characters]")
    kept = description.split(" … [truncated")[0]
    assert len(kept) + 967_287 == 1_000_000
    assert kept == huge_row().record.fields["Description"][: len(kept)]


def test_summary_sheet_gives_totals_lists_gaps_and_amounts(workbook: Any) -> None:
    rows = [tuple(v for v in row) for row in workbook["Summary"].iter_rows(values_only=True)]
    flat = [v for row in rows for v in row if v is not None]
    assert ("List snapshot", SNAPSHOT) == rows[3][:2]
    assert ("Rows screened", None, 7) in [r[:3] for r in rows]
    assert ("Risk high", None, 2) in [r[:3] for r in rows]
    assert ("Rows with errors (see the .errors.csv file)", None, 2) in [r[:3] for r in rows]
    assert "Cells cut to Excel's limit" in flat
    lists = {r[0]: r for r in rows if r[0] in ("us_fcc_covered", "curated_uflpa")}
    assert lists["us_fcc_covered"][1:5] == ("FCC Covered List", "2026-03-23", 9, "yes")
    assert lists["curated_uflpa"][2:4] == ("2025-01-15", 441)
    assert UFLPA_GAP in lists["curated_uflpa"][6] and "older than 30 days" in lists["curated_uflpa"][6]
    vendors = rows.index(("Amount at risk by vendor (top 20)", None, None, None, None, None, None))
    assert rows[vendors + 2][:4] == ("Aksu Huafu Textiles Co., Ltd.", "USD", 120000, 1)
    assert ("Springfield Public Schools", "USD", 48355, 1) in [r[:4] for r in rows]


def test_results_past_excels_row_limit_continue_on_a_second_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "EXCEL_MAX_ROWS", 3)
    results = [clean_row() for _ in range(5)]
    out = tmp_path / "many.xlsx"
    write_results(results, out, fmt=None, context=ReportContext(), columns=COLUMNS)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Results", "Results 2", "Results 3", "Summary"]
    assert [book[name].max_row for name in book.sheetnames[:3]] == [3, 3, 2]
    assert book["Results 2"].cell(1, 1).value == "PO Number"


def test_control_characters_do_not_break_the_workbook(tmp_path: Path) -> None:
    result = clean_row()
    result.record.fields["Vendor"] = "Acme\x00\x1b Ltd\x0b"
    out = tmp_path / "ctl.xlsx"
    write_results([result], out, fmt=None, context=ReportContext(), columns=COLUMNS)
    assert openpyxl.load_workbook(out)["Results"].cell(2, 2).value == "Acme\ufffd\ufffd Ltd\ufffd"
