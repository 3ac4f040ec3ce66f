"""Reader for the trade.gov Consolidated Screening List (CSL), as CSV or JSON.

The CSL merges thirteen US export-control and sanctions lists (BIS Entity List, Denied Persons, OFAC SDN
and the non-SDN lists, State ITAR debarred and nonproliferation). Each record becomes one membership on
the list its ``source`` names; records sharing an ``_id`` (an OFAC entry on both SDN and CAPTA, say) are
merged into one entity. Both file forms go through the same record builder, so the same record gives the
same entity whichever form it came in.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.countries import country_code
from supplyscreen.errors import SourceFormatError
from supplyscreen.io.dates import PARTIAL_ISO_DATE
from supplyscreen.model import Address, Entity, Identifier, Membership, Relation
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.identifiers import COUNTRY_LABELS, identifier_type, is_descriptive, make_identifier

CODE = "us_trade_csl"
CSV_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
JSON_URL = "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"

#: The ``source`` texts of the CSL (2022 wording) and the list code each stands for.
LIST_CODE_BY_SOURCE: dict[str, str] = {
    "Entity List (EL) - Bureau of Industry and Security": "us_bis_entity_list",
    "Military End User (MEU) List - Bureau of Industry and Security": "us_bis_meu",
    "Unverified List (UVL) - Bureau of Industry and Security": "us_bis_unverified",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "us_bis_denied_persons",
    "Nonproliferation Sanctions (ISN) - State Department": "us_state_isn",
    "ITAR Debarred (DTC) - State Department": "us_state_dtc",
    "Specially Designated Nationals (SDN) - Treasury Department": "us_ofac_sdn",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "us_ofac_ssi",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": "us_ofac_cmic",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "us_ofac_plc",
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "us_ofac_mbs",
    "Capta List (CAP) - Treasury Department": "us_ofac_cap",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "us_ofac_fse",
}
_LIST_CODE_BY_ABBREV = {
    "EL": "us_bis_entity_list", "MEU": "us_bis_meu", "UVL": "us_bis_unverified", "DTC": "us_state_dtc",
    "DPL": "us_bis_denied_persons", "ISN": "us_state_isn", "SDN": "us_ofac_sdn", "SSI": "us_ofac_ssi",
    "CMIC": "us_ofac_cmic", "NS-CMIC": "us_ofac_cmic", "PLC": "us_ofac_plc", "NS-PLC": "us_ofac_plc",
    "NS-MBS": "us_ofac_mbs", "MBS": "us_ofac_mbs", "CAP": "us_ofac_cap", "CAPTA": "us_ofac_cap",
    "FSE": "us_ofac_fse",
}  # fmt: skip
_SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Airplane"}
#: Columns a CSL file must have; the others are read when present.
REQUIRED_COLUMNS = (
    "_id", "source", "entity_number", "type", "programs", "name", "addresses", "federal_register_notice",
    "start_date", "end_date", "alt_names", "ids",
)  # fmt: skip
_LIST_FIELDS = ("programs", "alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth")
_SCALAR_FIELDS = (
    "_id", "source", "entity_number", "type", "name", "title", "federal_register_notice", "start_date",
    "end_date", "standard_order", "license_requirement", "license_policy", "call_sign", "vessel_type",
    "gross_tonnage", "gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
    "source_information_url",
)  # fmt: skip
_ADDRESS_PARTS = ("address", "city", "state", "postal_code", "country")
#: Fields kept as notes on the entity (vessel data) and on each membership (export-control terms).
_VESSEL_NOTES = {
    "vessel_type": "Vessel type", "gross_tonnage": "Gross tonnage",
    "gross_registered_tonnage": "Gross registered tonnage",
}  # fmt: skip
_MEMBERSHIP_NOTES = {
    "license_requirement": "License requirement", "license_policy": "License policy",
    "standard_order": "Standard order",
}  # fmt: skip

_PARENS = re.compile(r"\(([^()]+)\)")
_YEAR_RANGE = re.compile(r"(\d{4}) to (\d{4})")
_CC = re.compile(r"[A-Z]{2}")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LINKED_TO = re.compile(r"\(Linked To: ((?:[^()]|\([^()]*\))+)\)")
_SURROGATE = re.compile("[\udc80-\udcff]")
_US_ZIP = re.compile(r", ([A-Z]{2}),? \d{4,5}(?:-\d{4})?$")
_US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI".split()
)


@dataclass(slots=True)
class _Record:
    """One CSL record in a form both file formats reduce to; ``where`` prefixes field names in errors."""

    line: int | None
    where: str
    values: dict[str, str]
    lists: dict[str, list[str]]
    addresses: list[tuple[str, str | None]] = field(default_factory=list)  # (full, country as written)
    ids: list[tuple[str, str, str | None]] = field(default_factory=list)  # (type, number, country)


def list_code_for_source(text: str) -> str | None:
    """The list code of a CSL ``source`` text, matched on its parenthesised abbreviation; None if unknown."""
    text = " ".join(text.split())
    if text in LIST_CODE_BY_SOURCE:
        return LIST_CODE_BY_SOURCE[text]
    for abbrev in _PARENS.findall(text):
        key = abbrev.strip().upper().removesuffix(" LIST").strip()
        if key in _LIST_CODE_BY_ABBREV:
            return _LIST_CODE_BY_ABBREV[key]
    return None


# -- File handling ---------------------------------------------------------------------------------


def _load_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's bytes, gunzipped when it starts with the gzip magic; True when the gzip data ends early."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(path, f"cannot read file: {exc}") from exc
    if not data.startswith(b"\x1f\x8b"):
        return data, False
    out: list[bytes] = []
    while data.startswith(b"\x1f\x8b"):
        dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out.append(dec.decompress(data))
        except zlib.error as exc:
            done = b"".join(out)
            raise SourceFormatError(path, f"corrupt gzip data: {exc}", line=done.count(b"\n") + 1) from exc
        if not dec.eof:
            return b"".join(out), True
        data = dec.unused_data
    return b"".join(out), False


def _split(text: str | None) -> list[str]:
    """Values of a ``; ``-separated field, stripped, empties dropped."""
    if not text:
        return []
    return [part for part in (_clean(p) for p in text.split("; ")) if part]


def _clean(text: str | None) -> str:
    """The text with runs of whitespace collapsed to one space."""
    return " ".join(text.split()) if text else ""


# -- CSV -------------------------------------------------------------------------------------------


def _csv_rows(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row, checking header, field count and encoding as it goes."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise SourceFormatError(path, f"malformed CSV header: {exc}", line=1) from exc
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise SourceFormatError(path, "required column missing from header", line=1, field=column)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceFormatError(path, f"malformed CSV: {exc}", line=start) from exc
        if not row:
            continue
        if len(row) != len(header):
            missing = header[len(row)] if len(row) < len(header) else None
            raise SourceFormatError(
                path,
                f"expected {len(header)} fields, found {len(row)} (truncated row?)",
                line=start,
                field=missing,
            )
        for name, cell in zip(header, row, strict=True):
            if _SURROGATE.search(cell):
                raise SourceFormatError(path, "text is not valid UTF-8", line=start, field=name)
        yield start, dict(zip(header, row, strict=True))


def _truncation_error(path: Path, text: str) -> SourceFormatError:
    """The error for gzip data that ends early, naming the row and field it stops in."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    line, last = 1, header
    start = reader.line_num + 1
    for row in reader:
        line, last, start = start, row, reader.line_num + 1
    name = header[len(last) - 1] if header and 0 < len(last) <= len(header) else None
    return SourceFormatError(path, "gzip data ends early: the file is truncated", line=line, field=name)


