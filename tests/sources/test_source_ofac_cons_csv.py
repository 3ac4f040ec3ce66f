"""OFAC's legacy non-SDN CSV set (CONS_PRIM.CSV …) and the source ``us_ofac_nonsdn``, which reads it or
the enhanced XML, checked on small files in the official format (``tests/fixtures/official``).

The CSV fixture holds the thirteen entries of the enhanced XML fixture, under the same ids and with
the same data, written the way the CSV set writes them, and one entry more: a member of the
Palestinian Legislative Council who also bears the SDN program SDGT. Every field is invented.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import LISTS
from support.readers import read_by_id, read_error, reader_fixtures

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Identifier
from supplyscreen.sources import ofac_cons_csv, ofac_enhanced
from supplyscreen.sources.base import ReadReport
from supplyscreen.sources.registry import source_spec
from supplyscreen.store.build import read_source

FOLDER = LISTS / "us_ofac_consolidated_nonsdn"
CONS_ZIP = FOLDER / "CONS_ENHANCED_2025-01-14.ZIP"
PRIM = FOLDER / "cons_prim_2025-12.csv"
ALT = FOLDER / "cons_alt_2025-12.csv"
ADD = FOLDER / "cons_add_2025-12.csv"
COMMENTS = FOLDER / "cons_comments_2025-12.csv"
CSV_FILES = {"prim": PRIM, "alt": ALT, "add": ADD, "comments": COMMENTS}
NONSDN_LISTS = {"us_ofac_ssi", "us_ofac_cmic", "us_ofac_plc", "us_ofac_mbs", "us_ofac_cap", "us_ofac_fse"}

read_result, entities = reader_fixtures(ofac_cons_csv.read_csv_files, CSV_FILES, "us_ofac_nonsdn")


def _lists(entity: Entity) -> list[tuple[str, str | None]]:
    return [(m.list_code, m.program) for m in entity.memberships]


def _words(text: str) -> str:
    """Letters and digits of a name or address, case folded, in order (commas and spacing dropped)."""
    return " ".join(re.findall(r"\w+", text.casefold()))


# -- the source spec -------------------------------------------------------------------------------


def test_the_source_declares_both_formats_the_enhanced_xml_first() -> None:
    spec = ofac_cons_csv.SOURCE
    assert source_spec("us_ofac_nonsdn") is spec
    assert [(f.role, f.filename, f.format, f.main, f.required) for f in spec.files] == [
        ("zip", "CONS_ENHANCED.ZIP", "enhanced_xml", True, False),
        ("prim", "CONS_PRIM.CSV", "csv", True, False),
        ("alt", "CONS_ALT.CSV", "csv", False, False),
        ("add", "CONS_ADD.CSV", "csv", False, False),
        ("comments", "CONS_COMMENTS.CSV", "csv", False, False),
    ]
    exports = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
    assert [f.url for f in spec.files] == [exports + f.filename for f in spec.files]
    assert spec.formats() == ["enhanced_xml", "csv"]
    assert spec.format_of(["prim", "alt"]) == "csv"
    assert spec.format_of(["prim", "zip"]) == "enhanced_xml"
    assert spec.format_of(["alt", "add"]) is None
    assert source_spec("us_ofac_sdn").formats() == [""]  # a source of one format
    assert source_spec("us_ofac_sdn").format_of([]) == ""


def test_fixture_files_have_the_official_layout() -> None:
    """No header, CRLF line ends, ``-0-`` for empty fields and a trailing 0x1A byte, as OFAC writes them."""
    for path in CSV_FILES.values():
        data = path.read_bytes()
        assert data.endswith(b"\r\n\x1a") and data[:5].isdigit(), path.name  # no header row
    assert b"-0- ," in PRIM.read_bytes()
    assert len(PRIM.read_bytes().split(b"\r\n")[3].split(b'"')[-2]) == 1000  # remarks cut, continued


# -- the CSV set -----------------------------------------------------------------------------------


def test_reads_14_entries_under_their_ent_num_and_counts_orphans(
    read_result: tuple[dict[str, Entity], ReadReport],
) -> None:
    entities, report = read_result
    assert report.records == 14 and len(entities) == 14
    assert sorted(entities) == [f"us_ofac_nonsdn:{n}" for n in range(40101, 40115)]
    assert all(e.source_ids == [e.id] for e in entities.values())
    assert report.skipped == {"alt_orphan": 1, "add_empty": 1}
    assert report.snapshot_date is None  # the CSV set states no date
    assert Counter(e.schema for e in entities.values()) == {"Organization": 9, "Person": 4, "Vessel": 1}


def test_lists_follow_the_program_tags_and_are_never_the_sdn_list(entities: dict[str, Entity]) -> None:
    assert all(m.list_code in NONSDN_LISTS for e in entities.values() for m in e.memberships)
    counts = Counter(code for e in entities.values() for code in e.list_codes)
    assert counts == {
        "us_ofac_ssi": 4,
        "us_ofac_cmic": 3,
        "us_ofac_plc": 3,
        "us_ofac_mbs": 2,
        "us_ofac_cap": 1,
        "us_ofac_fse": 1,
    }
    assert _lists(entities["us_ofac_nonsdn:40109"]) == [("us_ofac_fse", "FSE-IR")]
    assert _lists(entities["us_ofac_nonsdn:40110"]) == [("us_ofac_cap", "561-Related")]
    # a program of no list of its own, alone: the menu-based list
    assert _lists(entities["us_ofac_nonsdn:40112"]) == [("us_ofac_mbs", "RUSSIA-EO14024")]


def test_ns_cmic_company_has_aliases_address_and_identifiers(entities: dict[str, Entity]) -> None:
    hik = entities["us_ofac_nonsdn:40101"]
    assert hik.schema == "Organization"
    assert [(n.value, n.kind) for n in hik.names] == [
        ("HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.", "primary"),
        ("HIKVISION", "alias"),
        ("HANGZHOU HIKVISION DIGITAL TECHNOLOGY", "alias"),
    ]
    (membership,) = hik.memberships
    assert (membership.list_code, membership.program, membership.authority) == (
        "us_ofac_cmic",
        "CMIC-EO13959",
        "EO 13959",
    )
    assert membership.source_url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=40101"
    assert membership.source_id == "us_ofac_nonsdn:40101"
    (address,) = hik.addresses
    assert (address.street, address.city, address.country) == (
        "No. 88 Example Road, Riverside District",
        "Hangzhou 310099",
        "cn",
    )
    assert hik.countries == ["cn"]
    assert Identifier("uscc", "91330100TESTHIK01X", "cn") in hik.identifiers
    assert {(i.type, i.value) for i in hik.identifiers} >= {("ticker", "009999 CN"), ("isin", "CNE1000TEST1")}
    assert "Target Type Public Company" in hik.notes


def test_ssi_entry_keeps_its_russia_program_on_the_ssi_list(entities: dict[str, Entity]) -> None:
    """UKRAINE-EO13662 puts the bank on the SSI list; RUSSIA-EO14024 beside it may be an SDN or an NS-MBS
    program, which the CSV does not say: it stays a program of the entry's list."""
    for ent_num in ("40105", "40106"):
        bank = entities[f"us_ofac_nonsdn:{ent_num}"]
        assert _lists(bank) == [("us_ofac_ssi", "UKRAINE-EO13662"), ("us_ofac_ssi", "RUSSIA-EO14024")]
        assert [m.authority for m in bank.memberships] == ["EO 13662", "EO 14024"]
    belarus = entities["us_ofac_nonsdn:40106"]
    assert Identifier("registration_number", "100000001", "by") in belarus.identifiers


