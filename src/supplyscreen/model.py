"""The value types every part of supplyscreen shares.

An :class:`Entity` is one organisation, person, vessel or aircraft as the lists describe it: its names
(each with its script, Chinese kept as written), addresses, countries, identifiers, the list
memberships that make it matter (with legal basis, dates and source), and its relations to other
entities. Conversion to and from FollowTheMoney JSON lives here too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
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


# ---------------------------------------------------------------------------------------------
# FollowTheMoney
# ---------------------------------------------------------------------------------------------

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


def ftm_schema(schema: str) -> str | None:
    """Our schema for an FtM schema, or None when the FtM schema is not a thing we screen."""
    if schema in SCHEMAS:
        return schema
    return _FTM_SCHEMA_MAP.get(schema)


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
    props["topics"] = ["sanction"] if any(m.is_hit for m in entity.memberships) else []
    if not props["topics"]:
        del props["topics"]
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


# ---------------------------------------------------------------------------------------------
# Screening values: one input row in, flags out
# ---------------------------------------------------------------------------------------------

#: Flag codes a screening can raise (reports and the API use exactly these).
FLAG_CODES = (
    "restricted_party",
    "uflpa_entity",
    "covered_equipment",
    "xinjiang_location",
    "high_priority_sector",
)
#: Severities, strongest first. ``info`` never raises a row's risk on its own.
SEVERITIES = ("high", "review", "info")
#: A list snapshot older than this many days is stale: the CLI and the reports warn about it.
STALE_AFTER_DAYS = 30


@dataclass(slots=True)
class Flag:
    """One reason a row needs attention: a code, how serious, a plain-words reason and its evidence.

    ``evidence`` holds what a reviewer needs to check the flag: the matched text and where it was
    found (``field``, ``text``, ``start``, ``end``), the rule or list entry behind it (brand,
    pattern, place, list code, program, legal basis, listing date, source URL, confidence).
    """

    code: str
    severity: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class Record:
    """One input row, with the fields screening looks at picked out by the column mapping.

    ``row`` is the 1-based data row number in its file (header excluded), ``sheet`` the XLSX sheet;
    ``fields`` keeps every input column as given, so reports can write them back unchanged.
    ``date`` is ISO (YYYY-MM-DD) when the input's date could be read, else None.
    """

    row: int
    fields: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    name: str | None = None
    address: str | None = None
    country: str | None = None
    description: str | None = None
    hs_code: str | None = None
    amount: float | None = None
    currency: str | None = None
    funding: str | None = None
    date: str | None = None
    sheet: str | None = None
    buyer: str | None = None  # OCDS: the buyer party's name


@dataclass(slots=True)
class Hit:
    """A list entity found for a query name: how well it matched and why.

    ``match`` is true at or above the calibrated match threshold (the hit is the listed entity);
    ``review`` is true from the lower review threshold (a human should look). ``lists`` holds the
    list codes that may be shown as hits; ``lead_lists`` those backed only by low-confidence rows.
    """

    entity_id: str
    caption: str
    schema: str
    names: list[str]
    source_ids: list[str]
    lists: list[str]
    score: float
    match: bool
    review: bool
    matched_name: str
    explanation: str
    lead_lists: list[str] = field(default_factory=list)
    # what the query's context changed, in words ("vendor in the United States; X is in Russia"):
    # a flag's reason says it (it is in ``explanation`` too)
    context: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "caption": self.caption,
            "schema": self.schema,
            "names": self.names,
            "source_ids": self.source_ids,
            "lists": self.lists,
            "lead_lists": self.lead_lists,
            "score": round(self.score, 4),
            "match": self.match,
            "review": self.review,
            "matched_name": self.matched_name,
            "explanation": self.explanation,
        }


#: Row risk levels, strongest first.
RISKS = ("high", "review", "clear")


@dataclass(slots=True)
class RowResult:
    """The screening of one input row: its risk, the flags that decide it and the name hits behind them.

    ``risk`` is ``high`` (a list hit at the match threshold, covered equipment, a UFLPA entity, a
    Xinjiang location), ``review`` (a weaker hit or a low-confidence lead) or ``clear`` (a row whose
    only flag is a high-priority sector stays clear). ``change`` is set when the screening is
    compared with an earlier one (``new``, ``changed``, ``unchanged``, ``resolved``).
    """

    row: int
    record: Record
    risk: str
    flags: list[Flag] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    list_snapshot: str = ""
    change: str | None = None

    @property
    def flag_codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.flags))

    @property
    def top_hit(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict[str, Any]:
        """The JSONL form: ``{"row", "record", "risk", "flags", "hits", "list_snapshot"}``."""
        out: dict[str, Any] = {
            "row": self.row,
            "record": self.record.fields,
            "risk": self.risk,
            "flags": [f.to_dict() for f in self.flags],
            "hits": [h.to_dict() for h in self.hits],
            "list_snapshot": self.list_snapshot,
        }
        if self.record.sheet:
            out["sheet"] = self.record.sheet
        if self.change:
            out["change"] = self.change
        return out