def _record_from_csv(line: int, row: dict[str, str]) -> _Record:
    """The record of one CSV row: multi-valued fields split on ``; ``."""
    values = {key: _clean(row.get(key)) for key in _SCALAR_FIELDS}
    lists = {key: _split(row.get(key)) for key in _LIST_FIELDS}
    addresses: list[tuple[str, str | None]] = []
    for full in _split(row.get("addresses")):
        addresses.append((full, full.rsplit(",", 1)[-1].strip()))
    ids = [parsed for parsed in (_parse_csv_id(item) for item in _split(row.get("ids"))) if parsed]
    return _Record(line, "", values, lists, addresses, ids)


def _parse_csv_id(item: str) -> tuple[str, str, str | None] | None:
    """(type, number, country) of an ``ids`` entry: ``[country, ][expires, ][issued, ]number, type``."""
    rest, sep, id_type = item.rpartition(", ")
    if not sep:
        return None
    parts = rest.split(", ")
    country = None
    if len(parts) > 1 and _CC.fullmatch(parts[0]):
        country = parts.pop(0)
    while len(parts) > 1 and _FULL_DATE.fullmatch(parts[0]):
        parts.pop(0)
    return id_type.strip(), ", ".join(parts).strip(), country


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of a CSL CSV file (plain or gzip), one per distinct ``_id``."""
    path = Path(files["csv"])
    data, truncated = _load_bytes(path)
    yield from _csv_entities(path, data, truncated, report)


def _csv_entities(path: Path, data: bytes, truncated: bool, report: ReadReport) -> Iterator[Entity]:
    """Entities of CSL CSV data already read (and gunzipped) by :func:`_load_bytes`."""
    text = data.decode("utf-8-sig", errors="surrogateescape")  # bad bytes are reported per row and field
    if truncated:
        raise _truncation_error(path, text)
    records = (_record_from_csv(line, row) for line, row in _csv_rows(path, text))
    yield from _entities(path, records, report)


# -- JSON ------------------------------------------------------------------------------------------


def _json_list(value: Any) -> list[str]:
    """A multi-valued JSON field as strings: an array, a ``; ``-string or null."""
    if value is None:
        return []
    if isinstance(value, list):
        return [part for part in (_clean(str(v)) for v in value if v is not None) if part]
    return _split(str(value))


def _json_scalar(value: Any) -> str:
    """A single-valued JSON field as a string ("" for null)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_json_list(value))
    return _clean(str(value))


