"""Reader for the UN Security Council Consolidated List XML (``consolidated.xml``).

One entity per ``INDIVIDUAL`` (Person) and ``ENTITY`` (Organization), identified by the UN reference
number (``un_sc:QDi.001``); names in their original script (Arabic, Chinese …) are kept as aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

from supplyscreen.countries import country_code
from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Address, Entity, Identifier, Membership
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.xmlstream import XmlStream

CODE = "un_sc"
URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
LIST_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
AUTHORITY = "UN Security Council"
NOTE_LENGTH = 300

_ALIAS_KINDS = {
    "good": "alias",
    "a.k.a.": "alias",
    "": "alias",
    "low": "weak",
    "f.k.a.": "fka",
    "n.k.a.": "nka",
}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_PASSPORT_WORDS = ("passport", "pasaporte", "passeport")
_NATIONAL_ID_WORDS = ("identi", "national", "tazkira", "civil", "personal")
_INTERPOL_RE = re.compile(r"\s*INTERPOL-UN Security Council Special Notice web link:\s*\S*")
_DATE_RE = re.compile(r"\d{4}-\d\d-\d\d")
_YEAR_RE = re.compile(r"\d{4}$")


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of the consolidated list XML under role ``xml``."""
    yield from _read(Path(files["xml"]), report)


def read(path: str | Path, *, report: ReadReport | None = None) -> Iterator[Entity]:
    """Entities of one UN consolidated list XML file."""
    yield from _read(Path(path), report if report is not None else ReadReport(source=CODE))


SOURCE = SourceSpec(
    code=CODE,
    title="UN Security Council Consolidated List",
    files=(SourceFile("xml", "consolidated.xml", URL),),
    read=read_files,
)


def _read(path: Path, report: ReadReport) -> list[Entity]:
    """Parse the whole file (so a truncated one fails before any entity is handed out)."""
    try:
        with path.open("rb") as fh:
            return _Reader(path, report).run(fh)
    except OSError as err:
        raise SourceFormatError(path, f"cannot read file: {err.strerror or err}") from err


def _text(elem: ET.Element | None) -> str:
    return " ".join((elem.text or "").split()) if elem is not None else ""


def _texts(elem: ET.Element, path: str) -> list[str]:
    return [t for t in (_text(e) for e in elem.iterfind(path)) if t]


def _birth_dates(dob: ET.Element) -> list[str]:
    """ISO dates or years of one ``INDIVIDUAL_DATE_OF_BIRTH`` (EXACT/APPROXIMATELY date or year, BETWEEN)."""
    date = _text(dob.find("DATE"))[:10]
    if _DATE_RE.match(date):
        return [date]
    year = _text(dob.find("YEAR"))
    if _YEAR_RE.match(year):
        return [year]
    start, end = _text(dob.find("FROM_YEAR")), _text(dob.find("TO_YEAR"))
    if _YEAR_RE.match(start) and _YEAR_RE.match(end):
        first, last = int(start), int(end)
        if 0 <= last - first <= 10:
            return [str(y) for y in range(first, last + 1)]
        return [start, end]
    return [y for y in (start, end) if _YEAR_RE.match(y)]


def _document_type(kind: str, detail: str) -> str:
    """``passport``, ``national_id`` or ``other`` for a TYPE_OF_DOCUMENT / TYPE_OF_DOCUMENT2 pair."""
    text = f"{kind} {detail}".lower()
    if any(w in text for w in _PASSPORT_WORDS):
        return "passport"
    detail_l = detail.lower()
    if kind.lower().startswith("national identification") and (
        not detail_l or any(w in detail_l for w in _NATIONAL_ID_WORDS)
    ):
        return "national_id"
    return "other"


