"""Conversion of list entities to and from FollowTheMoney JSON.

:func:`to_ftm` writes an :class:`~supplyscreen.model.entity.Entity` as FtM objects (the entity, one
``Sanction`` per membership, one ``Ownership`` or ``UnknownLink`` per relation);
:func:`entities_from_ftm` reads a stream of FtM objects back into entities.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from supplyscreen.listcodes import list_info
from supplyscreen.model.entity import (
    NON_HIT_STATUSES,
    RELATION_TYPES,
    SCHEMAS,
    Address,
    Entity,
    Identifier,
    Membership,
    Name,
    Relation,
)

_FTM_IDENT_PROPS = {
    "registrationNumber": "registration_number",
    "idNumber": "id_number",
    "taxNumber": "tax_number",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "leiCode": "lei",
    "swiftBic": "swift_bic",
    "imoNumber": "imo",
    "passportNumber": "passport",
    "uscCode": "uscc",
    "unifiedSocialCreditCode": "uscc",
    "vatCode": "vat",
    "dunsCode": "duns",
    "okpoCode": "okpo",
}
_IDENT_TO_FTM = {v: k for k, v in _FTM_IDENT_PROPS.items() if k != "unifiedSocialCreditCode"}
_FTM_SCHEMA_MAP = {"PublicBody": "Organization", "Airplane": "Airplane", "Vessel": "Vessel"}
_REL_TO_FTM_ROLE = {t: t.replace("_", " ") for t in RELATION_TYPES}


#: A FollowTheMoney entity id: letters, digits, dots and hyphens, starting and ending with a letter or
#: digit (followthemoney's ``registry.entity``)
FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?$")


def ftm_id(key: str) -> str:
    """The FollowTheMoney id of an entity key: ``us_ofac_sdn:29220`` → ``us-ofac-sdn-29220``.

    A key that is a valid id already stays as it is. Otherwise each run of other characters becomes
    one hyphen; when that loses more than the ``_`` and ``:`` of a list key (a user list's reference
    with spaces or slashes), a short digest of the key keeps two keys from meeting in one id.
    """
    if FTM_ID.match(key):
        return key
    slug = re.sub(r"[^0-9a-zA-Z.]+", "-", key).strip("-.") or "x"
    if re.sub(r"[^0-9a-zA-Z.]", "", key) != re.sub(r"[^0-9a-zA-Z.]", "", slug) or re.search(
        r"[^0-9a-zA-Z.:_-]|[:_-]{2}", key
    ):
        slug = f"{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
    return slug


def ftm_schema(schema: str) -> str | None:
    """Our schema for an FtM schema, or None when the FtM schema is not a thing we screen."""
    if schema in SCHEMAS:
        return schema
    return _FTM_SCHEMA_MAP.get(schema)


def entity_topics(entity: Entity) -> list[str]:
    """FollowTheMoney topics of the entity's list memberships that are hits (``lists.yaml``'s
    ``topics``); a hit on a list that declares none (a user's list) is ``sanction``, as before."""
    topics: dict[str, None] = {}
    for membership in entity.memberships:
        if membership.is_hit:
            for topic in list_info(membership.list_code).topics or ("sanction",):
                topics[topic] = None
    return list(topics)


def to_ftm(entity: Entity) -> list[dict[str, Any]]:
    """The entity as FollowTheMoney JSON objects: the entity itself, one ``Sanction`` per
    membership and one ``UnknownLink``/``Ownership`` per relation to a known entity id."""
    props: dict[str, list[str]] = {"name": [entity.caption]}
    aliases = [n.value for n in entity.names if n.value != entity.caption and n.kind != "weak"]
    weak = [n.value for n in entity.names if n.kind == "weak"]
    if aliases:
        props["alias"] = aliases
    if weak:
        props["weakAlias"] = weak
    if entity.countries:
        props["country"] = list(entity.countries)
    if entity.addresses:
        props["address"] = [a.full for a in entity.addresses]
    for ident in entity.identifiers:
        key = _IDENT_TO_FTM.get(ident.type, "idNumber")
        props.setdefault(key, []).append(ident.value)
    if entity.schema == "Person":
        if entity.birth_dates:
            props["birthDate"] = list(entity.birth_dates)
        if entity.birth_places:
            props["birthPlace"] = list(entity.birth_places)
        if entity.nationalities:
            props["nationality"] = list(entity.nationalities)
        if entity.gender:
            props["gender"] = [entity.gender]
        if entity.title:
            props["position"] = [entity.title]
    if entity.notes:
        props["notes"] = list(entity.notes)
    programs = [m.program for m in entity.memberships if m.program]
    if programs:
        props["program"] = list(dict.fromkeys(programs))
    topics = entity_topics(entity)
    if topics:
        props["topics"] = topics
    out: list[dict[str, Any]] = [
        {
            "id": entity.id,
            "schema": entity.schema,
            "caption": entity.caption,
            "properties": props,
            "datasets": entity.list_codes,
            "referents": list(entity.source_ids),
        }
    ]
    for i, m in enumerate(entity.memberships):
        sp: dict[str, list[str]] = {"entity": [entity.id], "authority": [m.authority or m.list_code]}
        for key, value in (
            ("program", m.program),
            ("startDate", m.listed_on),
            ("endDate", m.ends_on),
            ("sourceUrl", m.source_url),
            ("provisions", m.federal_register),
            ("status", m.status),
            ("summary", m.note),
            ("authorityId", m.source_id),
        ):
            if value:
                sp[key] = [value]
        out.append(
            {
                "id": f"{entity.id}#sanction-{i}",
                "schema": "Sanction",
                "properties": sp,
                "datasets": [m.list_code],
            }
        )
    for i, r in enumerate(entity.relations):
        if not r.target_id:
            continue
        if r.type in ("owned_by", "subsidiary_of", "owner_of", "parent_of"):
            owner, asset = (
                (r.target_id, entity.id)
                if r.type in ("owned_by", "subsidiary_of")
                else (entity.id, r.target_id)
            )
            lp: dict[str, list[str]] = {
                "owner": [owner],
                "asset": [asset],
                "role": [_REL_TO_FTM_ROLE[r.type]],
            }
            if r.share is not None:
                lp["percentage"] = [str(r.share)]
            schema = "Ownership"
        else:
            lp = {
                "subject": [entity.id],
                "object": [r.target_id],
                "role": [_REL_TO_FTM_ROLE.get(r.type, r.type)],
            }
            schema = "UnknownLink"
        if r.start_date:
            lp["startDate"] = [r.start_date]
        if r.end_date:
            lp["endDate"] = [r.end_date]
        out.append({"id": f"{entity.id}#rel-{i}", "schema": schema, "properties": lp, "datasets": []})
    return out


def entities_from_ftm(objects: Iterable[dict[str, Any]], list_code: str | None = None) -> Iterator[Entity]:
    """Entities from a stream of FollowTheMoney objects.

    ``Sanction`` objects become memberships of the entity they name, ``Ownership`` and
    ``UnknownLink`` objects become relations, ``Address`` objects fill addresses referenced by
    ``addressEntity``. Objects of other schemas (Passport, Identification …) are ignored.
    When ``list_code`` is given, every entity without a membership gets one on that list.
    """
    entities: dict[str, Entity] = {}
    addresses: dict[str, str] = {}
    address_refs: dict[str, list[str]] = {}
    pending: list[dict[str, Any]] = []
    for obj in objects:
        schema = obj.get("schema")
        props: dict[str, list[str]] = obj.get("properties") or {}
        if schema == "Address":
            full = (props.get("full") or [""])[0]
            if full:
                addresses[obj["id"]] = full
            continue
        if schema in ("Sanction", "Ownership", "UnknownLink", "Directorship", "Family", "Associate"):
            pending.append(obj)
            continue
        ours = ftm_schema(str(schema))
        if ours is None:
            continue
        entity = entity_from_ftm_object(obj, ours)
        entities[entity.id] = entity
        address_refs[entity.id] = list(props.get("addressEntity", []))
    for eid, refs in address_refs.items():
        for ref in refs:
            if ref in addresses:
                entities[eid].addresses.append(Address(full=addresses[ref]))
    for obj in pending:
        _attach_ftm_link(obj, entities)
    for entity in entities.values():
        if list_code and not entity.memberships:
            entity.memberships.append(Membership(list_code=list_code, source_id=entity.id))
        yield entity


def entity_from_ftm_object(obj: dict[str, Any], schema: str | None = None) -> Entity:
    """One FtM thing (Person, Company, …) as an Entity, without its linked objects."""
    props: dict[str, list[str]] = obj.get("properties") or {}
    entity = Entity(id=str(obj["id"]), schema=schema or ftm_schema(str(obj.get("schema"))) or "LegalEntity")
    caption = obj.get("caption")
    for i, value in enumerate(props.get("name", [])):
        entity.add_name(value, "primary" if i == 0 and (not caption or caption == value) else "alias")
    if caption and not any(n.value == caption for n in entity.names):
        entity.names.insert(0, Name(caption, "primary"))
    elif caption:
        for n in entity.names:
            n.kind = "primary" if n.value == caption else ("alias" if n.kind == "primary" else n.kind)
    for value in props.get("alias", []) + props.get("previousName", []):
        entity.add_name(value, "alias")
    for value in props.get("weakAlias", []):
        entity.add_name(value, "weak")
    for key in ("country", "jurisdiction", "mainCountry"):
        for c in props.get(key, []):
            entity.add_country(c)
    for value in props.get("address", []):
        entity.add_address(Address(full=value))
    for key, ident_type in _FTM_IDENT_PROPS.items():
        for value in props.get(key, []):
            entity.identifiers.append(Identifier(ident_type, value))
    entity.birth_dates.extend(props.get("birthDate", []))
    entity.birth_places.extend(props.get("birthPlace", []))
    entity.nationalities.extend(props.get("nationality", []))
    entity.gender = next(iter(props.get("gender", [])), None)
    entity.title = next(iter(props.get("position", [])), None)
    entity.notes.extend(props.get("notes", []))
    for ref in obj.get("referents", []) or []:
        entity.add_source_id(str(ref))
    return entity


_CURATED_STATUSES = NON_HIT_STATUSES | {"confirmed", "secondary", "high", "medium"}


def _ftm_status(value: str | None) -> str:
    """A membership status read back from FtM: our curated statuses survive, anything else is official."""
    return value if value in _CURATED_STATUSES else "official"


def _attach_ftm_link(obj: dict[str, Any], entities: dict[str, Entity]) -> None:
    props: dict[str, list[str]] = obj.get("properties") or {}
    schema = obj.get("schema")

    def first(key: str) -> str | None:
        values = props.get(key) or []
        return values[0] if values else None

    if schema == "Sanction":
        target = entities.get(first("entity") or "")
        if target is None:
            return
        datasets = obj.get("datasets") or []
        target.memberships.append(
            Membership(
                list_code=datasets[0] if datasets else (first("authority") or "ftm"),
                program=first("program"),
                authority=first("authority"),
                listed_on=first("listingDate") or first("startDate") or first("date"),
                ends_on=first("endDate"),
                federal_register=first("provisions"),
                source_url=first("sourceUrl"),
                source_id=first("authorityId") or first("unscId"),
                status=_ftm_status(first("status")),
                note=first("summary") or first("reason") or first("description"),
            )
        )
        return
    role = first("role") or ""
    rel_type = role.replace(" ", "_") if role.replace(" ", "_") in RELATION_TYPES else None
    if schema == "Ownership":
        owner, asset = first("owner"), first("asset")
        share = first("percentage")
        try:
            share_value = float(share.rstrip("%")) if share else None
        except ValueError:
            share_value = None
        dates = {"start_date": first("startDate"), "end_date": first("endDate")}
        # Our own exports say which side the relation belongs to (role "parent of" / "owner of" is the
        # owner's); foreign FtM data has no such role and is attached to the asset as "owned_by".
        if rel_type in ("owner_of", "parent_of") and owner in entities and asset:
            entities[owner].relations.append(
                Relation(rel_type, target_id=asset, share=share_value, source="ftm", **dates)
            )
        elif asset in entities and owner:
            kind = rel_type if rel_type in ("owned_by", "subsidiary_of") else "owned_by"
            entities[asset].relations.append(
                Relation(kind, target_id=owner, share=share_value, source="ftm", **dates)
            )
        elif owner in entities and asset:
            entities[owner].relations.append(
                Relation("owner_of", target_id=asset, share=share_value, source="ftm", **dates)
            )
        return
    a = first("subject") or first("director") or first("person")
    b = first("object") or first("organization") or first("relative") or first("associate")
    if a in entities and b:
        entities[a].relations.append(
            Relation(
                rel_type or "linked_to",
                target_id=b,
                start_date=first("startDate"),
                end_date=first("endDate"),
                source="ftm",
                note=role or None,
            )
        )
