"""Cross-list linkage rules, on small records shaped like the real ones."""

from __future__ import annotations

from supplyscreen.model import Entity, Identifier, Membership, Name, Relation
from supplyscreen.store.linkage import link_entities, link_key


def _org(sid: str, name: str, lists: list[str], countries: list[str] | None = None, **kw: object) -> Entity:
    e = Entity(
        id=sid,
        schema="Organization",
        names=[Name(name)],
        countries=countries or [],
        source_ids=[sid],
        memberships=[Membership(list_code=code, source_id=sid) for code in lists],
    )
    for k, v in kw.items():
        setattr(e, k, v)
    return e


def test_link_key_removes_english_and_chinese_legal_forms() -> None:
    assert (
        link_key("Hangzhou Hikvision Digital Technology Co., Ltd.") == "hangzhou hikvision digital technology"
    )
    assert (
        link_key("Hangzhou Hikvision Digital Technology Company") == "hangzhou hikvision digital technology"
    )
    assert link_key("杭州海康威视数字技术股份有限公司") == "杭州海康威视数字技术"
    assert link_key("GAZPROMBANK JOINT STOCK COMPANY") == "gazprombank"
    assert link_key("Company") == "company"  # a name that is only a legal form keeps it


def test_same_company_on_four_lists_becomes_one_entity_with_every_membership() -> None:
    linked = link_entities(
        [
            _org(
                "us_trade_csl:a",
                "Hangzhou Hikvision Digital Technology Co., Ltd.",
                ["us_bis_entity_list"],
                ["cn"],
            ),
            _org(
                "us_ofac_nonsdn:1",
                "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.",
                ["us_ofac_cmic"],
                ["cn"],
            ),
            _org("us_fcc_covered:4", "Hangzhou Hikvision Digital Technology Company", ["us_fcc_covered"]),
            _org("curated_covered:3", "Hangzhou Hikvision Digital Technology Company", ["us_ndaa_889"]),
        ]
    )
    assert len(linked) == 1
    e = linked[0]
    assert e.id == "us_ofac_nonsdn:1"  # the OFAC record names the merged entity
    assert set(e.list_codes) == {"us_bis_entity_list", "us_ofac_cmic", "us_fcc_covered", "us_ndaa_889"}
    assert len(e.source_ids) == 4


def test_different_countries_are_not_linked_by_name() -> None:
    linked = link_entities(
        [
            _org("us_trade_csl:a", "Dahua Electronics Corporation", ["us_bis_denied_persons"], ["us"]),
            _org("curated_el_xinjiang:2", "Dahua Electronics Corp", ["us_bis_entity_list"], ["cn"]),
        ]
    )
    assert len(linked) == 2


def test_two_entries_of_the_same_list_are_never_merged_by_name() -> None:
    linked = link_entities(
        [
            _org("us_ofac_sdn:1", "AL-RAHMA CHARITY", ["us_ofac_sdn"]),
            _org("us_ofac_sdn:2", "AL RAHMA CHARITY", ["us_ofac_sdn"]),
        ]
    )
    assert len(linked) == 2


def test_csl_record_links_to_ofac_by_entity_number_and_ofac_data_wins() -> None:
    ofac = _org("us_ofac_sdn:17016", "GAZPROMBANK JOINT STOCK COMPANY", ["us_ofac_sdn"], ["ru"])
    csl = _org(
        "us_trade_csl:x",
        "GAZPROMBANK OLD NAME",
        ["us_ofac_sdn", "us_ofac_ssi"],
        ["ru"],
        identifiers=[Identifier("ofac_ent_num", "17016")],
    )
    (e,) = link_entities([csl, ofac])
    assert e.id == "us_ofac_sdn:17016"
    assert e.caption == "GAZPROMBANK JOINT STOCK COMPANY"
    assert [n.kind for n in e.names] == ["primary", "alias"]
    assert e.list_codes == ["us_ofac_sdn", "us_ofac_ssi"]
    assert "us_trade_csl:x" in e.source_ids


def test_persons_with_the_same_name_link_only_with_a_shared_birth_date() -> None:
    a = Entity(
        "us_ofac_sdn:1",
        "Person",
        [Name("CHEN, Quanguo")],
        birth_dates=["1955-11"],
        source_ids=["us_ofac_sdn:1"],
        memberships=[Membership("us_ofac_sdn")],
    )
    b = Entity(
        "us_trade_csl:b",
        "Person",
        [Name("CHEN, Quanguo")],
        birth_dates=["1955-11"],
        source_ids=["us_trade_csl:b"],
        memberships=[Membership("us_bis_entity_list")],
    )
    c = Entity(
        "un_sc:c",
        "Person",
        [Name("CHEN, Quanguo")],
        birth_dates=["1970"],
        source_ids=["un_sc:c"],
        memberships=[Membership("un_sc")],
    )
    linked = link_entities([a, b, c])
    assert sorted(len(e.source_ids) for e in linked) == [1, 2]


def test_relation_targets_follow_the_merge() -> None:
    parent_csl = _org("us_trade_csl:p", "Zhejiang Dahua Technology Co., Ltd.", ["us_bis_entity_list"], ["cn"])
    parent_cur = _org("curated_covered:4", "Zhejiang Dahua Technology Co., Ltd.", ["us_ndaa_889"])
    child = _org(
        "curated_covered:9",
        "Lorex Technology Inc.",
        ["us_ndaa_889"],
        relations=[Relation("former_subsidiary_of", target_id="curated_covered:4", end_date="2022-11-24")],
    )
    linked = {e.caption: e for e in link_entities([parent_csl, parent_cur, child])}
    assert linked["Lorex Technology Inc."].relations[0].target_id == "us_trade_csl:p"
