"""`supplyscreen screen` on examples/purchase_orders.csv: expected flags row by row, and file contracts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE
from support.cli import run_cli
from support.results import jsonl_rows

from supplyscreen.screen.run import screen_file

# row → (risk, flag codes); reviewed by hand against the lists and docs/domain.md
EXPECTED = {
    1: ("high", {"covered_equipment"}),  # Dahua model number sold by an integrator, ESSER federal funds
    2: ("high", {"covered_equipment"}),  # Hikvision DS-2CD2143G0-I
    3: ("high", {"covered_equipment"}),  # EZVIZ kit (Hikvision brand)
    4: ("high", {"covered_equipment"}),  # HiLook recorder (Hikvision brand)
    5: ("high", {"restricted_party", "uflpa_entity", "xinjiang_location", "high_priority_sector"}),  # Hoshine
    6: ("high", {"xinjiang_location", "high_priority_sector"}),  # cotton trader in Aksu, on no list
    7: ("high", {"xinjiang_location", "high_priority_sector"}),  # Chinese-script Kashgar address
    8: ("clear", set()),  # Office Depot
    9: ("clear", set()),  # Dell
    10: ("clear", set()),  # Kashgar Restaurant, London: a business abroad named after a Xinjiang city
    11: ("clear", set()),  # Dahua Noodle House: a brand word in an unrelated business
    12: ("clear", {"high_priority_sector"}),  # Aksu Tekstil, Turkey: the homonym town
    13: ("high", {"restricted_party", "covered_equipment"}),  # Lorex before its sale on 2022-11-24
    14: ("clear", {"restricted_party"}),  # Lorex after the sale: an info flag says why it is not flagged
    15: ("clear", set()),  # Uniview: not a covered manufacturer
    16: ("clear", set()),  # Hami melons: produce named after a place
    17: ("high", {"covered_equipment"}),  # Hytera radios
    18: ("high", {"covered_equipment"}),  # Huawei router, federal broadband grant
    19: ("clear", {"high_priority_sector"}),  # cotton shirts from Bangladesh: information only
    20: ("high", {"restricted_party", "uflpa_entity", "xinjiang_location", "high_priority_sector"}),  # XPCC
    21: ("high", {"restricted_party"}),  # Denied Persons entry in Flushing NY
    22: ("high", {"restricted_party", "covered_equipment"}),  # Hikvision itself
    23: ("clear", {"high_priority_sector"}),  # wafers from Inner Mongolia: sector only
    24: ("clear", set()),  # office chairs
}


@pytest.fixture(scope="module")
def example_rows(screener_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    from supplyscreen import Screener

    out = tmp_path_factory.mktemp("example") / "po.jsonl"
    screen_file(Screener.open(screener_home), EXAMPLE, out)
    return {r["row"]: r for r in jsonl_rows(out)}


def test_a_hit_whose_listing_ended_before_the_order_is_no_silent_clear(example_rows: dict[int, dict]) -> None:
    """Lorex left Dahua on 2022-11-24; the 2023 order is clear, and its row says why."""
    (flag,) = example_rows[14]["flags"]
    assert flag["severity"] == "info" and "Lorex" in flag["evidence"]["caption"]
    assert "ended on 2022-11-24" in flag["reason"] and "not flagged" in flag["reason"]
    assert example_rows[14]["risk"] == "clear"


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_example_row_has_the_expected_risk_and_flags(example_rows: dict[int, dict], row: int) -> None:
    risk, codes = EXPECTED[row]
    got = example_rows[row]
    assert got["risk"] == risk, got["flags"]
    assert {f["code"] for f in got["flags"]} == codes


def test_federal_funds_are_named_in_the_covered_equipment_reason(example_rows: dict[int, dict]) -> None:
    reason = next(f["reason"] for f in example_rows[1]["flags"] if f["code"] == "covered_equipment")
    assert "s.889(b)" in reason or "889(b)" in reason
    assert "federal" in reason


def test_list_hit_evidence_has_program_basis_date_and_source(example_rows: dict[int, dict]) -> None:
    flag = next(f for f in example_rows[20]["flags"] if f["code"] == "restricted_party")
    sdn = next(m for m in flag["evidence"]["memberships"] if m["list"] == "us_ofac_sdn")
    assert sdn["program"] == "GLOMAG" and "13818" in sdn["legal_basis"]
    assert sdn["source_url"].startswith("https://")
    assert example_rows[20]["list_snapshot"].startswith("embedded-")


@pytest.mark.usefixtures("both_paths")
def test_default_output_is_beside_the_input_with_added_columns(
    screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    copy = tmp_path / "po.csv"
    shutil.copyfile(EXAMPLE, copy)
    code, out, err = run_cli(["screen", str(copy), "--home", str(screener_home)], capsys, monkeypatch)
    assert code == 0, err
    rows = list(csv.DictReader((tmp_path / "po.screened.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 24
    assert {"risk", "flags", "reasons", "top_match", "top_score", "lists", "list_snapshot"} <= set(rows[0])
    assert rows[0]["po_number"] == "PO-2020-0417"  # input columns kept
    assert rows[19]["top_match"] == "XINJIANG PRODUCTION AND CONSTRUCTION CORPS"
    assert "columns: id=po_number, name=vendor" in err
    assert "high" in out and "13" in out


@pytest.mark.usefixtures("both_paths")
def test_fail_on_high_exits_3(screener_home: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    code, _, _ = run_cli(
        [
            "screen",
            str(EXAMPLE),
            "--out",
            str(tmp_path / "x.csv"),
            "--fail-on",
            "high",
            "--home",
            str(screener_home),
        ],
        capsys,
        monkeypatch,
    )
    assert code == 3


def test_a_file_without_a_name_column_is_screened_by_the_detectors_and_says_no_name_was_matched(
    screener_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("foo,bar\n1,Hikvision DS-2CD2143G0-I camera\n", encoding="utf-8")
    code, _, err = run_cli(["screen", str(odd), "--home", str(screener_home)], capsys, monkeypatch)
    assert code == 0, err
    assert "No name column: no name was matched" in " ".join(err.split())
    (row,) = list(csv.DictReader((tmp_path / "odd.screened.csv").open(encoding="utf-8-sig")))
    assert row["risk"] == "high" and 'in the column "bar"' in row["reasons"]


def test_xlsx_html_and_jsonl_outputs(screener_home: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from supplyscreen import Screener

    screener = Screener.open(screener_home)
    screen_file(screener, EXAMPLE, tmp_path / "po.xlsx")
    book = load_workbook(tmp_path / "po.xlsx", read_only=True)
    assert {"Results", "Summary"} <= set(book.sheetnames)
    screen_file(screener, EXAMPLE, tmp_path / "po.html")
    html = (tmp_path / "po.html").read_text(encoding="utf-8")
    assert "<svg" in html and "UFLPA Entity List partial" in html and "2024-05-03" in html
    assert "cdn" not in html.lower()


def test_interrupted_run_resumes_without_losing_or_repeating_rows(
    screener_home: Path, tmp_path: Path
) -> None:
    from supplyscreen import Screener

    screener = Screener.open(screener_home)
    straight = tmp_path / "straight.jsonl"
    screen_file(screener, EXAMPLE, straight, chunk_rows=5)
    out = tmp_path / "resumed.jsonl"
    calls = {"n": 0}

    def stop_after_two_chunks(_: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        screen_file(screener, EXAMPLE, out, chunk_rows=5, on_rows=stop_after_two_chunks)
    assert not out.exists()
    outcome = screen_file(screener, EXAMPLE, out, chunk_rows=5, resume=True)
    assert outcome.resumed_rows == 10
    assert out.read_text(encoding="utf-8") == straight.read_text(encoding="utf-8")
    assert not (tmp_path / "resumed.jsonl.partial").exists()


def test_compare_to_marks_new_changed_unchanged_and_resolved(screener_home: Path, tmp_path: Path) -> None:
    from supplyscreen import Screener

    screener = Screener.open(screener_home)
    first = tmp_path / "first.csv"
    screen_file(screener, EXAMPLE, first)
    # the earlier screening saw rows 1-20 only, and row 9 (Dell) as high
    rows = list(csv.DictReader(first.open(encoding="utf-8-sig")))[:20]
    rows[8]["risk"], rows[8]["flags"] = "high", "restricted_party"
    rows[1]["risk"], rows[1]["flags"] = "clear", ""
    with (tmp_path / "earlier.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "again.jsonl"
    screen_file(screener, EXAMPLE, out, compare_to=tmp_path / "earlier.csv")
    change = {r["row"]: r["change"] for r in jsonl_rows(out)}
    assert change[9] == "resolved" and change[2] == "changed" and change[1] == "unchanged"
    assert change[21] == "new"


@pytest.mark.usefixtures("both_paths")
def test_formula_in_a_vendor_name_is_escaped_in_csv_output(screener_home: Path, tmp_path: Path) -> None:
    from supplyscreen import Screener

    src = tmp_path / "inj.csv"
    src.write_text(
        "vendor,description,amount\n\"=cmd|' /C calc'!A0\",cables,1\n@SUM(A1),paper,-12.50\n"
        '+1 555 0100,"\tcmd",+7\n\u00c9clair Ltd,-x,2\n',
        encoding="utf-8",
    )
    out = tmp_path / "inj.screened.csv"
    screen_file(Screener.open(screener_home), src, out)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows[0]["vendor"].startswith("'=") and rows[1]["vendor"].startswith("'@")
    assert rows[2]["vendor"] == "'+1 555 0100" and rows[2]["description"] == "'\tcmd"
    assert [r["amount"] for r in rows] == ["1", "-12.50", "+7", "2"]  # plain numbers stay numbers
    assert rows[3]["vendor"] == "\u00c9clair Ltd" and rows[3]["description"] == "'-x"


@pytest.mark.usefixtures("both_paths")
def test_malformed_rows_go_to_the_errors_file_and_the_rest_is_screened(
    screener_home: Path, tmp_path: Path
) -> None:
    from supplyscreen import Screener

    src = tmp_path / "messy.csv"
    src.write_text(
        'vendor,description\nHikvision,camera\n"a","b","c","d"\nOffice Depot,paper\n', encoding="utf-8"
    )
    out = tmp_path / "messy.screened.csv"
    outcome = screen_file(Screener.open(screener_home), src, out)
    assert outcome.errors_file is not None and outcome.errors_file.is_file()
    errors = list(csv.DictReader(outcome.errors_file.open(encoding="utf-8-sig")))
    assert errors and errors[0]["row"] == "2"
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["vendor"] for r in rows] == ["Hikvision", "Office Depot"]


def test_python_api_screens_dicts_and_files(screener: object, tmp_path: Path) -> None:
    results = list(
        screener.screen_records(
            [  # type: ignore[attr-defined]
                {
                    "name": "Valley Security",
                    "description": "Hikvision DS-2CD2143G0-I camera",
                    "date": "06/15/2021",
                },
                {"name": "Office Depot", "description": "copy paper"},
            ]
        )
    )
    assert [r.risk for r in results] == ["high", "clear"]
    assert results[0].record.date == "2021-06-15"
    outcome = screener.screen_file(EXAMPLE, out=tmp_path / "po.jsonl")  # type: ignore[attr-defined]
    assert outcome.summary.rows_total == 24 and outcome.summary.by_risk["high"] == 13


def test_the_html_report_lists_the_hit_checked_and_not_flagged_apart_from_the_sectors(
    screener_home: Path, tmp_path: Path
) -> None:
    from supplyscreen import Screener

    out = tmp_path / "po.html"
    screen_file(Screener.open(screener_home), EXAMPLE, out)
    html = out.read_text(encoding="utf-8")
    checked = html.split('<section id="checked">', 1)[1].split("</section>", 1)[0]
    assert "Hits checked and not flagged" in checked and "1 row" in checked
    assert "Lorex" in checked and "2022-11-24" in checked
    sectors = html.split('<section id="information">', 1)[1].split("</section>", 1)[0]
    assert "Lorex" not in sectors and "cotton" in sectors.lower()
