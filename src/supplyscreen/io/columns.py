"""Which input column holds the vendor name, address, description, amount, date...: detected or given.

Headers are compared after case folding and removing spaces, underscores, hyphens, dots and colons,
so "Vendor_Name", "vendor name" and "VENDOR-NAME" are one header; a trailing unit in brackets
("Amount (USD)", "金额（元）") is ignored when nothing matches without it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from supplyscreen.io.errors import InputError
from supplyscreen.io.limits import MAX_HEADER_CHARS

#: The record fields a column can be mapped to, in `Record` order.
KEYS = ("id", "name", "address", "country", "description", "hs_code", "amount", "currency", "funding", "date")

#: Header spellings for each key, most specific first (English, then Chinese).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id", "po number", "po no", "po #", "po", "purchase order", "purchase order number", "order id",
        "order number", "order no", "invoice number", "invoice no", "invoice #", "invoice id",
        "transaction id", "record id", "reference", "ref", "编号", "订单号", "订单编号", "发票号", "发票号码",
    ),
    "name": (
        "vendor", "vendor name", "supplier", "supplier name", "payee", "payee name", "company",
        "company name", "seller", "seller name", "contractor", "contractor name", "recipient",
        "recipient name", "awardee", "legal name", "vendor legal name", "entity name", "party name",
        "organisation name", "organization name", "供应商", "供应商名称", "公司名称", "厂商", "厂商名称",
        "企业名称", "单位名称", "卖方", "名称", "manufacturer", "manufacturer name", "制造商", "name",
    ),
    "address": (
        "address", "vendor address", "supplier address", "company address", "street address",
        "address line 1", "vendor address line 1", "supplier address line 1", "payee address",
        "vendor street", "supplier location", "vendor location", "地址", "供应商地址", "公司地址",
        "详细地址",
    ),
    "country": (
        "country", "vendor country", "supplier country", "country name", "country code", "ctry", "国家",
        "国家/地区", "国别",
    ),
    "description": (
        "description", "item", "item description", "product", "product description", "product name",
        "goods", "goods description", "commodity", "material description", "line description",
        "contract description", "contract desc", "contract title", "scope of work", "summary",
        "商品", "商品名称", "品名", "描述", "产品", "产品名称", "货物名称", "物料描述",
    ),
    "hs_code": (
        "hs code", "hs", "hts", "hts code", "tariff code", "hs tariff code", "commodity code",
        "海关编码", "hs编码", "商品编码", "税则号",
    ),
    "amount": (
        "amount", "total", "value", "total amount", "line amount", "invoice amount", "po amount",
        "net amount", "金额", "总金额", "总价", "合计",
    ),
    "currency": ("currency", "currency code", "ccy", "cur", "curr", "币种", "货币"),
    "funding": (
        "funding", "fund", "funding source", "fund source", "funding agency", "source of funds",
        "paid from", "funded by", "fund name", "funding program", "资金来源",
    ),
    "date": (
        "date", "order date", "po date", "invoice date", "transaction date", "payment date",
        "award date", "日期", "订单日期", "发票日期",
    ),
}  # fmt: skip
#: Headers of address details (city, province...) that are added to the address text, in this order.
ADDRESS_PART_SYNONYMS = (
    "district", "county", "city", "town", "locality", "prefecture", "region", "province", "state",
    "postal code", "postcode", "zip", "zip code", "区县", "城市", "市", "地区", "省", "省份", "邮编",
)  # fmt: skip

_PARTY_PREFIXES = ("vendor", "supplier", "payee", "seller", "contractor")
_IGNORED = re.compile(r"[\s_\-./:：#]+")
_BRACKETED = re.compile(r"\s*[(\[（【].*?[)\]）】]\s*")


def normalize_header(header: str) -> str:
    """`header` folded for comparison: NFKC, case folded, "#" read as "number", separators removed."""
    text = unicodedata.normalize("NFKC", header).casefold().strip()
    text = re.sub(r"(?<=\w)\s*#$", " number", text)
    return _IGNORED.sub("", text)


def _synonym_ranks() -> dict[str, tuple[str, int]]:
    ranks: dict[str, tuple[str, int]] = {}
    for key, spellings in HEADER_SYNONYMS.items():
        for rank, spelling in enumerate(spellings):
            ranks.setdefault(normalize_header(spelling), (key, rank))
    return ranks


_RANKS = _synonym_ranks()


def detect_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Map keys of `KEYS` to the columns of `headers` whose header is a known spelling; unknowns left out.

    When two columns match one key, the more specific spelling wins ("Supplier Name" over
    "Manufacturer"), then the leftmost column.
    """
    best: dict[str, tuple[int, int, int, str]] = {}  # key: (bracket pass, synonym rank, position, column)
    for strip_brackets in (False, True):
        for position, header in enumerate(headers):
            if len(str(header)) > MAX_HEADER_CHARS:  # no known spelling; the bracket search is slow
                continue
            text = _BRACKETED.sub("", str(header)) if strip_brackets else str(header)
            found = _RANKS.get(normalize_header(text))
            if found is None or any(column == header for *_, column in best.values()):
                continue
            key, rank = found
            candidate = (int(strip_brackets), rank, position)
            if key not in best or candidate < best[key][:3]:
                best[key] = (*candidate, header)
    return {key: best[key][3] for key in KEYS if key in best}


