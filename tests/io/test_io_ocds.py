"""OCDS release and record packages become one record per supplier of each award and contract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from supplyscreen.io import InputError, read_records
from supplyscreen.io.jsonstream import JsonStream

FIXTURE = FIXTURES / "io" / "ocds_release_package.json"


def test_release_package_gives_award_and_contract_records_per_supplier() -> None:
    stream = read_records(FIXTURE)
    records = list(stream)
    assert stream.format == "ocds" and stream.errors == []
    assert [(r.row, r.id, r.name) for r in records] == [
        (1, "ocds-abc123-2022-0001/awards/AW-1", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        (2, "ocds-abc123-2022-0001/contracts/CT-1", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        (3, "ocds-abc123-2022-0002/awards/AW-7", "Northwind Medical Supplies Ltd"),
        (4, "ocds-abc123-2022-0002/awards/AW-7", "新疆某某纺织有限公司"),
    ]
    award = records[0]
    assert award.buyer == "City of Exampleton Police Department"
    assert (award.amount, award.currency, award.date) == (184500.5, "GBP", "2022-06-21")
    assert award.address == "555 Qianmo Road, Binjiang District, Hangzhou, Zhejiang, 310051, China"
    assert award.country == "China"
    assert award.hs_code == "852589; 852190"
    assert award.funding == "Public safety capital fund 2022"
    assert award.description == (
        "CCTV cameras for city centre | Supply of network video cameras and recorders"
        " | DS-2CD2143G2-I 4MP dome network camera | DS-7732NI-K4 network video recorder"
    )
    assert award.fields["classifications"] == "CPV:35125300; HS:852589; HS:852190"
    assert award.fields["supplier_identifier"] == "CN-USCC:91330000733796106P"
    assert records[1].date == "2022-07-04" and records[1].fields["award_id"] == "AW-1"


def test_second_supplier_resolves_its_own_party_address() -> None:
    records = list(read_records(FIXTURE))
    xinjiang = records[3]
    assert (xinjiang.address, xinjiang.country, xinjiang.buyer) == (
        "经济技术开发区, 乌鲁木齐, 新疆, China",
        "China",
        "Exampleton Health Trust",
    )
    assert xinjiang.hs_code == "630231"  # the CPV code is not an HS code
    assert xinjiang.fields["release_index"] == 2


def test_record_package_reads_compiled_releases(tmp_path: Path) -> None:
    releases = json.loads(FIXTURE.read_text(encoding="utf-8"))["releases"]
    package = {
        "uri": "https://example.gov/records.json",
        "records": [{"ocid": r["ocid"], "releases": [{"url": "x"}], "compiledRelease": r} for r in releases],
    }
    path = tmp_path / "records.json"
    path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    assert [r.name for r in read_records(path)] == [
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
        "Northwind Medical Supplies Ltd",
        "新疆某某纺织有限公司",
    ]


def test_json_lines_of_releases_are_ocds(tmp_path: Path) -> None:
    releases = json.loads(FIXTURE.read_text(encoding="utf-8"))["releases"]
    path = tmp_path / "releases.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in reversed(releases)) + "\n", encoding="utf-8")
    stream = read_records(path)
    assert stream.format == "ocds"
    assert [(r.fields["release_index"], r.name) for r in stream] == [
        (2, "Northwind Medical Supplies Ltd"),
        (2, "新疆某某纺织有限公司"),
        (3, "Hangzhou Hikvision Digital Technology Co., Ltd."),
        (3, "Hangzhou Hikvision Digital Technology Co., Ltd."),
    ]


def test_plain_json_object_is_refused_and_map_does_not_apply(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{\n  "data": [1, 2]\n}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"other\.json: a JSON object that is not an OCDS package"):
        read_records(path)
    with pytest.raises(InputError, match="does not apply to OCDS"):
        read_records(FIXTURE, mapping="name=supplier_name")


def test_truncated_package_fails_with_the_character_position(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(FIXTURE.read_bytes()[:3000])
    stream = read_records(path)
    with pytest.raises(InputError, match=r"cut\.json: invalid JSON: .* \(at character \d+\)"):
        list(stream)


def test_json_stream_decodes_items_across_small_chunks() -> None:
    text = '{"a": {"x": [1, 2]}, "releases": [123456789, "long string value", {"k": [true, null]}], "z": 0}'
    cursor = JsonStream(io.StringIO(text), "t.json", chunk_chars=4)
    seen = []
    for key in cursor.object_keys():
        seen.append((key, list(cursor.array_items()) if key == "releases" else cursor.value()))
    assert seen == [
        ("a", {"x": [1, 2]}),
        ("releases", [123456789, "long string value", {"k": [True, None]}]),
        ("z", 0),
    ]


def test_minified_package_single_release_and_concatenated_releases(tmp_path: Path) -> None:
    package = json.loads(FIXTURE.read_text(encoding="utf-8"))
    minified = tmp_path / "minified.json"
    minified.write_text(json.dumps(package, separators=(",", ":")), encoding="utf-8")
    assert len(list(read_records(minified))) == 4
    single = tmp_path / "release.json"
    single.write_text(json.dumps(package["releases"][1], indent=2), encoding="utf-8")
    assert [r.name for r in read_records(single)] == [
        "Northwind Medical Supplies Ltd",
        "新疆某某纺织有限公司",
    ]
    lines = tmp_path / "releases.json"  # JSON lines under a .json name
    lines.write_text("\n".join(json.dumps(r) for r in package["releases"]), encoding="utf-8")
    stream = read_records(lines)
    assert stream.format == "ocds"
    assert [r.fields["release_index"] for r in stream] == [1, 1, 2, 2]


def test_json_lines_of_plain_objects_under_a_json_name(tmp_path: Path) -> None:
    path = tmp_path / "vendors.json"
    path.write_text('{"supplier": "Acme"}\n{"supplier": "Foo"}\n', encoding="utf-8")
    stream = read_records(path)
    assert (stream.format, [r.name for r in stream]) == ("jsonl", ["Acme", "Foo"])
