"""Golden cases of the covered_equipment detector: model numbers, brands, dates, context, federal funds."""

from __future__ import annotations

import pytest

from supplyscreen.detect import CoveredEquipmentDetector, covered_equipment_detector, is_federal_funding
from supplyscreen.detect.text import read_rows
from supplyscreen.model import Flag, Record

HIKVISION = "Hangzhou Hikvision Digital Technology Company"
DAHUA = "Dahua Technology Company (Zhejiang Dahua Technology Co., Ltd.)"


@pytest.fixture(scope="module")
def detector() -> CoveredEquipmentDetector:
    return covered_equipment_detector()


def flags(detector: CoveredEquipmentDetector, **values: object) -> list[Flag]:
    return detector.detect(Record(row=1, **values))  # type: ignore[arg-type]


def only(found: list[Flag]) -> Flag:
    assert len(found) == 1, [f.reason for f in found]
    return found[0]


def test_hikvision_model_number_in_description_is_covered_equipment(
    detector: CoveredEquipmentDetector,
) -> None:
    flag = only(
        flags(detector, name="SecureBus Integrators", description="Hikvision DS-2CD2143G0-I dome camera")
    )
    assert flag.code == "covered_equipment"
    assert flag.severity == "high"
    ev = flag.evidence
    assert (ev["field"], ev["kind"], ev["text"]) == ("description", "model", "DS-2CD2143G0-I")
    assert (ev["start"], ev["end"]) == (10, 24)
    assert ev["covered_parent"] == HIKVISION
    assert ev["source"] == "curated/model_patterns.csv:2"
    assert "NDAA FY2019 s.889" in flag.reason and "FCC Covered List" in flag.reason
    assert "DS-2CD2143G0-I" in flag.reason and HIKVISION in flag.reason
    assert [m["kind"] for m in ev["matches"]] == ["brand", "model"]


def test_model_number_alone_is_strong_evidence_whatever_the_vendor(
    detector: CoveredEquipmentDetector,
) -> None:
    flag = only(flags(detector, name="Best Value Electronics LLC", description="OEM camera IPC-HFW2431S-S"))
    assert flag.severity == "high"
    assert flag.evidence["brand"] == "Dahua"
    assert flag.evidence["covered_parent"] == DAHUA


def test_dahua_model_ipc_hfw2431s_s(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="ABC Security", description="Dahua IPC-HFW2431S-S 4MP bullet camera"))
    assert flag.severity == "high"
    assert flag.evidence["text"] == "IPC-HFW2431S-S"
    assert "Dahua" in flag.reason


def test_ezviz_kit_is_hikvision_brand(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="Smart Home Supplies", description="EZVIZ C6N indoor camera kit"))
    assert flag.severity == "high"
    assert (flag.evidence["kind"], flag.evidence["brand"]) == ("brand", "EZVIZ")
    assert flag.evidence["covered_parent"] == HIKVISION
    assert "brand / subsidiary of " + HIKVISION in flag.reason


def test_hilook_nvr(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="Campus Tech Depot", description="HiLook 8-channel NVR"))
    assert flag.severity == "high"
    assert flag.evidence["brand"] == "HiLook"
    assert flag.evidence["relationship"] == "brand"


def test_lorex_before_sale_date_is_covered(detector: CoveredEquipmentDetector) -> None:
    flag = only(
        flags(
            detector, name="Lorex Technology Inc.", description="4K security camera system", date="2021-05-01"
        )
    )
    assert flag.severity == "high"
    assert flag.evidence["covered_until"] == "2022-11-24"
    assert flag.evidence["order_date"] == "2021-05-01"
    assert "Covered until 2022-11-24; order dated 2021-05-01" in flag.reason
    assert flag.evidence["covered_parent"] == "Dahua Technology Company"


def test_lorex_on_or_after_sale_date_is_not_covered(detector: CoveredEquipmentDetector) -> None:
    for date in ("2022-11-24", "2023-01-10"):
        assert flags(detector, name="Lorex Technology Inc.", description="4K camera system", date=date) == []


def test_lorex_without_order_date_needs_review(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="Lorex Corporation", description="wireless security camera"))
    assert flag.severity == "review"
    assert "covered until 2022-11-24; order date unknown" in flag.reason.lower()


def test_dahua_usa_end_month_covers_orders_in_that_month(detector: CoveredEquipmentDetector) -> None:
    inside = flags(detector, name="Dahua Technology USA Inc.", description="NVR", date="2024-01-31")
    assert only(inside).severity == "high"
    assert flags(detector, name="Dahua Technology USA Inc.", description="NVR", date="2024-02-01") == []


