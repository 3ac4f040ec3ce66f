"""FollowTheMoney JSON lines and OpenSanctions delta files (samples read in place, CC BY-NC)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier, Membership, Name, Relation, entities_from_ftm, to_ftm
from supplyscreen.sources import ftm
from supplyscreen.sources.base import ReadReport

FORMATS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "formats"
T1 = FORMATS / "yente_t1_entities.ftm.json"
DELTA = FORMATS / "yente_entities.delta.json"


def _read_t1() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(source="ftm")
    entities = {e.id: e for e in ftm.read_files({"jsonl": T1}, report)}
    return entities, report


def test_source_spec_is_ftm_with_jsonl_role() -> None:
    assert ftm.SOURCE.code == "ftm"
    assert ftm.SOURCE.file_roles() == ["jsonl"]
    assert ftm.SOURCE.official is False


def test_t1_file_has_seven_objects_six_entities_and_an_address() -> None:
    entities, report = _read_t1()
    assert report.records == 7
    assert sorted(report.skipped.elements()) == []
    assert len(entities) == 6
    assert "NK-2MQE6AmhAk4tqhENJAMUG9" not in entities  # the Address object is not an entity
    schemas = Counter(e.schema for e in entities.values())
    assert schemas == Counter({"Person": 4, "Organization": 2})


def test_t1_names_keep_cyrillic_and_greek_and_caption_is_primary() -> None:
    entities, _ = _read_t1()
    tobacco = entities["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert tobacco.caption == "RAB „Inter Tobacco“"
    assert len(tobacco.names) == 12
    by_value = {n.value: n for n in tobacco.names}
    cyrillic = by_value["Общество с ограниченной ответственностью “Интер Тобако”"]
    assert (cyrillic.kind, cyrillic.script) == ("alias", "Cyrillic")
    assert by_value["Εταιρία περιορισμένης ευθύνης “Inter Tobacco”"].script == "Greek"
    person = entities["NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert person.caption == "Vitaly Yurievich KUZMENKO"
    assert {(n.value, n.kind) for n in person.names} == {
        ("Vitaly Yurievich KUZMENKO", "primary"),
        ("Vitalij Kuzmenko", "alias"),
        ("Виталий Юрьевич КУЗЬМЕНКО", "alias"),
    }
    assert person.birth_dates == ["1971-01-22"]


def test_t1_countries_identifiers_and_default_membership() -> None:
    entities, _ = _read_t1()
    tobacco = entities["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert tobacco.countries == ["by"]
    assert tobacco.identifiers == [Identifier("registration_number", "808000714")]
    assert entities["NK-2PacmNpiLUmoz4XD2mSt7A"].countries == ["ir"]
    assert entities["NK-2Ka3UvopqbpZmVDFjWd4LA"].identifiers == [Identifier("tax_number", "366510784303")]
    assert entities["NK-2Ka3UvopqbpZmVDFjWd4LA"].nationalities == ["ru"]
    assert tobacco.memberships == [
        Membership(list_code="ftm_yente_t1_entities", source_id="NK-2GdmHtZTeNXjNVrBGEXZNj")
    ]
    assert tobacco.source_ids[0] == "NK-2GdmHtZTeNXjNVrBGEXZNj"
    assert "ofac-32733" in tobacco.source_ids


def test_read_takes_a_list_code_and_reads_a_json_array_file(tmp_path: Path) -> None:
    objects = [json.loads(line) for line in T1.read_text(encoding="utf-8").splitlines()]
    array = tmp_path / "sample.json"
    array.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    entities = list(ftm.read(array, list_code="my_code"))
    assert len(entities) == 6
    assert {m.list_code for e in entities for m in e.memberships} == {"my_code"}
    assert [e.memberships for e in ftm.read(T1, list_code="")] == [[]] * 6


def test_default_list_code_is_slug_of_name_before_first_dot() -> None:
    assert ftm.default_list_code("/x/entities.ftm.json") == "ftm_entities"
    assert ftm.default_list_code("My List-2024.jsonl") == "ftm_my_list_2024"


def test_non_target_entity_gets_no_default_membership() -> None:
    objects: list[dict[str, Any]] = [
        {"id": "a", "schema": "Company", "properties": {"name": ["Listed Co"]}, "target": True},
        {"id": "b", "schema": "Person", "properties": {"name": ["Owner Person"]}, "target": False},
        {"id": "p", "schema": "Passport", "properties": {"number": ["X1"]}},
        {"id": "s", "schema": "Sanction", "properties": {"entity": ["zzz"]}},
    ]
    report = ReadReport(source="ftm")
    entities = {e.id: e for e in ftm.entities_from_objects(objects, report, "lst")}
    assert [m.list_code for m in entities["a"].memberships] == ["lst"]
    assert entities["b"].memberships == []
    assert report.records == 4
    assert report.skipped == Counter({"schema_Passport": 1, "sanction_without_entity": 1})


# -- delta -------------------------------------------------------------------------------------


def test_delta_op_counts() -> None:
    ops = list(ftm.read_delta(DELTA))
    assert Counter(op for op, _ in ops) == Counter({"ADD": 90, "MOD": 1039, "DEL": 571})
    deleted = [obj for op, obj in ops if op == "DEL"]
    assert deleted[0] == {"id": "NK-3MDjERC9RyRHv3wEq9xWe4"}


def test_apply_delta_to_empty_dict_gives_1129_objects_and_576_entities() -> None:
    objects: dict[str, dict[str, Any]] = {}
    stats = ftm.apply_delta(objects, DELTA)
    assert len(objects) == 1129
    assert stats == Counter({"ADD": 90, "MOD": 1039, "DEL": 571, "inserted": 1129, "not_found": 571})
    report = ReadReport(source="ftm")
    entities = list(ftm.entities_from_objects(objects.values(), report, "ftm_delta"))
    assert len(entities) == 576
    assert report.skipped == Counter({"sanction_without_entity": 8, "schema_Passport": 1})


def test_delta_sanction_becomes_membership_of_its_entity() -> None:
    objects: dict[str, dict[str, Any]] = {}
    ftm.apply_delta_objects(objects, DELTA)
    entities = {e.id: e for e in entities_from_ftm(objects.values())}
    person = entities["Q4670365"]
    assert person.caption == "Sofiane Ben Goumo"
    assert len(person.memberships) == 1
    m = person.memberships[0]
    assert (m.list_code, m.program) == ("id_dttot", "DTTOT")
    assert m.authority == "The Indonesian Financial Transaction Reports and Analysis Center (PPATK)"
    assert m.source_url == "https://www.ppatk.go.id/link/read/23/dttot-proliferasi-wmd.html"


def test_mod_of_sanction_replaces_membership_and_del_removes(tmp_path: Path) -> None:
    old_sanction: dict[str, Any] = {
        "id": "id-dttot-00028f471c8ca004a48d18abaa342cc0fc445d5c",
        "schema": "Sanction",
        "properties": {"entity": ["Q4670365"], "program": ["OLD PROGRAM"]},
        "datasets": ["id_dttot"],
    }
    objects: dict[str, dict[str, Any]] = {
        "Q4670365": {"id": "Q4670365", "schema": "Person", "properties": {"name": ["Old Name"]}},
        old_sanction["id"]: old_sanction,
        "NK-3MDjERC9RyRHv3wEq9xWe4": {"id": "NK-3MDjERC9RyRHv3wEq9xWe4", "schema": "Person"},
    }
    stats = ftm.apply_delta_objects(objects, DELTA)
    assert (stats["replaced"], stats["inserted"], stats["deleted"], stats["not_found"]) == (2, 1127, 1, 570)
    assert "NK-3MDjERC9RyRHv3wEq9xWe4" not in objects
    person = next(e for e in entities_from_ftm(objects.values()) if e.id == "Q4670365")
    assert [m.program for m in person.memberships] == ["DTTOT"]
    assert "Old Name" not in [n.value for n in person.names]


def test_apply_delta_to_entities_rebuilds_touched_and_keeps_others() -> None:
    kept = Entity(id="keep:1", schema="Company", names=[Name("Keep Co"), Name("Old Keep Co", "fka")])
    gone = Entity(id="NK-3MDjERC9RyRHv3wEq9xWe4", schema="Person", names=[Name("Deleted Person")])
    entities: dict[str, Entity] = {kept.id: kept, gone.id: gone}
    stats = ftm.apply_delta(entities, DELTA)
    assert stats["deleted"] == 1 and stats["entities"] == 577
    assert entities["keep:1"] is kept
    assert gone.id not in entities
    assert [m.list_code for m in entities["Q4670365"].memberships] == ["id_dttot"]


# -- round trip --------------------------------------------------------------------------------


def _rich_entity() -> Entity:
    return Entity(
        id="us_ofac_sdn:1",
        schema="Company",
        names=[Name("Hangzhou Example Co"), Name("杭州示例", "alias"), Name("HEC", "weak")],
        countries=["cn", "hk"],
        identifiers=[Identifier("uscc", "91330000733796106P"), Identifier("registration_number", "123")],
        memberships=[
            Membership(
                "us_ofac_sdn",
                program="GLOMAG",
                authority="EO 13818",
                listed_on="2020-07-09",
                ends_on="2030-01-01",
                federal_register="85 FR 1",
                source_url="https://example.org/1",
                source_id="28000",
            ),
            Membership(
                "us_bis_entity_list",
                program="EL",
                authority="15 CFR 744.11",
                listed_on="2019-10",
                status="secondary",
                note="curated",
            ),
        ],
        relations=[
            Relation("owned_by", target_id="us_ofac_sdn:2", share=42.0, start_date="2020"),
            Relation("subsidiary_of", target_id="x:3"),
            Relation("owner_of", target_id="x:5"),
            Relation("linked_to", target_id="x:6"),
            Relation("context", target_id="x:8", end_date="2022-01"),
        ],
        source_ids=["us_ofac_sdn:1"],
    )


def _membership_key(m: Membership) -> tuple[str | None, ...]:
    return (
        m.list_code,
        m.program,
        m.authority,
        m.listed_on,
        m.ends_on,
        m.federal_register,
        m.source_url,
        m.source_id,
        m.status,
        m.note,
    )


def test_round_trip_keeps_names_countries_identifiers_memberships_relations() -> None:
    entity = _rich_entity()
    [back] = list(entities_from_ftm(to_ftm(entity)))
    assert (back.id, back.schema) == (entity.id, entity.schema)
    assert [(n.value, n.kind, n.script) for n in back.names] == [
        ("Hangzhou Example Co", "primary", "Latin"),
        ("杭州示例", "alias", "Han"),
        ("HEC", "weak", "Latin"),
    ]
    assert back.countries == ["cn", "hk"]
    assert sorted((i.type, i.value) for i in back.identifiers) == sorted(
        (i.type, i.value) for i in entity.identifiers
    )
    assert [_membership_key(m) for m in back.memberships] == [_membership_key(m) for m in entity.memberships]
    rel = [(r.type, r.target_id, r.share, r.start_date, r.end_date) for r in back.relations]
    assert rel == [(r.type, r.target_id, r.share, r.start_date, r.end_date) for r in entity.relations]
    assert back.source_ids == ["us_ofac_sdn:1"]


def test_round_trip_keeps_parent_of() -> None:
    entity = Entity(
        id="a", schema="Company", names=[Name("A")], relations=[Relation("parent_of", target_id="b")]
    )
    [back] = list(entities_from_ftm(to_ftm(entity)))
    assert [r.type for r in back.relations] == ["parent_of"]


# -- bad input ---------------------------------------------------------------------------------


def test_truncated_delta_names_file_and_last_line(tmp_path: Path) -> None:
    data = DELTA.read_bytes()
    cut = tmp_path / "truncated.delta.json"
    cut.write_bytes(data[: len(data) // 2])
    expected_line = data[: len(data) // 2].count(b"\n") + 1
    objects: dict[str, dict[str, Any]] = {"x": {"id": "x", "schema": "Person"}}
    with pytest.raises(SourceFormatError) as err:
        ftm.apply_delta_objects(objects, cut)
    assert err.value.line == expected_line
    assert "truncated.delta.json" in str(err.value)
    assert objects == {"x": {"id": "x", "schema": "Person"}}  # nothing applied


def test_truncated_ftm_file_fails(tmp_path: Path) -> None:
    cut = tmp_path / "cut.ftm.json"
    cut.write_bytes(T1.read_bytes()[:5000])
    with pytest.raises(SourceFormatError, match=r"cut\.ftm\.json, line \d"):
        list(ftm.read(cut))


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ('{"op": "UPSERT", "entity": {"id": "a", "schema": "Person"}}', "op", "unknown delta op 'UPSERT'"),
        ('{"op": "ADD"}', "entity", "without an entity"),
        ('{"op": "DEL", "entity": {"schema": "Person"}}', "id", "without an id"),
        ('{"op": "MOD", "entity": {"id": "a"}}', "schema", "without a schema"),
        ('["op", "ADD"]', None, "expected a JSON object"),
    ],
)
def test_bad_delta_lines_name_line_and_field(
    tmp_path: Path, line: str, field: str | None, message: str
) -> None:
    path = tmp_path / "bad.delta.json"
    path.write_text('{"op": "DEL", "entity": {"id": "ok"}}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=message) as err:
        list(ftm.read_delta(path))
    assert (err.value.line, err.value.field) == (3, field)
    assert "bad.delta.json, line 3" in str(err.value)


def test_not_utf8_and_delta_given_to_read_are_errors(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"id": "a", "schema": "Person", "properties": {"name": ["Jos\xe9"]}}\n')
    with pytest.raises(SourceFormatError, match="not UTF-8") as err:
        list(ftm.read(latin1))
    assert err.value.line == 1
    with pytest.raises(SourceFormatError, match="delta file"):
        list(ftm.read(DELTA))
    empty = tmp_path / "empty.json"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="no FtM objects"):
        list(ftm.read(empty))
