"""Golden cases of the xinjiang_location detector: spellings in every script; homonyms are not Xinjiang."""

from __future__ import annotations

import re

import pytest

from supplyscreen.detect import XinjiangLocationDetector, xinjiang_location_detector
from supplyscreen.detect.text import read_rows
from supplyscreen.model import Record


@pytest.fixture(scope="module")
def detector() -> XinjiangLocationDetector:
    return xinjiang_location_detector()


def places(
    detector: XinjiangLocationDetector, text: str, country: str | None = None
) -> list[tuple[str, str]]:
    return [(m.text, m.attrs["place"]["admin_code"]) for m in detector.scan(text, country)]


def test_address_in_aksu_xinjiang_is_a_xinjiang_location(detector: XinjiangLocationDetector) -> None:
    record = Record(row=3, name="Aksu Huafu Textiles Co., Ltd.", address="No. 8 Jiefang Rd, Aksu, Xinjiang")
    [flag] = detector.detect(record)
    assert (flag.code, flag.severity) == ("xinjiang_location", "high")
    assert (flag.evidence["field"], flag.evidence["text"]) == ("name", "Aksu")
    assert flag.evidence["place"] == {
        "name_en": "Aksu City",
        "chinese": "阿克苏市",
        "admin_code": "652901",
        "level": "county-level city",
        "parent": "Aksu Prefecture",
    }
    assert [(m["field"], m["text"], m["start"]) for m in flag.evidence["matches"]] == [
        ("name", "Aksu", 0),
        ("address", "Aksu", 18),
        ("address", "Xinjiang", 24),
    ]
    assert "Pub. L. 117-78" in flag.reason and "19 U.S.C. 1307" in flag.reason
    assert "presumed to be made with forced labour" in flag.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("阿克苏市", [("阿克苏市", "652901")]),
        ("新疆乌鲁木齐市天山区", [("新疆", "65"), ("乌鲁木齐市", "6501"), ("天山区", "650102")]),
        ("喀什 和田 石河子", [("喀什", "653101"), ("和田", "653201"), ("石河子", "659001")]),
        ("Ürümqi", [("Ürümqi", "6501")]),
        ("Urumqi", [("Urumqi", "6501")]),
        ("Ürümchi", [("Ürümchi", "6501")]),
        ("Wulumuqi", [("Wulumuqi", "6501")]),
        ("Wūlǔmùqí", [("Wūlǔmùqí", "6501")]),
        ("Kashgar", [("Kashgar", "653101")]),
        ("Qeshqer", [("Qeshqer", "653101")]),
        ("Khotan", [("Khotan", "653201")]),
        ("Xoten", [("Xoten", "6532")]),
        ("Korla", [("Korla", "652801")]),
        ("Turfan", [("Turfan", "6504")]),
        ("Artux", [("Artux", "653001")]),
        ("XUAR", [("XUAR", "65")]),
        ("Shihezi", [("Shihezi", "659001")]),
        ("Kokdala", [("Kokdala", "659008")]),
        ("Tumxuk", [("Tumxuk", "659003")]),
    ],
)
def test_spellings_in_every_script(
    detector: XinjiangLocationDetector, text: str, expected: list[tuple[str, str]]
) -> None:
    assert places(detector, text) == expected


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Aksu, Kazakhstan", None),
        ("Aksu", "KZ"),
        ("Aksu Textile Mill", "Turkey"),
        ("Kashgar Restaurant, London, UK", None),
        ("Xinxing County, Guangdong", None),
        ("Xinxing County, Guangdong", "CN"),
        ("Yiwu, Zhejiang", "CN"),
        ("Hami melon", None),
        ("Korla fragrant pears", None),
        ("Turpan raisins", None),
        ("Tianshan Mountains trekking", None),
        ("Tianshan Cement Co.", "CN"),
        ("Maytag washer", None),
        ("Bay Area office, Shenzhen", "CN"),
        ("乌鲁木齐中路 上海", None),
        ("哈密瓜", None),
    ],
)
def test_homonyms_and_names_are_not_xinjiang_locations(
    detector: XinjiangLocationDetector, text: str, country: str | None
) -> None:
    assert places(detector, text, country) == []


