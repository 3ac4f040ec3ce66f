"""Open Contracting (OCDS) releases and records: one `Record` per supplier of each award and contract.

A supplier's address and country come from the release's ``parties`` (resolved by id), falling back
to what the award itself carries (OCDS 1.0 put addresses on the supplier reference). A contract
takes its suppliers from the award it implements (``awardID``). Item classifications are kept in
``fields["classifications"]``; only those in an HS scheme become ``hs_code``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from supplyscreen.io.dates import parse_amount, parse_date
from supplyscreen.io.record_builder import text_value
from supplyscreen.model import Record

#: The columns each OCDS record's ``fields`` holds, in order.
OCDS_COLUMNS = (
    "id", "ocid", "release_id", "release_index", "object", "award_id", "contract_id", "status",
    "supplier_id", "supplier_name", "supplier_identifier", "supplier_address", "supplier_country",
    "buyer_id", "buyer_name", "title", "description", "classifications", "hs_code", "amount",
    "currency", "funding", "date",
)  # fmt: skip
#: Which of those fields each record key is read from.
OCDS_MAPPING = {
    "id": "id",
    "name": "supplier_name",
    "address": "supplier_address",
    "country": "supplier_country",
    "description": "description",
    "hs_code": "hs_code",
    "amount": "amount",
    "currency": "currency",
    "funding": "funding",
    "date": "date",
}
HS_SCHEMES = frozenset({"HS", "HS6", "HTS", "HSCODE", "HARMONIZED SYSTEM"})
_ADDRESS_PARTS = ("streetAddress", "locality", "region", "postalCode", "countryName")


def is_release(obj: object) -> bool:
    """Whether `obj` looks like one OCDS release (or a compiled release)."""
    return isinstance(obj, dict) and "ocid" in obj and "compiledRelease" not in obj and "releases" not in obj


def is_record(obj: object) -> bool:
    """Whether `obj` looks like one OCDS record (an entry of a record package's ``records``)."""
    return isinstance(obj, dict) and "ocid" in obj and ("compiledRelease" in obj or "releases" in obj)


def is_package(obj: object) -> bool:
    """Whether `obj` is an OCDS release package or record package."""
    return isinstance(obj, dict) and "ocid" not in obj and ("releases" in obj or "records" in obj)


def releases_of(obj: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The releases to read from a release, a record (its compiled release) or a whole package."""
    if is_record(obj):
        compiled = obj.get("compiledRelease")
        if isinstance(compiled, dict):
            yield compiled
        else:  # no compiled release: the embedded releases (linked ones are mere URLs)
            yield from _dicts(obj.get("releases"))
    elif is_package(obj):
        for item in _dicts(obj.get("releases")):
            yield from releases_of(item)
        for item in _dicts(obj.get("records")):
            yield from releases_of(item)
    elif is_release(obj):
        yield obj


def release_rows(release: Mapping[str, Any], release_index: int) -> Iterator[dict[str, Any]]:
    """One fields dict per supplier of each award, then per supplier of each contract's award."""
    parties = {str(party.get("id")): party for party in _dicts(release.get("parties")) if "id" in party}
    awards = list(_dicts(release.get("awards")))
    base = _release_fields(release, parties, release_index)
    seen: set[tuple[str, str, str]] = set()
    for award in awards:
        yield from _object_rows(base, "award", award, award, parties, seen)
    by_id = {str(award.get("id")): award for award in awards}
    for contract in _dicts(release.get("contracts")):
        award = by_id.get(str(contract.get("awardID")), {})
        yield from _object_rows(base, "contract", contract, award, parties, seen)


def ocds_records(
    releases: Iterable[tuple[int, Mapping[str, Any]]],
    first_row: int = 1,
    on_error: Callable[[int, str], None] | None = None,
) -> Iterator[Record]:
    """`Record`s for (release position, release) pairs; rows are numbered from `first_row`.

    Fields of the wrong type (``"parties": "x"``, an amount that is an object) are read as missing;
    a release that cannot be read all the same is skipped and reported to ``on_error`` (its position
    and why); without ``on_error`` the error is raised.
    """
    row = first_row - 1
    for release_index, release in releases:
        try:
            records = [
                record_from_fields(row + n, fields)
                for n, fields in enumerate(release_rows(release, release_index), start=1)
            ]
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:
            if on_error is None:
                raise
            ocid = text_value(release.get("ocid")) if isinstance(release, Mapping) else None
            on_error(
                release_index,
                f"OCDS release {release_index}{f' ({ocid[:100]})' if ocid else ''} cannot be read, a "
                f"field of the wrong type? ({type(exc).__name__}: {str(exc)[:200]}); release skipped",
            )
            continue
        row += len(records)
        yield from records


def record_from_fields(row: int, fields: dict[str, Any]) -> Record:
    """The `Record` of one OCDS row (see `OCDS_COLUMNS`)."""
    return Record(
        row=row,
        fields=fields,
        id=fields["id"],
        name=fields["supplier_name"],
        address=fields["supplier_address"],
        country=fields["supplier_country"],
        description=fields["description"],
        hs_code=fields["hs_code"],
        amount=parse_amount(fields["amount"]),
        currency=fields["currency"],
        funding=fields["funding"],
        date=parse_date(fields["date"]),
        buyer=fields["buyer_name"],
    )


def _release_fields(
    release: Mapping[str, Any], parties: Mapping[str, Mapping[str, Any]], release_index: int
) -> dict[str, Any]:
    buyer = _dict(release.get("buyer"))
    if not buyer:
        buyer = next((p for p in parties.values() if "buyer" in _texts(p.get("roles"))), {})
    budget = _dict(_dict(release.get("planning")).get("budget"))
    return {
        "ocid": text_value(release.get("ocid")),
        "release_id": text_value(release.get("id")),
        "release_index": release_index,
        "buyer_id": text_value(buyer.get("id")),
        "buyer_name": text_value(buyer.get("name"))
        or text_value(parties.get(str(buyer.get("id")), {}).get("name")),
        "funding": text_value(budget.get("description")) or text_value(budget.get("project")),
    }


def _object_rows(
    base: Mapping[str, Any],
    kind: str,
    obj: Mapping[str, Any],
    award: Mapping[str, Any],
    parties: Mapping[str, Mapping[str, Any]],
    seen: set[tuple[str, str, str]],
) -> Iterator[dict[str, Any]]:
    object_id = text_value(obj.get("id")) or ""
    items = list(_dicts(obj.get("items")))
    classifications = _classifications(items)
    value = _dict(obj.get("value"))
    period = _dict(obj.get("period"))
    common = {
        **base,
        "id": f"{base['ocid']}/{kind}s/{object_id}",
        "object": kind,
        "award_id": text_value(award.get("id")) if award else None,
        "contract_id": object_id if kind == "contract" else None,
        "status": text_value(obj.get("status")),
        "title": text_value(obj.get("title")),
        "description": _description(obj, items),
        "classifications": "; ".join(f"{scheme}:{code}" for scheme, code in classifications) or None,
        "hs_code": "; ".join(code for scheme, code in classifications if scheme in HS_SCHEMES) or None,
        "amount": value.get("amount"),
        "currency": text_value(value.get("currency")),
        "date": obj.get("date") or obj.get("dateSigned") or period.get("startDate"),
    }
    suppliers = list(_dicts(award.get("suppliers"))) or [{}]
    for supplier in suppliers:
        supplier_fields = _supplier_fields(supplier, parties)
        key = (kind, object_id, str(supplier_fields["supplier_id"] or supplier_fields["supplier_name"]))
        if key in seen:
            continue
        seen.add(key)
        merged = {**common, **supplier_fields}
        yield {column: merged.get(column) for column in OCDS_COLUMNS}


def _supplier_fields(
    reference: Mapping[str, Any], parties: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    party = parties.get(str(reference.get("id")), {}) if "id" in reference else {}
    address = _dict(party.get("address")) or _dict(reference.get("address"))
    identifier = _dict(party.get("identifier")) or _dict(reference.get("identifier"))
    scheme, code = text_value(identifier.get("scheme")), text_value(identifier.get("id"))
    parts = (text_value(address.get(part)) for part in _ADDRESS_PARTS)
    return {
        "supplier_id": text_value(reference.get("id")),
        "supplier_name": text_value(reference.get("name")) or text_value(party.get("name")),
        "supplier_identifier": f"{scheme}:{code}" if scheme and code else code,
        "supplier_address": ", ".join(part for part in parts if part) or None,
        "supplier_country": text_value(address.get("countryName")) or text_value(address.get("country")),
    }


def _description(obj: Mapping[str, Any], items: list[Mapping[str, Any]]) -> str | None:
    parts: list[str] = []
    for text in (obj.get("title"), obj.get("description"), *(item.get("description") for item in items)):
        value = text_value(text)
        if value and value not in parts:
            parts.append(value)
    return " | ".join(parts) or None


def _classifications(items: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for item in items:
        for classification in [item.get("classification"), *_list(item.get("additionalClassifications"))]:
            entry = _dict(classification)
            scheme = (text_value(entry.get("scheme")) or "").upper()
            code = text_value(entry.get("id"))
            if code and (scheme, code) not in found:
                found.append((scheme, code))
    return found


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _texts(value: object) -> list[str]:
    """A list of codes (``roles``) as texts; a single text as a list of one, anything else as none."""
    if isinstance(value, str):
        return [value]
    return [item for item in _list(value) if isinstance(item, str)]
