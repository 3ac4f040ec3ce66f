"""The OFAC ENHANCED_XML reader on a small CONS_ENHANCED.ZIP written in the official format (dated
2025-01-10, as the snapshot it stands for), and on broken copies."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import LISTS
from support.readers import read_error, reader_fixtures

from supplyscreen.model import Address, Entity, Identifier
from supplyscreen.sources import ofac_enhanced
from supplyscreen.sources.base import ReadReport

FOLDER = LISTS / "us_ofac_consolidated_nonsdn"
CONS_ZIP = FOLDER / "CONS_ENHANCED_2025-01-14.ZIP"
CONS_XML = FOLDER / "CONS_ENHANCED_2025-01-14.xml"
# The publication's own filter line, which tells the consolidated publication from the SDN one.
CONSOLIDATED_FILTER = b'<sanctionsList refId="305">Consolidated List</sanctionsList>'


read_result, entities = reader_fixtures(ofac_enhanced.read_files, {"zip": CONS_ZIP}, "us_ofac_nonsdn")


@pytest.fixture(scope="module")
def xml_bytes() -> bytes:
    with zipfile.ZipFile(CONS_ZIP) as archive:
        return archive.read("CONS_ENHANCED.XML")


def _zip_with(tmp_path: Path, data: bytes, member: str = "CONS_ENHANCED.XML") -> Path:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return path


def _read_changed(
    tmp_path: Path, xml_bytes: bytes, old: bytes, new: bytes
) -> tuple[list[Entity], ReadReport]:
    """Entities and report of a copy of the fixture with ``old`` (found exactly once) replaced by ``new``."""
    assert xml_bytes.count(old) == 1
    report = ReadReport(source="us_ofac_nonsdn")
    entities = list(ofac_enhanced.read(_zip_with(tmp_path, xml_bytes.replace(old, new)), report=report))
    return entities, report


def test_source_spec_names_the_official_zip() -> None:
    spec = ofac_enhanced.SOURCE
    assert spec.code == "us_ofac_nonsdn"
    assert spec.file_roles() == ["zip"]
    assert spec.files[0].filename == "CONS_ENHANCED.ZIP"
    assert spec.files[0].url == (
        "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ENHANCED.ZIP"
    )


def test_fixture_zip_holds_the_readable_xml_as_the_official_member() -> None:
    """The ZIP is the .xml next to it, stored under OFAC's member name with a fixed date (reproducible),
    and the document sits in OFAC's ENHANCED_XML namespace."""
    with zipfile.ZipFile(CONS_ZIP) as archive:
        (info,) = archive.infolist()
        assert (info.filename, info.date_time) == ("CONS_ENHANCED.XML", (1980, 1, 1, 0, 0, 0))
        assert archive.read(info) == CONS_XML.read_bytes()
    assert ET.parse(CONS_XML).getroot().tag == f"{{{ofac_enhanced.NAMESPACE}}}sanctionsData"


