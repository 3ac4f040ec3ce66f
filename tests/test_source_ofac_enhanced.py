"""The OFAC ENHANCED_XML reader on the real CONS_ENHANCED.ZIP snapshot of 2025-01-10, and on broken copies."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier
from supplyscreen.sources import ofac_enhanced
from supplyscreen.sources.base import ReadReport

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CONS_ZIP = DATA / "lists" / "us_ofac_consolidated_nonsdn" / "CONS_ENHANCED_2025-01-14.ZIP"

pytestmark = pytest.mark.skipif(not CONS_ZIP.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def read_result() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(source="us_ofac_nonsdn")
    entities = list(ofac_enhanced.read_files({"zip": CONS_ZIP}, report))
    by_id = {e.id: e for e in entities}
    assert len(by_id) == len(entities)
    return by_id, report


@pytest.fixture(scope="module")
def entities(read_result: tuple[dict[str, Entity], ReadReport]) -> dict[str, Entity]:
    return read_result[0]


@pytest.fixture(scope="module")
def xml_bytes() -> bytes:
    with zipfile.ZipFile(CONS_ZIP) as archive:
        return archive.read("CONS_ENHANCED.XML")


def _zip_with(tmp_path: Path, data: bytes, member: str = "CONS_ENHANCED.XML") -> Path:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return path


def test_source_spec_names_the_official_zip() -> None:
    spec = ofac_enhanced.SOURCE
    assert spec.code == "us_ofac_nonsdn"
    assert spec.file_roles() == ["zip"]
    assert spec.files[0].filename == "CONS_ENHANCED.ZIP"
    assert spec.files[0].url == (
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ENHANCED.ZIP"
    )


def test_cons_enhanced_reads_443_entities_as_of_2025_01_10(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 443
    assert len(entities) == 443
    assert report.snapshot_date == "2025-01-10"
    assert not report.skipped
    assert report.notes == []
    assert Counter(e.schema for e in entities.values()) == {"Organization": 363, "Person": 80}
    assert all(e.source_ids == [e.id] and e.id.startswith("us_ofac_nonsdn:") for e in entities.values())


def test_entities_per_list_code_match_the_publication(entities: dict[str, Entity]) -> None:
    counts = Counter(code for e in entities.values() for code in e.list_codes)
    assert counts == {
        "us_ofac_ssi": 286,
        "us_ofac_plc": 78,
        "us_ofac_sdn": 77,
        "us_ofac_cmic": 68,
        "us_ofac_mbs": 12,
        "us_ofac_cap": 1,
        "us_ofac_fse": 1,
    }


def test_hikvision_is_ns_cmic_with_program_date_authority_and_uscc(entities: dict[str, Entity]) -> None:
    hik = entities["us_ofac_nonsdn:30946"]
    assert hik.schema == "Organization"
    assert hik.caption == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert [(n.value, n.kind) for n in hik.names[1:]] == [
        ("Hikvision", "alias"),
        ("Hangzhou Hikvision Digital Technology", "alias"),
    ]
    assert len(hik.memberships) == 1
    m = hik.memberships[0]
    assert (m.list_code, m.program, m.listed_on) == ("us_ofac_cmic", "CMIC-EO13959", "2021-06-03")
    assert m.authority == "Executive Order 14032 (CMIC)"
    assert m.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=30946"
    assert m.source_id == "us_ofac_nonsdn:30946"
    assert m.status == "official" and m.is_hit
    assert Identifier("uscc", "91330000733796106P", "cn") in hik.identifiers
    assert Identifier("isin", "CNE100000PM8") in hik.identifiers
    assert hik.countries == ["cn"]
    assert hik.addresses[0].city == "Hangzhou"
    assert hik.addresses[0].postal_code == "310051"
    assert "Effective Date (CMIC): 2021-08-02" in hik.notes


def test_huawei_is_ns_cmic(entities: dict[str, Entity]) -> None:
    huawei = entities["us_ofac_nonsdn:30947"]
    assert huawei.caption == "HUAWEI TECHNOLOGIES CO., LTD."
    assert huawei.list_codes == ["us_ofac_cmic"]
    assert huawei.memberships[0].program == "CMIC-EO13959"
    assert Identifier("uscc", "914403001922038216", "cn") in huawei.identifiers
    assert any(n.value == "Huawei Investment & Holding Co Ltd" for n in huawei.names)


def test_chinese_translation_is_kept_as_written(entities: dict[str, Entity]) -> None:
    megvii = entities["us_ofac_nonsdn:33091"]
    assert megvii.caption == "Megvii Technology Limited"
    chinese = [n for n in megvii.names if n.script == "Han"]
    assert [(n.value, n.kind, n.lang) for n in chinese] == [("旷视科技有限公司", "alias", "zh")]
    assert megvii.countries == ["ky", "cn"]


def test_cyrillic_names_and_former_names_of_vtb(entities: dict[str, Entity]) -> None:
    vtb = entities["us_ofac_nonsdn:17013"]
    kinds = {n.value: n.kind for n in vtb.names}
    assert kinds["Банк ВТБ публичное акционерное общество"] == "alias"
    assert kinds["Vneshtorgbank"] == "fka"
    assert kinds["JSC VTB Bank New Delhi Branch"] == "weak"


def test_entity_on_ssi_and_sdn_gets_each_program_on_its_own_list(entities: dict[str, Entity]) -> None:
    belarus = entities["us_ofac_nonsdn:18721"]
    got = [(m.list_code, m.program, m.listed_on, m.authority, m.note) for m in belarus.memberships]
    assert got == [
        (
            "us_ofac_ssi",
            "UKRAINE-EO13662",
            "2015-12-22",
            "Executive Order 13662 (Ukraine)",
            "13662 Sectoral Directive 1",
        ),
        ("us_ofac_sdn", "RUSSIA-EO14024", "2022-02-24", "Executive Order 14024 (Russia)", "Block"),
    ]


def test_plc_member_has_birth_year_place_and_listing_date(entities: dict[str, Entity]) -> None:
    haniya = entities["us_ofac_nonsdn:9639"]
    assert haniya.schema == "Person"
    assert haniya.caption == "HANIYA, Ismail Abdul Salah"
    assert haniya.birth_dates == ["1962"]
    assert haniya.birth_places == ["Shati"]
    m = haniya.memberships[0]
    assert (m.list_code, m.program, m.listed_on) == ("us_ofac_plc", "NS-PLC", "2006-04-12")
    assert m.authority == "General License 4 Under EO 13224 (Terrorism)"
    assert haniya.addresses == []


def test_ownership_links_subsidiary_to_parent_in_the_same_file(entities: dict[str, Entity]) -> None:
    vtb24 = entities["us_ofac_nonsdn:18719"]
    assert [(r.type, r.target_id, r.target_name) for r in vtb24.relations] == [
        ("owned_by", "us_ofac_nonsdn:17013", "VTB BANK PUBLIC JOINT STOCK COMPANY")
    ]


def test_relation_to_an_entity_outside_the_file_points_to_its_sdn_id(entities: dict[str, Entity]) -> None:
    links = [r for e in entities.values() for r in e.relations if r.target_name == "HAMAS"]
    assert [(r.type, r.target_id, r.note) for r in links] == [
        ("linked_to", "us_ofac_sdn:4695", "Acting for or on behalf of")
    ]


def test_extracted_xml_reads_like_the_zip(tmp_path: Path, xml_bytes: bytes) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_bytes(xml_bytes)
    report = ReadReport(source="us_ofac_nonsdn")
    entities = list(ofac_enhanced.read(path, report=report))
    assert len(entities) == 443
    assert report.snapshot_date == "2025-01-10"


def test_sdn_publication_gets_sdn_source_ids(tmp_path: Path, xml_bytes: bytes) -> None:
    head = b'<sanctionsList refId="91512">Consolidated List</sanctionsList>'
    assert xml_bytes.count(head) == 1
    path = _zip_with(
        tmp_path, xml_bytes.replace(head, b'<sanctionsList refId="1550">SDN List</sanctionsList>')
    )
    entities = {e.id: e for e in ofac_enhanced.read(path)}
    assert "us_ofac_sdn:30946" in entities
    assert entities["us_ofac_sdn:18719"].relations[0].target_id == "us_ofac_sdn:17013"


def test_explicit_source_code_wins(xml_bytes: bytes) -> None:
    entities = {e.id for e in ofac_enhanced.read(CONS_ZIP, source_code="us_ofac_sdn")}
    assert "us_ofac_sdn:30947" in entities and len(entities) == 443


# -- bad input -------------------------------------------------------------------------------------


def test_a_zip_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    path.write_text("<html>Service unavailable</html>")
    with pytest.raises(SourceFormatError, match="not a zip archive") as info:
        list(ofac_enhanced.read(path))
    assert "CONS_ENHANCED.ZIP" in str(info.value)


def test_a_cut_zip_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    path.write_bytes(CONS_ZIP.read_bytes()[:100_000])
    with pytest.raises(SourceFormatError, match="not a valid zip archive") as info:
        list(ofac_enhanced.read(path))
    assert "CONS_ENHANCED.ZIP" in str(info.value)


def test_zip_without_xml_is_refused(tmp_path: Path) -> None:
    path = _zip_with(tmp_path, b"nothing here", member="README.txt")
    with pytest.raises(SourceFormatError, match="no .XML file") as info:
        list(ofac_enhanced.read(path))
    assert "CONS_ENHANCED.ZIP" in str(info.value)


def test_truncated_xml_fails_with_its_line_number(tmp_path: Path, xml_bytes: bytes) -> None:
    half = xml_bytes[: len(xml_bytes) // 2]
    path = _zip_with(tmp_path, half)
    with pytest.raises(SourceFormatError, match="not well-formed XML") as info:
        list(ofac_enhanced.read(path))
    err = info.value
    assert "CONS_ENHANCED.ZIP" in str(err) and "CONS_ENHANCED.XML" in str(err)
    assert err.line is not None and err.line >= half.count(b"\n")


def test_wrong_root_element_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_text('<?xml version="1.0"?>\n<sdnList><sdnEntry/></sdnList>\n')
    with pytest.raises(SourceFormatError, match="expected <sanctionsData>") as info:
        list(ofac_enhanced.read(path))
    assert info.value.line == 2


def test_entity_without_type_names_its_line_and_field(tmp_path: Path, xml_bytes: bytes) -> None:
    line = b'        <entityType refId="600">Individual</entityType>\n'
    first_entity = xml_bytes[: xml_bytes.index(b'<entity id="9639">')].count(b"\n") + 1
    path = _zip_with(tmp_path, xml_bytes.replace(line, b"", 1))
    with pytest.raises(SourceFormatError, match="entity 9639 has no entityType") as info:
        list(ofac_enhanced.read(path))
    assert (info.value.line, info.value.field) == (first_entity, "entityType")


def test_document_without_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_text(f'<sanctionsData xmlns="{ofac_enhanced.NAMESPACE}"><publicationInfo/></sanctionsData>')
    with pytest.raises(SourceFormatError, match="no <entities> element") as info:
        list(ofac_enhanced.read(path))
    assert info.value.field == "entities"
