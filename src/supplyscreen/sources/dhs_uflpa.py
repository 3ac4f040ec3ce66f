"""Reader for the DHS UFLPA Entity List page, which has no machine-readable file.

The page holds one HTML table per statutory clause of UFLPA s.2(d)(2)(B) ((i), (ii), (iv), (v)), each
preceded by a heading naming the clause and headed ``Name of Entity | Effective Date``. A name cell
carries its aliases in parentheses ("(also known as A; B; and C)", "(and two aliases: A; and B)",
"(formerly known as A)"); those become alias and former names of one organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from supplyscreen.errors import SourceFormatError
from supplyscreen.model import Entity, Membership, detect_script
from supplyscreen.sources.base import ReadReport, SourceFile, SourceSpec, read_utf8

CODE = "us_dhs_uflpa"
URL = "https://www.dhs.gov/uflpa-entity-list"
AUTHORITY = "Uyghur Forced Labor Prevention Act, Pub. L. 117-78, s.2(d)(2)(B)"
NAME_FIELD = "Name of Entity"
DATE_FIELD = "Effective Date"

_SPACE_RE = re.compile(r"\s+")
_CLAUSE_RE = re.compile(r"2\s*\(d\)\s*\(2\)\s*\(B\)\s*\((i{1,3}|iv|v)\)|[Ss]ection\s+\((i{1,3}|iv|v)\)")
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATE_RE = re.compile(
    rf"\b((?:{_MONTHS})[a-z]*)\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b|\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b"
)
_UPDATED_RE = re.compile(r"Last\s+Updated:?\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
# "... and its subordinate and affiliated entities", ", including its subsidiaries"
_GROUP_RE = re.compile(
    r",?\s+(?:and|including)\s+(?:its|their)\s+(?:[\w-]+\s+){0,4}?(?:subordinate|subsidiar|affiliat)[^()]*$",
    re.IGNORECASE,
)
_SEGMENT_SPLIT_RE = re.compile(r";\s*|,\s*(?=(?:and\s+)?(?:also|formerly)\s+known\s+as\b)", re.IGNORECASE)
_NUMBER = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
_ALIAS_MARK_RE = re.compile(
    rf"^(?:and\s+)?(?:(?:{_NUMBER}\s+)?(?:other\s+)?alias(?:es)?\s*:|also\s+known\s+as\b|a\.?k\.?a\.?(?=\s))\s*",
    re.IGNORECASE,
)
_FKA_MARK_RE = re.compile(
    r"^(?:and\s+)?(?:formerly\s+known\s+as\b|f\.?k\.?a\.?(?=\s)|former\s+names?\s*:|formerly\b)\s*",
    re.IGNORECASE,
)
_ACRONYM_RE = re.compile(r"^[A-Z][A-Z0-9&.\- ]{1,11}$")
_LEADING_AND_RE = re.compile(r"^and\s+", re.IGNORECASE)
DATE_RE = _DATE_RE  # also read by the FCC Covered List reader, whose page writes dates the same way


def parse_date(text: str) -> str | None:
    """The ISO date of the first "June 21, 2022" (or "Jun. 21, 2022", "2022-06-21") date in text."""
    m = _DATE_RE.search(text)
    if not m:
        return None
    try:
        if m.group(4):
            return datetime(int(m.group(4)), int(m.group(5)), int(m.group(6))).date().isoformat()
        month = datetime.strptime(m.group(1)[:3].title(), "%b").month
        return datetime(int(m.group(3)), month, int(m.group(2))).date().isoformat()
    except ValueError:
        return None


def slug(name: str) -> str:
    """A stable id part for a name: case-folded words joined by hyphens (non-Latin letters kept)."""
    return re.sub(r"\W+", "-", name.casefold()).strip("-")


def trailing_group(text: str) -> tuple[str, str] | None:
    """Split ``"Name (content)"`` into name and content when the text ends in a balanced group."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                return text[:i].rstrip(" ,"), text[i + 1 : -1].strip()
    return None


def _alias_list(content: str) -> list[tuple[str, str]] | None:
    """The names in a parenthesised alias list with their kinds, or None if it is no alias list."""
    if not (_ALIAS_MARK_RE.match(content) or _FKA_MARK_RE.match(content)):
        plain = _ACRONYM_RE.match(content) or detect_script(content) == "Han"
        return [(content, "alias")] if plain else None
    names: list[tuple[str, str]] = []
    kind = "alias"
    for segment in _SEGMENT_SPLIT_RE.split(content):
        segment = segment.strip()
        if m := _FKA_MARK_RE.match(segment):
            kind, segment = "fka", segment[m.end() :]
        elif m := _ALIAS_MARK_RE.match(segment):
            kind, segment = "alias", segment[m.end() :]
        segment = _LEADING_AND_RE.sub("", segment).strip(" ,;:")
        if segment:
            names.append((segment, kind))
    return names


def parse_name_cell(text: str) -> tuple[str, list[tuple[str, str]], str | None]:
    """The primary name, the ``(name, kind)`` aliases and a group note of a "Name of Entity" cell."""
    text = _SPACE_RE.sub(" ", text).strip()
    note = None
    if m := _GROUP_RE.search(text):
        note = m.group(0).strip(" ,")
        text = text[: m.start()].rstrip(" ,")
    aliases: list[tuple[str, str]] = []
    while (group := trailing_group(text)) is not None:
        parsed = _alias_list(group[1])
        if parsed is None:
            break
        text = group[0]
        aliases[:0] = parsed
    return text, aliases, note


