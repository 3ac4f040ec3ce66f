"""Country names and codes, as the lists write them, to ISO 3166-1 alpha-2 codes (lower case).

The table is ``data/countries.csv`` (a name and its code per row), generated once from ISO 3166 names
plus the spellings OFAC, the CSL and the UN use ("Korea, North", "Burma", "Region: Crimea"); a static
table so that reading a list needs no extra dependency. It is read once, on first use.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

_SPACE = re.compile(r"\s+")


@cache
def _table() -> tuple[dict[str, str | None], frozenset[str]]:
    """The names (upper case) with their codes (None: no country), and the set of known codes."""
    text = resources.files("supplyscreen").joinpath("data/countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    names: dict[str, str | None] = {row["name"]: row["code"] or None for row in rows}
    return names, frozenset(code for code in names.values() if code)


def country_code(value: str | None) -> str | None:
    """The lower-case ISO alpha-2 code of a country name or code, or None when unknown."""
    if not value:
        return None
    key = _SPACE.sub(" ", value.strip().strip(".")).upper()
    if not key:
        return None
    names, iso2 = _table()
    if len(key) == 2 and key.lower() in iso2:
        return key.lower()
    return names.get(key)
