"""The value types every part of supplyscreen shares.

``entity`` holds the list-entity model (:class:`Entity` with its names, addresses, identifiers,
memberships and relations, and :class:`Rule`), ``ftm`` its conversion to and from FollowTheMoney
JSON, and ``screening`` the screening model (:class:`Record`, :class:`Hit`, :class:`Flag`,
:class:`RowResult` and the vocabularies of flag codes, severities and risks). Import any of them
from ``supplyscreen.model``.
"""

from supplyscreen.model.entity import (
    NON_HIT_STATUSES,
    ORGANISATION_SCHEMAS,
    RELATION_TYPES,
    SCHEMAS,
    Address,
    Entity,
    Identifier,
    Membership,
    Name,
    Relation,
    Rule,
    detect_script,
)
from supplyscreen.model.ftm import entities_from_ftm, entity_from_ftm_object, ftm_schema, to_ftm
from supplyscreen.model.screening import (
    FLAG_CODES,
    RISKS,
    SEVERITIES,
    STALE_AFTER_DAYS,
    Flag,
    Hit,
    Record,
    RowResult,
)

__all__ = [
    "FLAG_CODES",
    "NON_HIT_STATUSES",
    "ORGANISATION_SCHEMAS",
    "RELATION_TYPES",
    "RISKS",
    "SCHEMAS",
    "SEVERITIES",
    "STALE_AFTER_DAYS",
    "Address",
    "Entity",
    "Flag",
    "Hit",
    "Identifier",
    "Membership",
    "Name",
    "Record",
    "Relation",
    "RowResult",
    "Rule",
    "detect_script",
    "entities_from_ftm",
    "entity_from_ftm_object",
    "ftm_schema",
    "to_ftm",
]
