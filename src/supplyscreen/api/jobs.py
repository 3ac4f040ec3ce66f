"""File screenings in the background: one job at a time in a worker thread, results kept per job.

A job screens its uploaded file once into ``result.jsonl`` (with the decisions in force at its
start) and writes an audit row. The other formats are written from that result when first asked
for: the input is read again for its rows and the saved flags and hits are put back beside them,
so every format shows the same screening.

A job belongs to the user who started it. It can be cancelled: a queued job never starts, a running
one stops at its next batch (its progress update finds it cancelled). Whatever a failed or
cancelled screening leaves (``.part`` files, ``.partial`` checkpoints) is removed, also at start-up
after a killed server. Finished jobs older than ``job_retention_days`` are purged, files and rows,
at start-up and whenever a job is added. Job folders are private to the server's user (0700, files
0600).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.casebook import screening_payload
from supplyscreen.cases.jobs import JobInfo
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
#: what an unfinished screening leaves in a job's folder: atomic_output's temporary files, the
#: screening's checkpoints, the checkpoints' own temporary files
TEMPORARY = ("*.part", "*.partial", "*.tmp")
RUNNING = ("running",)


class JobCancelled(Exception):
    """Raised from a job's progress callback once the job is cancelled: the screening stops there."""


def new_job_id() -> str:
    return uuid.uuid4().hex


def input_name(filename: str) -> str:
    """The stored input's name: ``input`` plus the upload's extension when it is one we read."""
    suffix = Path(filename or "").suffix.lower()
    return "input" + (suffix if suffix in EXTENSIONS else "")


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can open (0700, whatever the umask)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> IO[bytes]:
    """``path`` opened for writing, created (or truncated) readable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)
    return os.fdopen(fd, "wb")


def make_private(folder: Path) -> None:
    """Give the files in a job's folder mode 0600 (the screening's writers use the umask's mode)."""
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink():
            os.chmod(path, 0o600)


def remove_temporary(folder: Path) -> None:
    """Remove the temporary files and checkpoints an unfinished screening left in ``folder``."""
    for pattern in TEMPORARY:
        for path in folder.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def visible_to(principal: Principal, info: JobInfo) -> bool:
    """Whether a principal may see a job: its owner, or an admin."""
    return info.user == principal.name or principal.can("admin")


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

    def new_folder(self, job_id: str) -> Path:
        """A new job's private folder (the jobs folder made private too when it is new)."""
        if not self.state.jobs_dir.is_dir():
            private_dir(self.state.jobs_dir)
        return private_dir(self.job_dir(job_id))

    def submit(self, job_id: str, user: str, filename: str, options: dict[str, Any]) -> None:
        with private_file(self.job_dir(job_id) / "options.json") as fh:
            fh.write(json.dumps(options).encode("utf-8"))
        self._pool.submit(self._run, job_id, user, filename, options)

    def input_path(self, job_id: str) -> Path | None:
        found = sorted(self.job_dir(job_id).glob("input*"))
        return found[0] if found else None

    def cancel(self, job_id: str, by: str) -> bool:
        """Cancel a queued or running job (False when it had finished): a queued job never starts, a
        running one stops at its next batch, in whichever process runs it."""
        return self.state.cases.jobs.cancel(job_id, by)

    def _run(self, job_id: str, user: str, filename: str, options: dict[str, Any]) -> None:
        state = self.state
        book = state.cases.jobs
        if not book.start(job_id):  # cancelled while it waited (or purged)
            return
        path = self.input_path(job_id)
        self.progress[job_id] = 0
        try:
            if path is None:
                raise SupplyscreenError("the uploaded file is missing")
            screener = state.shared_screener()

            def on_rows(n: int) -> None:
                self.progress[job_id] = self.progress.get(job_id, 0) + n
                if not book.update(job_id, when=RUNNING, rows_done=self.progress[job_id]):
                    raise JobCancelled(job_id)

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
            make_private(self.job_dir(job_id))
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
            done = dict(status="done", rows_done=outcome.summary.rows_total, summary=summary)
            if not book.update(job_id, when=RUNNING, **done):
                raise JobCancelled(job_id)  # cancelled as its last batch was written: no result
            state.audit.submit("screening", user, payload, screener.snapshot_version)
        except JobCancelled:
            self._discard_results(job_id)
        except SupplyscreenError as exc:
            message = str(exc).replace(str(path), filename) if path else str(exc)
            book.update(job_id, when=RUNNING, status="failed", error=message)
        except Exception:
            log.exception("job %s failed", job_id)
            error = "internal error while screening; see the server log"
            book.update(job_id, when=RUNNING, status="failed", error=error)
        finally:
            self.progress.pop(job_id, None)
            remove_temporary(self.job_dir(job_id))

    def _discard_results(self, job_id: str) -> None:
        """Remove a cancelled job's results (its input and options stay until it is purged)."""
        folder = self.job_dir(job_id)
        for path in folder.iterdir() if folder.is_dir() else ():
            if not path.name.startswith(("input", "options.json")) and path.is_file():
                path.unlink(missing_ok=True)
        self._rows.pop(job_id, None)

    # -- housekeeping -----------------------------------------------------------------------------
    def _cutoff(self) -> str | None:
        days = self.state.settings.job_retention_days
        if days <= 0:
            return None
        return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def purge_expired(self) -> int:
        """Remove finished jobs older than the retention period, rows and files; returns how many."""
        cutoff = self._cutoff()
        if cutoff is None:
            return 0
        book = self.state.cases.jobs
        expired = book.expired(cutoff)
        book.delete(expired)
        for job_id in expired:
            shutil.rmtree(self.job_dir(job_id), ignore_errors=True)
            self._rows.pop(job_id, None)
        if expired:
            log.info("purged %d jobs older than %s", len(expired), cutoff)
        return len(expired)

    def recover(self) -> None:
        """At start-up: jobs a stopped server left unfinished are failed, their temporary files removed,
        expired jobs purged, and folders of expired uploads that never became a job removed."""
        book = self.state.cases.jobs
        book.interrupt_unfinished()
        self.purge_expired()
        if not self.state.jobs_dir.is_dir():
            return
        days = self.state.settings.job_retention_days
        oldest = time.time() - days * 86400 if days > 0 else None
        for folder in self.state.jobs_dir.iterdir():
            if not folder.is_dir() or folder.is_symlink():
                continue
            if oldest is not None and folder.stat().st_mtime < oldest and book.get(folder.name) is None:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                remove_temporary(folder)

    # -- results ----------------------------------------------------------------------------------
    def result_file(self, job_id: str, fmt: str) -> Path:
        """The job's result in ``fmt``, written from the JSONL result on first request."""
        out = self.job_dir(job_id) / RESULT_FORMATS[fmt]
        if out.is_file():
            return out
        with self._formats_lock:
            if not out.is_file():
                self._write_format(job_id, fmt, out)
                os.chmod(out, 0o600)
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
