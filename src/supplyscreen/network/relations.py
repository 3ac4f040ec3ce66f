"""The relations input: a user's edges (CSV/TSV, XLSX, JSON lines) or FollowTheMoney links.

Columns ``from, to, relation, share, product``; ``relation`` is one of :data:`RELATIONS`:
``supplies`` (from = buyer, to = supplier; ``product`` a description or HS code), ``owns`` (from =
owner, to = owned, ``share`` in %), ``subsidiary_of`` (from = subsidiary, to = parent, optional
``share`` held by the parent), ``brand_of`` (from = brand, to = owner) and ``located_at`` (from =
entity, to = an address). A bad row stops the read with an :class:`InputError` naming the file, the
row (data rows counted from 1, header excluded; JSON lines by line) and the column.

FollowTheMoney JSON lines (objects with ``schema`` and ``properties``) are read too: ``Ownership``
becomes ``owns`` (``percentage`` → share) and ``Directorship`` becomes ``director_of``; the other
ends are named by the caption of the thing in the same file, else by their id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supplyscreen.io.delimited import DelimitedFile
from supplyscreen.io.encoding import detect_encoding, open_text, read_sample
from supplyscreen.io.errors import InputError, RowError
from supplyscreen.io.sheets import open_workbook

#: Relations a user's edge file may hold.
RELATIONS = ("supplies", "owns", "subsidiary_of", "brand_of", "located_at")
#: The relation read from FollowTheMoney Directorship entities only (from = director, to = organisation).
DIRECTOR_OF = "director_of"
#: Relations whose ``share`` is an ownership percentage.
SHARE_RELATIONS = frozenset({"owns", "subsidiary_of"})
COLUMNS = ("from", "to", "relation", "share", "product")
_REQUIRED = ("from", "to", "relation")
_COLUMN_SYNONYMS = {
    "from": "from",
    "source": "from",
    "to": "to",
    "target": "to",
    "relation": "relation",
    "relationship": "relation",
    "type": "relation",
    "share": "share",
    "percentage": "share",
    "percent": "share",
    "product": "product",
    "products": "product",
    "hs_code": "product",
}
_RELATION_SYNONYMS = {"buys_from": "supplies", "parent_of": None, "owned_by": None}
_HEADER_RE = re.compile(r"[\s\-]+")
_SHARE_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%?\s*$")
_FTM_THINGS = frozenset(
    {"Person", "Company", "Organization", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
)


@dataclass(frozen=True, slots=True)
class RelationRow:
    """One edge as the user stated it; ``origin`` says where (``edges.csv row 3``)."""

    from_name: str
    to_name: str
    relation: str
    share: float | None = None
    product: str | None = None
    origin: str = ""


def read_relations(path: str | Path) -> list[RelationRow]:
    """Every edge of one relations file (CSV/TSV, XLSX, JSON lines or FtM JSON lines), validated."""
    path = Path(path)
    sample, complete = read_sample(path)
    if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(path, "the file is empty")
    suffix = path.suffix.lower()
    if sample.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return list(_xlsx_rows(path))
    codec = detect_encoding(path, sample, complete)
    start = sample.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if suffix in (".jsonl", ".ndjson", ".json") or start in (b"{", b"["):
        return list(_json_rows(path, codec))
    return list(_delimited_rows(path, codec, sample, complete))


def _column_key(header: object) -> str | None:
    """The column a header names (``from``, ``to``, ...), or None for a column not read."""
    return _COLUMN_SYNONYMS.get(_HEADER_RE.sub("_", str(header).strip().lower()))


def _column_map(path: Path, headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _column_key(header)
        if key and key not in found:
            found[key] = index
    missing = [c for c in _REQUIRED if c not in found]
    if missing:
        raise InputError(
            path,
            f"missing column {', '.join(map(repr, missing))}; a relations file needs columns "
            f"{', '.join(COLUMNS)} (found {', '.join(map(repr, headers)) or 'none'})",
            row=0,
        )
    return found


def _delimited_rows(path: Path, codec: str, sample: bytes, complete: bool) -> Iterator[RelationRow]:
    table = DelimitedFile.open(path, codec, "\t" if path.suffix.lower() == ".tsv" else None, sample, complete)
    columns = _column_map(path, table.columns)
    errors: list[RowError] = []
    for row, values in table.rows(errors):
        _raise_first(errors)
        yield make_row(path, row, {key: values[i] for key, i in columns.items()})
    _raise_first(errors)


def _raise_first(errors: list[RowError]) -> None:
    """Raise the first error that skipped a row; else forget the checked ("row kept") notes."""
    for error in errors:
        if "row kept" not in error.message:
            raise InputError(error.path, error.message, row=error.row, column=error.column)
    errors.clear()  # each check sees only the errors since the last: linear, not quadratic


def _xlsx_rows(path: Path) -> Iterator[RelationRow]:
    with open_workbook(path) as workbook:
        sheet = workbook.worksheets[0]
        columns: dict[str, int] | None = None
        row = 0
        for cells in sheet.iter_rows(values_only=True):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if columns is None:
                columns = _column_map(path, ["" if c is None else str(c) for c in cells])
                continue
            row += 1
            values = {key: cells[i] if i < len(cells) else None for key, i in columns.items()}
            yield make_row(path, row, values, sheet=sheet.title)
        if columns is None:
            raise InputError(path, "the first sheet is empty: no header row", sheet=sheet.title)


def _json_objects(path: Path, codec: str) -> Iterator[tuple[int, Any]]:
    with open_text(path, codec) as handle:
        text = handle.read().lstrip("\ufeff")
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc.msg}, line {exc.lineno})") from exc
        yield from enumerate(items, 1)
        return
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield line_no, json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc.msg})", row=line_no) from exc


def _json_rows(path: Path, codec: str) -> Iterator[RelationRow]:
    objects = list(_json_objects(path, codec))
    for line_no, obj in objects:
        if not isinstance(obj, dict):
            raise InputError(path, "expected a JSON object", row=line_no)
    if objects and "schema" in objects[0][1] and "properties" in objects[0][1]:
        yield from ftm_relations(path, objects)
        return
    for line_no, obj in objects:
        values = {_column_key(k): v for k, v in obj.items()}
        missing = [c for c in _REQUIRED if values.get(c) in (None, "")]
        if missing:
            raise InputError(path, "missing or empty", row=line_no, column=missing[0])
        yield make_row(path, line_no, {k: v for k, v in values.items() if k}, unit="line")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return text or None


def parse_share(value: object) -> float | None:
    """A percentage from ``30``, ``30%``, ``30.5``, ``30,5``; None when empty; ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int | float):
        share = float(value)
    else:
        match = _SHARE_RE.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a percentage")
        share = float(match.group(1).replace(",", "."))
    if not 0 <= share <= 100:
        raise ValueError(f"{share:g} is outside 0-100 (give the share in %)")
    return share


