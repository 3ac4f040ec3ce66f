"""Reading a file for the columnar path: its batches, and what is worked out of them ahead.

pyarrow reads a CSV or TSV file in 2 MB blocks (``READ_BYTES``); the first is screened alone, so
screening starts at once, and the others are joined into batches of ``BATCH_BYTES``. A Parquet file
is read in row groups' batches; every column comes as text. An XLSX file of one table is read by
``xlsx.py`` in batches of sheet rows, every cell as text. ``ReadAhead`` reads, dictionary-encodes
and escapes batches in a thread ahead of the screening; ``_prefetch`` reads the name and country
columns alone, so that helper processes match the file's distinct names ahead. ``eligible`` says
whether a file can go the columnar way, ``layout`` how it is cut into batches (a checkpoint's
fingerprint); a damaged file is handed back to the row path (``MalformedInput``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from supplyscreen.io import InputError, RecordStream
from supplyscreen.io.arrow_values import column_values
from supplyscreen.io.errors import RowError
from supplyscreen.io.location import place_country
from supplyscreen.io.record_builder import text_value
from supplyscreen.report.escape import cell_text, escaped_columns
from supplyscreen.screen.columnar.interning import _groups
from supplyscreen.screen.columnar.xlsx import NotColumnar, sheet_batches
from supplyscreen.screen.engine import SCREENED_FIELDS, NamePrefetch, RecordScreener, country_key

BATCH_BYTES = 32 << 20
READ_BYTES = 2 << 20  # pyarrow's CSV block (see _batches)


class MalformedInput(Exception):
    """The file has damaged rows: the row path, which numbers and reports them, takes over."""


def eligible(stream: RecordStream, out_format: str) -> bool:
    """Whether the columnar path applies: CSV/TSV, Parquet or an XLSX file of one table (one sheet, or
    the one named) in, CSV out, unique column names."""
    return (
        out_format == "csv"
        and (
            stream.format in ("csv", "tsv", "parquet")
            or (stream.format == "xlsx" and len(stream.sheets) == 1)
        )
        and len(set(stream.columns)) == len(stream.columns)
        and all(stream.columns)
    )


def _batches(
    stream: RecordStream, errors: list[RowError], columns: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """The file's batches (only ``columns``, when given), every column as text."""
    path = Path(stream.path)
    if stream.format == "xlsx":
        try:
            yield from sheet_batches(stream, columns)
        except (NotColumnar, InputError, pa.ArrowInvalid) as exc:  # damage (DamagedSheet), column_N…:
            raise MalformedInput(str(exc)) from exc  # the row path reads or names it
        return
    if stream.format == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        try:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=65536, columns=columns):
                yield pa.RecordBatch.from_arrays(
                    [_as_text(c) for c in batch.columns],
                    names=batch.schema.names,
                )
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:  # damaged pages, text not UTF-8:
            raise MalformedInput(str(exc)) from exc  # the row path says what and where
        return

    def invalid(row: Any) -> str:
        # Row numbers of damaged rows are not known to the parser here: the row path reports them
        # exactly, so a damaged file is handed back to it (see MalformedInput).
        errors.append(RowError(row=0, column=None, path=str(path), message="malformed row"))
        return "error"

    _quiet_undecodable_rows(invalid)

    # pyarrow reads small blocks (as fast as big ones in all): the first is screened on its own, so
    # screening starts at once; the others are joined into batches of about BATCH_BYTES. A row longer
    # than a block stops pyarrow ("straddles two block boundaries"): the file is then read again
    # in blocks of BATCH_BYTES from the row after the last one handed out.
    block, done = max(1, min(BATCH_BYTES, READ_BYTES)), 0
    while True:
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=stream.encoding or "utf8", block_size=block),
                parse_options=pacsv.ParseOptions(
                    delimiter=stream.delimiter or ",", newlines_in_values=True, invalid_row_handler=invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=columns,
                    column_types={c: pa.string() for c in columns or stream.columns},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            for batch in _joined(_after(reader, done), BATCH_BYTES):
                done += batch.num_rows
                yield batch
            return
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < BATCH_BYTES:
                block = BATCH_BYTES
                continue
            raise MalformedInput(str(exc)) from exc
        except UnicodeDecodeError as exc:
            # pyarrow decodes other encodings than UTF-8 strictly (a UTF-16 file cut after an odd
            # byte): the row path replaces what cannot be decoded and reports the rows
            raise MalformedInput(str(exc)) from exc


def _quiet_undecodable_rows(handler: Any) -> None:
    """Keep pyarrow from printing "Exception ignored" for a damaged row it cannot decode.

    pyarrow decodes a damaged row before it calls ``handler``; when the row is not valid text, the
    decoding fails inside pyarrow, which prints the error as unraisable and then stops the read with
    ``ArrowInvalid``, so the file goes to the row path all the same (``MalformedInput``). The print is
    noise on the user's terminal: this marks ``handler`` so that the process's hook passes it over.
    """
    handler.supplyscreen_row_handler = True
    global _PREVIOUS_HOOK
    if _PREVIOUS_HOOK is None:
        _PREVIOUS_HOOK = sys.unraisablehook
        sys.unraisablehook = _unraisable


_PREVIOUS_HOOK: Any = None


def _unraisable(unraisable: Any) -> None:
    if isinstance(unraisable.exc_value, UnicodeDecodeError) and getattr(
        unraisable.object, "supplyscreen_row_handler", False
    ):
        return
    _PREVIOUS_HOOK(unraisable)


#: Types pyarrow's cast to text writes as the row path writes their values (``cell_text``).
_CAST_AS_ROWS = (pa.types.is_integer, pa.types.is_date32)


def _as_text(column: pa.Array) -> pa.Array:
    """A Parquet column as text, each cell as the row path writes it (``report.escape.cell_text`` of
    the value pyarrow gives it; null stays null): integers and dates cast by pyarrow, the rest
    (floats, booleans, times, binary, structs, lists, maps …) one value at a time."""
    if pa.types.is_string(column.type):
        column.validate(full=True)  # invalid UTF-8 (a writer's bug) is ArrowInvalid here, not in a cell
        return column
    if pa.types.is_large_string(column.type) or any(test(column.type) for test in _CAST_AS_ROWS):
        return pc.cast(column, pa.string())
    return pa.array(
        [None if value is None else cell_text(value) for value in column_values(column)], type=pa.string()
    )


def layout() -> dict[str, int]:
    """How a file is cut into batches, for a checkpoint's fingerprint: a resumed run skips the
    batches its checkpoint counted, which must be cut alike (an XLSX file: ``xlsx.layout``)."""
    return {"read_bytes": READ_BYTES, "batch_bytes": BATCH_BYTES, "joined": 1}


def _after(batches: Iterator[pa.RecordBatch], skip: int) -> Iterator[pa.RecordBatch]:
    """The batches from row ``skip`` on."""
    for batch in batches:
        if skip >= batch.num_rows:
            skip -= batch.num_rows
            continue
        yield batch.slice(skip) if skip else batch
        skip = 0


def _joined(blocks: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """The first block alone, then the others joined into batches of at least ``size`` bytes."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for n, block in enumerate(blocks):
        if n == 0:
            yield block
            continue
        pending.append(block)
        held += block.nbytes
        if held >= size:
            yield pa.concat_batches(pending)
            pending, held = [], 0
    if pending:
        yield pa.concat_batches(pending)


_Encoded = dict[str, tuple[pa.Array, np.ndarray]]  # column -> (distinct cells, each row's index in them)


class _Read(NamedTuple):
    """A batch as ``ReadAhead`` hands it over: the batch, its columns already dictionary-encoded,
    and its columns escaped for the output (``escaped_formulas``; None: not yet)."""

    batch: pa.RecordBatch
    encoded: _Encoded
    escaped: list[pa.Array] | None


def _encoded(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """A column's distinct cells and each row's index in them (an empty cell: one past the end)."""
    encoded = column.dictionary_encode()
    local = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return encoded.dictionary, local


class ReadAhead:
    """A file's batches, read and parsed by a thread up to ``depth`` ahead from the moment this is made,
    the ``encode`` columns of the batches from number ``start`` on dictionary-encoded and all their
    columns escaped for the output (pyarrow works without the GIL, so this overlaps whatever the
    caller does meanwhile; earlier batches come as read, see ``_Read``). Errors reach the consumer
    where they happened. Iterate once; the thread stops when the iteration ends, however it ends,
    or at ``close``.

    Four batches ahead (about 130 MB of text at most): while the first batches' names are matched
    the reader gets well ahead, so at the end, when the batches go by fast, it does not take the
    second core from the writer."""

    def __init__(
        self,
        batches: Iterator[pa.RecordBatch],
        encode: list[str],
        start: int = 0,
        depth: int = 4,
        escape: bool = True,
    ) -> None:
        import queue
        import threading

        self._slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._escape = escape
        self._thread = threading.Thread(target=self._produce, args=(batches, encode, start), daemon=True)
        self._thread.start()

    def _produce(self, batches: Iterator[pa.RecordBatch], encode: list[str], start: int) -> None:
        try:
            for n, batch in enumerate(batches):
                names = batch.schema.names
                wanted = encode if n >= start else []
                encoded = {c: _encoded(batch.column(names.index(c))) for c in wanted if c in names}
                # here rather than in the writer, which would wait for the GIL at each pyarrow call
                # of it while the screening holds it (the reader is batches ahead)
                escaped = escaped_columns(batch.columns) if self._escape and n >= start else None
                if not self._hand(("batch", _Read(batch, encoded, escaped))):
                    return
            self._hand(("end", None))
        except UnicodeDecodeError as exc:  # a column name pyarrow cannot decode: the row path reads it
            self._hand(("error", MalformedInput(str(exc))))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._hand(("error", exc))

    def _hand(self, item: tuple[str, Any]) -> bool:
        """Queue an item for the consumer, unless it stopped first (then False)."""
        import queue

        while not self._stop.is_set():
            try:
                self._slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[_Read]:
        try:
            while True:
                kind, item = self._slots.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise item
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def read_ahead(
    stream: RecordStream, errors: list[RowError], start: int, encode: bool = True, escape: bool = True
) -> ReadAhead:
    """Start reading a file's batches for ``write_columnar``; those from number ``start`` on with
    their screened columns dictionary-encoded (``encode``) and all their columns escaped for the
    output (``escape``)."""
    mapping, parts = stream.mapping, stream.address_parts
    places = [column for column, _ in stream.vendor_places]
    mapped = [mapping[k] for k in SCREENED_FIELDS if k in mapping]
    columns = list(dict.fromkeys([*mapped, *parts, *places, *stream.others]))
    return ReadAhead(_batches(stream, errors), columns if encode else [], start=start, escape=escape)


def _prefetch(
    stream: RecordStream, skip: int, engine: RecordScreener, pool: Any, helpers: int
) -> NamePrefetch | None:
    """Start matching the distinct names of the file (after its first ``skip`` rows) in the helpers:
    a quick read of the name and country columns only."""
    name, country = stream.mapping.get("name"), stream.mapping.get("country")
    if name is None:
        return None
    columns = [c for c in (name, country) if c]

    def keys() -> list[tuple[str, str | None]]:
        # batch by batch, keeping only each batch's distinct pairs: memory follows the distinct
        # names, not the file
        distinct: list[pa.Table] = []
        seen = 0
        try:
            for batch in _batches(stream, [], columns):
                part = pa.Table.from_batches([batch]).slice(max(0, skip - seen))
                seen += batch.num_rows
                if part.num_rows:
                    distinct.append(part.group_by(columns, use_threads=False).aggregate([]))
        except (MalformedInput, OSError):  # damaged rows: the row path will say which
            return []
        if not distinct:
            return []
        pairs = pa.concat_tables(distinct).group_by(columns, use_threads=False).aggregate([])
        names = pairs.column(name).to_pylist()
        codes = pairs.column(country).to_pylist() if country else [None] * len(names)
        found: dict[tuple[str, str | None], None] = {}
        for raw, code in zip(names, codes, strict=True):
            text = text_value(raw)
            if text:
                found[(text, country_key(text_value(code)))] = None
        return list(found)

    return NamePrefetch(engine, pool, keys, helpers)


def place_ids(
    batch: pa.RecordBatch, places: list[tuple[str, str]], encoded: _Encoded, interned: Any
) -> np.ndarray:
    """Each row's country id (in ``interned``, an ``_Interned``) read from the vendor's place columns
    (a state, a ZIP code …), once per distinct combination of their values, as the row path's
    RecordBuilder reads it."""
    names = batch.schema.names
    places = [(column, kind) for column, kind in places if column in names]
    if not places:
        return np.zeros(batch.num_rows, dtype=np.int64)
    locals_: list[np.ndarray] = []
    dictionaries: list[list[Any]] = []
    for column, _ in places:
        dictionary, local = encoded.get(column) or _encoded(batch.column(names.index(column)))
        dictionaries.append([*dictionary.to_pylist(), None])
        locals_.append(local)
    group, first = _groups(locals_)
    ids = [
        interned.id_of(
            place_country((kind, dictionaries[j][locals_[j][row]]) for j, (_, kind) in enumerate(places))
        )
        for row in first.tolist()
    ]
    return np.asarray(np.asarray(ids, dtype=np.int64)[group], dtype=np.int64)
