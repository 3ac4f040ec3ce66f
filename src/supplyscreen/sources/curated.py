"""Readers for the curated research CSVs shipped in ``supplyscreen/data/curated``.

They fill gaps the official files leave: the UFLPA Entity List (no machine-readable file), the
companies, brands and subsidiaries NDAA s.889 and the FCC Covered List reach, and the BIS Entity List's
Xinjiang additions. Every membership keeps the row's ``status``/``confidence`` so that ``low`` and
``unverified`` rows stay reviewer leads, never list hits (see ``data/curated/README.md``).
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from supplyscreen.errors import SourceFormatError
from supplyscreen.io.dates import PARTIAL_ISO_DATE, month_number
from supplyscreen.model import Entity, Membership, Relation, Rule
from supplyscreen.sources import dhs_uflpa, fcc_covered
from supplyscreen.sources.base import ReadFn, ReadReport, SourceFile, SourceSpec, read_utf8

UFLPA_FILE = "uflpa_entities.csv"
COVERED_FILE = "covered_telecom_video.csv"
EL_XINJIANG_FILE = "entity_list_xinjiang.csv"
NDAA_889 = "us_ndaa_889"
FCC = fcc_covered.CODE
BIS_EL = "us_bis_entity_list"
UFLPA = dhs_uflpa.CODE
NDAA_AUTHORITY = "John S. McCain NDAA FY2019, Pub. L. 115-232 s.889; FAR 52.204-25"
BIS_AUTHORITY = "Export Administration Regulations, 15 CFR 744.11"

_UFLPA_COLUMNS = tuple(
    "name chinese_name aliases date_added sector source uflpa_section status notes".split()
)
_COVERED_COLUMNS = tuple(
    "name chinese_name relationship end_date creates_hit parent_covered_entity lists status_notes source"
    " confidence notes".split()
)
_EL_COLUMNS = tuple(
    "name chinese_name aliases date_added federal_register reason source confidence notes".split()
)

_SPACE_RE = re.compile(r"\s+")
_URL_RE = re.compile(r"https?://[^\s;]+")
_FR_RE = re.compile(r"\b\d{1,3} FR \d+\b|\bFR Doc\.? \d{4}-\d+\b")
_CLAUSES_RE = re.compile(r"^\((i{1,3}|iv|v)\)(?:\s+and\s+\((i{1,3}|iv|v)\))*$")
_CLAUSE_RE = re.compile(r"\((i{1,3}|iv|v)\)")
_UNVERIFIED_RE = re.compile(r"\s*\(UNVERIFIED\)", re.IGNORECASE)
_BRAND_SUFFIX_RE = re.compile(r"\s+brand\b.*$", re.IGNORECASE)
_PERSON_RE = re.compile(r"\bindividual\b", re.IGNORECASE)
# A trailing "(West)" or "(Americas)" is part of the name, not an alias.
_QUALIFIERS = frozenset(
    "west|east|north|south|us|usa|america|americas|europe|asia|hk|hong kong|china|group|holdings"
    "|international".split("|")
)
_LIST_DATE_RE = re.compile(r"\((\d{4}-\d{2}-\d{2})|\((\w{3})\w* (\d{4})|\b(\d{4}-\d{2}-\d{2})\b")


@dataclass(slots=True)
class _Row:
    index: int  # 0-based data-row index, the id suffix
    line: int  # 1-based file line where the row starts (the header is line 1)
    values: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.values[key]


def package_path(filename: str) -> Path:
    """The path of a curated CSV shipped inside the package."""
    return Path(str(resources.files("supplyscreen").joinpath("data/curated", filename)))


def _read_csv(path: Path, required: tuple[str, ...]) -> list[_Row]:
    """All data rows of a UTF-8 CSV with its header checked; malformed files raise SourceFormatError."""
    text = read_utf8(path, bom=True)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_Row] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        for name in required:
            if name not in header:
                raise SourceFormatError(path, "missing required column", line=1, field=name)
        start = reader.line_num + 1
        for cells in reader:
            if not any(c.strip() for c in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(header):
                raise SourceFormatError(
                    path,
                    f"row has {len(cells)} fields, the header {len(header)} (truncated or misquoted row)",
                    line=start,
                )
            values = {h: _SPACE_RE.sub(" ", c).strip() for h, c in zip(header, cells, strict=True)}
            rows.append(_Row(len(rows), start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFormatError(path, f"malformed CSV: {exc}", line=reader.line_num) from None
    return rows


def _iso(path: Path, row: _Row, column: str, *, end_of_period: bool = False) -> str | None:
    """A ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` cell as given, or its last day when ``end_of_period``."""
    value = row[column]
    if not value:
        return None
    m = PARTIAL_ISO_DATE.fullmatch(value)
    try:
        if not m:
            raise ValueError(value)
        year, month, day = int(m.group(1)), int(m.group(2) or 12), int(m.group(3) or 0)
        last = calendar.monthrange(year, month)[1]
        parsed = date(year, month, day or last)
    except ValueError:
        raise SourceFormatError(
            path, f"bad date {value!r} (expected YYYY-MM-DD, YYYY-MM or YYYY)", line=row.line, field=column
        ) from None
    return parsed.isoformat() if end_of_period or m.group(3) else value


def first_url(text: str) -> str | None:
    """The first http(s) URL in a ``source`` cell, without trailing punctuation."""
    m = _URL_RE.search(text)
    return m.group(0).rstrip(").,'\"]") if m else None


def split_name(text: str) -> list[tuple[str, str]]:
    """The names in a curated name cell with their kinds (``alias`` or ``fka``).

    ``"Hiksemi (HikStorage)"`` gives two names, ``"Lorex Technology Inc. / Lorex Corporation"`` two,
    ``"X (former name)"`` one former name; lower-case remarks in parentheses and "(UNVERIFIED)" are dropped.
    """
    text = _SPACE_RE.sub(" ", _UNVERIFIED_RE.sub("", text)).strip()
    kind, extra = "alias", []
    group = dhs_uflpa.trailing_group(text)
    if group is not None:
        base, content = group
        if content[:1].islower():
            text = base
            kind = "fka" if "former" in content.lower() else "alias"
        elif content.casefold() not in _QUALIFIERS:
            text = base
            extra = [_BRAND_SUFFIX_RE.sub("", p).strip() for p in content.split(" / ")]
    names = [(p.strip(), kind) for p in text.split(" / ")] + [(e, "alias") for e in extra]
    return [(v, k) for v, k in names if v]


def _add_names(entity: Entity, name: str, chinese: str = "", aliases: str = "") -> None:
    for i, (value, _) in enumerate(split_name(name)):
        entity.add_name(value, "primary" if i == 0 else "alias")
    for value, _ in split_name(chinese) if chinese else []:
        entity.add_name(value, "alias", lang="zh")
    for item in aliases.split(";") if aliases else []:
        for value, kind in split_name(item):
            entity.add_name(value, kind)


def _new_entity(path: Path, row: _Row, code: str, *, person_hint: str = "") -> Entity:
    if not row["name"]:
        raise SourceFormatError(path, "empty name", line=row.line, field="name")
    eid = f"{code}:{row.index}"
    schema = "Person" if _PERSON_RE.search(person_hint) else "Organization"
    entity = Entity(id=eid, schema=schema, source_ids=[eid])
    if row.values.get("notes"):
        entity.notes.append(row["notes"])
    return entity


# -- UFLPA ------------------------------------------------------------------------------------------


def read_uflpa_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Every row of ``uflpa_entities.csv`` is a UFLPA Entity List entry (``confirmed`` or ``secondary``)."""
    path = Path(files["csv"])
    for row in _read_csv(path, _UFLPA_COLUMNS):
        report.records += 1
        entity = _new_entity(path, row, CURATED_UFLPA.code)
        _add_names(entity, row["name"], row["chinese_name"], row["aliases"])
        entity.add_country("hk" if "Hong Kong" in row["sector"] else "cn")
        listed_on = _iso(path, row, "date_added")
        section = row["uflpa_section"]
        clauses = _CLAUSE_RE.findall(section) if _CLAUSES_RE.match(section) else []
        note = "; ".join(
            p
            for p in (
                f"sector: {row['sector']}" if row["sector"] else "",
                f"section: {section}" if section and not clauses else "",
                row["notes"],
            )
            if p
        )
        fr = _FR_RE.search(row["source"])
        for clause in clauses or [None]:
            entity.memberships.append(
                Membership(
                    list_code=UFLPA,
                    program=f"UFLPA section 2(d)(2)(B)({clause})" if clause else None,
                    authority=dhs_uflpa.AUTHORITY,
                    listed_on=listed_on,
                    federal_register=fr.group(0) if fr else None,
                    source_url=first_url(row["source"]) or dhs_uflpa.URL,
                    source_id=entity.id,
                    status=row["status"].lower() or "secondary",
                    note=note or None,
                )
            )
        yield entity


# -- Covered telecom and video surveillance companies -------------------------------------------------

_HIT_VALUES = frozenset({"yes", "until_end_date", "rule", "no"})
_INHERITED_CODES = (NDAA_889, FCC)


def _relation_type(relationship: str) -> str:
    """The model relation type closest to a curated ``relationship`` cell."""
    rel = relationship.lower()
    for word, rtype in (
        ("former subsidiary", "former_subsidiary_of"),
        ("brand", "brand_of"),
        ("parent", "parent_of"),
        ("subsidiary", "subsidiary_of"),
        ("affiliate", "affiliate_of"),
    ):
        if word in rel:
            return rtype
    return "linked_to"


def _list_date(text: str) -> str | None:
    """The date a ``lists`` fragment gives: ``(2021-03-12)`` or ``(Dec 2025`` → ``2025-12``."""
    m = _LIST_DATE_RE.search(text)
    if not m:
        return None
    month = month_number(m.group(2)) if m.group(2) else None
    if month:
        return f"{m.group(3)}-{month:02d}"
    return m.group(1) or m.group(4)


def _explicit_memberships(lists: str) -> list[Membership]:
    """The memberships a ``lists`` cell names outright: s.889, the FCC Covered List, the BIS Entity List."""
    out: list[Membership] = []
    for part in lists.split(";"):
        if re.search(r"\b889\b", part) and "subsidiary or affiliate" not in part:
            out.append(Membership(list_code=NDAA_889, authority=NDAA_AUTHORITY))
        elif "FCC Covered List" in part:
            out.append(Membership(list_code=FCC, authority=fcc_covered.AUTHORITY, listed_on=_list_date(part)))
        elif "BIS Entity List" in part:
            out.append(Membership(list_code=BIS_EL, authority=BIS_AUTHORITY, listed_on=_list_date(part)))
    return out


@dataclass(slots=True)
class _Covered:
    """The rows of ``covered_telecom_video.csv`` with names resolved, for parent look-ups."""

    rows: list[_Row]
    names: list[list[tuple[str, str]]]
    index: dict[str, int] = field(default_factory=dict)
    memo: dict[int, list[Membership]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, names in enumerate(self.names):
            for value, _ in names:
                self.index.setdefault(value.casefold(), i)

    def resolve(self, name: str) -> int | None:
        """The row of a parent name: an exact name, else the one covered entity whose name has its words."""
        if (i := self.index.get(name.casefold())) is not None:
            return i
        words = set(name.casefold().split())
        found = [
            i
            for i, r in enumerate(self.rows)
            if r["relationship"] == "covered_entity" and words <= set(self.names[i][0][0].casefold().split())
        ]
        return found[0] if len(found) == 1 else None

    def parents(self, i: int) -> list[tuple[str, int | None]]:
        """The (name, row) of a row's parent, or of each parent of a "Hikvision / Dahua" cell."""
        parent = self.rows[i]["parent_covered_entity"]
        if not parent:
            return []
        if (j := self.resolve(parent)) is not None:
            return [(parent, j)]
        return [(p.strip(), self.resolve(p.strip())) for p in parent.split(" / ")]

    def memberships(self, i: int, seen: frozenset[int] = frozenset()) -> list[Membership]:
        """The list memberships of a hit row: its own, plus its parent's s.889/FCC ones it inherits."""
        if i in self.memo:
            return self.memo[i]
        row = self.rows[i]
        own = _explicit_memberships(row["lists"])
        codes = {m.list_code for m in own}
        inherit = "subsidiary or affiliate" in row["lists"] or not codes & set(_INHERITED_CODES)
        for name, j in self.parents(i):
            if j is None or j in seen or not inherit:
                continue
            for pm in self.memberships(j, seen | {i}):
                if pm.list_code in _INHERITED_CODES and pm.list_code not in codes:
                    codes.add(pm.list_code)
                    own.append(
                        Membership(
                            list_code=pm.list_code,
                            authority=pm.authority,
                            listed_on=pm.listed_on,
                            note=f"as {row['relationship']} of {name}",
                        )
                    )
        self.memo[i] = own
        return own


def read_covered_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Covered companies, brands and subsidiaries (hits), former subsidiaries (hits until a date),
    category rules (``report.rules``) and reviewer-context rows (no membership)."""
    path = Path(files["csv"])
    rows = _read_csv(path, _COVERED_COLUMNS)
    for row in rows:
        if row["creates_hit"] not in _HIT_VALUES:
            raise SourceFormatError(
                path, f"unknown creates_hit {row['creates_hit']!r}", line=row.line, field="creates_hit"
            )
    covered = _Covered(rows, [split_name(r["name"]) for r in rows])
    for i, row in enumerate(rows):
        report.records += 1
        if row["creates_hit"] == "rule":
            report.rules.append(_covered_rule(row))
            continue
        entity = _new_entity(
            path, row, CURATED_COVERED.code, person_hint=f"{row['notes']} {row['relationship']}"
        )
        _add_names(entity, row["name"], row["chinese_name"])
        ends_on = None
        if row["creates_hit"] == "until_end_date":
            ends_on = _iso(path, row, "end_date", end_of_period=True)
            if ends_on is None:
                raise SourceFormatError(
                    path, "until_end_date row without an end date", line=row.line, field="end_date"
                )
        if row["creates_hit"] != "no":
            for m in covered.memberships(i):
                entity.memberships.append(
                    Membership(
                        list_code=m.list_code,
                        authority=m.authority,
                        listed_on=m.listed_on,
                        ends_on=ends_on,
                        source_url=first_url(row["source"]),
                        source_id=entity.id,
                        status=row["confidence"] or "medium",
                        note="; ".join(p for p in (m.note, row["status_notes"]) if p) or None,
                    )
                )
            if not entity.memberships:
                report.notes.append(f"{path.name} line {row.line}: hit row {row['name']!r} names no list")
        rtype = "context" if row["creates_hit"] == "no" else _relation_type(row["relationship"])
        for name, j in covered.parents(i):
            entity.relations.append(
                Relation(
                    type=rtype,
                    target_id=f"{CURATED_COVERED.code}:{j}" if j is not None else None,
                    target_name=name,
                    end_date=ends_on if rtype == "former_subsidiary_of" else None,
                    source=CURATED_COVERED.code,
                    note=row["relationship"],
                )
            )
        yield entity


def _covered_rule(row: _Row) -> Rule:
    rid = f"{CURATED_COVERED.code}:{row.index}"
    return Rule(
        id=rid,
        list_code=FCC if "FCC" in row["lists"] else NDAA_889,
        category=fcc_covered.rule_category(row["name"]),
        text=row["name"],
        listed_on=_list_date(row["lists"]),
        source_url=first_url(row["source"]),
        source_id=rid,
        status=row["confidence"] or "medium",
    )


# -- BIS Entity List, Xinjiang additions ------------------------------------------------------------------


def read_el_xinjiang_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Named BIS Entity List entries added for Xinjiang; count-only ``[...]`` rows are skipped."""
    path = Path(files["csv"])
    for row in _read_csv(path, _EL_COLUMNS):
        report.records += 1
        if row["name"].startswith("["):
            report.skipped["placeholder"] += 1
            continue
        entity = _new_entity(path, row, CURATED_EL_XINJIANG.code, person_hint=row["notes"])
        _add_names(entity, row["name"], row["chinese_name"], row["aliases"])
        entity.add_country("cn")
        fr_text = row["federal_register"]
        fr = _FR_RE.search(fr_text)
        entity.memberships.append(
            Membership(
                list_code=BIS_EL,
                authority=BIS_AUTHORITY,
                listed_on=_iso(path, row, "date_added"),
                federal_register=fr.group(0) if fr else (fr_text or None),
                source_url=first_url(row["source"]),
                source_id=entity.id,
                status=(row["confidence"].split() or ["high"])[0].lower(),
                note=row["reason"] or None,
            )
        )
        yield entity


# -- specs and convenience readers ------------------------------------------------------------------------


def _curated_spec(code: str, title: str, filename: str, read: ReadFn) -> SourceSpec:
    """A curated source: one research CSV shipped in the package (no URL), not an official list."""
    return SourceSpec(code, title, (SourceFile("csv", filename, ""),), read, official=False)


CURATED_UFLPA = _curated_spec(
    "curated_uflpa", "Curated UFLPA Entity List entries (research snapshot)", UFLPA_FILE, read_uflpa_files
)
CURATED_COVERED = _curated_spec(
    "curated_covered",
    "Curated NDAA s.889 / FCC Covered List companies, brands and subsidiaries (research snapshot)",
    COVERED_FILE,
    read_covered_files,
)
CURATED_EL_XINJIANG = _curated_spec(
    "curated_el_xinjiang",
    "Curated BIS Entity List Xinjiang additions (research snapshot)",
    EL_XINJIANG_FILE,
    read_el_xinjiang_files,
)
SOURCES = (CURATED_UFLPA, CURATED_COVERED, CURATED_EL_XINJIANG)
_BY_FILE = {spec.files[0].filename: spec for spec in SOURCES}


def _read_spec(spec: SourceSpec, path: str | Path | None, report: ReadReport | None) -> Iterator[Entity]:
    return spec.read_file(path if path is not None else package_path(spec.files[0].filename), report)


def read_uflpa(path: str | Path | None = None, report: ReadReport | None = None) -> Iterator[Entity]:
    """Read uflpa_entities.csv (the package copy unless a path is given)."""
    return _read_spec(CURATED_UFLPA, path, report)


def read_covered(path: str | Path | None = None, report: ReadReport | None = None) -> Iterator[Entity]:
    """Read covered_telecom_video.csv (the package copy unless a path is given); rules go to the report."""
    return _read_spec(CURATED_COVERED, path, report)


def read_el_xinjiang(path: str | Path | None = None, report: ReadReport | None = None) -> Iterator[Entity]:
    """Read entity_list_xinjiang.csv (the package copy unless a path is given)."""
    return _read_spec(CURATED_EL_XINJIANG, path, report)


def read(path: str | Path, report: ReadReport | None = None, code: str | None = None) -> Iterator[Entity]:
    """Read one curated CSV, choosing the reader by ``code`` or else by the file's name."""
    path = Path(path)
    spec = next((s for s in SOURCES if s.code == code), None) if code else _BY_FILE.get(path.name)
    if spec is None:
        raise SourceFormatError(path, f"not a curated file ({', '.join(_BY_FILE)}) and no known code given")
    return _read_spec(spec, path, report)
