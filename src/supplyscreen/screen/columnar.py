"""The columnar path for big CSV and Parquet files written as CSV: same results, a fraction of the work.

A purchase file of a million rows holds a few tens of thousands of distinct vendors and item
descriptions, and most rows flag nothing. This path reads batches with pyarrow and never works row
by row in Python:

* each screening field of a row becomes the id of its value (pyarrow finds the distinct values);
  each distinct value is looked at once, for what each detector needs of it (see ColumnarScreener);
* a part of a row's result (its name's flags, one detector's flags) is computed once per distinct
  combination of what that part reads, by the ordinary :class:`RecordScreener` and detectors on a
  representative row; a row's result once per distinct combination of parts, its cells merged from
  the parts' flags as ``RecordScreener.assemble`` orders them (a RowResult is assembled only where
  compare mode needs one);
* the input columns are written back by pyarrow untouched except for formula escaping, with the
  result columns beside them, taken by outcome index, by a writer thread while the next batch is
  screened.

pyarrow reads the file in 2 MB blocks; the first is screened alone, so screening starts at once, and
the others are joined into batches of ``BATCH_BYTES``.

With helper processes, the file's distinct names are matched ahead (:class:`NamePrefetch`) while
this process works out every batch's detector parts, then each batch's names, results and output.
``tests/test_screen_columnar.py`` holds it to the row path's output, cell for cell.
"""

from __future__ import annotations

import gc
import operator
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from supplyscreen.detect import is_federal_funding
from supplyscreen.detect.text import TextTokens
from supplyscreen.detect.xinjiang_location import country_of
from supplyscreen.errors import ResumeError
from supplyscreen.io import RecordStream
from supplyscreen.io.dates import parse_amount, parse_date
from supplyscreen.io.errors import RowError
from supplyscreen.io.location import place_country
from supplyscreen.io.record_builder import address_with_parts, text_value
from supplyscreen.model import SEVERITIES, Flag, Hit, Record, RowResult
from supplyscreen.report import ReportAggregator
from supplyscreen.report.escape import FORMULA_STARTS, PLAIN_NUMBER, csv_cell
from supplyscreen.report.summary import AT_RISK, NO_NAME, flag_lists
from supplyscreen.report.tabular import SCORE_COLUMN, added_columns, added_values, clear_values, top_match
from supplyscreen.screen.changes import mark_change
from supplyscreen.screen.engine import (
    SCREENED_FIELDS,
    NamePrefetch,
    RecordScreener,
    country_key,
    match_distinct_names,
)
from supplyscreen.screen.flags import date_matters
from supplyscreen.screen.policy import risk_of, row_risk

BATCH_BYTES = 32 << 20
READ_BYTES = 2 << 20  # pyarrow's CSV block (see _batches)
# a resumable state is saved between batches, at most this often (see write_columnar)
CHECKPOINT_SECONDS = 5.0
_NAME_FIELDS = ("name", "country", "date", "funding")  # what the name's part reads of a record


class MalformedInput(Exception):
    """The file has damaged rows: the row path, which numbers and reports them, takes over."""


def eligible(stream: RecordStream, out_format: str) -> bool:
    """Whether the columnar path applies: CSV/TSV or Parquet in, CSV out, unique column names."""
    return (
        out_format == "csv"
        and stream.format in ("csv", "tsv", "parquet")
        and len(set(stream.columns)) == len(stream.columns)
        and all(stream.columns)
    )


def _batches(
    stream: RecordStream, errors: list[RowError], columns: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """The file's batches (only ``columns``, when given), every column as text."""
    path = Path(stream.path)
    if stream.format == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        for batch in pq.ParquetFile(path).iter_batches(batch_size=65536, columns=columns):
            yield pa.RecordBatch.from_arrays(
                [c if pa.types.is_string(c.type) else pc.cast(c, pa.string()) for c in batch.columns],
                names=batch.schema.names,
            )
        return

    def invalid(row: Any) -> str:
        # Row numbers of damaged rows are not known to the parser here: the row path reports them
        # exactly, so a damaged file is handed back to it (see MalformedInput).
        errors.append(RowError(row=0, column=None, path=str(path), message="malformed row"))
        return "error"

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


def layout() -> dict[str, int]:
    """How a file is cut into batches, for a checkpoint's fingerprint: a resumed run skips the
    batches its checkpoint counted, which must be cut alike."""
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


_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_STARTS]] = True


def _formula_first(column: pa.Array) -> np.ndarray:
    """Whether each cell of a string column starts with a formula character, read from the first
    byte of each cell in the column's buffers (in UTF-8 no other character's first byte is one of
    these ASCII ones); null and empty cells do not."""
    n = len(column)
    if not n or column.buffers()[1] is None:  # no cells (Arrow allows an empty offsets buffer then)
        return np.zeros(n, dtype=bool)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * column.offset)
    data = column.buffers()[2]
    starts, nonempty = offsets[:-1], offsets[1:] > offsets[:-1]
    first = np.zeros(n, dtype=np.uint8)
    if data is not None and nonempty.any():
        first[nonempty] = np.frombuffer(data, dtype=np.uint8)[starts[nonempty]]
    risky = _FORMULA_BYTES[first]
    if column.null_count:
        risky &= column.is_valid().to_numpy(zero_copy_only=False)
    return risky


def escaped_formulas(column: pa.Array) -> pa.Array:
    """Cells a spreadsheet would run as formulas, prefixed with ``'`` (plain numbers left alone)."""
    if not pa.types.is_string(column.type):
        return column
    risky = _formula_first(column)
    if not risky.any():
        return column
    plain = pc.fill_null(pc.match_substring_regex(column, f"^{PLAIN_NUMBER}$"), False)
    escape = pa.array(risky & ~plain.to_numpy(zero_copy_only=False))
    return pc.if_else(escape, pc.binary_join_element_wise("'", column, ""), column)


def escaped_columns(columns: Iterable[pa.Array]) -> list[pa.Array]:
    """``escaped_formulas`` of each column."""
    return [escaped_formulas(c) for c in columns]


_CONTEXT_ONLY = [False, True, False, False, False, False]  # a covered-equipment context word, nothing more
_INTERNED_LIMIT = 2_000_000  # distinct values remembered across batches before starting afresh


