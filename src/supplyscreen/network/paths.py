"""Exposure paths: for each supplier, the shortest paths to flagged nodes within the tier limit.

One multi-source Dijkstra per flag code runs backwards from every node carrying the code over the
reversed graph (a networkx view, no copy), bounded by ``max_tier``, and gives every node its distance
to the nearest such node. Each supplier then follows the edges along which that distance falls to
its nearest flagged nodes of the code (all of them when several are equally near, up to
``paths_per_code``). So the work is five bounded graph searches however many suppliers there are.
Paths that are the start of a longer path are folded into it, and a path's codes are those of every
flagged node on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from supplyscreen.network.flags import NETWORK_FLAGS, OFFICE_ADDRESS, XINJIANG
from supplyscreen.network.graph import TIER, SupplyNetwork, gc_paused

DEFAULT_MAX_TIER = 4
#: At most this many nearest flagged nodes of one code are shown per supplier (ties beyond are cut).
DEFAULT_PATHS_PER_CODE = 5


@dataclass(slots=True)
class SupplierRef:
    """One supplier of the suppliers file: its name as given, its row, and its node in the network."""

    name: str
    row: int
    node: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ExposurePath:
    """A path from the supplier to flagged nodes, with the evidence of every edge and flagged node."""

    nodes: list[str]
    captions: list[str]
    tiers: int
    codes: list[str]
    steps: list[list[dict[str, Any]]]  # the evidence of each edge, per pair of consecutive nodes
    findings: list[dict[str, Any]]

    @property
    def edges(self) -> list[dict[str, Any]]:
        """Every edge of the path, in order (parallel edges between the same two nodes each listed)."""
        return [edge for step in self.steps for edge in step]


@dataclass(slots=True)
class Exposure:
    """What one supplier is exposed to: its paths, the flag codes they reach, what its name matched."""

    supplier: str
    row: int
    node: str
    paths: list[ExposurePath] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    #: what is said of the supplier that is no flag: listed parties' stake below a rule's threshold
    information: list[str] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        found = {code for path in self.paths for code in path.codes}
        return [code for code in NETWORK_FLAGS if code in found]

    def to_dict(self) -> dict[str, Any]:
        """The JSONL form: ``{supplier, flags, paths, evidence}`` plus row, tiers, findings, resolved."""
        return {
            "row": self.row,
            "supplier": self.supplier,
            "flags": self.flags,
            "paths": [p.captions for p in self.paths],
            "tiers": [p.tiers for p in self.paths],
            "path_flags": [p.codes for p in self.paths],
            "evidence": [p.edges for p in self.paths],
            "findings": [p.findings for p in self.paths],
            "resolved": self.resolved,
            "information": self.information,
        }


def _distances(net: SupplyNetwork, code: str, max_tier: int) -> dict[str, int]:
    """Every node within ``max_tier`` tiers of a node carrying ``code`` → its weighted distance to it."""
    sources = [n for n in net.flagged(code) if reaches_customers(code, net.flags[n][code])]
    if not sources:
        return {}
    reverse = net.graph.reverse(copy=False)
    cutoff = max_tier * TIER + TIER - 1
    lengths: dict[str, int] = nx.multi_source_dijkstra_path_length(reverse, sources, cutoff=cutoff)
    return lengths


def reaches_customers(code: str, flag: dict[str, Any]) -> bool:
    """Whether a node's flag exposes those who buy from it: not a Xinjiang office address of a list
    entity (only production, a ``located_at`` address, does); it still flags the node itself."""
    return not (code == XINJIANG and flag["evidence"].get("where") == OFFICE_ADDRESS)


def _weight(net: SupplyNetwork, u: str, v: str) -> int:
    return min(int(d["weight"]) for d in net.graph[u][v].values())


def _shortest_to_sources(
    net: SupplyNetwork, dist: dict[str, int], node: str, memo: dict[str, list[tuple[str, ...]]], limit: int
) -> list[tuple[str, ...]]:
    """Shortest paths from ``node`` to up to ``limit`` distinct nearest sources (one path per source).

    Walks the shortest-path DAG that the distances define: an edge ``u → v`` is on it when
    ``dist[v] + weight == dist[u]``. Weights are positive, so the walk always ends at a source.
    """
    if node in memo:
        return memo[node]
    here = dist[node]
    found: dict[str, tuple[str, ...]] = {}
    if here == 0:
        found[node] = (node,)
    for succ in sorted(net.graph.successors(node)) if here else ():
        there = dist.get(succ)
        if there is None or there + _weight(net, node, succ) != here:
            continue
        for tail in _shortest_to_sources(net, dist, succ, memo, limit):
            found.setdefault(tail[-1], (node, *tail))
        if len(found) >= limit:
            break
    paths = [found[target] for target in sorted(found)][:limit]
    memo[node] = paths
    return paths


def nearest_flagged(
    net: SupplyNetwork,
    targets: Iterable[str],
    max_tier: int,
    codes: Sequence[str] = NETWORK_FLAGS,
    limit: int = DEFAULT_PATHS_PER_CODE,
) -> dict[str, list[list[str]]]:
    """Supplier node → its shortest exposure paths (node keys, supplier first) to the nearest nodes
    of each code reached, up to ``limit`` nearest flagged nodes per code (ties all shown up to it)."""
    wanted = set(targets)
    found: dict[str, list[list[str]]] = {}
    for code in codes:
        dist = _distances(net, code, max_tier)
        memo: dict[str, list[tuple[str, ...]]] = {}
        for node in sorted(wanted.intersection(dist)):
            found.setdefault(node, []).extend(
                list(p) for p in _shortest_to_sources(net, dist, node, memo, limit)
            )
    return found


def _fold(paths: list[list[str]]) -> list[list[str]]:
    """Distinct paths, each one that starts a longer path folded into it."""
    unique = sorted({tuple(p) for p in paths}, key=len, reverse=True)
    kept: list[tuple[str, ...]] = []
    for path in unique:
        if not any(longer[: len(path)] == path for longer in kept):
            kept.append(path)
    return [list(p) for p in kept]


def _tiers(net: SupplyNetwork, nodes: list[str]) -> int:
    return sum(_weight(net, a, b) for a, b in zip(nodes, nodes[1:], strict=False)) // TIER


def build_path(net: SupplyNetwork, nodes: list[str]) -> ExposurePath:
    """The evidence of one path: every edge between consecutive nodes and every flagged node on it."""
    captions = [net.caption(n) for n in nodes]
    steps = [
        [ev.to_dict(captions[i], captions[i + 1]) for ev in net.edge_evidence(a, b)]
        for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))
    ]
    findings: list[dict[str, Any]] = []
    codes: set[str] = set()
    for i, node in enumerate(nodes):
        flags = net.flags.get(node)
        if i and flags:  # beyond the supplier itself, only the flags that reach customers
            flags = {c: f for c, f in flags.items() if reaches_customers(c, f)}
        if not flags:
            continue
        codes.update(flags)
        ordered = [c for c in NETWORK_FLAGS if c in flags]
        findings.append(
            {
                "node": captions[i],
                "position": i,
                "codes": ordered,
                "reasons": {c: flags[c]["reason"] for c in ordered},
                "evidence": {c: flags[c]["evidence"] for c in ordered},
            }
        )
    ordered_codes = [c for c in NETWORK_FLAGS if c in codes]
    return ExposurePath(nodes, captions, _tiers(net, nodes), ordered_codes, steps, findings)


def resolved_entities(net: SupplyNetwork, node: str) -> list[dict[str, Any]]:
    """The list entities a supplier's name was matched to, with score and explanation."""
    out = []
    for _, entity, ev in net.graph.out_edges(node, data="ev"):
        if ev.relation == "same_as":
            out.append({"entity_id": entity, "caption": net.caption(entity), **(ev.details or {})})
    return sorted(out, key=lambda r: (-float(r.get("score", 0)), r["entity_id"]))


def find_exposures(
    net: SupplyNetwork,
    suppliers: Sequence[SupplierRef],
    max_tier: int = DEFAULT_MAX_TIER,
    paths_per_code: int = DEFAULT_PATHS_PER_CODE,
) -> list[Exposure]:
    """Each supplier's exposure paths (shortest to the nearest nodes of each code, within ``max_tier``)."""
    if max_tier < 0:
        raise ValueError("max_tier must be 0 or more")
    with gc_paused():
        nearest = nearest_flagged(net, (s.node for s in suppliers), max_tier, limit=paths_per_code)
        built: dict[str, list[ExposurePath]] = {}
        out: list[Exposure] = []
        for supplier in suppliers:
            if supplier.node not in built:
                paths = [build_path(net, p) for p in _fold(nearest.get(supplier.node, []))]
                paths.sort(key=lambda p: (p.tiers, len(p.nodes), p.captions))
                built[supplier.node] = paths
            exposure = Exposure(supplier.name, supplier.row, supplier.node, built[supplier.node])
            exposure.resolved = resolved_entities(net, supplier.node)
            exposure.information = list(net.information.get(supplier.node, []))
            out.append(exposure)
        return out