def test_short_name_needs_china_or_xinjiang_context(detector: XinjiangLocationDetector) -> None:
    assert places(detector, "Aksu") == []
    assert places(detector, "Aksu", "CN") == [("Aksu", "652901")]
    assert places(detector, "Aksu 阿克苏") == [("Aksu", "652901"), ("阿克苏", "652901")]


def test_pinyin_county_names_need_xinjiang_context(detector: XinjiangLocationDetector) -> None:
    assert places(detector, "Shache", "CN") == []
    assert places(detector, "Shache, Kashgar") == [("Shache", "653125"), ("Kashgar", "653101")]
    assert places(detector, "Yarkant") == [("Yarkant", "653125")]


def test_chinese_script_xinjiang_ignores_the_country_field(detector: XinjiangLocationDetector) -> None:
    assert places(detector, "新疆", "US") == [("新疆", "65")]
    assert places(detector, "乌鲁木齐", "GB") == [("乌鲁木齐", "6501")]


def test_business_abroad_named_after_xinjiang_city_is_review(detector: XinjiangLocationDetector) -> None:
    [flag] = detector.detect(Record(row=1, name="Urumqi Trading Ltd", country="GB"))
    assert flag.severity == "review"
    assert "The record's country is GB" in flag.reason


def test_xinjiang_cotton_is_an_origin_claim(detector: XinjiangLocationDetector) -> None:
    [flag] = detector.detect(Record(row=1, name="Ningbo Yarn Co", description="Xinjiang cotton yarn 40s"))
    assert flag.severity == "high"
    assert flag.evidence["usage"] == "origin_of_goods"
    assert flag.evidence["phrase"] == "Xinjiang cotton"
    assert 'names Xinjiang as the origin of the goods ("Xinjiang cotton")' in flag.reason
    [chinese] = detector.detect(Record(row=2, description="新疆长绒棉"))
    assert chinese.evidence["usage"] == "origin_of_goods"


def test_ambiguous_name_suppressed_by_foreign_country(detector: XinjiangLocationDetector) -> None:
    assert detector.detect(Record(row=1, name="Aksu Trading", address="Aksu", country="KZ")) == []
    assert detector.detect(Record(row=1, name="Aksu Trading", address="Aksu", country="China")) != []


def test_clean_record_has_no_flag(detector: XinjiangLocationDetector) -> None:
    record = Record(row=1, name="Acme Office Supply", address="12 Main St, Springfield", description="chairs")
    assert detector.detect(record) == []


def test_every_curated_place_is_found_by_its_chinese_name(detector: XinjiangLocationDetector) -> None:
    rows = read_rows("curated", "xinjiang_places.csv")
    assert len(rows) == 123
    for row in rows:
        found = detector.scan("新疆 " + row["chinese"])
        codes = [m.attrs["place"]["admin_code"] for m in found]
        assert codes in ([row["admin_code"]], ["65", row["admin_code"]]), row["chinese"]


def test_extra_spellings_all_have_sources(detector: XinjiangLocationDetector) -> None:
    rows = read_rows("detect", "xinjiang_extra_spellings.csv")
    assert all(r["source"].startswith("https://en.wikipedia.org/wiki/") for r in rows)
    assert all(r["admin_code"] in detector.places for r in rows)


def test_the_other_places_a_spelling_names_are_given_by_name_not_by_code(
    detector: XinjiangLocationDetector,
) -> None:
    (flag,) = detector.detect(Record(1, address="No. 5 Tuanjie Rd, Hotan, Xinjiang", country="CN"))
    others = flag.evidence["also_names"]
    assert others and all(re.fullmatch(r"[A-Z][\w' -]+ \(\d{4,6}\)", o) for o in others), others
    assert any(o.startswith("Hotan") for o in others)
