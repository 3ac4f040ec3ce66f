"""Every output keeps the input's columns where its header says, whatever the header's blank cells.

A header with blank cells inside and at its end (whitespace-only too) and repeated names: each blank
cell becomes a column of its own (``column_N``), repeats are numbered, and the header and every row
of the output have the same number of cells, the added columns under their own headers, in every
format and on both paths (columnar and row by row).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.results import jsonl_rows
from support.tabular import write_csv

from supplyscreen.report import ADDED_COLUMNS
from supplyscreen.screen.run import screen_file

HEADER = ["Ref", "Vendor", "", "Vendor", "Item", "   ", "Notes", "", "", ""]
ROWS = [
    ["1", "Acme Office Supply", "x", "dup", "chairs", "y", "a note", "", "late", ""],
    ["2", "DJI", "", "", "drones", "", "", "t1", "t2", "t3"],
    ["3", "Lorem Ipsum LLC", "", "", "paper", "", "", "", "", "end"],
]
EXPECTED = [
    "Ref",
    "Vendor",
    "column_3",
    "Vendor_2",
    "Item",
    "column_6",
    "Notes",
    "column_8",
    "column_9",
    "column_10",
]


@pytest.fixture
def blank_headers(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "blank_headers.csv", HEADER, ROWS)


@pytest.mark.usefixtures("both_paths")
def test_csv_output_header_and_rows_have_one_width(  # type: ignore[no-untyped-def]
    screener, blank_headers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    screen_file(screener, blank_headers, out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == [*EXPECTED, *ADDED_COLUMNS]
    assert {len(row) for row in rows} == {len(header)}
    by_ref = {row[0]: row for row in rows}
    assert by_ref["2"][header.index("column_10")] == "t3"  # the trailing blank column's value is there
    assert by_ref["3"][header.index("column_10")] == "end"
    assert by_ref["2"][header.index("risk")] == "high"  # DJI: the added columns under their headers


def test_xlsx_output_header_and_rows_have_one_width(  # type: ignore[no-untyped-def]
    screener, blank_headers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.xlsx"
    screen_file(screener, blank_headers, out)
    sheet = load_workbook(out, read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    width = len([*EXPECTED, *ADDED_COLUMNS])
    assert header[:width] == [*EXPECTED, *ADDED_COLUMNS]
    assert all(cell is None for cell in header[width:])
    assert all(all(cell is None for cell in row[width:]) for row in rows)
    dji = next(row for row in rows if row[1] == "DJI")
    assert dji[header.index("column_10")] == "t3" and dji[header.index("risk")] == "high"


def test_jsonl_output_names_every_column(  # type: ignore[no-untyped-def]
    screener, blank_headers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(screener, blank_headers, out)
    records = jsonl_rows(out)
    assert len(records) == len(ROWS)
    for record in records:
        assert list(record["record"]) == EXPECTED, record
    dji = next(r for r in records if r["record"]["Vendor"] == "DJI")
    assert dji["record"]["column_10"] == "t3" and dji["risk"] == "high"


def test_html_report_lists_the_flagged_row_under_its_headers(  # type: ignore[no-untyped-def]
    screener, blank_headers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.html"
    screen_file(screener, blank_headers, out)
    html = out.read_text(encoding="utf-8")
    assert "DJI" in html and "drones" in html
