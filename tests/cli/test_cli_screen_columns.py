"""What `supplyscreen screen` says of the input's columns: what each was read as, the columns read by
the detectors only (issue 15: a spreadsheet whose headers are not the README's)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.cli import run_cli

from supplyscreen.io.columns import detect_mapping

HEADERS = [
    "Ref",
    "Supplier",
    "Supplier location",
    "Item",
    "Total",
    "Cur",
    "Paid from",
    "Invoice date",
    "Note",
]


def test_common_headers_of_a_procurement_spreadsheet_are_recognised() -> None:
    assert detect_mapping(HEADERS) == {
        "id": "Ref",
        "name": "Supplier",
        "address": "Supplier location",
        "description": "Item",
        "amount": "Total",
        "currency": "Cur",
        "funding": "Paid from",
        "date": "Invoice date",
    }
    assert detect_mapping(["Vendor", "Ctry"])["country"] == "Ctry"


def test_the_cli_names_each_column_with_its_role_and_flags_the_aksu_supplier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "invoices.csv"
    with source.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        out.writerow(
            ["1", "Tianshan Cotton Trading", "No. 5 Tuanjie Rd, Aksu, Xinjiang", "raw cotton", "1200", "USD",
             "Federal grant", "2024-03-01", "urgent"]
        )  # fmt: skip
        out.writerow(
            ["2", "Office Depot", "Phoenix, AZ", "paper", "50", "USD", "General fund", "2024-03-02", ""]
        )
    screened = tmp_path / "invoices.screened.csv"
    code, _, err = run_cli(["screen", str(source), "--out", str(screened)], capsys, monkeypatch)
    assert code == 0, err
    assert "address=Supplier location" in err and "funding=Paid from" in err
    lines = [line.split() for line in err.splitlines() if line.startswith("  ")]
    roles = {words[0]: " ".join(words[1:]) for words in lines if words}
    assert roles["Note"] == "read by detectors only"
    assert roles["Ref"] == "id" and roles["Total"] == "amount"
    rows = {r["Supplier"]: r for r in csv.DictReader(screened.open(encoding="utf-8"))}
    assert rows["Tianshan Cotton Trading"]["risk"] == "high"
    assert "xinjiang_location" in rows["Tianshan Cotton Trading"]["flags"]
    assert rows["Office Depot"]["risk"] == "clear"


def test_the_html_report_names_each_column_with_its_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "invoices.csv"
    source.write_text(
        ",".join(HEADERS) + "\n1,Office Depot,Phoenix AZ,paper,50,USD,General fund,2024-03-02,call first\n",
        encoding="utf-8",
    )
    report = tmp_path / "invoices.html"
    code, _, err = run_cli(["screen", str(source), "--out", str(report)], capsys, monkeypatch)
    assert code == 0, err
    html = report.read_text(encoding="utf-8")
    assert "<dt>Columns</dt>" in html and "Paid from: funding" in html
    assert "Note: read by detectors only" in html


def test_amounts_without_a_currency_column_say_no_currency_is_assumed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "payments.csv"
    source.write_text("vendor,total,item\nAcme Paper,100,paper\n", encoding="utf-8")
    report = tmp_path / "payments.html"
    code, _, err = run_cli(["screen", str(source), "--out", str(report)], capsys, monkeypatch)
    assert code == 0, err
    assert "No currency column" in err and "'total'" in err
    assert "No currency column: the amounts of &#x27;total&#x27;" in report.read_text(encoding="utf-8")
    with_currency = tmp_path / "eur.csv"
    with_currency.write_text("vendor,total,currency\nAcme Paper,100,EUR\n", encoding="utf-8")
    code, _, err = run_cli(
        ["screen", str(with_currency), "--out", str(tmp_path / "eur.html")], capsys, monkeypatch
    )
    assert code == 0 and "No currency column" not in err
