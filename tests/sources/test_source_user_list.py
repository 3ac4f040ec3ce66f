"""User watchlists: CSV (any of three delimiters, with or without BOM) or FtM JSON lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from supplyscreen.errors import SourceFormatError, StoreError
from supplyscreen.model import Entity, Membership, Relation
from supplyscreen.sources.base import ReadReport
from supplyscreen.sources.user_list import read_user_list, user_list_spec, validate_list_name

USER_LISTS = FIXTURES / "user_lists"
SEMICOLON_BOM = USER_LISTS / "vendors_semicolon_bom.csv"
FTM_JSONL = USER_LISTS / "licensed.ftm.jsonl"


def _read(name: str, path: Path) -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(source=f"user_{name}")
    return {e.id: e for e in read_user_list(name, path, report)}, report


def test_semicolon_csv_with_bom_reads_rows_and_skips_empty_names() -> None:
    assert SEMICOLON_BOM.read_bytes().startswith(b"\xef\xbb\xbf")
    entities, report = _read("internal_blacklist", SEMICOLON_BOM)
    assert list(entities) == [
        "user_internal_blacklist:V-001",
        "user_internal_blacklist:V-002",
        "user_internal_blacklist:V-004",
    ]
    assert report.records == 5
    assert report.skipped == {"empty_name": 2}


def test_csv_aliases_split_on_semicolon_and_bar_and_country_mapped() -> None:
    entities, _ = _read("internal_blacklist", SEMICOLON_BOM)
    hik = entities["user_internal_blacklist:V-001"]
    assert hik.schema == "Company"
    assert [(n.value, n.kind, n.script) for n in hik.names] == [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "primary", "Latin"),
        ("Hikvision", "alias", "Latin"),
        ("海康威视", "alias", "Han"),
        ("HIK", "alias", "Latin"),
    ]
    assert hik.countries == ["cn"]
    assert hik.source_ids == ["user_internal_blacklist:V-001"]
    assert hik.memberships == [
        Membership(
            list_code="internal_blacklist",
            authority="user list",
            status="official",
            note="Internal ban since 2023-05",
            source_id="V-001",
        )
    ]
    assert entities["user_internal_blacklist:V-002"].countries == ["de"]  # ISO2 given
    assert entities["user_internal_blacklist:V-002"].schema == "Organization"  # default
    roe = entities["user_internal_blacklist:V-004"]
    assert (roe.schema, roe.countries, roe.memberships[0].note) == ("Person", ["gb"], None)


def test_comma_and_tab_csv_default_ids_are_row_numbers(tmp_path: Path) -> None:
    for delimiter, fname in ((",", "list.csv"), ("\t", "list.tsv")):
        path = tmp_path / fname
        rows = ["Name,Country", "Acme Surveillance Ltd,CN", "", " ,DE", "Beta Corp,"]
        path.write_text("\n".join(r.replace(",", delimiter) for r in rows) + "\n", encoding="utf-8")
        entities, report = _read("vendors", path)
        assert list(entities) == ["user_vendors:1", "user_vendors:3"]
        assert entities["user_vendors:3"].caption == "Beta Corp"
        assert report.skipped == {"empty_name": 1}
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('name,country,aliases,extra\n"Foo, Inc.",Hong Kong,"F1|F2",x\n', encoding="utf-8")
    entities, report = _read("vendors", quoted)
    foo = entities["user_vendors:1"]
    assert ([n.value for n in foo.names], foo.countries) == (["Foo, Inc.", "F1", "F2"], ["hk"])
    assert report.notes == ["ignored columns: extra"]


def test_repeated_id_rows_merge_into_one_entity(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,name\n7,Gamma Ltd\n7,Gamma Limited\n", encoding="utf-8")
    entities, report = _read("vendors", path)
    assert [n.value for n in entities["user_vendors:7"].names] == ["Gamma Ltd", "Gamma Limited"]
    assert report.records == 2 and len(entities) == 1


def test_ftm_jsonl_input_is_renamed_and_put_on_the_user_list() -> None:
    entities, report = _read("licensed", FTM_JSONL)
    assert report.records == 4
    company = entities["user_licensed:lic-1"]
    assert company.names[1].value == "深圳示例电子有限公司"
    assert company.countries == ["cn"]
    assert company.source_ids == ["user_licensed:lic-1"]
    [m] = company.memberships
    assert (m.list_code, m.program, m.authority, m.listed_on) == (
        "licensed",
        "High risk",
        "Vendor risk team",
        "2024-02-01",
    )
    assert m.note == "listed as us_ofac_sdn in the user's file"
    assert company.relations == [
        Relation("owned_by", target_id="user_licensed:lic-2", share=60.0, source="ftm")
    ]
    person = entities["user_licensed:lic-2"]
    assert person.memberships == [Membership(list_code="licensed", authority="user list", source_id="lic-2")]


def test_ftm_detected_by_first_brace_whatever_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(b"\n  " + FTM_JSONL.read_bytes())
    entities, _ = _read("licensed", path)
    assert sorted(entities) == ["user_licensed:lic-1", "user_licensed:lic-2"]


@pytest.mark.parametrize("name", ["us_ofac_sdn", "un_sc", "Internal", "a", "1list", "my-list", "x" * 42, ""])
def test_bad_list_names_are_refused(name: str) -> None:
    with pytest.raises(StoreError, match=repr(name)):
        validate_list_name(name)


def test_official_code_clash_message_says_taken() -> None:
    with pytest.raises(StoreError, match="taken by an official list"):
        validate_list_name("us_bis_entity_list")
    assert validate_list_name("internal_blacklist_2") == "internal_blacklist_2"
    assert validate_list_name("ab") == "ab"


def test_missing_name_column_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "noname.csv"
    path.write_text("company;country\nAcme;CN\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(read_user_list("vendors", path, ReadReport(source="u")))
    assert (err.value.field, err.value.line) == ("name", 1)
    assert "noname.csv" in str(err.value)


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"name,country\nAcme,CN\nSoci\xe9t\xe9 G\xe9n\xe9rale,FR\n")
    with pytest.raises(SourceFormatError, match="latin1.csv, line 3: not UTF-8") as err:
        list(read_user_list("vendors", path, ReadReport(source="u")))
    assert err.value.line == 3


def test_bad_schema_and_too_many_cells_are_errors(tmp_path: Path) -> None:
    schema = tmp_path / "schema.csv"
    schema.write_text("name,schema\nAcme,Company\nBoat,Ship\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as err:
        list(read_user_list("vendors", schema, ReadReport(source="u")))
    assert (err.value.line, err.value.field) == (3, "schema")
    cells = tmp_path / "cells.csv"
    cells.write_text("name;country\nAcme;CN;extra cell\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="line 2: row has 3 cells"):
        list(read_user_list("vendors", cells, ReadReport(source="u")))


def test_bad_name_refused_before_the_file_is_read(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        list(read_user_list("us_ofac_sdn", tmp_path / "missing.csv", ReadReport(source="u")))


def test_user_list_spec_reads_through_the_reader_contract() -> None:
    spec = user_list_spec("internal_blacklist", str(SEMICOLON_BOM))
    assert spec.code == "user_internal_blacklist"
    assert spec.official is False
    [file] = spec.files
    assert (file.role, file.filename, file.url) == ("file", "vendors_semicolon_bom.csv", "")
    report = ReadReport(source=spec.code)
    entities = list(spec.read({"file": SEMICOLON_BOM}, report))
    assert len(entities) == 3 and report.skipped == {"empty_name": 2}
