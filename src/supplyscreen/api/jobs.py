"""File screenings in the background: one job at a time in a worker thread, results kept per job.

A job screens its uploaded file once into ``result.jsonl`` (with the decisions in force at its
start) and writes an audit row. The other formats are written from that result when first asked
for: the input is read again for its rows and the saved flags and hits are put back beside them,
so every format shows the same screening.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from supplyscreen.api.service import ServiceState
from supplyscreen.cases.casebook import screening_payload
from supplyscreen.errors import SupplyscreenError
from supplyscreen.io import read_records
from supplyscreen.io.readers import EXTENSIONS
from supplyscreen.model import Flag, Hit, RowResult
from supplyscreen.report import ReportContext, sources_from_snapshot, write_results
from supplyscreen.report.tabular import is_metadata
from supplyscreen.screen.run import KNOWN_GAPS, mapping_notes, screen_file

log = logging.getLogger("supplyscreen.api")
RESULT = "result.jsonl"
RESULT_FORMATS = {"csv": "result.csv", "xlsx": "result.xlsx", "jsonl": RESULT, "html": "result.html"}


def new_job_id() -> str:
    return uuid.uuid4().hex


def input_name(filename: str) -> str:
    """The stored input's name: ``input`` plus the upload's extension when it is one we read."""
    suffix = Path(filename or "").suffix.lower()
    return "input" + (suffix if suffix in EXTENSIONS else "")


class JobRunner:
    """Runs file screenings one after the other in a background thread and remembers their progress."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="supplyscreen-job")
        self.progress: dict[str, int] = {}
        self._formats_lock = threading.Lock()
        self._rows: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def job_dir(self, job_id: str) -> Path:
        return self.state.jobs_dir / job_id

    def submit(self, job_id: str, user: str, filename: str, options: dict[str, Any]) -> None:
        (self.job_dir(job_id) / "options.json").write_text(json.dumps(options), encoding="utf-8")
        self._pool.submit(self._run, job_id, user, filename, options)

    def input_path(self, job_id: str) -> Path | None:
        found = sorted(self.job_dir(job_id).glob("input*"))
        return found[0] if found else None

    def _run(self, job_id: str, user: str, filename: str, options: dict[str, Any]) -> None:
        state = self.state
        book = state.cases.jobs
        path = self.input_path(job_id)
        self.progress[job_id] = 0
        try:
            if path is None:
                raise SupplyscreenError("the uploaded file is missing")
            book.update(job_id, status="running")
            screener = state.shared_screener()

            def on_rows(n: int) -> None:
                self.progress[job_id] = self.progress.get(job_id, 0) + n
                book.update(job_id, rows_done=self.progress[job_id])

            outcome = screen_file(
                screener,
                path,
                self.job_dir(job_id) / RESULT,
                fmt="jsonl",
                mapping=options.get("mapping") or None,
                sheet=options.get("sheet") or None,
                workers=1,
                on_rows=on_rows,
            )
            payload = screening_payload(path, outcome, decisions=len(screener.decisions or ()), via="api")
            payload.update(input=filename, output=None, job=job_id)
            summary = {
                "rows": outcome.summary.rows_total,
                "by_risk": dict(outcome.summary.by_risk),
                "by_flag": dict(outcome.summary.by_flag),
                "errors": outcome.summary.errors,
                "mapping": outcome.mapping,
                "columns": [{"column": c, "role": r} for c, r in outcome.roles],
                "notes": mapping_notes(outcome.mapping),
                "decisions_in_force": payload["decisions_in_force"],
            }
            book.update(job_id, status="done", rows_done=outcome.summary.rows_total, summary=summary)
            state.audit.submit("screening", user, payload, screener.snapshot_version)
        except SupplyscreenError as exc:
            message = str(exc).replace(str(path), filename) if path else str(exc)
            book.update(job_id, status="failed", error=message)
        except Exception:
            log.exception("job %s failed", job_id)
            book.update(job_id, status="failed", error="internal error while screening; see the server log")
        finally:
            self.progress.pop(job_id, None)

    # -- results ----------------------------------------------------------------------------------
    def result_file(self, job_id: str, fmt: str) -> Path:
        """The job's result in ``fmt``, written from the JSONL result on first request."""
        out = self.job_dir(job_id) / RESULT_FORMATS[fmt]
        if out.is_file():
            return out
        with self._formats_lock:
            if not out.is_file():
                self._write_format(job_id, fmt, out)
        return out

    def _saved(self, job_id: str) -> dict[tuple[str | None, int], dict[str, Any]]:
        return {(row.get("sheet"), row["row"]): row for row in self.flagged_rows(job_id)}

    def _write_format(self, job_id: str, fmt: str, out: Path) -> None:
        info = self.state.cases.jobs.get(job_id)
        path = self.input_path(job_id)
        if info is None or path is None:
            raise SupplyscreenError(f"job {job_id} has no saved input")
        options = json.loads((self.job_dir(job_id) / "options.json").read_text(encoding="utf-8"))
        stream = read_records(
            path, mapping=options.get("mapping") or None, sheet=options.get("sheet") or None
        )
        saved = self._saved(job_id)

        def results() -> Iterator[RowResult]:
            for record in stream:
                row = saved.get((record.sheet, record.row))
                result = RowResult(
                    row=record.row, record=record, risk="clear", list_snapshot=info.list_version
                )
                if row is not None:
                    result.risk = row["risk"]
                    result.flags = [Flag(**f) for f in row["flags"]]
                    result.hits = [Hit(**h) for h in row["hits"]]
                yield result

        snapshot = self.state.screener.store.snapshot
        context = ReportContext(
            input_path=path,
            output_path=out,
            mapping=dict(stream.mapping),
            roles=stream.roles(),
            notes=mapping_notes(dict(stream.mapping)),
            list_snapshot=info.list_version,
            sources=sources_from_snapshot(snapshot.sources.values(), gaps=KNOWN_GAPS),
        )
        write_results(results(), out, fmt=fmt, context=context, columns=stream.columns)

    def flagged_rows(self, job_id: str) -> list[dict[str, Any]]:
        """The rows of a finished job that have flags or hits, as JSONL dicts (cached for a few jobs)."""
        cached = self._rows.get(job_id)
        if cached is not None:
            return cached
        rows: list[dict[str, Any]] = []
        path = self.job_dir(job_id) / RESULT
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if '"flags": []' in line and '"hits": []' in line:
                    continue
                row = json.loads(line)
                if not is_metadata(row) and (row["flags"] or row["hits"]):
                    rows.append(row)
        self._rows[job_id] = rows
        if len(self._rows) > 8:
            self._rows.popitem(last=False)
        return rows

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
