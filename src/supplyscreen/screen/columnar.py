"""The columnar path for big CSV and Parquet files written as CSV: same results, a fraction of the work.

A purchase file of a million rows holds a few tens of thousands of distinct vendors and item
descriptions, and most rows flag nothing. This path reads batches with pyarrow, and for each row
forms the smallest key that decides its screening: the vendor's hits (matched once per distinct
name), and, only for the detectors whose candidate check finds something in the row's texts, the
fields that detector reads. Rows with the same key get the same result, computed once by the
ordinary :class:`RecordScreener`; the input columns are written back by pyarrow untouched except for
formula escaping, with the result columns beside them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from supplyscreen.io import RecordStream
from supplyscreen.io.errors import RowError
from supplyscreen.io.record_builder import RecordBuilder
from supplyscreen.model import Record, RowResult
from supplyscreen.report import ReportAggregator
from supplyscreen.report.summary import AT_RISK, NO_NAME, flag_lists
from supplyscreen.report.tabular import added_columns, added_values
from supplyscreen.screen.engine import RecordScreener, match_distinct_names

BATCH_BYTES = 16 << 20
_KEYS = ("name", "address", "country", "description", "hs_code", "date", "funding", "amount", "currency")
_FORMULA = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


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


def _batches(stream: RecordStream, errors: list[RowError]) -> Iterator[pa.RecordBatch]:
    path = Path(stream.path)
    if stream.format == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        for batch in pq.ParquetFile(path).iter_batches(batch_size=65536):
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

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=stream.encoding or "utf8", block_size=BATCH_BYTES),
            parse_options=pacsv.ParseOptions(
                delimiter=stream.delimiter or ",", newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in stream.columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        yield from reader
    except pa.ArrowInvalid as exc:
        raise MalformedInput(str(exc)) from exc


def _escaped(column: pa.Array) -> pa.Array:
    """Cells a spreadsheet would run as formulas, prefixed with ``'`` (plain numbers left alone)."""
    if not pa.types.is_string(column.type):
        return column
    risky = pc.and_(
        pc.match_substring_regex(column, _FORMULA), pc.invert(pc.match_substring_regex(column, _PLAIN_NUMBER))
    )
    if not pc.any(risky).as_py():
        return column
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


class _Columns:
    """One batch's screening fields as Python lists, and the builder that turns a row into a Record."""

    def __init__(self, batch: pa.RecordBatch, mapping: dict[str, str], parts: list[str]) -> None:
        names = batch.schema.names
        self.cols = [
            c for c in dict.fromkeys([*(mapping[k] for k in _KEYS if k in mapping), *parts]) if c in names
        ]
        self.values = [batch.column(names.index(c)).to_pylist() for c in self.cols]
        sub = {k: v for k, v in mapping.items() if v in self.cols}
        self.builder = RecordBuilder(self.cols, sub, Counter())
        self.index = {k: self.cols.index(v) for k, v in sub.items()}
        self.has_parts = bool(parts)

    def field(self, key: str) -> list[Any] | None:
        i = self.index.get(key)
        return self.values[i] if i is not None else None

    def record(self, row: int, i: int) -> Record:
        return self.builder.from_values(row, [col[i] for col in self.values])


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else (str(value) if value is not None else None)


