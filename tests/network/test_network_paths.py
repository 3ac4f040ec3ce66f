"""Issue 7's supply chains on the real lists: exactly the expected paths and flags; none for clean ones."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import FIXTURES

from supplyscreen.network import Exposure, NetworkResult, screen_network
from supplyscreen.network.graph import SupplyNetwork
from supplyscreen.network.paths import SupplierRef, find_exposures
from supplyscreen.network.relations import RelationRow
from supplyscreen.network.rules import network_config
from supplyscreen.network.screen import flag_network

NETWORK = FIXTURES / "network"
TODAY = date(2026, 11, 26)

DAQO_USER = "Xinjiang Daqo New Energy Co., Ltd."
DAQO = "Xinjiang Daqo New Energy, Co. Ltd."  # the BIS Entity List / UFLPA entity's caption
HIK_USA = "Hikvision USA Inc."
HIK = "Hangzhou Hikvision Digital Technology Co., Ltd."
DANDONG_USER, DANDONG = (
    "Dandong Hongxiang Industrial Development Co., Ltd.",
    "DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD",
)
SINOTECH_USER, SINOTECH = "Sinotech Industry Co., Ltd.", "SINOTECH INDUSTRY CO., LTD."
KYLAND = "Kyland Technology Co., Ltd."
SPACEON = "Chengdu Spaceon Technology Co., Ltd."
AKSU_MILL_ADDRESS = "No. 8 Textile Road, Aksu, Xinjiang, China"

UFLPA_CODES = ["restricted_party", "uflpa_entity", "xinjiang_location"]
# Hikvision's and Dahua's list entries give offices in Xinjiang: a flag on the entity, which does not
# reach their customers (issue 15: only production, a located_at address, does)
HIK_CODES = ["restricted_party", "covered_equipment"]


def screen(screener, mode: str = "auto", as_of: date = TODAY, max_tier: int = 4) -> NetworkResult:  # type: ignore[no-untyped-def]
    return screen_network(
        NETWORK / "suppliers.csv",
        [NETWORK / "edges.csv"],
        screener,
        max_tier=max_tier,
        as_of=as_of,
        bis_affiliates_rule=mode,
    )


@pytest.fixture(scope="module")
def result(screener) -> NetworkResult:  # type: ignore[no-untyped-def]
    return screen(screener)


def by_supplier(result: NetworkResult) -> dict[str, Exposure]:
    return {e.supplier: e for e in result.exposures}


def paths_of(exposure: Exposure) -> list[tuple[int, list[str], list[str]]]:
    return [(p.tiers, p.captions, p.codes) for p in exposure.paths]


def test_polysilicon_three_tiers_down_reaches_the_uflpa_entity(result: NetworkResult) -> None:
    sunrise = by_supplier(result)["Sunrise Solar Imports LLC"]
    chain = [
        "Sunrise Solar Imports LLC",
        "Pacific Module Manufacturing Co. Ltd.",
        "Bright Wafer Technology Co. Ltd.",
        DAQO_USER,
        DAQO,
    ]
    assert paths_of(sunrise) == [(3, chain, UFLPA_CODES)]
    assert sunrise.flags == UFLPA_CODES
    edges = sunrise.paths[0].edges
    assert [e["relation"] for e in edges] == ["supplies", "supplies", "supplies", "same_as"]
    assert edges[2]["product"] == "polysilicon, HS 2804.61"
    assert edges[2]["source"] == "edges.csv row 3"
    assert edges[3]["source"] == "matcher" and edges[3]["score"] == 1.0
    assert edges[3]["entity_id"] == "us_trade_csl:68afc534801c7aef592ecfa6c829dcfae3bbd706"
    daqo = sunrise.paths[0].findings[-1]
    assert daqo["evidence"]["uflpa_entity"]["lists"] == ["us_dhs_uflpa"]
    assert daqo["evidence"]["restricted_party"]["lists"] == ["us_bis_entity_list", "us_dhs_uflpa"]
    module_maker = by_supplier(result)["Pacific Module Manufacturing Co. Ltd."]
    assert paths_of(module_maker) == [(2, chain[1:], UFLPA_CODES)]


def test_cotton_chain_reaches_the_spinning_mill_in_aksu(result: NetworkResult) -> None:
    evergreen = by_supplier(result)["Evergreen Apparel Inc."]
    chain = [
        "Evergreen Apparel Inc.",
        "Jiangsu Garment Works Co. Ltd.",
        "Golden Thread Spinning Mill",
        AKSU_MILL_ADDRESS,
    ]
    assert paths_of(evergreen) == [(2, chain, ["xinjiang_location"])]
    finding = evergreen.paths[0].findings[0]
    assert finding["node"] == AKSU_MILL_ADDRESS and finding["position"] == 3
    assert finding["evidence"]["xinjiang_location"]["place"]["name_en"] == "Aksu City"
    assert evergreen.paths[0].edges[-1]["relation"] == "located_at"


def test_camera_integrator_reaches_the_hikvision_subsidiary(result: NetworkResult) -> None:
    metro = by_supplier(result)["Metro Camera Integrators LLC"]
    # the parent's office in Xinjiang flags the parent, not its customers: the path stops at the
    # nearest covered entity, the subsidiary
    chain = ["Metro Camera Integrators LLC", "Secure Vision Distribution Inc.", HIK_USA, HIK_USA]
    assert paths_of(metro) == [(2, chain, HIK_CODES)]
    (subsidiary,) = metro.paths[0].findings
    assert subsidiary["position"] == 3
    assert subsidiary["codes"] == ["restricted_party", "covered_equipment"]
    assert subsidiary["evidence"]["covered_equipment"]["lists"] == ["us_ndaa_889", "us_fcc_covered"]
    last = metro.paths[0].edges[-1]
    assert (last["relation"], last["source"]) == ("same_as", "matcher")


def test_a_list_entitys_office_in_xinjiang_flags_it_but_not_its_customers(result: NetworkResult) -> None:
    net = result.network
    parent = next(n for n in net.flags if net.caption(n) == HIK)
    office = net.flags[parent]["xinjiang_location"]
    assert office["evidence"]["where"] == "list entity address"
    reached = {c for e in result.exposures for p in e.paths for f in p.findings for c in f["codes"]}
    assert "xinjiang_location" in reached  # from production sites and names, not from offices
    for exposure in result.exposures:
        for path in exposure.paths:
            for finding in path.findings:
                if finding["position"] and "xinjiang_location" in finding["codes"]:
                    where = finding["evidence"]["xinjiang_location"]["where"]
                    assert where != "list entity address", (exposure.supplier, finding["node"])


def test_supplier_named_as_a_list_entity_is_resolved_directly(result: NetworkResult) -> None:
    hik = by_supplier(result)[HIK_USA]
    assert paths_of(hik) == [(0, [HIK_USA, HIK_USA], HIK_CODES)]
    assert [r["entity_id"] for r in hik.resolved] == ["curated_covered:14"]


def test_30_plus_25_percent_owned_by_two_sdn_parties_is_owned_by_listed(result: NetworkResult) -> None:
    harbor = by_supplier(result)["Harbor Star Holdings Ltd."]
    # ownership exposes a company through the rule's threshold only: no path runs through a stake
    assert harbor.flags == ["owned_by_listed"]
    assert paths_of(harbor) == [(0, ["Harbor Star Holdings Ltd."], ["owned_by_listed"])]
    ofac = harbor.paths[0].findings[0]["evidence"]["owned_by_listed"]["findings"]
    assert [f["rule"] for f in ofac] == ["ofac_50_percent"]
    assert ofac[0]["aggregate_share"] == 55.0
    assert [(o["owner"], o["share"], o["lists"]) for o in ofac[0]["owners"]] == [
        (DANDONG_USER, 30.0, ["us_ofac_sdn"]),
        (SINOTECH_USER, 25.0, ["us_ofac_sdn"]),
    ]
    net, node = result.network, harbor.node
    stakes = [ev for _, _, ev in net.graph.out_edges(node, data="ev") if ev.relation == "owned_by"]
    assert sorted(ev.share for ev in stakes) == [25.0, 30.0] and {ev.stated for ev in stakes} == {"owns"}


def test_company_60_percent_owned_by_a_blocked_company_is_blocked_too(result: NetworkResult) -> None:
    logistics = by_supplier(result)["Harbor Star Logistics Ltd."]
    assert logistics.flags == ["owned_by_listed"]
    assert [p.tiers for p in logistics.paths] == [0]
    finding = logistics.paths[0].findings[0]["evidence"]["owned_by_listed"]["findings"][0]
    assert finding["owners"] == [
        {
            "owner": "Harbor Star Holdings Ltd.",
            "share": 60.0,
            "basis": "owned_by_listed",
            "lists": [],
            "source": "edges.csv row 18",
        }
    ]
    assert finding["look_through_share"] == 33.0  # 60% of 55%


def test_45_percent_listed_ownership_is_information_below_the_50_percent_rule(result: NetworkResult) -> None:
    lagoon = by_supplier(result)["Lagoon Trading Co."]
    assert lagoon.flags == [] and lagoon.paths == []  # no restricted-party badge
    (note,) = lagoon.information
    assert (
        "45% owned by listed parties" in note
        and "below the 50% threshold of the OFAC 50 Percent Rule" in note
    )
    assert f"{DANDONG_USER} 30%" in note and f"{SINOTECH_USER} 15%" in note
    shipping = by_supplier(result)["Lagoon Shipping Ltd."]  # 100% owned by Lagoon, which is not blocked
    assert shipping.flags == [] and shipping.information == []


def test_clean_branches_have_no_path(result: NetworkResult) -> None:
    suppliers = by_supplier(result)
    for clean in ("Bluewater Energy Imports Inc.", "Nile Valley Spinners", "Northstar Optics Ltd."):
        assert suppliers[clean].paths == [] and suppliers[clean].flags == []
    reached = {c for e in result.exposures for p in e.paths for c in p.captions}
    assert not reached & {
        "Clearview Solar Glass Co. Ltd.",
        "Coastal Module Works Ltd.",
        "Nordic Polysilicon AS",
        "Northstar Optics Ltd.",
        "Nile Valley Spinners",
    }


def test_supplier_row_in_xinjiang_is_its_own_tier_0_path(result: NetworkResult) -> None:
    silk = by_supplier(result)["Silk Road Textiles Co."]
    assert paths_of(silk) == [(0, ["Silk Road Textiles Co."], ["xinjiang_location"])]
    assert silk.paths[0].findings[0]["evidence"]["xinjiang_location"]["where"] == "supplier row"


def test_exposure_counts_over_the_whole_fixture(result: NetworkResult) -> None:
    summary = result.summary()
    assert (summary["suppliers"], summary["exposed"]) == (14, 9)
    assert summary["by_flag"] == {
        "restricted_party": 4,
        "uflpa_entity": 2,
        "xinjiang_location": 4,
        "covered_equipment": 2,
        "owned_by_listed": 3,
    }


def test_bis_affiliates_rule_decides_entity_list_ownership(screener) -> None:  # type: ignore[no-untyped-def]
    def eastgate(res: NetworkResult) -> Exposure:
        return by_supplier(res)["Eastgate Components Ltd."]

    on = eastgate(screen(screener, "auto"))  # 2026-11-26: the one-year suspension has ended
    assert on.flags == ["owned_by_listed"]
    finding = on.paths[0].findings[0]["evidence"]["owned_by_listed"]["findings"][0]
    assert (finding["rule"], finding["aggregate_share"]) == ("bis_affiliates_rule", 55.0)
    assert [o["owner"] for o in finding["owners"]] == [KYLAND, SPACEON]
    suspended = screen(screener, "auto", as_of=date(2026, 3, 1))
    assert eastgate(suspended).flags == []
    assert not next(r for r in suspended.rules if r.rule.id == "bis_affiliates_rule").active
    assert eastgate(screen(screener, "off")).flags == []
    assert eastgate(screen(screener, "on", as_of=date(2026, 3, 1))).flags == ["owned_by_listed"]


def test_max_tier_bounds_the_paths(screener) -> None:  # type: ignore[no-untyped-def]
    short = by_supplier(screen(screener, max_tier=2))
    assert short["Sunrise Solar Imports LLC"].paths == []
    assert [p.tiers for p in short["Pacific Module Manufacturing Co. Ltd."].paths] == [2]
    assert [p.tiers for p in short["Metro Camera Integrators LLC"].paths] == [2]
    assert short["Metro Camera Integrators LLC"].flags == ["restricted_party", "covered_equipment"]


def test_former_subsidiary_counts_only_before_it_was_sold(screener) -> None:  # type: ignore[no-untyped-def]
    entities = screener.store.entities()
    rows = [RelationRow("Bay Area Security LLC", "Lorex Technology Inc.", "supplies", origin="t row 1")]

    def lorex(as_of: date) -> Exposure:
        net = SupplyNetwork(as_of)
        net.add_entities(entities)
        net.add_relations(rows)
        node = net.add_name("Bay Area Security LLC")
        lorex_node = net.add_name("Lorex Technology Inc.")
        for hit in screener.match("Lorex Technology Inc.", limit=3):
            if hit.match:
                net.add_same_as(lorex_node, hit)
        flag_network(net, network_config())
        return find_exposures(net, [SupplierRef("Bay Area Security LLC", 1, node)])[0]

    before = lorex(date(2022, 6, 1))
    assert before.flags == HIK_CODES
    lorex_path = ["Bay Area Security LLC", "Lorex Technology Inc.", "Lorex Technology Inc."]
    assert paths_of(before) == [(1, lorex_path, HIK_CODES)]
    (finding,) = before.paths[0].findings
    ends = {m.get("ends_on") for m in finding["evidence"]["restricted_party"]["memberships"]}
    assert ends == {"2022-11-24"}
    assert lorex(TODAY).paths == []