def _record_from_json(index: int, obj: Any, path: Path) -> _Record:
    """The record of one JSON result: addresses and ids come as objects, other lists as arrays."""
    where = f"results[{index}]."
    if not isinstance(obj, dict):
        raise SourceFormatError(path, "record is not a JSON object", field=where.rstrip("."))
    values = {key: _json_scalar(obj.get(key)) for key in _SCALAR_FIELDS}
    lists = {key: _json_list(obj.get(key)) for key in _LIST_FIELDS}
    addresses: list[tuple[str, str | None]] = []
    raw_addresses = obj.get("addresses")
    for addr in raw_addresses if isinstance(raw_addresses, list) else _json_list(raw_addresses):
        if isinstance(addr, dict):
            parts = [_json_scalar(addr.get(key)) for key in _ADDRESS_PARTS]
            full = ", ".join(p for p in parts if p)
            if full:
                addresses.append((full, parts[-1] or None))
        elif addr:
            full = _clean(str(addr))
            addresses.append((full, full.rsplit(",", 1)[-1].strip()))
    ids: list[tuple[str, str, str | None]] = []
    raw_ids = obj.get("ids")
    for ident in raw_ids if isinstance(raw_ids, list) else _json_list(raw_ids):
        if isinstance(ident, dict):
            id_type, number = _json_scalar(ident.get("type")), _json_scalar(ident.get("number"))
            if id_type and number:
                ids.append((id_type, number, _json_scalar(ident.get("country")) or None))
        elif ident and (parsed := _parse_csv_id(str(ident))):
            ids.append(parsed)
    return _Record(None, where, values, lists, addresses, ids)


def _json_snapshot(doc: dict[str, Any]) -> str | None:
    """The newest ``source_last_updated`` date in ``sources_used``, as ISO, if any."""
    dates = []
    for used in doc.get("sources_used") or []:
        updated = str(used.get("source_last_updated") or "") if isinstance(used, dict) else ""
        if (m := PARTIAL_ISO_DATE.match(updated)) and m.group(3):
            dates.append(m.group(0))
    return max(dates) if dates else None


