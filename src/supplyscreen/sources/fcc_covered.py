"""Reader for the FCC Covered List, published only as an HTML table on fcc.gov.

Each table row names covered equipment or services and the date it was added. Rows naming a
producer or provider (set in ``<strong>`` on the page) become organisations with a ``us_fcc_covered``
membership; rows naming a whole category of equipment ("UAS ... produced in a foreign country",
"Routers produced in a foreign country") become :class:`Rule` objects, never names to match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Membership, Relation, Rule
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec, read_utf8
from supplyscreen.sources.dhs_uflpa import DATE_RE as _DATE_RE
from supplyscreen.sources.dhs_uflpa import parse_date

CODE = "us_fcc_covered"
URL = "https://www.fcc.gov/supplychain/coveredlist"
AUTHORITY = "Secure and Trusted Communications Networks Act of 2019; 47 CFR 1.50002"
DATE_FIELD = "Date of Inclusion on Covered List"
TEXT_FIELD = "Covered Equipment or Services"

_SPACE_RE = re.compile(r"\s+")
# A row that covers a whole category of equipment, whoever produced it.
_CATEGORY_RE = re.compile(r"produced in a foreign country|foreign[- ]produced|^all\b", re.IGNORECASE)
_CATEGORY_SLUGS = (
    (re.compile(r"\b(?:uas|uncrewed aircraft|unmanned aircraft|drones?)\b", re.IGNORECASE), "uas"),
    (re.compile(r"\brouters?\b", re.IGNORECASE), "routers"),
    (re.compile(r"\bmodules?\b", re.IGNORECASE), "modules"),
)
_PRODUCER_RE = re.compile(
    r"\b(?:produced|provided|supplied)(?:\s+or\s+provided)?(?:,\s*directly or indirectly,)?\s+by\s+"
    r"(?P<name>.+?)(?=,\s|\s+subject to\b|\s+or any\b|\s+and its\b|\s+including\b|\.\s|\.?$)",
    re.IGNORECASE,
)
# Abbreviations whose full stop the page sometimes leaves outside the <strong> element.
_ABBREV_RE = re.compile(r"\b(?:Inc|Corp|Co|Ltd|Ltda|Pte|Bhd)$")
_WORD_RE = re.compile(r"[a-z0-9]+")


def rule_category(text: str) -> str:
    """A short slug for an equipment category ("uas", "routers"), else the first words slugified."""
    for pattern, slug in _CATEGORY_SLUGS:
        if pattern.search(text):
            return slug
    words = [w for w in _WORD_RE.findall(text.lower()) if w not in {"all", "and", "the", "of"}]
    return "-".join(words[:3]) or "category"


@dataclass(slots=True)
class _Cell:
    parts: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _SPACE_RE.sub(" ", "".join(self.parts)).strip()


@dataclass(slots=True)
class _Row:
    line: int
    cells: list[_Cell] = field(default_factory=list)
    header: bool = False


class _TableParser(HTMLParser):
    """Collects the rows of each top-level table: cell text, text set in <strong>, each row's line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[_Row]] = []
        self.unclosed = 0  # tables still open at the end (truncated file)
        self._cell: _Cell | None = None
        self._strong: list[str] | None = None
        self._strong_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.unclosed += 1
            if self.unclosed == 1:
                self.tables.append([])
        elif self.unclosed != 1:
            return
        elif tag == "tr":
            self.tables[-1].append(_Row(line=self.getpos()[0]))
        elif tag in ("td", "th") and self.tables[-1]:
            self._cell = _Cell()
            self.tables[-1][-1].cells.append(self._cell)
            self.tables[-1][-1].header = tag == "th"
        elif self._cell is not None and tag in ("br", "p"):
            self._cell.parts.append(" ")
        elif self._cell is not None and tag in ("strong", "b"):
            self._strong_depth += 1
            if self._strong is None:
                self._strong = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.unclosed = max(0, self.unclosed - 1)
            self._cell = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag in ("strong", "b") and self._strong is not None:
            self._strong_depth -= 1
            if self._strong_depth == 0 and self._cell is not None:
                self._cell.strong.append(_SPACE_RE.sub(" ", "".join(self._strong)).strip())
                self._strong = None
        elif tag == "p" and self._cell is not None:
            self._cell.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.parts.append(data)
            if self._strong is not None:
                self._strong.append(data)


