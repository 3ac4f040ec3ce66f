"""The FCC Covered List reader on a table shaped like the fcc.gov page: companies become entities,
categories rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FCC_HTML
from support.readers import cut_copy, edited_copy, read_error

from supplyscreen.model import Entity
from supplyscreen.sources import fcc_covered
from supplyscreen.sources.base import ReadReport


@pytest.fixture(scope="module")
def fcc() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(fcc_covered.CODE)
    entities = {e.id: e for e in fcc_covered.read(FCC_HTML, report)}
    return entities, report


def _by_name(entities: dict[str, Entity], name: str) -> Entity:
    return next(e for e in entities.values() if e.caption == name)


def test_covered_list_has_13_rows_12_companies_and_2_category_rules(
    fcc: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = fcc
    assert report.records == 13
    assert len(entities) == 12
    assert [(r.id, r.category) for r in report.rules] == [
        ("us_fcc_covered:12", "uas"),
        ("us_fcc_covered:13", "routers"),
    ]
    assert report.rules[0].listed_on == "2025-12-22"
    assert report.rules[1].listed_on == "2026-03-23"
    assert report.snapshot_date is None  # the table states no date of its own
    assert "newest entry on the page: 2026-03-23" in report.notes


def test_category_rows_never_become_entities(fcc: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = fcc
    captions = {e.caption for e in entities.values()}
    assert not any("Routers" in c or "UAS" in c or "aircraft" in c for c in captions)
    assert "us_fcc_covered:12" not in entities and "us_fcc_covered:13" not in entities


def test_hikvision_listed_2021_03_12_with_fcc_authority(fcc: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = fcc
    hik = entities["us_fcc_covered:4"]
    assert hik.caption == "Hangzhou Hikvision Digital Technology Company"
    assert hik.source_ids == ["us_fcc_covered:4"]
    (m,) = hik.memberships
    assert m.list_code == "us_fcc_covered"
    assert m.listed_on == "2021-03-12"
    assert m.authority == "Secure and Trusted Communications Networks Act of 2019; 47 CFR 1.50002"
    assert m.source_url == "https://www.fcc.gov/supplychain/coveredlist"
    assert m.status == "official" and m.is_hit
    assert m.note is not None and m.note.startswith("Camera-monitoring and telecom equipment produced by")


def test_company_names_come_from_the_strong_markup(fcc: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = fcc
    assert [entities[f"us_fcc_covered:{i}"].caption for i in (1, 2, 3, 5, 6, 8, 10, 11)] == [
        "Huawei Technologies Company",
        "ZTE Corporation",
        "Hytera Communications Corporation",
        "Dahua Technology Company",
        "AO Kaspersky Lab",
        "China Telecom (Americas) Corp.",
        "China Unicom (Americas) Operations Limited",
        "Kaspersky Lab, Inc.",
    ]
    # the page sets "Inc" in <strong> and the full stop after it
    assert entities["us_fcc_covered:7"].caption == "China Mobile International USA Inc."
    assert entities["us_fcc_covered:11"].memberships[0].listed_on == "2024-07-23"


def test_row_naming_two_companies_gives_two_entities_linked_as_subsidiary(
    fcc: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = fcc
    pacific, comnet = entities["us_fcc_covered:9-1"], entities["us_fcc_covered:9-2"]
    assert pacific.caption == "Pacific Networks Corp"
    assert comnet.caption == "ComNet (USA) LLC"
    assert comnet.memberships[0].listed_on == pacific.memberships[0].listed_on == "2022-09-20"
    assert [(r.type, r.target_id) for r in comnet.relations] == [("subsidiary_of", "us_fcc_covered:9-1")]
    assert pacific.relations == []


def test_uas_rule_keeps_text_and_its_updates(fcc: tuple[dict[str, Entity], ReadReport]) -> None:
    _, report = fcc
    uas = report.rules[0]
    assert uas.text.startswith(
        "Uncrewed aircraft systems (UAS) and UAS critical components produced in a foreign"
    )
    assert "Section 1709(a)(1)" in uas.text
    assert uas.source_url == fcc_covered.URL and uas.list_code == "us_fcc_covered"
    assert "row 12: listed 2025-12-22, updated 2026-01-07, 2026-03-18" in report.notes


def test_source_spec_names_the_official_page() -> None:
    spec = fcc_covered.SOURCE
    assert spec.code == "us_fcc_covered" and spec.official
    assert [(f.role, f.filename, f.url) for f in spec.files] == [
        ("html", "coveredlist", "https://www.fcc.gov/supplychain/coveredlist")
    ]


def _table(rows: str) -> str:
    return (
        "<table><thead><tr><th>Covered Equipment or Services*</th><th>Date of Inclusion on Covered List</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def test_name_without_markup_falls_back_to_produced_by(tmp_path: Path) -> None:
    page = tmp_path / "coveredlist.html"
    page.write_text(
        _table(
            "<tr><td>Video surveillance equipment produced by Example Vision Co., including services.</td>"
            "<td><p>May 1, 2024</p></td></tr>"
        ),
        encoding="utf-8",
    )
    report = ReadReport("t")
    (entity,) = list(fcc_covered.read(page, report))
    assert entity.caption == "Example Vision Co."
    assert entity.memberships[0].listed_on == "2024-05-01"
    assert report.rules == []


def test_truncated_page_raises_with_file_name(tmp_path: Path) -> None:
    cut = cut_copy(FCC_HTML, tmp_path / "fcc_truncated.html", "Dahua Technology Company")
    read_error(fcc_covered.read, cut, "fcc_truncated.html.*truncated")


def test_row_without_a_date_names_the_row(tmp_path: Path) -> None:
    bad = edited_copy(FCC_HTML, tmp_path / "fcc_nodate.html", "July 23, 2024", "pending")
    error = read_error(fcc_covered.read, bad)
    assert "fcc_nodate.html" in str(error) and "row 11" in str(error)
    assert error.field == "Date of Inclusion on Covered List"
    assert error.line is not None and error.line > 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html><body><p>Page moved</p></body></html>", "no <table>"),
        (_table(""), "no rows"),
        (
            "<table><tr><th>Name</th><th>Date</th></tr><tr><td>x</td><td>y</td></tr></table>",
            "no table with the",
        ),
        (_table("<tr><td>Only one cell</td></tr>"), "row 1: expected 2 cells"),
    ],
)
def test_wrong_shaped_pages_raise(tmp_path: Path, content: str, message: str) -> None:
    page = tmp_path / "coveredlist.html"
    page.write_text(content, encoding="utf-8")
    error = read_error(fcc_covered.read, page, message)
    assert "coveredlist.html" in str(error)


def test_non_utf8_page_raises(tmp_path: Path) -> None:
    page = tmp_path / "coveredlist.html"
    page.write_bytes(_table("<tr><td>Caf\xe9 produced by X</td><td>May 1, 2024</td></tr>").encode("latin-1"))
    read_error(fcc_covered.read, page, "not UTF-8")
