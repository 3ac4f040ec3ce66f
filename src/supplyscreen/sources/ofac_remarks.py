"""Parser of the free-text remarks field of OFAC's legacy SDN CSV (``sdn.csv`` and ``sdn_comments.csv``).

The remarks hold an entry's birth data, nationalities, gender, further names, identifiers (labelled as in
:mod:`supplyscreen.sources.identifiers`) and "Linked To" names, as ``;``-separated clauses.
"""

from __future__ import annotations

import re

from supplyscreen.countries import country_code
from supplyscreen.io.dates import month_number
from supplyscreen.model import Entity
from supplyscreen.sources.identifiers import ID_TYPES, make_identifier

_ID_CLAUSE = re.compile(
    "^("
    + "|".join(re.escape(k) for k in sorted(ID_TYPES, key=len, reverse=True))
    + r")(?=[\s:#-]|$)[\s:#-]*(.*)$"
)
_ID_TAIL = re.compile(r"(?:^|\s+)(?:issued|expires)\b.*$", re.IGNORECASE)
_ID_COUNTRY = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
_ALT = re.compile(r"^alt\.\s+", re.IGNORECASE)
_ALIAS = re.compile(r"^([afn])\.k\.a\.,?\s*(.*)$")
_DATE = r"(?:(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+)?(\d{4})"
_DOB = re.compile(rf"^DOB\s+(?:circa\s+)?{_DATE}(?:\s*(?:to|-)\s*{_DATE})?$")
_ALIAS_KINDS = {"a": "alias", "f": "fka", "n": "nka"}
_MAX_YEAR_SPAN = 10


def parse_remarks(entity: Entity, remarks: str) -> list[str]:
    """Fill the entity from its remarks; return the names its ``Linked To:`` clauses give.

    Clauses are separated by ``;``. Birth dates, places, nationalities, gender, names and
    identifiers become fields; any other clause (website, sanctions information …) a note.
    """
    linked: list[str] = []
    clauses = [c.strip() for c in remarks.split(";")]
    while clauses and not clauses[-1]:
        clauses.pop()
    if clauses and clauses[-1].endswith("."):
        clauses[-1] = clauses[-1][:-1].rstrip()
    for clause in clauses:
        if not clause:
            continue
        body = _ALT.sub("", clause)
        if body.startswith("Linked To:"):
            name = " ".join(body[len("Linked To:") :].split())
            if name:
                linked.append(name)
        elif not _parse_fact(entity, body):
            _add_unique(entity.notes, clause)
    return linked


def _parse_fact(entity: Entity, body: str) -> bool:
    """Parse one remarks clause (without ``alt.``) into the entity; False when it is no known fact."""
    alias = _ALIAS.match(body)
    if alias:
        name = alias.group(2).strip()
        if name.startswith("'"):
            end = name.rfind("'")
            name = name[1:end] if end > 0 else name[1:]
        entity.add_name(name, _ALIAS_KINDS[alias.group(1)])
        return bool(name.strip())
    if body.startswith("DOB "):
        dates = _birth_dates(body)
        for date in dates:
            _add_unique(entity.birth_dates, date)
        return bool(dates)
    if body.startswith(("POB ", "POB:")):
        _add_unique(entity.birth_places, " ".join(body[4:].lstrip(" :").split()))
        return True
    if body.startswith(("nationality ", "citizen ")):
        value = body.split(" ", 1)[1].strip()
        value = value.removeprefix("possibly ").strip()
        code = country_code(value)
        _add_unique(entity.nationalities, code or value)
        if entity.schema == "Person":
            entity.add_country(code)
        return True
    if body.startswith("Gender "):
        entity.gender = body[7:].strip().lower() or entity.gender
        return True
    return _parse_identifier(entity, body)


def _parse_identifier(entity: Entity, body: str) -> bool:
    """``Passport X (Country) issued …``-style clauses as identifiers; False when not one."""
    match = _ID_CLAUSE.match(body)
    if not match:
        return False
    id_type = ID_TYPES[match.group(1)]
    value = _ID_TAIL.sub("", match.group(2)).strip()
    country: str | None = None
    with_country = _ID_COUNTRY.match(value)
    if with_country and with_country.group(1):
        value, country = with_country.group(1), country_code(with_country.group(2))
    if value.startswith("(") and value.endswith(")") and value.count("(") == 1:
        value = value[1:-1]
    if id_type == "crypto_wallet":
        value = value.split()[-1] if value else ""
    identifier = make_identifier(id_type, value, country)
    if identifier is None:
        return False
    entity.add_identifier(identifier)
    return True


def _birth_dates(body: str) -> list[str]:
    """ISO dates of a ``DOB`` clause; a range of whole years gives each year (up to ten)."""
    match = _DOB.match(body)
    if not match:
        return []
    start = _iso(*match.group(1, 2, 3))
    end = _iso(*match.group(4, 5, 6)) if match.group(6) else None
    if start is None:
        return []
    if end is None:
        return [start]
    first, last = int(start[:4]), int(end[:4])
    whole_years = (len(start) == 4 or start.endswith("-01-01")) and (len(end) == 4 or end.endswith("-12-31"))
    if whole_years and 0 <= last - first <= _MAX_YEAR_SPAN:
        return [str(year) for year in range(first, last + 1)]
    return [start, end]


def _iso(day: str | None, month: str | None, year: str) -> str | None:
    """``03``, ``Nov``, ``1955`` as ``1955-11-03``; a month without day as ``1955-11``."""
    if not month:
        return None if day else year
    number = month_number(month)
    if number is None:
        return None
    return f"{year}-{number:02d}-{int(day):02d}" if day else f"{year}-{number:02d}"


def _add_unique(values: list[str], value: str) -> None:
    if value and value not in values:
        values.append(value)
