"""Document scan jobs of the service, ``POST /scan`` (``api/scanning.py``): where they are kept,
and the background thread that reads and scans their files.

A scan job lives in its own folder, ``<home>/scans/<id>/`` (0700, files 0600), so every process of
``serve --workers`` sees it: ``job.json`` (owner, state, progress, counts, the files that could not
be read), and once done ``mentions.json`` (each ``Mention.to_dict()``) and ``documents.json`` (each
document's pages of text, for the web UI's highlighted view). The uploaded files are removed once
read. The text kept is bounded: at most :data:`MAX_TEXT_BYTES` per job (UTF-8); beyond that a page
keeps its mentions but not its text, and the job says so (``summary.text_cut``, a note).

The process running a job holds an ``flock`` on the job's ``lock`` file from its upload to its end,
so a job left queued or running by a stopped server is seen as such (the lock is free) and reported
failed. It can be cancelled (``cancel`` marker, seen before each page). Finished jobs older than
``job_retention_days`` are removed whenever a scan is added.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from fastapi import Request

from supplyscreen.api.deps import state_of
from supplyscreen.api.jobs import private_file
from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.db import utc_now
from supplyscreen.scan.model import KINDS, Document, DocumentError

log = logging.getLogger("supplyscreen.api")

#: The most document text (UTF-8 bytes) a job keeps for the web UI's view; pages beyond it keep
#: their mentions, not their text.
MAX_TEXT_BYTES = 20 * 1024 * 1024
#: Seconds between progress writes of a running job.
PROGRESS_EVERY = 0.5
UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
JOB_ID = re.compile(r"[0-9a-f]{32}")
INTERRUPTED = "interrupted: the server stopped"
INTERNAL = "internal error while scanning; see the server log"
UNREADABLE = "could not be read: internal error; see the server log"


# -- storage --------------------------------------------------------------------------------------
def scans_dir(state: ServiceState) -> Path:
    return state.settings.home / "scans"


def job_dir(state: ServiceState, job_id: str) -> Path:
    return scans_dir(state) / job_id


def write_json(path: Path, data: Any) -> None:
    """``data`` as JSON at ``path``, replaced at once (readers never see half a file), mode 0600.
    Text that is no valid Unicode (a lone surrogate) is written as "?", one character for one, so
    offsets into the text stay right."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    raw = text.encode("utf-8", "replace")
    part = path.with_name(path.name + ".part")
    with private_file(part) as fh:
        fh.write(raw)
    os.replace(part, path)


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _held(folder: Path) -> bool:
    """Whether a process holds the job's lock (it is queued or running there)."""
    import fcntl

    try:
        fh = open(folder / "lock", "rb")  # closed below
    except OSError:
        return False
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        fh.close()  # also releases the lock taken just now
    return False


def _settle(folder: Path) -> dict[str, Any] | None:
    """The record of an unfinished job whose lock is free (its process stopped, or it has just
    finished): read again under the lock, and failed (cancelled, when marked so) if still
    unfinished. None while a process holds the lock."""
    import fcntl

    try:
        fh = open(folder / "lock", "rb")  # closed below
    except OSError:
        fh = None  # no lock: no process ever held it
    try:
        if fh is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return None
        data: dict[str, Any] = _read_json(folder / "job.json")
        if data.get("status") in UNFINISHED:
            cancelled = (folder / "cancel").exists()
            data.update(
                status="cancelled" if cancelled else "failed",
                error=data.get("error") or ("cancelled" if cancelled else INTERRUPTED),
                finished=utc_now(),
            )
            write_json(folder / "job.json", data)
            shutil.rmtree(folder / "files", ignore_errors=True)
        return data
    finally:
        if fh is not None:
            fh.close()


def read_job(state: ServiceState, job_id: str) -> dict[str, Any] | None:
    """A scan job's record, or None; a job left unfinished by a stopped process is failed here."""
    if not JOB_ID.fullmatch(job_id):
        return None
    folder = job_dir(state, job_id)
    try:
        data: dict[str, Any] = _read_json(folder / "job.json")
        if data.get("status") in UNFINISHED:
            settled = _settle(folder)
            if settled is not None:
                data = settled
            elif (folder / "cancel").exists():  # its process stops it before the next page
                data.update(status="cancelled", error="cancelled")
    except (OSError, ValueError):
        return None
    return data


def visible(principal: Principal, data: dict[str, Any]) -> bool:
    return data.get("user") == principal.name or principal.can("admin")


def find_scan(state: ServiceState, job_id: str, principal: Principal) -> dict[str, Any] | None:
    """The scan job, when it exists and ``principal`` may see it (its owner, or an admin)."""
    data = read_job(state, job_id)
    return data if data is not None and visible(principal, data) else None


