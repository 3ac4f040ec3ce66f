"""Cross-list linkage: the same organisation on several lists becomes one entity.

Hikvision is on the BIS Entity List (via the CSL), the NS-CMIC list, the FCC Covered List and the
§889 curated list; a buyer must see one entity carrying every membership and every source id.
Records are linked by (a) a shared OFAC entity number (CSL records derived from OFAC lists), (b)
curated relations naming an entity in the same snapshot, and (c) identical names once legal forms
are removed, where the countries agree or one side has none. Persons are linked by name only when
they also share a date of birth. Two records of the same source file and the same list are never
merged by name: the list itself says they are different entries.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from importlib import resources

from supplyscreen._yaml import safe_load as load_yaml
from supplyscreen.model import ORGANISATION_SCHEMAS, Entity
from supplyscreen.sources.registry import PRIORITY

#: Source codes in order of authority (the order of ``data/sources.yaml``): the first one present
#: names the merged entity and wins for names and addresses ("where both exist, OFAC's own files win").
SOURCE_PRIORITY = PRIORITY
_OFAC_SOURCES = ("us_ofac_sdn", "us_ofac_nonsdn")
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def source_of(source_id: str) -> str:
    """The source code part of a source id: ``us_ofac_sdn:29299`` → ``us_ofac_sdn``."""
    return source_id.split(":", 1)[0]


def _priority(source_id: str) -> int:
    src = source_of(source_id)
    return SOURCE_PRIORITY.index(src) if src in SOURCE_PRIORITY else len(SOURCE_PRIORITY)


@cache
def _legal_forms() -> tuple[re.Pattern[str], tuple[str, ...]]:
    text = resources.files("supplyscreen").joinpath("data/legal_forms.yaml").read_text(encoding="utf-8")
    raw = load_yaml(text)
    words = sorted(dict.fromkeys([*raw["latin"], *raw["cyrillic"]]), key=len, reverse=True)
    pattern = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\S)")
    return pattern, tuple(sorted(raw["han"], key=len, reverse=True))


def link_key(name: str) -> str:
    """A name reduced for exact linkage: NFKC, case, accents and punctuation folded, legal forms removed.

    >>> link_key("Hangzhou Hikvision Digital Technology Co., Ltd.")
    'hangzhou hikvision digital technology'
    """
    text = unicodedata.normalize("NFKC", name).lower()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    latin_forms, han_forms = _legal_forms()
    for form in han_forms:
        text = text.replace(form, " ")
    text = _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()
    stripped = _SPACE.sub(" ", latin_forms.sub(" ", text)).strip()
    return stripped or text


class _Clusters:
    """Union-find over entity indexes that refuses unions a list itself contradicts."""

    def __init__(self, entities: list[Entity]) -> None:
        self.parent = list(range(len(entities)))
        # per cluster root: the (source, list code) → source id pairs it holds
        self.keys: list[dict[tuple[str, str], str]] = []
        for e in entities:
            keys: dict[tuple[str, str], str] = {}
            for sid in e.source_ids:
                for code in e.list_codes or ["-"]:
                    keys[(source_of(sid), code)] = sid
            self.keys.append(keys)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, *, checked: bool) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ka, kb = self.keys[ra], self.keys[rb]
        if checked and any(k in kb and kb[k] != v for k, v in ka.items()):
            return False
        if len(ka) < len(kb):
            ra, rb, ka, kb = rb, ra, kb, ka
        self.parent[rb] = ra
        for k, v in kb.items():
            ka.setdefault(k, v)
        self.keys[rb] = {}
        return True


def _countries_agree(a: Entity, b: Entity) -> bool:
    return not a.countries or not b.countries or bool(set(a.countries) & set(b.countries))


def _name_links(entities: list[Entity], clusters: _Clusters) -> None:
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entities):
        if e.schema not in ORGANISATION_SCHEMAS and e.schema != "Person":
            continue
        # in name order, not a set's: the order buckets are linked in decides the linked ids, and a
        # set's order changes with the hash seed from one build to the next
        for key in dict.fromkeys(link_key(n.value) for n in e.names if n.kind != "weak"):
            if len(key) >= 3:
                buckets[key].append(i)
    for members in buckets.values():
        if len(members) < 2 or len(members) > 50:
            continue  # a name shared by dozens of records is too common to link on
        for x, i in enumerate(members):
            a = entities[i]
            for j in members[x + 1 :]:
                b = entities[j]
                if (a.schema == "Person") != (b.schema == "Person"):
                    continue
                if a.schema == "Person" and not set(a.birth_dates) & set(b.birth_dates):
                    continue
                if _countries_agree(a, b):
                    clusters.union(i, j, checked=True)


def link_entities(entities: Iterable[Entity]) -> list[Entity]:
    """Merge records of the same entity across sources; relation targets follow the merge."""
    items = list(entities)
    clusters = _Clusters(items)
    by_source_id: dict[str, int] = {}
    for i, e in enumerate(items):
        for sid in e.source_ids:
            if sid in by_source_id:
                clusters.union(by_source_id[sid], i, checked=False)
            else:
                by_source_id[sid] = i
    ofac_linked: set[int] = set()
    for i, e in enumerate(items):
        for ident in e.identifiers:
            if ident.type != "ofac_ent_num":
                continue
            for src in _OFAC_SOURCES:
                j = by_source_id.get(f"{src}:{ident.value}")
                if j is not None and clusters.union(j, i, checked=False):
                    ofac_linked.add(i)
                    break
    for i, e in enumerate(items):
        for rel in e.relations:
            if rel.type == "same_as" and rel.target_id in by_source_id:
                clusters.union(by_source_id[rel.target_id], i, checked=True)
    _name_links(items, clusters)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[clusters.find(i)].append(i)
    merged: list[Entity] = []
    new_id: dict[str, str] = {}
    for members in groups.values():
        members.sort(key=lambda k: min(_priority(s) for s in items[k].source_ids or [items[k].id]))
        entity = _merge_group([items[k] for k in members], [k in ofac_linked for k in members])
        for k in members:
            new_id[items[k].id] = entity.id
            for sid in items[k].source_ids:
                new_id[sid] = entity.id
        merged.append(entity)
    for entity in merged:
        for rel in entity.relations:
            if rel.target_id is not None:
                rel.target_id = new_id.get(rel.target_id, rel.target_id)
        entity.relations = [r for r in entity.relations if r.target_id != entity.id]
    merged.sort(key=lambda e: e.id)
    return merged


def _merge_group(members: list[Entity], ofac_linked: list[bool]) -> Entity:
    head = Entity.from_dict(members[0].to_dict())
    for other, via_ofac_number in zip(members[1:], ofac_linked[1:], strict=True):
        if via_ofac_number:
            # OFAC's own files win: the caption and the OFAC memberships come from OFAC; the CSL record
            # adds its id, names OFAC no longer prints (as aliases), and only lists OFAC lacks.
            present = set(head.list_codes)
            other = Entity.from_dict(other.to_dict())
            other.memberships = [m for m in other.memberships if m.list_code not in present]
        head.merge(other)
    return head