def test_plc_member_with_an_sdn_program_is_on_the_plc_list_only(entities: dict[str, Entity]) -> None:
    person = entities["us_ofac_nonsdn:40114"]
    assert person.schema == "Person"
    assert _lists(person) == [("us_ofac_plc", "NS-PLC"), ("us_ofac_plc", "SDGT")]
    assert person.list_codes == ["us_ofac_plc"]
    assert [(n.value, n.kind) for n in person.names] == [
        ("HAMDAN, Yusuf Salim", "primary"),
        ("HAMDAN, Yousef", "alias"),
    ]
    assert (person.birth_dates, person.birth_places, person.gender) == (["1958"], ["Gaza"], "male")
    (address,) = person.addresses  # "Region: Gaza" in the country column: a region
    assert (address.full, address.region, address.country) == ("Gaza", "Gaza", "ps")
    (relation,) = person.relations
    assert (relation.type, relation.target_id, relation.source) == ("linked_to", None, "us_ofac_nonsdn")
    assert relation.target_name == "EXAMPLE MOVEMENT"  # on no list of this set: kept as a name


def test_individual_vessel_and_former_names(entities: dict[str, Entity]) -> None:
    fse = entities["us_ofac_nonsdn:40109"]
    assert (fse.birth_dates, fse.nationalities, fse.gender) == (["1975", "1976"], ["ir"], "male")
    assert fse.identifiers == [Identifier("passport", "X0000001", "ir")]
    assert ("NAMDARI FARD, Kourosh", "nka") in [(n.value, n.kind) for n in fse.names]
    vessel = entities["us_ofac_nonsdn:40111"]
    assert vessel.schema == "Vessel" and vessel.countries == ["pa"]
    assert {(i.type, i.value) for i in vessel.identifiers} == {("imo", "9182734"), ("mmsi", "273401234")}
    assert ("NORTHERN EXAMPLE", "fka") in [(n.value, n.kind) for n in vessel.names]
    assert "Vessel type: Crude Oil Tanker" in vessel.notes