def _groups(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of equal-length columns of ids (>= 0): each row's group and each group's
    first row, groups numbered in the order the rows first show them."""
    key = np.zeros(len(cols[0]), dtype=np.int64)
    bound = 1  # key < bound
    for col in cols:
        wide = col.astype(np.int64)
        size = int(wide.max(initial=0)) + 1
        if bound * size >= 1 << 62:  # renumber the key so far densely before it could overflow
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            bound = int(key.max(initial=0)) + 1
            if bound * size >= 1 << 62:  # and the column too: both then stay below the row count
                wide = np.unique(wide, return_inverse=True)[1].reshape(-1)
                size = int(wide.max(initial=0)) + 1
        key, bound = key * size + wide, bound * size
    if not len(key):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # pyarrow's hash table numbers the keys in the order they first show (no sort, unlike np.unique)
    group = np.asarray(pa.array(key).dictionary_encode().indices.to_numpy(), dtype=np.int64)
    # so a row shows its group first exactly where its group number exceeds every one before it
    new = np.empty(len(group), dtype=bool)
    new[0] = True
    np.greater(group[1:], np.maximum.accumulate(group)[:-1], out=new[1:])
    return group, np.flatnonzero(new)


class _Interned:
    """Ids of the distinct values of one field across batches, as the row path's Record holds them
    (trimmed text, an ISO date); 0 is an empty cell. Raw cells already seen are found by pyarrow."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        self.convert = convert
        self.raw = pa.array([], type=pa.string())
        self.raw_ids = np.zeros(0, dtype=np.int64)
        self.ids: dict[Any, int] = {None: 0}
        self.values: list[Any] = [None]
        self.features = np.zeros((0, 0), dtype=np.int64)  # ColumnarScreener._features: a row per feature

    def ids_of_raw(self, dictionary: pa.Array) -> np.ndarray:
        """The value ids of a batch's distinct raw cells (a dictionary-encoded column's dictionary)."""
        found = pc.index_in(dictionary, value_set=self.raw)
        position = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        new = position < 0
        if new.any():
            fresh = dictionary.filter(pa.array(new))
            ids = self._ids_of(fresh.to_pylist())
            # the dictionary's cells are distinct: the fresh ones go after the known, in its order
            position = position.copy()
            position[new] = np.arange(len(self.raw), len(self.raw) + len(fresh))
            self.raw = pa.concat_arrays([self.raw, fresh.cast(pa.string())])
            self.raw_ids = np.concatenate([self.raw_ids, np.asarray(ids, dtype=np.int64)])
        return np.asarray(self.raw_ids[position], dtype=np.int64)

    def _ids_of(self, cells: list[Any]) -> list[int]:
        """The value ids of raw cells, new values numbered as they come (text converted in line:
        a million-row file has a hundred thousand distinct cells)."""
        if self.convert is text_value:
            values = [(c.strip() or None) if type(c) is str else text_value(c) for c in cells]
        else:
            values = [self.convert(c) for c in cells]
        id_of = self.id_of
        return [id_of(v) for v in values]

    def id_of(self, value: Any) -> int:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found


class _Classes:
    """Ids of what one detector needs to know of a text, with a flag per id (has it a candidate...)."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.flags: list[tuple[bool, ...]] = []
        self._tables: dict[int, np.ndarray] = {}

    def id_of(self, key: Any, flags: tuple[bool, ...]) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.flags)
            self.flags.append(flags)
            self._tables.clear()
        return found

    def flag(self, ids: np.ndarray, which: int) -> np.ndarray:
        table = self._tables.get(which)
        if table is None:
            table = self._tables[which] = np.array([f[which] for f in self.flags] or [False], dtype=bool)
        return np.asarray(table[ids], dtype=bool)


class _KeyIds:
    """Ids of distinct keys (rows of a few ints: a part's or a row result's key), found for a whole
    batch of keys at once by numpy; a key not seen before has none until ``add``. ``pairs``: keys of
    two ints in [0, 2**31), packed into one int64 (numbers sort much faster than bytes)."""

    def __init__(self, width: int, pairs: bool = False) -> None:
        self.width = width
        self.pairs = pairs and width == 2
        kind = np.dtype(np.int64) if self.pairs else np.dtype((np.void, 8 * width))
        self.known = np.zeros(0, dtype=kind)  # sorted
        self.ids = np.zeros(0, dtype=np.int64)  # of the known keys, in their sorted order
        self.size = 0

    def _bytes(self, keys: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(keys, dtype=np.int64).reshape(-1, self.width)
        if self.pairs:
            return np.asarray((rows[:, 0] << 31) | rows[:, 1], dtype=np.int64)
        return rows.view(np.dtype((np.void, 8 * self.width))).reshape(-1)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The id of each key (one per row of ``keys``), -1 for one not seen before."""
        wanted = self._bytes(keys)
        if not self.size:
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.known, wanted), self.size - 1)
        return np.where(self.known[at] == wanted, self.ids[at], -1)

    def add(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Remember new, distinct keys with their ids."""
        known = np.concatenate([self.known, self._bytes(keys)])
        order = np.argsort(known, kind="stable")
        self.known, self.ids = known[order], np.concatenate([self.ids, ids])[order]
        self.size = len(self.known)


class _Outcome(NamedTuple):
    """One distinct row result, shared by rows: its output cells and what the totals count; ``key``
    (its parts' ids + 1) and ``row`` (its first row) make its RowResult when one is needed."""

    risk: str
    values: list[Any]  # the added columns' cells
    codes: tuple[str, ...]  # its flags' codes, each once
    lists: tuple[str, ...]  # the list codes of its restricted_party flags (see flag_lists)
    key: tuple[int, int, int, int]
    row: int


class _Segment(NamedTuple):
    """A part's flags of one severity: its index in SEVERITIES, the codes (in flag order), the
    reasons joined as a row's cell joins them, and the distinct codes with their cell."""

    level: int
    codes: tuple[str, ...]
    reasons: str
    distinct: tuple[str, ...]
    cell: str


class _Part(NamedTuple):
    """What a row result takes of one part (the name's flags and hits, one detector's flags): its
    flags by severity, most severe first (as ``RecordScreener.assemble`` orders a row's flags, the
    parts' order kept within a severity) and, for the name's part, what its hits give."""

    segments: tuple[_Segment, ...]
    listed: bool  # it holds restricted_party flags
    top: tuple[str, float | None] = ("", None)  # the name's part: top_match
    lists: tuple[str, ...] = ()  # the name's part: flag_lists

    @classmethod
    def of(cls, flags: list[Flag], hits: list[Hit] | None, snapshot: str) -> _Part:
        levels: list[list[Flag]] = [[] for _ in SEVERITIES]
        for f in flags:
            levels[SEVERITIES.index(f.severity)].append(f)
        segments = []
        for i, level in enumerate(levels):
            if level:
                codes = tuple(f.code for f in level)
                distinct = tuple(dict.fromkeys(codes))
                segments.append(
                    _Segment(i, codes, " | ".join(f.reason for f in level), distinct, ";".join(distinct))
                )
        part = cls(tuple(segments), any(f.code == "restricted_party" for f in flags))
        if hits is None:
            return part
        alone = RowResult(
            0, Record(0), row_risk(flags), [f for level in levels for f in level], hits, snapshot
        )
        return part._replace(top=top_match(alone), lists=tuple(flag_lists(alone)))


_NO_PART = _Part((), False)
_LEVEL = operator.attrgetter("level")


class ColumnarScreener:
    """Screens batches by distinct screening key (see the module docstring).

    Each screening field of a row becomes an id of its value; each value, once, a few small ids of
    what each detector needs of it: the text itself where the detector finds a candidate in it, or
    else only the context it lends (the words around a brand or a place) — and for the name, whether
    its hits matter and whether the order date can change them. A part of the result (the name's
    flags, one detector's flags) is then computed once per distinct combination of those ids, from a
    representative row, and a row's result once per distinct combination of parts, from their flags.
    """

    def __init__(
        self,
        engine: RecordScreener,
        mapping: dict[str, str],
        parts: list[str],
        snapshot: str,
        places: list[tuple[str, str]] | None = None,
    ) -> None:
        self.engine = engine
        self.mapping = mapping
        self.parts = parts
        self.places = places or []  # no country column: where the vendor is (``io.location``)
        self.snapshot = snapshot
        self.prefetch: NamePrefetch | None = None
        self._reset()

    def _reset(self) -> None:
        self.fields = {key: _Interned(parse_date if key == "date" else text_value) for key in SCREENED_FIELDS}
        self.covered, self.xinjiang, self.sectors = _Classes(), _Classes(), _Classes()
        # covered classes' flags: a candidate found in the text, dated, the text names a category
        self._any_context = self.covered.id_of("any context", (False, False, False))  # see prepare
        self.sectors.id_of(None, (False,))
        self.name_keys = _Classes()  # (name, country code) with hits that matter -> (True, date matters)
        self._code_ids: dict[str | None, int] = {}  # two-letter country codes (None: none)
        self._name_tables: dict[int, np.ndarray] = {}  # by code id: name value id -> name-key id
        self.part_ids: dict[str, _KeyIds] = {}  # by kind: the ids of its keys in part_values
        self.part_values: list[Any] = []
        self.part_summaries: dict[int, _Part] = {}  # by index in part_values (see _part)
        self._results: dict[tuple[tuple[int, ...], int], RowResult] = {}  # see result
        self._detected: dict[tuple[int, int, int], tuple[list[_Segment], bool]] = {}  # see _outcome
        self.results = _KeyIds(4)  # (h, c, x, s) part ids + 1 -> outcome index
        self.outcomes: list[_Outcome] = []
        self._columns: list[list[pa.Array]] = []  # see result_columns

    # -- field values ---------------------------------------------------------------------------

    def _ids(self, batch: pa.RecordBatch, key: str, encoded: _Encoded) -> np.ndarray:
        """Each row's id of its ``key`` field (the address with its detail columns), 0 when empty;
        ``encoded``: columns of the batch already dictionary-encoded (see ``ReadAhead``)."""
        names = batch.schema.names
        interned = self.fields[key]
        if key == "country" and key not in self.mapping and self.places:
            return self._place_ids(batch, encoded)
        columns = [self.mapping[key]] if key in self.mapping else []
        if key == "address":
            columns += self.parts
        columns = [c for c in columns if c in names]
        if not columns:
            return np.zeros(batch.num_rows, dtype=np.int64)
        locals_: list[np.ndarray] = []
        dictionaries: list[pa.Array] = []
        for column in columns:
            dictionary, local = encoded.get(column) or _encoded(batch.column(names.index(column)))
            dictionaries.append(dictionary)
            locals_.append(local)
        if len(columns) == 1 and not (key == "address" and self.parts):
            table = np.append(interned.ids_of_raw(dictionaries[0]), 0)  # last: an empty (null) cell
            return np.asarray(table[locals_[0]], dtype=np.int64)
        # the address and its detail columns, combined as the row path's RecordBuilder does
        values = [[*d.to_pylist(), None] for d in dictionaries]
        group, first = _groups(locals_)
        has_address = key in self.mapping and self.mapping[key] in names
        ids = []
        for row in first.tolist():
            cells = [values[j][locals_[j][row]] for j in range(len(columns))]
            address = text_value(cells[0]) if has_address else None
            ids.append(interned.id_of(address_with_parts(address, cells[1:] if has_address else cells)))
        return np.asarray(np.asarray(ids, dtype=np.int64)[group], dtype=np.int64)

    def _place_ids(self, batch: pa.RecordBatch, encoded: _Encoded) -> np.ndarray:
        """Each row's country id read from the vendor's place columns (a state, a ZIP code …), once
        per distinct combination of their values, as the row path's RecordBuilder reads it."""
        names = batch.schema.names
        places = [(column, kind) for column, kind in self.places if column in names]
        if not places:
            return np.zeros(batch.num_rows, dtype=np.int64)
        locals_: list[np.ndarray] = []
        dictionaries: list[list[Any]] = []
        for column, _ in places:
            dictionary, local = encoded.get(column) or _encoded(batch.column(names.index(column)))
            dictionaries.append([*dictionary.to_pylist(), None])
            locals_.append(local)
        group, first = _groups(locals_)
        interned = self.fields["country"]
        ids = [
            interned.id_of(
                place_country((kind, dictionaries[j][locals_[j][row]]) for j, (_, kind) in enumerate(places))
            )
            for row in first.tolist()
        ]
        return np.asarray(np.asarray(ids, dtype=np.int64)[group], dtype=np.int64)

    def _features(self, key: str) -> np.ndarray:
        """The detector ids of every value of a field seen so far: one row per feature, one column per
        value id (a row is contiguous: a batch takes its rows' values from it)."""
        interned = self.fields[key]
        done = interned.features.shape[1]
        if done < len(interned.values):
            texts = interned.values[done:]
            # which detector look-ups may find anything in each text, worked out for all at once
            # brand, covered context, place, context, sector, model
            may = np.ones((len(texts), 6), dtype=bool)
            present = [i for i, t in enumerate(texts) if t]
            bulk = np.zeros(len(texts), dtype=bool)  # classed by their covered context alone (below)
            width = len(self._feature(key, None, [False] * 6))  # how many ids each value gets
            if key in ("name", "description", "address") and present:
                gate = self.engine.gate
                kept = [texts[i] for i in present]
                array = pa.array(kept, type=pa.string())
                words = TextTokens(array)
                # in names and descriptions whole brands, not first words ("electronics" is common)
                covered = gate.covered.may_find_in(words, whole_brands=key != "address")
                found = [*covered, *gate.xinjiang.may_find_in(words)]
                found.append(gate.sector.may_find_in(words))
                models = gate.covered.models_possible(array) if key != "address" else []
                found.append(np.asarray(models or [False] * len(present), dtype=bool))
                may[present] = np.stack(found, axis=1)
                if key != "address":  # detect need not look in these again
                    gate.covered.known_empty(
                        [texts[i] for i in np.flatnonzero(~(may[:, 0] | may[:, 5])).tolist()]
                    )
                    category, unrelated = gate.covered.learn_contexts(kept, words)
                    # most texts hold nothing but a covered-equipment context word ("electronics",
                    # "foods"): in plain ASCII their features follow from that context (see _feature)
                    only = ~may[present, 0] & may[present, 1] & ~may[present, 2:].any(axis=1) & words.plain
                    at = np.asarray(present, dtype=np.int64)[only]
                    bulk[at] = True
                    # the features of each of the (at most four) contexts, from its first text
                    context = category[only] * 2 + unrelated[only]
                    by_context = [
                        self._feature(key, texts[int(at[np.argmax(context == c)])], _CONTEXT_ONLY)
                        if (context == c).any()
                        else ()
                        for c in range(4)
                    ]
                    table = np.asarray([f or (0,) * width for f in by_context], dtype=np.int64)
                    bulk_rows = table[context]
            # a text where no look-up may find anything lends no context either: all such are alike
            alike = ~may.any(axis=1)
            same = np.flatnonzero(alike)
            shared = self._feature(key, texts[int(same[0])], [False] * 6) if len(same) else ()
            others = np.flatnonzero(~alike & ~bulk)
            new = [
                self._feature(key, texts[i], m)
                for i, m in zip(others.tolist(), may[others].tolist(), strict=True)
            ]
            rows = np.empty((len(texts), width), dtype=np.int64)
            if len(same):
                rows[same] = shared
            if len(others):
                rows[others] = np.asarray(new, dtype=np.int64).reshape(len(others), rows.shape[1])
            if bulk.any():
                rows[bulk] = bulk_rows
            columns = rows.T
            interned.features = np.ascontiguousarray(
                np.concatenate([interned.features, columns], axis=1) if done else columns
            )
        return interned.features

    def _feature(self, key: str, text: str | None, may: list[bool]) -> tuple[int, ...]:
        """What each detector needs of one value (``may``: which look-ups may find anything in it)."""
        gate = self.engine.gate
        if key in ("name", "description", "address"):
            brand, covered_context, place, context, sector_word, models = may
            xinjiang = self._xinjiang_class(text, place, context)
            if key == "address":
                return (xinjiang,)
            ids: tuple[int, ...] = (self._covered_class(text, models, brand, covered_context), xinjiang)
            if key == "description":
                sector = text if text and sector_word and gate.sector.scan(text) else None
                ids += (self.sectors.id_of(sector, (sector is not None,)),)
            return ids
        if key == "country":
            # read as a place only when it is no known country; its text is context all the same
            place = text is not None and country_of(text) is None
            place = place and gate.xinjiang.names_a_place(text or "")
            return (self.xinjiang.id_of(("country", text), (place,)),)
        if key == "hs_code":
            hs = text if text and gate.sector.hs_matches(text) else None
            return (self.sectors.id_of(("hs", hs) if hs else None, (hs is not None,)),)
        if key == "funding":
            return (int(bool(text) and is_federal_funding(text or "")),)
        return (0,)

    def _covered_class(self, text: str | None, models: bool, brands: bool, context: bool) -> int:
        """``brands``, ``context``: whether the text may hold a brand word, context words."""
        covered = self.engine.gate.covered
        found = covered.scan(text, models=models) if text and (models or brands) else []
        words = covered.context_of(text) if text and context else (False, False)
        if found:  # the text itself decides: which brand or model, where, dated or not
            dated = any(m.attrs.get("end_date") for m in found)
            return self.covered.id_of(("text", text), (True, dated, words[0]))
        return self.covered.id_of(("context", bool(text), *words), (False, False, words[0]))

    def _xinjiang_class(self, text: str | None, places: bool, context: bool) -> int:
        """``places``, ``context``: whether the text may name a place, hold context words."""
        xinjiang = self.engine.gate.xinjiang
        if text and places and xinjiang.names_a_place(text):
            return self.xinjiang.id_of(("text", text), (True,))
        words = xinjiang.context_of(text) if text and context else (False, False, False, False)
        return self.xinjiang.id_of(("context", *words), (False,))

    # -- screening ------------------------------------------------------------------------------

    def screen(self, batch: pa.RecordBatch, first_row: int, pool: Any = None, helpers: int = 1) -> np.ndarray:
        """The outcome index of each row of a batch (-1: clear, nothing found)."""
        return self.finish(batch, first_row, self.prepare(batch, first_row), pool, helpers)

    def prepare(
        self, batch: pa.RecordBatch, first_row: int, fresh: bool = True, encoded: _Encoded | None = None
    ) -> dict[str, np.ndarray]:
        """What a batch's result needs besides its names: the detectors' parts of each row, and the
        ids its name part will be keyed by. ``fresh``: the remembered values may be dropped first;
        ``encoded``: its columns already dictionary-encoded (see ``ReadAhead``)."""
        if fresh and sum(len(f.values) for f in self.fields.values()) > _INTERNED_LIMIT:
            self._reset()
        ids = {key: self._ids(batch, key, encoded or {}) for key in SCREENED_FIELDS}
        feats = {key: list(self._features(key)) for key in SCREENED_FIELDS if key != "date"}
        date, funding = ids["date"], ids["funding"]

        def feature(key: str, j: int) -> np.ndarray:
            return np.take(feats[key][j], ids[key])

        name_c, desc_c = feature("name", 0), feature("description", 0)
        covered_dated = self.covered.flag(name_c, 1) | self.covered.flag(desc_c, 1)
        # a name with nothing found in it lends the detector only its context, which does not count
        # once the description names an equipment category (CoveredEquipmentDetector.detect): rows
        # alike but for such a name share their part
        name_c_part = np.where(
            ~self.covered.flag(name_c, 0) & self.covered.flag(desc_c, 2), self._any_context, name_c
        )
        xj = [feature("name", 1), feature("address", 0), feature("description", 1), feature("country", 0)]
        hs_s, desc_s = feature("hs_code", 0), feature("description", 2)
        records: dict[int, Record] = {}
        return {
            "name": ids["name"], "country": ids["country"], "date": date, "funding": funding,
            "federal": feature("funding", 0),
            "c": self._parts(
                first_row, records, ids, "c",
                self.covered.flag(name_c, 0) | self.covered.flag(desc_c, 0),
                [name_c_part, desc_c, np.where(covered_dated, date, 0), funding],
            ),
            "x": self._parts(
                first_row, records, ids, "x",
                np.logical_or.reduce([self.xinjiang.flag(c, 0) for c in xj]), xj,
            ),
            "s": self._parts(
                first_row, records, ids, "s",
                self.sectors.flag(hs_s, 0) | self.sectors.flag(desc_s, 0), [hs_s, desc_s],
            ),
        }  # fmt: skip

    def finish(
        self, batch: pa.RecordBatch, first_row: int, parts: dict[str, np.ndarray], pool: Any, helpers: int
    ) -> np.ndarray:
        """The outcome index of each row of a prepared batch: its name part, then the parts combined."""
        n = batch.num_rows
        name_key = self._name_keys(parts["name"], parts["country"], pool, helpers)
        dated_name = self.name_keys.flag(name_key, 1)
        h = self._parts(
            first_row, {}, {k: parts[k] for k in _NAME_FIELDS}, "h", self.name_keys.flag(name_key, 0),
            [name_key, np.where(dated_name, parts["date"], 0), parts["federal"]],
        )  # fmt: skip
        parts = {**parts, "h": h}
        combined = [parts[k] + 1 for k in ("h", "c", "x", "s")]
        active = np.flatnonzero(np.logical_or.reduce([c > 0 for c in combined]))
        out = np.full(n, -1, dtype=np.int64)
        if not len(active):
            return out
        group, first = _groups([c[active] for c in combined])
        keys = np.stack([c[active][first] for c in combined], axis=1)
        outcome = self.results.find(keys)
        new = np.flatnonzero(outcome < 0)
        if len(new):
            for key, row in zip(keys[new].tolist(), active[first[new]].tolist(), strict=True):
                self.outcomes.append(self._outcome(tuple(key), first_row + row))
            outcome[new] = np.arange(len(self.outcomes) - len(new), len(self.outcomes))
            self.results.add(keys[new], outcome[new])
        out[active] = outcome[group]
        return out

    def _part(self, index: int, name: bool) -> _Part:
        """The ``_Part`` of part value ``index`` (``name``: the name's part), made once."""
        found = self.part_summaries.get(index)
        if found is None:
            value = self.part_values[index]
            flags, hits = value if name else (value, None)
            found = self.part_summaries[index] = _Part.of(flags, hits, self.engine.snapshot)
        return found

    def _outcome(self, key: tuple[int, ...], row: int) -> _Outcome:
        """The outcome of a combination of parts (their ids + 1, 0: none; the name's first), its
        cells as ``added_values`` gives them for the RowResult that ``result`` makes of it."""
        h, c, x, s = key
        found = self._detected.get((c, x, s))
        if found is None:  # the detectors' parts merged, shared by the outcomes of every name
            parts = [self._part(p - 1, False) for p in (c, x, s) if p]
            merged = sorted([segment for part in parts for segment in part.segments], key=_LEVEL)
            found = self._detected[(c, x, s)] = (merged, any(part.listed for part in parts))
        detected, listed = found
        if listed:  # a detector's list flags: not so far
            result = self._assembled((h, c, x, s), row)
            return _Outcome(
                result.risk, added_values(result, False), tuple(result.flag_codes),
                tuple(flag_lists(result)), (h, c, x, s), row,
            )  # fmt: skip
        name = self._part(h - 1, True) if h else _NO_PART
        # stable: within a severity the name's flags come before the detectors', as assemble has them
        segments = sorted(name.segments + tuple(detected), key=_LEVEL) if name.segments else detected
        if len(segments) == 1:
            distinct, cell = segments[0].distinct, segments[0].cell
        else:
            distinct = tuple(dict.fromkeys(code for segment in segments for code in segment.codes))
            cell = ";".join(distinct)
        risk = risk_of(SEVERITIES[segments[0].level] if segments else None)
        reasons = " | ".join(segment.reasons for segment in segments)
        values = [
            risk,
            cell,
            reasons,
            *name.top,
            ";".join(name.lists),
            self.engine.snapshot,
        ]
        return _Outcome(risk, values, distinct, name.lists, (h, c, x, s), row)

    def result(self, outcome: _Outcome) -> RowResult:
        """The RowResult of an outcome, as the row path assembles it (its record only numbers the
        first of its rows), made once (compare mode asks for it row by row)."""
        return self._assembled(outcome.key, outcome.row)

    def _assembled(self, key: tuple[int, ...], row: int) -> RowResult:
        found = self._results.get((key, row))
        if found is None:
            h, c, x, s = key
            name_flags, hits = self.part_values[h - 1] if h else ([], [])
            detected = [f for p in (c, x, s) if p for f in self.part_values[p - 1]]
            found = self._results[(key, row)] = self.engine.assemble(Record(row), name_flags, hits, detected)
        return found

    def result_columns(self) -> list[pa.ChunkedArray]:
        """The added columns' cells of every outcome so far, escaped for CSV; position 0 is a clear
        row, position k + 1 outcome k. New outcomes are appended as a chunk each time: they are not
        copied again with the old (the writer thread takes each batch's cells from the chunks)."""
        done = sum(len(c) for c in self._columns[0]) - 1 if self._columns else -1
        if done < len(self.outcomes):
            new = [clear_values(self.snapshot)] if done < 0 else []
            new += [o.values for o in self.outcomes[max(done, 0) :]]
            arrays = [
                pa.array([v[j] for v in new], type=pa.float64())
                if j == SCORE_COLUMN
                else escaped_formulas(pa.array([v[j] for v in new], type=pa.string()))
                for j in range(len(new[0]))
            ]
            if not self._columns:
                self._columns = [[] for _ in arrays]
            for chunks, array in zip(self._columns, arrays, strict=True):
                chunks.append(array)
        return [pa.chunked_array(chunks) for chunks in self._columns]

    def _name_keys(self, names: np.ndarray, countries: np.ndarray, pool: Any, helpers: int) -> np.ndarray:
        """Each row's name-key id (the name and a two-letter country, as ``RecordScreener.name_key``),
        the names not seen before matched first; flags: hits that matter, an order date that does."""
        country_values = self.fields["country"].values
        code_of = np.asarray(
            [self._code_ids.setdefault(country_key(c), len(self._code_ids)) for c in country_values],
            dtype=np.int64,
        )
        codes = code_of[countries]
        out = np.zeros(len(names), dtype=np.int64)
        size = len(self.fields["name"].values)
        for code in np.flatnonzero(np.bincount(codes)).tolist():  # the codes present (small ids)
            rows = np.flatnonzero(codes == code)
            table = self._name_tables.get(code)
            if table is None or len(table) < size:
                grown = np.full(size, -1, dtype=np.int64)
                if table is not None:
                    grown[: len(table)] = table
                table = self._name_tables[code] = grown
            found = table[names[rows]]
            new = np.unique(names[rows][found < 0]).tolist()
            if new:
                self._learn_names(table, new, code, pool, helpers)
                found = table[names[rows]]
            out[rows] = found
        return out

    def _learn_names(self, table: np.ndarray, names: list[int], code: int, pool: Any, helpers: int) -> None:
        """Match new names (with one country code) and give each its name-key id in ``table``."""
        country = next(c for c, i in self._code_ids.items() if i == code)
        texts = self.fields["name"].values
        pairs = [(texts[n], country) for n in names]
        if self.prefetch is not None:
            self.prefetch.wait_for(p for p in pairs if p[0])
        if pool is not None:  # else each is matched as it comes below
            match_distinct_names(self.engine, [p for p in pairs if p[0]], pool, helpers)
        nothing = self.name_keys.id_of(None, (False, False))  # shared by every name without hits that matter
        match_key, entity = self.engine.match_key, self.engine.entity
        for n, pair in zip(names, pairs, strict=True):
            hits = [h for h in match_key(pair) if h.match or h.review] if pair[0] else []
            if hits:
                dated = any(date_matters(entity(h.entity_id)) for h in hits)
                table[n] = self.name_keys.id_of(pair, (True, dated))
            else:
                table[n] = nothing

    def _parts(
        self,
        first_row: int,
        records: dict[int, Record],
        fields: dict[str, np.ndarray],
        kind: str,
        active: np.ndarray,
        cols: list[np.ndarray],
    ) -> np.ndarray:
        """Each row's id of one part of its result (-1: the part has nothing to say), computed once
        per distinct combination of ``cols`` among the ``active`` rows, from a representative row's
        Record (``fields``: each row's value id of the fields the part reads)."""
        out = np.full(len(active), -1, dtype=np.int64)
        rows = np.flatnonzero(active)
        if not len(rows):
            return out
        group, first = _groups([c[rows] for c in cols])
        keys = np.stack([c[rows][first] for c in cols], axis=1)
        table = self.part_ids.setdefault(kind, _KeyIds(len(cols)))
        ids = table.find(keys)
        new = np.flatnonzero(ids < 0)
        if len(new):
            todo = rows[first[new]].tolist()
            self._load_records(first_row, records, todo, fields)
            ids[new] = np.arange(len(self.part_values), len(self.part_values) + len(new))
            table.add(keys[new], ids[new])
            self.part_values.extend(self._compute(kind, records[row]) for row in todo)
        out[rows] = ids[group]
        return out

    def _compute(self, kind: str, record: Record) -> Any:
        engine, gate = self.engine, self.engine.gate
        if kind == "h":
            return engine.name_flags(record)
        if kind == "c":
            return gate.covered.detect(record)
        if kind == "x":
            return gate.xinjiang.detect(record)
        return gate.sector.detect(record)

    def _load_records(
        self, first_row: int, records: dict[int, Record], rows: list[int], fields: dict[str, np.ndarray]
    ) -> None:
        """Build the Records of those rows that are not built yet, with the fields given (each row's
        value id): the values are those the row path's RecordBuilder reads (see ``_Interned``)."""
        rows = [r for r in dict.fromkeys(rows) if r not in records]
        if not rows:
            return
        at = np.asarray(rows, dtype=np.int64)
        values = {key: [self.fields[key].values[i] for i in ids[at].tolist()] for key, ids in fields.items()}
        for j, row in enumerate(rows):
            records[row] = Record(first_row + row, **{key: column[j] for key, column in values.items()})


def write_columnar(
    screener: Any,
    stream: RecordStream,
    tmp_out: Path,
    *,
    engine: RecordScreener,
    aggregator: ReportAggregator,
    previous: dict[str, tuple[str, str]] | None,
    errors: list[RowError],
    state: dict[str, Any],
    save_state: Callable[[dict[str, Any]], None],
    on_rows: Callable[[int], None] | None,
    pool: Any = None,
    helpers: int = 1,
    batches: ReadAhead | None = None,
) -> None:
    """Screen ``stream`` batch by batch into ``tmp_out`` (appending after ``state``'s checkpoint);
    ``batches``: the file's batches, already being read (``read_ahead``).
    Run it under ``screening_settings`` (``screen_file`` does): what each batch leaves is frozen till
    the end."""
    snapshot = screener.store.snapshot.version
    columnar = ColumnarScreener(
        engine, dict(stream.mapping), list(stream.address_parts), snapshot, list(stream.vendor_places)
    )
    compare = previous is not None
    added = added_columns(stream.columns, compare)
    done_batches, row = int(state.get("batches", 0)), int(state.get("rows", 0))
    mode = "r+b" if done_batches else "wb"
    with open(tmp_out, mode) as fh:
        if done_batches:
            fh.truncate(int(state["offset"]))
            fh.seek(int(state["offset"]))
        else:
            fh.write(b"\xef\xbb\xbf")
            fh.write(_header_line(stream.columns, added))
        prepared: list[dict[str, np.ndarray]] = []
        if pool is not None:
            # two passes: the detectors' parts of every batch while helpers match the file's names,
            # then each batch's names, results and output
            columnar.prefetch = _prefetch(stream, row, engine, pool, helpers)
            first = row
            for n, (batch, encoded, _) in enumerate(read_ahead(stream, [], done_batches, escape=False)):
                if n >= done_batches:
                    # kept till pass two: 28 B a row
                    parts = columnar.prepare(batch, first + 1, fresh=False, encoded=encoded)
                    prepared.append({k: v.astype(np.int32) for k, v in parts.items()})
                    gc.freeze()
                    first += batch.num_rows
                    if on_rows:  # progress: the first pass counts for half of each row
                        on_rows(batch.num_rows // 2)
        totals = _Totals(aggregator, snapshot)
        writer = _Writer(fh)
        saved = time.monotonic()
        try:
            if batches is None:  # prepared batches need no encoding
                batches = read_ahead(stream, errors, done_batches, encode=not prepared)
            skipped = 0
            for n, (batch, encoded, escaped) in enumerate(batches):
                if n < done_batches:
                    skipped += batch.num_rows
                    continue
                if n == done_batches and skipped != row:  # the checkpoint's batches are not these
                    raise ResumeError(
                        f"{tmp_out.parent}: the checkpoint counted {row} rows in its first {n} batches, "
                        f"the file has {skipped} there; run without --resume to start again"
                    )
                if prepared:
                    parts = prepared[n - done_batches]
                    prepared[n - done_batches] = {}
                else:
                    parts = columnar.prepare(batch, row + 1, encoded=encoded)
                outcome_of = columnar.finish(batch, row + 1, parts, pool, helpers)
                since = time.monotonic() - saved
                if (
                    n > done_batches
                    and since >= CHECKPOINT_SECONDS
                    and (writer.idle() or since >= 2 * CHECKPOINT_SECONDS)
                ):
                    # the batches before this one, written while this one was screened (if the
                    # writer is still at them, the checkpoint waits for a later batch, or for it)
                    offset = writer.wait()
                    totals.flush()
                    done = {"batches": n, "rows": row, "offset": offset, "aggregator": aggregator}
                    save_state({**done, "errors": errors})
                    saved = time.monotonic()
                changes = None
                if previous is not None:
                    found = _changes(batch, outcome_of, columnar, row, previous, aggregator, snapshot)
                    changes = pa.array(found, type=pa.string())
                else:
                    totals.count(batch, outcome_of, parts["name"], columnar)
                writer.put(batch, pa.array(outcome_of + 1), columnar.result_columns(), changes, escaped)
                row += batch.num_rows
                gc.freeze()  # what the batch taught is kept for the run: the collector need not walk it
                if on_rows:
                    on_rows(batch.num_rows - batch.num_rows // 2 if prepared else batch.num_rows)
            writer.end()  # the writer writes the last batches, then syncs the file to disk, while
            totals.flush()  # the totals are handed over
        except BaseException:
            writer.close(discard=True)
            raise
        del columnar, totals, prepared  # freed (a tenth of a second) while the file is synced
        writer.close()


_datasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


class _Writer:
    """Writes batches' output to the file in a thread: pyarrow builds each batch's table and formats
    its CSV mostly without the GIL, so writing one batch overlaps screening the next. Each batch is
    synced to disk once written, and the file once more at ``end``. Its errors reach the caller at
    the next ``put``, ``wait`` or ``close``."""

    def __init__(self, fh: Any) -> None:
        import queue
        import threading

        self.fh = fh
        self.offset: int = fh.tell()
        self.error: BaseException | None = None
        self.discard = False
        self.ended = False
        # appended through pyarrow's own file: into a Python file object, pyarrow would take the
        # GIL for each of its small writes (a batch took ten times as long while screening ran)
        fh.flush()
        self.sink = pa.OSFile(fh.name, "ab")
        self.jobs: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.room = threading.Semaphore(3)  # batches put and not yet written: one written, two waiting
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        while True:
            job = self.jobs.get()
            try:
                if self.error is None and not self.discard:
                    if job is None:
                        os.fsync(self.fh.fileno())
                    else:
                        pacsv.write_csv(_output_table(*job), self.sink, options)
                        self.sink.flush()
                        # to disk batch by batch, here off the screening's path: the sync at the
                        # end then waits for the last batch only
                        _datasync(self.fh.fileno())
                        self.offset = os.fstat(self.fh.fileno()).st_size
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self.error = exc
            finally:
                if job is not None:
                    self.room.release()
                self.jobs.task_done()
            if job is None:
                return

    def put(
        self,
        batch: pa.RecordBatch,
        take: pa.Array,
        results: list[pa.ChunkedArray],
        changes: pa.Array | None,
        escaped: list[pa.Array] | None = None,
    ) -> None:
        """Write a batch: its columns (``escaped``, if already), then each result column taken at
        ``take``, then ``changes``."""
        self._raise()
        self.room.acquire()
        self.jobs.put((batch, take, results, changes, escaped))

    def idle(self) -> bool:
        """Whether everything put so far is written."""
        return self.jobs.unfinished_tasks == 0

    def wait(self) -> int:
        """Wait till everything put is written; the file's offset after it."""
        self.jobs.join()
        self._raise()
        return self.offset

    def end(self) -> None:
        """No more batches: the thread writes what is left, syncs the file and stops (see ``close``);
        this returns at once, the caller going on meanwhile."""
        if not self.ended:
            self.ended = True
            self.jobs.put(None)

    def close(self, discard: bool = False) -> None:
        """Wait for the thread to stop once what was put is written and synced, or stop it at once
        dropping what is left (``discard``: the run failed or was interrupted; its checkpoint does
        not count on those batches)."""
        self.discard = self.discard or discard
        self.end()
        try:
            self.thread.join()
        finally:
            self.sink.close()
        if not self.discard:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


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


def read_ahead(
    stream: RecordStream, errors: list[RowError], start: int, encode: bool = True, escape: bool = True
) -> ReadAhead:
    """Start reading a file's batches for ``write_columnar``; those from number ``start`` on with
    their screened columns dictionary-encoded (``encode``) and all their columns escaped for the
    output (``escape``)."""
    mapping, parts = stream.mapping, stream.address_parts
    places = [column for column, _ in stream.vendor_places]
    columns = list(dict.fromkeys([*(mapping[k] for k in SCREENED_FIELDS if k in mapping), *parts, *places]))
    return ReadAhead(_batches(stream, errors), columns if encode else [], start=start, escape=escape)


def _header_line(columns: list[str], added: list[str]) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(c) for c in [*columns, *added]])
    return buf.getvalue().encode("utf-8")


def _output_table(
    batch: pa.RecordBatch,
    take: pa.Array,
    results: list[pa.ChunkedArray],
    changes: pa.Array | None,
    escaped: list[pa.Array] | None = None,
) -> pa.Table:
    """A batch's output: its columns escaped (``escaped``, if already), each result column taken at
    ``take`` (position 0 of ``ColumnarScreener.result_columns``: a clear row), the change column in
    compare mode."""
    columns = escaped if escaped is not None else escaped_columns(batch.columns)
    # taken in one call: each pyarrow call here waits for the GIL, which the screening holds
    names = [str(i) for i in range(len(results))]
    extra = pa.Table.from_arrays(results, names=names).take(take).columns
    if changes is not None:
        extra.append(changes)
    return pa.Table.from_arrays([*columns, *extra], names=[f"c{i}" for i in range(len(columns) + len(extra))])


def _changes(
    batch: pa.RecordBatch,
    outcome_of: np.ndarray,
    columnar: ColumnarScreener,
    first: int,
    previous: dict[str, tuple[str, str]],
    aggregator: ReportAggregator,
    snapshot: str,
) -> list[str]:
    """Compare mode: each row against the earlier screening, counted row by row."""
    names, mapping = batch.schema.names, columnar.mapping
    cells = {
        key: batch.column(names.index(column)).to_pylist()
        for key in ("name", "currency", "amount")
        if (column := mapping.get(key)) in names
    }
    changes: list[str] = []
    for i, k in enumerate(outcome_of.tolist()):
        result = _row_result(
            columnar, k, first + i + 1, {key: values[i] for key, values in cells.items()}, snapshot
        )
        changes.append(mark_change(result, previous).change or "")
        aggregator.add(result)
    return changes


class _Totals:
    """What ``ReportAggregator.add`` counts row by row, counted for whole batches at once.

    Rows are counted by distinct outcome in numpy and handed to the aggregator at ``flush`` (before a
    checkpoint, and when the outcomes are started afresh). Amounts at risk are summed in row order,
    as ``add`` would one by one: by vendor into numpy totals of the aggregator's own slots (written
    back at ``flush``), by flag straight into the aggregator.
    """

    def __init__(self, aggregator: ReportAggregator, snapshot: str) -> None:
        self.aggregator = aggregator
        self.snapshot = snapshot
        self.clear = RowResult(row=0, record=Record(0), risk="clear", list_snapshot=snapshot)
        self._outcomes: list[_Outcome] = []
        self._names: _Interned | None = None
        self._seen = 0  # outcomes looked at so far
        self.rows = np.zeros(1, dtype=np.int64)  # rows not yet counted, by outcome index + 1 (0: clear)
        self.at_risk = np.zeros(1, dtype=bool)  # by outcome index + 1
        self.codes: dict[str, np.ndarray] = {}  # flag code -> whether an outcome has it (index + 1)
        self.slots: list[list[float]] = []  # the aggregator's vendor amount slots in use
        self.totals = np.zeros(0, dtype=np.float64)
        self.counts = np.zeros(0, dtype=np.float64)
        self._slot_of: dict[int, int] = {}  # id() of an aggregator slot -> its index here
        self._currency_ids: dict[str, int] = {}
        self._vendor_slots = _KeyIds(2, pairs=True)  # (name value id, currency id) -> index in slots

    def count(
        self, batch: pa.RecordBatch, outcome_of: np.ndarray, names: np.ndarray, columnar: ColumnarScreener
    ) -> None:
        """Count a batch: ``outcome_of`` as ``ColumnarScreener.finish`` gives it, ``names`` each row's
        name value id."""
        if columnar.outcomes is not self._outcomes:  # started afresh: count what the old ones hold
            self.flush()
            self._outcomes, self._seen = columnar.outcomes, 0
            self.rows, self.at_risk, self.codes = self.rows[:1], self.at_risk[:1], {}
        if columnar.fields["name"] is not self._names:  # started afresh: other name value ids
            self._names, self._vendor_slots = columnar.fields["name"], _KeyIds(2, pairs=True)
        self._learn_outcomes()
        self.rows += np.bincount(outcome_of + 1, minlength=len(self.rows))
        rows = np.flatnonzero(self.at_risk[outcome_of + 1])
        amount_column = columnar.mapping.get("amount")
        columns = batch.schema.names
        if not len(rows) or amount_column not in columns:
            return
        amounts = _amounts(batch.column(columns.index(amount_column)).take(pa.array(rows)))
        keep = ~np.isnan(amounts)
        rows, amounts = rows[keep], amounts[keep]
        if not len(rows):
            return
        currencies, currency_of = [""], np.zeros(len(rows), dtype=np.int64)
        currency_column = columnar.mapping.get("currency")
        if currency_column in columns:
            encoded = batch.column(columns.index(currency_column)).take(pa.array(rows)).dictionary_encode()
            currencies = [text_value(v) or "" for v in encoded.dictionary.to_pylist()] + [""]
            currency_of = pc.fill_null(encoded.indices, len(currencies) - 1).to_numpy(zero_copy_only=False)
        self._vendor_amounts(names[rows], currencies, currency_of, amounts)
        # each flag's amounts, flags in the order the rows show them
        outcome = outcome_of[rows] + 1
        firsts = []
        for code, has in self.codes.items():
            mine = has[outcome]
            if mine.any():
                at = int(np.argmax(mine))
                codes = self._outcomes[int(outcome[at]) - 1].codes
                firsts.append((at, codes.index(code), code, np.flatnonzero(mine)))
        for _, _, code, mine in sorted(firsts, key=lambda f: f[:2]):
            group, first = _groups([currency_of[mine]])
            keys = [(code, currencies[c]) for c in currency_of[mine][first].tolist()]
            self.aggregator.add_amounts("flag", keys, group, amounts[mine])

    def _learn_outcomes(self) -> None:
        outcomes = self._outcomes
        if self._seen == len(outcomes):
            return
        size = len(outcomes) + 1
        self.rows = np.concatenate([self.rows, np.zeros(size - len(self.rows), dtype=np.int64)])
        self.at_risk = np.concatenate([self.at_risk, np.zeros(size - len(self.at_risk), dtype=bool)])
        for code in self.codes:
            self.codes[code] = np.concatenate(
                [self.codes[code], np.zeros(size - len(self.codes[code]), dtype=bool)]
            )
        for k in range(self._seen, len(outcomes)):
            self.at_risk[k + 1] = outcomes[k].risk in AT_RISK
            if self.at_risk[k + 1]:
                for code in outcomes[k].codes:
                    if code not in self.codes:
                        self.codes[code] = np.zeros(size, dtype=bool)
                    self.codes[code][k + 1] = True
        self._seen = len(outcomes)

    def _vendor_amounts(
        self, name_of: np.ndarray, currencies: list[str], currency_of: np.ndarray, amounts: np.ndarray
    ) -> None:
        """Sum amounts by vendor and currency, slots made in the order the rows first show them."""
        assert self._names is not None  # set by count
        code_of = np.asarray([self._currency_ids.setdefault(c, len(self._currency_ids)) for c in currencies])
        group, first = _groups([name_of, currency_of])
        pairs = np.stack([name_of[first], code_of[currency_of[first]]], axis=1)
        slot_of_pair = self._vendor_slots.find(pairs)
        new = np.flatnonzero(slot_of_pair < 0)
        values, at = self._names.values, first[new]
        labels = [
            (values[n] or NO_NAME, currencies[c])
            for n, c in zip(name_of[at].tolist(), currency_of[at].tolist(), strict=True)
        ]
        indices, slot_of = [], self._slot_of
        for slot in self.aggregator.amount_slots("vendor", labels):
            index = slot_of.get(id(slot))
            if index is None:
                index = slot_of[id(slot)] = len(self.slots)
                self.slots.append(slot)
            indices.append(index)
        if len(new):
            slot_of_pair[new] = indices
            self._vendor_slots.add(pairs[new], slot_of_pair[new])
            fresh = self.slots[len(self.totals) :]
            self.totals = np.concatenate([self.totals, np.array([s[0] for s in fresh], dtype=np.float64)])
            self.counts = np.concatenate([self.counts, np.array([s[1] for s in fresh], dtype=np.float64)])
        slot_of_row = slot_of_pair[group]
        np.add.at(self.totals, slot_of_row, amounts)  # unbuffered, in row order: the sums of one by one
        self.counts += np.bincount(slot_of_row, minlength=len(self.totals))

    def flush(self) -> None:
        """Hand what is counted so far to the aggregator (in outcome order, as rows first showed them)."""
        for index in np.flatnonzero(self.rows).tolist():
            rows = int(self.rows[index])
            if index == 0:
                self.aggregator.count(self.clear, rows)
            else:
                o = self._outcomes[index - 1]
                self.aggregator.count_codes(o.risk, o.codes, o.lists, rows, self.snapshot)
        self.rows[:] = 0
        for slot, total, count in zip(self.slots, self.totals.tolist(), self.counts.tolist(), strict=True):
            slot[0], slot[1] = total, count


def _amounts(column: pa.Array) -> np.ndarray:
    """A column of amounts as floats (NaN: none), as ``parse_amount`` reads each cell."""
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    plain = pc.fill_null(pc.match_substring_regex(column, r"^-?[0-9]+(\.[0-9]+)?$"), False)
    numbers = pc.cast(pc.if_else(plain, column, "nan"), pa.float64()).to_numpy(zero_copy_only=False).copy()
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        value = parse_amount(column[i].as_py())
        numbers[i] = np.nan if value is None else value
    return np.asarray(numbers, dtype=np.float64)


def _row_result(
    columnar: ColumnarScreener, k: int, row: int, cells: dict[str, Any], snapshot: str
) -> RowResult:
    """A light RowResult for counting: the outcome's flags and hits, the row's amount, currency, name."""
    if k < 0:
        return RowResult(row=row, record=Record(row), risk="clear", list_snapshot=snapshot)
    template = columnar.result(columnar.outcomes[k])
    record = Record(row)
    for key, value in cells.items():
        setattr(record, key, text_value(value) if key != "amount" else parse_amount(value))
    return RowResult(
        row=row,
        record=record,
        risk=template.risk,
        flags=template.flags,
        hits=template.hits,
        list_snapshot=snapshot,
    )
