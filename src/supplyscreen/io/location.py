"""Where the vendor is, from the columns that say so: its country, or a US state or ZIP code.

Name hits weigh the vendor's country (a hit on an entity known only elsewhere is demoted one level,
see ``names.matcher``), so it must be the vendor's: a file of contracts naming an agency and a
vendor, with a "State" column, says where the agency is. The columns used are

* those whose header names the vendor and a place: "Vendor State", "Supplier Country", "Payee Zip";
* else, in a file that names no other party (no "Agency", "Department", "Buyer", "Customer" …), the
  mapped country column and the address-detail columns that are states or postal codes;
* none in a file that names two parties without saying whose place it gives.

A US state (code or name, from rigour's territory data) or a US ZIP code (five digits, or nine)
means the United States; a country column's value is read by ``countries.country_code``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from supplyscreen.countries import country_code
from supplyscreen.io.columns import detect_address_parts, normalize_header

VENDOR_WORDS = ("vendor", "supplier", "payee", "seller", "contractor", "remitto", "remit")  # (longest first
# where one opens another: none does)
PLACE_KINDS = {
    "country": "country",
    "countrycode": "country",
    "countryname": "country",
    "state": "state",
    "statecode": "state",
    "province": "state",
    "zip": "zip",
    "zipcode": "zip",
    "postalcode": "zip",
    "postcode": "zip",
}
#: Header words naming a party other than the vendor; a file with one gives no vendor place unless a
#: column says it is the vendor's.
OTHER_PARTY_WORDS = (
    "agency", "department", "dept", "buyer", "customer", "purchaser", "school", "client",
    "requester", "requestor", "billto", "shipto", "consignee", "employer", "ordering",
)  # fmt: skip
_ZIP = re.compile(r"^\d{5}(?:-?\d{4})?$")


def vendor_place_columns(headers: Sequence[str], mapping: Mapping[str, str]) -> list[tuple[str, str]]:
    """(column, kind) of the columns saying where the vendor is; kind: country, state or zip."""
    named = []
    for header in headers:
        folded = normalize_header(str(header))
        for word in VENDOR_WORDS:
            if folded.startswith(word) and folded[len(word) :] in PLACE_KINDS:
                named.append((header, PLACE_KINDS[folded[len(word) :]]))
                break
    if named:
        return named
    if names_another_party(headers, mapping):
        return []
    found = [(mapping["country"], "country")] if "country" in mapping else []
    for column in detect_address_parts(headers, mapping):
        kind = PLACE_KINDS.get(normalize_header(str(column)))
        if kind in ("state", "zip"):
            found.append((column, kind))
    return found


def names_another_party(headers: Iterable[str], mapping: Mapping[str, str]) -> bool:
    """Whether a header names a party besides the vendor ("Agency", "Dept. Description", "Buyer")."""
    vendor = mapping.get("name")
    for header in headers:
        if header == vendor:
            continue
        folded = normalize_header(str(header))
        if any(folded.startswith(word) for word in OTHER_PARTY_WORDS):
            return True
    return False


@cache
def _us_states() -> frozenset[str]:
    """US state and territory codes and names (rigour's territory data), folded."""
    from rigour.territories import get_territories

    found: set[str] = set()
    for territory in get_territories():
        parent = territory.parent
        if parent is None or parent.code != "us":
            continue
        code = territory.code.split("-")[-1]
        found.add(code)
        found.add(normalize_header(re.sub(r"\s*\(.*?\)", "", territory.name)))
    return frozenset(found)


def place_country(cells: Iterable[tuple[str, object]]) -> str | None:
    """The country (ISO alpha-2, lower case) the vendor's place cells say, or None.

    ``cells``: (kind, value) with kind country, state or zip, as ``vendor_place_columns`` gives them.
    """
    for kind, value in cells:
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if kind == "country":
            code = country_code(text)
            if code:
                return code
        elif kind == "state" and normalize_header(text) in _us_states():
            return "us"
        elif kind == "zip" and _ZIP.match(text.split(".")[0] if text.endswith(".0") else text):
            return "us"
    return None


def describe(columns: Sequence[tuple[str, str]]) -> str:
    """The columns, as the run's summary names them ("Vendor State (state), Vendor Zip Code (zip)")."""
    return ", ".join(f"{column} ({kind})" for column, kind in columns)
