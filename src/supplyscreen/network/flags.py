"""Which nodes are flagged, and why: list entities by their memberships, places by the place detectors.

A list entity with a hit-eligible membership (``Membership.is_hit``) in force on the screening date is
a ``restricted_party``; memberships on the lists of ``flag_lists`` in ``data/network.yaml`` add
``uflpa_entity`` (DHS UFLPA Entity List) or ``covered_equipment`` (NDAA s.889, FCC Covered List).
Places are checked, as screening checks a row, by the registered detectors that read an address
(:func:`supplyscreen.detect.detectors_reading`: the Xinjiang one): a node is a ``xinjiang_location``
when that detector flags an address the node is ``located_at``, the text of a user name, a list entity's
address, or the address, country and description columns of the supplier's own row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from supplyscreen.detect import Detector, detectors_reading
from supplyscreen.listcodes import list_info
from supplyscreen.model import Entity, Membership, Record
from supplyscreen.network.graph import SupplyNetwork
from supplyscreen.network.rules import NetworkConfig

#: Flag codes a network screening reports, in the order they are listed.
NETWORK_FLAGS = (
    "restricted_party",
    "uflpa_entity",
    "covered_equipment",
    "xinjiang_location",
    "owned_by_listed",
)
RESTRICTED = "restricted_party"
XINJIANG = "xinjiang_location"
#: The record field the place detectors read.
PLACE_FIELD = "address"
#: Where a list entity's own address was found in Xinjiang: an office, which flags the entity itself
#: but not its downstream customers (only production, ``located_at`` addresses, reaches them).
OFFICE_ADDRESS = "list entity address"


def memberships_in_force(entity: Entity, day: str) -> list[Membership]:
    """The entity's hit-eligible memberships that have begun and not ended on ``day`` (ISO)."""
    return [
        m
        for m in entity.memberships
        if m.is_hit
        and not (m.listed_on and m.listed_on[:10] > day)
        and not (m.ends_on and m.ends_on[:10] <= day)
    ]


def _membership(m: Membership) -> dict[str, Any]:
    out = {
        "list": m.list_code,
        "list_title": list_info(m.list_code).title,
        "program": m.program,
        "listed_on": m.listed_on,
        "ends_on": m.ends_on,
        "status": m.status,
        "authority": m.authority or list_info(m.list_code).basis,
        "source_url": m.source_url or list_info(m.list_code).url,
        "source_id": m.source_id,
    }
    return {k: v for k, v in out.items() if v}


def _list_reason(entity: Entity, memberships: list[Membership]) -> str:
    parts = []
    for code in dict.fromkeys(m.list_code for m in memberships):
        dates = sorted({m.listed_on for m in memberships if m.list_code == code and m.listed_on})
        parts.append(list_info(code).title + (f" (listed {dates[0]})" if dates else ""))
    return f"{entity.caption} is on the " + "; the ".join(parts) + "."


def flag_list_entities(net: SupplyNetwork, config: NetworkConfig) -> None:
    """Flag every list entity node by its memberships in force on the network's date."""
    day = net.as_of.isoformat()
    for entity_id, entity in net.entities.items():
        members = memberships_in_force(entity, day)
        if not members:
            continue
        codes: dict[str, list[Membership]] = {RESTRICTED: members}
        for code, lists in config.flag_lists.items():
            chosen = [m for m in members if m.list_code in lists]
            if chosen:
                codes[code] = chosen
        for code, chosen in codes.items():
            evidence = {
                "entity_id": entity_id,
                "caption": entity.caption,
                "lists": list(dict.fromkeys(m.list_code for m in chosen)),
                "memberships": [_membership(m) for m in chosen],
            }
            net.flag(entity_id, code, _list_reason(entity, chosen), evidence)


def _flag_places(
    net: SupplyNetwork, detectors: Iterable[Detector], node: str, record: Record, where: str
) -> bool:
    """Flag ``node`` with what each place detector finds in ``record``; whether any found something."""
    found = False
    for detector in detectors:
        for flag in detector.detect(record):
            evidence = {"where": where, "severity": flag.severity, **flag.evidence}
            net.flag(node, flag.code, flag.reason, evidence)
            found = True
    return found


def flag_xinjiang_places(net: SupplyNetwork) -> None:
    """Flag addresses, user names and list entities' addresses that name a place in Xinjiang."""
    places = detectors_reading(PLACE_FIELD).values()
    for node, data in net.graph.nodes(data=True):
        kind, caption = data["kind"], data["caption"]
        if kind == "address":
            _flag_places(net, places, node, Record(row=0, address=caption), "address")
        elif kind == "name":
            _flag_places(net, places, node, Record(row=0, name=caption), "name")
    for entity_id, entity in net.entities.items():
        for address in entity.addresses:
            record = Record(row=0, address=address.full, country=address.country)
            if _flag_places(net, places, entity_id, record, OFFICE_ADDRESS):
                break


def flag_supplier_row(net: SupplyNetwork, node: str, record: Record) -> None:
    """Flag a supplier whose own row (name, address, country, description) names a place in Xinjiang."""
    row = Record(
        row=record.row,
        name=record.name,
        address=record.address,
        country=record.country,
        description=record.description,
    )
    _flag_places(net, detectors_reading(PLACE_FIELD).values(), node, row, "supplier row")