def test_dahua_noodle_house_catering_is_not_covered_equipment(detector: CoveredEquipmentDetector) -> None:
    assert flags(detector, name="Dahua Noodle House", description="catering lunch for staff meeting") == []
    assert flags(detector, name="Hytera Bakery", description="bread and pastries") == []
    assert flags(detector, name="Hytera Bakery") == []


def test_brand_in_name_without_description_needs_review(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="Hikvision USA Inc."))
    assert flag.severity == "review"
    assert flag.evidence["covered_entity"] == "Hikvision USA Inc."
    assert "does not say what was bought" in flag.reason


def test_federal_funds_wording(detector: CoveredEquipmentDetector) -> None:
    flag = only(
        flags(
            detector,
            name="SecureBus Integrators",
            description="Hikvision DS-2CD2143G0-I dome camera",
            funding="ESSER III (CFDA 84.425D)",
        )
    )
    assert "Bought with federal funds: prohibited by NDAA s.889(b) / 2 CFR 200.216." in flag.reason
    assert "ESSER III (CFDA 84.425D)" in flag.reason
    assert flag.evidence["federal_funding"] is True
    plain = only(
        flags(detector, name="SecureBus", description="Hikvision DS-2CD2143G0-I", funding="General Fund")
    )
    assert "federal funds" not in plain.reason
    assert plain.evidence["federal_funding"] is False


@pytest.mark.parametrize(
    ("text", "federal"),
    [
        ("ESSER III", True),
        ("Title I, Part A", True),
        ("FEMA Homeland Security Grant", True),
        ("CFDA 97.067", True),
        ("84.425D", True),
        ("84.425", True),
        ("CARES Act", True),
        ("IIJA broadband", True),
        ("ARPA", True),
        ("federal grant", True),
        ("General Fund", False),
        ("state grant", False),
        ("non-federal match", False),
        ("local bond 2023", False),
        ("PO 12.500", False),
        ("", False),
    ],
)
def test_is_federal_funding(text: str, federal: bool) -> None:
    assert is_federal_funding(text) is federal


def test_amcrest_model_is_review_only(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="Online Store", description="Amcrest IP4M-1051 camera"))
    assert flag.severity == "review"
    assert flag.evidence["relationship"] == "OEM/relabel (UNVERIFIED)"


def test_drone_and_antivirus_brands(detector: CoveredEquipmentDetector) -> None:
    dji = only(flags(detector, name="Aerial Supply", description="DJI Mavic 3 drone"))
    assert (dji.severity, dji.evidence["brand"]) == ("high", "DJI")
    assert "NDAA" not in dji.reason  # DJI is on the FCC Covered List, not a s.889 entity
    kas = only(flags(detector, name="Software Reseller", description="Kaspersky Endpoint Security license"))
    assert kas.evidence["covered_parent"] == "AO Kaspersky Lab"


def test_chinese_brand_name(detector: CoveredEquipmentDetector) -> None:
    flag = only(flags(detector, name="深圳安防", description="海康威视 网络摄像机"))
    assert flag.evidence["text"] == "海康威视"
    assert flag.evidence["covered_parent"] == HIKVISION


def test_short_chinese_brand_needs_a_category_word(detector: CoveredEquipmentDetector) -> None:
    assert flags(detector, name="x", description="大华银行 转账手续费") == []
    assert only(flags(detector, name="x", description="大华 硬盘录像机")).severity == "high"


def test_rtsp_path_fingerprint(detector: CoveredEquipmentDetector) -> None:
    flag = only(
        flags(detector, name="x", description="rtsp://admin:pw@10.0.0.5:554/ISAPI/Streaming/Channels/101")
    )
    assert flag.evidence["kind"] == "rtsp_path"
    assert flag.severity == "high"


def test_brand_words_come_from_the_curated_rows(detector: CoveredEquipmentDetector) -> None:
    words = {m.key for m in detector.scan("Hiksemi HikStorage SZ DJI Technology PowerTrunk Sepura ZTE")}
    assert words == {"Hiksemi", "HikStorage", "SZ DJI Technology", "PowerTrunk", "Sepura", "ZTE"}
    # rows that are reviewer context only (creates_hit no) never become brand words
    assert detector.scan("Skywatch Honeywell Panasonic Swann") == []


def test_every_curated_model_example_is_found_as_its_brand(detector: CoveredEquipmentDetector) -> None:
    checked = 0
    for row in read_rows("curated", "model_patterns.csv"):
        for example in filter(None, (e.strip() for e in row["example"].split(";"))):
            found = detector.scan(example)
            assert found, (row.source, example)
            brand = row["brand"].split("(")[0].split("/")[0].strip()
            assert any(m.key.lower() == brand.lower() for m in found), (example, [m.key for m in found])
            checked += 1
    assert checked == 35
