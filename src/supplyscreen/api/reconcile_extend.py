"""OpenRefine's preview and data extension for the reconciliation service (API v0.2).

``preview`` is the HTML card OpenRefine shows when a reviewer hovers a candidate: the entity's names,
lists, programmes and listing dates. Data extension ("Add columns from reconciled values") proposes
the properties below for a type and answers, for reconciled ids, each property's values.
"""

from __future__ import annotations

from html import escape
from typing import Any

from supplyscreen.listcodes import list_info
from supplyscreen.screen.policy import name_hit_severity, risk_of

#: The properties data extension offers, in OpenRefine's order
EXTEND_PROPERTIES = [
    {"id": "lists", "name": "Lists"},
    {"id": "datasets", "name": "List codes"},
    {"id": "program", "name": "Programmes"},
    {"id": "listed_on", "name": "Listing dates"},
    {"id": "country", "name": "Countries"},
    {"id": "identifiers", "name": "Identifiers"},
    {"id": "topics", "name": "Topics"},
    {"id": "risk", "name": "Risk of a match"},
]
_IDENTIFIER_PROPS = (
    "registrationNumber",
    "idNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "passportNumber",
    "uscCode",
    "vatCode",
    "dunsCode",
    "okpoCode",
)


def property_values(entity: dict[str, Any], prop: str) -> list[str]:
    """The values of one extension property of an entity (FtM JSON with ``_records``)."""
    props = entity["properties"]
    sanctions = [r["properties"] for r in entity.get("_records", []) if r["schema"] == "Sanction"]
    if prop == "lists":
        return [list_info(code).title for code in entity.get("datasets", [])]
    if prop == "datasets":
        return list(entity.get("datasets", []))
    if prop == "program":
        return list(dict.fromkeys(v for s in sanctions for v in s.get("program", [])))
    if prop == "listed_on":
        return sorted({v for s in sanctions for v in s.get("startDate", [])})
    if prop == "country":
        return list(props.get("country", []))
    if prop == "identifiers":
        return [v for key in _IDENTIFIER_PROPS for v in props.get(key, [])]
    if prop == "topics":
        return list(props.get("topics", []))
    if prop == "risk":
        return [risk_of(name_hit_severity(True, bool(entity.get("target"))))]
    return []


def extend_rows(found: dict[str, dict[str, Any] | None], props: list[str]) -> dict[str, Any]:
    """The ``rows`` of an extension answer: per id, per property, its values as ``{"str": …}``."""
    return {
        entity_id: {p: [{"str": v} for v in property_values(entity, p)] if entity else [] for p in props}
        for entity_id, entity in found.items()
    }


def preview_card(entity: dict[str, Any]) -> str:
    """A small self-contained HTML card (no script, no outside resource)."""
    props = entity["properties"]
    names = [entity["caption"], *props.get("alias", [])][:6]
    rows = [
        ("Names", "; ".join(names)),
        ("Lists", "; ".join(property_values(entity, "lists"))),
        ("Programmes", "; ".join(property_values(entity, "program"))),
        ("Listed on", ", ".join(property_values(entity, "listed_on"))),
        ("Countries", ", ".join(props.get("country", []))),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{escape(entity['caption'])}</title><style>body{{font:13px sans-serif;margin:6px}}"
        "th{text-align:left;vertical-align:top;padding-right:8px;color:#555}</style></head><body>"
        f"<strong>{escape(entity['caption'])}</strong> <small>{escape(entity['schema'])}</small>"
        f"<table>{cells}</table></body></html>"
    )
