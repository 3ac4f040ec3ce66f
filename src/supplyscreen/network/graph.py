"""The supply network: a networkx MultiDiGraph whose edges point the way exposure travels.

An edge ``u → v`` means "u is exposed to what v is": a buyer to its supplier (``supplies``), an owned
company to its owner (``owned_by``), a subsidiary to its parent, a brand to its owner, an entity to
its address (``located_at``), a user's name to the list entity the matcher says it is (``same_as``,
both ways). Nodes are user names (``name:`` + the linkage key of the name, so "Acme Co., Ltd." and
"ACME Co Ltd" are one node), addresses (``address:`` + folded text) and list entities (their id).
Every edge carries its :class:`EdgeEvidence`; ``same_as`` and ``located_at`` add no tier (they weigh
:data:`HOP`, the others :data:`TIER`), so a path's weight // TIER is its number of tiers.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx  # type: ignore[import-untyped]

from supplyscreen.model import Entity, Hit, Relation
from supplyscreen.network.relations import RelationRow
from supplyscreen.store.linkage import link_key

#: Relations that do not add a tier: identity and location.
WEIGHTLESS = frozenset({"same_as", "located_at"})
#: Edge weights: a tier costs TIER; an identity or location hop costs 1, so among paths of equal tiers
#: the one with fewer such hops is shorter, and every weight is positive (no zero-weight cycles).
TIER, HOP = 1000, 1
#: The weight of a stated ownership share (``owned_by`` with a share): beyond any tier limit, so no
#: exposure path runs through a stake. Ownership exposes a company only through a rule's threshold
#: (``owned_by_listed``, ``ownership.py``); a stake below it is information on the owned company.
STAKE = 1 << 40
#: How each user relation becomes an exposure edge: (reverse the columns?, relation in path direction).
USER_EDGES: dict[str, tuple[bool, str]] = {
    "supplies": (False, "supplies"),
    "owns": (True, "owned_by"),
    "subsidiary_of": (False, "subsidiary_of"),
    "brand_of": (False, "brand_of"),
    "located_at": (False, "located_at"),
    "director_of": (True, "directed_by"),
}
#: How each list relation (``Relation.type``) becomes one; ``context`` relations are left out.
LIST_EDGES: dict[str, tuple[bool, str]] = {
    "subsidiary_of": (False, "subsidiary_of"),
    "former_subsidiary_of": (False, "subsidiary_of"),
    "brand_of": (False, "brand_of"),
    "owned_by": (False, "owned_by"),
    "affiliate_of": (False, "affiliate_of"),
    "linked_to": (False, "linked_to"),
    "owner_of": (True, "owned_by"),
    "parent_of": (True, "subsidiary_of"),
}
_ENTITY_ID_RE = re.compile(r"^[a-z][a-z0-9_]*:\S+$")
_SPACE_RE = re.compile(r"\s+")


@dataclass(slots=True)
class EdgeEvidence:
    """Why an edge exists: its relation in path direction, where it was stated, and its details."""

    relation: str
    source: str
    share: float | None = None
    product: str | None = None
    stated: str | None = None  # the relation as the data states it, when the edge reverses it
    details: dict[str, Any] | None = None  # matcher score and explanation, end date, note …

    def to_dict(self, from_caption: str, to_caption: str) -> dict[str, Any]:
        """The JSON form: ``{from, to, relation, share, product, source}`` plus any details."""
        out: dict[str, Any] = {
            "from": from_caption,
            "to": to_caption,
            "relation": self.relation,
            "share": self.share,
            "product": self.product,
            "source": self.source,
        }
        if self.stated:
            out["stated"] = self.stated
        if self.details:
            out.update(self.details)
        return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step (and restore it after).

    Building or searching a graph of a million edges allocates millions of objects and no cycles to
    collect; the collector would otherwise rescan the whole heap again and again (3x slower paths).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def name_key(name: str) -> str:
    """The node key of a user name: ``name:`` + its linkage key (case, punctuation, legal form folded)."""
    return "name:" + (link_key(name) or _SPACE_RE.sub(" ", name.casefold()).strip())


def address_key(text: str) -> str:
    """The node key of an address: ``address:`` + its text folded for case and spacing."""
    return "address:" + _SPACE_RE.sub(" ", text.casefold()).strip()


def _active(rel: Relation, day: str) -> bool:
    """Whether a dated list relation holds on ``day`` (ISO): begun, and not ended on or before it."""
    if rel.start_date and rel.start_date[:10] > day:
        return False
    return not (rel.end_date and rel.end_date[:10] <= day)


class SupplyNetwork:
    """The graph of one screening, with each node's flags (``flags[node][code] = {reason, evidence}``)."""

    def __init__(self, as_of: date | None = None) -> None:
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.as_of = as_of or date.today()
        self.flags: dict[str, dict[str, dict[str, Any]]] = {}
        #: information on a node that is no flag (a stake of listed parties below a rule's threshold)
        self.information: dict[str, list[str]] = {}
        self.entities: dict[str, Entity] = {}
        self._ids: dict[str, str] = {}  # entity id or source id → entity id
        self._names: dict[str, str] = {}  # a name as written → its node (link_key is costly)

    # -- nodes ----------------------------------------------------------------------------------
    def caption(self, node: str) -> str:
        return str(self.graph.nodes[node]["caption"])

    def kind(self, node: str) -> str:
        return str(self.graph.nodes[node]["kind"])

    def add_name(self, name: str) -> str:
        """The node of a user name (created on first sight; its caption is the first spelling seen)."""
        known = self._names.get(name)
        if known is not None:
            return known
        if _ENTITY_ID_RE.match(name) and name in self._ids:
            return self._ids[name]
        key = name_key(name)
        if key not in self.graph:
            self.graph.add_node(key, kind="name", caption=name)
        self._names[name] = key
        return key

    def add_address(self, text: str) -> str:
        key = address_key(text)
        if key not in self.graph:
            self.graph.add_node(key, kind="address", caption=text)
        return key

    def add_entities(self, entities: Iterable[Entity]) -> None:
        """List entities as nodes, and their dated relations to one another as edges."""
        batch = list(entities)
        for e in batch:
            self.entities[e.id] = e
            self._ids[e.id] = e.id
            for sid in e.source_ids:
                self._ids.setdefault(sid, e.id)
            self.graph.add_node(e.id, kind="entity", caption=e.caption)
        day = self.as_of.isoformat()
        for e in batch:
            for rel in e.relations:
                self._add_list_relation(e, rel, day)

    def _add_list_relation(self, entity: Entity, rel: Relation, day: str) -> None:
        how = LIST_EDGES.get(rel.type)
        target = self._ids.get(rel.target_id or "")
        if how is None or target is None or target == entity.id or not _active(rel, day):
            return
        reverse, relation = how
        u, v = (target, entity.id) if reverse else (entity.id, target)
        details: dict[str, Any] = {"list_entity": entity.id}
        if rel.end_date:
            details["until"] = rel.end_date
        if rel.note:
            details["note"] = rel.note
        stated = rel.type if rel.type != relation else None
        source = rel.source or entity.id.split(":", 1)[0]
        self.add_edge(u, v, EdgeEvidence(relation, source, rel.share, None, stated, details))

    # -- edges ----------------------------------------------------------------------------------
    def add_edge(self, u: str, v: str, evidence: EdgeEvidence, *, check: bool = True) -> None:
        """One exposure edge ``u → v``; an identical edge from the same source is added once.

        ``check=False`` skips that test for edges whose source is unique anyway (a user's file row).
        """
        if u == v:
            return
        if check:
            existing = self.graph.get_edge_data(u, v)
            if existing and any(
                d["ev"].relation == evidence.relation and d["ev"].source == evidence.source
                for d in existing.values()
            ):
                return
        weight = HOP if evidence.relation in WEIGHTLESS else TIER
        if evidence.relation == "owned_by" and evidence.share is not None:
            weight = STAKE
        self.graph.add_edge(u, v, weight=weight, ev=evidence)

    def add_relations(self, rows: Iterable[RelationRow]) -> None:
        """The user's edges: names become nodes, each row one exposure edge."""
        with gc_paused():
            for row in rows:
                reverse, relation = USER_EDGES[row.relation]
                a = self.add_name(row.from_name)
                to = row.to_name
                b = self.add_address(to) if row.relation == "located_at" else self.add_name(to)
                u, v = (b, a) if reverse else (a, b)
                stated = row.relation if row.relation != relation else None
                evidence = EdgeEvidence(relation, row.origin, row.share, row.product, stated)
                self.add_edge(u, v, evidence, check=False)

    def add_same_as(self, node: str, hit: Hit) -> None:
        """Link a user name to the list entity the matcher found for it, both ways (no tier)."""
        entity = self._ids.get(hit.entity_id)
        if entity is None or entity == node:
            return
        details = {
            "score": round(hit.score, 4),
            "matched_name": hit.matched_name,
            "explanation": hit.explanation,
            "entity_id": entity,
        }
        self.add_edge(node, entity, EdgeEvidence("same_as", "matcher", details=details))
        self.add_edge(entity, node, EdgeEvidence("same_as", "matcher", details=dict(details)))

    # -- views ----------------------------------------------------------------------------------
    def nodes_of_kind(self, kind: str) -> list[str]:
        return [n for n, k in self.graph.nodes(data="kind") if k == kind]

    def flag(self, node: str, code: str, reason: str, evidence: dict[str, Any]) -> None:
        """Mark a node with a flag code (the first reason given for a code is kept)."""
        self.flags.setdefault(node, {}).setdefault(code, {"reason": reason, "evidence": evidence})

    def flagged(self, code: str) -> list[str]:
        """Nodes carrying ``code``, sorted (so searches and their tie-breaks are deterministic)."""
        return sorted(n for n, codes in self.flags.items() if code in codes)

    def edge_evidence(self, u: str, v: str) -> list[EdgeEvidence]:
        """The evidence of the lightest edges ``u → v`` (parallel edges of equal weight all count)."""
        edges = self.graph.get_edge_data(u, v) or {}
        if not edges:
            return []
        lightest = min(d["weight"] for d in edges.values())
        return [d["ev"] for d in edges.values() if d["weight"] == lightest]
