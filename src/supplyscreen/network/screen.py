"""One network screening, start to end: suppliers and relations in, exposures out.

    from supplyscreen import Screener
    from supplyscreen.network import screen_network
    result = screen_network("suppliers.csv", ["edges.csv"], Screener.open(), max_tier=4)
    for exposure in result.exposures:
        print(exposure.supplier, exposure.flags)

Steps (each timed in ``result.timings``): read the relations and suppliers; build the graph from the
list entities (with their relations) and the user's edges; resolve every user name with the matcher;
flag list entities, Xinjiang places and ``owned_by_listed`` companies; find the exposure paths.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from supplyscreen.io import read_records
from supplyscreen.io.columns import NO_NAME
from supplyscreen.io.errors import InputError
from supplyscreen.model import Entity, Record
from supplyscreen.network.flags import (
    NETWORK_FLAGS,
    flag_list_entities,
    flag_supplier_row,
    flag_xinjiang_places,
)
from supplyscreen.network.graph import SupplyNetwork, gc_paused
from supplyscreen.network.ownership import flag_owned_by_listed
from supplyscreen.network.paths import DEFAULT_MAX_TIER, Exposure, SupplierRef, find_exposures
from supplyscreen.network.relations import RelationRow, read_relations
from supplyscreen.network.resolve import MatchFunction, Progress, resolve_names
from supplyscreen.network.rules import NetworkConfig, RuleStatus, network_config
from supplyscreen.screener import Screener

BIS_RULE = "bis_affiliates_rule"


@dataclass(slots=True)
class NetworkResult:
    """The exposures of one screening and how it was made (date, rules, snapshot, sizes, timings)."""

    exposures: list[Exposure]
    network: SupplyNetwork
    rules: list[RuleStatus]
    max_tier: int
    snapshot: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    skipped_suppliers: int = 0

    @property
    def as_of(self) -> date:
        return self.network.as_of

    def summary(self) -> dict[str, Any]:
        """Counts and settings for report headers."""
        counts = Counter(code for exposure in self.exposures for code in exposure.flags)
        by_flag = {code: counts[code] for code in NETWORK_FLAGS if counts[code]}
        return {
            "as_of": self.as_of.isoformat(),
            "max_tier": self.max_tier,
            "list_snapshot": self.snapshot,
            "suppliers": len(self.exposures),
            "exposed": sum(1 for e in self.exposures if e.paths),
            "by_flag": by_flag,
            "nodes": self.network.graph.number_of_nodes(),
            "edges": self.network.graph.number_of_edges(),
            "rules": [r.to_dict() for r in self.rules],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "skipped_suppliers": self.skipped_suppliers,
        }


def build_network(
    relations: Iterable[RelationRow],
    entities: Iterable[Entity],
    match: MatchFunction | None,
    *,
    as_of: date | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> SupplyNetwork:
    """The graph of list entities and user edges, each user name resolved with ``match`` (if given)."""
    net = SupplyNetwork(as_of)
    net.add_entities(entities)
    net.add_relations(relations)
    if match is not None:
        resolve_network(net, match, workers=workers, progress=progress)
    return net


def resolve_network(
    net: SupplyNetwork, match: MatchFunction, *, workers: int = 1, progress: Progress | None = None
) -> int:
    """Link every user name to the list entities it matches; returns how many names matched."""
    nodes = [n for n in net.nodes_of_kind("name") if not any(True for _ in linked_entities(net, n))]
    results = resolve_names([net.caption(n) for n in nodes], match, workers=workers, progress=progress)
    matched = 0
    for node, hits in zip(nodes, results, strict=True):
        matched += bool(hits)
        for hit in hits:
            net.add_same_as(node, hit)
    return matched


def linked_entities(net: SupplyNetwork, node: str) -> Iterable[str]:
    """The list entities a user name is linked to by the matcher (its `same_as` edges)."""
    return (v for _, v, ev in net.graph.out_edges(node, data="ev") if ev.relation == "same_as")


def flag_network(
    net: SupplyNetwork, config: NetworkConfig | None = None, rule_modes: dict[str, str] | None = None
) -> list[RuleStatus]:
    """Flag list entities, Xinjiang places and owned_by_listed nodes; returns the rules' statuses."""
    config = config or network_config()
    statuses = config.statuses(net.as_of, rule_modes)
    with gc_paused():
        flag_list_entities(net, config)
        flag_xinjiang_places(net)
        flag_owned_by_listed(net, statuses)
    return statuses


def supplier_refs(net: SupplyNetwork, records: Iterable[Record]) -> tuple[list[SupplierRef], int]:
    """The suppliers as network nodes (added when new), their own rows checked for Xinjiang places."""
    refs: list[SupplierRef] = []
    skipped = 0
    for record in records:
        if not record.name or not record.name.strip():
            skipped += 1
            continue
        name = " ".join(record.name.split())
        node = net.add_name(name)
        flag_supplier_row(net, node, record)
        refs.append(SupplierRef(name, record.row, node, dict(record.fields)))
    return refs, skipped


def screen_network(
    suppliers: str | Path | Iterable[Record],
    relations: Sequence[str | Path] | Iterable[RelationRow],
    screener: Screener,
    *,
    max_tier: int = DEFAULT_MAX_TIER,
    as_of: date | None = None,
    bis_affiliates_rule: str = "auto",
    workers: int = 1,
    mapping: str | dict[str, str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> NetworkResult:
    """Screen a suppliers file against its supply network (see the module docstring)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    rows = _relation_rows(relations)
    records = read_suppliers(suppliers, mapping) if isinstance(suppliers, str | Path) else list(suppliers)
    timings["read"] = time.perf_counter() - started
    mark = time.perf_counter()
    net = build_network(rows, screener.store.entities(), None, as_of=as_of)
    refs, skipped = supplier_refs(net, records)
    timings["build"] = time.perf_counter() - mark
    mark = time.perf_counter()
    screener.matcher  # noqa: B018 - load the index before any fork
    names = len(net.nodes_of_kind("name"))
    report = (lambda done: progress("resolving names", done, names)) if progress else None
    resolve_network(net, screener.match, workers=workers, progress=report)
    timings["resolve"] = time.perf_counter() - mark
    mark = time.perf_counter()
    statuses = flag_network(net, rule_modes={BIS_RULE: bis_affiliates_rule})
    timings["flag"] = time.perf_counter() - mark
    mark = time.perf_counter()
    exposures = find_exposures(net, refs, max_tier)
    timings["paths"] = time.perf_counter() - mark
    return NetworkResult(
        exposures, net, statuses, max_tier, screener.snapshot_version, timings, skipped_suppliers=skipped
    )


def read_suppliers(path: str | Path, mapping: str | dict[str, str] | None = None) -> list[Record]:
    """The suppliers file's records; a file whose only name-like header is ``name`` is read by it.
    A network is built from names: a file without a name column is an InputError listing its columns."""
    stream = read_records(path, mapping)
    if "name" in stream.mapping:
        return list(stream)
    if mapping is None:
        try:
            return list(read_records(path, "name=name"))
        except InputError:
            pass
    listed = ", ".join(repr(c) for c in stream.columns[:30])
    raise InputError(path, f"{NO_NAME}; columns are {listed}; use --map name=COLUMN")


def _relation_rows(relations: Sequence[str | Path] | Iterable[RelationRow]) -> list[RelationRow]:
    rows: list[RelationRow] = []
    for item in relations:
        if isinstance(item, RelationRow):
            rows.append(item)
        elif isinstance(item, str | Path):
            rows.extend(read_relations(item))
        else:
            raise InputError(str(item), "expected a relations file path or RelationRow")
    return rows
