"""The curated research CSV readers: UFLPA entries, s.889/FCC covered companies, BIS Xinjiang additions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import CURATED
from support.readers import cut_copy, edited_copy, read_error

from supplyscreen.model import Entity
from supplyscreen.sources import curated
from supplyscreen.sources.base import ReadReport


def _read(reader: Callable[..., Iterator[Entity]], filename: str) -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport("test")
    entities = {e.id: e for e in reader(CURATED / filename, report)}
    return entities, report


@pytest.fixture(scope="module")
def uflpa() -> tuple[dict[str, Entity], ReadReport]:
    return _read(curated.read_uflpa, curated.UFLPA_FILE)


@pytest.fixture(scope="module")
def covered() -> tuple[dict[str, Entity], ReadReport]:
    return _read(curated.read_covered, curated.COVERED_FILE)


@pytest.fixture(scope="module")
def el() -> tuple[dict[str, Entity], ReadReport]:
    return _read(curated.read_el_xinjiang, curated.EL_XINJIANG_FILE)


def _names(entity: Entity) -> list[tuple[str, str]]:
    return [(n.value, n.kind) for n in entity.names]


# -- UFLPA -----------------------------------------------------------------------------------------


def test_uflpa_has_94_entries_63_confirmed_31_secondary(uflpa: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = uflpa
    assert report.records == 94 and len(entities) == 94 and not report.skipped
    status = Counter(e.memberships[0].status for e in entities.values())
    assert status == {"confirmed": 63, "secondary": 31}
    assert all(m.list_code == "us_dhs_uflpa" and m.is_hit for e in entities.values() for m in e.memberships)
    assert list(entities)[:3] == ["curated_uflpa:0", "curated_uflpa:1", "curated_uflpa:2"]
    assert entities["curated_uflpa:2"].caption == "Xinjiang Production and Construction Corps"
    assert entities["curated_uflpa:93"].caption == "Tanyuan Technology Co., Ltd."


def test_uflpa_names_chinese_aliases_and_former_names(uflpa: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = uflpa
    xpcc = entities["curated_uflpa:2"]
    assert _names(xpcc) == [
        ("Xinjiang Production and Construction Corps", "primary"),
        ("新疆生产建设兵团", "alias"),
        ("XPCC", "alias"),
        ("Bingtuan", "alias"),
        ("Xinjiang Bingtuan", "alias"),
    ]
    assert xpcc.names[1].script == "Han"
    henan = next(e for e in entities.values() if e.caption == "Henan Yumian Logistics Co., Ltd.")
    assert ("841 Cotton Transfer Warehouse", "fka") in _names(henan)
    hoshine = next(e for e in entities.values() if e.caption.startswith("Hoshine"))
    assert [n.value for n in hoshine.names] == [
        "Hoshine Silicon Industry (Shanshan) Co., Ltd.",
        "合盛硅业(鄯善)有限公司",
        "Hoshine",
        "Hoshine Silicon Industry Co., Ltd.",  # "(parent)" remark dropped
    ]


def test_uflpa_sections_become_programs(uflpa: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = uflpa
    ninestar = next(e for e in entities.values() if e.caption == "Ninestar Corporation")
    (m,) = ninestar.memberships
    assert m.program == "UFLPA section 2(d)(2)(B)(ii)"
    assert m.listed_on == "2023-06-12"
    assert m.federal_register == "FR Doc 2023-12481"
    assert m.authority == "Uyghur Forced Labor Prevention Act, Pub. L. 117-78, s.2(d)(2)(B)"
    assert m.source_url is not None and m.source_url.startswith("https://internationaltradetoday.com/")
    zinc = next(e for e in entities.values() if e.caption == "Xinjiang Zijin Zinc Industry Co., Ltd.")
    assert [m.program for m in zinc.memberships] == [
        "UFLPA section 2(d)(2)(B)(ii)",
        "UFLPA section 2(d)(2)(B)(v)",
    ]
    changji = entities["curated_uflpa:3"]
    assert changji.memberships[0].program is None  # "moved between sections ..." is no clean clause
    assert "moved between sections" in (changji.memberships[0].note or "")
    programs = Counter(m.program for e in entities.values() for m in e.memberships)
    assert programs["UFLPA section 2(d)(2)(B)(ii)"] == 29 and programs["UFLPA section 2(d)(2)(B)(v)"] == 32


def test_uflpa_undated_rows_countries_and_source_urls(uflpa: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = uflpa
    assert sum(e.memberships[0].listed_on is None for e in entities.values()) == 6
    assert Counter(c for e in entities.values() for c in e.countries) == {"cn": 91, "hk": 3}
    lop = next(e for e in entities.values() if e.caption.startswith("Lop County Meixin"))
    assert lop.memberships[0].source_url == "https://www.dhs.gov/uflpa-entity-list"  # source has no URL
    baoding = entities["curated_uflpa:0"]
    assert baoding.memberships[0].source_url == "https://www.dhs.gov/uflpa-entity-list"  # quote stripped


# -- covered telecom / video surveillance ----------------------------------------------------------


def test_covered_rows_split_into_hits_context_and_one_rule(
    covered: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = covered
    assert report.records == 51
    assert len(entities) == 50
    hits = [e for e in entities.values() if e.memberships]
    context = [e for e in entities.values() if not e.memberships]
    assert len(hits) == 37  # 35 "yes" + 2 "until_end_date"
    assert len(context) == 13
    assert all(r.type == "context" for e in context for r in e.relations)
    assert [(r.id, r.category, r.list_code, r.listed_on, r.status) for r in report.rules] == [
        ("curated_covered:13", "uas", "us_fcc_covered", "2025-12", "medium")
    ]
    codes = Counter(m.list_code for e in hits for m in e.memberships)
    assert codes == {"us_fcc_covered": 37, "us_ndaa_889": 29, "us_bis_entity_list": 7}


def test_covered_name_cells_are_split(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    by_id = {
        i: [n.value for n in entities[f"curated_covered:{i}"].names] for i in (4, 11, 19, 26, 37, 39, 44)
    }
    assert by_id[4] == [
        "Dahua Technology Company",
        "Zhejiang Dahua Technology Co., Ltd.",
        "浙江大华技术股份有限公司",
    ]
    assert by_id[11] == ["SZ DJI Technology Co., Ltd.", "DJI"]
    assert by_id[19] == ["Hiksemi", "HikStorage"]
    assert by_id[26] == ["Lorex Technology Inc.", "Lorex Corporation"]
    assert by_id[37] == ["Sepura", "Sepura Group", "Sepura plc"]
    assert by_id[39] == ["Teltronic", "PowerTrunk"]
    assert by_id[44] == ["Hytera America (West)"]  # a qualifier, not an alias


def test_lorex_is_covered_until_its_sale(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    lorex = entities["curated_covered:26"]
    assert {m.list_code: m.ends_on for m in lorex.memberships} == {
        "us_ndaa_889": "2022-11-24",
        "us_fcc_covered": "2022-11-24",
    }
    (rel,) = lorex.relations
    assert (rel.type, rel.target_id, rel.target_name, rel.end_date) == (
        "former_subsidiary_of",
        "curated_covered:4",
        "Dahua Technology Company",
        "2022-11-24",
    )


def test_dahua_usa_month_end_date_means_last_day(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    dahua_usa = next(e for e in entities.values() if e.caption == "Dahua Technology USA Inc.")
    assert {m.ends_on for m in dahua_usa.memberships} == {"2024-01-31"}
    assert dahua_usa.relations[0].type == "former_subsidiary_of"


def test_ezviz_is_a_hikvision_brand_covered_by_889(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    ezviz = next(e for e in entities.values() if e.caption == "EZVIZ")
    assert ezviz.list_codes == ["us_ndaa_889", "us_fcc_covered"]
    assert all(m.status == "high" and m.is_hit and m.ends_on is None for m in ezviz.memberships)
    fcc = next(m for m in ezviz.memberships if m.list_code == "us_fcc_covered")
    assert fcc.listed_on == "2021-03-12"  # inherited from Hikvision's listing
    (rel,) = ezviz.relations
    assert (rel.type, rel.target_id, rel.target_name) == (
        "brand_of",
        "curated_covered:3",
        "Hangzhou Hikvision Digital Technology Company",
    )


def test_imou_is_reviewer_context_without_membership(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    imou = next(e for e in entities.values() if e.caption == "Imou")
    assert imou.memberships == []
    (rel,) = imou.relations
    assert (rel.type, rel.target_id, rel.note) == ("context", "curated_covered:4", "brand (UNVERIFIED)")


def test_oem_rows_link_to_both_hikvision_and_dahua(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    honeywell = next(e for e in entities.values() if e.caption == "Honeywell")
    assert [(r.type, r.target_id, r.target_name) for r in honeywell.relations] == [
        ("context", "curated_covered:3", "Hikvision"),
        ("context", "curated_covered:4", "Dahua"),
    ]
    assert honeywell.memberships == []


def test_huawei_affiliate_gets_889_fcc_and_its_bis_listing(
    covered: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = covered
    cloud = next(e for e in entities.values() if e.caption == "Huawei Cloud Computing Technology")
    assert {m.list_code: m.listed_on for m in cloud.memberships} == {
        "us_bis_entity_list": "2020-08-17",
        "us_ndaa_889": None,
        "us_fcc_covered": "2021-03-12",
    }
    assert cloud.relations[0].type == "affiliate_of" and cloud.relations[0].target_id == "curated_covered:0"


def test_covered_entities_lists_dates_and_confidence(covered: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = covered
    dji = entities["curated_covered:11"]
    assert [(m.list_code, m.listed_on, m.status) for m in dji.memberships] == [
        ("us_fcc_covered", "2025-12", "medium")
    ]
    kaspersky = entities["curated_covered:5"]
    assert kaspersky.list_codes == ["us_fcc_covered"]
    comnet = next(e for e in entities.values() if e.caption == "ComNet (USA) LLC")
    assert [(r.type, r.target_id) for r in comnet.relations] == [("subsidiary_of", "curated_covered:8")]
    cethik = entities["curated_covered:20"]
    assert cethik.relations[0].type == "parent_of" and cethik.list_codes == ["us_ndaa_889", "us_fcc_covered"]
    assert entities["curated_covered:30"].schema == "Person"  # Fu Liquan
    assert entities["curated_covered:0"].schema == "Organization"


# -- BIS Entity List, Xinjiang --------------------------------------------------------------------------


def test_el_xinjiang_45_entities_and_2_placeholders(el: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = el
    assert report.records == 47
    assert len(entities) == 45
    assert report.skipped == {"placeholder": 2}
    assert "curated_el_xinjiang:1" not in entities and "curated_el_xinjiang:46" not in entities
    assert entities["curated_el_xinjiang:45"].caption == "Beijing Sinonet Science & Technology Co., Ltd."
    assert all(e.list_codes == ["us_bis_entity_list"] for e in entities.values())
    assert Counter(e.memberships[0].status for e in entities.values()) == {"high": 45}


def test_el_xinjiang_dahua_row(el: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = el
    dahua = entities["curated_el_xinjiang:2"]
    assert [n.value for n in dahua.names] == [
        "Zhejiang Dahua Technology Co., Ltd.",
        "浙江大华技术股份有限公司",
        "Dahua Technology",
        "Dahua",
    ]
    (m,) = dahua.memberships
    assert (m.listed_on, m.federal_register) == ("2019-10-09", "84 FR 54002")
    assert m.authority == "Export Administration Regulations, 15 CFR 744.11"
    assert m.note is not None and m.note.startswith("human rights violations")
    assert m.source_url is not None and m.source_url.startswith("https://www.lexology.com/")
    assert dahua.countries == ["cn"]


def test_el_xinjiang_alias_parentheses_and_informal_chinese(el: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = el
    psb = entities["curated_el_xinjiang:0"]
    assert [n.value for n in psb.names][1:] == ["XUAR PSB", "Xinjiang Public Security Bureau", "XPSB"]
    caeit = next(e for e in entities.values() if e.caption.startswith("China Academy of Electronics"))
    assert [n.value for n in caeit.names][1:] == ["中国电子科学院"]  # "(per HK press; informal)" dropped


# -- specs, package and shared copies, bad input ---------------------------------------------------------


def test_specs_are_unofficial_and_named_after_package_files() -> None:
    assert [(s.code, s.official, s.files[0].filename, s.files[0].url) for s in curated.SOURCES] == [
        ("curated_uflpa", False, "uflpa_entities.csv", ""),
        ("curated_covered", False, "covered_telecom_video.csv", ""),
        ("curated_el_xinjiang", False, "entity_list_xinjiang.csv", ""),
    ]
    assert curated.package_path("uflpa_entities.csv").is_file()


def test_huawei_and_zte_carry_their_chinese_legal_names_with_the_source_that_gives_them() -> None:
    by_name = {e.names[0].value: e for e in curated.read_covered()}
    for english, chinese in (
        ("Huawei Technologies Company", "华为技术有限公司"),
        ("ZTE Corporation", "中兴通讯股份有限公司"),
    ):
        entity = by_name[english]
        aliases = [n for n in entity.names if n.value == chinese]
        assert aliases and aliases[0].lang == "zh" and aliases[0].script == "Han"
        assert any(chinese in note and "wikipedia" in note.lower() for note in entity.notes)


def _copy(tmp_path: Path, filename: str, old: str, new: str) -> Path:
    return edited_copy(CURATED / filename, tmp_path / filename, old, new)


def test_missing_required_column_names_file_and_field(tmp_path: Path) -> None:
    path = _copy(tmp_path, curated.UFLPA_FILE, "date_added,", "added,")
    error = read_error(curated.read_uflpa, path)
    assert "uflpa_entities.csv" in str(error)
    assert (error.field, error.line) == ("date_added", 1)


def test_bad_date_names_file_line_and_field(tmp_path: Path) -> None:
    path = _copy(tmp_path, curated.UFLPA_FILE, "Lop County Meixin,2022-06-21", "Lop County Meixin,21/06/2022")
    error = read_error(curated.read_uflpa, path)
    assert "uflpa_entities.csv, line 13" in str(error)  # curated_uflpa:11, after the header line
    assert error.field == "date_added"


def test_bad_end_date_in_covered_file(tmp_path: Path) -> None:
    path = _copy(tmp_path, curated.COVERED_FILE, "former subsidiary,2024-01,", "former subsidiary,2024-13,")
    read_error(curated.read_covered, path, "covered_telecom_video.csv, line 25, field 'end_date'")


def test_unknown_creates_hit_value_raises(tmp_path: Path) -> None:
    path = _copy(tmp_path, curated.COVERED_FILE, ",brand,,yes,", ",brand,,maybe,")
    read_error(curated.read_covered, path, "creates_hit 'maybe'")


def test_truncated_file_raises(tmp_path: Path) -> None:
    cut = cut_copy(
        CURATED / curated.EL_XINJIANG_FILE, tmp_path / curated.EL_XINJIANG_FILE, "Yitu Technologies", 40
    )
    read_error(curated.read_el_xinjiang, cut, "entity_list_xinjiang.csv, line 10")


def test_non_utf8_file_raises(tmp_path: Path) -> None:
    path = tmp_path / curated.UFLPA_FILE
    path.write_bytes((CURATED / curated.UFLPA_FILE).read_text(encoding="utf-8").encode("gb18030"))
    read_error(curated.read_uflpa, path, "uflpa_entities.csv: not UTF-8")


def test_read_picks_the_reader_by_file_name_or_code(tmp_path: Path) -> None:
    assert len(list(curated.read(CURATED / curated.EL_XINJIANG_FILE))) == 45
    other = tmp_path / "mine.csv"
    other.write_bytes((CURATED / curated.UFLPA_FILE).read_bytes())
    assert len(list(curated.read(other, code="curated_uflpa"))) == 94
    read_error(curated.read, other, "not a curated file")
