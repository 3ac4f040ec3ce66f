"""`supplyscreen network` and its JSONL, CSV and HTML reports."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
import typer
from conftest import FIXTURES
from typer.testing import CliRunner

from supplyscreen.cli import network as cli_network
from supplyscreen.errors import SupplyscreenError
from supplyscreen.io import InputError
from supplyscreen.network import NetworkResult, screen_network, write_report

NETWORK = FIXTURES / "network"


@pytest.fixture(scope="module")
def result(screener) -> NetworkResult:  # type: ignore[no-untyped-def]
    return screen_network(
        NETWORK / "suppliers.csv", [NETWORK / "edges.csv"], screener, as_of=date(2026, 11, 26)
    )


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    cli_network.register(app)
    return app


def test_jsonl_has_one_line_per_supplier_with_paths_and_edge_evidence(
    result: NetworkResult, tmp_path: Path
) -> None:
    out = tmp_path / "report.jsonl"
    assert write_report(result, out) == "jsonl"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 14
    evergreen = lines[3]
    assert {"supplier", "flags", "paths", "evidence"} <= set(evergreen)
    assert evergreen["supplier"] == "Evergreen Apparel Inc."
    assert evergreen["flags"] == ["xinjiang_location"]
    assert evergreen["paths"][0][-1] == "No. 8 Textile Road, Aksu, Xinjiang, China"
    assert evergreen["evidence"][0][1] == {
        "from": "Jiangsu Garment Works Co. Ltd.",
        "to": "Golden Thread Spinning Mill",
        "relation": "supplies",
        "share": None,
        "product": "combed cotton yarn, HS 5205",
        "source": "edges.csv row 9",
    }
    assert lines[2] == {**lines[2], "supplier": "Bluewater Energy Imports Inc.", "flags": [], "paths": []}


def test_csv_is_one_row_per_path(result: NetworkResult, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    write_report(result, out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 14  # 9 exposed suppliers' 9 paths + 5 other suppliers' empty rows
    (harbor,) = [r for r in rows if r["supplier"] == "Harbor Star Holdings Ltd."]
    # owned by listed parties through the 50% rule: the company itself is the finding (no path
    # runs through a stake)
    assert (harbor["path"], harbor["tiers"], harbor["flags"]) == (
        "Harbor Star Holdings Ltd.",
        "0",
        "owned_by_listed",
    )
    (lagoon,) = [r for r in rows if r["supplier"] == "Lagoon Trading Co."]
    assert lagoon["flags"] == "" and "45% owned by listed parties" in lagoon["information"]
    clean = next(r for r in rows if r["supplier"] == "Northstar Optics Ltd.")
    assert (clean["path"], clean["flags"], clean["tiers"]) == ("", "", "")


def test_html_draws_each_path_as_inline_svg_offline(result: NetworkResult, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(result, out)
    html = out.read_text(encoding="utf-8")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 9 + 3  # 9 paths; owners of 3 companies
    assert "below the 50% threshold of the OFAC 50 Percent Rule: information, not a flag" in html
    assert ".graph svg{max-width:100%;height:auto}" in html and "@media print" in html
    assert "<script" not in html and not re.search(r"(src|href)=\"https?://[^\"]*\.(js|css)", html)
    assert 'aria-label="Evergreen Apparel Inc. → Jiangsu Garment Works Co. Ltd. → Golden Thread' in html
    assert "combed cotton yarn, HS 5205" in html  # edge evidence
    assert "owns 30%" in html  # ownership drawing
    assert "BIS Affiliates Rule" in html and "suspension ended 2026-11-09" in html


def test_names_are_escaped_and_formula_cells_defused(screener, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    edges = tmp_path / "edges.csv"
    edges.write_text(
        'from,to,relation\n"=cmd|x <b>",Golden Mill,supplies\nGolden Mill,"Kashgar, Xinjiang",located_at\n',
        encoding="utf-8",
    )
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text('name\n"=cmd|x <b>"\n', encoding="utf-8")
    res = screen_network(suppliers, [edges], screener, as_of=date(2026, 11, 26))
    write_report(res, tmp_path / "r.html")
    write_report(res, tmp_path / "r.csv")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<b>" not in html and "=cmd|x &lt;b&gt;" in html
    row = next(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert row["supplier"] == "'=cmd|x <b>" and row["path"].startswith("'=cmd|x <b> → Golden Mill")
    assert row["tiers"] == "1"


def test_cli_network_writes_jsonl_with_ftm_ownership(screener_home: Path, tmp_path: Path) -> None:
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("vendor\nRiverside Metals Ltd.\nMetro Camera Integrators LLC\n", encoding="utf-8")
    out = tmp_path / "exposure.jsonl"
    args = ["network", str(suppliers), "--relations", str(NETWORK / "edges.csv")]
    args += [
        "--relations",
        str(NETWORK / "ownership.ftm.jsonl"),
        "--out",
        str(out),
        "--home",
        str(screener_home),
    ]
    result = CliRunner().invoke(_app(), [*args, "--as-of", "2026-11-26", "--max-tier", "3"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["supplier"], x["flags"]) for x in lines] == [
        ("Riverside Metals Ltd.", ["owned_by_listed"]),
        ("Metro Camera Integrators LLC", ["restricted_party", "covered_equipment"]),
    ]
    (finding,) = lines[0]["findings"][0][0]["evidence"]["owned_by_listed"]["findings"]
    assert finding["owners"][0]["source"] == "ownership.ftm.jsonl line 4 (Ownership own-1)"
    assert "Supply network exposure" in result.output and "exposed" in result.output


def test_cli_network_refuses_bad_options(screener_home: Path, tmp_path: Path) -> None:
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("name\nAcme\n", encoding="utf-8")
    base = [
        "network",
        str(suppliers),
        "--relations",
        str(NETWORK / "edges.csv"),
        "--home",
        str(screener_home),
    ]
    bad_rule = CliRunner().invoke(_app(), [*base, "--bis-affiliates-rule", "sometimes"])
    assert bad_rule.exit_code == 2 and "on, off" in bad_rule.output
    bad_date = CliRunner().invoke(_app(), [*base, "--as-of", "26/11/2026"])
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    bad_out = CliRunner().invoke(_app(), [*base, "--out", str(tmp_path / "report.pdf")])
    assert isinstance(bad_out.exception, SupplyscreenError)
    assert "cannot tell the output format" in str(bad_out.exception)
    over_input = CliRunner().invoke(_app(), [*base, "--out", str(suppliers), "--format", "csv"])
    assert isinstance(over_input.exception, SupplyscreenError)
    assert "would overwrite the input file" in str(over_input.exception)
    assert suppliers.read_text(encoding="utf-8") == "name\nAcme\n"


def test_a_suppliers_file_without_a_name_column_is_an_error_naming_its_columns(
    screener, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("city,amount\nAksu,12\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"suppliers\.csv: no vendor/supplier name column.*'city', 'amount'"):
        screen_network(suppliers, [NETWORK / "edges.csv"], screener)
