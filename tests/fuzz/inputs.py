"""Hostile purchase files of every format the screening reads, built from a ``random.Random``.

Shared by the property-based test (``test_fuzz_inputs.py``, where hypothesis drives the Random and
shrinks its draws) and the fuzz runner (``scripts/fuzz.py``, seeded). ``make_input(r, fmt, size)``
gives a file's suffix and bytes; ``mutate(r, data)`` damages them (truncation, flipped bytes,
insertions, deletions, and inside a zip: a member's XML).

What the files hold: headers with known and random names, duplicates, blanks and huge names; cells
of brands on the lists, Xinjiang places, formulas, control characters, NULs, lone surrogates,
right-to-left marks and huge repetitions; text in UTF-8 (with and without BOM), UTF-16 (with and
without BOM), GB18030, Latin-1 and cp1252, with invalid bytes; JSON of random nesting and types,
big numbers, duplicate keys and lone surrogate escapes; OCDS packages whose fields have the wrong
type; Parquet with binary, struct, list, map, null, decimal, dictionary and invalid-UTF-8 columns.

This file imports nothing of supplyscreen, so that ``scripts/fuzz.py`` can load it by its path.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import random
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from supplyscreen.report.xlsx import EXCEL_MAX_COLUMNS as XLSX_MAX_COLUMNS

FORMATS = ("csv", "tsv", "xlsx", "parquet", "json", "jsonl", "ocds")
OUTPUTS = ("csv", "jsonl", "xlsx", "html")
SUFFIX = {
    "csv": ".csv",
    "tsv": ".tsv",
    "xlsx": ".xlsx",
    "parquet": ".parquet",
    "json": ".json",
    "jsonl": ".jsonl",
    "ocds": ".json",
}
#: Suffixes a file is sometimes given instead of its own, so that the format is sniffed or misread.
OTHER_SUFFIXES = (".csv", ".txt", ".tsv", ".json", ".jsonl", ".ndjson", ".xlsx", ".parquet", "", ".dat")
TEXT_ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",  # with a BOM
    "utf-16-le",  # without
    "utf-16-be",
    "gb18030",
    "latin-1",
    "cp1252",
    "utf-32",
)
HEADERS = (
    "vendor",
    "Vendor",
    "Vendor Name",
    "supplier",
    "Supplier name",
    "name",
    "id",
    "PO",
    "address",
    "Vendor location",
    "country",
    "Ctry",
    "description",
    "Item description",
    "hs_code",
    "HTS",
    "amount",
    "Amount (USD)",
    "currency",
    "Cur",
    "date",
    "PO date",
    "funding",
    "Funded by",
    "notes",
    "供应商",
    "金额",
)
WORDS = (
    "Hikvision",
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "Dahua Technology",
    "Huawei",
    "ZTE Corporation",
    "Hytera",
    "Hoshine Silicon",
    "Xinjiang Production and Construction Corps",
    "Urumqi",
    "Aksu",
    "Kashgar",
    "Hotan",
    "cotton yarn",
    "polysilicon",
    "tomato paste",
    "surveillance camera",
    "Acme Corp",
    "海康威视",
    "新疆",
    "乌鲁木齐",
    "Bank of China",
    "ООО Ромашка",
    "شركة",
    "CN",
    "China",
    "US",
    "8525.80",
    "852580",
    "1,234.50",
    "-0",
    "1e309",
    "NaN",
    "inf",
    "2021-05-01",
    "31/12/2020",
    "2021-13-45",
    "99999-01-01",
    "USD",
    "EUR",
    "=cmd|' /C calc'!A0",
    "+1",
    "@SUM(A1)",
    "-2+3",
    "<script>alert(1)</script>",
    "&amp;",
    "]]>",
    "\u202eevil",
    "e\u0301",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "\x00",
    "\x1a",
    " ",
    "",
    "\t",
    "\r\n",
    '"',
    '""',
    "''",
    "N/A",
    "null",
    "None",
    "\\",
    "{",
    "[1, 2]",
    '{"a": 1}',
)
#: Characters of random strings: ASCII, controls, Latin-1, CJK, RTL, combining marks, private use,
#: non-characters, astral planes, and (rarely) a lone surrogate.
_CHAR_RANGES = (
    (0x20, 0x7E),
    (0x20, 0x7E),
    (0x00, 0x1F),
    (0x80, 0xFF),
    (0x4E00, 0x9FFF),
    (0x0590, 0x06FF),
    (0x0300, 0x036F),
    (0xE000, 0xF8FF),
    (0xFFF0, 0xFFFF),
    (0x1F300, 0x1FAFF),
    (0xD800, 0xDFFF),
)
_SURROGATES = re.compile("[\ud800-\udfff]")
_XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]|[\ud800-\udfff]|[\ufffe\uffff]")
_INSERTS = (b"\x00", b'"', b",", b"\n", b"\r", b"\t", b"{", b"[", b"]", b"}", b"\xff", b"\xfe\xff", b"\x80")


@dataclass(frozen=True)
class Size:
    """How big the files get: rows, columns, the longest huge cell, the widest header, JSON depth."""

    rows: int = 12
    columns: int = 8
    huge_cell: int = 100_000
    huge_chance: float = 0.01  # of a cell being a huge repetition
    wide_header: int = 2_000
    deep: int = 300


SMALL = Size()
NO_HUGE = Size(huge_chance=0.0)
LARGE = Size(rows=60, columns=16, huge_cell=3_000_000, huge_chance=0.001, wide_header=20_000, deep=1_200)


def chance(r: random.Random, p: float) -> bool:
    return r.random() < p


# ---------------------------------------------------------------------------------------------------
# cells, headers, tables


def random_string(r: random.Random, max_len: int = 12) -> str:
    chars = []
    for _ in range(r.randint(0, max_len)):
        low, high = r.choice(_CHAR_RANGES)
        chars.append(chr(r.randint(low, high)))
    return "".join(chars)


def text(r: random.Random, size: Size, words: tuple[str, ...] = ()) -> str:
    """A cell's text: a word of the lists, a phrase, random characters, a number or a huge repetition."""
    if size.huge_chance and chance(r, size.huge_chance):
        unit = r.choice(
            ("Hikvision ", "x", "海", "\x00", '"', "Xinjiang, ", r.choice(WORDS) or "a", "\ufffd")
        )
        return unit * max(1, r.randint(1, size.huge_cell) // len(unit))
    k = r.random()
    if k < 0.45:
        return r.choice(WORDS + words)
    if k < 0.6:
        return " ".join(r.choice(WORDS) for _ in range(r.randint(2, 4)))
    if k < 0.85:
        return random_string(r)
    return r.choice((str(r.randint(-(10**12), 10**12)), repr(r.uniform(-1e9, 1e9)), "0" * r.randint(1, 30)))


def header(r: random.Random, size: Size, words: tuple[str, ...] = ()) -> list[str]:
    """Column names: known ones, random ones, duplicates, blanks, very long ones; sometimes very wide."""
    if chance(r, 0.02):  # one name repeated, beyond or within the column limit
        return [r.choice(HEADERS)] * r.randint(1, size.wide_header)
    names: list[str] = []
    for _ in range(r.randint(0, size.columns)):
        k = r.random()
        if k < 0.5 or not names:
            names.append(r.choice(HEADERS))
        elif k < 0.65:
            names.append(r.choice(names))  # a duplicate
        elif k < 0.75:
            names.append(r.choice(("", " ", "\t", "\x00")))
        elif k < 0.97:
            names.append(text(r, NO_HUGE, words))
        else:
            names.append(r.choice(("(", "x", "Vendor ")) * r.randint(1_000, 50_000))
    return names


def cell(r: random.Random, size: Size, words: tuple[str, ...], typed: bool) -> Any:
    """A cell: text, or with ``typed`` also a number, bool, date or empty."""
    if not typed or r.random() < 0.7:
        return text(r, size, words)
    return r.choice(
        (
            None,
            r.randint(-(2**63), 2**63 - 1),
            r.uniform(-1e300, 1e300),
            float("nan"),
            float("inf"),
            True,
            False,
            datetime.datetime(r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23)),
            datetime.date(r.randint(1900, 2100), 1, 1),
        )
    )


