"""Watchlists users load themselves (internal blacklists, licensed data): `lists add NAME FILE`.

A user list is a CSV file with at least a ``name`` column (optional ``aliases``, ``country``,
``notes``, ``schema``, ``id``), or FollowTheMoney JSON lines. Its entities get ids
``user_<name>:<id>`` and one membership on list ``<name>``, so a hit says whose list it came from.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from supplyscreen.countries import country_code
from supplyscreen.errors import SourceFormatError, StoreError
from supplyscreen.listcodes import list_infos
from supplyscreen.model import SCHEMAS, Entity, Membership
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec
from supplyscreen.sources.ftm import entities_from_objects, read_objects

AUTHORITY = "user list"
FTM_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".ftm"})
CSV_COLUMNS = ("id", "name", "aliases", "country", "notes", "schema")
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{1,40}")
_SPLIT = re.compile(r"\s*[;|]\s*")
_SCHEMAS = {s.lower(): s for s in SCHEMAS}


def validate_list_name(name: str) -> str:
    """The name, if it can name a user list: a lower-case slug that is no official list code."""
    if not _NAME_RE.fullmatch(name):
        raise StoreError(
            f"invalid list name {name!r}: use 2-41 characters, lower-case letters, digits and '_', "
            "starting with a letter (e.g. 'internal_blacklist')"
        )
    if name in list_infos():
        raise StoreError(f"list name {name!r} is taken by an official list; choose another name")
    return name


def user_entity_id(name: str, own_id: str) -> str:
    """The entity id of a user-list row: ``user_<name>:<the user's id>``."""
    return f"user_{name}:{own_id}"


def is_ftm_file(path: Path, head: bytes) -> bool:
    """Whether a user file is FtM JSON: by extension, or by a first non-space ``{`` or ``[``."""
    if path.suffix.lower() in FTM_SUFFIXES:
        return True
    return head.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1] in (b"{", b"[")


def read_user_list(name: str, path: str | Path, report: ReadReport) -> Iterator[Entity]:
    """The entities of a user's list file (CSV or FtM JSON lines), all on list ``name``.

    The whole file is read and checked before the first entity is yielded.
    """
    validate_list_name(name)
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(path, f"cannot read file: {exc.strerror or exc}") from None
    if is_ftm_file(path, data[:64]):
        entities = _read_ftm(name, path, data, report)
    else:
        entities = _read_csv(name, path, _decode(path, data), report)
    yield from entities


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 text without its BOM; undecodable bytes are a SourceFormatError naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFormatError(
            path, "not UTF-8 text; save the file as UTF-8 (CSV UTF-8)", line=line
        ) from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: whichever of comma, semicolon and tab it has most of."""
    header = next((line for line in text.split("\n") if line.strip()), "")
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(name: str, path: Path, text: str, report: ReadReport) -> list[Entity]:
    """Rows of a user CSV as entities; rows with the same id are merged into one entity."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if "name" not in header:
            raise SourceFormatError(
                path, "missing required column 'name' in the header", line=1, field="name"
            )
        ignored = [h for h in header if h and h not in CSV_COLUMNS]
        if ignored:
            report.notes.append(f"ignored columns: {', '.join(ignored)}")
        entities: dict[str, Entity] = {}
        row_number = 0
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            row_number += 1
            report.records += 1
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                raise SourceFormatError(
                    path, f"row has {len(cells)} cells but the header has {len(header)}", line=reader.line_num
                )
            row = dict(zip(header, (c.strip() for c in cells), strict=False))
            entity = _row_entity(name, path, row, row_number, reader.line_num, report)
            if entity is None:
                continue
            if entity.id in entities:
                entities[entity.id].merge(entity)
                report.notes.append(
                    f"line {reader.line_num}: id {row.get('id') or row_number} repeated; merged"
                )
            else:
                entities[entity.id] = entity
    except csv.Error as exc:
        raise SourceFormatError(path, f"bad CSV: {exc}", line=reader.line_num) from None
    return list(entities.values())


def _row_entity(
    name: str, path: Path, row: Mapping[str, str], row_number: int, line: int, report: ReadReport
) -> Entity | None:
    """One CSV row as an entity, or None (counted in ``report.skipped``) when it has no name."""
    primary = row.get("name") or ""
    if not primary:
        report.skipped["empty_name"] += 1
        return None
    schema_text = (row.get("schema") or "organization").lower()
    if schema_text not in _SCHEMAS:
        raise SourceFormatError(
            path,
            f"unknown schema {row.get('schema')!r}; use Person, Company or Organization",
            line=line,
            field="schema",
        )
    own_id = row.get("id") or str(row_number)
    entity = Entity(id=user_entity_id(name, own_id), schema=_SCHEMAS[schema_text])
    entity.add_name(primary, "primary")
    for alias in _SPLIT.split(row.get("aliases") or ""):
        entity.add_name(alias, "alias")
    for country in _SPLIT.split(row.get("country") or ""):
        if not country:
            continue
        code = country_code(country)
        if code is None:
            report.notes.append(f"line {line}: country {country!r} not recognised")
        entity.add_country(code)
    entity.add_source_id(entity.id)
    entity.memberships.append(
        Membership(
            list_code=name,
            authority=AUTHORITY,
            status="official",
            note=row.get("notes") or None,
            source_id=own_id,
        )
    )
    return entity


# ---------------------------------------------------------------------------------------------
# FtM JSON lines
# ---------------------------------------------------------------------------------------------


def _read_ftm(name: str, path: Path, data: bytes, report: ReadReport) -> list[Entity]:
    """FtM entities renamed into the user's namespace, every membership on list ``name``.

    Relations between entities of the file follow the renaming. A membership the file put on
    another list code keeps that code in its note, so a user file never poses as an official list.
    """
    entities = list(entities_from_objects(read_objects(path, data), report, name, path))
    rename = {e.id: user_entity_id(name, e.id) for e in entities}
    for entity in entities:
        ftm_id = entity.id
        entity.id = rename[ftm_id]
        entity.source_ids = [entity.id] + [s for s in entity.source_ids if s != ftm_id]
        for relation in entity.relations:
            if relation.target_id in rename:
                relation.target_id = rename[relation.target_id]
        for m in entity.memberships:
            _claim_membership(m, name)
    return entities


def _claim_membership(m: Membership, name: str) -> None:
    """Put a membership read from a user's FtM file on the user's list."""
    if m.list_code != name:
        stated = f"listed as {m.list_code} in the user's file"
        m.note = f"{stated}; {m.note}" if m.note else stated
        m.list_code = name
    m.authority = m.authority or AUTHORITY


def user_list_spec(name: str, filename: str = "") -> SourceSpec:
    """A SourceSpec for user list ``name``, whose one file (role ``file``) is the user's ``filename``."""
    validate_list_name(name)

    def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
        return read_user_list(name, files["file"], report)

    return SourceSpec(
        code=f"user_{name}",
        title=f"User list {name}",
        files=(SourceFile("file", Path(filename).name if filename else f"{name}.csv", ""),),
        read=read_files,
        official=False,
    )
