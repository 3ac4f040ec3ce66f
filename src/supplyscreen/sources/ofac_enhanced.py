"""Reader for OFAC's Sanctions List Service ENHANCED_XML files (``CONS_ENHANCED.ZIP``, ``SDN_ENHANCED.ZIP``).

The non-SDN consolidated file carries the SSI, NS-CMIC (Hikvision, Huawei), NS-PLC, NS-MBS, CAPTA and FSE
lists; the SDN file shares the schema, so the reader picks the source code from the publication itself.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

from supplyscreen.countries import country_code
from supplyscreen.errors import SourceFormatError
from supplyscreen.io.dates import PARTIAL_ISO_DATE
from supplyscreen.model import Address, Entity, Membership, Relation
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.identifiers import identifier_type, is_descriptive, known_type, make_identifier
from supplyscreen.sources.xmlstream import XmlStream

NAMESPACE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML"
CONS_URL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_ENHANCED.ZIP"
SDN_URL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ENHANCED.ZIP"
DETAILS_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
NONSDN_CODE = "us_ofac_nonsdn"
SDN_CODE = "us_ofac_sdn"

#: OFAC list names (as the file spells them, and as OFAC's web pages do) → list codes of lists.yaml.
LIST_CODES: dict[str, str] = {
    "SDN List": "us_ofac_sdn",
    "Sectoral Sanctions Identifications List": "us_ofac_ssi",
    "Non-SDN Palestinian Legislative Council List": "us_ofac_plc",
    "Non-SDN CMIC List": "us_ofac_cmic",
    "Non-SDN Chinese Military-Industrial Complex Companies List": "us_ofac_cmic",
    "Non-SDN Menu-Based Sanctions List": "us_ofac_mbs",
    "CAPTA List": "us_ofac_cap",
    "Correspondent Account or Payable-Through Account Sanctions (CAPTA) List": "us_ofac_cap",
    "FSE List": "us_ofac_fse",
    "Foreign Sanctions Evaders List": "us_ofac_fse",
}
#: Lists that name the publication an entry appears in rather than a list it is on.
_PUBLICATION_LISTS = frozenset({"Consolidated List"})
#: Programs that belong to one list, so an entity on several lists gets each program on the right one
#: (and the legacy CSV set, which names no list, its lists: ``ofac_cons_csv``).
_PROGRAM_LISTS = {
    "UKRAINE-EO13662": "us_ofac_ssi",
    "NS-PLC": "us_ofac_plc",
    "CMIC-EO13959": "us_ofac_cmic",
    "561-Related": "us_ofac_cap",
    "CAPTA": "us_ofac_cap",
    "FSE-IR": "us_ofac_fse",
    "FSE-SY": "us_ofac_fse",
    "NS-MBS": "us_ofac_mbs",
    "MBS": "us_ofac_mbs",
}
#: Tag prefixes of such programs: OFAC's FSE-<country> and NS-CMIC… tags.
_PROGRAM_PREFIXES = (("FSE-", "us_ofac_fse"), ("NS-CMIC", "us_ofac_cmic"), ("CMIC-", "us_ofac_cmic"))
_SCHEMAS = {"Individual": "Person", "Entity": "Organization", "Vessel": "Vessel", "Aircraft": "Airplane"}
_ALIAS_KINDS = {"A.K.A.": "alias", "F.K.A.": "fka", "N.K.A.": "nka"}
_CHINESE_SCRIPTS = frozenset({"Hans", "Hant", "Chinese Simplified", "Chinese Traditional"})
_RELATION_TYPES = {"Owned or Controlled By": "owned_by", "Owns, controls, or operates": "owner_of"}
_NOT_KEYS = frozenset(
    "EXECUTIVE ORDER SECTION SECTORAL DIRECTIVE SANCTIONS RELATED UNDER GENERAL LICENSE INFORMATION".split()
    + ["LIST", "NON", "SDN"]
)
_KEY_RE = re.compile(r"[A-Za-z]{3,}|\d{4,5}")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_NUMBER_COUNTRY = re.compile(r"(\S.*?)\s*\(([^()]+)\)")


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of the ENHANCED_XML file under role ``zip`` (a .ZIP, or the .XML already extracted)."""
    yield from _read(Path(files["zip"]), report, None)