def test_comments_file_continues_the_cut_remarks(entities: dict[str, Entity]) -> None:
    bank = entities["us_ofac_nonsdn:40104"]
    # the identifier and the name after the 1,000th character come from CONS_COMMENTS.CSV
    assert Identifier("okpo", "00000001", "ru") in bank.identifiers
    assert Identifier("tax_number", "7700000001", "ru") in bank.identifiers
    assert "JSC NORTHERN TRADE BANK MINSK BRANCH" in {n.value for n in bank.names}
    assert "Listing Date (EO 13662 Directive 1): 16 Jul 2014" in bank.notes
    assert "Effective Date (EO 13662 Directive 1): 16 Jul 2014" in bank.notes
    assert not any(n.startswith("Remarks cut") for n in bank.notes)
    alone, _ = read_by_id(ofac_cons_csv.read_csv_files, {"prim": PRIM}, "us_ofac_nonsdn")
    cut = alone["us_ofac_nonsdn:40104"]
    assert Identifier("okpo", "00000001", "ru") not in cut.identifiers
    assert "Remarks cut: CONS_PRIM.CSV holds 1,000 characters of them, the rest is not given" in cut.notes


@pytest.mark.parametrize("role", list(CSV_FILES))
def test_a_file_without_its_end_marker_is_refused_with_file_and_line(tmp_path: Path, role: str) -> None:
    data = CSV_FILES[role].read_bytes()
    cut = tmp_path / CSV_FILES[role].name
    cut.write_bytes(data[:-1])  # every row whole, the 0x1A byte gone
    with pytest.raises(SourceFormatError) as err:
        list(ofac_cons_csv.read_csv_files({**CSV_FILES, role: cut}, ReadReport("x")))
    assert err.value.path == str(cut) and err.value.line == data.count(b"\r\n") + 1
    assert "end-of-file marker" in str(err.value) and "non-SDN consolidated set" in str(err.value)


def test_a_file_cut_inside_a_row_is_refused_with_its_line(tmp_path: Path) -> None:
    data = PRIM.read_bytes()
    start = data.index(b"\r\n40104,") + 2
    cut = tmp_path / "CONS_PRIM.CSV"
    cut.write_bytes(data[: start + 300])
    error = read_error(lambda p: ofac_cons_csv.read_csv_files({"prim": p}, ReadReport("x")), cut)
    assert error.line == 4 and "CONS_PRIM.CSV" in str(error) and "truncated" in str(error)


def test_the_csv_set_without_its_main_file_is_refused() -> None:
    with pytest.raises(SourceFormatError, match="CONS_PRIM.CSV.*main non-SDN consolidated file"):
        list(ofac_cons_csv.read_csv_files({"alt": ALT}, ReadReport("x")))


# -- the two formats agree -------------------------------------------------------------------------


