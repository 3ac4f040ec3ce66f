"""The trade.gov Consolidated Screening List reader, on the real May 2022 CSV and a JSON sample of it."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier, Relation
from supplyscreen.sources import trade_csl
from supplyscreen.sources.base import ReadReport

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CSL_GZ = DATA / "lists" / "us_trade_csl" / "consolidated_2022-05.csv.gz"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "csl_sample.json"
HIKVISION_EL = "us_trade_csl:f095626c9f8becc70b5948507fb6de6e443b257a"
DAHUA_DPL = "us_trade_csl:9d575b755f97b8e5e97a297c95fdc3a197a16fe8"


@pytest.fixture(scope="module")
def csl() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(trade_csl.CODE)
    entities = {e.id: e for e in trade_csl.read_files({"csv": CSL_GZ}, report)}
    return entities, report


@pytest.fixture(scope="module")
def csv_rows() -> list[list[str]]:
    with gzip.open(CSL_GZ, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# -- real data --------------------------------------------------------------------------------


def test_reads_14160_records_into_14048_entities_merging_repeated_ids(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = csl
    assert report.records == 14160
    assert len(entities) == 14048
    assert dict(report.skipped) == {"duplicate_id_merged": 112}
    assert report.snapshot_date is None
    assert all(e.source_ids == [e.id] and e.id.startswith("us_trade_csl:") for e in entities.values())


def test_every_source_text_maps_to_a_list_code_with_exact_record_counts(csv_rows: list[list[str]]) -> None:
    source = csv_rows[0].index("source")
    counts = Counter(trade_csl.list_code_for_source(row[source]) for row in csv_rows[1:])
    assert counts == {
        "us_ofac_sdn": 10026,
        "us_bis_entity_list": 2001,
        "us_state_dtc": 727,
        "us_bis_denied_persons": 462,
        "us_ofac_ssi": 290,
        "us_bis_unverified": 201,
        "us_state_isn": 163,
        "us_ofac_plc": 78,
        "us_bis_meu": 71,
        "us_ofac_cmic": 68,
        "us_ofac_cap": 53,
        "us_ofac_mbs": 17,
        "us_ofac_fse": 3,
    }


def test_entities_per_list_code_and_schema(csl: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = csl
    per_list = Counter(code for e in entities.values() for code in e.list_codes)
    assert per_list["us_ofac_sdn"] == 10026
    assert per_list["us_bis_entity_list"] == 2001
    assert per_list["us_ofac_cap"] == 52  # BANK OF KUNLUN is on the CAP list twice under one _id
    assert per_list["us_ofac_ssi"] == 290
    assert Counter(e.schema for e in entities.values()) == {
        "Person": 5284,
        "Organization": 4423,
        "LegalEntity": 3625,
        "Vessel": 433,
        "Airplane": 283,
    }


def test_hikvision_entity_list_entry_has_alias_fr_notice_and_start_date(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = csl
    hik = entities[HIKVISION_EL]
    assert hik.caption == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert [(n.value, n.kind) for n in hik.names][1:] == [("Hikvision", "alias")]
    assert hik.schema == "LegalEntity"
    assert hik.countries == ["cn"]
    assert any("Urumqi" in a.full and a.country == "cn" for a in hik.addresses)
    (m,) = hik.memberships
    assert m.list_code == "us_bis_entity_list"
    assert m.authority == "Entity List (EL) - Bureau of Industry and Security"
    assert m.federal_register == "84 FR 54002; 85 FR 44159"
    assert m.listed_on == "2019-10-09"
    assert m.ends_on is None and m.program is None
    assert m.source_id == HIKVISION_EL
    assert m.note is not None and m.note.startswith("License requirement: For all items subject to the EAR.")
    assert "presumption of denial" in m.note


def test_hikvision_cmic_entry_is_an_organisation_with_uscc_and_isin(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = csl
    cmic = entities["us_trade_csl:30946"]
    assert cmic.schema == "Organization"
    assert cmic.list_codes == ["us_ofac_cmic"]
    assert cmic.memberships[0].program == "CMIC-EO13959"
    assert Identifier("ofac_ent_num", "30946") in cmic.identifiers
    assert Identifier("uscc", "91330000733796106P", "cn") in cmic.identifiers
    assert Identifier("isin", "CNE100000PM8") in cmic.identifiers
    assert "Listing Date (CMIC): 03 Jun 2021" in cmic.notes


def test_dahua_electronics_is_on_denied_persons_in_flushing_ny(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = csl
    dahua = [e for e in entities.values() if e.caption == "DAHUA ELECTRONICS CORPORATION"]
    assert [e.id for e in dahua] == [DAHUA_DPL]
    (entity,) = dahua
    assert entity.list_codes == ["us_bis_denied_persons"]
    assert [a.full for a in entity.addresses] == ["134-12 59HT AVENUE, FLUSHING, NY, 11355"]
    assert entity.countries == ["us"]
    m = entity.memberships[0]
    assert (m.listed_on, m.ends_on, m.federal_register) == (
        "2017-09-28",
        "2025-11-19",
        "82 F.R. 46480 10/5/2017",
    )
    assert m.note == "Standard order: Y"


def test_gazprombank_records_on_mbs_and_ssi_merge_into_one_entity_with_ofac_ent_num(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = csl
    gpb = entities["us_trade_csl:17016"]
    assert gpb.caption == "GAZPROMBANK JOINT STOCK COMPANY"
    assert Identifier("ofac_ent_num", "17016") in gpb.identifiers
    assert gpb.identifiers.count(Identifier("ofac_ent_num", "17016")) == 1
    assert [(m.list_code, m.program) for m in gpb.memberships] == [
        ("us_ofac_mbs", "UKRAINE-EO13662"),
        ("us_ofac_mbs", "MBS"),
        ("us_ofac_ssi", "UKRAINE-EO13662"),
        ("us_ofac_ssi", "RUSSIA-EO14024"),
    ]
    assert Identifier("tax_number", "7744001497", "ru") in gpb.identifiers
    assert Identifier("swift_bic", "GAZPRUMM") in gpb.identifiers
    assert len([n for n in gpb.names if n.value == "BANK GPB JSC"]) == 1
    swiss = entities["us_trade_csl:20312"]
    assert Relation("linked_to", target_name="GAZPROMBANK JOINT STOCK COMPANY", source="us_trade_csl") in (
        swiss.relations
    )


def test_sdn_individual_has_birth_dates_nationalities_gender_and_passport(
    csl: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = csl
    bol = entities["us_trade_csl:23283"]
    assert bol.schema == "Person"
    assert bol.caption == "BOL MEL, Benjamin"
    assert bol.birth_dates == ["1978-01-03", "1978-12-24"]
    assert bol.nationalities == ["ss", "sd"]
    assert bol.countries == ["ke", "ss", "sd"]
    assert bol.gender == "male"
    assert bol.title == "President of ABMC Thai-South Sudan Construction Company"
    assert Identifier("passport", "B00000006", "ss") in bol.identifiers
    assert bol.birth_places[0] == "Awiil, Sudan"
    assert bol.memberships[0].program == "GLOMAG"
    assert entities["us_trade_csl:19810"].birth_dates == ["1958", "1959", "1960"]


def test_vessel_has_imo_call_sign_flag_and_owner(csl: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = csl
    ship = entities["us_trade_csl:15903"]
    assert ship.schema == "Vessel"
    assert Identifier("imo", "9569683") in ship.identifiers
    assert Identifier("call_sign", "5IM656") in ship.identifiers
    assert ship.countries == ["pa"]
    assert Relation("owned_by", target_name="NITC", source="us_trade_csl") in ship.relations
    assert "Former Vessel Flag: Tanzania" in ship.notes


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


def test_json_sample_gives_the_same_entities_as_the_csv(csl: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = csl
    report = ReadReport(trade_csl.CODE)
    from_json = list(trade_csl.read_json_files({"json": FIXTURE}, report))
    assert report.records == 8
    assert dict(report.skipped) == {"duplicate_id_merged": 1}
    assert [e.id for e in from_json] == [
        HIKVISION_EL,
        "us_trade_csl:30946",
        DAHUA_DPL,
        "us_trade_csl:35064",
        "us_trade_csl:23283",
        "us_trade_csl:17016",
        "us_trade_csl:15903",
    ]
    for entity in from_json:
        assert entity == entities[entity.id], entity.id


def test_json_snapshot_date_is_the_newest_source_update() -> None:
    report = ReadReport(trade_csl.CODE)
    list(trade_csl.read_json_files({"json": FIXTURE}, report))
    assert report.snapshot_date == "2022-05-17"


def test_json_accepts_strings_nulls_and_numbers_for_list_fields(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    bol = next(r for r in doc["results"] if r["_id"] == "23283")
    bol["dates_of_birth"] = "1978-01-03; 1978-12-24"
    bol["alt_names"] = None
    bol["entity_number"] = 23283
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps({"results": [bol], "total": 2}), encoding="utf-8")
    report = ReadReport(trade_csl.CODE)
    (entity,) = trade_csl.read_json_files({"json": path}, report)
    assert entity.birth_dates == ["1978-01-03", "1978-12-24"]
    assert [n.value for n in entity.names] == ["BOL MEL, Benjamin"]
    assert Identifier("ofac_ent_num", "23283") in entity.identifiers
    assert report.snapshot_date is None
    assert report.notes == ["consolidated.json: 'total' says 2 records, 'results' holds 1"]


def test_read_tells_csv_from_json_and_plain_from_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "consolidated.csv"
    plain.write_bytes(gzip.decompress(CSL_GZ.read_bytes()))
    assert sum(1 for _ in trade_csl.read(plain)) == 14048
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


def test_truncated_gzip_raises_naming_file_line_and_field(tmp_path: Path) -> None:
    cut = tmp_path / "consolidated_cut.csv.gz"
    raw = CSL_GZ.read_bytes()
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_files({"csv": cut}, ReadReport(trade_csl.CODE)))
    assert "consolidated_cut.csv.gz" in str(err.value)
    assert "truncated" in str(err.value)
    assert err.value.line is not None and err.value.line > 1000
    assert err.value.field is not None


def test_truncated_plain_csv_raises_naming_line_and_missing_field(
    tmp_path: Path, csv_rows: list[list[str]]
) -> None:
    path = _write_csv(tmp_path / "consolidated.csv", csv_rows[:11])
    text = path.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    path.write_text(text[: len(text) - len(last) - 1 + last.index(",") + 1], encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_files({"csv": path}, ReadReport(trade_csl.CODE)))
    assert "consolidated.csv, line 11" in str(err.value)
    assert err.value.field == "entity_number"


def test_wrongly_encoded_file_raises_naming_line_and_field(tmp_path: Path, csv_rows: list[list[str]]) -> None:
    rows = [list(r) for r in csv_rows[:6]]
    rows[3][rows[0].index("name")] = "CAF@@ HOLDINGS"
    path = _write_csv(tmp_path / "latin1.csv", rows)
    path.write_bytes(path.read_bytes().replace(b"@@", "É".encode("latin-1")))
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_files({"csv": path}, ReadReport(trade_csl.CODE)))
    assert (err.value.line, err.value.field) == (4, "name")
    assert "latin1.csv" in str(err.value) and "UTF-8" in str(err.value)


def test_missing_header_column_raises(tmp_path: Path, csv_rows: list[list[str]]) -> None:
    rows = [list(r) for r in csv_rows[:4]]
    rows[0][rows[0].index("source")] = "list"
    path = _write_csv(tmp_path / "noheader.csv", rows)
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_files({"csv": path}, ReadReport(trade_csl.CODE)))
    assert (err.value.line, err.value.field) == (1, "source")
    assert "noheader.csv" in str(err.value)


def test_unknown_source_raises_naming_line_and_field(tmp_path: Path, csv_rows: list[list[str]]) -> None:
    rows = [list(r) for r in csv_rows[:6]]
    rows[4][rows[0].index("source")] = "Some New List (XYZ) - Nowhere"
    path = _write_csv(tmp_path / "newlist.csv", rows)
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_files({"csv": path}, ReadReport(trade_csl.CODE)))
    assert (err.value.line, err.value.field) == (5, "source")
    assert "Some New List" in str(err.value) and "newlist.csv" in str(err.value)


def test_unknown_source_in_json_names_the_record(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["results"][2]["source"] = "Some New List (XYZ) - Nowhere"
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_json_files({"json": path}, ReadReport(trade_csl.CODE)))
    assert err.value.field == "results[2].source"


def test_truncated_json_raises_with_line(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    path = tmp_path / "consolidated.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(trade_csl.read_json_files({"json": path}, ReadReport(trade_csl.CODE)))
    assert "consolidated.json" in str(err.value)
    assert err.value.line is not None and err.value.line > 100


def test_leading_and_of_the_last_alias_is_dropped(csl: tuple[dict[str, Entity], ReadReport]) -> None:
    entity = csl[0]["us_trade_csl:38c951ed5690eb57b83e69fa444de9ae64b8cc0d"]
    assert [n.value for n in entity.names] == [
        "Xinjiang Production and Construction Corps (XPCC)",
        "XPCC",
        "Xinjiang Corps",
        "Bingtuan",
    ]