def _company_names(cell: _Cell) -> list[str]:
    """The producer or provider names of a row: its <strong> texts, else a "produced by X" match."""
    text = cell.text
    names: list[str] = []
    for raw in cell.strong:
        name = raw.strip(" ,;:")
        if _ABBREV_RE.search(name) and f"{name}." in text:
            name += "."
        if name and name not in names:
            names.append(name)
    if names:
        return names
    m = _PRODUCER_RE.search(text)
    return [m.group("name").strip(" ,;:")] if m else []


def _header(rows: list[_Row]) -> str:
    return " | ".join(c.text for r in rows if r.header for c in r.cells)


def _parse(path: Path) -> list[_Row]:
    """The rows of the Covered List table: the one whose header names covered equipment."""
    data = read_utf8(path, bom=False)
    parser = _TableParser()
    parser.feed(data)
    parser.close()
    if not parser.tables:
        raise SourceFormatError(path, "no <table> found: not the FCC Covered List page")
    if parser.unclosed:
        raise SourceFormatError(path, "a table is not closed: truncated file")
    for rows in parser.tables:
        header = _header(rows)
        if "Covered Equipment" in header and "Date of Inclusion" in header:
            return rows
    if len(parser.tables) == 1 and not _header(parser.tables[0]):
        return parser.tables[0]
    raise SourceFormatError(
        path, f"no table with the header {TEXT_FIELD!r} | {DATE_FIELD!r}", field=TEXT_FIELD
    )


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Read the FCC Covered List table: organisations for named producers, rules for categories."""
    path = Path(files["html"])
    rows = _parse(path)
    data_rows = [r for r in rows if not r.header]
    if not data_rows:
        raise SourceFormatError(path, "the Covered List table has no rows")
    newest: str | None = None
    for number, row in enumerate(data_rows, start=1):
        if len(row.cells) != 2:
            raise SourceFormatError(
                path, f"row {number}: expected 2 cells, found {len(row.cells)}", line=row.line
            )
        text_cell, date_cell = row.cells
        text = text_cell.text
        if not text:
            raise SourceFormatError(
                path, f"row {number}: empty covered-equipment text", line=row.line, field=TEXT_FIELD
            )
        dates = [d for d in (parse_date(m.group(0)) for m in _DATE_RE.finditer(date_cell.text)) if d]
        if not dates:
            raise SourceFormatError(
                path, f"row {number}: no date in {date_cell.text!r}", line=row.line, field=DATE_FIELD
            )
        report.records += 1
        newest = max(newest or dates[0], *dates)
        if len(dates) > 1:
            report.notes.append(f"row {number}: listed {dates[0]}, updated {', '.join(dates[1:])}")
        names = [] if _CATEGORY_RE.search(text) else _company_names(text_cell)
        if not names:
            report.rules.append(_rule(number, text, dates[0]))
            continue
        yield from _entities(number, names, text, dates[0])
    if newest:
        report.notes.append(f"newest entry on the page: {newest}")


def _rule(number: int, text: str, listed_on: str) -> Rule:
    rid = f"{CODE}:{number}"
    return Rule(
        id=rid,
        list_code=CODE,
        category=rule_category(text),
        text=text,
        listed_on=listed_on,
        source_url=URL,
        source_id=rid,
    )


def _entities(number: int, names: list[str], text: str, listed_on: str) -> Iterator[Entity]:
    ids = (
        [f"{CODE}:{number}"]
        if len(names) == 1
        else [f"{CODE}:{number}-{k}" for k in range(1, len(names) + 1)]
    )
    for k, (eid, name) in enumerate(zip(ids, names, strict=True)):
        entity = Entity(id=eid, schema="Organization", source_ids=[eid])
        entity.add_name(name, "primary")
        entity.memberships.append(
            Membership(
                list_code=CODE,
                authority=AUTHORITY,
                listed_on=listed_on,
                source_url=URL,
                source_id=eid,
                note=text,
            )
        )
        if k > 0 and "subsidiary" in text.split(names[k], 1)[0].split(names[0], 1)[-1]:
            entity.relations.append(
                Relation(type="subsidiary_of", target_id=ids[0], target_name=names[0], source=CODE)
            )
        yield entity


SOURCE = SourceSpec(
    code=CODE,
    title="FCC Covered List",
    files=(SourceFile("html", "coveredlist", URL),),
    read=read_files,
)


def read(path: str | Path, report: ReadReport | None = None) -> Iterator[Entity]:
    """Read a saved copy of the Covered List page; rules land in ``report.rules``."""
    return SOURCE.read_file(path, report)
