"""Screening and review endpoints: file jobs, synchronous record batches, decisions, the audit log."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, StreamingResponse

from supplyscreen.api.deps import admin, reviewer, state_of, viewer
from supplyscreen.api.jobs import (
    RESULT_FORMATS,
    JobRunner,
    input_name,
    new_job_id,
    private_file,
    visible_to,
)
from supplyscreen.api.models import (
    DecisionRequest,
    ErrorResponse,
    JobResponse,
    ScreenRecordsRequest,
    ScreenRecordsResponse,
)
from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.audit import export_lines
from supplyscreen.cases.jobs import JobInfo
from supplyscreen.model import RISKS
from supplyscreen.screen.engine import RecordScreener
from supplyscreen.screener import _as_record

router = APIRouter(tags=["Screening"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request"},
    401: {"model": ErrorResponse, "description": "No or invalid API key"},
    403: {"model": ErrorResponse, "description": "Role too weak"},
    404: {"model": ErrorResponse, "description": "Unknown job (or another user's)"},
    413: {"model": ErrorResponse, "description": "Upload too large"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded"},
}
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
    "html": "text/html; charset=utf-8",
}


def runner(request: Request) -> JobRunner:
    found: JobRunner = request.app.state.jobs
    return found


def job_json(runner: JobRunner, info: JobInfo) -> dict[str, Any]:
    data = info.to_dict()
    if info.id in runner.progress:
        data["rows_done"] = runner.progress[info.id]
    data["links"] = {"self": f"/jobs/{info.id}"}
    if info.status == "done":
        data["links"].update({fmt: f"/jobs/{info.id}/result?format={fmt}" for fmt in RESULT_FORMATS})
    return data


def start_job(
    request: Request, principal: Principal, upload: UploadFile, mapping: str, sheet: str
) -> JobInfo:
    """Save an upload (refusing one over the size limit) and queue its screening; expired jobs are
    purged first."""
    state = state_of(request)
    jobs = runner(request)
    jobs.purge_expired()
    filename = (upload.filename or "upload").replace("\\", "/").split("/")[-1][:200] or "upload"
    job_id = new_job_id()
    folder = jobs.new_folder(job_id)
    target = folder / input_name(filename)
    size = 0
    with private_file(target) as fh:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > state.settings.max_upload_bytes:
                fh.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise HTTPException(
                    413, f"the file is larger than {state.settings.max_upload_bytes >> 20} MB"
                )
            fh.write(block)
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(400, "the uploaded file is empty")
    info = state.cases.jobs.create(job_id, principal.name, filename, state.list_version)
    jobs.submit(job_id, principal.name, filename, {"mapping": mapping.strip(), "sheet": sheet.strip()})
    return info


@router.post("/screen", status_code=202, response_model=JobResponse, responses=ERRORS)
def screen_upload(
    request: Request,
    principal: Annotated[Principal, Depends(viewer)],
    file: Annotated[UploadFile, File(description="CSV/TSV, XLSX, Parquet, JSON lines or OCDS JSON")],
    mapping: Annotated[str, Form(description="Columns: name=COL,address=COL,… (default: detected)")] = "",
    sheet: Annotated[str, Form(description="XLSX sheet (default: every sheet)")] = "",
) -> dict[str, Any]:
    """Upload a file to screen; answers at once with the job, whose progress is at ``GET /jobs/{id}``."""
    info = start_job(request, principal, file, mapping, sheet)
    return job_json(runner(request), info)


def find_job(request: Request, job_id: str, principal: Principal) -> JobInfo | None:
    """The job, when it exists and ``principal`` may see it (its owner, or an admin)."""
    info = state_of(request).cases.jobs.get(job_id) if len(job_id) <= 64 else None
    return info if info is not None and visible_to(principal, info) else None


def _job(request: Request, job_id: str, principal: Principal) -> JobInfo:
    """The job, else 404: another user's job is answered as unknown, so its id is not confirmed."""
    info = find_job(request, job_id, principal)
    if info is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return info


