"""Few false alerts on ordinary vendors: evidence weighed by how common it is in language, persons'
common names, short aliases, and the vendor's country from the columns that say where it is.

The cases are the shapes the false-alert issue names; the rules come from word-frequency data
(wordfreq) and the structure of names, never from a vendor file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.tabular import write_csv

from supplyscreen import Screener
from supplyscreen.io.location import names_another_party, place_country, vendor_place_columns
from supplyscreen.names.frequency import common_words
from supplyscreen.names.person import two_names
from supplyscreen.screen.run import screen_file

ARIZONA_SA = "ARIZONA S.A."


def leads(screener: Screener, name: str, **kw: object) -> list[str]:
    """The captions of the hits that are at least a review."""
    return [h.caption for h in screener.match(name, **kw) if h.review]  # type: ignore[arg-type]


# -- frequency ---------------------------------------------------------------------------------------


def test_common_words_come_from_frequency_data() -> None:
    org, person = common_words(
        ["arizona", "spectrum", "horizon", "state", "huawei", "hikvision", "daqo", "lenovo"],
        ["jose", "hernandez", "maria", "vorobev", "sechin", "quanguo"],
    )
    assert {"arizona", "spectrum", "horizon", "state"} <= org
    assert not {"huawei", "hikvision", "daqo", "lenovo"} & org  # brands written often, only as themselves
    assert {"jose", "hernandez", "maria"} <= person
    assert not {"vorobev", "sechin", "quanguo"} & person


# -- organisations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vendor",
    ["ARIZONA STATE UNIVERSITY", "STATE OF ARIZONA", "ARIZONA PUBLIC SERVICE", "SPECTRUM CORPORATION"],
)
def test_agreeing_on_common_words_only_is_no_lead(screener: Screener, vendor: str) -> None:
    hits = screener.match(vendor)
    assert not any(h.review for h in hits), [(h.caption, h.score, h.explanation) for h in hits[:2]]


def test_a_one_word_vessel_alias_is_no_hit_for_an_organisation(screener: Screener) -> None:
    assert not any(h.schema == "Vessel" for h in screener.match("HORIZON INC"))
    assert not any(h.match for h in screener.match("Alpha Corporation"))


def test_a_short_alias_inside_a_longer_name_is_at_most_a_review(screener: Screener) -> None:
    assert not any(h.match for h in screener.match("ICI CONSTRUCTION INCORPORATED"))
    assert not any(h.match for h in screener.match("ECI MANAGEMENT GROUP"))


def test_the_listed_ones_are_still_caught(screener: Screener) -> None:
    assert any(h.match and "DJI" in h.caption for h in screener.match("DJI"))
    assert screener.match("Hangzhou Hikvision Digital Technology Co., Ltd.")[0].match
    assert screener.match("Huawei Technologies Co., Ltd.")[0].match
    daqo = screener.match("Daqo Energy Trading")
    assert daqo and daqo[0].review and not daqo[0].match  # a rare word agrees, industry words differ
    assert "distinctive word agrees" in daqo[0].explanation


def test_a_one_word_name_within_a_typo_is_at_most_a_review(screener: Screener) -> None:
    hit = screener.compare("Aviall", "AVICAL S.A.", schema="Company")
    assert hit.review and not hit.match
    assert screener.match("Dahau Technology")[0].review  # a typo still finds the listed firm


# -- persons -----------------------------------------------------------------------------------------


def test_common_names_in_part_are_a_review_not_a_match(screener: Screener) -> None:
    result = screener.compare("HERNANDEZ, JOSE", "HERNANDEZ MEJIA, Jose Luis", schema="Person")
    assert result.review and not result.match and "common" in result.explanation


def test_a_later_part_of_a_family_name_alone_is_no_lead(screener: Screener) -> None:
    # CHAVEZ MARTINEZ, Maria is called Maria Chavez, not Maria Martinez
    result = screener.compare("MARTINEZ, ISELA", "CHAVEZ MARTINEZ, Maria Isela", schema="Person")
    assert not result.review


def test_two_common_names_a_letter_apart_are_two_names(screener: Screener) -> None:
    assert (
        two_names("maria", "mario")
        and two_names("hernandez", "fernandez")
        and two_names("daniel", "daniella")
    )
    assert not two_names("mohamed", "muhammad") and not two_names("sergei", "sergey")
    assert not screener.compare("Maria Jimenez", "JIMENEZ CASTRO, Mario Alberto", schema="Person").review


def test_a_one_part_common_name_is_no_lead(screener: Screener) -> None:
    assert not leads(screener, "DR. MIKE!")
    assert not leads(screener, "FLORES, JOE")


def test_crossed_family_names_do_not_agree(screener: Screener) -> None:
    # both names say which part is the family name: it must be the same part
    result = screener.compare("HUSSAIN, SALEM", "SALAMI, Hossein", schema="Person")
    assert not result.review


# -- the vendor's country ----------------------------------------------------------------------------


def test_the_vendor_place_columns_are_the_vendors() -> None:
    headers = ["Contract", "Vendor", "Vendor City", "Vendor State", "Vendor Zip Code", "DeptName"]
    assert vendor_place_columns(headers, {"name": "Vendor"}) == [
        ("Vendor State", "state"),
        ("Vendor Zip Code", "zip"),
    ]
    # one party: its address details are the vendor's
    assert vendor_place_columns(["Supplier", "City", "State", "Zip"], {"name": "Supplier"}) == [
        ("State", "state"),
        ("Zip", "zip"),
    ]
    # two parties, and the place not said to be the vendor's: no context
    two = ["Agency", "City", "State", "Vendor"]
    assert names_another_party(two, {"name": "Vendor"})
    assert vendor_place_columns(two, {"name": "Vendor"}) == []


@pytest.mark.parametrize(
    ("cells", "country"),
    [
        ([("state", "MD"), ("zip", "21770")], "us"),
        ([("state", "Maryland")], "us"),
        ([("zip", "21770-1234")], "us"),
        ([("zip", "21770.0")], "us"),  # a spreadsheet's number
        ([("country", "China")], "cn"),
        ([("state", "Ontario"), ("zip", "M5V 2T6")], None),
        ([("state", "")], None),
    ],
)
def test_a_us_state_or_zip_means_the_united_states(cells: list[tuple[str, str]], country: str | None) -> None:
    assert place_country(cells) == country


def test_a_hit_on_an_entity_known_elsewhere_is_one_level_down(screener: Screener) -> None:
    plain = screener.match("VESTA, Inc.")[0]
    assert plain.match
    demoted = screener.match("VESTA, Inc.", country="us")[0]
    assert demoted.entity_id == plain.entity_id and demoted.review and not demoted.match
    assert "vendor in the United States" in demoted.explanation and "Russia" in demoted.explanation
    # a distinctive name agreeing in full is not demoted
    assert screener.match("Huawei Technologies Co., Ltd.", country="us")[0].match


@pytest.mark.usefixtures("both_paths")
def test_a_file_with_the_vendors_state_demotes_name_hits_abroad(  # type: ignore[no-untyped-def]
    screener, tmp_path: Path
) -> None:
    vendor_state = write_csv(
        tmp_path / "contracts.csv",
        ["Contract", "Vendor", "Vendor State", "Vendor Zip Code", "DeptName"],
        [["1", "VESTA, Inc.", "MD", "20850", "Department of Finance"], ["2", "DJI", "CA", "90210", "Police"]],
    )
    out = tmp_path / "out.csv"
    outcome = screen_file(screener, vendor_state, out)
    assert outcome.vendor_places == [("Vendor State", "state"), ("Vendor Zip Code", "zip")]
    rows = {r["Contract"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["1"]["risk"] == "review"
    assert "vendor in the United States" in rows["1"]["reasons"]
    assert rows["2"]["risk"] == "high"  # DJI agrees in full: not demoted

    # the same file naming an agency, with a State that is not said to be the vendor's: no context
    agency_state = write_csv(
        tmp_path / "agencies.csv",
        ["Agency", "State", "Vendor"],
        [["County Sheriff", "AZ", "VESTA, Inc."]],
    )
    out = tmp_path / "agencies.out.csv"
    assert screen_file(screener, agency_state, out).vendor_places == []
    assert next(csv.DictReader(out.open(encoding="utf-8-sig")))["risk"] == "high"
