"""FollowTheMoney JSON lines (OpenSanctions exports) and OpenSanctions delta files.

An FtM file holds one object a line: things (Person, Company …) and the objects that hang off
them (Sanction, Ownership, UnknownLink, Address). :func:`read` turns a file into entities.

A delta file holds one ``{"op": "ADD"|"MOD"|"DEL", "entity": {...}}`` a line. Ops address FtM
objects by id, and a Sanction or link object has its own id, apart from the entity it is about.
So the faithful way to keep a collection up to date is to keep the raw objects (id → object),
apply ops there with :func:`apply_delta_objects`, and convert with ``entities_from_ftm`` after:
a MOD of a Sanction then replaces that one membership instead of adding a second one.
:func:`apply_delta_entities` does the same for a dict of entities, with the limits it states.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Membership, entities_from_ftm, ftm_schema, to_ftm
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec

DELTA_OPS = ("ADD", "MOD", "DEL")
#: Link schemas ``entities_from_ftm`` turns into memberships or relations.
LINK_SCHEMAS = frozenset({"Sanction", "Ownership", "UnknownLink", "Directorship", "Family", "Associate"})
#: FtM properties of a link object that name the entities it connects.
_LINK_REFS = (
    "entity",
    "owner",
    "asset",
    "subject",
    "object",
    "director",
    "organization",
    "person",
    "relative",
    "associate",
)
_SLUG = re.compile(r"[^a-z0-9]+")
_Where = tuple[int | None, int]  # (line number of a JSON-lines file, 1-based item number)


def default_list_code(path: str | Path) -> str:
    """``ftm_<stem>``: the file name before its first dot, as a slug.

    ``entities.ftm.json`` gives ``ftm_entities``.
    """
    stem = Path(path).name.split(".", 1)[0]
    return "ftm_" + (_SLUG.sub("_", stem.lower()).strip("_") or "file")


def _fail(path: Path, message: str, where: _Where, field: str | None = None) -> SourceFormatError:
    line, item = where
    if line is None:
        message = f"item {item}: {message}"
    return SourceFormatError(path, message, line=line, field=field)


def _iter_json(path: Path, data: bytes | None = None) -> Iterator[tuple[_Where, Any]]:
    """Each JSON value of a JSON-lines file (blank lines skipped), or each item of a JSON array file.

    ``data``, when given, is the file's content already read; the file is then not read again.
    """
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceFormatError(path, f"cannot read file: {exc.strerror or exc}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.lstrip()[:1] == b"[":
        yield from _iter_json_array(path, data)
        return
    item = 0
    for lineno, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceFormatError(
                path, f"not UTF-8 text (byte {exc.start + 1} of the line)", line=lineno
            ) from None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(
                path,
                f"invalid JSON ({exc.msg} at column {exc.colno}); the file may be truncated",
                line=lineno,
            ) from None
        item += 1
        yield (lineno, item), value


def _iter_json_array(path: Path, data: bytes) -> Iterator[tuple[_Where, Any]]:
    try:
        values = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, "not UTF-8 text", line=data[: exc.start].count(b"\n") + 1) from None
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            path, f"invalid JSON ({exc.msg}); the file may be truncated", line=exc.lineno
        ) from None
    if not isinstance(values, list):
        raise SourceFormatError(path, "expected a JSON array of FtM objects")
    for item, value in enumerate(values, 1):
        yield (None, item), value


def _check_object(path: Path, value: Any, where: _Where, need_schema: bool = True) -> dict[str, Any]:
    """The value as an FtM object, or a SourceFormatError naming the missing field."""
    if not isinstance(value, dict):
        raise _fail(path, f"expected a JSON object, got {type(value).__name__}", where)
    obj: dict[str, Any] = value
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        raise _fail(path, "FtM object without an id", where, "id")
    if need_schema and (not isinstance(obj.get("schema"), str) or not obj["schema"]):
        raise _fail(path, f"FtM object {obj['id']!r} without a schema", where, "schema")
    props = obj.get("properties")
    if props is not None and not isinstance(props, dict):
        raise _fail(path, f"FtM object {obj['id']!r}: properties is not an object", where, "properties")
    return obj


def read_objects(path: str | Path, data: bytes | None = None) -> Iterator[dict[str, Any]]:
    """The FtM objects of a JSON-lines (or JSON array) file, each checked to have an id and a schema.

    ``data``, when given, is the file's content already read (``path`` then only names it in errors).
    """
    path = Path(path)
    for where, value in _iter_json(path, data):
        if isinstance(value, dict) and "op" in value and "entity" in value and "schema" not in value:
            raise _fail(path, "this is a delta file (op/entity lines); apply it with apply_delta", where)
        yield _check_object(path, value, where)


def read(path: str | Path, list_code: str | None = None) -> Iterator[Entity]:
    """Entities of an FtM JSON-lines file. ``list_code`` (default ``ftm_<stem>``) is the list of
    target entities that no Sanction object places on a list; pass ``""`` to add none."""
    path = Path(path)
    yield from entities_from_objects(
        read_objects(path),
        ReadReport(source="ftm"),
        default_list_code(path) if list_code is None else list_code,
        path,
    )


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Reader-contract entry point: the ``jsonl`` file as entities on list ``ftm_<stem>``."""
    path = Path(files["jsonl"])
    yield from entities_from_objects(read_objects(path), report, default_list_code(path), path)


