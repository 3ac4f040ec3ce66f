"""Monitor endpoints: saved vendor masters re-screened after list updates, reporting only what changed.

Roles: viewers read (monitors, runs, changes); reviewers add a monitor or replace its master, run
it and mark its changes seen (the work a decision is: reviewing hits); only an admin removes a
monitor, since that deletes its rows, runs and the record of its reviewed changes (the audit
trail keeps that it was removed), as only an admin reads the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from supplyscreen.api import monitoring
from supplyscreen.api.deps import admin, reviewer, state_of, viewer
from supplyscreen.api.models import ErrorResponse
from supplyscreen.api.schedule import schedule_status
from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal
from supplyscreen.monitor.book import MonitorBook, MonitorError, MonitorInfo

router = APIRouter(tags=["Monitors"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request"},
    401: {"model": ErrorResponse, "description": "No or invalid API key"},
    403: {"model": ErrorResponse, "description": "Role too weak"},
    404: {"model": ErrorResponse, "description": "Unknown monitor or change"},
    413: {"model": ErrorResponse, "description": "Upload too large"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded"},
}
MonitorName = Annotated[str, Path(max_length=100, description="The monitor's name")]
STATUSES = "^(open|delivered|seen|unseen)$"


class RunRequest(BaseModel):
    """Where to send the run's open changes (as ``monitor run --notify``)."""

    model_config = ConfigDict(extra="forbid")
    notify: list[Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=list,
        max_length=10,
        description="Webhook URLs (https://…) or mailto:addresses; the open changes are sent to each",
    )


def book(request: Request) -> MonitorBook:
    return MonitorBook(state_of(request).cases.db)


def find(state: ServiceState, name: str) -> MonitorInfo:
    """The monitor, else 404."""
    try:
        return MonitorBook(state.cases.db).get(name)
    except MonitorError:
        raise HTTPException(404, f"no monitor named {name!r}") from None


def monitor_json(info: MonitorInfo) -> dict[str, Any]:
    base = f"/monitors/{info.name}"
    links = {"self": base, "changes": f"{base}/changes?status=open", "run": f"{base}/run"}
    return {**info.to_dict(), "links": links}


@router.post("/monitors", status_code=201, responses=ERRORS)
async def add_monitor(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(reviewer)],
    file: Annotated[UploadFile, File(description="The vendor master: CSV/TSV, XLSX, Parquet, JSON lines")],
    name: Annotated[str, Form(max_length=100, description="The monitor's name (letters, digits, _ - .)")],
    mapping: Annotated[
        str, Form(alias="map", max_length=2000, description="Columns: name=COL,address=COL,…")
    ] = "",
    sheet: Annotated[str, Form(max_length=200, description="XLSX sheet")] = "",
) -> dict[str, Any]:
    """Save a vendor master as monitor ``name`` and screen it as its baseline (201); a name that exists
    has its master replaced (200): the rows added, removed and changed are reported by its next run."""
    state = state_of(request)
    limit = state.settings.max_upload_bytes

    def work() -> Any:
        with monitoring.saved_upload(state.settings.home, file.filename, file.file, limit) as path:
            return monitoring.add(state, name, path, principal.name, mapping, sheet)

    try:
        result = await monitoring.off_the_loop(work)
    except monitoring.UploadTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    if result.edit.replaced:
        response.status_code = 200
    return {
        "monitor": monitor_json(find(state, name)),
        "edit": result.edit.to_dict(),
        "skipped_rows": len(result.errors),
        "errors": result.errors[:100],
        "baseline": result.baseline.to_dict() if result.baseline is not None else None,
    }


@router.get("/monitors", responses=ERRORS)
def list_monitors(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    """Every monitor (rows, last run, list version, open changes) and the list-update schedule."""
    return {
        "monitors": [monitor_json(info) for info in book(request).all()],
        "schedule": schedule_status(request.app),
    }


@router.get("/monitors/{name}", responses=ERRORS)
def get_monitor(
    request: Request,
    name: MonitorName,
    principal: Annotated[Principal, Depends(viewer)],
    runs: Annotated[int, Query(ge=1, le=1000, description="How many of the last runs")] = 10,
) -> dict[str, Any]:
    """A monitor with its last runs, newest first."""
    info = find(state_of(request), name)
    return {**monitor_json(info), "runs": book(request).runs(name, limit=runs)}


@router.get("/monitors/{name}/changes", responses=ERRORS)
def monitor_changes(
    request: Request,
    name: MonitorName,
    principal: Annotated[Principal, Depends(viewer)],
    since: Annotated[
        str | None, Query(max_length=64, description="Only changes found after this ISO 8601 time (UTC)")
    ] = None,
    status: Annotated[
        str | None,
        Query(pattern=STATUSES, description="open, delivered, seen, or unseen (open or delivered)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> dict[str, Any]:
    """A monitor's changes, oldest first (400 for a malformed ``since``)."""
    state = state_of(request)
    find(state, name)
    after = monitoring.parse_since(since)  # SupplyscreenError: 400
    changes = book(request).changes(name, since=after, status=status, limit=limit)
    return {"monitor": name, "changes": [c.to_dict() for c in changes]}


@router.post("/monitors/{name}/run", responses=ERRORS)
async def run_monitor(
    request: Request,
    name: MonitorName,
    principal: Annotated[Principal, Depends(reviewer)],
    body: RunRequest | None = None,
) -> dict[str, Any]:
    """Re-screen the monitor against the active lists; answers the run (mode, stats, and only the
    changes since its last run), and with ``notify`` targets the deliveries of its open changes."""
    state = state_of(request)
    find(state, name)
    notify = list(body.notify) if body is not None else []
    try:
        result = await monitoring.off_the_loop(monitoring.run, state, name, principal.name, notify)
    except MonitorError as exc:  # removed meanwhile
        raise HTTPException(404, str(exc)) from None
    answer: dict[str, Any] = result.to_dict()
    return answer


@router.post("/monitors/{name}/changes/{change_id}/seen", responses=ERRORS)
def mark_seen(
    request: Request,
    name: MonitorName,
    change_id: Annotated[int, Path(ge=1, le=2**62)],
    principal: Annotated[Principal, Depends(reviewer)],
) -> dict[str, Any]:
    """Mark a change seen (audited as ``monitor_change_seen``): it is no longer open."""
    state = state_of(request)
    find(state, name)
    try:
        change = monitoring.mark_seen(state, name, change_id, principal.name)
    except MonitorError:
        raise HTTPException(404, f"monitor {name!r} has no change {change_id}") from None
    answer: dict[str, Any] = change.to_dict()
    return answer


@router.delete("/monitors/{name}", responses=ERRORS)
async def remove_monitor(
    request: Request, name: MonitorName, principal: Annotated[Principal, Depends(admin)]
) -> dict[str, Any]:
    """Remove a monitor with its rows, runs and changes (admin; audited as ``monitor_remove``)."""
    state = state_of(request)
    info = find(state, name)
    try:
        await monitoring.off_the_loop(monitoring.remove, state, name, principal.name)
    except MonitorError:
        raise HTTPException(404, f"no monitor named {name!r}") from None
    return {"removed": name, "rows": info.rows, "file_name": info.file_name}