def make_row(
    path: Path, row: int, values: dict[str, Any], sheet: str | None = None, unit: str = "row"
) -> RelationRow:
    """One validated edge from its column values; InputError naming the file, row and column."""

    def fail(message: str, column: str) -> InputError:
        return InputError(path, message, row=row, column=column, sheet=sheet)

    texts = {key: _text(values.get(key)) for key in ("from", "to", "relation", "product")}
    for column in _REQUIRED:
        if texts[column] is None:
            raise fail("missing or empty", column)
    relation = _HEADER_RE.sub("_", str(texts["relation"]).lower())
    relation = _RELATION_SYNONYMS.get(relation, relation) or ""
    if relation not in RELATIONS:
        raise fail(
            f"unknown relation {texts['relation']!r}; use one of {', '.join(RELATIONS)} "
            "(reverse the columns for owned_by / parent_of)",
            "relation",
        )
    try:
        share = parse_share(values.get("share"))
    except ValueError as exc:
        raise fail(str(exc), "share") from None
    if share is not None and relation not in SHARE_RELATIONS:
        raise fail(f"a share applies to owns and subsidiary_of only, not {relation}", "share")
    from_name, to_name = str(texts["from"]), str(texts["to"])
    if from_name.casefold() == to_name.casefold():
        raise fail(f"{from_name!r} relates to itself", "to")
    where = f"{path.name}" + (f" sheet {sheet}" if sheet else "") + f" {unit} {row}"
    return RelationRow(from_name, to_name, relation, share, texts["product"], where)


def ftm_relations(path: Path, objects: list[tuple[int, Any]]) -> Iterator[RelationRow]:
    """``Ownership`` and ``Directorship`` links of FollowTheMoney objects as relation rows."""
    captions: dict[str, str] = {}
    for _, obj in objects:
        if obj.get("schema") in _FTM_THINGS:
            props = obj.get("properties") or {}
            name = obj.get("caption") or next(iter(props.get("name") or []), None)
            if name and obj.get("id"):
                captions[str(obj["id"])] = str(name)

    def first(props: dict[str, Any], key: str) -> str | None:
        values = props.get(key) or []
        return str(values[0]) if values else None

    for line_no, obj in objects:
        schema, props = obj.get("schema"), obj.get("properties") or {}
        if schema == "Ownership":
            owner, asset, relation, column = first(props, "owner"), first(props, "asset"), "owns", "owner"
        elif schema == "Directorship":
            owner, asset = first(props, "director"), first(props, "organization")
            relation, column = DIRECTOR_OF, "director"
        else:
            continue
        if not owner or not asset:
            raise InputError(path, f"{schema} without both ends", row=line_no, column=column)
        share: float | None = None
        if relation == "owns":
            try:
                share = parse_share(first(props, "percentage"))
            except ValueError as exc:
                raise InputError(path, str(exc), row=line_no, column="percentage") from None
        where = f"{path.name} line {line_no} ({schema} {obj.get('id', '')})".replace(" )", ")")
        yield RelationRow(
            captions.get(owner, owner), captions.get(asset, asset), relation, share, None, where
        )
