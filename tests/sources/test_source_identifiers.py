"""Tests of the shared identifier-label table and of the three readers agreeing on it."""

from __future__ import annotations

from pathlib import Path

from supplyscreen.model import Entity, Identifier
from supplyscreen.sources import ofac_sdn, trade_csl
from supplyscreen.sources.base import ReadReport
from supplyscreen.sources.identifiers import (
    ID_TYPES,
    identifier_type,
    is_descriptive,
    is_imo_number,
    known_type,
    make_identifier,
)


def test_no_identifier_label_is_descriptive() -> None:
    assert len(ID_TYPES) == 108
    assert [label for label in ID_TYPES if is_descriptive(label)] == []


def test_labels_the_old_tables_disagreed_on_get_one_type() -> None:
    assert known_type("Identification Number") == "id_number"
    assert known_type("Trade License No.") == "license_number"
    assert known_type("License") == "license_number"
    assert known_type("Vessel Registration Identification") == "vessel_registration"
    assert known_type("national id no.") == "national_id"  # case and spacing ignored
    assert known_type("Digital Currency Address - XBT") == "crypto_wallet"
    assert known_type("N.I.E.") is None


def test_unknown_labels_become_a_slug() -> None:
    assert identifier_type("N.I.E.") == "nie"
    assert identifier_type("Seafarer's Identification Document") == "seafarers_identification_document"
    assert identifier_type("Unified Social Credit Code (USCC)") == "uscc"
    assert identifier_type("...") == "id_number"


def test_descriptive_labels_are_never_identifiers() -> None:
    for label in (
        "Gender",
        "Target Type",
        "Listing Date (CMIC)",
        "Effective Date (EO 14024 Directive 2):",
        "Executive Order 14024 Directive Information",
        "Additional Sanctions Information -",
        "Subject to Secondary Sanctions",
        "Email Address",
        "Website",
    ):
        assert is_descriptive(label), label
    assert not is_descriptive("Passport")
    assert not is_descriptive("Birth Certificate Number")


def test_imo_numbers_are_told_by_their_value() -> None:
    assert is_imo_number("9569683") and is_imo_number("8606173")
    assert not is_imo_number("9569684") and not is_imo_number("15411")
    assert make_identifier("registration_number", "IMO 5938411") == Identifier("imo", "5938411")
    assert make_identifier("vessel_registration", "IMO 9569683") == Identifier("imo", "9569683")
    assert make_identifier("vessel_registration", "8606173") == Identifier("imo", "8606173")
    assert make_identifier("vessel_registration", "RS 150443", "ru") == Identifier(
        "vessel_registration", "RS 150443", "ru"
    )
    assert make_identifier("passport", "  G28882492 ") == Identifier("passport", "G28882492")
    assert make_identifier("passport", " ") is None


# Three OFAC entries as the SDN main file writes them (identifiers in the remarks, "-0-" for empty,
# CRLF line ends) and as the trade.gov CSL writes the same entries (identifiers in ``ids``).
SDN_CSV = (
    '93105,"SILVERFIN MARITIME LTD",-0- ,"DPRK4",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"Identification Number IMO 5403128; Company Number 12004417 (United Kingdom)."\r\n'
    '93107,"NORTH STAR CARRIER","vessel","DPRK",-0- ,-0- ,"General Cargo",-0- ,-0- ,'
    '"Korea, North",-0- ,"Vessel Registration Identification 8620193."\r\n'
    '93104,"ZARYA NORD","vessel","RUSSIA-EO14024",-0- ,"UBQZ4","Yacht",-0- ,-0- ,"Russia",-0- ,'
    '"Vessel Registration Identification RS 204417 (Russia); MMSI 273000417."\r\n'
)
CSL_CSV = (
    "_id,source,entity_number,type,programs,name,addresses,federal_register_notice,start_date,end_date,"
    "alt_names,ids\n"
    "93105,Specially Designated Nationals (SDN) - Treasury Department,93105,Entity,DPRK4,"
    'SILVERFIN MARITIME LTD,,,,,"","GB, 12004417, Company Number; IMO 5403128, Identification Number"\n'
    "93107,Specially Designated Nationals (SDN) - Treasury Department,93107,Vessel,DPRK,"
    'NORTH STAR CARRIER,,,,,"","8620193, Vessel Registration Identification"\n'
    "93104,Specially Designated Nationals (SDN) - Treasury Department,93104,Vessel,RUSSIA-EO14024,"
    'ZARYA NORD,,,,,"","RU, RS 204417, Vessel Registration Identification; 273000417, MMSI"\n'
)


def test_sdn_remarks_and_csl_give_the_same_imo_numbers(tmp_path: Path) -> None:
    (tmp_path / "sdn.csv").write_bytes(SDN_CSV.encode("cp1252") + b"\x1a")  # OFAC's end marker
    (tmp_path / "consolidated.csv").write_text(CSL_CSV, encoding="utf-8")
    sdn: dict[str, Entity] = {e.id: e for e in ofac_sdn.read(tmp_path / "sdn.csv")}
    csl: dict[str, Entity] = {
        e.id: e for e in trade_csl.read_files({"csv": tmp_path / "consolidated.csv"}, ReadReport("x"))
    }
    # "Identification Number IMO 5403128" in the remarks, "IMO 5403128, Identification Number" in the CSL;
    # a bare 7-digit "Vessel Registration Identification" with a valid check digit is an IMO number too
    for ent_num, imo in (("93105", "5403128"), ("93107", "8620193")):
        assert Identifier("imo", imo) in sdn[f"us_ofac_sdn:{ent_num}"].identifiers
        assert Identifier("imo", imo) in csl[f"us_trade_csl:{ent_num}"].identifiers
    # a flag state's register number stays a vessel registration, with its country, from both
    russian = Identifier("vessel_registration", "RS 204417", "ru")
    assert russian in sdn["us_ofac_sdn:93104"].identifiers
    assert russian in csl["us_trade_csl:93104"].identifiers
    # and no other identifier differs (the call sign is an SDN column, left out of ``ids`` here; the
    # entity number is the SDN entry's id)
    for ent_num in ("93105", "93107", "93104"):
        from_sdn = [i for i in sdn[f"us_ofac_sdn:{ent_num}"].identifiers if i.type != "call_sign"]
        from_csl = [i for i in csl[f"us_trade_csl:{ent_num}"].identifiers if i.type != "ofac_ent_num"]
        assert sorted(from_sdn, key=repr) == sorted(from_csl, key=repr), ent_num
