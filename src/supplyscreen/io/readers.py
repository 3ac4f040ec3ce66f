"""`read_records`: open any user file (CSV/TSV, XLSX, Parquet, JSON lines, JSON, OCDS) as `Record`s.

The format comes from the `format` argument, else the file's first bytes (zip → XLSX, PAR1 →
Parquet), else its extension, else its text (JSON or delimited). Opening reads only the header
and raises `InputError` for what makes the whole file unreadable; rows are read while iterating.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from supplyscreen.io.columns import parse_mapping_override, resolve_mapping
from supplyscreen.io.delimited import DelimitedFile
from supplyscreen.io.encoding import detect_encoding, read_sample
from supplyscreen.io.errors import InputError
from supplyscreen.io.jsonfiles import open_json, open_json_lines
from supplyscreen.io.limits import check_columns
from supplyscreen.io.record_builder import RecordBuilder
from supplyscreen.io.sheet_cells import open_book
from supplyscreen.io.sheets import open_sheets, sheet_rows
from supplyscreen.io.stream import RecordStream
from supplyscreen.model import Record

FORMATS = ("csv", "tsv", "xlsx", "parquet", "jsonl", "json", "ocds")
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}
_REFUSED_MAGIC = (
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls (or other OLE) file; save it as .xlsx or CSV"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"%PDF", "a PDF document, not a table"),
)
PARQUET_BATCH_ROWS = 65536


def read_records(
    path: str | Path,
    mapping: Mapping[str, str] | str | None = None,
    sheet: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
) -> RecordStream:
    """Open the user file at `path` for screening; iterate the result for its `Record`s.

    `mapping` ({key: column} or a ``--map`` string "name=COL,address=COL") overrides the detected
    columns key by key; without it a supplier name column must be found. `sheet` picks one XLSX
    sheet (default: every sheet with a header). `format` is one of `FORMATS` (default: detected);
    `encoding` a Python codec for text files (default: detected).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
    explicit = parse_mapping_override(mapping) if isinstance(mapping, str) else mapping
    sample, complete = read_sample(path)
    if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(path, "the file is empty")
    kind = choose_format(path, sample, format)
    if sheet is not None and kind != "xlsx":
        raise InputError(path, f"sheet={sheet!r} applies to XLSX workbooks only; this file is {kind}")
    if kind == "xlsx":
        return _open_xlsx(path, explicit, sheet)
    if kind == "parquet":
        return _open_parquet(path, explicit)
    codec = _known_codec(path, encoding) if encoding else detect_encoding(path, sample, complete)
    if kind in ("csv", "tsv"):
        return _open_delimited(path, explicit, codec, "\t" if kind == "tsv" else None, (sample, complete))
    stream = open_json_lines(path, explicit, codec) if kind == "jsonl" else open_json(path, explicit, codec)
    stream.encoding = codec
    return stream


def _known_codec(path: Path, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(path, f"unknown text encoding {encoding!r}") from None


def choose_format(path: Path, sample: bytes, requested: str | None = None) -> str:
    """The format to read `path` as: `requested`, else by magic bytes, extension, then content."""
    if requested is not None:
        kind = {"ndjson": "jsonl", "txt": "csv", "xls": "xlsx"}.get(requested.lower(), requested.lower())
        if kind not in FORMATS:
            raise InputError(path, f"unknown format {requested!r}; formats are {', '.join(FORMATS)}")
        return "json" if kind == "ocds" else kind
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    if sample.startswith(b"PAR1"):
        return "parquet"
    for magic, what in _REFUSED_MAGIC:
        if sample.startswith(magic):
            raise InputError(path, f"this is {what}")
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension:
        return by_extension
    start = sample.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    return "json" if start in (b"{", b"[") else "csv"


def _open_delimited(
    path: Path,
    explicit: Mapping[str, str] | None,
    codec: str,
    delimiter: str | None,
    sample: tuple[bytes, bool],
) -> RecordStream:
    table = DelimitedFile.open(path, codec, delimiter, *sample)
    mapping = resolve_mapping(table.columns, explicit, path)

    def produce(stream: RecordStream) -> Iterator[Record]:
        builder = RecordBuilder(table.columns, mapping, stream.unreadable)
        for row, values in table.rows(stream.errors):
            yield builder.from_values(row, values)

    stream = RecordStream(path, "tsv" if table.delimiter == "\t" else "csv", table.columns, mapping, produce)
    stream.encoding, stream.delimiter = codec, table.delimiter
    return stream


def _open_xlsx(path: Path, explicit: Mapping[str, str] | None, sheet: str | None) -> RecordStream:
    tables, skipped = open_sheets(path, sheet, explicit)
    columns = list(dict.fromkeys(column for table in tables for column in table.columns))

    def produce(stream: RecordStream) -> Iterator[Record]:
        with open_book(path) as book:
            for table in tables:
                builder = RecordBuilder(table.columns, table.mapping, stream.unreadable, table.sheet)
                for row, values, extra in sheet_rows(book, table, path):
                    yield builder.from_values(row, values, extra)

    stream = RecordStream(path, "xlsx", columns, tables[0].mapping, produce)
    stream.sheets = [table.sheet for table in tables]
    stream.sheet_tables = tables
    stream.sheet_mappings = {table.sheet: table.mapping for table in tables}
    stream.skipped_sheets = skipped
    return stream


def _open_parquet(path: Path, explicit: Mapping[str, str] | None) -> RecordStream:
    parquet = _parquet_file(path)
    columns = [str(name) for name in parquet.schema_arrow.names]
    check_columns(path, len(columns))
    mapping = resolve_mapping(columns, explicit, path)

    def produce(stream: RecordStream) -> Iterator[Record]:
        from supplyscreen.io.arrow_values import column_values  # pyarrow, loaded for Parquet only

        builder = RecordBuilder(columns, mapping, stream.unreadable)
        row = 0
        try:
            for batch in _parquet_file(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
                for values in zip(*(column_values(column) for column in batch.columns), strict=True):
                    row += 1
                    yield builder.from_values(row, values)
        except (OSError, ValueError) as exc:  # ArrowIOError, ArrowInvalid
            raise InputError(path, f"cannot read the Parquet data after row {row}: {exc}") from exc

    return RecordStream(path, "parquet", columns, mapping, produce)


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for a damaged footer
        raise InputError(path, f"cannot read as a Parquet file: {exc}") from exc