@router.get("/jobs", responses=ERRORS)
def list_jobs(
    request: Request,
    principal: Annotated[Principal, Depends(viewer)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> dict[str, Any]:
    """Recent jobs, newest first: your own (an admin sees everyone's)."""
    owner = None if principal.can("admin") else principal.name
    infos = state_of(request).cases.jobs.recent(limit, user=owner)
    return {"jobs": [job_json(runner(request), info) for info in infos]}


@router.get("/jobs/{job_id}", response_model=JobResponse, responses=ERRORS)
def job_status(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """A job's state (queued, running, done, failed, cancelled), rows screened so far, totals when done."""
    return job_json(runner(request), _job(request, job_id, principal))


@router.post("/jobs/{job_id}/cancel", response_model=JobResponse, responses=ERRORS)
def job_cancel(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """Cancel a queued or running job (409 when it has finished): a queued job never starts, a running
    one stops at its next batch of rows; a cancelled job keeps no results."""
    info = _job(request, job_id, principal)
    if not runner(request).cancel(job_id, principal.name):
        raise HTTPException(409, f"job {job_id} is {info.status}, not queued or running")
    return job_json(runner(request), _job(request, job_id, principal))


@router.get("/jobs/{job_id}/result", response_class=FileResponse, responses=ERRORS)
def job_result(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(viewer)],
    format: Annotated[str, Query(pattern="^(csv|xlsx|jsonl|html)$")] = "csv",
) -> FileResponse:
    """The screened file as CSV, XLSX, JSON lines or the HTML report."""
    info = _job(request, job_id, principal)
    if info.status != "done":
        raise HTTPException(409, f"job {job_id} is {info.status}, not done")
    path = runner(request).result_file(job_id, format)
    stem = info.filename.rsplit(".", 1)[0] or "screening"
    return FileResponse(path, media_type=MIME[format], filename=f"{stem}.screened.{format}")


@router.get("/jobs/{job_id}/rows", responses=ERRORS)
def job_rows(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(viewer)],
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The rows of a finished job that have flags or hits (JSONL row objects), in input order."""
    info = _job(request, job_id, principal)
    if info.status != "done":
        raise HTTPException(409, f"job {job_id} is {info.status}, not done")
    rows = runner(request).flagged_rows(job_id)
    return {"total": len(rows), "offset": offset, "rows": rows[offset : offset + limit]}


def screen_batch(state: ServiceState, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Screen records in order with the decisions in force: the CLI's JSONL row for each."""
    engine = RecordScreener(state.shared_screener())
    return [engine.screen(_as_record(r, n)).to_dict() for n, r in enumerate(records, 1)]


@router.post("/screen/records", response_model=ScreenRecordsResponse, responses=ERRORS)
def screen_records(
    request: Request, body: ScreenRecordsRequest, principal: Annotated[Principal, Depends(viewer)]
) -> dict[str, Any]:
    """Screen up to 1,000 records now (what an ERP asks before approving a purchase order): each gets
    the same result as a row of the CLI's JSONL output (risk, flags with reasons and evidence, hits)."""
    state = state_of(request)
    if len(body.records) > state.settings.max_records:
        raise HTTPException(400, f"at most {state.settings.max_records} records per request")
    results = screen_batch(state, body.records)
    risks = {r: sum(1 for x in results if x["risk"] == r) for r in RISKS}
    state.audit.submit(
        "screening",
        principal.name,
        {
            "via": "api",
            "records": len(results),
            "by_risk": risks,
            "ids": [r["record"].get("id") for r in results][:50],
        },
        state.list_version,
    )
    return {"results": results, "list_snapshot": state.list_version, "risks": risks}


def record_decision(state: ServiceState, principal: Principal, body: DecisionRequest) -> dict[str, Any]:
    entity = state.entity(body.entity_id)
    if entity is None:
        raise HTTPException(404, f"no entity {body.entity_id!r} in the active lists")
    # the decision's audit row is written at once: the look-ups queued before it are written first,
    # so the log keeps the order in which things happened
    state.audit.flush()
    note = state.cases.decide(
        user=principal.name,
        entity_id=entity.id,
        status=body.status,
        entity=entity,
        name=body.name,
        identifier=body.identifier,
        comment=body.comment,
        list_version=state.list_version,
        job_id=body.job_id,
        row=body.row,
    )
    return {**note.to_dict(), "note": note.wording}


@router.post("/decisions", status_code=201, responses=ERRORS)
def create_decision(
    request: Request, body: DecisionRequest, principal: Annotated[Principal, Depends(reviewer)]
) -> dict[str, Any]:
    """Record ``confirmed`` or ``false_positive`` for (input name or identifier, entity): later screenings
    show a cleared pair as "cleared by … on …" instead of flagging it, until the entity's listings change."""
    return record_decision(state_of(request), principal, body)


@router.get("/decisions", responses=ERRORS)
def list_decisions(
    request: Request,
    principal: Annotated[Principal, Depends(viewer)],
    entity_id: Annotated[str | None, Query(max_length=300)] = None,
) -> dict[str, Any]:
    """Decisions, newest first (optionally on one entity)."""
    book = state_of(request).cases.decisions
    notes = book.for_entity(entity_id) if entity_id else book.all()[::-1]
    return {"decisions": [{**n.to_dict(), "note": n.wording} for n in notes[:1000]]}


@router.get("/audit", tags=["Audit"], responses=ERRORS)
def audit_export(
    request: Request,
    principal: Annotated[Principal, Depends(admin)],
    format: Annotated[str, Query(pattern="^(csv|jsonl)$")] = "jsonl",
    since: Annotated[int, Query(ge=0, le=2**62, description="Only rows after this sequence number")] = 0,
) -> StreamingResponse:
    """The audit log (admin only) as JSON lines or CSV, each row with its hash and the previous row's."""
    state = state_of(request)
    state.audit.flush()
    lines = export_lines(state.cases.audit.rows(since=since), format)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv; charset=utf-8"
    return StreamingResponse(
        lines, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit.{format}"'}
    )