def read_json_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of a CSL JSON file (``{"results": [...], "sources_used": [...]}``), plain or gzip."""
    path = Path(files["json"])
    data, truncated = _load_bytes(path)
    yield from _json_entities(path, data, truncated, report)


def _json_entities(path: Path, data: bytes, truncated: bool, report: ReadReport) -> Iterator[Entity]:
    """Entities of CSL JSON data already read (and gunzipped) by :func:`_load_bytes`."""
    if truncated:
        raise SourceFormatError(
            path, "gzip data ends early: the file is truncated", line=data.count(b"\n") + 1
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceFormatError(path, f"text is not valid UTF-8: {exc.reason}", line=line) from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON (truncated?): {exc.msg} at column {exc.colno}"
        raise SourceFormatError(path, msg, line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise SourceFormatError(path, "expected an object with a 'results' array", field="results")
    results: list[Any] = doc["results"]
    total = doc.get("total")
    if isinstance(total, int) and total != len(results):
        report.notes.append(f"{path.name}: 'total' says {total} records, 'results' holds {len(results)}")
    report.snapshot_date = _json_snapshot(doc)
    records = (_record_from_json(i, obj, path) for i, obj in enumerate(results))
    yield from _entities(path, records, report)


# -- Records to entities ---------------------------------------------------------------------------


def _entities(path: Path, records: Iterable[_Record], report: ReadReport) -> Iterator[Entity]:
    """One entity per distinct ``_id``, in order of first appearance; repeated ids are merged."""
    by_id: dict[str, Entity] = {}
    for record in records:
        report.records += 1
        if not record.values["_id"]:
            report.skipped["no_id"] += 1
            continue
        if not record.values["name"]:
            report.skipped["no_name"] += 1
            continue
        entity = _entity(path, record)
        if entity.id in by_id:
            by_id[entity.id].merge(entity)
            report.skipped["duplicate_id_merged"] += 1
        else:
            by_id[entity.id] = entity
    yield from by_id.values()


_LEADING_AND = re.compile(r"^and\s+", re.IGNORECASE)


def _entity(path: Path, record: _Record) -> Entity:
    """The entity of one record: names, places, identifiers and its list memberships."""
    v, lists = record.values, record.lists
    source_id = f"{CODE}:{v['_id']}"
    entity = Entity(
        id=source_id, schema=_SCHEMAS.get(v["type"].lower(), "LegalEntity"), source_ids=[source_id]
    )
    entity.add_name(v["name"], "primary")
    for alias in lists["alt_names"]:
        # The CSL splits "a.k.a. X; Y; and Z" on "; ", leaving "and Z" as the last alias.
        entity.add_name(_LEADING_AND.sub("", alias), "alias")
    entity.title = v["title"] or None
    for full, raw_country in record.addresses:
        code = country_code(raw_country) or _us_address(full)
        entity.add_address(Address(full=full, country=code))
        entity.add_country(code)
    for value in lists["citizenships"] + lists["nationalities"]:
        code = country_code(value)
        if code:
            entity.add_country(code)
            if code not in entity.nationalities:
                entity.nationalities.append(code)
    for value in lists["dates_of_birth"]:
        for iso in _birth_dates(value):
            if iso not in entity.birth_dates:
                entity.birth_dates.append(iso)
    entity.birth_places.extend(p for p in dict.fromkeys(lists["places_of_birth"]))
    if v["entity_number"]:
        entity.identifiers.append(Identifier("ofac_ent_num", v["entity_number"]))
    for id_type, number, country in record.ids:
        _add_id(entity, id_type, number, country)
    _add_vessel(entity, v)
    _add_remarks(entity, v["remarks"])
    entity.memberships.extend(_memberships(path, record, source_id))
    return entity


def _us_address(full: str) -> str | None:
    """``us`` for an address without a country that ends in a US state and ZIP code (Denied Persons)."""
    m = _US_ZIP.search(full)
    return "us" if m and m.group(1) in _US_STATES else None


def _birth_dates(value: str) -> list[str]:
    """ISO dates of a ``dates_of_birth`` entry: ``1973-03-25``, ``1966``, ``circa 1966``, ``1958 to 1960``."""
    value = value.strip().removeprefix("circa").strip()
    if m := _YEAR_RANGE.fullmatch(value):
        first, last = int(m.group(1)), int(m.group(2))
        years = range(first, last + 1) if 0 <= last - first <= 10 else (first, last)
        return [str(y) for y in years]
    iso = _iso_date(value)
    return [iso] if iso else []


def _iso_date(value: str) -> str | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY``) from a CSL date; the CSL already writes ISO dates."""
    m = PARTIAL_ISO_DATE.match(value.strip())
    return m.group(0) if m else None