def recent_scans(state: ServiceState, principal: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """Scan jobs newest first: the principal's own (an admin's: everyone's)."""
    root = scans_dir(state)
    found: list[dict[str, Any]] = []
    for folder in root.iterdir() if root.is_dir() else ():
        data = read_job(state, folder.name) if folder.is_dir() and not folder.is_symlink() else None
        if data is not None and visible(principal, data):
            found.append(data)
    found.sort(key=lambda d: str(d.get("created", "")), reverse=True)
    return found[:limit]


def read_mentions(state: ServiceState, job_id: str) -> list[dict[str, Any]]:
    path = job_dir(state, job_id) / "mentions.json"
    mentions: list[dict[str, Any]] = _read_json(path) if path.is_file() else []
    return mentions


def read_documents(state: ServiceState, job_id: str) -> list[dict[str, Any]]:
    path = job_dir(state, job_id) / "documents.json"
    documents: list[dict[str, Any]] = _read_json(path) if path.is_file() else []
    return documents


def purge_expired(state: ServiceState) -> int:
    """Remove finished scans created more than ``job_retention_days`` ago (and the folders of
    uploads that never became a job); returns how many."""
    days = state.settings.job_retention_days
    root = scans_dir(state)
    if days <= 0 or not root.is_dir():
        return 0
    cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        data = read_job(state, folder.name)
        if data is not None:
            expired = data.get("status") in FINISHED and str(data.get("created", "")) < cutoff
        else:  # an upload that never became a job (or not a scan's folder at all)
            expired = folder.stat().st_mtime < time.time() - days * 86400 and not _held(folder)
        if expired:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    if removed:
        log.info("purged %d scans older than %s", removed, cutoff)
    return removed


# -- the job --------------------------------------------------------------------------------------
class ScanCancelled(Exception):
    """The job's ``cancel`` marker was found: the scan stops there and keeps no results."""


def _walk(doc: Document) -> Iterator[Document]:
    yield doc
    for attachment in doc.attachments:
        yield from _walk(attachment)


class _LockedMatcher:
    """A matcher whose ``match`` takes the service's lock: the matcher keeps per-query scratch state,
    so the scan thread and the request handlers take turns for each match (as ``SharedScreener``
    does), never for a whole page. Everything else is the matcher's own."""

    def __init__(self, matcher: Any, lock: threading.Lock) -> None:
        self.wrapped = matcher
        self._lock = lock

    def match(self, name: str, **options: Any) -> Any:
        with self._lock:
            return self.wrapped.match(name, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


class _LockedScreener:
    """The part of a screener ``scan_text`` reads: its matcher."""

    def __init__(self, matcher: _LockedMatcher) -> None:
        self.matcher = matcher


class ScanRunner:
    """Runs one process's scan jobs one after the other in a background thread."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._held: dict[str, IO[bytes]] = {}
        self._screener: _LockedScreener | None = None

    def _locked(self, matcher: Any) -> _LockedScreener:
        """What ``scan_text`` is given: the service's matcher, each match taken under the service's
        match lock (kept while that matcher is served, so its mention finder is built once)."""
        if self._screener is None or self._screener.matcher.wrapped is not matcher:
            self._screener = _LockedScreener(_LockedMatcher(matcher, self.state.match_lock))
        return self._screener

    def hold(self, job_id: str) -> None:
        """Take the job's lock, held until the job ends (other processes see it alive)."""
        import fcntl

        fh = private_file(job_dir(self.state, job_id) / "lock")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._held[job_id] = fh

    def release(self, job_id: str) -> None:
        fh = self._held.pop(job_id, None)
        if fh is not None:
            fh.close()

    def submit(self, job_id: str) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="supplyscreen-scan", daemon=True)
                self._thread.start()
        self._queue.put(job_id)

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self._run(job_id)
            except Exception:  # never lose the thread
                log.exception("scan %s failed", job_id)
            finally:
                self.release(job_id)

    def _run(self, job_id: str) -> None:
        folder = job_dir(self.state, job_id)
        data: dict[str, Any] = _read_json(folder / "job.json")
        try:
            self._check(folder)
            data["status"] = "running"
            write_json(folder / "job.json", data)
            self._scan(folder, data)
        except ScanCancelled:
            for name in ("mentions.json", "documents.json"):
                (folder / name).unlink(missing_ok=True)
            data.update(status="cancelled", error=data.get("error") or "cancelled", finished=utc_now())
            write_json(folder / "job.json", data)
        except Exception:
            log.exception("scan %s failed", job_id)
            data.update(status="failed", error=INTERNAL, finished=utc_now())
            write_json(folder / "job.json", data)
        finally:
            shutil.rmtree(folder / "files", ignore_errors=True)  # the text is kept; the files are not

    @staticmethod
    def _check(folder: Path) -> None:
        if (folder / "cancel").exists():
            raise ScanCancelled(folder.name)

    def _scan(self, folder: Path, data: dict[str, Any]) -> None:
        from supplyscreen.scan.documents import read_document
        from supplyscreen.scan.mentions import mention_finder
        from supplyscreen.scan.run import scan_text

        state = self.state
        screener = state.screener  # one list version for the whole scan, even if the lists reload
        data["list_version"] = screener.snapshot_version  # the lists it is scanned against
        locked = self._locked(screener.matcher)
        mention_finder(locked.matcher)  # type: ignore[arg-type] # the triggers: built once per index
        documents: list[dict[str, Any]] = []
        mentions: list[dict[str, Any]] = []
        errors: list[dict[str, str]] = []
        kept = 0
        characters = 0
        written = time.monotonic()
        for name, stored in zip(data["files"], data["stored"], strict=True):
            doc: Document | None = None
            try:
                doc = read_document(folder / "files" / stored, name=name)
            except DocumentError as exc:
                errors.append({"file": exc.path, "reason": exc.reason})
            except Exception:  # a reader's bug costs this file, not the scan
                log.exception("scan %s: reading %r failed", data["id"], name)
                errors.append({"file": name, "reason": UNREADABLE})
            for current in _walk(doc) if doc is not None else ():
                pages: list[dict[str, Any]] = []
                for page in current.pages:
                    self._check(folder)
                    found = scan_text(locked, page.text, file=current.path, page=page.number)  # type: ignore[arg-type]
                    mentions.extend(m.to_dict() for m in found)
                    size = len(page.text.encode("utf-8", "replace"))
                    text = page.text
                    if kept + size > MAX_TEXT_BYTES:
                        room = max(0, MAX_TEXT_BYTES - kept)
                        text = page.text.encode("utf-8", "replace")[:room].decode("utf-8", "ignore")
                    kept += len(text.encode("utf-8", "replace"))
                    characters += len(page.text)
                    cut = text != page.text
                    pages.append({"number": page.number, "text": text, "length": len(page.text), "cut": cut})
                    data["pages_done"] += 1
                    if time.monotonic() - written > PROGRESS_EVERY:
                        write_json(folder / "job.json", data)
                        written = time.monotonic()
                documents.append(
                    {
                        "file": current.path,
                        "kind": current.kind,
                        "title": current.title,
                        "sha256": current.sha256,
                        "pages": pages,
                    }
                )
                errors.extend({"file": e.path, "reason": e.reason} for e in current.errors)
            data["files_done"] += 1
            write_json(folder / "job.json", data)
            written = time.monotonic()
        self._check(folder)
        write_json(folder / "mentions.json", mentions)
        write_json(folder / "documents.json", documents)
        summary = _summary(documents, mentions, errors, kept, characters)
        data.update(status="done", summary=summary, errors=errors, finished=utc_now())
        self._check(folder)
        write_json(folder / "job.json", data)
        entities = list(dict.fromkeys(m["entity_id"] for m in mentions if m["kind"] == "entity"))
        payload = {
            "via": "api",
            "job": data["id"],
            "files": data["files"][:50],
            "documents": summary["documents"],
            "pages": summary["pages"],
            "by_kind": summary["by_kind"],
            "entities": entities[:50],
            "errors": len(errors),
        }
        state.audit.submit("scan", data["user"], payload, screener.snapshot_version)


def _summary(
    documents: list[dict[str, Any]],
    mentions: list[dict[str, Any]],
    errors: list[dict[str, str]],
    kept: int,
    characters: int,
) -> dict[str, Any]:
    kinds = Counter(m["kind"] for m in mentions)
    cut = any(p["cut"] for d in documents for p in d["pages"])
    notes = []
    if cut:
        notes.append(
            f"the documents' text is kept up to {MAX_TEXT_BYTES >> 20} MB per scan: later pages are "
            "shown without (all) their text; every mention is still reported"
        )
    return {
        "documents": len(documents),
        "pages": sum(len(d["pages"]) for d in documents),
        "characters": characters,
        "mentions": len(mentions),
        "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
        "entities": len({m["entity_id"] for m in mentions if m["kind"] == "entity"}),
        "errors": len(errors),
        "text_kept": kept,
        "text_cut": cut,
        "notes": notes,
    }


_RUNNERS = threading.Lock()


def scan_runner(request: Request) -> ScanRunner:
    """The app's scan runner (made on the first scan)."""
    app_state = request.app.state
    found: ScanRunner | None = getattr(app_state, "scans", None)
    if found is None:
        with _RUNNERS:
            found = getattr(app_state, "scans", None)
            if found is None:
                found = ScanRunner(state_of(request))
                app_state.scans = found
    return found
