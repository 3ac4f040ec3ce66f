"""Tests of the shared identifier-label table and of the three readers agreeing on it."""

from __future__ import annotations

from pathlib import Path

import pytest

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

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "lists"
SDN = DATA / "us_ofac_sdn" / "sdn_2024-05-03.csv"
CSL_GZ = DATA / "us_trade_csl" / "consolidated_2022-05.csv.gz"


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


@pytest.mark.skipif(not (SDN.exists() and CSL_GZ.exists()), reason="shared data not available")
def test_sdn_remarks_and_csl_give_the_same_imo_numbers() -> None:
    sdn: dict[str, Entity] = {e.id: e for e in ofac_sdn.read(SDN)}
    csl: dict[str, Entity] = {e.id: e for e in trade_csl.read_files({"csv": CSL_GZ}, ReadReport("x"))}
    # "Identification Number IMO 6013334" in the remarks, "IMO 6013334, Identification Number" in the CSL
    for ent_num, imo in (("27531", "6013334"), ("17104", "8606173")):
        assert Identifier("imo", imo) in sdn[f"us_ofac_sdn:{ent_num}"].identifiers
        assert Identifier("imo", imo) in csl[f"us_trade_csl:{ent_num}"].identifiers
    assert Identifier("vessel_registration", "RS 150443", "ru") in [
        i for e in sdn.values() for i in e.identifiers if i.value == "RS 150443"
    ]
