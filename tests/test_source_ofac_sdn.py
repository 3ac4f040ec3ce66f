"""OFAC legacy SDN CSV reader, checked against the real 2024-05 / 2025-12 files in ../shared."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier
from supplyscreen.sources import ofac_sdn
from supplyscreen.sources.base import ReadReport

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lists" / "us_ofac_sdn"
SDN = DATA / "sdn_2024-05-03.csv"
ALT = DATA / "alt_2025-12.csv"
ADD = DATA / "add_2025-12.csv"
COMMENTS = DATA / "sdn_comments_2025-12.csv"

pytestmark = pytest.mark.skipif(not SDN.exists(), reason="shared OFAC SDN data not available")


@pytest.fixture(scope="module")
def full() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport("us_ofac_sdn")
    files = {"sdn": SDN, "alt": ALT, "add": ADD, "comments": COMMENTS}
    entities = {e.id: e for e in ofac_sdn.read_files(files, report)}
    return entities, report


@pytest.fixture(scope="module")
def main_only() -> tuple[dict[str, Entity], ReadReport]:
    report = ReadReport("us_ofac_sdn")
    return {e.id: e for e in ofac_sdn.read(SDN, report=report)}, report


def _linked_ids(entity: Entity) -> set[str]:
    return {r.target_id for r in entity.relations if r.type == "linked_to" and r.target_id}


# -- the source spec -------------------------------------------------------------------------------


def test_source_spec_names_official_files_and_only_main_is_required() -> None:
    spec = ofac_sdn.SOURCE
    assert spec.code == "us_ofac_sdn"
    assert [(f.role, f.filename, f.required) for f in spec.files] == [
        ("sdn", "sdn.csv", True),
        ("alt", "alt.csv", False),
        ("add", "add.csv", False),
        ("comments", "sdn_comments.csv", False),
    ]
    assert spec.files[0].url == "https://www.treasury.gov/ofac/downloads/sdn.csv"
    assert spec.files[3].url == "https://www.treasury.gov/ofac/downloads/sdn_comments.csv"


# -- counts ----------------------------------------------------------------------------------------


def test_reads_all_14965_main_rows_as_entities_by_schema(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = full
    assert report.records == 14965
    assert len(entities) == 14965
    assert Counter(e.schema for e in entities.values()) == {
        "Organization": 6884,
        "Person": 6854,
        "Vessel": 851,
        "Airplane": 376,
    }
    assert all(e.source_ids == [e.id] and e.list_codes == ["us_ofac_sdn"] for e in entities.values())
    assert report.snapshot_date is None  # the legacy CSV does not state its date


def test_side_file_rows_of_entries_not_in_main_file_are_skipped_and_counted(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    _entities, report = full
    assert dict(report.skipped) == {
        "alt_orphan": 2460,
        "add_orphan": 4893,
        "add_empty": 2556,
        "comments_orphan": 6,
        "comments_mismatch": 2,
    }


def test_main_file_alone_reads_without_side_files(main_only: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = main_only
    assert report.records == 14965 and len(entities) == 14965
    assert not report.skipped
    wuhan = entities["us_ofac_sdn:23063"]
    assert [n.value for n in wuhan.names] == ["WUHAN SANJIANG IMPORT AND EXPORT CO. LTD", "WSIEC"]
    assert wuhan.addresses == []


# -- XPCC and links --------------------------------------------------------------------------------


def test_xpcc_has_glomag_program_and_linked_person(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    xpcc = entities["us_ofac_sdn:29299"]
    assert xpcc.caption == "XINJIANG PRODUCTION AND CONSTRUCTION CORPS"
    assert xpcc.schema == "Organization"
    assert len(xpcc.memberships) == 1
    m = xpcc.memberships[0]
    assert (m.list_code, m.program, m.authority, m.status) == (
        "us_ofac_sdn",
        "GLOMAG",
        "EO 13818 (Global Magnitsky)",
        "official",
    )
    assert m.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=29299"
    assert m.source_id == "us_ofac_sdn:29299"
    forward = [r for r in xpcc.relations if r.note is None]
    assert [(r.type, r.target_id, r.target_name) for r in forward] == [
        ("linked_to", "us_ofac_sdn:29220", "CHEN, Quanguo")
    ]
    # officials whose own remarks say "Linked To: XINJIANG PRODUCTION AND CONSTRUCTION CORPS"
    assert _linked_ids(xpcc) == {
        "us_ofac_sdn:29220",
        "us_ofac_sdn:29300",  # SUN, Jinlong
        "us_ofac_sdn:29319",  # PENG, Jiarui
        "us_ofac_sdn:31492",  # WANG, Junzheng
    }
    assert xpcc.addresses[0].full == "Xinjiang, China" and xpcc.countries == ["cn"]


def test_chen_quanguo_shows_the_xpcc_by_reverse_link(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    chen = entities["us_ofac_sdn:29220"]
    assert chen.schema == "Person"
    assert [(r.type, r.target_id, r.target_name) for r in chen.relations] == [
        ("linked_to", "us_ofac_sdn:29299", "XINJIANG PRODUCTION AND CONSTRUCTION CORPS")
    ]
    assert chen.relations[0].note == "stated on us_ofac_sdn:29299"


def test_linked_name_ending_in_period_resolves_to_its_entry(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = full
    npc = entities["us_ofac_sdn:11620"]  # remarks end "Linked To: PERSIAN GULF PETROCHEMICAL INDUSTRY CO."
    assert [(r.target_id, r.target_name) for r in npc.relations] == [
        ("us_ofac_sdn:26817", "PERSIAN GULF PETROCHEMICAL INDUSTRY CO.")
    ]
    assert "us_ofac_sdn:11620" in _linked_ids(entities["us_ofac_sdn:26817"])


def test_linked_name_not_on_this_list_keeps_its_name(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = full
    rel = entities["us_ofac_sdn:18299"].relations
    assert [(r.target_id, r.target_name) for r in rel] == [
        (None, "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY")
    ]
    assert report.notes == ["15 linked or owner names match no single SDN entry; kept as names"]


# -- names, persons, identifiers -------------------------------------------------------------------


def test_aliases_come_from_alt_csv_and_remarks(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    wuhan = entities["us_ofac_sdn:23063"]
    assert [(n.value, n.kind) for n in wuhan.names] == [
        ("WUHAN SANJIANG IMPORT AND EXPORT CO. LTD", "primary"),
        ("WSIEC", "alias"),  # remarks: a.k.a. 'WSIEC'
        ("WUHAN SANJIANG IMP. & EXP. CO. LTD.", "alias"),  # alt.csv
        ("WUHAN LONGHUA WEIYE INDUSTRY AND TRADE CO., LTD", "alias"),  # alt.csv
    ]
    triliance = entities["us_ofac_sdn:28348"]
    kinds = {n.value: n.kind for n in triliance.names}
    assert kinds["TRILIANCE KISH PETROCHEMICAL COMPANY"] == "fka"
    assert kinds["TRILIANCE PETROLEUM SHANGHAI CO., LTD"] == "alias"
    vessel = entities["us_ofac_sdn:4243"]  # remarks: f.k.a. 'ANA I'; f.k.a. 'SAND SWAN'
    assert [(n.value, n.kind) for n in vessel.names] == [
        ("EBANO", "primary"),
        ("ANA I", "fka"),
        ("SAND SWAN", "fka"),
    ]


def test_individual_birth_date_place_nationality_and_gender(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = full
    gao = entities["us_ofac_sdn:39417"]  # GAO, Qi: GLOMAG and UHRPA
    assert gao.caption == "GAO, Qi"
    assert gao.birth_dates == ["1970-08"]
    assert gao.birth_places == ["Linxian County, Shanxi Province, China"]
    assert gao.nationalities == ["cn"] and gao.gender == "male"
    assert [(m.program, m.authority) for m in gao.memberships] == [
        ("GLOMAG", "EO 13818 (Global Magnitsky)"),
        ("UHRPA", "Uyghur Human Rights Policy Act of 2020"),
    ]
    liu = entities["us_ofac_sdn:22683"]  # DOB 10 Sep 1981; POB Shandong, China; Gender Female
    assert liu.birth_dates == ["1981-09-10"] and liu.birth_places == ["Shandong, China"]
    assert liu.gender == "female" and liu.countries == ["cn"]
    assert Identifier("passport", "G28882492", "cn") in liu.identifiers
    assert Identifier("national_id", "370724198109101905", "cn") in liu.identifiers
    assert {n.value for n in liu.names} == {"LIU, Baoxia", "LAU, Emily", "LIU, Emily"}


def test_birth_year_ranges_and_alternatives(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    naqdi = entities["us_ofac_sdn:12057"]  # DOB 1951 to 1953; alt. DOB 1960 to 1962; alt. DOB Apr 1961 …
    assert naqdi.birth_dates == ["1951", "1952", "1953", "1960", "1961", "1962", "1961-04"]
    assert naqdi.birth_places == ["Najaf, Iraq", "Tehran, Iran"]
    assert naqdi.title is not None and naqdi.title.startswith("Brigadier General and Commander")
    assert [m.program for m in naqdi.memberships] == [
        "SDGT",
        "NPWMD",
        "IRGC",
        "IFSR",
        "IRAN-HR",
        "IRAN-EO13876",
    ]
    assert naqdi.memberships[0].authority == "EO 13224"
    assert naqdi.memberships[-1].authority == "EO 13876"


def test_identifiers_parsed_from_remarks(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    npc = entities["us_ofac_sdn:11620"]
    assert npc.identifiers == [Identifier("registration_number", "02696754", "gb")]
    assert "Website www.nipc.net" in npc.notes
    assert "www.nipc.net" not in {n.value for n in npc.names}
    wuhan = entities["us_ofac_sdn:23063"]
    assert wuhan.identifiers == [Identifier("uscc", "91420112711981060J", "cn")]
    sber = entities["us_ofac_sdn:17018"]
    assert Identifier("swift_bic", "SABRRUMM", None) in sber.identifiers
    assert Identifier("tax_number", "7707083893", "ru") in sber.identifiers
    assert Identifier("registration_number", "1027700132195", "ru") in sber.identifiers
    ebano = entities["us_ofac_sdn:4243"]
    assert ebano.identifiers == [Identifier("imo", "7406784", None)]
    assert ebano.countries == ["pa"] and "Vessel type: General Cargo" in ebano.notes


def test_comments_file_continues_cut_remarks(
    full: tuple[dict[str, Entity], ReadReport], main_only: tuple[dict[str, Entity], ReadReport]
) -> None:
    lazarus = full[0]["us_ofac_sdn:27307"]  # sdn.csv cuts at "a.k.a. 'WHOIS HACKIN"
    names = [n.value for n in lazarus.names]
    assert "WHOIS HACKING TEAM" in names and "APPLEWORM" in names
    cut = main_only[0]["us_ofac_sdn:27307"]
    assert "THE NEW ROMANTIC CYBER ARMY TEAM" in [n.value for n in cut.names]
    assert not any(n.value.startswith("WHOIS") for n in cut.names)
    assert any(n.startswith("Remarks cut") for n in cut.notes)
    # the 2025 continuation of Sberbank repeats the end of the 2024 remarks: joined at the overlap
    sber = full[0]["us_ofac_sdn:17018"]
    assert "Listing Date (EO 14024 Directive 3): 24 Feb 2022" in sber.notes
    assert {"SBERBANK INDIA", "SBERBANK MUMBAI"} <= {n.value for n in sber.names}
    assert not any("Directive 3)ive" in n for n in sber.notes)


def test_programs_column_split_into_tags() -> None:
    assert ofac_sdn._programs("SDGT] [IRGC] [IFSR") == ["SDGT", "IRGC", "IFSR"]
    assert ofac_sdn._programs("GLOMAG") == ["GLOMAG"]
    assert ofac_sdn._programs("CAATSA - RUSSIA") == ["CAATSA - RUSSIA"]
    assert ofac_sdn._authority("ZZZ") == "OFAC sanctions program ZZZ"


# -- encodings and bad input -----------------------------------------------------------------------


def _copy_lines(tmp_path: Path, source: Path, count: int, name: str) -> Path:
    lines = source.read_bytes().split(b"\r\n")[:count]
    out = tmp_path / name
    out.write_bytes(b"\r\n".join(lines) + b"\r\n\x1a")
    return out


def test_cp1252_and_utf8_characters_are_kept(tmp_path: Path) -> None:
    row = '1,"SOCI\u00c9T\u00c9 \u2019X\u2019",-0- ,"GLOMAG",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    cp = tmp_path / "cp.csv"
    cp.write_bytes(row.encode("cp1252") + b"\x1a")
    assert next(ofac_sdn.read(cp)).caption == "SOCI\u00c9T\u00c9 \u2019X\u2019"
    utf = tmp_path / "utf.csv"
    utf.write_bytes(row.replace("SOCI\u00c9T\u00c9", "\u65b0\u7586\u751f\u4ea7").encode("utf-8"))
    entity = next(ofac_sdn.read(utf))
    assert entity.caption == "\u65b0\u7586\u751f\u4ea7 \u2019X\u2019" and entity.names[0].script == "Han"


def test_file_cut_mid_quoted_field_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    data = SDN.read_bytes()
    line_start = data.index(b"\r\n22943,") + 2  # line 5000: SADID CARAN SABA ENGINEERING COMPANY
    cut = tmp_path / "sdn.csv"
    cut.write_bytes(data[: line_start + 120])  # inside the quoted remarks
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(cut))
    assert err.value.line == 5000 and "sdn.csv" in str(err.value) and "truncated" in str(err.value)
    # a cut quoted field followed by a line end is caught by the CSV parser
    cut.write_bytes(data[: line_start + 120] + b"\r\n")
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(cut))
    assert err.value.line == 5000 and "sdn.csv" in str(err.value)


def test_row_with_wrong_column_count_is_rejected(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 100, "short.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines[49] = lines[49].rsplit(b",", 1)[0]  # line 50 loses its remarks column
    path.write_bytes(b"\r\n".join(lines))
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(path))
    assert (
        err.value.line == 50
        and "short.csv" in str(err.value)
        and "expected 12 columns, found 11" in str(err.value)
    )


def test_non_numeric_ent_num_is_rejected_naming_the_field(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 10, "bad_id.csv")
    path.write_bytes(path.read_bytes().replace(b"\r\n306,", b"\r\nX306,"))
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(path))
    assert (err.value.line, err.value.field) == (3, "ent_num") and "bad_id.csv" in str(err.value)


def test_side_file_with_wrong_column_count_is_rejected_naming_it(tmp_path: Path) -> None:
    alt = _copy_lines(tmp_path, ALT, 20, "alt.csv")
    lines = alt.read_bytes().split(b"\r\n")
    lines[9] += b',"extra"'
    alt.write_bytes(b"\r\n".join(lines))
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(SDN, alt=alt))
    assert (
        err.value.line == 10
        and "alt.csv" in str(err.value)
        and "expected 5 columns, found 6" in str(err.value)
    )


def test_binary_or_empty_file_is_rejected(tmp_path: Path) -> None:
    packed = tmp_path / "sdn.csv.gz"
    packed.write_bytes(gzip.compress(SDN.read_bytes()[:5000]))
    with pytest.raises(SourceFormatError, match="sdn.csv.gz.*control character"):
        list(ofac_sdn.read(packed))
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(SDN.read_bytes()[:2000].decode("latin-1").encode("utf-16"))
    with pytest.raises(SourceFormatError, match="utf16.csv"):
        list(ofac_sdn.read(utf16))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\x1a")
    with pytest.raises(SourceFormatError, match="empty.csv.*no SDN rows"):
        list(ofac_sdn.read(empty))
    with pytest.raises(SourceFormatError, match="missing.csv"):
        list(ofac_sdn.read(tmp_path / "missing.csv"))


def test_entry_without_name_is_rejected_naming_the_field(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 10, "noname.csv")
    path.write_bytes(path.read_bytes().replace(b'306,"BANCO NACIONAL DE CUBA"', b"306,-0- "))
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read(path))
    assert (err.value.line, err.value.field) == (3, "name") and "noname.csv" in str(err.value)
