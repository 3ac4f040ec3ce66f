"""owned_by_listed (OFAC 50% aggregation through blocked intermediates) and the dated ownership rules."""

from __future__ import annotations

from datetime import date

import pytest

from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Entity, Membership, Name
from supplyscreen.network.graph import SupplyNetwork
from supplyscreen.network.relations import RelationRow
from supplyscreen.network.rules import network_config, parse_config
from supplyscreen.network.screen import flag_network

TODAY = date(2026, 11, 26)


def _entity(eid: str, name: str, *lists: str, ends_on: str | None = None) -> Entity:
    return Entity(
        eid,
        "Company",
        names=[Name(name)],
        memberships=[Membership(code, listed_on="2020-01-01", ends_on=ends_on) for code in lists],
    )


def _net(rows: list[tuple[str, str, float]], as_of: date = TODAY, mode: str = "auto") -> SupplyNetwork:
    """A network of owns edges; owners named ``sdn:N``/``el:N`` are list entities (by id)."""
    net = SupplyNetwork(as_of)
    net.add_entities(
        [
            _entity("sdn:1", "Blocked One", "us_ofac_sdn"),
            _entity("sdn:2", "Blocked Two", "us_ofac_sdn"),
            _entity("sdn:3", "Delisted", "us_ofac_sdn", ends_on="2024-01-01"),
            _entity("el:1", "Entity Listed One", "us_bis_entity_list"),
            _entity("el:2", "Entity Listed Two", "us_bis_entity_list"),
        ]
    )
    net.add_relations(
        RelationRow(owner, owned, "owns", share, origin=f"t row {i}")
        for i, (owner, owned, share) in enumerate(rows, 1)
    )
    flag_network(net, network_config(), {"bis_affiliates_rule": mode})
    return net


def _owned(net: SupplyNetwork) -> dict[str, float]:
    return {
        net.caption(node): flags["owned_by_listed"]["evidence"]["findings"][0]["aggregate_share"]
        for node, flags in net.flags.items()
        if "owned_by_listed" in flags
    }


def test_parallel_owners_add_up_to_the_threshold() -> None:
    assert _owned(_net([("sdn:1", "Target", 30), ("sdn:2", "Target", 25)])) == {"Target": 55.0}
    assert _owned(_net([("sdn:1", "Target", 30), ("sdn:2", "Target", 19.99)])) == {}
    assert _owned(_net([("sdn:1", "Target", 50)])) == {"Target": 50.0}


def test_blocked_intermediate_counts_with_its_whole_stake() -> None:
    # X owns 50% of A, A owns 50% of B: both blocked (OFAC's 2014 guidance), although X's look-through is 25%.
    net = _net([("sdn:1", "A Co", 50), ("A Co", "B Co", 50)])
    assert _owned(net) == {"A Co": 50.0, "B Co": 50.0}
    b = net.flags["name:b"]["owned_by_listed"]["evidence"]["findings"][0]
    assert b["look_through_share"] == 25.0
    assert b["owners"][0]["basis"] == "owned_by_listed"


def test_direct_and_indirect_stakes_aggregate() -> None:
    # X 60% of A (blocked); A 40% of B plus X 20% of B = 60%.
    net = _net([("sdn:1", "A Co", 60), ("A Co", "B Co", 40), ("sdn:1", "B Co", 20)])
    assert _owned(net) == {"A Co": 60.0, "B Co": 60.0}


def test_minority_intermediate_blocks_nothing_below_it() -> None:
    assert _owned(_net([("sdn:1", "A Co", 40), ("A Co", "B Co", 100)])) == {}


def test_ownership_cycles_terminate_without_lifting_themselves() -> None:
    # A would be blocked only if B were, and B only if A were: neither is.
    assert _owned(_net([("sdn:1", "A Co", 30), ("A Co", "B Co", 60), ("B Co", "A Co", 30)])) == {}
    # With 50% held directly, A is blocked, then B; A's aggregate then includes B's 30% back.
    net = _net([("sdn:1", "A Co", 50), ("A Co", "B Co", 60), ("B Co", "A Co", 30)])
    assert _owned(net) == {"A Co": 80.0, "B Co": 60.0}


def test_delisted_owner_no_longer_counts() -> None:
    assert _owned(_net([("sdn:3", "Target", 60)])) == {}
    assert _owned(_net([("sdn:3", "Target", 60)], as_of=date(2023, 6, 1))) == {"Target": 60.0}


def test_entity_list_owners_count_only_under_the_bis_rule() -> None:
    rows = [("el:1", "Affiliate", 30), ("el:2", "Affiliate", 25)]
    assert _owned(_net(rows, TODAY)) == {"Affiliate": 55.0}
    assert _owned(_net(rows, date(2026, 1, 15))) == {}
    assert _owned(_net(rows, date(2025, 9, 1))) == {}
    assert _owned(_net(rows, date(2025, 10, 15))) == {"Affiliate": 55.0}
    assert _owned(_net(rows, TODAY, mode="off")) == {}
    assert _owned(_net(rows, date(2026, 1, 15), mode="on")) == {"Affiliate": 55.0}


def test_sdn_and_entity_list_stakes_are_not_mixed() -> None:
    assert _owned(_net([("sdn:1", "Mixed", 30), ("el:1", "Mixed", 25)])) == {}


def test_bis_rule_status_wording_on_each_side_of_the_suspension() -> None:
    rule = network_config().rule("bis_affiliates_rule")
    assert rule.published == date(2025, 9, 29)
    assert rule.status_on(date(2025, 11, 9)).active
    suspended = rule.status_on(date(2025, 11, 10))
    assert not suspended.active
    assert suspended.reason.startswith("suspended 2025-11-10 to 2026-11-09")
    assert not rule.status_on(date(2026, 11, 9)).active
    resumed = rule.status_on(date(2026, 11, 10))
    assert resumed.active and "suspension ended 2026-11-09" in resumed.reason
    assert rule.status_on(date(2026, 1, 1), "on").reason == "--bis-affiliates-rule on"
    with pytest.raises(SupplyscreenError):
        rule.status_on(TODAY, "maybe")


def test_ofac_rule_is_not_switchable_and_custom_dates_are_data() -> None:
    ofac = network_config().rule("ofac_50_percent")
    assert ofac.status_on(TODAY, "off").active
    config = parse_config(
        {
            "flag_lists": {"uflpa_entity": ["us_dhs_uflpa"]},
            "ownership_rules": {
                "test_rule": {
                    "title": "T",
                    "lists": ["x"],
                    "threshold": 25,
                    "option": "--t",
                    "in_force_from": "2030-01-01",
                }
            },
        }
    )
    [status] = config.statuses(TODAY)
    assert (status.active, status.reason) == (False, "not yet in force on 2026-11-26 (from 2030-01-01)")