def table(r: random.Random, size: Size, words: tuple[str, ...] = (), typed: bool = False) -> list[list[Any]]:
    """A header and rows, some ragged (shorter or longer than the header)."""
    head = header(r, size, words)
    width = len(head)
    if width > size.columns * 4:  # a wide header: a row or two of data
        return [head, [text(r, SMALL, words)] * width]
    rows: list[list[Any]] = [head]
    for _ in range(r.randint(0, size.rows)):
        n = width if r.random() < 0.85 else r.randint(0, width + 3)
        rows.append([cell(r, size, words, typed) for _ in range(n)])
    return rows


# ---------------------------------------------------------------------------------------------------
# text encodings


def encode(r: random.Random, text_: str, encoding: str | None = None) -> bytes:
    """``text_`` in a random encoding (lone surrogates written as the invalid bytes they become, or
    replaced), sometimes with invalid bytes inserted."""
    encoding = encoding or r.choice(TEXT_ENCODINGS)
    errors = "surrogatepass" if encoding.startswith("utf") and chance(r, 0.5) else "replace"
    try:
        data = text_.encode(encoding, errors)
    except UnicodeEncodeError:  # surrogatepass does not apply to every codec
        data = text_.encode(encoding, "replace")
    if chance(r, 0.15):
        data = insert(r, data, r.choice((b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xd8\x00")))
    return data


def insert(r: random.Random, data: bytes, piece: bytes) -> bytes:
    at = r.randint(0, len(data))
    return data[:at] + piece + data[at:]


# ---------------------------------------------------------------------------------------------------
# formats


def delimited(r: random.Random, size: Size, words: tuple[str, ...], delimiter: str) -> bytes:
    """CSV or TSV: written by the csv module in one of its styles, or joined naively (stray quotes)."""
    rows = table(r, size, words)
    out = io.StringIO()
    terminator = r.choice(("\r\n", "\n", "\r", "\n\n"))
    if chance(r, 0.8):
        quoting = r.choice((csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_NONE))
        writer = csv.writer(
            out, delimiter=delimiter, lineterminator=terminator, quoting=quoting, escapechar="\\"
        )
        for row in rows:
            try:
                writer.writerow(row)
            except csv.Error:
                out.write(delimiter.join(map(str, row)) + terminator)
    else:
        out.write(terminator.join(r.choice((delimiter, ",", ";", "|")).join(map(str, row)) for row in rows))
    return encode(r, out.getvalue())


def xlsx(r: random.Random, size: Size, words: tuple[str, ...]) -> bytes:
    """A workbook written by openpyxl: several sheets, blank rows above the header, typed cells."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheets = [workbook.active]
    for n in range(r.randint(0, 2)):
        sheets.append(workbook.create_sheet(r.choice((f"Sheet{n + 2}", "Orders", "数据", "x" * 30))))
    for sheet in sheets:
        for _ in range(r.randint(0, 2) if chance(r, 0.2) else 0):
            sheet.append([])
        for row in table(r, size, words, typed=True):
            sheet.append([_xlsx_value(v) for v in row[:XLSX_MAX_COLUMNS]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return _XLSX_ILLEGAL.sub("", value)[:32_767]
    if isinstance(value, float) and value != value:
        return None  # openpyxl writes NaN as text Excel refuses
    if isinstance(value, datetime.datetime) and value.year < 1900:
        return value.replace(year=1900)
    return value


def parquet(r: random.Random, size: Size, words: tuple[str, ...]) -> bytes:
    """A Parquet file of columns of every kind: strings, binary, numbers, struct, list, map, null..."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = r.randint(0, size.rows)
    names = header(r, Size(columns=size.columns, wide_header=min(size.wide_header, 300)), words)
    arrays = []
    for _ in names:
        arrays.append(_arrow_column(r, size, words, n))
    table_ = pa.Table.from_arrays(arrays, names=[_SURROGATES.sub("?", name) for name in names])
    out = io.BytesIO()
    pq.write_table(
        table_,
        out,
        compression=r.choice(("none", "snappy", "gzip", "zstd")),
        row_group_size=r.randint(1, 64),
        use_dictionary=chance(r, 0.5),
    )
    return out.getvalue()


def _arrow_column(r: random.Random, size: Size, words: tuple[str, ...], n: int) -> Any:
    import pyarrow as pa

    def texts() -> list[str | None]:
        return [None if chance(r, 0.1) else _SURROGATES.sub("?", text(r, size, words)) for _ in range(n)]

    kind = r.choice(
        (
            "string",
            "string",
            "string",
            "large_string",
            "binary",
            "int",
            "float",
            "bool",
            "timestamp",
            "date",
            "decimal",
            "struct",
            "list",
            "map",
            "null",
            "dictionary",
            "bad_utf8",
            "nested",
        )
    )
    if kind == "string":
        return pa.array(texts(), pa.string())
    if kind == "large_string":
        return pa.array(texts(), pa.large_string())
    if kind == "binary":
        return pa.array([r.choice((b"Hikvision", b"\xff\x00", b"", None, r.randbytes(8))) for _ in range(n)])
    if kind == "int":
        return pa.array(
            [r.choice((0, -1, 2**63 - 1, -(2**63), r.randint(-999, 999), None)) for _ in range(n)]
        )
    if kind == "float":
        return pa.array(
            [r.choice((0.0, -0.0, 1e308, float("nan"), float("inf"), 1.5, None)) for _ in range(n)]
        )
    if kind == "bool":
        return pa.array([r.choice((True, False, None)) for _ in range(n)], pa.bool_())
    if kind == "timestamp":
        unit = r.choice(("s", "ms", "us"))
        if chance(r, 0.2):  # raw counts of seconds, past year 9999 and before year 1 too
            per_second = {"s": 1, "ms": 1000, "us": 10**6}[unit]
            seconds = [
                r.choice((2 * 253402300800, -2 * 62135596800, r.randint(-(2**36), 2**36))) for _ in range(n)
            ]
            return pa.array([value * per_second for value in seconds], pa.timestamp(unit))
        values = [datetime.datetime(r.randint(1, 9999), 1, 1) if chance(r, 0.8) else None for _ in range(n)]
        return pa.array(values, pa.timestamp(unit))
    if kind == "date":
        if chance(r, 0.2):  # days past year 9999 and before year 1
            return pa.array([r.choice((2932900, -800000, 2**31 - 1)) for _ in range(n)], pa.date32())
        return pa.array([datetime.date(r.randint(1, 9999), 2, 28) for _ in range(n)], pa.date32())
    if kind == "decimal":
        values = [decimal.Decimal(r.randint(-(10**30), 10**30)).scaleb(-4) for _ in range(n)]
        return pa.array(values, pa.decimal128(38, 4))
    if kind == "struct":
        values = [
            None if chance(r, 0.2) else {"city": r.choice(WORDS[7:13]), "n": r.randint(0, 9)}
            for _ in range(n)
        ]
        return pa.array(values, pa.struct([("city", pa.string()), ("n", pa.int64())]))
    if kind == "list":
        values = [
            None if chance(r, 0.2) else [r.choice(WORDS[:16]) for _ in range(r.randint(0, 3))]
            for _ in range(n)
        ]
        return pa.array(values, pa.list_(pa.string()))
    if kind == "map":
        values = [[("k", r.choice(WORDS[:16]))] if chance(r, 0.7) else None for _ in range(n)]
        return pa.array(values, pa.map_(pa.string(), pa.string()))
    if kind == "null":
        return pa.nulls(n)
    if kind == "dictionary":
        return pa.array(texts(), pa.string()).dictionary_encode()
    if kind == "bad_utf8":  # a writer's bug: bytes that are no UTF-8 in a string column
        values = [r.choice((b"Hik\xffvision", b"\xed\xa0\x80", b"\xc3", b"ok")) for _ in range(n)]
        return pa.array(values, pa.binary()).view(pa.string())
    values = [[{"name": r.choice(WORDS[:16]), "tags": [r.choice(WORDS)]}] for _ in range(n)]
    return pa.array(values)


class Raw(str):
    """JSON text written as it is: numbers of any size, NaN, escapes of lone surrogates, deep nests."""


def json_value(r: random.Random, size: Size, words: tuple[str, ...], depth: int = 0) -> Any:
    """A JSON value of any type, nested a few levels, with big and odd numbers."""
    k = r.random()
    if k < 0.4 or depth > 3:
        return text(r, size, words)
    if k < 0.55:
        return r.choice((r.randint(-(10**6), 10**6), r.uniform(-1e6, 1e6), True, False, None))
    if k < 0.65:
        return Raw(
            r.choice(
                (
                    "9" * r.randint(300, 5_000),  # past a float; past Python's 4,300 digits
                    "-" + "1" * r.randint(1, 4_400),
                    "1e400",
                    "-1e-400",
                    "NaN",
                    "Infinity",
                    "-0",
                    "0." + "0" * 400 + "1",
                    '"\\ud800x"',
                    '"\\udfff"',
                    '"a\\u0000b"',
                )
            )
        )
    if k < 0.75:
        d = r.randint(2, size.deep)
        return Raw(r.choice(("[" * d + "]" * d, '{"a":' * d + "1" + "}" * d)))
    if k < 0.88:
        return [json_value(r, size, words, depth + 1) for _ in range(r.randint(0, 4))]
    return {_key(r, words): json_value(r, size, words, depth + 1) for _ in range(r.randint(0, 4))}


def _key(r: random.Random, words: tuple[str, ...]) -> str:
    if chance(r, 0.1):
        return Raw(r.choice(('"\\ud800x"', '"\\udc00"', '"\\u0000"')))
    return r.choice(HEADERS) if chance(r, 0.7) else text(r, NO_HUGE, words)


def record(r: random.Random, size: Size, words: tuple[str, ...]) -> list[tuple[str, Any]]:
    """A JSON object as pairs, so that a key may repeat."""
    pairs = [(_key(r, words), json_value(r, size, words)) for _ in range(r.randint(0, size.columns))]
    if pairs and chance(r, 0.2):
        pairs.append((pairs[0][0], json_value(r, size, words)))
    return pairs


class Pairs(list):  # type: ignore[type-arg]
    """An object written with its keys in this order, repeats kept."""


def dumps(value: Any, ascii_only: bool) -> str:
    """JSON text of ``value`` (``Raw`` as it is, ``Pairs`` as an object; no recursion limit issues:
    the nesting built here is shallow, deep nests come as ``Raw``)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        return _string(value, ascii_only)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Pairs | dict):
        items = value if isinstance(value, Pairs) else list(value.items())
        return "{" + ",".join(f"{dumps(k, ascii_only)}:{dumps(v, ascii_only)}" for k, v in items) + "}"
    return "[" + ",".join(dumps(v, ascii_only) for v in value) + "]"


def _string(value: str, ascii_only: bool) -> str:
    import json

    return json.dumps(value, ensure_ascii=ascii_only)


def json_document(r: random.Random, size: Size, words: tuple[str, ...]) -> bytes:
    """A JSON document: a list of records, an object holding one, a single record, or any value."""
    records = [Pairs(record(r, size, words)) for _ in range(r.randint(0, size.rows))]
    shape = r.random()
    if shape < 0.5:
        value: Any = records
    elif shape < 0.7:
        value = Pairs([(r.choice(("data", "rows", "items", "records", "results", "x")), records)])
    elif shape < 0.8:
        value = records[0] if records else Pairs()
    else:
        value = json_value(r, size, words)
    return encode(
        r, dumps(value, chance(r, 0.5)), r.choice(("utf-8", "utf-8", "utf-8-sig", "utf-16", "gb18030"))
    )


def json_lines(r: random.Random, size: Size, words: tuple[str, ...]) -> bytes:
    """JSON lines: records, other values, blank and broken lines, CRLF endings."""
    lines = []
    for _ in range(r.randint(0, size.rows)):
        k = r.random()
        if k < 0.75:
            lines.append(dumps(Pairs(record(r, size, words)), chance(r, 0.5)))
        elif k < 0.85:
            lines.append(dumps(json_value(r, size, words), chance(r, 0.5)))
        elif k < 0.92:
            lines.append(r.choice(("", " ", "{", '{"vendor": "Acme",}', "]", "\x00")))
        else:
            lines.append(dumps(Pairs(record(r, size, words)), True)[: r.randint(0, 20)])
    encoding = r.choice(("utf-8", "utf-8", "utf-8-sig", "utf-16", "gb18030"))
    return encode(r, r.choice(("\n", "\r\n")).join(lines), encoding)


def ocds(r: random.Random, size: Size, words: tuple[str, ...]) -> bytes:
    """An OCDS release or record package, some fields given the wrong type."""
    releases = [_release(r, size, words) for _ in range(r.randint(0, max(1, size.rows // 3)))]
    wrong = r.choice((0.0, 0.05, 0.2))
    releases = [_wrong_types(r, release, wrong, size, words) for release in releases]
    if chance(r, 0.7):
        package: Any = {"uri": "https://example.org/p.json", "version": "1.1", "releases": releases}
    else:
        package = {
            "records": [
                {"ocid": rel.get("ocid"), "compiledRelease": rel} for rel in releases if isinstance(rel, dict)
            ]
        }
    package = _wrong_types(r, package, wrong / 4, size, words)
    return encode(r, dumps(package, chance(r, 0.5)), r.choice(("utf-8", "utf-8", "utf-8-sig", "utf-16")))


def _release(r: random.Random, size: Size, words: tuple[str, ...]) -> dict[str, Any]:
    def party(role: str) -> dict[str, Any]:
        return {
            "id": f"p{r.randint(0, 5)}",
            "name": text(r, size, words),
            "roles": [role],
            "address": {
                "streetAddress": text(r, SMALL, words),
                "region": r.choice(WORDS[7:13]),
                "countryName": r.choice(("China", "CN", "United States")),
            },
            "identifier": {"scheme": "CN-USCC", "id": str(r.randint(0, 10**18))},
        }

    def value() -> dict[str, Any]:
        return {
            "amount": r.choice((r.randint(0, 10**9), r.uniform(0, 1e6), "1,000", None)),
            "currency": r.choice(("USD", "CNY", "", None)),
        }

    suppliers = [party("supplier") for _ in range(r.randint(0, 3))]
    return {
        "ocid": f"ocds-{r.randint(0, 999)}",
        "id": str(r.randint(0, 999)),
        "date": r.choice(("2021-05-01T00:00:00Z", "not a date", "")),
        "tag": ["award"],
        "parties": suppliers + [party("buyer")],
        "buyer": {"id": "p9", "name": "City of Somewhere"},
        "planning": {"budget": {"amount": value()}},
        "tender": {"items": [{"description": text(r, size, words)}], "value": value()},
        "awards": [
            {
                "id": f"a{n}",
                "date": "2021-06-01",
                "suppliers": [{"id": s["id"], "name": s["name"]} for s in suppliers],
                "items": [
                    {
                        "description": text(r, size, words),
                        "classification": {"scheme": "CPV", "id": r.choice(("32323500", "18100000", "x"))},
                        "additionalClassifications": [{"scheme": "HS", "id": r.choice(("852580", "5201"))}],
                    }
                ],
                "value": value(),
            }
            for n in range(r.randint(0, 2))
        ],
        "contracts": [{"id": "c1", "awardID": "a0", "value": value(), "period": {"startDate": "2021-07-01"}}],
    }


def _wrong_types(r: random.Random, value: Any, p: float, size: Size, words: tuple[str, ...]) -> Any:
    """``value`` with each field, at chance ``p``, replaced by a JSON value of any type."""
    if p and chance(r, p):
        return json_value(r, SMALL, words, depth=2)
    if isinstance(value, dict):
        return {k: _wrong_types(r, v, p, size, words) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrong_types(r, v, p, size, words) for v in value]
    return value


def make_input(
    r: random.Random, fmt: str, size: Size = SMALL, words: tuple[str, ...] = ()
) -> tuple[str, bytes]:
    """A file of format ``fmt`` (one of ``FORMATS``): its suffix (now and then another format's, or
    none) and its bytes."""
    if fmt in ("csv", "tsv"):
        data = delimited(r, size, words, "," if fmt == "csv" else "\t")
    elif fmt == "xlsx":
        data = xlsx(r, size, words)
    elif fmt == "parquet":
        data = parquet(r, size, words)
    elif fmt == "json":
        data = json_document(r, size, words)
    elif fmt == "jsonl":
        data = json_lines(r, size, words)
    elif fmt == "ocds":
        data = ocds(r, size, words)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    suffix = SUFFIX[fmt] if r.random() < 0.9 else r.choice(OTHER_SUFFIXES)
    return suffix, data


# ---------------------------------------------------------------------------------------------------
# mutations


def mutate(r: random.Random, data: bytes, rounds: int | None = None) -> bytes:
    """``data`` damaged one to three times: cut, bytes flipped, bytes inserted or deleted, a slice
    repeated; a zip (XLSX) also by damaging one of its members and zipping it again."""
    for _ in range(rounds if rounds is not None else r.randint(1, 3)):
        op = r.random()
        if data.startswith(b"PK\x03\x04") and op < 0.5:
            data = damage_zip(r, data)
        elif op < 0.6:
            data = data[: r.randint(0, len(data))]
        elif op < 0.75:
            data = flip(r, data)
        elif op < 0.87:
            data = insert(r, data, r.choice(_INSERTS) * r.randint(1, 4))
        elif op < 0.94 and data:
            start = r.randint(0, len(data) - 1)
            data = data[:start] + data[start + r.randint(1, 64) :]
        elif data:
            start = r.randint(0, len(data) - 1)
            piece = data[start : start + r.randint(1, 256)]
            data = data[:start] + piece * r.randint(2, 20) + data[start:]
    return data


def flip(r: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(r.randint(1, 8)):
        buf[r.randrange(len(buf))] ^= 1 << r.randrange(8)
    return bytes(buf)


def damage_zip(r: random.Random, data: bytes) -> bytes:
    """A workbook zipped again with one member damaged: a shared-string index out of range, a cell of
    another type, cut or flipped XML, or the member left out."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            members = [(info, zin.read(info.filename)) for info in zin.infolist()]
    except Exception:  # a zip damaged before (zipfile.BadZipFile, zlib.error, EOFError...)
        return flip(r, data)
    if not members:
        return data
    sheets = [
        i
        for i, (info, _) in enumerate(members)
        if "worksheets/" in info.filename or "sharedStrings" in info.filename
    ]
    target = r.choice(sheets) if sheets and chance(r, 0.8) else r.randrange(len(members))
    info, content = members[target]
    k = r.random()
    if k < 0.3 and b't="s"' in content:  # a shared string that is not there
        index = r.choice((b"99999", b"-1", b"x", b"", b"1e3", b"4294967296"))
        content = re.sub(
            rb'(t="s"[^>]*><v>)[^<]*', lambda m: m.group(1) + index, content, count=r.randint(1, 3)
        )
    elif k < 0.45:  # a cell's type changed
        content = re.sub(
            rb't="(s|n|b)"',
            r.choice((b't="e"', b't="b"', b't="d"', b't="zz"', b't="inlineStr"')),
            content,
            count=1,
        )
    elif k < 0.6:
        content = content[: r.randint(0, len(content))]
    elif k < 0.75:
        content = flip(r, content)
    elif k < 0.85:
        content = insert(
            r, content, r.choice((b"<<<", b"&bogus;", b"<row r='0'>", b'<c r="ZZZZZ1"><v>1</v></c>', b"\x00"))
        )
    else:
        del members[target]
        info = None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for i, (member, body) in enumerate(members):
            zout.writestr(member, content if (info is not None and i == target) else body)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# documents, for `supplyscreen scan` (issue 18)

DOCUMENT_FORMATS = ("pdf", "docx", "html", "eml", "txt")
DOCUMENT_OUTPUTS = ("jsonl", "csv", "html")
DOCUMENT_SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "eml": ".eml", "txt": ".txt"}
#: Suffixes a document is sometimes given instead of its own.
OTHER_DOCUMENT_SUFFIXES = (".pdf", ".docx", ".html", ".eml", ".txt", ".csv", ".xlsx", "", ".bin")
_SENTENCES = (
    "The cameras were bought from Zhejiang Dahua Technology Co., Ltd. through an integrator.",
    "Lunch came from the Dahua Noodle House.",
    "据报道，海康威视的摄像头被用于新疆阿克苏。",
    "Model DS-2CD2143G0-I was installed at the gate.",
    "The smelter near Aksu, Xinjiang supplies polysilicon.",
    "A lot was shipped from Aksu, Kazakhstan.",
    "Fresh Hami melons were served.",
    "HUAWEI TECHNOLOGIES CO LTD\nSHIPPER: XINJIANG EAST HOPE NONFERROUS METALS CO. LTD",
)


def paragraphs(r: random.Random, size: Size, words: tuple[str, ...] = ()) -> list[str]:
    """Paragraphs of a document: sentences naming listed things and traps, list words, random text."""
    out = []
    for _ in range(r.randint(1, max(2, size.rows // 4))):
        parts = [
            r.choice(_SENTENCES) if chance(r, 0.4) else text(r, size, words) for _ in range(r.randint(1, 6))
        ]
        out.append(" ".join(parts))
    return out


def make_document(
    r: random.Random, fmt: str, size: Size = SMALL, words: tuple[str, ...] = ()
) -> tuple[str, bytes]:
    """A document of format ``fmt`` (one of ``DOCUMENT_FORMATS``): its suffix (now and then another
    one, or none) and its bytes."""
    paras = paragraphs(r, size, words)
    if fmt == "pdf":
        data = _pdf(r, paras)
    elif fmt == "docx":
        data = _docx(paras)
    elif fmt == "html":
        data = _html(r, paras)
    elif fmt == "eml":
        data = _eml(r, paras, size)
    elif fmt == "txt":
        data = encode(r, "\n\n".join(paras))
    else:
        raise ValueError(f"unknown document format {fmt!r}")
    suffix = DOCUMENT_SUFFIX[fmt] if r.random() < 0.9 else r.choice(OTHER_DOCUMENT_SUFFIXES)
    return suffix, data


def _pdf(r: random.Random, paras: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, encrypt="secret" if chance(r, 0.05) else None)
    lines = [line for p in paras for line in p.splitlines() or [""]]
    for page in range(r.randint(1, 3)):
        if chance(r, 0.1):  # a page with no text at all (a scanned image)
            c.rect(50, 50, 200, 200, fill=1)
        else:
            c.setFont("STSong-Light" if chance(r, 0.3) else "Helvetica", 11)
            y = 800
            for line in lines[page::3] or [""]:
                c.drawString(40, y, "".join(ch for ch in line if ch.isprintable())[:120])
                y -= 14
                if y < 40:
                    break
        c.showPage()
    c.save()
    return buffer.getvalue()


def _docx(paras: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paras:
        document.add_paragraph("".join(ch for ch in p if ch.isprintable() or ch == "\n"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html(r: random.Random, paras: list[str]) -> bytes:
    from html import escape

    body = "".join(f"<p>{escape(p)}</p>" if chance(r, 0.8) else f"<div><span>{p}" for p in paras)
    page = (
        f"<!doctype html><html><head><title>{escape(paras[0][:60])}</title>"
        f"<script>var a = '<p>not text</p>';</script></head><body><nav>Menu</nav>"
        f"<article>{body}</article>{'<div>' * r.randint(0, 300)}<footer>Footer</footer></body></html>"
    )
    return encode(r, page, "utf-8" if chance(r, 0.8) else None)


def _valid(text_: str) -> str:
    """Text an e-mail can carry: no lone surrogates, no control characters but line breaks."""
    text_ = text_.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch for ch in text_ if ch.isprintable() or ch in "\n\t")


def _eml(r: random.Random, paras: list[str], size: Size) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "A Sender <a@example.com>"
    msg["To"] = "A Recipient <b@example.org>"
    msg["Subject"] = _valid(" ".join(paras[0][:80].split()))
    msg.set_content(_valid("\n\n".join(paras)))
    for _ in range(r.randint(0, 2)):
        kind = r.choice(("pdf", "docx", "html", "txt"))
        _, data = make_document(r, kind, SMALL)
        if chance(r, 0.3):
            data = mutate(r, data)
        maintype, subtype = {
            "pdf": ("application", "pdf"),
            "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "html": ("text", "html"),
            "txt": ("text", "plain"),
        }[kind]
        if maintype == "text":
            msg.add_attachment(_valid(data.decode("utf-8", "replace")), subtype=subtype, filename=f"a.{kind}")
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=f"a.{kind}")
    return bytes(msg)