def entities_from_objects(
    objects: Iterable[dict[str, Any]], report: ReadReport, list_code: str = "", path: Path | None = None
) -> Iterator[Entity]:
    """Entities from FtM objects, counting records and what is skipped in ``report``.

    All objects are read before the first entity is yielded, so a bad line fails the whole read.
    Entities marked ``"target": false`` (relatives, owners, addresses of listed parties) get no
    default membership: they are context, not list entries. Each entity's FtM id leads its source ids.
    """
    kept: list[dict[str, Any]] = []
    targets: dict[str, bool] = {}
    count = 0
    for obj in objects:
        count += 1
        schema = str(obj["schema"])
        if ftm_schema(schema) is not None:
            targets[obj["id"]] = obj.get("target") is not False
        elif schema not in LINK_SCHEMAS and schema != "Address":
            report.skipped[f"schema_{schema}"] += 1
            continue
        kept.append(obj)
    report.records += count
    if path is not None and count == 0:
        raise SourceFormatError(path, "no FtM objects in file")
    _count_dangling(kept, targets, report)
    for entity in entities_from_ftm(kept):
        if entity.id in entity.source_ids:
            entity.source_ids.remove(entity.id)
        entity.source_ids.insert(0, entity.id)
        if list_code and not entity.memberships and targets.get(entity.id, True):
            entity.memberships.append(Membership(list_code=list_code, source_id=entity.id))
        yield entity


def _count_dangling(objects: list[dict[str, Any]], things: Mapping[str, bool], report: ReadReport) -> None:
    """Count Sanction and link objects none of whose entities is in the file (they are dropped)."""
    for obj in objects:
        if obj["schema"] not in LINK_SCHEMAS:
            continue
        props = obj.get("properties") or {}
        refs = [ref for key in _LINK_REFS for ref in props.get(key, [])]
        if not any(ref in things for ref in refs):
            reason = "sanction_without_entity" if obj["schema"] == "Sanction" else "link_without_entity"
            report.skipped[reason] += 1


# ---------------------------------------------------------------------------------------------
# Delta files
# ---------------------------------------------------------------------------------------------


