"""Reader for OFAC's legacy SDN CSV set (sdn.csv, alt.csv, add.csv, sdn_comments.csv).

One entity per main-file row, with aliases and addresses joined from the side files and birth data,
nationalities, identifiers, aliases and "Linked To" relations parsed from the free-text remarks.
OFAC publishes its non-SDN consolidated list in the same format (CONS_PRIM.CSV …): :class:`CsvSet`
says which set is read, and :mod:`supplyscreen.sources.ofac_cons_csv` reads that one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from supplyscreen.countries import country_code
from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Address, Entity, Identifier, Membership, Relation
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.ofac_remarks import parse_remarks

CODE = "us_ofac_sdn"
LIST_CODE = "us_ofac_sdn"
_BASE = "https://www.treasury.gov/ofac/downloads/"
_DETAIL_URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id="
_EMPTY = "-0-"
#: sdn.csv cuts the remarks field at this many characters; sdn_comments.csv holds the rest.
_REMARKS_MAX = 1000
#: A continuation whose start repeats at least this much of the main remarks' end overlaps it.
_MIN_OVERLAP = 16

_COLUMNS = {"main": 12, "alt": 5, "add": 6, "comments": 2}
_SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
_NAME_KINDS = {"aka": "alias", "fka": "fka", "nka": "nka"}
#: What the country column of add.csv holds for an address in a region of no one country.
_REGION = "Region:"
#: The byte OFAC ends each file of the set with: its absence means the file was cut short.
_END_MARKER = b"\x1a"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PROGRAM_SPLIT = re.compile(r"\]\s*\[")
_PROGRAM_EO = re.compile(r"-EO(\d{4,5})$")

#: Legal basis of the common OFAC program tags; tags ending in ``-EO<n>`` name their order.
PROGRAM_AUTHORITIES = {
    "GLOMAG": "EO 13818 (Global Magnitsky)",
    "UHRPA": "Uyghur Human Rights Policy Act of 2020",
    "SDGT": "EO 13224",
    "SDNTK": "Foreign Narcotics Kingpin Designation Act",
    "SDNT": "EO 12978",
    "NPWMD": "EO 13382",
    "IFSR": "Iranian Financial Sanctions Regulations, 31 CFR 561",
    "IRAN": "Iranian Transactions and Sanctions Regulations, 31 CFR 560",
    "IRAN-HR": "EO 13553",
    "IRAN-TRA": "EO 13628",
    "HRIT-IR": "EO 13606",
    "HRIT-SY": "EO 13606",
    "CYBER2": "EO 13694, as amended by EO 13757",
    "TCO": "EO 13581",
    "MAGNIT": "Sergei Magnitsky Rule of Law Accountability Act of 2012",
    "FTO": "Immigration and Nationality Act, section 219 (Foreign Terrorist Organizations)",
    "CUBA": "Cuban Assets Control Regulations, 31 CFR 515",
    "IFCA": "Iran Freedom and Counter-Proliferation Act of 2012",
    "CAATSA - RUSSIA": "Countering America's Adversaries Through Sanctions Act (Russia)",
    "CAATSA - IRAN": "Countering America's Adversaries Through Sanctions Act (Iran)",
    "DPRK": "North Korea Sanctions Regulations, 31 CFR 510",
    "DPRK2": "EO 13687",
    "DPRK3": "EO 13722",
    "DPRK4": "EO 13810",
    "DPRK-NKSPEA": "North Korea Sanctions and Policy Enhancement Act of 2016",
    "SYRIA": "Syrian Sanctions Regulations, 31 CFR 542",
    "VENEZUELA": "EO 13692",
    "BELARUS": "EO 13405",
}


@dataclass(frozen=True, slots=True)
class CsvSet:
    """One of OFAC's CSV sets in SDN.CSV's format: which source it is, its main file, its lists.

    Its side files have the roles ``alt``, ``add`` and ``comments`` in every set.
    """

    code: str  # source code, the prefix of the ids: "us_ofac_sdn" → "us_ofac_sdn:29299"
    label: str  # what messages call the set: "SDN" → "no SDN rows"
    main_role: str  # role of the main file in the files mapping
    main_file: str  # official name of the main file
    #: the (list code, program) pairs of an entry's memberships, from its program tags (maybe none)
    memberships: Callable[[list[str]], list[tuple[str, str | None]]]


def _sdn_memberships(programs: list[str]) -> list[tuple[str, str | None]]:
    return [(LIST_CODE, program) for program in programs or [None]]


SDN_SET = CsvSet(CODE, "SDN", "sdn", "sdn.csv", _sdn_memberships)


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of the SDN set; ``files`` maps ``sdn`` (required), ``alt``, ``add``, ``comments`` to paths."""
    yield from read_set(SDN_SET, files, report)


