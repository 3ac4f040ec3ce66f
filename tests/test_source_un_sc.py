"""The UN Security Council consolidated list reader on the real 2026-02-27 file, and on broken copies."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Address, Entity, Identifier
from supplyscreen.sources import un_sc
from supplyscreen.sources.base import ReadReport

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
UN_XML = DATA / "lists" / "un_sc_consolidated" / "UN_consolidated_2026-02-27.xml"

pytestmark = pytest.mark.skipif(not UN_XML.exists(), reason="shared data not available")

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


@pytest.fixture(scope="module")
def read_result() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(source="un_sc")
    entities = list(un_sc.read_files({"xml": UN_XML}, report))
    by_id = {e.id: e for e in entities}
    assert len(by_id) == len(entities)
    return by_id, report


@pytest.fixture(scope="module")
def entities(read_result: tuple[dict[str, Entity], ReadReport]) -> dict[str, Entity]:
    return read_result[0]


def test_source_spec_names_the_official_file() -> None:
    spec = un_sc.SOURCE
    assert (spec.code, spec.file_roles()) == ("un_sc", ["xml"])
    assert spec.files[0].filename == "consolidated.xml"
    assert spec.files[0].url == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"


def test_reads_730_individuals_and_273_entities_as_of_2026_02_27(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 1003
    assert report.snapshot_date == "2026-02-27"
    assert not report.skipped
    assert report.notes == []
    assert Counter(e.schema for e in entities.values()) == {"Person": 730, "Organization": 273}
    assert all(e.list_codes == ["un_sc"] and e.source_ids == [e.id] for e in entities.values())


def test_programs_are_the_un_list_types(entities: dict[str, Entity]) -> None:
    programs = Counter(m.program for e in entities.values() for m in e.memberships)
    assert programs["Al-Qaida"] == 341
    assert programs["DPRK"] == 155
    assert programs["Taliban"] == 140
    assert programs["SouthSudan"] == 8
    assert sum(programs.values()) == 1003


def test_qdi_001_has_program_listing_date_dobs_and_arabic_name(entities: dict[str, Entity]) -> None:
    person = entities["un_sc:QDi.001"]
    assert person.schema == "Person"
    assert person.caption == "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"
    m = person.memberships[0]
    assert (m.list_code, m.program, m.listed_on, m.authority) == (
        "un_sc",
        "Al-Qaida",
        "2001-01-25",
        "UN Security Council",
    )
    assert m.source_url == "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
    assert m.source_id == "un_sc:QDi.001"
    assert m.note is not None and m.note.startswith("Responsible for Usama bin Laden’s (deceased) security.")
    assert len(m.note) <= un_sc.NOTE_LENGTH + 2
    assert person.birth_dates == ["1963-04-11", "1960-04-11"]
    assert person.nationalities == ["eg"] and person.countries == ["eg"]
    assert person.birth_places == ["Monufia Governate, Egypt"]
    kinds = {n.value: (n.kind, n.script) for n in person.names}
    assert kinds["محمد صلاح الدين عبدالحليم زيدان"] == ("alias", "Arabic")
    assert kinds["Sayf-Al Adl"] == ("alias", "Latin")
    assert kinds["Seif al Adel"] == ("weak", "Latin")


def test_chinese_original_script_name_is_kept(entities: dict[str, Entity]) -> None:
    corp = entities["un_sc:KPe.016"]
    assert corp.schema == "Organization"
    assert corp.caption == "KOREA RYONHA MACHINERY JOINT VENTURE CORPORATION"
    han = [(n.value, n.kind) for n in corp.names if n.script == "Han"]
    assert han == [("朝鲜联合机械贸易会社", "alias")]
    assert corp.memberships[0].listed_on == "2013-01-22"


def test_between_birth_years_become_each_year(entities: dict[str, Entity]) -> None:
    assert entities["un_sc:KPi.066"].birth_dates == ["1967", "1968", "1969"]


def test_passport_has_number_and_issuing_country(entities: dict[str, Entity]) -> None:
    assert entities["un_sc:QDi.003"].identifiers == [Identifier("passport", "00385937", "ye")]


def test_entity_aliases_addresses_and_former_names(entities: dict[str, Entity]) -> None:
    adf = entities["un_sc:CDe.001"]
    kinds = {n.value: n.kind for n in adf.names}
    assert kinds == {
        "ADF": "primary",
        "Allied Democratic Forces": "alias",
        "Forces Démocratiques Alliées-Armée Nationale de Libération de l’Ouganda": "fka",
        "ADF/NALU": "fka",
        "NALU": "fka",
    }
    assert adf.addresses == [
        Address("North Kivu, Democratic Republic of the Congo", region="North Kivu", country="cd")
    ]
    assert adf.countries == ["cd"]
    assert "INTERPOL" not in (adf.memberships[0].note or "")


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


# -- bad input -------------------------------------------------------------------------------------


def test_truncated_file_fails_with_file_and_line(tmp_path: Path) -> None:
    data = UN_XML.read_bytes()
    half = data[: len(data) // 2]
    path = tmp_path / "consolidated.xml"
    path.write_bytes(half)
    with pytest.raises(SourceFormatError, match="not well-formed XML") as info:
        list(un_sc.read(path))
    assert "consolidated.xml" in str(info.value)
    assert info.value.line is not None and info.value.line >= half.count(b"\n")


def test_wrong_root_element_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_text('<?xml version="1.0"?>\n\n<sanctionsData><entities/></sanctionsData>\n')
    with pytest.raises(SourceFormatError, match="expected <CONSOLIDATED_LIST>") as info:
        list(un_sc.read(path))
    assert "consolidated.xml" in str(info.value)
    assert info.value.line == 3


def test_record_without_any_id_names_its_line(tmp_path: Path) -> None:
    path = _list_with(tmp_path, RECORD.format(dataid="", first="JOHN", reference=""))
    with pytest.raises(SourceFormatError, match="neither REFERENCE_NUMBER nor DATAID") as info:
        list(un_sc.read(path))
    assert (info.value.line, info.value.field) == (4, "REFERENCE_NUMBER")


def test_record_without_a_name_is_refused(tmp_path: Path) -> None:
    record = RECORD.format(dataid="1", first="", reference="<REFERENCE_NUMBER>QDi.998</REFERENCE_NUMBER>")
    path = _list_with(tmp_path, record.replace("<SECOND_NAME>DOE</SECOND_NAME>", ""))
    with pytest.raises(SourceFormatError, match="un_sc:QDi.998 has no name") as info:
        list(un_sc.read(path))
    assert info.value.field == "FIRST_NAME"


def test_wrongly_encoded_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "consolidated.xml"
    path.write_bytes(
        '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>é</CONSOLIDATED_LIST>'.encode("latin-1")
    )
    with pytest.raises(SourceFormatError, match="not well-formed XML") as info:
        list(un_sc.read(path))
    assert info.value.line == 2