@dataclass(slots=True)
class _Table:
    context: str  # text between the previous table (or page start) and this one
    rows: list[tuple[int, list[str], bool]] = field(default_factory=list)  # line, cells, is_header


class _PageParser(HTMLParser):
    """Collects every top-level table's rows and the text outside tables that precedes each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self.depth = 0
        self.html_open = False
        self.html_closed = False
        self._outside: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.html_open = True
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables.append(_Table(_SPACE_RE.sub(" ", "".join(self._outside)).strip()))
                self._outside = []
        elif self.depth == 1 and tag == "tr":
            self.tables[-1].rows.append((self.getpos()[0], [], False))
        elif self.depth == 1 and tag in ("td", "th") and self.tables[-1].rows:
            line, cells, _ = self.tables[-1].rows[-1]
            self._cell = []
            cells.append("")
            self.tables[-1].rows[-1] = (line, cells, tag == "th")
        elif tag in ("br", "p", "div", "li") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "html":
            self.html_closed = True
        elif tag == "table":
            self._flush_cell()
            self.depth = max(0, self.depth - 1)
        elif tag in ("td", "th"):
            self._flush_cell()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "div") and self.depth == 0:
            self._outside.append(" ")

    def _flush_cell(self) -> None:
        if self._cell is not None and self.tables and self.tables[-1].rows:
            cells = self.tables[-1].rows[-1][1]
            cells[-1] = _SPACE_RE.sub(" ", "".join(self._cell)).strip()
        self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self.depth == 0:
            self._outside.append(data)
        elif self.depth == 1 and self.tables and data.strip():  # a <caption> naming the clause
            self.tables[-1].context += " " + data.strip()


def _parse(path: Path) -> tuple[_PageParser, str]:
    data = read_utf8(path, bom=False)
    parser = _PageParser()
    parser.feed(data)
    parser.close()
    parser._flush_cell()
    if parser.depth or (parser.html_open and not parser.html_closed):
        raise SourceFormatError(path, "the page ends inside a table or before </html>: truncated file")
    return parser, data


def _is_entity_table(table: _Table) -> bool:
    header = [c.casefold() for line, cells, is_header in table.rows[:1] for c in cells]
    return len(header) >= 2 and header[0].startswith("name of entity") and "effective date" in header[1]


def read_files(files: Mapping[str, Path], report: ReadReport) -> Iterator[Entity]:
    """Read the UFLPA Entity List page into organisations, one membership per clause table."""
    path = Path(files["html"])
    parser, data = _parse(path)
    if m := _UPDATED_RE.search(data):
        try:
            report.snapshot_date = (
                datetime(int(m.group(3)), int(m.group(1)), int(m.group(2))).date().isoformat()
            )
        except ValueError:
            report.notes.append(f"unreadable 'Last Updated' date {m.group(0)!r}")
    tables = [t for t in parser.tables if _is_entity_table(t)]
    if not tables:
        raise SourceFormatError(
            path,
            f"no table headed {NAME_FIELD!r} | {DATE_FIELD!r}: not the UFLPA Entity List page",
            field=NAME_FIELD,
        )
    entities: dict[str, Entity] = {}
    for number, table in enumerate(tables, start=1):
        found = [a or b for a, b in _CLAUSE_RE.findall(table.context)]
        clause = found[-1] if found else None
        if clause is None:
            raise SourceFormatError(
                path,
                f"table {number}: no heading naming the UFLPA s.2(d)(2)(B) clause",
                line=table.rows[0][0],
            )
        _read_table(path, number, clause, table, report, entities)
    yield from entities.values()


def _read_table(
    path: Path, number: int, clause: str, table: _Table, report: ReadReport, entities: dict[str, Entity]
) -> None:
    where = f"table {number} (section ({clause}))"
    for row_no, (line, cells, _) in enumerate(table.rows[1:], start=1):
        if not any(cells):
            report.skipped["empty_row"] += 1
            continue
        if len(cells) < 2 or not cells[0]:
            raise SourceFormatError(
                path,
                f"{where}, row {row_no}: expected a name and a date, found {cells!r}",
                line=line,
                field=NAME_FIELD,
            )
        listed_on = parse_date(cells[1])
        if listed_on is None:
            raise SourceFormatError(
                path, f"{where}, row {row_no}: unreadable date {cells[1]!r}", line=line, field=DATE_FIELD
            )
        report.records += 1
        name, aliases, note = parse_name_cell(cells[0])
        eid = f"{CODE}:{slug(name)}"
        entity = entities.get(eid)
        if entity is None:
            entity = entities[eid] = Entity(id=eid, schema="Organization", source_ids=[eid])
            entity.add_name(name, "primary")
        for alias, kind in aliases:
            entity.add_name(alias, kind)
        entity.memberships.append(
            Membership(
                list_code=CODE,
                program=f"UFLPA section 2(d)(2)(B)({clause})",
                authority=AUTHORITY,
                listed_on=listed_on,
                source_url=URL,
                source_id=eid,
                note=note,
            )
        )


SOURCE = SourceSpec(
    code=CODE,
    title="DHS UFLPA Entity List",
    files=(SourceFile("html", "uflpa-entity-list", URL),),
    read=read_files,
)


def read(path: str | Path, report: ReadReport | None = None) -> Iterator[Entity]:
    """Read a saved copy of the UFLPA Entity List page."""
    return SOURCE.read_file(path, report)
