"""The columnar path's write loop: a file screened batch by batch into its CSV output, with
checkpoints for ``--resume``; a writer thread that formats and writes each batch while the next is
screened; compare mode's change column, counted row by row.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

from supplyscreen.errors import ResumeError
from supplyscreen.io import RecordStream
from supplyscreen.io.dates import parse_amount
from supplyscreen.io.errors import RowError
from supplyscreen.io.record_builder import text_value
from supplyscreen.model import Record, RowResult
from supplyscreen.report import ReportAggregator
from supplyscreen.report.columns import added_columns
from supplyscreen.report.escape import csv_cell, escaped_columns
from supplyscreen.screen.changes import mark_change
from supplyscreen.screen.columnar.reader import ReadAhead, _prefetch, read_ahead
from supplyscreen.screen.columnar.screener import ColumnarScreener
from supplyscreen.screen.columnar.totals import _Totals
from supplyscreen.screen.columnar.xlsx import row_numbers
from supplyscreen.screen.engine import RecordScreener

# a resumable state is saved between batches, at most this often (see write_columnar)
CHECKPOINT_SECONDS = 5.0


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
        engine,
        dict(stream.mapping),
        list(stream.address_parts),
        snapshot,
        list(stream.vendor_places),
        list(stream.others),
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
    numbers = row_numbers(batch, first + 1).tolist()  # a sheet's count its blank rows, as the row path
    for i, k in enumerate(outcome_of.tolist()):
        result = _row_result(
            columnar, k, numbers[i], {key: values[i] for key, values in cells.items()}, snapshot
        )
        changes.append(mark_change(result, previous).change or "")
        aggregator.add(result)
    return changes


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
