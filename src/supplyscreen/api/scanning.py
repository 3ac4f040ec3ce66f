"""Document scans through the service: ``POST /scan`` (multipart, one or more files) answers at once
with a job, like ``POST /screen``; the job reads each file (``scan.documents.read_document``) and
finds the list entities, covered equipment, Xinjiang places and high-priority sectors named in it
(``scan.run.scan_text``, page by page) in a background thread.

The jobs' storage and the thread that runs them are in ``api/scan_jobs.py``. A job belongs to the
user who started it (an admin sees everyone's; anyone else gets 404).
"""

from __future__ import annotations

import logging
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field

from supplyscreen.api.deps import state_of, viewer
from supplyscreen.api.jobs import new_job_id, private_dir, private_file
from supplyscreen.api.models import ErrorResponse
from supplyscreen.api.scan_jobs import (
    UNFINISHED,
    find_scan,
    job_dir,
    purge_expired,
    read_documents,
    read_job,
    read_mentions,
    recent_scans,
    scan_runner,
    scans_dir,
    write_json,
)
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.db import utc_now

log = logging.getLogger("supplyscreen.api")
router = APIRouter(tags=["Scanning"])

#: The most files one scan takes.
MAX_FILES = 100

#: The most files one scan takes.
MAX_FILES = 100
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request (no file, too many files)"},
    401: {"model": ErrorResponse, "description": "No or invalid API key"},
    403: {"model": ErrorResponse, "description": "Role too weak"},
    404: {"model": ErrorResponse, "description": "Unknown scan (or another user's)"},
    409: {"model": ErrorResponse, "description": "The scan has not finished (or has)"},
    413: {"model": ErrorResponse, "description": "Upload too large"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded"},
}


class ScanFileError(BaseModel):
    file: str = Field(..., description="The file as uploaded (an attachment: mail.eml!invoice.pdf)")
    reason: str = Field(..., description="Why it could not be scanned, and what to do")


class ScanJobResponse(BaseModel):
    id: str
    user: str
    files: list[str]
    status: str = Field(..., description="queued, running, done, failed or cancelled")
    created: str
    finished: str | None
    list_version: str
    files_done: int
    pages_done: int
    summary: dict[str, Any] = Field(
        default_factory=dict,
        description="When done: documents, pages, characters, mentions, by_kind, entities, errors, "
        "text_kept, text_cut, notes",
    )
    errors: list[ScanFileError] = Field(default_factory=list)
    error: str | None = None
    links: dict[str, str] = Field(default_factory=dict)


class ScanJobsResponse(BaseModel):
    scans: list[ScanJobResponse]


class ScanPage(BaseModel):
    number: int = Field(..., description="The page's number, from 1")
    text: str = Field(..., description="The page's text, as the mentions' offsets count it")
    length: int = Field(..., description="Characters of the page's text (more than kept when cut)")
    cut: bool = Field(..., description="Whether only part of the text (or none) was kept")


class ScanDocument(BaseModel):
    file: str
    kind: str
    title: str
    sha256: str
    pages: list[ScanPage]


class ScanDocumentsResponse(BaseModel):
    documents: list[ScanDocument]
    text_cut: bool


class ScanMentionsResponse(BaseModel):
    total: int
    offset: int
    mentions: list[dict[str, Any]]


# -- the answer -----------------------------------------------------------------------------------
def scan_json(data: dict[str, Any]) -> dict[str, Any]:
    """A scan job as the API answers it."""
    job_id = data["id"]
    status = data["status"]
    links = {"self": f"/scan/{job_id}", "page": f"/ui/scan/{job_id}"}
    if status == "done":
        links["mentions"] = f"/scan/{job_id}/mentions"
    return {
        "id": job_id,
        "user": data["user"],
        "files": list(data.get("files", [])),
        "status": status,
        "created": data["created"],
        "finished": data.get("finished"),
        "list_version": data.get("list_version", ""),
        "files_done": int(data.get("files_done", 0)),
        "pages_done": int(data.get("pages_done", 0)),
        "summary": dict(data.get("summary") or {}),
        "errors": list(data.get("errors", [])),
        "error": data.get("error"),
        "links": links,
    }


# -- uploads --------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_filename(name: str | None) -> str:
    """An upload's file name as shown: its last path part, without control characters or invalid
    Unicode, at most 200 characters ("document" when nothing is left)."""
    base = (name or "").replace("\\", "/").split("/")[-1]
    base = unicodedata.normalize("NFC", base.encode("utf-8", "replace").decode("utf-8"))
    base = _CONTROL.sub("", base).strip()[:200]
    return base if base not in ("", ".", "..") else "document"