class ColumnarScreener:
    """Screens batches by distinct screening key (see the module docstring)."""

    def __init__(
        self, engine: RecordScreener, mapping: dict[str, str], parts: list[str], snapshot: str
    ) -> None:
        self.engine = engine
        self.mapping = mapping
        self.parts = parts
        self.snapshot = snapshot
        self.results: dict[Any, int] = {}
        self.outcomes: list[tuple[str, list[Any], RowResult | None]] = []  # risk, added values, result
        self.parts_store: list[Any] = []
        self.by_name: dict[Any, int] = {}
        self.by_covered: dict[Any, int] = {}
        self.by_xinjiang: dict[Any, int] = {}
        self.by_sector: dict[Any, int] = {}

    def _part(self, cache: dict[Any, int], key: Any, compute: Callable[[], Any]) -> int:
        """The id of a screening part (name flags, or one detector's flags) for its key, computed once."""
        found = cache.get(key)
        if found is None:
            found = cache[key] = len(self.parts_store)
            self.parts_store.append(compute())
        return found

    def _outcome(self, cols: _Columns, i: int, row: int, name_key: tuple[str, str | None] | None) -> int:
        """The outcome of one row: its parts looked up by the fields each depends on, then combined."""
        engine, gate, get = self.engine, self.engine.gate, cols.field
        made: list[Record] = []

        def record() -> Record:
            if not made:
                made.append(cols.record(row, i))
            return made[0]

        name = name_key[0] if name_key else None
        desc = _text(v[i]) if (v := get("description")) else None
        date = v[i] if (v := get("date")) else None
        funding = v[i] if (v := get("funding")) else None
        part_h = part_c = part_x = part_s = -1
        if name_key and any(h.match or h.review for h in engine.match_key(name_key)):
            part_h = self._part(self.by_name, (name_key, date, funding), lambda: engine.name_flags(record()))
        if any(gate.has_candidate("covered", t) for t in (name, desc) if t):
            part_c = self._part(
                self.by_covered, (name, desc, date, funding), lambda: gate.covered.detect(record())
            )
        addr = _text(v[i]) if (v := get("address")) else None
        country = _text(v[i]) if (v := get("country")) else None
        parts = tuple(col[i] for col in cols.values) if cols.has_parts else None
        texts = (
            gate.xinjiang_texts(record())
            if cols.has_parts
            else [t for t in (name, addr, desc) if t]
            + ([country] if country and gate.xinjiang_country(country) is None else [])
        )
        if any(gate.has_candidate("xinjiang", t) for t in texts):
            part_x = self._part(
                self.by_xinjiang, (name, addr, desc, country, parts), lambda: gate.xinjiang.detect(record())
            )
        hs = _text(v[i]) if (v := get("hs_code")) else None
        if (hs and gate.has_candidate("hs", hs)) or (desc and gate.has_candidate("sector", desc)):
            part_s = self._part(self.by_sector, (hs, desc), lambda: gate.sector.detect(record()))
        combo = (part_h, part_c, part_x, part_s)
        if combo == (-1, -1, -1, -1):
            return -1
        found = self.results.get(combo)
        if found is None:
            name_flags, hits = self.parts_store[part_h] if part_h >= 0 else ([], [])
            detected = [f for p in (part_c, part_x, part_s) if p >= 0 for f in self.parts_store[p]]
            result = engine.assemble(record(), name_flags, hits, detected)
            found = self.results[combo] = len(self.outcomes)
            self.outcomes.append((result.risk, added_values(result, False), result))
        return found

    def screen(self, batch: pa.RecordBatch, first_row: int, pool: Any = None, helpers: int = 1) -> list[int]:
        """The outcome index of each row of a batch (-1: clear, nothing found)."""
        cols = _Columns(batch, self.mapping, self.parts)
        keys, key_of_row = self._name_keys(batch)
        match_distinct_names(self.engine, [k for k in keys if k], pool, helpers)
        relevant = [
            k is not None and any(h.match or h.review for h in self.engine.match_key(k)) for k in keys
        ]
        by_name = pc.fill_null(pc.take(pa.array(relevant, type=pa.bool_()), key_of_row), False)
        rows = key_of_row.to_pylist()
        out = [-1] * batch.num_rows
        for i in self._active_rows(batch, cols, by_name):
            out[i] = self._outcome(cols, i, first_row + i, keys[rows[i]])
        return out

    def _name_keys(self, batch: pa.RecordBatch) -> tuple[list[tuple[str, str | None] | None], pa.Array]:
        """The distinct name keys of a batch (as ``RecordScreener.name_key``) and each row's index in them."""
        names = batch.schema.names
        column = self.mapping.get("name")
        if column is None or column not in names:
            return [None], pa.array([0] * batch.num_rows, type=pa.int32())
        name = pc.fill_null(pc.utf8_trim_whitespace(batch.column(names.index(column))), "")
        country_column = self.mapping.get("country")
        if country_column in names:
            country = pc.fill_null(
                pc.utf8_lower(pc.utf8_trim_whitespace(batch.column(names.index(country_column)))), ""
            )
            country = pc.if_else(pc.match_substring_regex(country, r"^\pL{2}$"), country, "")
        else:
            country = pa.array([""] * batch.num_rows, type=pa.string())
        encoded = pc.binary_join_element_wise(name, country, "\x1f").dictionary_encode()
        keys: list[tuple[str, str | None] | None] = []
        for text in encoded.dictionary.to_pylist():
            value, _, code = text.partition("\x1f")
            keys.append((value, code or None) if value else None)
        return keys, encoded.indices

    def _active_rows(self, batch: pa.RecordBatch, cols: _Columns, by_name: pa.Array) -> list[int]:
        """Rows that may flag: a relevant name hit, or a candidate in a text, decided per distinct text."""
        if cols.has_parts:
            return list(range(batch.num_rows))
        gate = self.engine.gate
        mask = by_name
        checks = {
            "name": ("covered", "xinjiang"),
            "description": ("covered", "xinjiang", "sector"),
            "address": ("xinjiang",),
            "hs_code": ("hs",),
            "country": ("country",),
        }
        names = batch.schema.names
        for field_name, kinds in checks.items():
            column = self.mapping.get(field_name)
            if column is None or column not in names:
                continue
            encoded = pc.utf8_trim_whitespace(batch.column(names.index(column))).dictionary_encode()
            found = [
                bool(t) and any(self._candidate(gate, kind, t) for kind in kinds)
                for t in encoded.dictionary.to_pylist()
            ]
            per_row = pc.fill_null(pc.take(pa.array(found, type=pa.bool_()), encoded.indices), False)
            mask = pc.or_(mask, per_row)  # empty (null) cells find nothing
        rows: list[int] = pc.indices_nonzero(mask).to_pylist()
        return rows

    @staticmethod
    def _candidate(gate: Any, kind: str, text: str) -> bool:
        if kind == "country":  # a country cell is read as a place only when it is no known country
            return gate.xinjiang_country(text) is None and gate.has_candidate("xinjiang", text)
        return bool(gate.has_candidate(kind, text))


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
) -> None:
    """Screen ``stream`` batch by batch into ``tmp_out`` (appending after ``state``'s checkpoint)."""
    snapshot = screener.store.snapshot.version
    columnar = ColumnarScreener(engine, dict(stream.mapping), list(stream.address_parts), snapshot)
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
        for n, batch in enumerate(_batches(stream, errors)):
            if n < done_batches:
                continue
            outcome_of = columnar.screen(batch, row + 1, pool, helpers)
            table = _output_table(batch, outcome_of, columnar, added, row, previous, aggregator, snapshot)
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            fh.flush()
            row += batch.num_rows
            save_state(
                {
                    "batches": n + 1,
                    "rows": row,
                    "offset": fh.tell(),
                    "aggregator": aggregator,
                    "errors": errors,
                }
            )
            if on_rows:
                on_rows(batch.num_rows)
        os.fsync(fh.fileno())


