"""The DHS UFLPA Entity List page reader, on a fixture page shaped like dhs.gov's four clause tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from support.readers import cut_copy, edited_copy, read_error

from supplyscreen.model import Entity
from supplyscreen.sources import dhs_uflpa
from supplyscreen.sources.base import ReadReport

FIXTURE = FIXTURES / "dhs_uflpa_entity_list.html"
AUTHORITY = "Uyghur Forced Labor Prevention Act, Pub. L. 117-78, s.2(d)(2)(B)"


@pytest.fixture(scope="module")
def page() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(dhs_uflpa.CODE)
    entities = {e.id: e for e in dhs_uflpa.read(FIXTURE, report)}
    return entities, report


def _names(entity: Entity) -> list[tuple[str, str]]:
    return [(n.value, n.kind) for n in entity.names]


def test_four_clause_tables_read_into_entities(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = page
    assert report.records == 18
    assert len(entities) == 17  # Xinjiang Zijin Zinc is in two tables
    assert report.skipped == {"empty_row": 1}
    assert report.snapshot_date == "2025-01-15"  # "Last Updated: 01/15/2025"
    programs = sorted({m.program for e in entities.values() for m in e.memberships if m.program})
    assert programs == [f"UFLPA section 2(d)(2)(B)({c})" for c in ("i", "ii", "iv", "v")]
    per_clause = {p: sum(m.program == p for e in entities.values() for m in e.memberships) for p in programs}
    assert list(per_clause.values()) == [6, 5, 1, 6]


def test_ids_are_stable_name_slugs(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    hetian = entities["us_dhs_uflpa:hetian-haolin-hair-accessories-co-ltd"]
    assert hetian.source_ids == [hetian.id]
    assert (
        dhs_uflpa.slug("Hetian Haolin Hair Accessories Co. Ltd.") == "hetian-haolin-hair-accessories-co-ltd"
    )
    assert "us_dhs_uflpa:xinjiang-production-and-construction-corps" in entities


def test_and_two_aliases_form(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    hetian = entities["us_dhs_uflpa:hetian-haolin-hair-accessories-co-ltd"]
    assert _names(hetian) == [
        ("Hetian Haolin Hair Accessories Co. Ltd.", "primary"),
        ("Hotan Haolin Hair Accessories", "alias"),
        ("Hollin Hair Accessories", "alias"),
    ]
    (m,) = hetian.memberships
    assert (m.list_code, m.program, m.listed_on) == (
        "us_dhs_uflpa",
        "UFLPA section 2(d)(2)(B)(i)",
        "2022-06-21",
    )
    assert m.authority == AUTHORITY and m.source_url == "https://www.dhs.gov/uflpa-entity-list"


def test_also_known_as_form_with_trailing_and(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    aksu = entities["us_dhs_uflpa:aksu-huafu-color-spinning-co-ltd"]
    assert [n.value for n in aksu.names] == [
        "Aksu Huafu Color Spinning Co., Ltd.",
        "Aksu Huafu Textiles Co., Ltd.",
        "Akesu Huafu",
        "Aksu Huafu Dyed Melange Yarn",
        "Akesu Huafu Melange Yarn Co., Ltd.",
    ]
    assert aksu.memberships[0].listed_on == "2025-01-15"


def test_formerly_known_as_gives_former_names(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    assert _names(entities["us_dhs_uflpa:tianjin-tianwei-food-co-ltd"]) == [
        ("Tianjin Tianwei Food Co., Ltd.", "primary"),
        ("Tianjin Sanhe Fruit and Vegetable Co., Ltd.", "fka"),
    ]
    assert _names(entities["us_dhs_uflpa:hebei-tomato-industry-co-ltd"]) == [
        ("Hebei Tomato Industry Co., Ltd.", "primary"),
        ("Hebei Temeite Industrial Group Co., Ltd.", "alias"),
        ("Hebei Temeite International Trade Co., Ltd.", "fka"),
    ]


def test_xpcc_keeps_acronym_alias_and_subordinate_entities_note(
    page: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = page
    xpcc = entities["us_dhs_uflpa:xinjiang-production-and-construction-corps"]
    assert _names(xpcc) == [("Xinjiang Production and Construction Corps", "primary"), ("XPCC", "alias")]
    assert xpcc.memberships[0].note == "and its subordinate and affiliated entities"


def test_parentheses_inside_a_name_are_kept(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    hoshine = entities["us_dhs_uflpa:hoshine-silicon-industry-shanshan-co-ltd"]
    assert _names(hoshine) == [("Hoshine Silicon Industry (Shanshan) Co., Ltd.", "primary")]


def test_entity_in_two_clause_tables_gets_two_memberships(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    zinc = entities["us_dhs_uflpa:xinjiang-zijin-zinc-industry-co-ltd"]
    assert [m.program for m in zinc.memberships] == [
        "UFLPA section 2(d)(2)(B)(ii)",
        "UFLPA section 2(d)(2)(B)(v)",
    ]
    assert _names(zinc) == [
        ("Xinjiang Zijin Zinc Industry Co., Ltd.", "primary"),
        ("Xinjiang Zijin Zinc Co., Ltd.", "alias"),
    ]


def test_chinese_alias_is_kept_as_written(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    wool = entities["us_dhs_uflpa:xinjiang-tianshan-wool-textile-co-ltd"]
    han = [n for n in wool.names if n.script == "Han"]
    assert [n.value for n in han] == ["新疆天山毛纺织股份有限公司"]
    assert "Xinjiang Tianshan Wool Tex Stock Co. Ltd" in [n.value for n in wool.names]


def test_exporter_clause_iv_table(page: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = page
    baoding = entities["us_dhs_uflpa:baoding-lyszd-trade-and-business-co-ltd"]
    assert [m.program for m in baoding.memberships] == ["UFLPA section 2(d)(2)(B)(iv)"]


@pytest.mark.parametrize(
    ("cell", "primary", "aliases", "note"),
    [
        ("Camel Group Co., Ltd.", "Camel Group Co., Ltd.", [], None),
        (
            "Foo Co. (formerly known as Bar Co.; and Baz Co.)",
            "Foo Co.",
            [("Bar Co.", "fka"), ("Baz Co.", "fka")],
            None,
        ),
        (
            "Foo Co. (also known as Foo; formerly known as Old Foo)",
            "Foo Co.",
            [("Foo", "alias"), ("Old Foo", "fka")],
            None,
        ),
        ("Kashgar Construction Engineering (Group)", "Kashgar Construction Engineering (Group)", [], None),
        ("Foo Ltd., including its eight subsidiaries", "Foo Ltd.", [], "including its eight subsidiaries"),
        ("Foo Ltd. (and one alias: Foo)", "Foo Ltd.", [("Foo", "alias")], None),
    ],
)
def test_name_cell_forms(cell: str, primary: str, aliases: list[tuple[str, str]], note: str | None) -> None:
    assert dhs_uflpa.parse_name_cell(cell) == (primary, aliases, note)


def test_dates_in_several_spellings() -> None:
    assert dhs_uflpa.parse_date("June 21, 2022") == "2022-06-21"
    assert dhs_uflpa.parse_date("Sept. 26, 2023") == "2023-09-26"
    assert dhs_uflpa.parse_date("2025-01-15") == "2025-01-15"
    assert dhs_uflpa.parse_date("February 30, 2024") is None
    assert dhs_uflpa.parse_date("TBD") is None


def test_unparseable_date_names_table_and_row(tmp_path: Path) -> None:
    bad = edited_copy(FIXTURE, tmp_path / "uflpa_bad_date.html", "November 25, 2024", "25/11/2024")
    error = read_error(dhs_uflpa.read, bad)
    message = str(error)
    assert "uflpa_bad_date.html" in message
    assert "table 4 (section (v)), row 3" in message
    assert error.field == "Effective Date"
    assert error.line is not None and error.line > 100


def test_page_without_entity_table_raises(tmp_path: Path) -> None:
    page = tmp_path / "uflpa-entity-list.html"
    page.write_text("<html><body><h1>Page not found</h1><table><tr><td>x</td></tr></table></body></html>")
    read_error(dhs_uflpa.read, page, "uflpa-entity-list.html.*no table headed")


def test_table_without_clause_heading_raises(tmp_path: Path) -> None:
    page = tmp_path / "uflpa.html"
    page.write_text(
        "<html><body><h2>Entities</h2><table><tr><th>Name of Entity</th><th>Effective Date</th></tr>"
        "<tr><td>Foo Co.</td><td>June 21, 2022</td></tr></table></body></html>"
    )
    read_error(dhs_uflpa.read, page, "table 1: no heading naming the UFLPA")


def test_truncated_page_raises(tmp_path: Path) -> None:
    cut = cut_copy(FIXTURE, tmp_path / "uflpa_truncated.html", "Huafu Fashion Co., Ltd.")
    read_error(dhs_uflpa.read, cut, "uflpa_truncated.html.*truncated")


def test_source_spec_names_the_official_page() -> None:
    spec = dhs_uflpa.SOURCE
    assert spec.code == "us_dhs_uflpa" and spec.official
    assert [(f.role, f.filename, f.url) for f in spec.files] == [
        ("html", "uflpa-entity-list", "https://www.dhs.gov/uflpa-entity-list")
    ]
