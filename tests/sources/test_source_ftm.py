"""FollowTheMoney JSON lines and OpenSanctions delta files, on small files written in their shapes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from support.readers import read_error

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier, Membership, Name, Relation, entities_from_ftm, to_ftm
from supplyscreen.sources import ftm
from supplyscreen.sources.base import ReadReport

# One object a line, in the shape of an OpenSanctions export; the last line has no newline.
FTM_FILE = FIXTURES / "ftm" / "entities.ftm.json"
# {"op", "entity"} a line, compact JSON, DELs interleaved with ADDs and MODs.
DELTA = FIXTURES / "ftm" / "entities.delta.json"

KALASHNIKOV = "NK-3bQx7TzvLw9RkPd2MfJh4s"
CHEMEZOV = "NK-3cKr4PwZs6NvYh8TgBq3Dm"
IRGC = "NK-3gJt9MxZs4LrAp3VeKq7Hd"
SAEED = "Q98765432"
SAEED_SANCTION = "un-sc-8d2f6a0c41b97e35d0a1c2b3e4f5a6b7c8d9e0f1"
FIRST_DEL = "NK-9xQmR3tVbL2wPzK8cJ5nHa"


def _read_file() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport(source="ftm")
    entities = {e.id: e for e in ftm.read_files({"jsonl": FTM_FILE}, report)}
    return entities, report


def test_source_spec_is_ftm_with_jsonl_role() -> None:
    assert ftm.SOURCE.code == "ftm"
    assert ftm.SOURCE.file_roles() == ["jsonl"]
    assert ftm.SOURCE.official is False


def test_file_has_seven_objects_six_entities_and_an_address() -> None:
    entities, report = _read_file()
    assert report.records == 7
    assert sorted(report.skipped.elements()) == []
    assert len(entities) == 6
    assert "NK-3dWy5KsHn8GqTc4VbLm2Xp" not in entities  # the Address object is not an entity
    schemas = Counter(e.schema for e in entities.values())
    assert schemas == Counter({"Person": 4, "Organization": 2})


def test_names_keep_cyrillic_and_greek_and_caption_is_primary() -> None:
    entities, _ = _read_file()
    concern = entities[KALASHNIKOV]
    # the caption is the third of twelve names, not the first
    assert concern.caption == "AB „Kalashnikov Concern“"
    assert len(concern.names) == 12
    by_value = {n.value: n for n in concern.names}
    assert by_value["AB „Kalashnikov Concern“"].kind == "primary"
    assert by_value["JSC “Kalashnikov Concern”"].kind == "alias"
    cyrillic = by_value["Акционерное общество “Концерн Калашников”"]
    assert (cyrillic.kind, cyrillic.script) == ("alias", "Cyrillic")
    assert by_value["Ανώνυμη εταιρεία “Kalashnikov Concern”"].script == "Greek"
    person = entities[CHEMEZOV]
    assert person.caption == "Sergei Viktorovich CHEMEZOV"
    assert {(n.value, n.kind) for n in person.names} == {
        ("Sergei Viktorovich CHEMEZOV", "primary"),
        ("Sergej Chemezov", "alias"),
        ("Сергей Викторович ЧЕМЕЗОВ", "alias"),
    }
    assert person.birth_dates == ["1950-04-17"]


def test_countries_identifiers_addresses_and_default_membership() -> None:
    entities, _ = _read_file()
    concern = entities[KALASHNIKOV]
    assert concern.countries == ["ru"]
    assert concern.identifiers == [Identifier("registration_number", "1187700000417")]
    # addressEntity names the Address object of the file and an id that is not in it
    assert [a.full for a in concern.addresses] == ["Izhevsk, Udmurt Republic, RUSSIA"]
    assert entities[IRGC].countries == ["ir"]
    assert entities[IRGC].addresses == []
    assert entities[CHEMEZOV].identifiers == [Identifier("tax_number", "770100042615")]
    assert entities[CHEMEZOV].nationalities == ["ru"]
    assert concern.memberships == [Membership(list_code="ftm_entities", source_id=KALASHNIKOV)]
    assert concern.source_ids[0] == KALASHNIKOV
    assert "ofac-90417" in concern.source_ids


def test_read_takes_a_list_code_and_reads_a_json_array_file(tmp_path: Path) -> None:
    objects = [json.loads(line) for line in FTM_FILE.read_text(encoding="utf-8").splitlines()]
    array = tmp_path / "sample.json"
    array.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
    entities = list(ftm.read(array, list_code="my_code"))
    assert len(entities) == 6
    assert {m.list_code for e in entities for m in e.memberships} == {"my_code"}
    assert [e.memberships for e in ftm.read(FTM_FILE, list_code="")] == [[]] * 6


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
    assert Counter(op for op, _ in ops) == Counter({"ADD": 7, "MOD": 16, "DEL": 5})
    deleted = [obj for op, obj in ops if op == "DEL"]
    assert deleted[0] == {"id": FIRST_DEL}


def test_apply_delta_to_empty_dict_gives_23_objects_and_9_entities() -> None:
    objects: dict[str, dict[str, Any]] = {}
    stats = ftm.apply_delta(objects, DELTA)
    assert len(objects) == 23
    assert stats == Counter({"ADD": 7, "MOD": 16, "DEL": 5, "inserted": 23, "not_found": 5})
    report = ReadReport(source="ftm")
    entities = list(ftm.entities_from_objects(objects.values(), report, "ftm_delta"))
    assert len(entities) == 9
    assert Counter(e.schema for e in entities) == Counter(
        {"Organization": 2, "Person": 2, "Company": 2, "LegalEntity": 2, "Vessel": 1}
    )
    assert report.records == 23
    assert report.skipped == Counter({"sanction_without_entity": 3, "schema_Passport": 1})


def test_delta_sanction_becomes_membership_of_its_entity() -> None:
    objects: dict[str, dict[str, Any]] = {}
    ftm.apply_delta_objects(objects, DELTA)
    entities = {e.id: e for e in entities_from_ftm(objects.values())}
    person = entities[SAEED]
    assert person.caption == "Hafiz Muhammad Saeed"
    assert len(person.memberships) == 1
    m = person.memberships[0]
    assert (m.list_code, m.program) == ("un_sc_sanctions", "UN SC 1267 Al-Qaida")
    assert m.authority == "United Nations Security Council (UN SC)"
    assert m.source_url == "https://example.org/un/1267-list"
    assert m.listed_on is None
    # a Sanction's "date" or "startDate" becomes the listing date
    assert entities["NK-4aPq2WtZr7KmXc9LdFh3Nb"].memberships[0].listed_on == "2005-05-02"
    assert entities["NK-4cSt4YvBt9MoZe3NfHk5Qd"].memberships[0].listed_on == "2003-11-03"


def test_delta_links_addresses_and_vessel() -> None:
    objects: dict[str, dict[str, Any]] = {}
    ftm.apply_delta_objects(objects, DELTA)
    entities = {e.id: e for e in entities_from_ftm(objects.values())}
    vessel = entities["NK-4gXy8CzFx5RsDi7SjMp9Uh"]
    assert vessel.schema == "Vessel"
    assert vessel.identifiers == [Identifier("imo", "9100002")]
    assert ("GRACE 1", "alias") in [(n.value, n.kind) for n in vessel.names]
    assert [(r.type, r.target_id) for r in vessel.relations] == [("owned_by", "NK-4hYz9DaGy6StEj8TkNq2Vi")]
    assert [m.program for m in vessel.memberships] == ["SDGT"]
    saeed = entities[SAEED]
    assert [(r.type, r.target_id, r.note) for r in saeed.relations] == [
        ("linked_to", "NK-4aPq2WtZr7KmXc9LdFh3Nb", "Founder of")
    ]
    # addresses come from the Address objects the delta adds or modifies
    assert [a.full for a in saeed.addresses] == ["Muridke, Punjab, Pakistan"]
    assert [a.full for a in entities["NK-4cSt4YvBt9MoZe3NfHk5Qd"].addresses] == ["Karachi, Pakistan"]
    # the Passport object is ignored; the passport number on the Person is kept
    assert Identifier("passport", "Z 1234567") in entities["NK-4cSt4YvBt9MoZe3NfHk5Qd"].identifiers
    lockheed = entities["NK-4eVw6AxDv3PqBg5QhKn7Sf"]
    assert [(n.value, n.script) for n in lockheed.names if n.kind == "alias"][-1] == (
        "洛克希德·马丁公司",
        "Han",
    )


def test_mod_of_sanction_replaces_membership_and_del_removes(tmp_path: Path) -> None:
    old_sanction: dict[str, Any] = {
        "id": SAEED_SANCTION,
        "schema": "Sanction",
        "properties": {"entity": [SAEED], "program": ["OLD PROGRAM"]},
        "datasets": ["un_sc_sanctions"],
    }
    objects: dict[str, dict[str, Any]] = {
        SAEED: {"id": SAEED, "schema": "Person", "properties": {"name": ["Old Name"]}},
        old_sanction["id"]: old_sanction,
        FIRST_DEL: {"id": FIRST_DEL, "schema": "Person"},
    }
    stats = ftm.apply_delta_objects(objects, DELTA)
    assert (stats["replaced"], stats["inserted"], stats["deleted"], stats["not_found"]) == (2, 21, 1, 4)
    assert FIRST_DEL not in objects
    person = next(e for e in entities_from_ftm(objects.values()) if e.id == SAEED)
    assert [m.program for m in person.memberships] == ["UN SC 1267 Al-Qaida"]
    assert "Old Name" not in [n.value for n in person.names]


def test_apply_delta_to_entities_rebuilds_touched_and_keeps_others() -> None:
    kept = Entity(id="keep:1", schema="Company", names=[Name("Keep Co"), Name("Old Keep Co", "fka")])
    gone = Entity(id=FIRST_DEL, schema="Person", names=[Name("Deleted Person")])
    entities: dict[str, Entity] = {kept.id: kept, gone.id: gone}
    stats = ftm.apply_delta(entities, DELTA)
    assert stats["deleted"] == 1 and stats["entities"] == 10
    assert entities["keep:1"] is kept
    assert gone.id not in entities
    assert [m.list_code for m in entities[SAEED].memberships] == ["un_sc_sanctions"]


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
    data = FTM_FILE.read_bytes()
    cut = tmp_path / "cut.ftm.json"
    cut.write_bytes(data[: len(data) // 2])
    expected_line = data[: len(data) // 2].count(b"\n") + 1
    error = read_error(ftm.read, cut, rf"cut\.ftm\.json, line {expected_line}\b")
    assert error.line == expected_line


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
    error = read_error(ftm.read_delta, path, message)
    assert (error.line, error.field) == (3, field)
    assert "bad.delta.json, line 3" in str(error)


def test_not_utf8_and_delta_given_to_read_are_errors(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"id": "a", "schema": "Person", "properties": {"name": ["Jos\xe9"]}}\n')
    error = read_error(ftm.read, latin1, "not UTF-8")
    assert error.line == 1
    read_error(ftm.read, DELTA, "delta file")
    empty = tmp_path / "empty.json"
    empty.write_text("\n", encoding="utf-8")
    read_error(ftm.read, empty, "no FtM objects")