def _note(comments: str) -> str | None:
    """The first ~300 characters of COMMENTS1, without INTERPOL boilerplate, cut at a word."""
    text = _INTERPOL_RE.sub("", comments).strip()
    if len(text) > NOTE_LENGTH:
        text = text[:NOTE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;.") + " …"
    return text or None


class _Reader:
    """One pass over the consolidated list: one Entity per INDIVIDUAL and per ENTITY."""

    def __init__(self, path: Path, report: ReadReport) -> None:
        self.report = report
        self.entities: list[Entity] = []
        self.seen: set[str] = set()
        self.by_dataid = 0
        self.xml = XmlStream(
            path,
            "CONSOLIDATED_LIST",
            {
                "INDIVIDUALS/INDIVIDUAL": lambda elem: self._record(elem, "Person"),
                "ENTITIES/ENTITY": lambda elem: self._record(elem, "Organization"),
            },
        )

    def run(self, stream: IO[bytes]) -> list[Entity]:
        root = self.xml.parse(stream)
        if root.find("INDIVIDUALS") is None and root.find("ENTITIES") is None:
            raise self.xml.error(root, "neither <INDIVIDUALS> nor <ENTITIES> found", field="INDIVIDUALS")
        generated = (root.get("dateGenerated") or "")[:10]
        if _DATE_RE.match(generated):
            self.report.snapshot_date = generated
        if self.by_dataid:
            self.report.notes.append(
                f"{self.by_dataid} records without REFERENCE_NUMBER, identified by DATAID"
            )
        self.report.records += len(self.entities)
        return self.entities

    def _record(self, elem: ET.Element, schema: str) -> None:
        ref = _text(elem.find("REFERENCE_NUMBER"))
        if not ref:
            ref = _text(elem.find("DATAID"))
            if not ref:
                raise self.xml.error(
                    elem, f"<{elem.tag}> has neither REFERENCE_NUMBER nor DATAID", field="REFERENCE_NUMBER"
                )
            self.by_dataid += 1
        sid = f"{CODE}:{ref}"
        if sid in self.seen:
            self.report.notes.append(f"{sid} appears twice; both records kept")
        self.seen.add(sid)
        entity = Entity(id=sid, schema=schema, source_ids=[sid])
        name = " ".join(p for p in (_text(elem.find(tag)) for tag in _NAME_PARTS) if p)
        if not name:
            raise self.xml.error(elem, f"{sid} has no name", field="FIRST_NAME")
        entity.add_name(name, "primary")
        entity.add_name(_text(elem.find("NAME_ORIGINAL_SCRIPT")), "alias")
        for alias in elem.iterfind(f"{elem.tag}_ALIAS"):
            quality = _text(alias.find("QUALITY")).lower()
            entity.add_name(_text(alias.find("ALIAS_NAME")), _ALIAS_KINDS.get(quality, "alias"))
        for addr in elem.iterfind(f"{elem.tag}_ADDRESS"):
            self._address(entity, addr)
        if schema == "Person":
            self._person(entity, elem)
        listed_on = _text(elem.find("LISTED_ON"))[:10]
        entity.memberships.append(
            Membership(
                list_code=CODE,
                program=_text(elem.find("UN_LIST_TYPE")) or None,
                authority=AUTHORITY,
                listed_on=listed_on if _DATE_RE.match(listed_on) else None,
                source_url=LIST_URL,
                source_id=sid,
                note=_note(_text(elem.find("COMMENTS1"))),
            )
        )
        self.entities.append(entity)

    @staticmethod
    def _address(entity: Entity, addr: ET.Element) -> None:
        street, city = _text(addr.find("STREET")), _text(addr.find("CITY"))
        region, postal = _text(addr.find("STATE_PROVINCE")), _text(addr.find("ZIP_CODE"))
        country_name = _text(addr.find("COUNTRY"))
        country = country_code(country_name)
        entity.add_country(country)
        full = ", ".join(x for x in (street, city, region, postal, country_name) if x)
        if full:
            entity.add_address(
                Address(full, street or None, city or None, region or None, postal or None, country)
            )

    @staticmethod
    def _person(entity: Entity, elem: ET.Element) -> None:
        for dob in elem.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
            entity.birth_dates.extend(d for d in _birth_dates(dob) if d not in entity.birth_dates)
        for pob in elem.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
            parts = [_text(pob.find(t)) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")]
            place = ", ".join(p for p in parts if p)
            if place and place not in entity.birth_places:
                entity.birth_places.append(place)
        for value in _texts(elem, "NATIONALITY/VALUE"):
            code = country_code(value)
            if code and code not in entity.nationalities:
                entity.nationalities.append(code)
            entity.add_country(code)
            if not code:
                entity.notes.append(f"Nationality: {value}")
        gender = _text(elem.find("GENDER")).lower()
        entity.gender = gender or None
        designations = _texts(elem, "DESIGNATION/VALUE")
        entity.title = "; ".join(designations) or None
        titles = _texts(elem, "TITLE/VALUE")
        if titles:
            entity.notes.append("Title: " + "; ".join(titles))
        for doc in elem.iterfind("INDIVIDUAL_DOCUMENT"):
            kind, detail = _text(doc.find("TYPE_OF_DOCUMENT")), _text(doc.find("TYPE_OF_DOCUMENT2"))
            number = _text(doc.find("NUMBER"))
            country = country_code(_text(doc.find("ISSUING_COUNTRY")) or _text(doc.find("COUNTRY_OF_ISSUE")))
            if number:
                ident = Identifier(_document_type(kind, detail), number, country)
                entity.add_identifier(ident)
            elif kind or detail:
                text = " ".join(x for x in (detail or kind, _text(doc.find("NOTE"))) if x)
                entity.notes.append(f"Document: {text}")
