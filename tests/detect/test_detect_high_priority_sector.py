"""Golden cases of the high_priority_sector detector: HS code prefixes and description keywords."""

from __future__ import annotations

import pytest

from supplyscreen.detect import HighPrioritySectorDetector, high_priority_sector_detector, normalize_hs
from supplyscreen.model import Flag, Record


@pytest.fixture(scope="module")
def detector() -> HighPrioritySectorDetector:
    return high_priority_sector_detector()


def sectors(detector: HighPrioritySectorDetector, **values: object) -> list[Flag]:
    return detector.detect(Record(row=1, **values))  # type: ignore[arg-type]


def test_hs_5201_cotton_is_information_not_a_hit(detector: HighPrioritySectorDetector) -> None:
    [flag] = sectors(detector, hs_code="5201", description="raw cotton bales")
    assert (flag.code, flag.severity) == ("high_priority_sector", "info")
    assert flag.reason.startswith(
        "UFLPA high-priority sector: Cotton and cotton products (designated 2022, original UFLPA Strategy); "
        "information, not a hit by itself."
    )
    assert "HS 5201 (5201: Cotton; not carded or combed)" in flag.reason
    assert [(m["field"], m["kind"], m["text"]) for m in flag.evidence["matches"]] == [
        ("hs_code", "hs_code", "5201"),
        ("description", "keyword", "raw cotton"),
    ]
    assert flag.evidence["source"] == "curated/sectors.csv:2"


def test_polysilicon_keyword(detector: HighPrioritySectorDetector) -> None:
    [flag] = sectors(detector, description="Polysilicon chunks, 9N")
    assert flag.evidence["sector"] == "Silica-based products incl. polysilicon (and solar downstream)"
    assert (flag.evidence["text"], flag.evidence["start"], flag.evidence["end"]) == ("Polysilicon", 0, 11)


def test_hs_85414300_longest_prefix_wins(detector: HighPrioritySectorDetector) -> None:
    for code in ("85414300", "8541.43.00"):
        [flag] = sectors(detector, hs_code=code)
        assert flag.evidence["prefix"] == "854143"
        assert flag.evidence["hs_code"] == "85414300"
    [red_dates] = sectors(detector, hs_code="0813.40.10")
    assert red_dates.evidence["sector"] == "Red dates (jujubes)"
    assert red_dates.reason.startswith(
        "UFLPA high-priority sector: Red dates (jujubes) (designated 2025-08-19"
    )


def test_tomato_paste(detector: HighPrioritySectorDetector) -> None:
    [flag] = sectors(detector, description="tomato paste, 220 L drums")
    assert flag.evidence["sector"] == "Tomatoes and downstream products"
    assert flag.evidence["keyword"] == "tomato paste"


def test_office_chairs_is_clean(detector: HighPrioritySectorDetector) -> None:
    assert sectors(detector, description="office chairs", hs_code="9401.30") == []


def test_chinese_keywords(detector: HighPrioritySectorDetector) -> None:
    names = [f.evidence["sector"] for f in sectors(detector, description="多晶硅 和 番茄酱")]
    assert names == [
        "Silica-based products incl. polysilicon (and solar downstream)",
        "Tomatoes and downstream products",
    ]


def test_entity_list_sector_is_worded_as_not_high_priority(detector: HighPrioritySectorDetector) -> None:
    [flag] = sectors(detector, description="human hair wigs")
    assert flag.evidence["uflpa_status"] == "entity-list relevant"
    assert "(not a designated high-priority sector)" in flag.reason


def test_shared_code_goes_to_the_high_priority_sector(detector: HighPrioritySectorDetector) -> None:
    [flag] = sectors(detector, hs_code="8507.60.0020")
    assert flag.evidence["sector"] == "Lithium"


def test_normalize_hs() -> None:
    assert normalize_hs("8541.43.00") == ["85414300"]
    assert normalize_hs("HS 5201; 5208.11") == ["5201", "520811"]
    assert normalize_hs("702") == ["0702"]
    assert normalize_hs("") == []
