"""Ownership and supplier networks: what a supplier is owned by, part of, or supplied by, and the path.

Lists name parents, not every subsidiary, and the forced-labour risk of a solar module sits tiers
down, at the polysilicon maker. This package builds one graph of the user's edges (``supplies``,
``owns``, ``subsidiary_of``, ``brand_of``, ``located_at``) and the relations the lists carry, links
user names to list entities with the matching engine, flags list entities, Xinjiang places and
companies owned 50% or more by listed parties, and gives each supplier its shortest paths to them::

    from supplyscreen import Screener
    from supplyscreen.network import screen_network, write_report

    result = screen_network("suppliers.csv", ["edges.csv"], Screener.open(), max_tier=4)
    write_report(result, "network.html")          # or .jsonl / .csv

Lower-level pieces: :func:`read_relations`, :class:`SupplyNetwork`, :func:`build_network`,
:func:`flag_network`, :func:`find_exposures`.
"""

from __future__ import annotations

from supplyscreen.network.flags import NETWORK_FLAGS
from supplyscreen.network.graph import EdgeEvidence, SupplyNetwork
from supplyscreen.network.ownership import flag_owned_by_listed
from supplyscreen.network.paths import DEFAULT_MAX_TIER, Exposure, ExposurePath, SupplierRef, find_exposures
from supplyscreen.network.relations import RELATIONS, RelationRow, read_relations
from supplyscreen.network.report import write_report
from supplyscreen.network.rules import NetworkConfig, OwnershipRule, RuleStatus, network_config
from supplyscreen.network.screen import (
    NetworkResult,
    build_network,
    flag_network,
    resolve_network,
    screen_network,
    supplier_refs,
)

__all__ = [
    "DEFAULT_MAX_TIER",
    "NETWORK_FLAGS",
    "RELATIONS",
    "EdgeEvidence",
    "Exposure",
    "ExposurePath",
    "NetworkConfig",
    "NetworkResult",
    "OwnershipRule",
    "RelationRow",
    "RuleStatus",
    "SupplierRef",
    "SupplyNetwork",
    "build_network",
    "find_exposures",
    "flag_network",
    "flag_owned_by_listed",
    "network_config",
    "read_relations",
    "resolve_network",
    "screen_network",
    "supplier_refs",
    "write_report",
]
