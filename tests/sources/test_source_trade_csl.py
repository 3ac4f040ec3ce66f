"""The trade.gov Consolidated Screening List reader, on a small CSV written in the May 2022 format (and
its gzip, which the snapshot builder reads) and on a JSON sample of some of its records."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, LISTS
from support.readers import read_error, reader_fixtures

from supplyscreen.model import Entity, Identifier, Relation
from supplyscreen.sources import trade_csl
from supplyscreen.sources.base import ReadReport

CSL_CSV = LISTS / "us_trade_csl" / "consolidated_2022-05.csv"
CSL_GZ = LISTS / "us_trade_csl" / "consolidated_2022-05.csv.gz"
FIXTURE = FIXTURES / "csl_sample.json"
HIKVISION_EL = "us_trade_csl:8288a0ae94f7a60a4317795e48fa1c40b5cd09c2"
DAHUA_EL = "us_trade_csl:249ae92d847e20964d091336aeac862f7bd21fa4"
XPCC_EL = "us_trade_csl:a7c63e7c27bfddeabd9153aee1bbf49947bb3de1"
DAHUA_DPL = "us_trade_csl:36ffe9bc6625c634d6dbb969ba071edb7b25c3fe"
WRENFIELD_DPL = "us_trade_csl:5bcd28691cef411e872669f58f9abcc35e3ab537"
NORTHWIND_EL = "us_trade_csl:8a6da314fa1b69a8e18b0eff320bb83150330f69"
KESTREL_ISN = "us_trade_csl:98093fc5a3311658f3909e574bdea6804592df10"
REDSHORE_ISN = "us_trade_csl:8cd4f6df24149f103641abb24ae0cc348bd78c0e"
HARLOW_DTC = "us_trade_csl:495ca4715a1fd9c69c4562988beab66defc3e358"
#: The columns of the 2022 CSV, in its order.
HEADER = [
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage", "vessel_flag",
    "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships", "dates_of_birth",
    "nationalities", "places_of_birth", "source_information_url", "ids",
]  # fmt: skip


read_result, entities = reader_fixtures(trade_csl.read_files, {"csv": CSL_GZ}, trade_csl.CODE)


@pytest.fixture(scope="module")
def csv_rows() -> list[list[str]]:
    with gzip.open(CSL_GZ, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def one_line_rows(csv_rows: list[list[str]]) -> list[list[str]]:
    """The header and the rows without a line break inside a field: row N is on line N of a file."""
    return [csv_rows[0]] + [row for row in csv_rows[1:] if not any("\n" in cell for cell in row)]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# -- the fixture file -------------------------------------------------------------------------


def test_gzip_fixture_is_the_plain_csv_compressed_without_a_timestamp() -> None:
    raw = CSL_GZ.read_bytes()
    assert gzip.decompress(raw) == CSL_CSV.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # mtime 0: the same bytes whenever it is rebuilt


def test_csv_has_the_2022_header_and_the_quirks_of_the_real_file(csv_rows: list[list[str]]) -> None:
    assert csv_rows[0] == HEADER
    assert all(len(row) == len(HEADER) for row in csv_rows)
    text = CSL_CSV.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text
    assert ',"",' in text  # empty list fields written as "" on OFAC records
    assert any("\n" in cell for row in csv_rows for cell in row)  # a line break inside a quoted field
    assert any(row[5] != row[5].strip() for row in csv_rows[1:])  # names with stray spaces


# -- reading the CSV --------------------------------------------------------------------------


def test_reads_30_records_into_26_entities_merging_repeated_ids(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 30
    assert len(entities) == 26
    assert dict(report.skipped) == {"duplicate_id_merged": 4}
    assert report.snapshot_date is None
    assert all(e.source_ids == [e.id] and e.id.startswith("us_trade_csl:") for e in entities.values())


def test_every_source_text_maps_to_a_list_code_with_exact_record_counts(csv_rows: list[list[str]]) -> None:
    source = csv_rows[0].index("source")
    counts = Counter(trade_csl.list_code_for_source(row[source]) for row in csv_rows[1:])
    assert counts == {
        "us_ofac_sdn": 8,
        "us_bis_entity_list": 4,
        "us_ofac_ssi": 3,
        "us_ofac_cap": 3,
        "us_state_dtc": 2,
        "us_bis_denied_persons": 2,
        "us_state_isn": 2,
        "us_bis_unverified": 1,
        "us_ofac_plc": 1,
        "us_bis_meu": 1,
        "us_ofac_cmic": 1,
        "us_ofac_mbs": 1,
        "us_ofac_fse": 1,
    }
    assert set(counts) == set(trade_csl.LIST_CODE_BY_SOURCE.values())


def test_entities_per_list_code_and_schema(entities: dict[str, Entity]) -> None:
    per_list = Counter(code for e in entities.values() for code in e.list_codes)
    assert per_list["us_ofac_sdn"] == 8
    assert per_list["us_bis_entity_list"] == 4
    assert per_list["us_ofac_cap"] == 2  # BANK OF KUNLUN is on the CAP list twice under one _id
    assert per_list["us_ofac_ssi"] == 3
    assert Counter(e.schema for e in entities.values()) == {
        "LegalEntity": 12,
        "Organization": 7,
        "Person": 4,
        "Vessel": 2,
        "Airplane": 1,
    }


def test_hikvision_entity_list_entry_has_alias_fr_notice_and_start_date(entities: dict[str, Entity]) -> None:
    hik = entities[HIKVISION_EL]
    assert hik.caption == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert [(n.value, n.kind) for n in hik.names][1:] == [("Hikvision", "alias")]
    assert hik.schema == "LegalEntity"
    assert hik.countries == ["cn"]
    assert any("Urumqi" in a.full and a.country == "cn" for a in hik.addresses)
    (m,) = hik.memberships
    assert m.list_code == "us_bis_entity_list"
    assert m.authority == "Entity List (EL) - Bureau of Industry and Security"
    assert m.federal_register == "84 FR 51720; 85 FR 47733"
    assert m.listed_on == "2019-10-21"
    assert m.ends_on is None and m.program is None
    assert m.source_id == HIKVISION_EL
    assert m.source_url == "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern"
    # the double space of the file is collapsed; requirement and policy are kept as the note
    assert m.note is not None and m.note.startswith(
        "License requirement: For all items subject to the EAR. ("
    )
    assert "presumption of denial" in m.note


def test_dahua_entity_list_entry_keeps_its_chinese_alias_and_odd_address(entities: dict[str, Entity]) -> None:
    dahua = entities[DAHUA_EL]
    assert dahua.caption == "Zhejiang Dahua Technology Co., Ltd."
    assert [(n.value, n.kind, n.script) for n in dahua.names[1:]] == [
        ("Dahua Technology", "alias", "Latin"),
        ("浙江大华技术股份有限公司", "alias", "Han"),
    ]
    assert [(a.full, a.country) for a in dahua.addresses] == [
        ("No. 66 Jiangling Road, Binjiang High-tech Zone,, Hangzhou, CN", "cn"),
        ("Room 1203, Block A, Huizhan Avenue, Xinjiang, Urumqi, CN", "cn"),
    ]
    assert dahua.list_codes == ["us_bis_entity_list"]


def test_xpcc_is_on_the_sdn_list_by_entity_number_and_on_the_entity_list(entities: dict[str, Entity]) -> None:
    sdn = entities["us_trade_csl:90001"]
    assert sdn.schema == "Organization"
    assert [(n.value, n.kind) for n in sdn.names] == [
        ("XINJIANG PRODUCTION AND CONSTRUCTION CORPS", "primary"),
        ("XPCC", "alias"),
    ]
    assert sdn.identifiers == [Identifier("ofac_ent_num", "90001")]  # ids written "" give none
    assert [(a.full, a.country) for a in sdn.addresses] == [("Urumqi, Xinjiang, CN", "cn")]
    assert [(m.list_code, m.program) for m in sdn.memberships] == [("us_ofac_sdn", "GLOMAG")]
    el = entities[XPCC_EL]
    assert el.list_codes == ["us_bis_entity_list"] and el.countries == ["cn"]
    official = entities["us_trade_csl:93101"]
    assert (
        Relation("linked_to", target_name="XINJIANG PRODUCTION AND CONSTRUCTION CORPS", source="us_trade_csl")
        in official.relations
    )


def test_hikvision_cmic_entry_is_an_organisation_with_uscc_and_isin(entities: dict[str, Entity]) -> None:
    cmic = entities["us_trade_csl:93205"]
    assert cmic.schema == "Organization"
    assert cmic.list_codes == ["us_ofac_cmic"]
    assert cmic.memberships[0].program == "CMIC-EO13959"
    assert Identifier("ofac_ent_num", "93205") in cmic.identifiers
    assert Identifier("uscc", "913301007000000017", "cn") in cmic.identifiers
    assert Identifier("isin", "CNE1000000X9") in cmic.identifiers
    assert Identifier("ticker", "002999 CN") in cmic.identifiers
    assert "Listing Date (CMIC): 16 Jun 2021" in cmic.notes
    assert "Target Type: Public Company" in cmic.notes


def test_dahua_electronics_is_on_denied_persons_in_flushing_ny(entities: dict[str, Entity]) -> None:
    dahua = [e for e in entities.values() if e.caption == "DAHUA ELECTRONICS CORPORATION"]
    assert [e.id for e in dahua] == [DAHUA_DPL]
    (entity,) = dahua
    assert entity.list_codes == ["us_bis_denied_persons"]
    assert [a.full for a in entity.addresses] == ["36-20 MAIN STREET, SUITE 4B, FLUSHING, NY, 11354"]
    assert entity.countries == ["us"]  # no country written: told by the state and ZIP code
    m = entity.memberships[0]
    assert (m.listed_on, m.ends_on, m.federal_register) == (
        "2017-09-29",
        "2025-11-20",
        "82 F.R. 46611 10/6/2017",
    )
    assert m.note == "Standard order: Y"
    assert entity.notes == ["FR NOTICE ADDED"]


def test_denied_person_with_stray_space_several_notices_and_no_standard_order(
    entities: dict[str, Entity],
) -> None:
    person = entities[WRENFIELD_DPL]
    assert person.caption == "T. WRENFIELD"
    assert person.schema == "LegalEntity"  # the Denied Persons List gives no type
    assert [(a.full, a.country) for a in person.addresses] == [
        ("1200 HARBOR BOULEVARD, UNIT 7, LONG BEACH, CA, 90802, US", "us")
    ]
    (m,) = person.memberships
    assert m.federal_register == "68 F.R. 38001 6/20/03 71 F.R. 38801 7/7/06"
    assert (m.listed_on, m.ends_on, m.note) == ("2003-06-12", "2033-06-12", None)
    assert person.notes == []


def test_gazprombank_records_on_mbs_and_ssi_merge_into_one_entity_with_ofac_ent_num(
    entities: dict[str, Entity],
) -> None:
    gpb = entities["us_trade_csl:93202"]
    assert gpb.caption == "GAZPROMBANK JOINT STOCK COMPANY"
    assert Identifier("ofac_ent_num", "93202") in gpb.identifiers
    assert gpb.identifiers.count(Identifier("ofac_ent_num", "93202")) == 1
    assert [(m.list_code, m.program) for m in gpb.memberships] == [
        ("us_ofac_mbs", "UKRAINE-EO13662"),
        ("us_ofac_mbs", "MBS"),
        ("us_ofac_ssi", "UKRAINE-EO13662"),
        ("us_ofac_ssi", "RUSSIA-EO14024"),
    ]
    assert Identifier("tax_number", "7700000017", "ru") in gpb.identifiers
    assert Identifier("swift_bic", "GPBKRUMM") in gpb.identifiers
    assert len([n for n in gpb.names if n.value == "BANK GPB JSC"]) == 1
    assert "Website: www.example-gpb.ru" in gpb.notes  # a website is never an identifier
    assert (
        "Secondary sanctions risk: Ukraine-/Russia-Related Sanctions Regulations, 31 CFR 589.201" in gpb.notes
    )
    swiss = entities["us_trade_csl:93203"]
    assert Relation("linked_to", target_name="GAZPROMBANK JOINT STOCK COMPANY", source="us_trade_csl") in (
        swiss.relations
    )
    assert [a.full for a in swiss.addresses] == [
        "Bahnhofstrasse 100, Zurich, 8001, CH",
        "Bahnhofstrasse 100, Zurich, 8021, CH",
    ]


def test_records_on_cap_ssi_and_sdn_merge_into_one_entity_on_three_lists(entities: dict[str, Entity]) -> None:
    sber = entities["us_trade_csl:93201"]
    assert sber.schema == "Organization"
    assert sber.list_codes == ["us_ofac_cap", "us_ofac_ssi", "us_ofac_sdn"]
    assert [n.value for n in sber.names] == [
        "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA",
        "SBERBANK OF RUSSIA",
        "SBERBANK",
        "PAO SBERBANK",  # only the SDN record has it
    ]
    assert sber.identifiers == [
        Identifier("ofac_ent_num", "93201"),
        Identifier("tax_number", "7700000025", "ru"),
        Identifier("registration_number", "1027700000025", "ru"),
        Identifier("swift_bic", "SBTSRUMM"),
    ]
    assert len(sber.addresses) == 1
    assert "Organization Established Date: 21 Jun 1991" in sber.notes
    assert "Listing Date (EO 14024 Directive 2): 25 Feb 2022" in sber.notes


def test_the_same_record_twice_on_one_list_gives_one_membership(
    entities: dict[str, Entity], csv_rows: list[list[str]]
) -> None:
    assert sum(1 for row in csv_rows if row[0] == "93204") == 2
    kunlun = entities["us_trade_csl:93204"]
    assert kunlun.caption == "BANK OF KUNLUN CO LTD"
    (m,) = kunlun.memberships
    assert (m.list_code, m.program) == ("us_ofac_cap", "561-Related")
    assert [a.country for a in kunlun.addresses] == ["cn", "cn"]
    assert kunlun.identifiers == [Identifier("ofac_ent_num", "93204"), Identifier("swift_bic", "KLBKCNBJ")]


def test_sdn_individual_has_birth_dates_nationalities_gender_and_passport(
    entities: dict[str, Entity],
) -> None:
    person = entities["us_trade_csl:93102"]
    assert person.schema == "Person"
    assert person.caption == "MARENGO TULU, Okello"
    assert [n.value for n in person.names[1:]] == ["MARENGO, Okello", "TULU MARENGO, Okello"]
    assert person.birth_dates == ["1975-04-11", "1975-11-04"]
    assert person.nationalities == ["ss", "sd"]
    assert person.countries == ["ke", "ss", "sd"]
    assert person.gender == "male"
    assert person.title == "Chairman of Lakeshore Civil Works Ltd"
    # "SS, 2019-03-01, 2014-03-02, R00012345, Passport": country, expiry and issue dates, number, type
    assert Identifier("passport", "R00012345", "ss") in person.identifiers
    assert person.birth_places == ["Malakal, Sudan", "Bor, South Sudan"]
    assert person.memberships[0].program == "GLOMAG"


def test_birth_date_ranges_and_circa_years(entities: dict[str, Entity]) -> None:
    assert entities["us_trade_csl:93101"].birth_dates == ["1961", "1962", "1963"]
    plc = entities["us_trade_csl:93301"]
    assert plc.birth_dates == ["1962"]  # "circa 1962"
    assert plc.list_codes == ["us_ofac_plc"] and plc.memberships[0].program == "NS-PLC"
    assert plc.notes == ["HAMAS - Nablus"]
    assert plc.birth_places == ["Nablus"]


def test_foreign_sanctions_evader_has_citizenship_and_passport(entities: dict[str, Entity]) -> None:
    fse = entities["us_trade_csl:93302"]
    assert fse.schema == "Person"
    assert [(m.list_code, m.program) for m in fse.memberships] == [
        ("us_ofac_fse", "SYRIA"),
        ("us_ofac_fse", "FSE-SY"),
    ]
    assert fse.nationalities == ["nl"] and fse.countries == ["nl"]
    assert Identifier("passport", "NX1234567", "nl") in fse.identifiers


def test_vessel_has_imo_call_sign_flag_and_owner(entities: dict[str, Entity]) -> None:
    ship = entities["us_trade_csl:93103"]
    assert ship.schema == "Vessel"
    assert Identifier("imo", "9311751") in ship.identifiers
    assert Identifier("call_sign", "3FZX7") in ship.identifiers
    assert ship.countries == ["pa"]
    assert Relation("owned_by", target_name="NITC", source="us_trade_csl") in ship.relations
    assert "Former Vessel Flag: Tanzania" in ship.notes
    assert "Vessel type: Crude Oil Tanker" in ship.notes
    assert "Gross tonnage: 156000" in ship.notes
    assert "Gross registered tonnage: 81500" in ship.notes


def test_vessel_registration_imo_company_number_and_aircraft(entities: dict[str, Entity]) -> None:
    yacht = entities["us_trade_csl:93104"]
    assert Identifier("vessel_registration", "RS 204417", "ru") in yacht.identifiers
    assert Identifier("mmsi", "273000417") in yacht.identifiers
    assert yacht.countries == ["ru"]
    company = entities["us_trade_csl:93105"]
    assert company.schema == "Organization"
    assert Identifier("imo", "5403128") in company.identifiers  # "IMO 5403128, Identification Number"
    assert Identifier("registration_number", "12004417", "gb") in company.identifiers
    assert company.countries == ["gb", "cn"]
    plane = entities["us_trade_csl:93106"]
    assert plane.schema == "Airplane"
    assert Identifier("aircraft_construction_number", "6021") in plane.identifiers
    assert "Aircraft Model: A310-304" in plane.notes
    assert Relation("linked_to", target_name="MAHAN AIR", source="us_trade_csl") in plane.relations


def test_line_breaks_and_stray_spaces_in_fields_are_collapsed(entities: dict[str, Entity]) -> None:
    northwind = entities[NORTHWIND_EL]
    assert northwind.caption == "Northwind Optoelectronics Co., Ltd."
    assert [a.full for a in northwind.addresses] == [
        "Room 1708, Building 3, No. 88 Keji Road, Nanshan District, Shenzhen, CN"
    ]
    assert entities[KESTREL_ISN].caption == "Kestrel Chemical Works"


def test_state_department_lists(entities: dict[str, Entity]) -> None:
    isn = entities[REDSHORE_ISN]
    assert [(m.list_code, m.program) for m in isn.memberships] == [
        ("us_state_isn", "Missile Sanctions laws"),
        ("us_state_isn", "E.O. 13382"),
    ]
    assert isn.memberships[0].federal_register == "Vol. 87, No. 19, 01/28/2022"
    assert isn.memberships[0].listed_on == "2022-01-24"
    dtc = entities[HARLOW_DTC]
    assert dtc.schema == "LegalEntity" and dtc.countries == []
    assert [n.value for n in dtc.names] == ["Harlow Tactical Supply, Inc.", "Harlow Tactical", "HTS Inc."]
    (m,) = dtc.memberships
    assert (m.list_code, m.program, m.federal_register, m.listed_on) == (
        "us_state_dtc",
        None,
        "84 FR 21888",
        None,
    )


def test_list_code_for_source_matches_on_abbreviation_despite_rewording() -> None:
    assert trade_csl.list_code_for_source("Entity List (EL) - Bureau of Industry and Security") == (
        "us_bis_entity_list"
    )
    assert trade_csl.list_code_for_source("Entity List (EL) - Commerce Department") == "us_bis_entity_list"
    assert trade_csl.list_code_for_source("Non-SDN Menu-Based Sanctions List (NS-MBS List)") == "us_ofac_mbs"
    assert trade_csl.list_code_for_source("Military End User (MEU) List - BIS") == "us_bis_meu"
    assert trade_csl.list_code_for_source("Capta List (CAP)") == "us_ofac_cap"
    assert trade_csl.list_code_for_source("Some New List (XYZ) - Nowhere") is None
    assert len(trade_csl.LIST_CODE_BY_SOURCE) == 13


# -- JSON -------------------------------------------------------------------------------------


def test_json_sample_gives_the_same_entities_as_the_csv(entities: dict[str, Entity]) -> None:
    report = ReadReport(trade_csl.CODE)
    from_json = list(trade_csl.read_json_files({"json": FIXTURE}, report))
    assert report.records == 8
    assert dict(report.skipped) == {"duplicate_id_merged": 1}
    assert report.notes == []
    assert [e.id for e in from_json] == [
        DAHUA_DPL,
        "us_trade_csl:93202",
        "us_trade_csl:93205",
        HIKVISION_EL,
        "us_trade_csl:93102",
        "us_trade_csl:93103",
        DAHUA_EL,
    ]
    for entity in from_json:
        assert entity == entities[entity.id], entity.id


def test_json_snapshot_date_is_the_newest_source_update() -> None:
    report = ReadReport(trade_csl.CODE)
    list(trade_csl.read_json_files({"json": FIXTURE}, report))
    assert report.snapshot_date == "2022-05-16"


def test_json_accepts_strings_nulls_and_numbers_for_list_fields(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    person = next(r for r in doc["results"] if r["_id"] == "93102")
    person["dates_of_birth"] = "1975-04-11; 1975-11-04"
    person["alt_names"] = None
    person["entity_number"] = 93102
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps({"results": [person], "total": 2}), encoding="utf-8")
    report = ReadReport(trade_csl.CODE)
    (entity,) = trade_csl.read_json_files({"json": path}, report)
    assert entity.birth_dates == ["1975-04-11", "1975-11-04"]
    assert [n.value for n in entity.names] == ["MARENGO TULU, Okello"]
    assert Identifier("ofac_ent_num", "93102") in entity.identifiers
    assert report.snapshot_date is None
    assert report.notes == ["consolidated.json: 'total' says 2 records, 'results' holds 1"]


def test_read_tells_csv_from_json_and_plain_from_gzip(tmp_path: Path) -> None:
    assert sum(1 for _ in trade_csl.read(CSL_CSV)) == 26
    assert sum(1 for _ in trade_csl.read(CSL_GZ)) == 26
    packed = tmp_path / "consolidated.json.gz"
    packed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert sum(1 for _ in trade_csl.read(packed)) == 7


def test_source_specs_name_the_official_files() -> None:
    assert trade_csl.SOURCE.code == trade_csl.SOURCE_JSON.code == "us_trade_csl"
    (csv_file,) = trade_csl.SOURCE.files
    (json_file,) = trade_csl.SOURCE_JSON.files
    assert (csv_file.role, csv_file.filename) == ("csv", "consolidated.csv")
    assert (json_file.role, json_file.filename) == ("json", "consolidated.json")
    assert json_file.url.endswith("/v1/consolidated.json")


# -- bad input --------------------------------------------------------------------------------


def _edited_csv(path: Path, rows: list[list[str]], row: int, column: str, value: str) -> Path:
    """``rows`` written to ``path``, the ``column`` cell of row ``row`` (0: the header) set to ``value``."""
    rows = [list(r) for r in rows]
    rows[row][rows[0].index(column)] = value
    return _write_csv(path, rows)


def test_truncated_gzip_raises_naming_file_line_and_field(tmp_path: Path) -> None:
    cut = tmp_path / "consolidated_cut.csv.gz"
    raw = CSL_GZ.read_bytes()
    cut.write_bytes(raw[: len(raw) // 2])
    error = read_error(trade_csl.SOURCE.read_file, cut)
    assert "consolidated_cut.csv.gz" in str(error)
    assert "truncated" in str(error)
    lines = CSL_CSV.read_text(encoding="utf-8").count("\n")
    assert error.line is not None and 1 < error.line < lines
    assert error.field in HEADER


def test_truncated_plain_csv_raises_naming_line_and_missing_field(
    tmp_path: Path, one_line_rows: list[list[str]]
) -> None:
    path = _write_csv(tmp_path / "consolidated.csv", one_line_rows[:11])
    text = path.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    path.write_text(text[: len(text) - len(last) - 1 + last.index(",") + 1], encoding="utf-8")
    error = read_error(trade_csl.SOURCE.read_file, path)
    assert "consolidated.csv, line 11" in str(error)
    assert error.field == "entity_number"


def test_wrongly_encoded_file_raises_naming_line_and_field(
    tmp_path: Path, one_line_rows: list[list[str]]
) -> None:
    path = _edited_csv(tmp_path / "latin1.csv", one_line_rows[:6], 3, "name", "CAF@@ HOLDINGS")
    path.write_bytes(path.read_bytes().replace(b"@@", "É".encode("latin-1")))
    error = read_error(trade_csl.SOURCE.read_file, path)
    assert (error.line, error.field) == (4, "name")
    assert "latin1.csv" in str(error) and "UTF-8" in str(error)


def test_missing_header_column_raises(tmp_path: Path, one_line_rows: list[list[str]]) -> None:
    path = _edited_csv(tmp_path / "noheader.csv", one_line_rows[:4], 0, "source", "list")
    error = read_error(trade_csl.SOURCE.read_file, path)
    assert (error.line, error.field) == (1, "source")
    assert "noheader.csv" in str(error)


def test_unknown_source_raises_naming_line_and_field(tmp_path: Path, one_line_rows: list[list[str]]) -> None:
    path = _edited_csv(
        tmp_path / "newlist.csv", one_line_rows[:6], 4, "source", "Some New List (XYZ) - Nowhere"
    )
    error = read_error(trade_csl.SOURCE.read_file, path)
    assert (error.line, error.field) == (5, "source")
    assert "Some New List" in str(error) and "newlist.csv" in str(error)


def test_unknown_source_in_json_names_the_record(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["results"][2]["source"] = "Some New List (XYZ) - Nowhere"
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_error(trade_csl.SOURCE_JSON.read_file, path).field == "results[2].source"


def test_truncated_json_raises_with_line(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    path = tmp_path / "consolidated.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    error = read_error(trade_csl.SOURCE_JSON.read_file, path)
    assert "consolidated.json" in str(error)
    assert error.line is not None and error.line > 100


def test_leading_and_of_the_last_alias_is_dropped(entities: dict[str, Entity]) -> None:
    entity = entities[XPCC_EL]
    assert [n.value for n in entity.names] == [
        "Xinjiang Production and Construction Corps (XPCC)",
        "XPCC",
        "Xinjiang Bingtuan",
        "Bingtuan Corps",  # written "and Bingtuan Corps"
    ]