def _add_id(entity: Entity, id_type: str, number: str, country: str | None) -> None:
    """File one ``ids`` entry as gender, identifier or note, as its type says."""
    key = id_type.lower()
    if key == "gender":
        entity.gender = entity.gender or number.lower()
        return
    if is_descriptive(id_type):
        note = f"{id_type.rstrip(' :-')}: {number}"
        if note not in entity.notes:
            entity.notes.append(note)
        if key in COUNTRY_LABELS:
            entity.add_country(country_code(number))
        return
    ident = make_identifier(identifier_type(id_type), number, country_code(country) if country else None)
    if ident is not None:
        entity.add_identifier(ident)


def _add_vessel(entity: Entity, v: dict[str, str]) -> None:
    """Call sign, flag, owner and tonnage of a vessel record."""
    if v["call_sign"]:
        entity.identifiers.append(Identifier("call_sign", v["call_sign"]))
    if v["vessel_flag"]:
        entity.add_country(country_code(v["vessel_flag"]))
        entity.notes.append(f"Flag: {v['vessel_flag']}")
    entity.notes.extend(f"{label}: {v[key]}" for key, label in _VESSEL_NOTES.items() if v[key])
    if v["vessel_owner"]:
        entity.relations.append(Relation("owned_by", target_name=v["vessel_owner"], source=CODE))


def _add_remarks(entity: Entity, remarks: str) -> None:
    """Remarks as a note; each ``(Linked To: NAME)`` in them as a relation by name."""
    if not remarks:
        return
    entity.notes.append(remarks)
    for name in _LINKED_TO.findall(remarks):
        rel = Relation("linked_to", target_name=_clean(name), source=CODE)
        if rel not in entity.relations:
            entity.relations.append(rel)


def _memberships(path: Path, record: _Record, source_id: str) -> list[Membership]:
    """One membership per program of the record (one without a program when it names none)."""
    v = record.values
    list_code = list_code_for_source(v["source"])
    if list_code is None:
        raise SourceFormatError(
            path, f"unknown list {v['source']!r}", line=record.line, field=f"{record.where}source"
        )
    notes = [f"{label}: {v[key]}" for key, label in _MEMBERSHIP_NOTES.items() if v[key]]
    common: dict[str, Any] = {
        "list_code": list_code,
        "authority": v["source"],
        "listed_on": _iso_date(v["start_date"]) if v["start_date"] else None,
        "ends_on": _iso_date(v["end_date"]) if v["end_date"] else None,
        "federal_register": v["federal_register_notice"] or None,
        "source_url": v["source_information_url"] or v["source_list_url"] or None,
        "source_id": source_id,
        "note": "; ".join(notes) or None,
    }
    programs: list[str | None] = list(dict.fromkeys(record.lists["programs"])) or [None]
    return [Membership(program=program, **common) for program in programs]


# -- Public entry points ---------------------------------------------------------------------------

SOURCE = SourceSpec(
    code=CODE,
    title="trade.gov Consolidated Screening List (CSV)",
    files=(SourceFile("csv", "consolidated.csv", CSV_URL),),
    read=read_files,
)
SOURCE_JSON = SourceSpec(
    code=CODE,
    title="trade.gov Consolidated Screening List (JSON)",
    files=(SourceFile("json", "consolidated.json", JSON_URL),),
    read=read_json_files,
)


def read(path: str | Path, report: ReadReport | None = None) -> Iterator[Entity]:
    """Entities of a CSL file, CSV or JSON (either may be gzipped), told apart by the first character."""
    path = Path(path)
    report = report if report is not None else ReadReport(CODE)
    data, truncated = _load_bytes(path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return _json_entities(path, data, truncated, report)
    return _csv_entities(path, data, truncated, report)
