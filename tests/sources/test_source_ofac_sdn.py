"""OFAC legacy SDN CSV reader, checked on small files in the official format (``tests/fixtures/official``).

The fixture set mirrors the real one: sdn.csv of 2024-05 and side files of 2025-12, so some side-file
rows belong to entries the main file lacks. The names are real listed names; every other field is invented.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from conftest import LISTS
from support.readers import read_error

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier
from supplyscreen.sources import ofac_sdn
from supplyscreen.sources.base import ReadReport

DATA = LISTS / "us_ofac_sdn"
SDN = DATA / "sdn_2024-05-03.csv"
ALT = DATA / "alt_2025-12.csv"
ADD = DATA / "add_2025-12.csv"
COMMENTS = DATA / "sdn_comments_2025-12.csv"
XPCC = "XINJIANG PRODUCTION AND CONSTRUCTION CORPS"


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


def _line_of(data: bytes, marker: bytes) -> tuple[int, int]:
    """Offset and 1-based line number of the line that starts with ``marker``."""
    start = data.index(b"\r\n" + marker) + 2
    return start, data[:start].count(b"\r\n") + 1


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


def test_files_have_the_official_layout() -> None:
    """No header, CRLF line ends, ``-0-`` for empty fields and a trailing 0x1A byte, as OFAC writes them."""
    for path in (SDN, ALT, ADD, COMMENTS):
        data = path.read_bytes()
        assert data.endswith(b"\r\n\x1a") and data[:1].isdigit(), path.name
    assert b"-0- ," in SDN.read_bytes()
    with pytest.raises(UnicodeDecodeError):  # latin-1, not UTF-8
        SDN.read_bytes().decode("utf-8")


def test_reads_all_23_main_rows_as_entities_by_schema(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = full
    assert report.records == 23
    assert len(entities) == 23
    assert Counter(e.schema for e in entities.values()) == {
        "Organization": 10,
        "Person": 9,
        "Vessel": 3,
        "Airplane": 1,
    }
    assert all(e.source_ids == [e.id] and e.list_codes == ["us_ofac_sdn"] for e in entities.values())
    assert report.snapshot_date is None  # the legacy CSV does not state its date


def test_side_file_rows_of_entries_not_in_main_file_are_skipped_and_counted(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = full
    assert dict(report.skipped) == {
        "alt_orphan": 2,  # ent_num 90101 and 90102, listed after the main file's date
        "add_orphan": 3,
        "add_empty": 2,  # GAO, Qi and LIU, Baoxia: address rows of -0- only
        "comments_orphan": 1,
        "comments_mismatch": 1,  # continues the complete remarks of 90018
    }
    assert not any(
        n.value.startswith(("NEW HORIZON", "OLD HARBOUR")) for e in entities.values() for n in e.names
    )
    pgpic = entities["us_ofac_sdn:90018"]
    assert pgpic.notes == ["Additional Sanctions Information - Subject to Secondary Sanctions"]
    assert pgpic.identifiers == []


def test_main_file_alone_reads_without_side_files(main_only: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = main_only
    assert report.records == 23 and len(entities) == 23
    assert not report.skipped
    wuhan = entities["us_ofac_sdn:90015"]
    assert [n.value for n in wuhan.names] == ["WUHAN SANJIANG IMPORT AND EXPORT CO. LTD", "WSIEC"]
    assert wuhan.addresses == []


def test_duplicate_ent_num_is_skipped_and_counted(tmp_path: Path) -> None:
    lines = SDN.read_bytes().split(b"\r\n")
    path = tmp_path / "sdn.csv"
    path.write_bytes(
        b"\r\n".join(lines[:3] + [lines[1].replace(b"SILVER DUNE", b"OTHER NAME")]) + b"\r\n\x1a"
    )
    report = ReadReport("us_ofac_sdn")
    entities = list(ofac_sdn.read(path, report=report))
    assert report.records == 4 and dict(report.skipped) == {"duplicate": 1}
    assert [e.caption for e in entities] == [XPCC, "SILVER DUNE", "SEVERNAYA ZVEZDA"]


# -- XPCC and links --------------------------------------------------------------------------------


def test_xpcc_has_glomag_program_and_linked_person(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    xpcc = entities["us_ofac_sdn:90001"]
    assert xpcc.caption == XPCC
    assert xpcc.schema == "Organization"
    assert [(n.value, n.kind) for n in xpcc.names] == [
        (XPCC, "primary"),
        ("XPCC", "alias"),  # alt.csv
        ("XINJIANG BINGTUAN", "alias"),
    ]
    assert len(xpcc.memberships) == 1
    m = xpcc.memberships[0]
    assert (m.list_code, m.program, m.authority, m.status) == (
        "us_ofac_sdn",
        "GLOMAG",
        "EO 13818 (Global Magnitsky)",
        "official",
    )
    assert m.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=90001"
    assert m.source_id == "us_ofac_sdn:90001"
    forward = [r for r in xpcc.relations if r.note is None]
    assert [(r.type, r.target_id, r.target_name) for r in forward] == [
        ("linked_to", "us_ofac_sdn:90006", "CHEN, Quanguo")
    ]
    # officials whose own remarks say "Linked To: XINJIANG PRODUCTION AND CONSTRUCTION CORPS"
    assert _linked_ids(xpcc) == {
        "us_ofac_sdn:90006",
        "us_ofac_sdn:90007",  # SUN, Jinlong
        "us_ofac_sdn:90008",  # PENG, Jiarui
        "us_ofac_sdn:90009",  # WANG, Junzheng
    }
    assert [(a.full, a.street, a.city, a.country) for a in xpcc.addresses] == [
        ("42 Kashi East Road, Urumqi, Xinjiang, China", "42 Kashi East Road", "Urumqi, Xinjiang", "cn")
    ]
    assert xpcc.countries == ["cn"]


def test_chen_quanguo_shows_the_xpcc_by_reverse_link(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    chen = entities["us_ofac_sdn:90006"]
    assert chen.schema == "Person"
    assert [(r.type, r.target_id, r.target_name) for r in chen.relations] == [
        ("linked_to", "us_ofac_sdn:90001", XPCC)
    ]
    assert chen.relations[0].note == "stated on us_ofac_sdn:90001"


def test_linked_name_ending_in_period_resolves_to_its_entry(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = full
    npc = entities["us_ofac_sdn:90017"]  # remarks end "Linked To: PERSIAN GULF PETROCHEMICAL INDUSTRY CO."
    assert [(r.target_id, r.target_name) for r in npc.relations] == [
        ("us_ofac_sdn:90018", "PERSIAN GULF PETROCHEMICAL INDUSTRY CO.")
    ]
    assert "us_ofac_sdn:90017" in _linked_ids(entities["us_ofac_sdn:90018"])


def test_vessel_owner_column_links_to_the_owner_entry(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    vessel = entities["us_ofac_sdn:90002"]  # owner column and remarks both name the tanker company
    assert [(r.type, r.target_id) for r in vessel.relations] == [
        ("owned_by", "us_ofac_sdn:90021"),
        ("linked_to", "us_ofac_sdn:90021"),
    ]
    owner = entities["us_ofac_sdn:90021"]
    assert ("owner_of", "us_ofac_sdn:90002", "stated on us_ofac_sdn:90002") in [
        (r.type, r.target_id, r.note) for r in owner.relations
    ]
    ebano = entities["us_ofac_sdn:90004"]  # an owner not on the list stays a name
    assert [(r.type, r.target_id, r.target_name) for r in ebano.relations] == [
        ("owned_by", None, "Compania Fixture de Navegacion S.A.")
    ]
    assert "Owner: Compania Fixture de Navegacion S.A." in ebano.notes


def test_linked_name_not_on_this_list_keeps_its_name(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, report = full
    rel = entities["us_ofac_sdn:90023"].relations
    assert [(r.target_id, r.target_name) for r in rel] == [
        (None, "OPEN JOINT-STOCK COMPANY ROSNEFT OIL COMPANY")
    ]
    # ROSNEFT OIL COMPANY, EBANO's owner and LAZARUS GROUP's RECONNAISSANCE GENERAL BUREAU
    assert report.notes == ["3 linked or owner names match no single SDN entry; kept as names"]


# -- names, persons, identifiers -------------------------------------------------------------------


def test_aliases_come_from_alt_csv_and_remarks(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    wuhan = entities["us_ofac_sdn:90015"]
    assert [(n.value, n.kind) for n in wuhan.names] == [
        ("WUHAN SANJIANG IMPORT AND EXPORT CO. LTD", "primary"),
        ("WSIEC", "alias"),  # remarks: a.k.a. 'WSIEC'
        ("WUHAN SANJIANG I.E. CO.", "alias"),  # alt.csv
        ("WUHAN SANJIANG TRADING CO., LTD", "alias"),  # alt.csv
    ]
    triliance = entities["us_ofac_sdn:90016"]
    kinds = {n.value: n.kind for n in triliance.names}
    assert kinds["TRILIANCE KISH TRADING COMPANY"] == "fka"
    assert kinds["TRILIANCE PETROLEUM TRADING CO., LTD"] == "alias"
    assert kinds["TRILIANCE ENERGY HOLDING LTD"] == "nka"
    vessel = entities["us_ofac_sdn:90004"]  # remarks: f.k.a. 'MARIA LUISA'; f.k.a. 'CARIBE STAR'
    assert [(n.value, n.kind) for n in vessel.names] == [
        ("EBANO", "primary"),
        ("MARIA LUISA", "fka"),
        ("CARIBE STAR", "fka"),
    ]


def test_transliterated_and_latin1_names(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    deripaska = entities["us_ofac_sdn:90013"]  # Russian and Belarusian transliterations
    assert [(n.value, n.kind) for n in deripaska.names] == [
        ("DERIPASKA, Oleg Vladimirovich", "primary"),
        ("DERIPASKA, Oleg Vladimirovitch", "alias"),
        ("DERYPASKA, Aleh Uladzimiravich", "alias"),
        ("DERIPASKA, Oleg", "alias"),  # alt.csv
    ]
    assert deripaska.nationalities == ["ru", "cy"]  # "nationality Russia; alt. nationality Cyprus"
    assert deripaska.identifiers == [Identifier("passport", "100000001", "ru")]
    maduro = entities["us_ofac_sdn:90014"]  # 0xE1 in sdn.csv, 0xE9 in add.csv
    assert maduro.caption == "MADURO MOROS, Nicol\u00e1s" and maduro.names[0].script == "Latin"
    assert [a.full for a in maduro.addresses] == ["Avenida Fixture 1, M\u00e9rida, Venezuela"]
    assert maduro.identifiers == [Identifier("national_id", "5000001", "ve")]


def test_individual_birth_date_place_nationality_and_gender(
    full: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, _ = full
    gao = entities["us_ofac_sdn:90010"]  # GAO, Qi: GLOMAG and UHRPA
    assert gao.caption == "GAO, Qi"
    assert gao.birth_dates == ["1968-03"]
    assert gao.birth_places == ["Taiyuan, Shanxi Province, China"]
    assert gao.nationalities == ["cn"] and gao.gender == "male"
    assert gao.addresses == []  # its add.csv row is empty
    assert [(m.program, m.authority) for m in gao.memberships] == [
        ("GLOMAG", "EO 13818 (Global Magnitsky)"),
        ("UHRPA", "Uyghur Human Rights Policy Act of 2020"),
    ]
    liu = entities["us_ofac_sdn:90011"]  # DOB 14 Feb 1979; POB Qingdao, Shandong, China; Gender Female
    assert liu.birth_dates == ["1979-02-14"] and liu.birth_places == ["Qingdao, Shandong, China"]
    assert liu.gender == "female" and liu.countries == ["cn"]
    assert Identifier("passport", "E12345678", "cn") in liu.identifiers
    assert Identifier("national_id", "370200197902140021", "cn") in liu.identifiers
    assert {n.value for n in liu.names} == {"LIU, Baoxia", "LAU, Bella", "LIU, Bella"}
    chen = entities["us_ofac_sdn:90006"]
    assert chen.title == "Former Party Secretary" and chen.birth_dates == ["1956-02-03"]


def test_birth_year_ranges_and_alternatives(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    naqdi = entities["us_ofac_sdn:90012"]  # DOB 1950 to 1952; alt. DOB 1958 to 1960; alt. DOB Jun 1959 …
    assert naqdi.birth_dates == ["1950", "1951", "1952", "1958", "1959", "1960", "1959-06"]
    assert naqdi.birth_places == ["Karbala, Iraq", "Qom, Iran"]
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
    npc = entities["us_ofac_sdn:90017"]
    assert npc.identifiers == [Identifier("registration_number", "01234567", "gb")]
    assert "Website www.npc-fixture.example" in npc.notes
    assert "www.npc-fixture.example" not in {n.value for n in npc.names}
    wuhan = entities["us_ofac_sdn:90015"]
    assert wuhan.identifiers == [Identifier("uscc", "91420100MA4K00001X", "cn")]
    sber = entities["us_ofac_sdn:90019"]
    assert Identifier("swift_bic", "SBFXRUMM", None) in sber.identifiers
    assert Identifier("tax_number", "7700000001", "ru") in sber.identifiers
    assert Identifier("registration_number", "1020000000001", "ru") in sber.identifiers
    # "Vessel Registration Identification 7312347": a valid IMO check digit makes it an IMO number
    ebano = entities["us_ofac_sdn:90004"]
    assert ebano.identifiers == [Identifier("imo", "7312347", None)]
    assert ebano.countries == ["pa"] and "Vessel type: General Cargo" in ebano.notes


def test_vessel_columns_and_registration_numbers(full: tuple[dict[str, Entity], ReadReport]) -> None:
    entities, _ = full
    tanker = entities["us_ofac_sdn:90002"]  # "Identification Number IMO 9000001"
    assert tanker.identifiers == [
        Identifier("call_sign", "9HFX1", "pa"),
        Identifier("imo", "9000001", None),
        Identifier("mmsi", "352000001", None),
    ]
    assert tanker.countries == ["pa"]
    for note in ("Vessel type: Crude Oil Tanker", "Tonnage: 299,101", "GRT: 156,880", "Flag: Panama"):
        assert note in tanker.notes
    yacht = entities["us_ofac_sdn:90003"]  # "Vessel Registration Identification RS 150443 (Russia)"
    assert Identifier("vessel_registration", "RS 150443", "ru") in yacht.identifiers
    assert yacht.countries == ["ru"] and not any(n.startswith("Tonnage") for n in yacht.notes)
    aircraft = entities["us_ofac_sdn:90005"]
    assert aircraft.schema == "Airplane"
    assert Identifier("aircraft_msn", "777", None) in aircraft.identifiers
    assert [(r.type, r.target_id) for r in aircraft.relations] == [("linked_to", "us_ofac_sdn:90022")]


def test_comments_file_continues_cut_remarks(
    full: tuple[dict[str, Entity], ReadReport], main_only: tuple[dict[str, Entity], ReadReport]
) -> None:
    lazarus = full[0]["us_ofac_sdn:90020"]  # sdn.csv cuts at "a.k.a. 'WHOIS HACKIN"
    names = [n.value for n in lazarus.names]
    assert "WHOIS HACKING TEAM" in names and "APPLEWORM" in names
    assert not any(n.startswith("Remarks cut") for n in lazarus.notes)
    cut = main_only[0]["us_ofac_sdn:90020"]
    assert "THE NEW ROMANTIC CYBER ARMY TEAM" in [n.value for n in cut.names]
    assert not any(n.value.startswith("WHOIS") for n in cut.names)
    assert any(n.startswith("Remarks cut") for n in cut.notes)
    # the 2025 continuation of Sberbank repeats the end of the 2024 remarks: joined at the overlap
    sber = full[0]["us_ofac_sdn:90019"]
    assert "Listing Date (EO 14024 Directive 3): 06 Apr 2022" in sber.notes
    assert {"SBERBANK INDIA", "SBERBANK MUMBAI"} <= {n.value for n in sber.names}
    assert not any("Directive (EO" in n for n in sber.notes)


def test_programs_column_split_into_tags() -> None:
    assert ofac_sdn._programs("SDGT] [IRGC] [IFSR") == ["SDGT", "IRGC", "IFSR"]
    assert ofac_sdn._programs("GLOMAG") == ["GLOMAG"]
    assert ofac_sdn._programs("CAATSA - RUSSIA") == ["CAATSA - RUSSIA"]
    assert ofac_sdn._authority("ZZZ") == "OFAC sanctions program ZZZ"


# -- encodings and bad input -----------------------------------------------------------------------


def _copy_lines(tmp_path: Path, source: Path, count: int, name: str) -> Path:
    lines = source.read_bytes().split(b"\r\n")[:count]
    assert b"\x1a" not in lines[-1], "fewer lines in the fixture than asked for"
    out = tmp_path / name
    out.write_bytes(b"\r\n".join(lines) + b"\r\n\x1a")
    return out


def test_cp1252_and_utf8_characters_are_kept(tmp_path: Path) -> None:
    row = '1,"SOCI\u00c9T\u00c9 \u2019X\u2019",-0- ,"GLOMAG",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    cp = tmp_path / "cp.csv"
    cp.write_bytes(row.encode("cp1252") + b"\x1a")
    assert next(ofac_sdn.read(cp)).caption == "SOCI\u00c9T\u00c9 \u2019X\u2019"
    utf = tmp_path / "utf.csv"
    utf.write_bytes(row.replace("SOCI\u00c9T\u00c9", "\u65b0\u7586\u751f\u4ea7").encode("utf-8") + b"\x1a")
    entity = next(ofac_sdn.read(utf))
    assert entity.caption == "\u65b0\u7586\u751f\u4ea7 \u2019X\u2019" and entity.names[0].script == "Han"


def test_file_cut_mid_quoted_field_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    data = SDN.read_bytes()
    line_start, line = _line_of(data, b"90020,")  # LAZARUS GROUP, remarks of 1,000 characters
    assert line == 20
    cut = tmp_path / "sdn.csv"
    cut.write_bytes(data[: line_start + 120])  # inside the quoted remarks
    error = read_error(ofac_sdn.read, cut)
    assert error.line == line and "sdn.csv" in str(error) and "truncated" in str(error)
    # a cut quoted field followed by a line end is caught by the CSV parser
    cut.write_bytes(data[: line_start + 120] + b"\r\n")
    error = read_error(ofac_sdn.read, cut)
    assert error.line == line and "sdn.csv" in str(error)


@pytest.mark.parametrize("fixture", [SDN, ALT, ADD, COMMENTS], ids=lambda p: p.name.split("_2")[0])
def test_file_cut_at_a_row_boundary_lacks_the_end_marker_and_is_rejected(
    tmp_path: Path, fixture: Path
) -> None:
    """OFAC ends every file of the set with a 0x1A byte: a file cut after a whole row has every row
    well formed, and only the missing marker tells that rows are lost."""
    rows = fixture.read_bytes().split(b"\r\n")
    assert rows[-1] == b"\x1a"
    cut = tmp_path / fixture.name
    cut.write_bytes(b"\r\n".join(rows[: max(len(rows) // 2, 2)]) + b"\r\n")
    files = {"sdn": SDN, "alt": ALT, "add": ADD, "comments": COMMENTS}
    role = next(role for role, path in files.items() if path == fixture)
    with pytest.raises(SourceFormatError) as err:
        list(ofac_sdn.read_files({**files, role: cut}, ReadReport("x")))
    assert err.value.path == str(cut) and "end-of-file marker" in str(err.value)
    cut.write_bytes(b"\r\n".join(rows[: max(len(rows) // 2, 2)]) + b"\r\n\x1a")  # with it: read
    assert list(ofac_sdn.read_files({**files, role: cut}, ReadReport("x")))


def test_row_with_wrong_column_count_is_rejected(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 15, "short.csv")
    lines = path.read_bytes().split(b"\r\n")
    assert lines[6].startswith(b"90007,") and lines[6].count(b",") == 12  # no comma in its remarks
    lines[6] = lines[6].rsplit(b",", 1)[0]  # line 7 loses its remarks column
    path.write_bytes(b"\r\n".join(lines))
    error = read_error(ofac_sdn.read, path)
    assert error.line == 7 and "short.csv" in str(error) and "expected 12 columns, found 11" in str(error)


def test_non_numeric_ent_num_is_rejected_naming_the_field(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 10, "bad_id.csv")
    path.write_bytes(path.read_bytes().replace(b"\r\n90003,", b"\r\nX90003,"))
    error = read_error(ofac_sdn.read, path)
    assert (error.line, error.field) == (3, "ent_num") and "bad_id.csv" in str(error)


def test_side_file_with_wrong_column_count_is_rejected_naming_it(tmp_path: Path) -> None:
    alt = _copy_lines(tmp_path, ALT, 12, "alt.csv")
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
    read_error(ofac_sdn.read, packed, "sdn.csv.gz.*control character")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(SDN.read_bytes()[:2000].decode("latin-1").encode("utf-16"))
    read_error(ofac_sdn.read, utf16, "utf16.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\x1a")
    read_error(ofac_sdn.read, empty, "empty.csv.*no SDN rows")
    read_error(ofac_sdn.read, tmp_path / "missing.csv", "missing.csv")


def test_entry_without_name_is_rejected_naming_the_field(tmp_path: Path) -> None:
    path = _copy_lines(tmp_path, SDN, 10, "noname.csv")
    path.write_bytes(path.read_bytes().replace(b'90003,"SEVERNAYA ZVEZDA"', b"90003,-0- "))
    error = read_error(ofac_sdn.read, path)
    assert (error.line, error.field) == (3, "name") and "noname.csv" in str(error)
