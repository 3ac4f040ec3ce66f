"""Entities as yente answers them: the entity with its nested records, its adjacent records by
property, search facets, and the echo of a match query normalised as yente normalises it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from supplyscreen.api.ids import LINK_PROPS
from supplyscreen.api.models import EntityExample
from supplyscreen.countries import country_code
from supplyscreen.listcodes import list_info

#: Query properties whose values are countries: echoed as ISO codes (``"Russia"`` → ``"ru"``)
COUNTRY_PROPS = frozenset({"country", "jurisdiction", "nationality", "mainCountry", "citizenship"})
#: The property an adjacent record is listed under, by its schema and the entity's place in it
#: (FollowTheMoney's reverse property names)
_ADJACENT = {
    ("Sanction", "entity"): "sanctions",
    ("Ownership", "owner"): "ownershipOwner",
    ("Ownership", "asset"): "ownershipAsset",
    ("UnknownLink", "subject"): "unknownLinkTo",
    ("UnknownLink", "object"): "unknownLinkFrom",
}


def normalised_query(example: EntityExample) -> dict[str, Any]:
    """The query as yente echoes it: every property a list of text, countries as ISO codes (values
    that are no country dropped), empty values dropped."""
    properties: dict[str, list[str]] = {}
    for prop, raw in example.properties.items():
        values: list[str] = []
        for value in raw if isinstance(raw, list) else [raw]:
            if value is None or isinstance(value, dict | list):
                continue
            text = " ".join(str(value).split())
            if prop in COUNTRY_PROPS:
                text = country_code(text) or ""
            if text and text not in values:
                values.append(text)
        if values:
            properties[prop] = values
    return {"id": example.id, "schema": example.schema_, "properties": properties}


def nested_record(
    record: dict[str, Any], entity: dict[str, Any], far: Callable[[str], dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """A record attached to the entity (a Sanction, an Ownership …) in yente's full entity shape; with
    ``far``, each other entity the record names is nested in its place, as yente nests it."""
    props = record["properties"]
    if far is not None:
        props = {
            key: [_far_end(value, entity, far) for value in values] if key in LINK_PROPS else values
            for key, values in props.items()
        }
    caption = next(iter(props.get("program") or props.get("authority") or props.get("role") or []), None)
    return {
        "id": record["id"],
        "caption": caption or record["schema"],
        "schema": record["schema"],
        "properties": props,
        "datasets": record.get("datasets") or entity.get("datasets", []),
        "referents": [],
        "target": False,
        "first_seen": entity.get("first_seen"),
        "last_seen": entity.get("last_seen"),
        "last_change": entity.get("last_change"),
    }


def _far_end(value: str, entity: dict[str, Any], far: Callable[[str], dict[str, Any] | None]) -> Any:
    if value == entity["id"]:
        return value
    found = far(value)
    return public(found) if found is not None else value


def public(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def entity_json(
    entity: dict[str, Any],
    nested: bool = True,
    far: Callable[[str], dict[str, Any] | None] | None = None,
    mentioned_in: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``/entities/{id}``: the entity, with its records nested under their properties (``nested``),
    and in them the entities at their far ends (``far`` finds an entity by id); with
    ``mentioned_in`` (a list, empty when none), the documents kept as evidence that mention it.

    ``mentioned_in`` is a key of our own beside yente's: yente's entity model allows extra keys, so a
    yente client reads the answer as before (``tests/api/test_yente_parity.py``)."""
    data = public(entity)
    if nested:
        properties = dict(data["properties"])
        for prop, records in _adjacent_records(entity, far).items():
            properties[prop] = records
        data["properties"] = properties
    if mentioned_in is not None:
        data["mentioned_in"] = mentioned_in
    return data


def mentioned_in_json(mentions: list[Any]) -> list[dict[str, Any]]:
    """``mentioned_in`` of ``/entities/{id}``: each document kept as evidence that mentions the entity
    (``supplyscreen.cases.evidence.MentionedIn``) as ``{evidence_id, title, date, source, url,
    snippet, page}``, newest first. Information beside a hit, never a flag."""
    return [m.api_dict() for m in mentions]


def adjacent_json(entity: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    """``/entities/{id}/adjacent``: the entity and a page of its records per property."""
    pages = {
        prop: {
            "results": records[offset : offset + limit],
            "total": {"value": len(records), "relation": "eq"},
            "limit": limit,
            "offset": offset,
        }
        for prop, records in _adjacent_records(entity).items()
    }
    return {"entity": public(entity), "adjacent": pages}


def _adjacent_records(
    entity: dict[str, Any], far: Callable[[str], dict[str, Any] | None] | None = None
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in entity.get("_records", []):
        for role in ("entity", "owner", "asset", "subject", "object"):
            if entity["id"] in record["properties"].get(role, ()):
                prop = _ADJACENT.get((record["schema"], role))
                if prop:
                    out.setdefault(prop, []).append(nested_record(record, entity, far))
    return out


#: The facets a search can count, and their labels
FACETS = {"countries": "Countries", "topics": "Topics", "datasets": "Data sources", "schema": "Types"}


def facets(entities: list[dict[str, Any]], names: list[str] | None = None) -> dict[str, Any]:
    """yente's search facets over the results: counts of ``names`` (default countries, topics and
    datasets; ``schema`` too when asked for)."""
    wanted = names or ["countries", "topics", "datasets"]
    counted: dict[str, Counter[str]] = {name: Counter() for name in wanted}
    for entity in entities:
        for name, counts in counted.items():
            if name == "schema":
                counts[entity["schema"]] += 1
            elif name == "datasets":
                counts.update(entity.get("datasets", []))
            else:
                counts.update(entity["properties"].get("country" if name == "countries" else name, []))
    return {
        name: {
            "label": FACETS[name],
            "values": [
                {"name": value, "label": list_info(value).title if name == "datasets" else value, "count": n}
                for value, n in counts.most_common()
            ],
        }
        for name, counts in counted.items()
    }