def read(
    path: str | Path, *, source_code: str | None = None, report: ReadReport | None = None
) -> Iterator[Entity]:
    """Entities of one CONS_ENHANCED/SDN_ENHANCED file (.ZIP or .XML).

    ``source_code`` (``us_ofac_nonsdn`` or ``us_ofac_sdn``) prefixes the ids; by default it follows the
    publication's own list filter ("SDN List" → ``us_ofac_sdn``, else ``us_ofac_nonsdn``).
    """
    report = report if report is not None else ReadReport(source=NONSDN_CODE)
    yield from _read(Path(path), report, source_code)


#: The enhanced XML alone; the source ``us_ofac_nonsdn`` reads it or OFAC's legacy CSV set of the same
#: list (``ofac_cons_csv.SOURCE``).
SOURCE = SourceSpec(
    code=NONSDN_CODE,
    title="OFAC Consolidated (non-SDN) Sanctions List, enhanced XML",
    files=(SourceFile("zip", "CONS_ENHANCED.ZIP", CONS_URL),),
    read=read_files,
)


def _read(path: Path, report: ReadReport, source_code: str | None) -> list[Entity]:
    """Parse the whole file (so a truncated one fails before any entity is handed out)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            if not head.startswith(b"PK"):
                if path.suffix.lower() == ".zip":
                    raise SourceFormatError(path, "not a zip archive")
                fh.seek(0)
                return _Reader(path, report, source_code, "").run(fh)
        return _read_zip(path, report, source_code)
    except OSError as err:
        raise SourceFormatError(path, f"cannot read file: {err.strerror or err}") from err


def _read_zip(path: Path, report: ReadReport, source_code: str | None) -> list[Entity]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".xml")]
            if not members:
                raise SourceFormatError(path, "zip archive holds no .XML file", field="CONS_ENHANCED.XML")
            member = next((n for n in members if "ENHANCED" in n.upper()), members[0])
            with archive.open(member) as stream:
                return _Reader(path, report, source_code, f"{member}: ").run(stream)
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise SourceFormatError(path, f"not a valid zip archive: {err}") from err


def _text(elem: ET.Element | None) -> str:
    return " ".join((elem.text or "").split()) if elem is not None else ""


def _flag(elem: ET.Element, tag: str) -> bool:
    return _text(elem.find(tag)).lower() == "true"


def _keys(text: str) -> set[str]:
    """Words and order numbers that tie a program to its legal authority ("UKRAINE-EO13662" ↔ "EO 13662")."""
    return {k.upper() for k in _KEY_RE.findall(text)} - _NOT_KEYS


def _granular(begin: str, end: str) -> str:
    """A date span as the ISO value it stands for: a day, a month (YYYY-MM) or a year (YYYY)."""
    if not end or begin == end:
        return begin
    if begin[:4] == end[:4] and begin[5:] == "01-01" and end[5:] == "12-31":
        return begin[:4]
    if begin[:7] == end[:7] and begin[8:] == "01" and end[8:] >= "28":
        return begin[:7]
    return begin


def _value_dates(elem: ET.Element | None) -> list[str]:
    """ISO dates of a ``valueDate``: one value, or both ends of a date range."""
    if elem is None:
        return []
    get = {child.tag: _text(child)[:10] for child in elem}
    begin = get.get("fromDateBegin", "")
    if not PARTIAL_ISO_DATE.fullmatch(begin):
        return []
    if get.get("isDateRange") == "true":
        ends = [
            _granular(begin, get.get("fromDateEnd", "")),
            _granular(get.get("toDateBegin", ""), get.get("toDateEnd", "")),
        ]
        return [d for d in dict.fromkeys(ends) if d]
    return [_granular(begin, get.get("toDateEnd", ""))]


def program_list(program: str) -> str | None:
    """The list a program tag belongs to alone ("NS-PLC" → ``us_ofac_plc``); None for a program of
    several lists or of the SDN list ("RUSSIA-EO14024", "SDGT")."""
    home = _PROGRAM_LISTS.get(program)
    if home is None:
        home = next((code for prefix, code in _PROGRAM_PREFIXES if program.startswith(prefix)), None)
    return home


def assign_programs(codes: list[str], programs: list[str]) -> dict[str, list[str]]:
    """Programs per list code: a program with a home list goes there; the rest go to the entity's lists that
    got none (else to the SDN list, else to every list)."""
    by_list: dict[str, list[str]] = {code: [] for code in codes}
    orphans = []
    for program in programs:
        home = program_list(program)
        if home in by_list:
            by_list[home].append(program)
        else:
            orphans.append(program)
    if orphans:
        targets = [c for c in codes if not by_list[c]] or ([SDN_CODE] if SDN_CODE in by_list else codes)
        for code in targets:
            by_list[code].extend(orphans)
    return by_list


def _pick(program: str | None, items: list[str], programs: list[str]) -> list[str]:
    """The items (legal authorities, sanctions types) of the entity that belong to ``program``."""
    if program is None or len(programs) < 2:
        return items
    keys = _keys(program)
    matched = [i for i in items if _keys(i) & keys]
    if matched:
        return matched
    claimed = {i for i in items for p in programs if p != program and _keys(i) & _keys(p)}
    return [i for i in items if i not in claimed] or items


class _Reader:
    """One pass over an ENHANCED_XML document: reference values first, then one Entity per ``<entity>``."""

    def __init__(self, path: Path, report: ReadReport, source_code: str | None, label: str) -> None:
        self.report = report
        self.code = source_code
        self.refs: dict[str, str] = {}  # refId → value
        self.iso: dict[str, str] = {}  # COUNTRY refId → ISO alpha-2, lower case
        self.feature_types: dict[str, str] = {}
        self.entities: list[Entity] = []
        self.unknown_lists: set[str] = set()
        self.xml = XmlStream(
            path,
            "sanctionsData",
            {
                "sanctionsData/publicationInfo": self._publication,
                "sanctionsData/referenceValues": self._reference_values,
                "sanctionsData/featureTypes": self._feature_types,
                "entities/entity": self._entity,
            },
            label=label,
        )

    def run(self, stream: IO[bytes]) -> list[Entity]:
        root = self.xml.parse(stream)
        if root.find("entities") is None:
            raise self.xml.error(root, "no <entities> element", field="entities")
        known = {e.id for e in self.entities}
        for entity in self.entities:
            for rel in entity.relations:
                own = f"{self.code}:{rel.target_id}"
                rel.target_id = own if own in known else f"{SDN_CODE}:{rel.target_id}"
        self.report.records += len(self.entities)
        return self.entities

    # -- header ----------------------------------------------------------------------------------
    def _publication(self, elem: ET.Element) -> None:
        as_of = _text(elem.find("dataAsOf"))[:10]
        if PARTIAL_ISO_DATE.fullmatch(as_of):
            self.report.snapshot_date = as_of
        if self.code is None:
            filters = [_text(e) for e in elem.iterfind("filters/sanctionsLists/sanctionsList")]
            self.code = SDN_CODE if filters == ["SDN List"] else NONSDN_CODE

    def _reference_values(self, elem: ET.Element) -> None:
        for ref in elem.iterfind("referenceValue"):
            ref_id = ref.get("refId", "")
            self.refs[ref_id] = _text(ref.find("value"))
            iso = _text(ref.find("isoCode"))
            if _text(ref.find("type")) == "COUNTRY" and len(iso) == 2:
                self.iso[ref_id] = iso.lower()

    def _feature_types(self, elem: ET.Element) -> None:
        for ftype in elem.iterfind("featureType"):
            self.feature_types[ftype.get("featureTypeId", "")] = _text(ftype.find("type"))

    def _ref(self, elem: ET.Element | None) -> str:
        """An element's value, resolved through referenceValues where the element itself is empty."""
        if elem is None:
            return ""
        return _text(elem) or self.refs.get(elem.get("refId", ""), "")

    def _refs(self, elem: ET.Element, path: str) -> list[str]:
        return [v for v in (self._ref(e) for e in elem.iterfind(path)) if v]

    def _country(self, elem: ET.Element | None) -> str | None:
        if elem is None:
            return None
        return self.iso.get(elem.get("refId", "")) or country_code(_text(elem))

    # -- entities --------------------------------------------------------------------------------
    def _entity(self, elem: ET.Element) -> None:
        eid = elem.get("id", "").strip()
        if not eid:
            raise self.xml.error(elem, "<entity> without an id attribute", field="id")
        entity_type = self._ref(elem.find("generalInfo/entityType"))
        if not entity_type:
            raise self.xml.error(elem, f"entity {eid} has no entityType", field="entityType")
        if self.code is None:
            self.code = NONSDN_CODE
        sid = f"{self.code}:{eid}"
        schema = _SCHEMAS.get(entity_type)
        if schema is None:
            schema = "LegalEntity"
            self.report.notes.append(f"entity {eid}: unknown entityType {entity_type!r} read as LegalEntity")
        entity = Entity(id=sid, schema=schema, source_ids=[sid])
        self._names(entity, elem)
        if not entity.names:
            raise self.xml.error(elem, f"entity {eid} has no name", field="names")
        self._addresses(entity, elem)
        self._features(entity, elem)
        self._documents(entity, elem)
        for rel in elem.iterfind("relationships/relationship"):
            target = rel.find("relatedEntity")
            if target is not None and target.get("entityId"):
                rel_type = self._ref(rel.find("type"))
                entity.relations.append(
                    Relation(
                        _RELATION_TYPES.get(rel_type, "linked_to"),
                        target_id=target.get("entityId"),
                        target_name=_text(target) or None,
                        source=self.code,
                        note=rel_type or None,
                    )
                )
        entity.memberships = self._memberships(elem, eid, sid)
        self.entities.append(entity)

    def _names(self, entity: Entity, elem: ET.Element) -> None:
        names = sorted(elem.iterfind("names/name"), key=lambda n: not _flag(n, "isPrimary"))
        for name in names:
            kind = (
                "primary"
                if _flag(name, "isPrimary")
                else _ALIAS_KINDS.get(self._ref(name.find("aliasType")), "alias")
            )
            if kind != "primary" and _flag(name, "isLowQuality"):
                kind = "weak"
            translations = sorted(
                name.iterfind("translations/translation"), key=lambda t: not _flag(t, "isPrimary")
            )
            for i, trans in enumerate(translations):
                script = trans.find("script")
                chinese = script is not None and (self._ref(script) in _CHINESE_SCRIPTS)
                tkind = "alias" if i and kind == "primary" else kind
                entity.add_name(self._full_name(trans, entity.schema), tkind, "zh" if chinese else None)

    @staticmethod
    def _full_name(trans: ET.Element, schema: str) -> str:
        """The name as written: an organisation's single name part (mixed case), else formattedFullName."""
        parts = [_text(p.find("value")) for p in trans.iterfind("nameParts/namePart")]
        if schema != "Person" and len(parts) == 1 and parts[0]:
            return parts[0]
        return _text(trans.find("formattedFullName")) or " ".join(p for p in parts if p)

    def _addresses(self, entity: Entity, elem: ET.Element) -> None:
        for addr in elem.iterfind("addresses/address"):
            country_elem = addr.find("country")
            country, country_name = self._country(country_elem), self._ref(country_elem)
            entity.add_country(country)
            for trans in addr.findall("translations/translation") or [ET.Element("translation")]:
                parts: dict[str, list[str]] = {}
                for part in trans.iterfind("addressParts/addressPart"):
                    parts.setdefault(self._ref(part.find("type")), []).append(_text(part.find("value")))
                street = ", ".join(
                    parts.get("ADDRESS1", []) + parts.get("ADDRESS2", []) + parts.get("ADDRESS3", [])
                )
                city = ", ".join(parts.get("CITY", []))
                region = ", ".join(parts.get("STATE/PROVINCE", []) + parts.get("REGION", []))
                postal = ", ".join(parts.get("POSTAL CODE", []))
                full = ", ".join(x for x in (street, city, region, postal, country_name) if x)
                if full:
                    entity.add_address(
                        Address(full, street or None, city or None, region or None, postal or None, country)
                    )

    def _features(self, entity: Entity, elem: ET.Element) -> None:
        for feat in elem.iterfind("features/feature"):
            type_elem = feat.find("type")
            ftype = _text(type_elem) or self.feature_types.get(
                type_elem.get("featureTypeId", "") if type_elem is not None else "", ""
            )
            value = _text(feat.find("value"))
            dates = _value_dates(feat.find("valueDate"))
            if ftype == "Birthdate":
                entity.birth_dates.extend(d for d in dates or [value] if d and d not in entity.birth_dates)
            elif ftype == "Place of Birth" and value:
                entity.birth_places.append(value)
            elif ftype in ("Nationality Country", "Citizenship Country", "Nationality of Registration"):
                iso = self.iso.get(_text(feat.find("valueRefId"))) or country_code(value)
                entity.add_country(iso)
                if ftype != "Nationality of Registration" and iso and iso not in entity.nationalities:
                    entity.nationalities.append(iso)
                elif not iso and value:
                    _add_note(entity, f"{ftype}: {value}")
            elif ftype == "Gender" and value:
                entity.gender = value.lower()
            elif value and (kind := known_type(ftype)) and (ident := make_identifier(kind, value)):
                entity.add_identifier(ident)
            elif value or dates:
                _add_note(entity, f"{ftype.rstrip(' :-')}: {' to '.join(dates) or value}")

    def _documents(self, entity: Entity, elem: ET.Element) -> None:
        for doc in elem.iterfind("identityDocuments/identityDocument"):
            number = _text(doc.find("documentNumber"))
            if not number:
                continue
            doc_type = self._ref(doc.find("type"))
            if is_descriptive(doc_type):
                _add_note(entity, f"{doc_type.rstrip(' :-')}: {number}")
                continue
            country = self._country(doc.find("issuingCountry"))
            stated = _NUMBER_COUNTRY.fullmatch(number)
            if country is None and stated and country_code(stated.group(2)):
                # "1026303117642 (Russia)": the country written into the number, as the CSV set writes it
                number, country = stated.group(1), country_code(stated.group(2))
            ident = make_identifier(identifier_type(doc_type), number, country)
            if ident is not None:
                entity.add_identifier(ident)

    def _memberships(self, elem: ET.Element, eid: str, sid: str) -> list[Membership]:
        lists: dict[str, str | None] = {}
        for item in elem.iterfind("sanctionsLists/sanctionsList"):
            name = self._ref(item)
            if name in _PUBLICATION_LISTS or not name:
                continue
            date = (item.get("datePublished") or "")[:10]
            lists.setdefault(self._list_code(name), date if PARTIAL_ISO_DATE.fullmatch(date) else None)
        programs = self._refs(elem, "sanctionsPrograms/sanctionsProgram")
        authorities = self._refs(elem, "legalAuthorities/legalAuthority")
        types = self._refs(elem, "sanctionsTypes/sanctionsType")
        out = []
        for code, programs_here in assign_programs(list(lists), programs).items():
            choices: list[str | None] = [*programs_here] or [None]
            for program in choices:
                note = "; ".join(_pick(program, types, programs))
                out.append(
                    Membership(
                        list_code=code,
                        program=program,
                        authority="; ".join(_pick(program, authorities, programs)) or program,
                        listed_on=lists[code],
                        source_url=DETAILS_URL.format(eid),
                        source_id=sid,
                        note=note or None,
                    )
                )
        if not out:
            self.report.notes.append(f"entity {eid} is on no list besides the consolidated publication")
        return out

    def _list_code(self, name: str) -> str:
        code = LIST_CODES.get(name)
        if code is None:
            code = "us_ofac_" + _SLUG_RE.sub("_", name.lower()).strip("_")
            if name not in self.unknown_lists:
                self.unknown_lists.add(name)
                self.report.notes.append(f"unknown OFAC list {name!r} read as list code {code!r}")
        return code


def _add_note(entity: Entity, note: str) -> None:
    if note not in entity.notes:
        entity.notes.append(note)
