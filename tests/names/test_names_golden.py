"""Golden cases of the matching engine on the embedded list snapshot."""

from __future__ import annotations

import pytest

from supplyscreen import Screener
from supplyscreen.names import QueryError

HIKVISION = "us_ofac_nonsdn:30946"
XPCC = "us_ofac_sdn:29299"
CHEN_QUANGUO = "us_ofac_sdn:29220"
DAHUA_DPL = "us_trade_csl:9d575b755f97b8e5e97a297c95fdc3a197a16fe8"


def top(screener: Screener, name: str, schema: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
    hits = screener.match(name, schema=schema, **kw)  # type: ignore[arg-type]
    assert hits, f"no hit for {name!r}"
    return hits[0]


@pytest.mark.parametrize(
    "query",
    [
        "Hikvision",
        "HIKVISION",
        "海康威视",
        "Hangzhou Hikvision Digital Technology Co Ltd",
        "Hangzhou Haikang Weishi Shuzi Jishu Gufen Youxian Gongsi",
    ],
)
def test_every_spelling_of_hikvision_finds_the_hikvision_entity(screener: Screener, query: str) -> None:
    hit = top(screener, query)
    assert hit.entity_id == HIKVISION
    assert hit.match
    assert {"us_bis_entity_list", "us_ofac_cmic", "us_fcc_covered", "us_ndaa_889"} <= set(hit.lists)


@pytest.mark.parametrize("query", ["Dahua Technology", "浙江大华技术股份有限公司", "大华股份"])
def test_dahua_spellings_find_zhejiang_dahua(screener: Screener, query: str) -> None:
    hit = top(screener, query, "Company")
    assert hit.match
    assert "浙江大华技术股份有限公司" in hit.names
    assert "us_ndaa_889" in hit.lists


def test_dahua_electronics_is_the_denied_persons_entry_not_zhejiang_dahua(screener: Screener) -> None:
    hits = screener.match("DAHUA ELECTRONICS CORPORATION", schema="Company")
    assert hits[0].entity_id == DAHUA_DPL
    assert hits[0].lists == ["us_bis_denied_persons"]
    zhejiang = [h for h in hits if "浙江大华技术股份有限公司" in h.names]
    assert zhejiang and not zhejiang[0].match


@pytest.mark.parametrize("query", ["Hikvision", "Hikvison", "HIKVISION"])
def test_an_entry_bearing_the_name_but_for_a_place_is_a_match_like_the_name_itself(
    screener: Screener, query: str
) -> None:
    """Hikvision USA Inc. bears the name Hikvision but for a place word: a match beside Hangzhou
    Hikvision, for the name as for a typo of it (the exact name never scores lower than a typo)."""
    matches = {h.caption for h in screener.match(query, schema="Company", limit=5) if h.match}
    assert {"Hangzhou Hikvision Digital Technology Co., Ltd.", "Hikvision USA Inc."} <= matches


def test_an_entry_with_another_word_beside_the_name_is_a_homonym_for_review(screener: Screener) -> None:
    """For "Dahua", Dahua Technology is the exact name; DAHUA ELECTRONICS CORPORATION (a Denied
    Persons entry in Flushing NY) adds a word of its own: a review, not a second match."""
    hits = {h.caption: h for h in screener.match("Dahua", schema="Company", limit=5)}
    assert hits["Dahua Technology"].match
    homonym = hits["DAHUA ELECTRONICS CORPORATION"]
    assert not homonym.match and homonym.review and "bears the name exactly" in homonym.explanation


@pytest.mark.parametrize("query", ["XPCC", "新疆生产建设兵团", "Xinjiang Production & Construction Corps"])
def test_xpcc_spellings_find_the_xpcc(screener: Screener, query: str) -> None:
    hit = top(screener, query)
    assert hit.entity_id == XPCC and hit.match


@pytest.mark.parametrize("query", ["陈全国", "Quanguo Chen", "Chen Quanguo", "CHEN Quan Guo"])
def test_chen_quanguo_in_any_order_and_script(screener: Screener, query: str) -> None:
    hit = top(screener, query, "Person")
    assert hit.entity_id == CHEN_QUANGUO and hit.match


def test_another_given_name_with_the_same_family_name_is_not_chen_quanguo(screener: Screener) -> None:
    hits = screener.match("Chen Mingli", schema="Person")
    assert not any(h.match for h in hits)


def test_zhejiang_uniview_is_not_a_match(screener: Screener) -> None:
    assert not any(h.match for h in screener.match("Zhejiang Uniview Technologies", schema="Company"))


def test_bank_of_chad_is_not_bank_of_china(screener: Screener) -> None:
    c = screener.compare("Bank of Chad", "Bank of China", schema="Company")
    assert not c.match and c.score < 0.5
    assert "places differ" in c.explanation


def test_a_shared_legal_form_alone_matches_nothing(screener: Screener) -> None:
    assert not any(h.match for h in screener.match("Qwzxv Company", schema="Company"))
    for hit in screener.match("A-B-C Company", schema="Company"):
        if hit.match:  # only an entry actually named ABC may match, never one sharing "Company"
            assert "'abc' matches" in hit.explanation


def test_gazprom_bank_finds_gazprombank_by_csl_entity_number_17016(screener: Screener) -> None:
    hit = top(screener, "Gazprom Bank", "Company")
    assert hit.match
    assert "us_ofac_nonsdn:17016" in hit.source_ids or "us_trade_csl:17016" in hit.source_ids
    assert "GAZPROMBANK" in hit.caption.upper()


def test_brand_swapped_name_in_the_same_province_is_not_a_match(screener: Screener) -> None:
    c = screener.compare("Xinjiang Fengtai Chemical Co., Ltd.", "Xinjiang Zhongtai Chemical Co., Ltd.")
    assert not c.match
    assert "distinctive" in c.explanation


def test_explanation_says_pinyin_place_and_legal_form(screener: Screener) -> None:
    assert "pinyin" in screener.compare("大华股份", "Dahua Technology").explanation
    c = screener.compare("Zhejiang Dahua Technology Co., Ltd.", "Dahua Technology")
    assert "place name" in c.explanation and "legal form" in c.explanation


def test_person_query_does_not_hit_a_company(screener: Screener) -> None:
    assert all(h.schema == "Person" for h in screener.match("Hikvision", schema="Person"))


def test_country_mismatch_lowers_but_does_not_zero_the_score(screener: Screener) -> None:
    plain = top(screener, "Chen Quanguo", "Person")
    elsewhere = top(screener, "Chen Quanguo", "Person", country="fr")
    assert elsewhere.entity_id == plain.entity_id
    assert 0 < elsewhere.score < plain.score
    assert "country fr" in elsewhere.explanation


def test_identical_identifier_is_decisive(screener: Screener) -> None:
    hit = top(screener, "Some Other Name Ltd", identifiers=["91330000733796106P"])
    assert hit.entity_id == HIKVISION and hit.score == 1.0 and hit.match


def test_birth_year_mismatch_lowers_a_person_hit(screener: Screener) -> None:
    listed = top(screener, "Chen Quanguo", "Person")
    wrong = top(screener, "Chen Quanguo", "Person", birth_date="1990-01-01")
    assert wrong.score < listed.score


@pytest.mark.parametrize(
    "query", ["", "   ", "\x00\x01\x02", "!!!---???", "x" * 10_000, "Hikvision 海康 مرحبا Ж"]
)
def test_bad_input_returns_no_hit_or_hits_never_a_crash(screener: Screener, query: str) -> None:
    hits = screener.match(query)
    assert isinstance(hits, list)


def test_unknown_schema_is_a_clear_error(screener: Screener) -> None:
    with pytest.raises(QueryError, match="unknown schema"):
        screener.match("Hikvision", schema="Spaceship")