def detect_address_parts(headers: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """Columns holding address details (city, province, postal code) not mapped to a key, street first.

    Their values are appended to the address, so a supplier in "Kashgar" is seen even when the
    street is in another column.
    """
    order = {normalize_header(spelling): rank for rank, spelling in enumerate(ADDRESS_PART_SYNONYMS)}
    used = set(mapping.values())
    found = []
    for header in headers:
        if header in used:
            continue
        folded = normalize_header(str(header))
        # "Vendor City", "Supplier Zip Code": the vendor's own address details
        for prefix in _PARTY_PREFIXES:
            if folded.startswith(prefix) and folded[len(prefix) :] in order:
                folded = folded[len(prefix) :]
                break
        if folded in order:
            found.append((order[folded], header))
    return [header for _, header in sorted(found, key=lambda pair: pair[0])]


def parse_mapping_override(text: str, columns: Sequence[str] | None = None) -> dict[str, str]:
    """Read a `--map` value such as "name=Lieferant,address=Anschrift" into {key: column}.

    Keys must be among `KEYS`; when `columns` is given each column must be one of them (an exact
    match, else the one column equal after folding case and separators). Raises InputError naming
    the unknown key or column.
    """
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, equals, column = part.partition("=")
        key, column = key.strip().lower(), column.strip()
        if not equals or not column:
            raise InputError("--map", f"{part.strip()!r} is not KEY=COLUMN")
        if key not in KEYS:
            raise InputError("--map", f"unknown key {key!r}; keys are {', '.join(KEYS)}")
        mapping[key] = column
    if columns is not None:
        mapping = check_mapping(mapping, columns, "--map")
    return mapping


def check_mapping(mapping: Mapping[str, str], columns: Sequence[str], path: object) -> dict[str, str]:
    """`mapping` with keys checked and each column resolved to one of `columns`; InputError otherwise."""
    checked: dict[str, str] = {}
    for key, column in mapping.items():
        if key not in KEYS:
            raise InputError(path, f"unknown key {key!r} in the column mapping; keys are {', '.join(KEYS)}")
        checked[key] = _resolve_column(str(column), columns, path)
    return checked


def _resolve_column(column: str, columns: Sequence[str], path: object) -> str:
    if column in columns:
        return column
    folded = [name for name in columns if normalize_header(str(name)) == normalize_header(column)]
    if len(folded) == 1:
        return folded[0]
    raise InputError(path, f"no column {column!r}; columns are {_listing(columns)}", column=column)


#: Why a sheet that must name a vendor was skipped (``resolve_mapping(require_name=True)``).
NO_NAME = "no vendor/supplier name column found"


def resolve_mapping(
    columns: Sequence[str],
    explicit: Mapping[str, str] | None,
    path: object,
    *,
    sheet: str | None = None,
    require_name: bool = False,
) -> dict[str, str]:
    """The mapping to read `columns` with: detected, then overridden by `explicit` key by key.

    Without a name column the detectors still read every column and no name is matched (the
    screening says so, ``screen.run.NO_NAME_NOTE``). ``require_name``: raise InputError listing the
    columns instead, unless the caller gave an explicit mapping (for the sheets of a workbook, where a
    sheet without one is a "Notes" sheet that is skipped).
    """
    detected = detect_mapping(columns)
    if explicit is None:
        if require_name and "name" not in detected:
            raise InputError(
                path,
                f"{NO_NAME}; columns are {_listing(columns)}; use --map name=COLUMN",
                sheet=sheet,
            )
        return detected
    checked = check_mapping(explicit, columns, path)
    merged = {key: column for key, column in detected.items() if column not in checked.values()}
    merged.update(checked)
    return {key: merged[key] for key in KEYS if key in merged}


def _listing(columns: Sequence[str]) -> str:
    shown = ", ".join(repr(str(column)) for column in columns[:30])
    return shown + (f" and {len(columns) - 30} more" if len(columns) > 30 else "") if columns else "(none)"
