"""Screen a whole file: read, screen in chunks with checkpoints, compare with an earlier screening, write.

Each finished chunk of results is saved under ``<out>.partial/`` with a state file; ``resume=True``
picks up after the last saved chunk of the same input, so an interrupted run loses nothing and
screens no row twice. The output is written to a temporary file and renamed at the end.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supplyscreen.errors import ResumeError
from supplyscreen.io import RecordStream, read_records
from supplyscreen.model import Record, RowResult
from supplyscreen.report import (
    ReportAggregator,
    ReportContext,
    ReportSummary,
    detect_format,
    sources_from_snapshot,
    write_errors,
)
from supplyscreen.report import write_results as write_report
from supplyscreen.report.atomic import check_output_path, replace
from supplyscreen.screen.changes import load_previous, mark_change
from supplyscreen.screen.columnar import MalformedInput, read_ahead, sheet_layout, write_columnar
from supplyscreen.screen.columnar import eligible as columnar_eligible
from supplyscreen.screen.columnar import layout as columnar_layout
from supplyscreen.screen.engine import (
    RecordScreener,
    chunked,
    screen_chunks,
    start_pool,
    with_screening_settings,
)
from supplyscreen.sources.registry import known_gaps

CHUNK_ROWS = 5000
#: What every report says each source lacks (``known_gap`` in ``data/sources.yaml``).
KNOWN_GAPS = known_gaps()


@dataclass(slots=True)
class ScreenOutcome:
    """What a file screening produced: the totals, the output and errors files, the counts per risk."""

    summary: ReportSummary
    output: Path
    errors_file: Path | None
    mapping: dict[str, str]
    resumed_rows: int = 0
    vendor_places: list[tuple[str, str]] = field(default_factory=list)  # (column, kind): io.location
    #: each input column with its role (``RecordStream.roles``: a key, or read by detectors only)
    roles: list[tuple[str, str]] = field(default_factory=list)


def default_output(input_path: Path) -> Path:
    """``<input name>.screened.csv`` beside the input."""
    return input_path.with_name(input_path.stem + ".screened.csv")


def _fingerprint(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    stat = path.stat()
    return {"input": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, **options}


class Checkpoints:
    """Saved chunks of results in ``<out>.partial/``, with the fingerprint of the run they belong to."""

    def __init__(self, out: Path, fingerprint: dict[str, Any]) -> None:
        self.dir = out.with_name(out.name + ".partial")
        self.fingerprint = fingerprint
        self.rows: list[int] = []  # rows of each saved chunk

    def start(self, resume: bool) -> int:
        """Rows already screened (0 for a fresh run, whose old checkpoints are removed)."""
        state_path = self.dir / "state.json"
        if resume and state_path.is_file():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if state.get("fingerprint") != self.fingerprint:
                raise ResumeError(
                    f"{self.dir}: the checkpoint belongs to another input or other options; "
                    "run without --resume to start again"
                )
            self.rows = [int(n) for n in state["rows"][: int(state["chunks"])]]
            return sum(self.rows)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self._write_state()
        return 0

    @property
    def done(self) -> int:
        """Chunks saved."""
        return len(self.rows)

    def _write_state(self) -> None:
        tmp = self.dir / "state.json.tmp"
        state = {"fingerprint": self.fingerprint, "chunks": len(self.rows), "rows": self.rows}
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(self.dir / "state.json")

    def saved(self, chunks: Iterator[list[Record]], snapshot: str) -> Iterator[list[RowResult]]:
        """The saved chunks, rebuilt around their input records (read again from the input)."""
        for n in range(self.done):
            with open(self.dir / f"{n:06d}.pickle", "rb") as fh:
                size, flagged = pickle.load(fh)
            records = next(chunks)
            if len(records) != size:
                raise ResumeError(
                    f"{self.dir}: chunk {n} had {size} rows, the input now gives {len(records)}"
                )
            results = [RowResult(row=r.row, record=r, risk="clear", list_snapshot=snapshot) for r in records]
            for i, risk, flags, hits in flagged:
                results[i].risk, results[i].flags, results[i].hits = risk, flags, hits
            yield results

    def save(self, results: list[RowResult]) -> None:
        """Save a chunk: its size, and the risk, flags and hits of the rows that have any (most have none)."""
        n = self.done
        flagged = [(i, r.risk, r.flags, r.hits) for i, r in enumerate(results) if r.flags or r.hits]
        tmp = self.dir / f"{n:06d}.pickle.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump((len(results), flagged), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.dir / f"{n:06d}.pickle")
        self.rows.append(len(results))
        self._write_state()

    def finish(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@with_screening_settings
def screen_file(
    screener: Any,
    input_path: Path,
    out: Path | None = None,
    *,
    fmt: str | None = None,
    mapping: dict[str, str] | str | None = None,
    sheet: str | None = None,
    workers: int = 1,
    resume: bool = False,
    compare_to: Path | None = None,
    on_rows: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    force_rows: bool = False,
) -> ScreenOutcome:
    """Screen ``input_path`` into ``out`` (see the module docstring); ``on_rows`` hears of each chunk."""
    input_path = Path(input_path)
    out = Path(out) if out else default_output(input_path)
    stream: RecordStream = read_records(input_path, mapping=mapping, sheet=sheet)
    snapshot = screener.store.snapshot
    if columnar_eligible(stream, detect_format(out, fmt)) and not force_rows:
        try:
            return _screen_columnar(
                screener, stream, out, workers=workers, resume=resume, compare_to=compare_to, on_rows=on_rows
            )
        except MalformedInput:  # damaged rows: the row path numbers and reports them
            shutil.rmtree(out.with_name(out.name + ".partial"), ignore_errors=True)
            stream = read_records(input_path, mapping=mapping, sheet=sheet)
            resume = False
    options = {
        "mapping": stream.mapping,
        "sheet": sheet,
        "chunk_rows": chunk_rows,
        "snapshot": snapshot.version,
    }
    checkpoints = Checkpoints(out, _fingerprint(input_path, options))
    done = checkpoints.start(resume)
    previous = load_previous(Path(compare_to)) if compare_to else None
    started = datetime.now(UTC)

    def results() -> Iterator[RowResult]:
        chunks = chunked(stream, chunk_rows)
        for chunk_results in checkpoints.saved(chunks, snapshot.version):
            if on_rows:
                on_rows(len(chunk_results))
            for result in chunk_results:
                yield mark_change(result, previous) if previous is not None else result
        for chunk_results in screen_chunks(screener, chunks, workers=workers):
            checkpoints.save(chunk_results)
            if on_rows:
                on_rows(len(chunk_results))
            for result in chunk_results:
                yield mark_change(result, previous) if previous is not None else result
        context.error_count = len(stream.errors)

    context = ReportContext(
        input_path=input_path,
        output_path=out,
        mapping=dict(stream.mapping),
        roles=stream.roles(),
        notes=mapping_notes(stream.mapping),
        list_snapshot=snapshot.version,
        sources=sources_from_snapshot(snapshot.sources.values(), gaps=KNOWN_GAPS),
        started=started,
        compare_to=Path(compare_to) if compare_to else None,
    )
    summary = write_report(results(), out, fmt=fmt, context=context, columns=stream.columns)
    checkpoints.finish()
    return _finished(summary, out, list(stream.errors), input_path, stream, done)


def _finished(
    summary: ReportSummary, out: Path, errors: list[Any], input_path: Path, stream: RecordStream, resumed: int
) -> ScreenOutcome:
    """The outcome of a finished screening, with its skipped rows written to the errors file."""
    errors_file = write_errors(errors, out, input_path=input_path)[0] if errors else None
    return ScreenOutcome(
        summary=summary,
        output=out,
        errors_file=errors_file,
        mapping=dict(stream.mapping),
        resumed_rows=resumed,
        vendor_places=list(stream.vendor_places),
        roles=stream.roles(),
    )


#: What a screening without a name column says, loudly, wherever it reports.
NO_NAME_NOTE = (
    "No name column: no name was matched against the lists. Only the detectors (covered equipment, "
    "Xinjiang places, high-priority sectors, federal funding) read the rows; map the vendor's name "
    "with --map name=COLUMN to screen it."
)


def mapping_notes(mapping: dict[str, str]) -> list[str]:
    """What a report must say of its column mapping: that no name was matched when no column gives
    one, and that no currency was assumed when no column gives it."""
    return ([NO_NAME_NOTE] if "name" not in mapping else []) + currency_notes(mapping)


def currency_notes(mapping: dict[str, str]) -> list[str]:
    """What a report must say of its amounts' currency: none assumed when no column gives it."""
    if "amount" in mapping and "currency" not in mapping:
        return [
            f"No currency column: the amounts of '{mapping['amount']}' are totalled as written, in a "
            "currency the file does not state (none is assumed or converted); map one with --map "
            "currency=COLUMN"
        ]
    return []


