"""``owned_by_listed``: entities that listed parties own, in aggregate, at or above a rule's threshold.

The rule applied, for each ownership rule in force (``data/network.yaml``; OFAC's 50 Percent Rule,
and the BIS Affiliates Rule when it applies):

1. A node is *listed* for the rule when it is, or is ``same_as``, a list entity with a membership in
   force on one of the rule's lists. Names linked by ``same_as`` are one owner (their stakes in the
   same company are not added twice: the larger stated share counts).
2. Stakes are the ownership edges with a share: ``owns`` and ``subsidiary_of`` rows of the user's
   file, list relations ``owned_by``/``owner_of`` with a share, FtM ``Ownership`` percentages.
   Edges without a share (most list relations, ``subsidiary_of`` without one) show control in the
   exposure paths but add nothing here.
3. A node's aggregate is the sum of the stakes held in it directly by listed or blocked owners; it is
   *blocked* (flagged ``owned_by_listed``) when the aggregate reaches the threshold. Blocked nodes
   count as owners in turn, with their whole stake: X (listed) owns 50% of A, A owns 50% of B, so A
   and B are both blocked, as OFAC's 2014 guidance has it. This is computed to a fixed point, so
   chains of any length and parallel owners are handled; a minority stake through an intermediate
   that is not itself blocked does not count (X 40% of A, A 100% of B: neither is blocked).
4. The evidence also gives the *look-through* share: listed parties' economic interest with shares
   multiplied along chains and summed across parallel owners (X 60% of A, A 50% of B: 30% of B).
   It is information for the reviewer; the decision follows step 3.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from supplyscreen.listcodes import list_info
from supplyscreen.network.flags import memberships_in_force
from supplyscreen.network.graph import SupplyNetwork
from supplyscreen.network.rules import RuleStatus

CODE = "owned_by_listed"
OWNERSHIP_RELATIONS = frozenset({"owned_by", "subsidiary_of"})
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Stake:
    """One owner's stated share in one company, between identity groups, with the edge that says so."""

    owner: str  # owner node
    owned: str  # owned node
    share: float
    source: str


def identity_groups(net: SupplyNetwork) -> dict[str, str]:
    """Each node joined by ``same_as`` edges → its group's representative (its smallest node key)."""
    same = nx.Graph()
    for u, v, ev in net.graph.edges(data="ev"):
        if ev.relation == "same_as":
            same.add_edge(u, v)
    rep: dict[str, str] = {}
    for component in nx.connected_components(same):
        first = min(component)
        for node in component:
            rep[node] = first
    return rep


def stakes(net: SupplyNetwork, rep: dict[str, str]) -> dict[str, dict[str, Stake]]:
    """Owner group → owned group → the largest stated stake between them."""
    out: dict[str, dict[str, Stake]] = defaultdict(dict)
    for owned, owner, ev in net.graph.edges(data="ev"):
        if ev.relation not in OWNERSHIP_RELATIONS or ev.share is None:
            continue
        g_owner, g_owned = rep.get(owner, owner), rep.get(owned, owned)
        if g_owner == g_owned:
            continue
        known = out[g_owner].get(g_owned)
        if known is None or ev.share > known.share:
            out[g_owner][g_owned] = Stake(owner, owned, ev.share, ev.source)
    return out


def _listed_groups(net: SupplyNetwork, rep: dict[str, str], lists: tuple[str, ...]) -> dict[str, list[str]]:
    day = net.as_of.isoformat()
    listed: dict[str, list[str]] = defaultdict(list)
    for entity_id, entity in net.entities.items():
        codes = [m.list_code for m in memberships_in_force(entity, day) if m.list_code in lists]
        if codes:
            listed[rep.get(entity_id, entity_id)].extend(dict.fromkeys(codes))
    return listed


def blocked_groups(
    by_owner: dict[str, dict[str, Stake]],
    listed: set[str],
    threshold: float,
    below: dict[str, list[Stake]] | None = None,
) -> dict[str, list[Stake]]:
    """Groups blocked through ownership (not listed themselves) → the blocked owners' stakes in them;
    ``below`` (when given) gets the groups that listed or blocked parties own below the threshold,
    with their stakes."""
    blocked = set(listed)
    total: dict[str, float] = defaultdict(float)
    queue = deque(sorted(listed))
    while queue:
        owner = queue.popleft()
        for owned, stake in sorted(by_owner.get(owner, {}).items()):
            if owned in blocked:
                continue
            total[owned] += stake.share
            if total[owned] >= threshold - _EPSILON:
                blocked.add(owned)
                queue.append(owned)
    found: dict[str, list[Stake]] = {}
    for owner in sorted(blocked):
        for owned, stake in by_owner.get(owner, {}).items():
            if owned in blocked and owned not in listed:
                found.setdefault(owned, []).append(stake)
            elif below is not None and owned not in blocked:
                below.setdefault(owned, []).append(stake)
    return found


