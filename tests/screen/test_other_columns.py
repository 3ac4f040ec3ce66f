"""Every text cell is read (issue 15, point 1): the detectors read the columns without a role too, and
a flag found there names its column; name matching stays on the name column; with no name column the
detectors still run and the screening says loudly that no name was matched."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES
from support.cli import run_cli
from support.results import jsonl_records

from supplyscreen.io import read_records
from supplyscreen.screen.run import NO_NAME_NOTE, screen_file

ISSUE = FIXTURES / "issue15"

XLSX_HEADERS = ["Ref", "Supplier", "Supplier location", "Item", "Total", "Cur", "Paid from", "Invoice date"]
XLSX_ROWS = [
    ["INV-1", "Tuanjie Cotton Trading", "No. 5 Tuanjie Rd, Aksu, Xinjiang", "Raw cotton, 20 bales", 1200,
     "USD", "ESSER III federal grant", "2024-03-01"],
    ["INV-2", "Bright Systems LLC", "Austin, TX", "DS-2CD2143G0-I dome camera", 480, "USD",
     "ESSER III federal grant", "2024-03-02"],
    ["INV-3", "Office Depot", "Phoenix, AZ", "Copy paper", 50, "USD", "General fund", "2024-03-02"],
]  # fmt: skip


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def invoices_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "invoices.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(XLSX_HEADERS)
    for row in XLSX_ROWS:
        sheet.append(row)
    book.save(path)
    return path


def test_models_brands_and_places_in_columns_without_a_role_are_flagged_naming_the_column(
    screener, tmp_path: Path, both_paths: str
) -> None:
    out = tmp_path / "out.csv"
    screen_file(screener, ISSUE / "what_we_bought.csv", out)
    rows = {r["Supplier"]: r for r in _rows(out)}
    names = ("Acme Security Integrators", "Bright Systems LLC", "Tuanjie Textiles")
    camera, nvr, aksu = (rows[n] for n in names)
    assert camera["risk"] == nvr["risk"] == aksu["risk"] == "high"
    assert camera["flags"] == nvr["flags"] == "covered_equipment"
    assert 'DS-2CD2143G0-I in the column "What we bought"' in camera["reasons"]
    assert 'brand Hikvision in the column "What we bought"' in nvr["reasons"]
    assert "xinjiang_location" in aksu["flags"].split(";")
    assert 'named in the column "Location" ("Aksu")' in aksu["reasons"]
    assert rows["Office Depot"]["risk"] == "clear"
    # name matching stays on the name column: no name hit comes from a column without a role
    assert all(r["top_match"] == "" for r in rows.values())


def test_the_evidence_of_a_flag_found_in_a_column_without_a_role_names_the_column(
    screener, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    screen_file(screener, ISSUE / "what_we_bought.csv", out)
    meta, *rows = jsonl_records(out)
    flags = {r["record"]["Supplier"]: r["flags"] for r in rows}
    camera = flags["Acme Security Integrators"][0]["evidence"]
    where = (camera["field"], camera["column"], camera["text"])
    assert where == ("column", "What we bought", "DS-2CD2143G0-I")
    place = next(f for f in flags["Tuanjie Textiles"] if f["code"] == "xinjiang_location")["evidence"]
    assert (place["field"], place["column"]) == ("column", "Location")
    # the first record says how each column was read
    assert set(meta) == {"metadata"}
    roles = {c["column"]: c["role"] for c in meta["metadata"]["columns"]}
    assert roles == {
        "Supplier": "name",
        "What we bought": "read by detectors only",
        "Location": "read by detectors only",
        "Ctry": "country",
    }
    assert meta["metadata"]["list_snapshot"] == screener.snapshot_version


def test_the_issues_spreadsheet_flags_the_aksu_supplier_and_the_camera_paid_with_federal_funds(
    screener, tmp_path: Path, invoices_xlsx: Path
) -> None:
    out = tmp_path / "out.jsonl"
    outcome = screen_file(screener, invoices_xlsx, out)
    assert outcome.mapping["funding"] == "Paid from"
    _, *rows = jsonl_records(out)
    by_ref = {r["record"]["Ref"]: r for r in rows}
    assert by_ref["INV-1"]["risk"] == "high"
    assert "xinjiang_location" in {f["code"] for f in by_ref["INV-1"]["flags"]}
    camera = by_ref["INV-2"]["flags"][0]
    assert by_ref["INV-2"]["risk"] == "high" and camera["code"] == "covered_equipment"
    assert camera["evidence"]["federal_funding"] is True
    assert "ESSER III federal grant" in camera["reason"]
    assert by_ref["INV-3"]["risk"] == "clear"


def test_without_a_name_column_the_detectors_still_run_and_the_cli_says_no_name_was_matched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    code, _, err = run_cli(["screen", str(ISSUE / "no_name.csv"), "--out", str(out)], capsys, monkeypatch)
    assert code == 0, err
    assert "No name column: no name was matched against the lists" in " ".join(err.split())
    rows = _rows(out)
    assert [r["risk"] for r in rows] == ["high", "clear", "high"]
    assert "DS-2CD2143G0-I in the description" in rows[0]["reasons"]  # "Item" is the description
    assert 'named in the column "Where"' in rows[2]["reasons"]
    html = tmp_path / "out.html"
    code, _, err = run_cli(["screen", str(ISSUE / "no_name.csv"), "--out", str(html)], capsys, monkeypatch)
    assert code == 0, err
    assert "No name column: no name was matched" in html.read_text(encoding="utf-8")


def test_federal_money_in_a_note_counts_only_when_the_note_names_it_unambiguously(
    screener, tmp_path: Path, both_paths: str
) -> None:
    source = tmp_path / "notes.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["vendor", "item", "note"])
        out.writerow(["Acme", "Hikvision DS-2CD2143G0-I camera", "paid with federal funds (ESSER III)"])
        out.writerow(["Acme", "Hikvision DS-2CD2143G0-I camera", "good idea; the cops asked for it"])
        out.writerow(["Acme", "Hikvision DS-2CD2143G0-I camera", "84.425"])  # a number: no text to read
    screened = tmp_path / "notes.out.csv"
    screen_file(screener, source, screened)
    reasons = [r["reasons"] for r in _rows(screened)]
    assert "paid with federal funds (ESSER III)" in reasons[0]
    assert "federal" not in reasons[1].split("federal grant or loan funds")[1]
    assert "84.425" not in reasons[2]


def test_records_carry_the_text_of_their_columns_without_a_role(tmp_path: Path) -> None:
    stream = read_records(ISSUE / "no_name.csv")
    assert stream.mapping == {"description": "Item"} and stream.others == ["Notes", "Where"]
    first, second, third = list(stream)
    assert first.others == (("Notes", "installed at bus depot"), ("Where", "Dallas"))
    assert third.others == (("Notes", "good idea to reorder"), ("Where", "Aksu, Xinjiang"))
    assert NO_NAME_NOTE.startswith("No name column")