def _header_line(columns: list[str], added: list[str]) -> bytes:
    import csv
    import io

    from supplyscreen.report.escape import csv_cell

    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(c) for c in [*columns, *added]])
    return buf.getvalue().encode("utf-8")


def _output_table(
    batch: pa.RecordBatch,
    outcome_of: list[int],
    columnar: ColumnarScreener,
    added: list[str],
    first: int,
    previous: dict[str, tuple[str, str]] | None,
    aggregator: ReportAggregator,
    snapshot: str,
) -> pa.Table:
    outcomes = columnar.outcomes
    clear = ["clear", "", "", "", None, "", snapshot]
    columns = [_escaped(batch.column(i)) for i in range(batch.num_columns)]
    # each distinct outcome's values once; rows take theirs by index (position 0: a clear row)
    used = sorted(set(outcome_of))
    position = {k: n for n, k in enumerate(used)}
    table = [clear if k < 0 else outcomes[k][1] for k in used]
    take = pa.array([position[k] for k in outcome_of], type=pa.int32())
    extra: list[pa.Array] = []
    for j in range(7):
        data = [v[j] for v in table]
        values = pa.array(data, type=pa.float64()) if j == 4 else _escaped(pa.array(data, type=pa.string()))
        extra.append(pc.take(values, take))
    if previous is not None:
        extra.append(
            pa.array(
                _changes(batch, outcome_of, columnar, first, previous, aggregator, snapshot), type=pa.string()
            )
        )
    else:
        _count(batch, outcome_of, columnar, aggregator, snapshot)
    names = [*batch.schema.names, *added]
    return pa.Table.from_arrays([*columns, *extra], names=[f"c{i}" for i in range(len(names))])


