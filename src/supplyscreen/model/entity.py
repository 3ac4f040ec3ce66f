"""The list-entity model: what the lists say about a party.

An :class:`Entity` is one organisation, person, vessel or aircraft as the lists describe it: its names
(each with its script, Chinese kept as written), addresses, countries, identifiers, the list
memberships that make it matter (with legal basis, dates and source), and its relations to other
entities. A :class:`Rule` is a list entry that names a category of equipment rather than a party.
The vocabularies of schemas, relation types and non-hit statuses live here too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any

SCHEMAS = ("Person", "Company", "Organization", "Vessel", "Airplane", "LegalEntity")
ORGANISATION_SCHEMAS = frozenset({"Company", "Organization", "LegalEntity"})

#: Relation types an entity may carry (``Relation.type``).
RELATION_TYPES = (
    "linked_to",
    "subsidiary_of",
    "parent_of",
    "brand_of",
    "affiliate_of",
    "former_subsidiary_of",
    "owned_by",
    "owner_of",
    "context",  # reviewer context only: buyer of a former subsidiary, OEM partner, shareholder
)

#: Statuses whose rows are leads for a reviewer, never list hits.
NON_HIT_STATUSES = frozenset({"low", "unverified"})


def detect_script(text: str) -> str:
    """The dominant script of a name: ``Han``, ``Cyrillic``, ``Arabic``, ``Greek``, ``Latin`` or ``Other``.

    Decided by the first letter of a non-Latin script, since mixed names ("Hikvision 海康威视")
    are rare and a single CJK character is enough to need the Chinese treatment.
    """
    latin = False
    for ch in text:
        if not ch.isalpha():
            continue
        cp = ord(ch)
        if (
            0x4E00 <= cp <= 0x9FFF
            or 0x3400 <= cp <= 0x4DBF
            or 0x20000 <= cp <= 0x2FA1F
            or 0xF900 <= cp <= 0xFAFF
        ):
            return "Han"
        name = unicodedata.name(ch, "")
        if name.startswith("CYRILLIC"):
            return "Cyrillic"
        if name.startswith("ARABIC"):
            return "Arabic"
        if name.startswith("GREEK"):
            return "Greek"
        if name.startswith("LATIN"):
            latin = True
            continue
        if name.startswith(("HANGUL", "HIRAGANA", "KATAKANA", "CJK")):
            return "Han" if name.startswith("CJK") else "Other"
        return "Other"
    return "Latin" if latin else "Other"


@dataclass(slots=True)
class Name:
    """One name of an entity. ``kind`` is ``primary``, ``alias``, ``fka`` (formerly), ``nka`` or ``weak``."""

    value: str
    kind: str = "primary"
    script: str = ""
    lang: str | None = None

    def __post_init__(self) -> None:
        if not self.script:
            self.script = detect_script(self.value)


@dataclass(slots=True)
class Address:
    """A postal address as the list gives it; ``full`` is always filled."""

    full: str
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, lower case, where known


@dataclass(slots=True)
class Identifier:
    """A registration number, Unified Social Credit Code, IMO number, passport number …"""

    type: str
    value: str
    country: str | None = None


@dataclass(slots=True)
class Membership:
    """Why an entity is on a list: the list, program, legal basis, dates and where to check it.

    ``status`` is ``official`` for rows read from a government file, else the curated row's
    status or confidence (``confirmed``, ``secondary``, ``high``, ``medium``, ``low``,
    ``unverified``). Rows whose status is in :data:`NON_HIT_STATUSES` are never list hits.
    """

    list_code: str
    program: str | None = None
    authority: str | None = None
    listed_on: str | None = None  # ISO date
    ends_on: str | None = None  # ISO date
    federal_register: str | None = None
    source_url: str | None = None
    source_id: str | None = None
    status: str = "official"
    note: str | None = None

    @property
    def is_hit(self) -> bool:
        """Whether this membership may be presented as a list hit."""
        return self.status not in NON_HIT_STATUSES


@dataclass(slots=True)
class Relation:
    """A link from this entity to another, by id where the other is in the store, else by name."""

    type: str
    target_id: str | None = None
    target_name: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    share: float | None = None
    source: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Entity:
    """One listed (or list-related) organisation, person, vessel or aircraft.

    ``id`` is stable across snapshots: it is the entity's highest-priority source id
    (``us_ofac_sdn:29299``), so the same listing keeps the same id after an update.
    """

    id: str
    schema: str
    names: list[Name] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    gender: str | None = None
    title: str | None = None
    memberships: list[Membership] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    # -- convenience -------------------------------------------------------------------------
    @property
    def caption(self) -> str:
        """The name to show: the first primary name, else the first name, else the id."""
        for name in self.names:
            if name.kind == "primary":
                return name.value
        return self.names[0].value if self.names else self.id

    @property
    def list_codes(self) -> list[str]:
        """Distinct list codes of this entity's memberships, in order of first appearance."""
        return list(dict.fromkeys(m.list_code for m in self.memberships))

    def add_name(self, value: str | None, kind: str = "alias", lang: str | None = None) -> None:
        """Add a name unless it is empty or already present (same text, any kind)."""
        if value is None:
            return
        value = " ".join(value.split())
        if not value or any(n.value == value for n in self.names):
            return
        self.names.append(Name(value, kind, lang=lang))

    def add_country(self, code: str | None) -> None:
        if code:
            code = code.strip().lower()
            if code and code not in self.countries:
                self.countries.append(code)

    def add_source_id(self, source_id: str) -> None:
        if source_id not in self.source_ids:
            self.source_ids.append(source_id)

    def add_address(self, address: Address) -> None:
        """Add an address unless one with the same ``full`` text is already present."""
        if all(a.full != address.full for a in self.addresses):
            self.addresses.append(address)

    def add_identifier(self, identifier: Identifier) -> None:
        """Add an identifier unless an equal one (same type, value and country) is already present."""
        if identifier not in self.identifiers:
            self.identifiers.append(identifier)

    def merge(self, other: Entity) -> None:
        """Take in another record of the same entity, keeping this one's primary name first."""
        for name in other.names:
            if not any(n.value == name.value for n in self.names):
                kind = "alias" if name.kind == "primary" else name.kind
                self.names.append(Name(name.value, kind, name.script, name.lang))
        for addr in other.addresses:
            self.add_address(addr)
        for c in other.countries:
            self.add_country(c)
        for ident in other.identifiers:
            self.add_identifier(ident)
        for attr in ("birth_dates", "birth_places", "nationalities", "notes"):
            mine = getattr(self, attr)
            for v in getattr(other, attr):
                if v not in mine:
                    mine.append(v)
        self.gender = self.gender or other.gender
        self.title = self.title or other.title
        for m in other.memberships:
            if m not in self.memberships:
                self.memberships.append(m)
        for r in other.relations:
            if r not in self.relations:
                self.relations.append(r)
        for sid in other.source_ids:
            self.add_source_id(sid)
        if self.schema == "LegalEntity" and other.schema != "LegalEntity":
            self.schema = other.schema

    # -- compact dict form used by the store ---------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that omits empty fields (the store's on-disk form)."""
        out: dict[str, Any] = _compact(self)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entity:
        return cls(
            id=data["id"],
            schema=data["schema"],
            names=[Name(**n) for n in data.get("names", [])],
            addresses=[Address(**a) for a in data.get("addresses", [])],
            countries=list(data.get("countries", [])),
            identifiers=[Identifier(**i) for i in data.get("identifiers", [])],
            birth_dates=list(data.get("birth_dates", [])),
            birth_places=list(data.get("birth_places", [])),
            nationalities=list(data.get("nationalities", [])),
            gender=data.get("gender"),
            title=data.get("title"),
            memberships=[Membership(**m) for m in data.get("memberships", [])],
            relations=[Relation(**r) for r in data.get("relations", [])],
            source_ids=list(data.get("source_ids", [])),
            notes=list(data.get("notes", [])),
        )


@dataclass(slots=True)
class Rule:
    """A list entry that names a category of equipment or services, never a name to match.

    Example: the FCC Covered List's "all foreign-produced UAS and UAS critical components".
    """

    id: str
    list_code: str
    category: str
    text: str
    listed_on: str | None = None
    source_url: str | None = None
    source_id: str | None = None
    status: str = "official"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _compact(self)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rule:
        return cls(**data)


def _compact(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        out: dict[str, Any] = {}
        for f in fields(obj):
            value = _compact(getattr(obj, f.name))
            if value is None or value == [] or value == {}:
                continue
            if f.name == "kind" and value == "primary" and isinstance(obj, Name):
                continue
            if f.name == "status" and value == "official":
                continue
            out[f.name] = value
        return out
    if isinstance(obj, list):
        return [_compact(v) for v in obj]
    return obj
