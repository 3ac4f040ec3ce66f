"""The ids the API gives entities: FollowTheMoney ids, with the list keys kept as referents.

supplyscreen keys an entity by its list and reference (``us_ofac_sdn:29220``): decisions, audit rows,
reports and the CLI use that key. FollowTheMoney ids allow letters, digits, ``.`` and ``-`` only, so a
client that loads the API's answers with followthemoney (nomenklatura's ``YenteEnricher``) would drop
every link that names such a key. The API therefore answers with ``ftm_id(key)``
(``us-ofac-sdn-29220``; records attached to it ``us-ofac-sdn-29220-sanction-0``), lists the key among
the entity's ``referents``, and takes either form wherever an id is given. Stored decisions and audit
rows keep the key, so nothing stored changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from supplyscreen.model.ftm import ftm_id

#: The properties of attached records that name entities
LINK_PROPS = ("entity", "owner", "asset", "subject", "object")


@dataclass(slots=True)
class EntityLinks:
    """What the snapshot says about ids, read once: each referent's entity, the entities whose
    relations name an entity, and each API id's key."""

    referents: dict[str, str] = field(default_factory=dict)
    incoming: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # API id → key
    renamed: dict[str, str] = field(default_factory=dict)  # key → API id, where ftm_id(key) was taken
    schemas: dict[str, str] = field(default_factory=dict)  # key → schema

    @classmethod
    def of(cls, entities: Any) -> EntityLinks:
        links = cls()
        for entity in entities:
            public = ftm_id(entity.id)
            if public in links.keys and links.keys[public] != entity.id:  # two keys, one id: keep both
                public = f"{public}-{hashlib.sha1(entity.id.encode('utf-8')).hexdigest()[:10]}"
                links.renamed[entity.id] = public
            links.keys[public] = entity.id
            links.schemas[entity.id] = entity.schema
            for ref in entity.source_ids:
                links.referents.setdefault(ref, entity.id)
            for relation in entity.relations:
                if relation.target_id and relation.target_id != entity.id:
                    links.incoming.setdefault(relation.target_id, []).append(entity.id)
        return links

    def public_id(self, key: str) -> str:
        """The API's id of an entity key (or of a record's id made from it)."""
        return self.renamed.get(key) or ftm_id(key)

    def key(self, any_id: str) -> str:
        """The entity key of an API id, a key or a referent (as given when none is known)."""
        return self.keys.get(any_id) or self.referents.get(any_id) or any_id


def public_records(main_key: str, objects: list[dict[str, Any]], links: EntityLinks) -> list[dict[str, Any]]:
    """``to_ftm``'s objects with API ids: the entity's (its key added to ``referents``), each record's
    (``<entity id>-sanction-0``) and every entity a record names."""
    out: list[dict[str, Any]] = []
    for obj in objects:
        obj = _as_followthemoney_allows(obj, links)
        copy = dict(obj)
        copy["id"] = _record_id(obj["id"], links)
        if obj["id"] == main_key:
            copy["referents"] = list(dict.fromkeys([main_key, *obj.get("referents", [])]))
        props = dict(obj["properties"])
        for prop in LINK_PROPS:
            if prop in props:
                props[prop] = [links.public_id(value) for value in props[prop]]
        copy["properties"] = props
        out.append(copy)
    return out


def _record_id(record_id: str, links: EntityLinks) -> str:
    key, sep, part = record_id.partition("#")
    return f"{links.public_id(key)}-{part}" if sep else links.public_id(key)


#: Our schemas that FollowTheMoney lets be an Ownership's asset (an Asset)
ASSET_SCHEMAS = frozenset({"Company", "Vessel", "Airplane"})


def _as_followthemoney_allows(record: dict[str, Any], links: EntityLinks) -> dict[str, Any]:
    """An Ownership whose asset cannot be one in FollowTheMoney (an Organization, a person) as an
    UnknownLink from owner to owned with the same role, which followthemoney would not drop."""
    props = record["properties"]
    if record["schema"] != "Ownership" or links.schemas.get(props["asset"][0], "Company") in ASSET_SCHEMAS:
        return record
    link = {k: v for k, v in props.items() if k not in ("owner", "asset", "percentage")}
    return {
        **record,
        "schema": "UnknownLink",
        "properties": {"subject": props["owner"], "object": props["asset"], **link},
    }