def _unique(names: list[str]) -> list[str]:
    """The names with a repeated one numbered ("report (2).pdf"), so each mention names one file."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
        seen.add(candidate)
        out.append(candidate)
    return out


def _stored_name(number: int, filename: str) -> str:
    """The name an upload is saved under: its number and its extension (which helps tell the
    format), never the name the client sent."""
    suffix = Path(filename).suffix.lower()
    return f"{number}{suffix}" if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else str(number)


def start_scan(request: Request, principal: Principal, uploads: list[UploadFile] | None) -> dict[str, Any]:
    """Save the uploads (refusing none, too many, or more than the upload limit together) and queue
    their scan; finished scans past the retention period are purged first."""
    state = state_of(request)
    runner = scan_runner(request)
    files = list(uploads or [])
    if not files:
        raise HTTPException(400, "no file: send one or more documents in the multipart field 'files'")
    if len(files) > MAX_FILES:
        raise HTTPException(400, f"at most {MAX_FILES} files per scan")
    purge_expired(state)
    if not scans_dir(state).is_dir():
        private_dir(scans_dir(state))
    job_id = new_job_id()
    folder = private_dir(job_dir(state, job_id))
    names = _unique([clean_filename(u.filename) for u in files])
    limit = state.settings.max_upload_bytes
    try:
        runner.hold(job_id)
        stored = private_dir(folder / "files")
        total = 0
        for number, (upload, name) in enumerate(zip(files, names, strict=True), 1):
            with private_file(stored / _stored_name(number, name)) as fh:
                while block := upload.file.read(1 << 20):
                    total += len(block)
                    if total > limit:
                        raise HTTPException(413, f"the files are larger than {limit >> 20} MB together")
                    fh.write(block)
        data: dict[str, Any] = {
            "id": job_id,
            "user": principal.name,
            "files": names,
            "stored": [_stored_name(n, name) for n, name in enumerate(names, 1)],
            "status": "queued",
            "created": utc_now(),
            "finished": None,
            "list_version": state.list_version,
            "files_done": 0,
            "pages_done": 0,
            "summary": {},
            "errors": [],
            "error": None,
        }
        write_json(folder / "job.json", data)
    except BaseException:
        runner.release(job_id)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    runner.submit(job_id)
    return data


# -- routes ---------------------------------------------------------------------------------------
def _scan(request: Request, job_id: str, principal: Principal) -> dict[str, Any]:
    """The scan job, else 404: another user's job is answered as unknown, so its id is not confirmed."""
    data = find_scan(state_of(request), job_id, principal)
    if data is None:
        raise HTTPException(404, f"no scan {job_id!r}")
    return data


def cancel_scan(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Mark a queued or running scan cancelled (409 when it has finished)."""
    state = state_of(request)
    if data["status"] not in UNFINISHED:
        raise HTTPException(409, f"scan {data['id']} is {data['status']}, not queued or running")
    folder = job_dir(state, data["id"])
    with private_file(folder / "cancel"):
        pass
    return read_job(state, data["id"]) or {**data, "status": "cancelled", "error": "cancelled"}


@router.post("/scan", status_code=202, response_model=ScanJobResponse, responses=ERRORS)
def scan_upload(
    request: Request,
    principal: Annotated[Principal, Depends(viewer)],
    files: Annotated[
        list[UploadFile],
        File(description="One or more documents: PDF with a text layer, DOCX, HTML, e-mail, XLSX, CSV, text"),
    ] = [],  # noqa: B006 - never changed; no files is answered with a 400 that says what to send
) -> dict[str, Any]:
    """Upload documents to scan for list entities, covered equipment, Xinjiang places and
    high-priority sectors; answers at once with the job, whose progress is at ``GET /scan/{id}``."""
    return scan_json(start_scan(request, principal, files))


@router.get("/scan", response_model=ScanJobsResponse, responses=ERRORS)
def list_scans(
    request: Request,
    principal: Annotated[Principal, Depends(viewer)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    """Recent scans, newest first: your own (an admin sees everyone's)."""
    return {"scans": [scan_json(d) for d in recent_scans(state_of(request), principal, limit)]}


@router.get("/scan/{job_id}", response_model=ScanJobResponse, responses=ERRORS)
def scan_status(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """A scan's state (queued, running, done, failed, cancelled), files and pages read so far, and
    when done its counts and the files that could not be read (each with the reason)."""
    return scan_json(_scan(request, job_id, principal))


@router.post("/scan/{job_id}/cancel", response_model=ScanJobResponse, responses=ERRORS)
def scan_cancel(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """Cancel a queued or running scan (409 when it has finished); a cancelled scan keeps no results."""
    return scan_json(cancel_scan(request, _scan(request, job_id, principal)))


@router.get("/scan/{job_id}/mentions", response_model=ScanMentionsResponse, responses=ERRORS)
def scan_mentions(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(viewer)],
    kind: Annotated[str | None, Query(pattern="^(entity|equipment|place|sector)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict[str, Any]:
    """The mentions a finished scan found, in document order: file, page, ``start`` and ``end``
    (character offsets into that page's text), text, kind (entity, equipment, place, sector), key,
    entity_id, entity_name, lists, score, verdict, sentence, detail."""
    data = _scan(request, job_id, principal)
    if data["status"] != "done":
        raise HTTPException(409, f"scan {job_id} is {data['status']}, not done")
    mentions = read_mentions(state_of(request), job_id)
    if kind is not None:
        mentions = [m for m in mentions if m["kind"] == kind]
    return {"total": len(mentions), "offset": offset, "mentions": mentions[offset : offset + limit]}


@router.get("/scan/{job_id}/documents", response_model=ScanDocumentsResponse, responses=ERRORS)
def scan_documents(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """The documents a finished scan read (an e-mail's attachments after it), each with its pages of
    text, which the mentions' offsets count into; at most 20 MB of text per scan is kept, and a page
    beyond it is ``cut`` (its mentions are still all reported)."""
    data = _scan(request, job_id, principal)
    if data["status"] != "done":
        raise HTTPException(409, f"scan {job_id} is {data['status']}, not done")
    documents = read_documents(state_of(request), job_id)
    return {"documents": documents, "text_cut": any(p["cut"] for d in documents for p in d["pages"])}