def read_set(csv_set: CsvSet, files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Entities of one CSV set; ``files`` maps its main role (required), ``alt``, ``add`` and
    ``comments`` to paths."""
    if csv_set.main_role not in files:
        raise SourceFormatError(
            csv_set.main_file,
            f"the main {csv_set.label} file (role {csv_set.main_role!r}) was not given",
        )
    main_path = Path(files[csv_set.main_role])
    main_rows = list(_rows(main_path, "main", csv_set.label))
    if not main_rows:
        raise SourceFormatError(main_path, f"no {csv_set.label} rows: file empty or truncated", line=1)
    comments = (
        _read_comments(Path(files["comments"]), main_rows, report, csv_set.label)
        if "comments" in files
        else {}
    )
    entities: dict[str, Entity] = {}
    links: list[tuple[Entity, str, str]] = []
    for row in main_rows:
        report.records += 1
        if row[0] in entities:
            report.skipped["duplicate"] += 1
            continue
        entity = _entity(csv_set, row, comments.get(row[0]), links)
        entities[row[0]] = entity
    if "alt" in files:
        _join_aliases(Path(files["alt"]), entities, report, csv_set.label)
    if "add" in files:
        _join_addresses(Path(files["add"]), entities, report, csv_set.label)
    _resolve_links(csv_set, entities, links, report)
    yield from entities.values()


def read(
    path: str | Path,
    *,
    alt: str | Path | None = None,
    add: str | Path | None = None,
    comments: str | Path | None = None,
    report: ReadReport | None = None,
) -> Iterator[Entity]:
    """Entities of an SDN main file, joined with the side files that are given."""
    files = {"sdn": Path(path)}
    for role, value in (("alt", alt), ("add", add), ("comments", comments)):
        if value is not None:
            files[role] = Path(value)
    return read_files(files, report if report is not None else ReadReport(CODE))


SOURCE = SourceSpec(
    code=CODE,
    title="OFAC Specially Designated Nationals (legacy CSV)",
    files=(
        SourceFile("sdn", "sdn.csv", _BASE + "sdn.csv"),
        SourceFile("alt", "alt.csv", _BASE + "alt.csv", required=False),
        SourceFile("add", "add.csv", _BASE + "add.csv", required=False),
        SourceFile("comments", "sdn_comments.csv", _BASE + "sdn_comments.csv", required=False),
    ),
    read=read_files,
)


# -- file level --------------------------------------------------------------------------------


def _decode(path: Path, label: str) -> tuple[str, bool]:
    """The file's text and whether it ended with OFAC's end-of-file marker: UTF-8 when it is valid
    UTF-8, else cp1252 (latin-1 for bytes cp1252 lacks).

    OFAC ends every file of the set with a 0x1A (end-of-file) byte, which is dropped here; whether
    it was there is returned, for :func:`_rows` to refuse a file cut at a line end once its rows
    have been checked. A file whose last line has no line end, or that holds control characters (a
    binary or UTF-16 file), is rejected as truncated or corrupt.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(path, f"cannot read file: {exc.strerror or exc}") from exc
    marked = data.rstrip(b"\r\n").endswith(_END_MARKER)
    if marked:
        data = data.rstrip(b"\r\n")[:-1]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined: read the file as latin-1
            text = data.decode("latin-1")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise SourceFormatError(
            path,
            f"control character {bad.group()!r}: not a file of OFAC's {label} CSV set "
            "(binary or wrong encoding?)",
            line=line,
        )
    if text and not text.endswith("\n"):
        line = text.count("\n") + 1
        raise SourceFormatError(path, "last line has no line end: file truncated", line=line)
    return text, marked


def _rows(path: Path, kind: str, label: str) -> Iterator[list[str]]:
    """Cleaned fields of each non-empty row of a file of ``kind`` (``main``, ``alt``, ``add`` or
    ``comments``) of the ``label`` set, checking column count and numeric ent_num, and at the end
    that the file carried OFAC's end-of-file marker (a file without it was cut short)."""
    text, marked = _decode(path, label)
    columns = _COLUMNS[kind]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            if not marked:
                raise SourceFormatError(
                    path,
                    f"no end-of-file marker (the 0x1A byte OFAC ends every file of the {label} "
                    "set with) after the last line: file truncated or not the file OFAC publishes",
                    line=text.count("\n") + 1,
                ) from None
            return
        except csv.Error as exc:
            raise SourceFormatError(
                path, f"malformed CSV ({exc}): file truncated or corrupt", line=reader.line_num
            ) from exc
        if not row or row == [""]:
            continue
        if len(row) != columns:
            raise SourceFormatError(
                path, f"expected {columns} columns, found {len(row)}", line=reader.line_num
            )
        ent_num = row[0].strip()
        if not ent_num.isdigit():
            raise SourceFormatError(
                path, f"ent_num {ent_num!r} is not a number", line=reader.line_num, field="ent_num"
            )
        fields = [ent_num]
        for value in row[1:]:
            value = value.strip()
            fields.append("" if value == _EMPTY else value)
        if kind == "main" and not fields[1]:
            raise SourceFormatError(path, "entry without a name", line=reader.line_num, field="name")
        if kind in ("main", "comments"):
            # keep the remarks unstripped: a continuation may start or end on a space
            raw = row[-1]
            fields[-1] = "" if raw.strip() == _EMPTY else raw
        yield fields


def _read_comments(path: Path, main_rows: list[list[str]], report: ReadReport, label: str) -> dict[str, str]:
    """Remark continuations by ent_num, already joined to the main file's remarks."""
    remarks = {row[0]: row[11] for row in main_rows}
    joined: dict[str, str] = {}
    for ent_num, more in _rows(path, "comments", label):
        if ent_num not in remarks:
            report.skipped["comments_orphan"] += 1
            continue
        base = joined.get(ent_num, remarks[ent_num])
        merged = _continue_remarks(base, more)
        if merged is None:
            report.skipped["comments_mismatch"] += 1
            continue
        joined[ent_num] = merged
    return joined


def _continue_remarks(main: str, more: str) -> str | None:
    """The main remarks continued by ``more``, or None when ``more`` cannot belong to them.

    sdn_comments.csv (CONS_COMMENTS.CSV) continues a remarks field cut at 1,000 characters
    mid-word. When the two files come from different dates the cut may fall elsewhere: a continuation
    that repeats the main remarks' end is joined at the overlap, one that follows complete remarks
    is refused.
    """
    for size in range(min(len(main), len(more)), _MIN_OVERLAP - 1, -1):
        if main.endswith(more[:size]):
            return main + more[size:]
    if len(main) >= _REMARKS_MAX or not main.rstrip().endswith("."):
        return main + more
    return None


# -- entities ------------------------------------------------------------------------------------


def _entity(
    csv_set: CsvSet, row: list[str], remarks: str | None, links: list[tuple[Entity, str, str]]
) -> Entity:
    """The entity of one main-file row, with memberships and parsed remarks."""
    ent_num, name, sdn_type, programs, title = row[0], row[1], row[2].lower(), row[3], row[4]
    source_id = f"{csv_set.code}:{ent_num}"
    entity = Entity(id=source_id, schema=_SCHEMAS.get(sdn_type, "Organization"), source_ids=[source_id])
    entity.add_name(name, "primary")
    if title:
        entity.title = title
    url = _DETAIL_URL + ent_num
    for list_code, program in csv_set.memberships(_programs(programs)):
        entity.memberships.append(
            Membership(list_code, program, _authority(program), source_url=url, source_id=source_id)
        )
    _vessel_fields(entity, row, links)
    text = remarks if remarks is not None else row[11]
    if remarks is None and len(text) >= _REMARKS_MAX:
        # cut without its continuation: drop the clause the cut went through
        text = text[: max(text.rfind(";"), 0)]
        entity.notes.append(
            f"Remarks cut: {csv_set.main_file} holds 1,000 characters of them, the rest is not given"
        )
    for target in parse_remarks(entity, text):
        links.append((entity, "linked_to", target))
    return entity


def _programs(value: str) -> list[str]:
    """Program tags of the programs column: ``SDGT] [IFSR`` gives ``["SDGT", "IFSR"]``."""
    out: list[str] = []
    for part in _PROGRAM_SPLIT.split(value):
        tag = " ".join(part.strip(" []").split())
        if tag and tag not in out:
            out.append(tag)
    return out


def _authority(program: str | None) -> str:
    """Legal basis of a program tag, from the table, the tag's EO number, or a generic text."""
    if program is None:
        return "OFAC sanctions (program not stated)"
    if program in PROGRAM_AUTHORITIES:
        return PROGRAM_AUTHORITIES[program]
    match = _PROGRAM_EO.search(program)
    if match:
        return f"EO {match.group(1)}"
    return f"OFAC sanctions program {program}"


def _vessel_fields(entity: Entity, row: list[str], links: list[tuple[Entity, str, str]]) -> None:
    """Call sign, vessel type, tonnage, GRT, flag and owner columns (vessels and aircraft)."""
    call_sign, vessel_type, tonnage, grt, flag, owner = row[5:11]
    flag_code = country_code(flag)
    if call_sign:
        entity.identifiers.append(Identifier("call_sign", call_sign, flag_code))
    for label, value in (("Vessel type", vessel_type), ("Tonnage", tonnage), ("GRT", grt), ("Flag", flag)):
        if value:
            entity.notes.append(f"{label}: {value}")
    entity.add_country(flag_code)
    if owner:
        entity.notes.append(f"Owner: {owner}")
        links.append((entity, "owned_by", owner))


def _join_aliases(path: Path, entities: dict[str, Entity], report: ReadReport, label: str) -> None:
    """Names from alt.csv: ``aka`` as alias, ``fka``/``nka`` as such."""
    for ent_num, _alt_num, alt_type, alt_name, _remarks in _rows(path, "alt", label):
        entity = entities.get(ent_num)
        if entity is None:
            report.skipped["alt_orphan"] += 1
            continue
        kind = alt_type.strip(" .").lower().replace(".", "")
        entity.add_name(alt_name, _NAME_KINDS.get(kind, "alias"))


def _join_addresses(path: Path, entities: dict[str, Entity], report: ReadReport, label: str) -> None:
    """Addresses from add.csv; the address's country goes to the entity's countries ("Region: Gaza"
    in the country column is the address's region, and the country it lies in)."""
    for ent_num, _add_num, street, city, country, remarks in _rows(path, "add", label):
        entity = entities.get(ent_num)
        if entity is None:
            report.skipped["add_orphan"] += 1
            continue
        code = country_code(country)
        region = country[len(_REGION) :].strip() if country.startswith(_REGION) else None
        parts = [p for p in (street, city, region or country, remarks) if p]
        if not parts:
            report.skipped["add_empty"] += 1
            continue
        address = Address(
            full=", ".join(parts), street=street or None, city=city or None, region=region, country=code
        )
        entity.add_address(address)
        entity.add_country(code)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _resolve_links(
    csv_set: CsvSet, entities: dict[str, Entity], links: list[tuple[Entity, str, str]], report: ReadReport
) -> None:
    """Turn named links into relations, by exact (case- and space-insensitive) primary name.

    A name that matches one entry of the set gets its id and a reverse relation on that entry; the
    name stays as written otherwise (ambiguous or not on this list).
    """
    by_name: dict[str, list[Entity]] = {}
    for entity in entities.values():
        by_name.setdefault(_name_key(entity.caption), []).append(entity)
    reverse = {"linked_to": "linked_to", "owned_by": "owner_of"}
    unresolved = 0
    for entity, rel_type, name in links:
        found = by_name.get(_name_key(name)) or by_name.get(_name_key(name + "."))
        target = found[0] if found and len(found) == 1 and found[0] is not entity else None
        if target is None:
            unresolved += 1
            _add_relation(entity, Relation(rel_type, target_name=name, source=csv_set.code))
            continue
        _add_relation(
            entity,
            Relation(rel_type, target_id=target.id, target_name=target.caption, source=csv_set.code),
        )
        _add_relation(
            target,
            Relation(
                reverse[rel_type],
                target_id=entity.id,
                target_name=entity.caption,
                source=csv_set.code,
                note=f"stated on {entity.id}",
            ),
        )
    if unresolved:
        report.notes.append(
            f"{unresolved} linked or owner names match no single {csv_set.label} entry; kept as names"
        )


def _add_relation(entity: Entity, relation: Relation) -> None:
    """Add a relation unless one of the same type to the same target (id, else name) is there."""
    key = (relation.type, relation.target_id or relation.target_name)
    if all((r.type, r.target_id or r.target_name) != key for r in entity.relations):
        entity.relations.append(relation)