def read_delta(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each ``(op, object)`` of a delta file, checked: op is ADD, MOD or DEL; the entity has an id
    (DEL carries only that) and, for ADD and MOD, a schema. Anything else is a SourceFormatError."""
    path = Path(path)
    for where, value in _iter_json(path):
        if not isinstance(value, dict):
            raise _fail(path, f"expected a JSON object, got {type(value).__name__}", where)
        op = value.get("op")
        if op not in DELTA_OPS:
            raise _fail(path, f"unknown delta op {op!r}; expected one of {', '.join(DELTA_OPS)}", where, "op")
        if not isinstance(value.get("entity"), dict):
            raise _fail(path, f"{op} line without an entity object", where, "entity")
        yield op, _check_object(path, value["entity"], where, need_schema=op != "DEL")


def apply_delta_objects(objects: MutableMapping[str, dict[str, Any]], path: str | Path) -> Counter[str]:
    """Apply a delta file to raw FtM objects keyed by id, in place; the counts of what happened.

    ADD and MOD store the object under its id (whatever was there is replaced), DEL removes it.
    The whole file is checked before anything changes, so a bad line leaves ``objects`` as it was.
    Counts: ``ADD``/``MOD``/``DEL`` per op, ``inserted``, ``replaced``, ``deleted``, and
    ``not_found`` for a DEL of an id that was not there.
    """
    return _apply(objects, list(read_delta(path)))


def apply_delta_entities(
    entities: MutableMapping[str, Entity], path: str | Path, list_code: str | None = None
) -> Counter[str]:
    """Apply a delta file to entities keyed by FtM id, in place, re-converting only what it touches.

    The entities are expressed as FtM objects (``to_ftm``), the ops applied, and each entity named
    by a changed object (the thing itself, a Sanction's ``entity``, a link's ends) rebuilt with
    ``entities_from_ftm``; untouched entities stay as they were. Limits: a rebuilt entity keeps
    only what FtM carries (no name-only relations, no fka/nka kinds), and ``to_ftm`` gives a
    membership the id ``<entity>#sanction-<n>``, not the Sanction id of the delta, so a MOD of an
    OpenSanctions Sanction adds a membership beside the old one. Keep raw objects and use
    :func:`apply_delta_objects` where that matters. Counts as there, plus ``entities`` at the end.
    """
    objects: dict[str, dict[str, Any]] = {}
    for entity in entities.values():
        for obj in to_ftm(entity):
            objects.setdefault(obj["id"], obj)
    ops = list(read_delta(path))
    touched: set[str] = set()
    for _op, obj in ops:
        for version in (objects.get(obj["id"]), obj):
            if version is not None:
                touched.update(_refs(version))
    stats = _apply(objects, ops)
    rebuilt = {e.id: e for e in entities_from_ftm(objects.values(), list_code)}
    for eid in touched:
        fresh = rebuilt.get(eid)
        if fresh is None:
            entities.pop(eid, None)
            continue
        unique: list[Membership] = []
        for m in fresh.memberships:
            if m not in unique:
                unique.append(m)
        fresh.memberships = unique
        entities[eid] = fresh
    stats["entities"] = len(entities)
    return stats


_Op = tuple[str, dict[str, Any]]


def _apply(objects: MutableMapping[str, dict[str, Any]], ops: list[_Op]) -> Counter[str]:
    """Apply checked ops in order; the counts :func:`apply_delta_objects` documents."""
    stats: Counter[str] = Counter()
    for op, obj in ops:
        stats[op] += 1
        oid = obj["id"]
        if op == "DEL":
            stats["deleted" if objects.pop(oid, None) is not None else "not_found"] += 1
        else:
            stats["replaced" if oid in objects else "inserted"] += 1
            objects[oid] = obj
    return stats


def _refs(obj: dict[str, Any]) -> list[str]:
    """The entity ids an object concerns: its own id for a thing, the linked ids for a link."""
    if obj.get("schema") not in LINK_SCHEMAS:
        return [str(obj["id"])]
    props = obj.get("properties") or {}
    return [str(ref) for key in _LINK_REFS for ref in props.get(key, [])]


def apply_delta(
    collection: MutableMapping[str, Entity] | MutableMapping[str, dict[str, Any]],
    delta_path: str | Path,
    list_code: str | None = None,
) -> Counter[str]:
    """Apply a delta to a dict of entities (:func:`apply_delta_entities`) or of raw FtM objects
    (:func:`apply_delta_objects`), told apart by its values; an empty dict is taken as objects."""
    if any(isinstance(v, Entity) for v in collection.values()):
        return apply_delta_entities(collection, delta_path, list_code)  # type: ignore[arg-type]
    return apply_delta_objects(collection, delta_path)  # type: ignore[arg-type]


SOURCE = SourceSpec(
    code="ftm",
    title="FollowTheMoney entities (JSON lines, e.g. an OpenSanctions export)",
    files=(
        SourceFile(
            "jsonl",
            "entities.ftm.json",
            "https://data.opensanctions.org/datasets/latest/default/entities.ftm.json",
        ),
    ),
    read=read_files,
    official=False,
)
