"""The UN Security Council consolidated list reader on a small consolidated.xml written in the official
format (generated 2026-02-27, as the snapshot it stands for), and on broken copies."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import UN_XML
from support.readers import read_error, reader_fixtures

from supplyscreen.model import Address, Entity, Identifier
from supplyscreen.sources import un_sc
from supplyscreen.sources.base import ReadReport

RECORD = """
    <INDIVIDUAL>
      <DATAID>{dataid}</DATAID>
      <FIRST_NAME>{first}</FIRST_NAME>
      <SECOND_NAME>DOE</SECOND_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      {reference}
      <LISTED_ON>2020-01-02</LISTED_ON>
      <COMMENTS1/>
    </INDIVIDUAL>"""


def _list_with(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "consolidated.xml"
    body = "".join(records)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<CONSOLIDATED_LIST dateGenerated="2026-03-01T00:00:00Z">\n  <INDIVIDUALS>{body}\n  </INDIVIDUALS>\n'
        "  <ENTITIES/>\n</CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    return path


read_result, entities = reader_fixtures(un_sc.read_files, {"xml": UN_XML}, "un_sc")


def test_source_spec_names_the_official_file() -> None:
    spec = un_sc.SOURCE
    assert (spec.code, spec.file_roles()) == ("un_sc", ["xml"])
    assert spec.files[0].filename == "consolidated.xml"
    assert spec.files[0].url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"


def test_reads_10_individuals_and_8_entities_as_of_2026_02_27(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 18
    assert report.snapshot_date == "2026-02-27"
    assert not report.skipped
    assert report.notes == []
    assert Counter(e.schema for e in entities.values()) == {"Person": 10, "Organization": 8}
    assert all(e.list_codes == ["un_sc"] and e.source_ids == [e.id] for e in entities.values())
    assert all(m.authority == "UN Security Council" for e in entities.values() for m in e.memberships)


def test_programs_are_the_un_list_types(entities: dict[str, Entity]) -> None:
    programs = Counter(m.program for e in entities.values() for m in e.memberships)
    assert programs == {
        "Al-Qaida": 5,
        "DPRK": 4,
        "Taliban": 3,
        "DRC": 2,
        "SouthSudan": 1,
        "Iraq": 1,
        "Iran": 1,
        "Libya": 1,
    }


def test_qdi_901_has_program_listing_date_dobs_and_arabic_name(entities: dict[str, Entity]) -> None:
    person = entities["un_sc:QDi.901"]
    assert person.schema == "Person"
    # FIRST_NAME to FOURTH_NAME
    assert person.caption == "HAMID SALIM ABDALLAH AL-NAJJAR"
    m = person.memberships[0]
    assert (m.list_code, m.program, m.listed_on, m.authority) == (
        "un_sc",
        "Al-Qaida",
        "2001-10-08",
        "UN Security Council",
    )
    assert m.source_url == "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
    assert m.source_id == "un_sc:QDi.901"
    # COMMENTS1 runs over several lines and past NOTE_LENGTH: cut at a word, without the INTERPOL link
    assert m.note is not None
    assert m.note.startswith(
        "Responsible for the finances of an example cell (deceased leader’s courier network)."
    )
    assert "\n" not in m.note and "INTERPOL" not in m.note
    assert m.note.endswith(" …") and len(m.note) <= un_sc.NOTE_LENGTH + 2
    assert person.birth_dates == ["1964-02-17", "1962-02-17"]
    assert person.nationalities == ["eg"] and person.countries == ["eg"]
    assert person.birth_places == ["Tanta, Gharbia Governorate, Egypt"]
    assert person.gender == "male"
    assert person.addresses == []  # an address with a NOTE only
    kinds = {n.value: (n.kind, n.script) for n in person.names}
    assert kinds == {
        "HAMID SALIM ABDALLAH AL-NAJJAR": ("primary", "Latin"),
        "حامد سالم عبدالله النجار": ("alias", "Arabic"),
        "Abu Hamza al-Misri al-Thani": ("alias", "Latin"),
        "Hamid the Engineer": ("weak", "Latin"),
        "Hamid al Najar": ("weak", "Latin"),
    }


def test_cyrillic_original_script_and_unknown_nationality(entities: dict[str, Entity]) -> None:
    person = entities["un_sc:QDi.903"]
    assert [(n.value, n.kind, n.script) for n in person.names][:2] == [
        ("TIMUR ALIEVICH BASHIROV", "primary", "Latin"),
        ("Тимур Алиевич Баширов", "alias", "Cyrillic"),
    ]
    assert person.birth_dates == ["1985"]  # APPROXIMATELY, a year
    assert person.nationalities == ["ru"]
    assert person.countries == ["sy", "ru"]
    assert person.notes == ["Nationality: former Soviet Union"]
    assert person.identifiers == [Identifier("national_id", "8205 123456", "ru")]


def test_chinese_original_script_name_is_kept(entities: dict[str, Entity]) -> None:
    corp = entities["un_sc:KPe.901"]
    assert corp.schema == "Organization"
    assert corp.caption == "KOREA EXAMPLE MACHINERY TRADING CORPORATION"
    han = [(n.value, n.kind) for n in corp.names if n.script == "Han"]
    assert han == [("朝鲜示例机械贸易会社", "alias")]
    assert corp.memberships[0].listed_on == "2013-03-07"
    assert corp.countries == ["kp"]


def test_between_birth_years_become_each_year(entities: dict[str, Entity]) -> None:
    assert entities["un_sc:TAi.901"].birth_dates == ["1967", "1968", "1969"]
    # a span of more than ten years keeps its two ends
    assert entities["un_sc:TAi.902"].birth_dates == ["1950", "1970"]
    # TYPE_OF_DATE left empty
    assert entities["un_sc:KPi.902"].birth_dates == []


def test_designation_and_titles(entities: dict[str, Entity]) -> None:
    taliban = entities["un_sc:TAi.901"]
    assert taliban.title == "Deputy Minister of Example Affairs under the Taliban regime"
    assert taliban.notes == ["Title: Maulavi; Haji"]
    assert taliban.birth_places == ["Kandahar Province, Afghanistan"]
    assert entities["un_sc:CDi.901"].title == "FARDC Colonel"


def test_passport_has_number_and_issuing_country(entities: dict[str, Entity]) -> None:
    assert entities["un_sc:QDi.902"].identifiers == [Identifier("passport", "01234567", "ye")]
    assert entities["un_sc:KPi.901"].identifiers == [Identifier("passport", "108120999", "kp")]
    assert entities["un_sc:SSi.901"].identifiers == [Identifier("passport", "S00012345", "ss")]
    # a French document type, the country given as COUNTRY_OF_ISSUE
    assert entities["un_sc:QDi.904"].identifiers == [Identifier("passport", "AB1234567", "dz")]


def test_other_documents(entities: dict[str, Entity]) -> None:
    assert entities["un_sc:TAi.901"].identifiers == [Identifier("national_id", "57301")]
    # a national number whose detail names no national identity document
    assert entities["un_sc:CDi.901"].identifiers == [Identifier("other", "1-72-00-12345-67")]
    # a document without a number is a note
    shinwari = entities["un_sc:TAi.902"]
    assert shinwari.identifiers == []
    assert shinwari.notes == ["Title: Mullah", "Document: Passport reported lost in 2010"]


def test_person_addresses_and_places_of_birth(entities: dict[str, Entity]) -> None:
    person = entities["un_sc:QDi.902"]
    assert person.addresses == [
        Address("Example Street 14, Aden, Yemen", street="Example Street 14", city="Aden", country="ye")
    ]
    assert person.birth_places == ["Seiyun, Yemen", "Sayun, Yemen"]
    assert person.birth_dates == ["1966"]
    # the country of residence comes before the nationality
    assert entities["un_sc:CDi.901"].countries == ["rw", "cd"]


def test_empty_alias_elements_are_skipped(entities: dict[str, Entity]) -> None:
    assert [n.kind for n in entities["un_sc:CDi.901"].names] == ["primary"]
    assert [n.kind for n in entities["un_sc:IQe.901"].names] == ["primary"]
    assert entities["un_sc:IQe.901"].memberships[0].note is None  # COMMENTS1 left empty
    # an alias without QUALITY is an alias; "Low" is weak, "Good" an alias
    assert [(n.value, n.kind) for n in entities["un_sc:KPe.902"].names][1:] == [("EOSCO", "alias")]
    assert [(n.value, n.kind) for n in entities["un_sc:TAe.901"].names][1:] == [
        ("Example Exchange", "weak"),
        ("Example Hawala", "alias"),
    ]


def test_entity_aliases_addresses_and_former_names(entities: dict[str, Entity]) -> None:
    group = entities["un_sc:CDe.901"]
    kinds = {n.value: n.kind for n in group.names}
    assert kinds == {
        "FPL": "primary",
        "Forces Populaires de Libération": "alias",
        "Forces Populaires de Libération-Armée du Kivu": "fka",
        "FPL/AK": "fka",
    }
    assert group.addresses == [
        Address("North Kivu, Democratic Republic of the Congo", region="North Kivu", country="cd")
    ]
    assert group.countries == ["cd"]
    note = group.memberships[0].note or ""
    assert note.startswith("Example armed group active in Beni territory.") and "INTERPOL" not in note


def test_entity_with_a_full_address_and_two_countries(entities: dict[str, Entity]) -> None:
    shipping = entities["un_sc:KPe.902"]
    assert shipping.addresses[0] == Address(
        "No. 8 Example Road, Dandong, Liaoning, 118000, China",
        street="No. 8 Example Road",
        city="Dandong",
        region="Liaoning",
        postal_code="118000",
        country="cn",
    )
    assert shipping.countries == ["cn", "kp"]
    assert entities["un_sc:IRe.901"].countries == ["ir"]


def test_missing_reference_number_falls_back_to_dataid_and_is_counted(tmp_path: Path) -> None:
    path = _list_with(
        tmp_path,
        RECORD.format(dataid="111", first="JOHN", reference="<REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>"),
        RECORD.format(dataid="222", first="JANE", reference=""),
    )
    report = ReadReport(source="un_sc")
    ids = [e.id for e in un_sc.read(path, report=report)]
    assert ids == ["un_sc:QDi.999", "un_sc:222"]
    assert report.notes == ["1 records without REFERENCE_NUMBER, identified by DATAID"]
    assert report.snapshot_date == "2026-03-01"


def test_a_reference_number_listed_twice_keeps_both_records_with_a_note(tmp_path: Path) -> None:
    reference = "<REFERENCE_NUMBER>QDi.997</REFERENCE_NUMBER>"
    path = _list_with(
        tmp_path,
        RECORD.format(dataid="1", first="JOHN", reference=reference),
        RECORD.format(dataid="2", first="JANE", reference=reference),
    )
    report = ReadReport(source="un_sc")
    got = [(e.id, e.caption) for e in un_sc.read(path, report=report)]
    assert got == [("un_sc:QDi.997", "JOHN DOE"), ("un_sc:QDi.997", "JANE DOE")]
    assert report.notes == ["un_sc:QDi.997 appears twice; both records kept"]


# -- bad input -------------------------------------------------------------------------------------


def test_truncated_file_fails_with_file_and_line(tmp_path: Path) -> None:
    data = UN_XML.read_bytes()
    half = data[: len(data) // 2]
    path = tmp_path / "consolidated.xml"
    path.write_bytes(half)
    error = read_error(un_sc.read, path, "not well-formed XML")
    assert "consolidated.xml" in str(error)
    assert error.line is not None and error.line >= half.count(b"\n")


def test_wrong_root_element_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_text('<?xml version="1.0"?>\n\n<sanctionsData><entities/></sanctionsData>\n')
    error = read_error(un_sc.read, path, "expected <CONSOLIDATED_LIST>")
    assert "consolidated.xml" in str(error)
    assert error.line == 3


def test_list_without_individuals_or_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_text('<?xml version="1.0"?>\n<CONSOLIDATED_LIST dateGenerated="2026-03-01T00:00:00Z"/>\n')
    error = read_error(un_sc.read, path, "neither <INDIVIDUALS> nor <ENTITIES>")
    assert error.field == "INDIVIDUALS"


def test_record_without_any_id_names_its_line(tmp_path: Path) -> None:
    path = _list_with(tmp_path, RECORD.format(dataid="", first="JOHN", reference=""))
    error = read_error(un_sc.read, path, "neither REFERENCE_NUMBER nor DATAID")
    assert (error.line, error.field) == (4, "REFERENCE_NUMBER")


def test_record_without_a_name_is_refused(tmp_path: Path) -> None:
    record = RECORD.format(dataid="1", first="", reference="<REFERENCE_NUMBER>QDi.998</REFERENCE_NUMBER>")
    path = _list_with(tmp_path, record.replace("<SECOND_NAME>DOE</SECOND_NAME>", ""))
    error = read_error(un_sc.read, path, "un_sc:QDi.998 has no name")
    assert error.field == "FIRST_NAME"


def test_wrongly_encoded_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_bytes(
        '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>é</CONSOLIDATED_LIST>'.encode("latin-1")
    )
    error = read_error(un_sc.read, path, "not well-formed XML")
    assert error.line == 2