def _screen_columnar(
    screener: Any,
    stream: RecordStream,
    out: Path,
    *,
    workers: int,
    resume: bool,
    compare_to: Path | None,
    on_rows: Callable[[int], None] | None,
) -> ScreenOutcome:
    """The columnar path (``screen.columnar``): batches checkpointed in ``<out>.partial/``."""
    input_path = Path(stream.path)
    check_output_path(out, input_path)
    snapshot = screener.store.snapshot
    xlsx = stream.format == "xlsx"  # its sheet, cut in batches of so many sheet rows
    options = {
        "mapping": stream.mapping,
        "columnar": {**sheet_layout(), "sheet": stream.sheets} if xlsx else columnar_layout(),
        "snapshot": snapshot.version,
        "compare_to": str(compare_to) if compare_to else None,
    }
    fingerprint = _fingerprint(input_path, options)
    partial = out.with_name(out.name + ".partial")
    state_path = partial / "columnar.pickle"
    state: dict[str, Any] = {}
    if resume and state_path.is_file():
        with open(state_path, "rb") as fh:
            state = pickle.load(fh)
        if state.get("fingerprint") != fingerprint:
            raise ResumeError(
                f"{partial}: the checkpoint belongs to another input or other options; "
                "run without --resume to start again"
            )
    else:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    aggregator: ReportAggregator = state.get("aggregator") or ReportAggregator()
    errors = list(state.get("errors") or [])

    def save_state(new: dict[str, Any]) -> None:
        tmp = state_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump({**new, "fingerprint": fingerprint}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(state_path)

    previous = load_previous(Path(compare_to)) if compare_to else None
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    # in one process, reading starts while the detectors are built and the lists loaded (with
    # helpers, only once they are forked: a fork must not copy a running thread); the first batch
    # is left for the screening to encode, as each pyarrow call of the reader would wait for the
    # GIL while the detectors are built
    encode_from = max(int(state.get("batches", 0)), 1)
    batches = read_ahead(stream, errors, encode_from) if workers == 1 else None
    if workers == 1:  # (helpers are forked: start_pool would wait for it)
        snapshot.read_in_background()  # the entities behind name hits, wanted once names are matched
    pool = None
    try:
        engine = RecordScreener(screener)
        screener.matcher  # noqa: B018 - load before forking helpers
        gc.freeze()  # the loaded index joins what the collector leaves alone (see screening_settings)
        helpers = max(1, workers - 1)
        pool = start_pool(engine, helpers) if workers > 1 else None
        resumed = int(state.get("rows", 0))
        if on_rows and resumed:
            on_rows(resumed)
        write_columnar(
            screener,
            stream,
            partial / "output.csv",
            engine=engine,
            aggregator=aggregator,
            previous=previous,
            errors=errors,
            state=state,
            save_state=save_state,
            on_rows=on_rows,
            pool=pool,
            helpers=helpers,
            batches=batches,
        )
    finally:
        if batches is not None:
            batches.close()
        if pool is not None:
            pool.close()
            pool.join()
    replace(partial / "output.csv", out)
    shutil.rmtree(partial, ignore_errors=True)
    aggregator.errors = len(errors)
    summary = aggregator.summary()
    summary.output, summary.format = out, "csv"
    return _finished(summary, out, errors, input_path, stream, resumed)