def test_cons_enhanced_reads_13_entities_as_of_2025_01_10(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 13
    assert len(entities) == 13
    assert report.snapshot_date == "2025-01-10"
    assert not report.skipped
    assert report.notes == []
    assert Counter(e.schema for e in entities.values()) == {"Organization": 9, "Person": 3, "Vessel": 1}
    assert all(e.source_ids == [e.id] and e.id.startswith("us_ofac_nonsdn:") for e in entities.values())


def test_entities_per_list_code_match_the_publication(entities: dict[str, Entity]) -> None:
    counts = Counter(code for e in entities.values() for code in e.list_codes)
    assert counts == {
        "us_ofac_ssi": 4,
        "us_ofac_cmic": 3,
        "us_ofac_mbs": 3,
        "us_ofac_plc": 2,
        "us_ofac_sdn": 1,
        "us_ofac_cap": 1,
        "us_ofac_fse": 1,
    }


def test_hikvision_is_ns_cmic_with_program_date_authority_and_uscc(entities: dict[str, Entity]) -> None:
    hik = entities["us_ofac_nonsdn:40101"]
    assert hik.schema == "Organization"
    # the name part as written, not the upper-case formattedFullName
    assert hik.caption == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert [(n.value, n.kind) for n in hik.names[1:]] == [
        ("Hikvision", "alias"),
        ("Hangzhou Hikvision Digital Technology", "alias"),
    ]
    assert len(hik.memberships) == 1
    m = hik.memberships[0]
    assert (m.list_code, m.program, m.listed_on) == ("us_ofac_cmic", "CMIC-EO13959", "2021-06-07")
    assert m.authority == "Executive Order 14032 (CMIC)"
    assert m.note == "CMIC Executive Order"
    assert m.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=40101"
    assert m.source_id == "us_ofac_nonsdn:40101"
    assert m.status == "official" and m.is_hit
    assert hik.identifiers == [
        Identifier("ticker", "009999 CN"),
        Identifier("isin", "CNE1000TEST1"),
        Identifier("uscc", "91330100TESTHIK01X", "cn"),
    ]
    assert hik.countries == ["cn"]
    assert hik.addresses == [
        Address(
            "No. 88 Example Road, Riverside District, Hangzhou, 310099, China",
            street="No. 88 Example Road, Riverside District",
            city="Hangzhou",
            postal_code="310099",
            country="cn",
        )
    ]
    assert hik.notes == [
        "Issuer Name: Hangzhou Hikvision Digital Technology",
        "Target Type: Public Company",
        "Listing Date (CMIC): 2021-06-07",
        "Effective Date (CMIC): 2021-08-06",
        "Purchase/Sales For Divestment Date (CMIC): 2022-06-07",
    ]


def test_huawei_is_ns_cmic(entities: dict[str, Entity]) -> None:
    huawei = entities["us_ofac_nonsdn:40102"]
    assert huawei.caption == "HUAWEI TECHNOLOGIES CO., LTD."
    assert huawei.list_codes == ["us_ofac_cmic"]
    assert huawei.memberships[0].program == "CMIC-EO13959"
    assert Identifier("uscc", "91440300TESTHUA02Y", "cn") in huawei.identifiers
    # "&amp;" in the file
    assert any(n.value == "Huawei Example Holding & Investment Co Ltd" for n in huawei.names)


def test_chinese_translation_is_kept_as_written(entities: dict[str, Entity]) -> None:
    tianhe = entities["us_ofac_nonsdn:40103"]
    assert tianhe.caption == "Tianhe Example Vision Limited"
    chinese = [n for n in tianhe.names if n.script == "Han"]
    assert [(n.value, n.kind, n.lang) for n in chinese] == [("天河示例视觉有限公司", "alias", "zh")]
    assert tianhe.countries == ["ky", "cn"]


def test_cyrillic_names_and_former_names_of_a_bank(entities: dict[str, Entity]) -> None:
    bank = entities["us_ofac_nonsdn:40104"]
    kinds = {n.value: n.kind for n in bank.names}
    assert kinds == {
        "NORTHERN TRADE BANK PUBLIC JOINT STOCK COMPANY": "primary",
        "Банк Северный Торговый публичное акционерное общество": "alias",
        "Severtorgbank": "fka",
        "NTB Bank": "alias",
        "JSC Northern Trade Bank Minsk Branch": "weak",
    }
    assert [n.script for n in bank.names][:2] == ["Latin", "Cyrillic"]


def test_bank_features_become_identifiers_or_notes(entities: dict[str, Entity]) -> None:
    bank = entities["us_ofac_nonsdn:40104"]
    assert bank.identifiers == [
        Identifier("swift_bic", "NTBKRUMM"),
        Identifier("registration_number", "1027700000001", "ru"),
        Identifier("tax_number", "7700000001", "ru"),
        Identifier("okpo", "00000001", "ru"),
    ]
    assert bank.notes == [
        "Website: www.ntb-bank.example",
        "Executive Order 13662 Directive Determination: Subject to Directive 1",
        "Secondary sanctions risk: See Section 11 of Executive Order 14024.",
    ]


def test_entity_on_ssi_and_sdn_gets_each_program_on_its_own_list(entities: dict[str, Entity]) -> None:
    belarus = entities["us_ofac_nonsdn:40106"]
    got = [(m.list_code, m.program, m.listed_on, m.authority, m.note) for m in belarus.memberships]
    assert got == [
        (
            "us_ofac_ssi",
            "UKRAINE-EO13662",
            "2016-03-15",
            "Executive Order 13662 (Ukraine)",
            "13662 Sectoral Directive 1",
        ),
        ("us_ofac_sdn", "RUSSIA-EO14024", "2022-03-01", "Executive Order 14024 (Russia)", "Block"),
    ]


def test_entity_on_ssi_and_mbs_gets_the_program_without_a_home_list_on_mbs(
    entities: dict[str, Entity],
) -> None:
    sub = entities["us_ofac_nonsdn:40105"]
    got = [(m.list_code, m.program, m.listed_on, m.note) for m in sub.memberships]
    assert got == [
        ("us_ofac_ssi", "UKRAINE-EO13662", "2014-09-12", "13662 Sectoral Directive 1"),
        ("us_ofac_mbs", "RUSSIA-EO14024", "2022-02-24", "Executive Order 14024 Directive 2"),
    ]


def test_plc_member_has_birth_year_place_nationality_and_listing_date(entities: dict[str, Entity]) -> None:
    member = entities["us_ofac_nonsdn:40107"]
    assert member.schema == "Person"
    assert member.caption == "QASSIM, Adnan Faris"
    assert [(n.value, n.kind) for n in member.names] == [
        ("QASSIM, Adnan Faris", "primary"),
        ("QASSEM, Adnan", "alias"),
    ]
    assert member.birth_dates == ["1961"]  # a whole year: 1961-01-01 to 1961-12-31
    assert member.birth_places == ["Beit Example"]
    assert member.nationalities == ["ps"] and member.countries == ["ps"]
    m = member.memberships[0]
    assert (m.list_code, m.program, m.listed_on) == ("us_ofac_plc", "NS-PLC", "2006-04-20")
    assert m.authority == "General License 4 Under EO 13224 (Terrorism)"
    assert member.addresses == []  # an address with no parts and no country
    assert entities["us_ofac_nonsdn:40108"].birth_dates == ["1970-05-14"]


def test_fse_person_has_gender_birth_year_range_citizenship_and_passport(entities: dict[str, Entity]) -> None:
    person = entities["us_ofac_nonsdn:40109"]
    assert person.schema == "Person"
    assert [(n.value, n.kind) for n in person.names] == [
        ("NAMDARI, Kourosh", "primary"),
        ("NAMDARI FARD, Kourosh", "nka"),
    ]
    assert person.gender == "male"
    assert person.birth_dates == ["1975", "1976"]
    assert person.nationalities == ["ir"]
    assert person.countries == ["ae", "ir"]
    # the national ID without a number is left out
    assert person.identifiers == [Identifier("passport", "X0000001", "ir")]
    assert person.notes == ["Email Address: k.namdari@mail.example"]
    m = person.memberships[0]
    assert (m.list_code, m.program, m.authority) == (
        "us_ofac_fse",
        "FSE-IR",
        "Executive Order 13608 (Iran/Syria)",
    )


def test_references_written_as_bare_ref_ids_are_looked_up(entities: dict[str, Entity]) -> None:
    """The CAPTA entry writes every reference as a refId alone: lists, program, type, authority, alias type,
    countries, address part and document types resolve through referenceValues, features through
    featureTypes."""
    bank = entities["us_ofac_nonsdn:40110"]
    assert bank.schema == "Organization"
    assert [(n.value, n.kind) for n in bank.names] == [
        ("EXAMPLE CORRESPONDENT BANK", "primary"),
        ("FIRST EXAMPLE CORRESPONDENT BANK", "fka"),
    ]
    got = [(m.list_code, m.program, m.listed_on, m.authority, m.note) for m in bank.memberships]
    assert got == [("us_ofac_cap", "561-Related", "2019-03-18", "CISADA", "561 Full Restrictions")]
    (address,) = bank.addresses
    got_address = (address.street, address.city, address.region, address.country)
    assert got_address == ("Calle Ejemplo 50", "Panama City", "Panama", "pa")
    assert address.full.endswith(", Panama City, Panama, Panama")  # the country's name from its refId
    assert bank.identifiers == [
        Identifier("swift_bic", "EXCBPAPA"),
        Identifier("registration_number", "PA-000123", "pa"),
    ]


def test_vessel_has_imo_mmsi_registration_country_and_notes(entities: dict[str, Entity]) -> None:
    vessel = entities["us_ofac_nonsdn:40111"]
    assert vessel.schema == "Vessel"
    assert [(n.value, n.kind) for n in vessel.names] == [
        ("OCEAN EXAMPLE", "primary"),
        ("NORTHERN EXAMPLE", "fka"),
    ]
    assert vessel.identifiers == [Identifier("imo", "9182734"), Identifier("mmsi", "273401234")]
    assert vessel.countries == ["pa"] and vessel.nationalities == []
    assert vessel.notes == [
        "VESSEL TYPE: Crude Oil Tanker",
        "Vessel Flag: Russia",
        "Vessel Year of Build: 2004",
    ]
    assert vessel.list_codes == ["us_ofac_mbs"]


def test_address_parts_and_duplicate_addresses(entities: dict[str, Entity]) -> None:
    energy = entities["us_ofac_nonsdn:40112"]
    assert energy.addresses == [
        Address(
            "Building 2, 14 Example Street, Floor 5, Tyumen, Tyumen Oblast, Urals, 625000, Russia",
            street="Building 2, 14 Example Street, Floor 5",
            city="Tyumen",
            region="Tyumen Oblast, Urals",
            postal_code="625000",
            country="ru",
        )
    ]
    assert energy.notes == [
        "Organization Established Date: 1995-03-03",
        "Listing Date (EO 14024 Directive 2): 2022-02-24",
    ]
    refinery = entities["us_ofac_nonsdn:40113"]
    assert refinery.addresses == [Address("Samara, Russia", city="Samara", country="ru")]
    assert [(n.value, n.kind) for n in refinery.names][1:] == [("EXAMPLE REFINING LLC", "nka")]


def test_ownership_links_subsidiary_to_parent_in_the_same_file(entities: dict[str, Entity]) -> None:
    sub = entities["us_ofac_nonsdn:40105"]
    assert [(r.type, r.target_id, r.target_name) for r in sub.relations] == [
        ("owned_by", "us_ofac_nonsdn:40104", "NORTHERN TRADE BANK PUBLIC JOINT STOCK COMPANY")
    ]
    bank = entities["us_ofac_nonsdn:40104"]
    assert [(r.type, r.target_id, r.note) for r in bank.relations] == [
        ("owner_of", "us_ofac_nonsdn:40111", "Owns, controls, or operates")
    ]


def test_relation_to_an_entity_outside_the_file_points_to_its_sdn_id(entities: dict[str, Entity]) -> None:
    links = [r for e in entities.values() for r in e.relations if r.target_name == "HAMAS"]
    assert [(r.type, r.target_id, r.note) for r in links] == [
        ("linked_to", "us_ofac_sdn:70695", "Acting for or on behalf of")
    ]


def test_extracted_xml_reads_like_the_zip(
    tmp_path: Path, xml_bytes: bytes, entities: dict[str, Entity]
) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_bytes(xml_bytes)
    report = ReadReport(source="us_ofac_nonsdn")
    extracted = list(ofac_enhanced.read(path, report=report))
    assert extracted == list(entities.values())
    assert report.snapshot_date == "2025-01-10"


def test_sdn_publication_gets_sdn_source_ids(tmp_path: Path, xml_bytes: bytes) -> None:
    sdn_filter = b'<sanctionsList refId="301">SDN List</sanctionsList>'
    changed, _ = _read_changed(tmp_path, xml_bytes, CONSOLIDATED_FILTER, sdn_filter)
    by_id = {e.id: e for e in changed}
    assert "us_ofac_sdn:40101" in by_id
    assert by_id["us_ofac_sdn:40105"].relations[0].target_id == "us_ofac_sdn:40104"


def test_explicit_source_code_wins() -> None:
    ids = {e.id for e in ofac_enhanced.read(CONS_ZIP, source_code="us_ofac_sdn")}
    assert "us_ofac_sdn:40102" in ids and len(ids) == 13


def test_unknown_list_gets_a_slug_code_and_a_note(tmp_path: Path, xml_bytes: bytes) -> None:
    old = b"<value>CAPTA List</value>"
    changed, report = _read_changed(tmp_path, xml_bytes, old, b"<value>New Example List</value>")
    bank = next(e for e in changed if e.id == "us_ofac_nonsdn:40110")
    assert bank.list_codes == ["us_ofac_new_example_list"]
    assert report.notes == [
        "unknown OFAC list 'New Example List' read as list code 'us_ofac_new_example_list'"
    ]


def test_unknown_entity_type_reads_as_legal_entity_with_a_note(tmp_path: Path, xml_bytes: bytes) -> None:
    old = b'<entityType refId="933">Vessel</entityType>'
    changed, report = _read_changed(tmp_path, xml_bytes, old, b'<entityType refId="933">Barge</entityType>')
    assert next(e for e in changed if e.id == "us_ofac_nonsdn:40111").schema == "LegalEntity"
    assert report.notes == ["entity 40111: unknown entityType 'Barge' read as LegalEntity"]


def test_entity_only_on_the_consolidated_publication_is_noted(tmp_path: Path, xml_bytes: bytes) -> None:
    start = xml_bytes.index(b'<entity id="40108">')
    old = xml_bytes[start : xml_bytes.index(b"</sanctionsLists>", start)]
    new = b"\n".join(line for line in old.split(b"\n") if b"Palestinian Legislative Council" not in line)
    assert new.count(b"<sanctionsList ") == 1  # only the consolidated publication is left
    changed, report = _read_changed(tmp_path, xml_bytes, old, new)
    assert next(e for e in changed if e.id == "us_ofac_nonsdn:40108").memberships == []
    assert report.notes == ["entity 40108 is on no list besides the consolidated publication"]


# -- bad input -------------------------------------------------------------------------------------


def test_a_zip_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    path.write_text("<html>Service unavailable</html>")
    error = read_error(ofac_enhanced.read, path, "not a zip archive")
    assert "CONS_ENHANCED.ZIP" in str(error)


def test_a_cut_zip_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    data = CONS_ZIP.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    error = read_error(ofac_enhanced.read, path, "not a valid zip archive")
    assert "CONS_ENHANCED.ZIP" in str(error)


def test_zip_without_xml_is_refused(tmp_path: Path) -> None:
    path = _zip_with(tmp_path, b"nothing here", member="README.txt")
    error = read_error(ofac_enhanced.read, path, "no .XML file")
    assert "CONS_ENHANCED.ZIP" in str(error)


def test_truncated_xml_fails_with_its_line_number(tmp_path: Path, xml_bytes: bytes) -> None:
    half = xml_bytes[: len(xml_bytes) // 2]
    path = _zip_with(tmp_path, half)
    err = read_error(ofac_enhanced.read, path, "not well-formed XML")
    assert "CONS_ENHANCED.ZIP" in str(err) and "CONS_ENHANCED.XML" in str(err)
    assert err.line is not None and err.line >= half.count(b"\n")


def test_wrong_root_element_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_text('<?xml version="1.0"?>\n<sdnList><sdnEntry/></sdnList>\n')
    error = read_error(ofac_enhanced.read, path, "expected <sanctionsData>")
    assert error.line == 2


def test_entity_without_type_names_its_line_and_field(tmp_path: Path, xml_bytes: bytes) -> None:
    line = b'        <entityType refId="931">Individual</entityType>\n'
    first_person = xml_bytes[: xml_bytes.index(b'<entity id="40107">')].count(b"\n") + 1
    # the first Individual's line
    assert (
        xml_bytes.index(b'<entity id="40107">')
        < xml_bytes.index(line)
        < xml_bytes.index(b'<entity id="40108">')
    )
    path = _zip_with(tmp_path, xml_bytes.replace(line, b"", 1))
    error = read_error(ofac_enhanced.read, path, "entity 40107 has no entityType")
    assert (error.line, error.field) == (first_person, "entityType")


def test_document_without_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_text(f'<sanctionsData xmlns="{ofac_enhanced.NAMESPACE}"><publicationInfo/></sanctionsData>')
    error = read_error(ofac_enhanced.read, path, "no <entities> element")
    assert error.field == "entities"