def look_through(group: str, by_owned: dict[str, list[tuple[str, Stake]]], listed: set[str]) -> float:
    """Listed parties' interest in ``group`` with shares multiplied along chains (in %, cycles cut)."""

    def interest(node: str, path: frozenset[str]) -> float:
        total = 0.0
        for owner, stake in by_owned.get(node, []):
            if owner in path:
                continue
            part = 1.0 if owner in listed else interest(owner, path | {owner})
            total += stake.share / 100 * part
        return min(total, 1.0)

    return round(100 * interest(group, frozenset({group})), 2)


def _finding(
    net: SupplyNetwork,
    status: RuleStatus,
    group_stakes: list[Stake],
    listed: dict[str, list[str]],
    rep: dict[str, str],
    lt: float,
) -> dict[str, Any]:
    owners = []
    for stake in sorted(group_stakes, key=lambda s: (-s.share, net.caption(s.owner))):
        lists = listed.get(rep.get(stake.owner, stake.owner), [])
        owners.append(
            {
                "owner": net.caption(stake.owner),
                "share": stake.share,
                "basis": "listed" if lists else "owned_by_listed",
                "lists": lists,
                "source": stake.source,
            }
        )
    return {
        "rule": status.rule.id,
        "rule_title": status.rule.title,
        "rule_status": status.reason,
        "threshold": status.rule.threshold,
        "aggregate_share": round(sum(s.share for s in group_stakes), 4),
        "look_through_share": lt,
        "owners": owners,
        "authority": status.rule.authority,
        "source_url": status.rule.source_url,
    }


def flag_owned_by_listed(net: SupplyNetwork, statuses: list[RuleStatus]) -> dict[str, list[dict[str, Any]]]:
    """Flag every node blocked through ownership under each active rule; returns node → findings."""
    rep = identity_groups(net)
    by_owner = stakes(net, rep)
    by_owned: dict[str, list[tuple[str, Stake]]] = defaultdict(list)
    for owner, owned_map in by_owner.items():
        for owned, stake in owned_map.items():
            by_owned[owned].append((owner, stake))
    members: dict[str, list[str]] = defaultdict(list)
    for node, group in rep.items():
        members[group].append(node)
    findings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for status in statuses:
        if not status.active:
            continue
        listed = _listed_groups(net, rep, status.rule.lists)
        below: dict[str, list[Stake]] = {}
        blocked = blocked_groups(by_owner, set(listed), status.rule.threshold, below)
        for group, group_stakes in blocked.items():
            lt = look_through(group, by_owned, set(listed))
            finding = _finding(net, status, group_stakes, listed, rep, lt)
            for node in members.get(group, [group]):
                findings[node].append(finding)
        for group, group_stakes in below.items():
            lt = look_through(group, by_owned, set(listed))
            finding = _finding(net, status, group_stakes, listed, rep, lt)
            for node in members.get(group, [group]):
                net.information.setdefault(node, []).append(_below_reason(net.caption(node), finding))
    for node, found in findings.items():
        reason = " ".join(_reason(net.caption(node), f) for f in found)
        net.flag(node, CODE, reason, {"findings": found})
    return dict(findings)


def _below_reason(caption: str, finding: dict[str, Any]) -> str:
    """A stake of listed parties below a rule's threshold, in words: information, not a flag."""
    owners = ", ".join(f"{o['owner']} {o['share']:g}%" for o in finding["owners"])
    return (
        f"{caption} is {finding['aggregate_share']:g}% owned by listed parties ({owners}), below the "
        f"{finding['threshold']:g}% threshold of the {finding['rule_title']}: information, not a flag."
    )


def _reason(caption: str, finding: dict[str, Any]) -> str:
    owners = ", ".join(
        f"{o['owner']} {o['share']:g}%" + (" (itself owned by listed parties)" if not o["lists"] else "")
        for o in finding["owners"]
    )
    codes = dict.fromkeys(code for o in finding["owners"] for code in o["lists"])
    on = f" on the {'; '.join(list_info(c).title for c in codes)}" if codes else ""
    return (
        f"{caption} is {finding['aggregate_share']:g}% owned in aggregate by parties{on}: {owners}; "
        f"at or above the {finding['threshold']:g}% threshold of the {finding['rule_title']}."
    )