def _changes(
    batch: pa.RecordBatch,
    outcome_of: list[int],
    columnar: ColumnarScreener,
    first: int,
    previous: dict[str, tuple[str, str]],
    aggregator: ReportAggregator,
    snapshot: str,
) -> list[str]:
    """Compare mode: each row against the earlier screening, counted row by row."""
    from supplyscreen.screen.run import mark_change

    changes: list[str] = []
    for i, k in enumerate(outcome_of):
        result = _row_result(batch, columnar, k, first + i + 1, i, snapshot)
        changes.append(mark_change(result, previous).change or "")
        aggregator.add(result)
    return changes


def _count(
    batch: pa.RecordBatch,
    outcome_of: list[int],
    columnar: ColumnarScreener,
    aggregator: ReportAggregator,
    snapshot: str,
) -> None:
    """Totals of a batch by distinct outcome (what ``ReportAggregator.add`` counts, row by row)."""
    aggregator.list_snapshot = aggregator.list_snapshot or snapshot
    for k, n in Counter(outcome_of).items():
        aggregator.rows_total += n
        if k < 0:
            aggregator.by_risk["clear"] += n
            continue
        template = columnar.outcomes[k][2]
        assert template is not None
        aggregator.by_risk[template.risk] += n
        codes = template.flag_codes
        for code in codes:
            aggregator.by_flag[code] += n
        for code in flag_lists(template):
            aggregator.by_list[code] += n
        if template.risk == "clear" and codes:
            aggregator.rows_information += n
    at_risk = [i for i, k in enumerate(outcome_of) if k >= 0 and columnar.outcomes[k][0] in AT_RISK]
    if not at_risk:
        return
    names, mapping = batch.schema.names, columnar.mapping

    def column(key: str) -> list[Any]:
        name = mapping.get(key)
        return batch.column(names.index(name)).to_pylist() if name in names else [None] * batch.num_rows

    vendors, currencies, amounts = column("name"), column("currency"), column("amount")
    for i in at_risk:
        amount = _amount(amounts[i])
        if amount is None or amount != amount:
            continue
        currency = (_text(currencies[i]) or "").upper()
        aggregator._add_amount("vendor", _text(vendors[i]) or NO_NAME, currency, amount)
        for code in columnar.outcomes[outcome_of[i]][2].flag_codes:  # type: ignore[union-attr]
            aggregator._add_amount("flag", code, currency, amount)


def _row_result(
    batch: pa.RecordBatch, columnar: ColumnarScreener, k: int, row: int, i: int, snapshot: str
) -> RowResult:
    """A light RowResult for counting: the outcome's flags and hits, the row's amount, currency, name."""
    if k < 0:
        return RowResult(row=row, record=Record(row), risk="clear", list_snapshot=snapshot)
    _, _, template = columnar.outcomes[k]
    assert template is not None
    record = Record(row)
    mapping = columnar.mapping
    names = batch.schema.names
    for key in ("name", "currency", "amount"):
        column = mapping.get(key)
        if column in names:
            value = batch.column(names.index(column))[i].as_py()
            setattr(record, key, _text(value) if key != "amount" else _amount(value))
    return RowResult(
        row=row,
        record=record,
        risk=template.risk,
        flags=template.flags,
        hits=template.hits,
        list_snapshot=snapshot,
    )


def _amount(value: Any) -> float | None:
    from supplyscreen.io.dates import parse_amount

    return parse_amount(value)