def test_both_formats_give_the_same_entries_the_same_ids_and_data(entities: dict[str, Entity]) -> None:
    """Every entry of the XML fixture is in the CSV fixture under the same id, with the same names
    (those in Latin script: the CSV set is Latin-1), addresses, identifiers and programs; the lists
    agree but where the enhanced XML says more than the CSV can (the SDN list; NS-MBS beside SSI)."""
    xml, _ = read_by_id(ofac_enhanced.read_files, {"zip": CONS_ZIP}, "us_ofac_nonsdn")
    assert set(xml) == set(entities) - {"us_ofac_nonsdn:40114"}

    def latin(text: str) -> bool:
        return all(ord(c) < 0x250 for c in text)

    def facts(e: Entity) -> dict[str, object]:
        return {
            "schema": e.schema,
            "primary": _words(e.caption),
            "names": {_words(n.value) for n in e.names if latin(n.value)},
            "addresses": {" ".join(sorted(_words(a.full).split())) for a in e.addresses},
            "identifiers": {(i.type, i.value, i.country) for i in e.identifiers},
            "programs": {m.program for m in e.memberships},
            "birth": (e.birth_dates, e.nationalities),
            "countries": set(e.countries),
        }

    for sid, from_xml in xml.items():
        assert facts(entities[sid]) == facts(from_xml), sid
    differ = {sid: (set(xml[sid].list_codes), set(entities[sid].list_codes)) for sid in xml}
    differ = {sid: lists for sid, lists in differ.items() if lists[0] != lists[1]}
    assert differ == {
        "us_ofac_nonsdn:40105": ({"us_ofac_ssi", "us_ofac_mbs"}, {"us_ofac_ssi"}),
        "us_ofac_nonsdn:40106": ({"us_ofac_ssi", "us_ofac_sdn"}, {"us_ofac_ssi"}),
    }


# -- the source reads either format ----------------------------------------------------------------


def _read(files: dict[str, Path]) -> tuple[dict[str, Entity], ReadReport]:
    return read_by_id(ofac_cons_csv.SOURCE.read, files, "us_ofac_nonsdn")


def test_the_source_reads_the_csv_set_when_only_it_is_given() -> None:
    found, report = _read(CSV_FILES)
    assert len(found) == 14 and report.records == 14
    assert report.notes[0] == (
        "read from the legacy CSV set: CONS_PRIM.CSV, CONS_ALT.CSV, CONS_ADD.CSV, CONS_COMMENTS.CSV"
    )
    info = read_source(ofac_cons_csv.SOURCE, CSV_FILES).info
    assert set(info.files) == {"prim", "alt", "add", "comments"}  # the manifest names the format read
    assert info.files["prim"]["filename"] == "CONS_PRIM.CSV" and info.entities == 14
    assert "us_ofac_sdn" not in info.lists


def test_the_source_reads_the_zip_when_only_it_is_given() -> None:
    found, report = _read({"zip": CONS_ZIP})
    assert len(found) == 13 and report.snapshot_date == "2025-01-10"
    assert report.notes == ["read from the enhanced XML: CONS_ENHANCED.ZIP"]
    assert len(list(ofac_cons_csv.SOURCE.read_file(CONS_ZIP))) == 13  # a one-path read takes the ZIP


def test_the_zip_wins_when_both_formats_are_given() -> None:
    found, report = _read({"zip": CONS_ZIP, **CSV_FILES})
    assert len(found) == 13 and report.snapshot_date == "2025-01-10"
    assert found["us_ofac_nonsdn:40106"].list_codes == ["us_ofac_ssi", "us_ofac_sdn"]  # the XML's lists
    assert report.notes[0] == (
        "read from the enhanced XML: CONS_ENHANCED.ZIP (given beside it and not read: CONS_PRIM.CSV, "
        "CONS_ALT.CSV, CONS_ADD.CSV, CONS_COMMENTS.CSV)"
    )


def test_without_either_main_file_the_source_names_what_is_missing() -> None:
    for files in ({}, {"alt": ALT, "add": ADD}):
        with pytest.raises(SourceFormatError) as err:
            _read(files)
        message = str(err.value)
        assert "CONS_ENHANCED.ZIP (role 'zip') or CONS_PRIM.CSV (role 'prim') is needed" in message
    with pytest.raises(SourceFormatError, match=r"roles given: add, alt\)"):
        read_source(ofac_cons_csv.SOURCE, {"alt": ALT, "add": ADD})
