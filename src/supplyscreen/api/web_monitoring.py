"""The web UI's Monitoring page: the monitors, the list-update schedule, a monitor's changes to
review (each linked to its row and its entity) with a "mark seen" form for reviewers, and a
monitor row's page (the row as read, what its last screening found, its changes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from supplyscreen.api import monitoring
from supplyscreen.api.deps import state_of
from supplyscreen.api.schedule import schedule_status
from supplyscreen.api.web import _render, reviewer_page, viewer_page
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.evidence import mentions_by_entity
from supplyscreen.cases.tables import MonitorRow
from supplyscreen.monitor.book import MonitorBook, MonitorError, record_from_json
from supplyscreen.monitor.output import list_change_text
from supplyscreen.monitor.rescreen import RowState

router = APIRouter(prefix="/ui", include_in_schema=False)
MonitorName = Annotated[str, Path(max_length=100)]


@router.get("/monitoring")
def monitoring_page(
    request: Request,
    principal: Annotated[Principal, Depends(viewer_page)],
    monitor: str = "",
    seen: int | None = None,
) -> Response:
    """The monitors and the schedule; the changes to review (open or delivered, not yet seen) of the
    chosen monitor (default: the first with any)."""
    state = state_of(request)
    book = MonitorBook(state.cases.db)
    monitors = book.all()
    names = [m.name for m in monitors]
    if monitor and monitor not in names:
        raise HTTPException(404, f"no monitor named {monitor!r}")
    chosen = monitor or next((m.name for m in monitors if m.open_changes), names[0] if names else "")
    changes = book.changes(chosen, status="unseen") if chosen else []
    return _render(
        request,
        "monitoring.html",
        principal,
        monitors=monitors,
        chosen=chosen,
        changes=changes,
        schedule=schedule_status(request.app),
        version=state.serving_version,
        can_review=principal.can("reviewer"),
        seen=seen,
        list_change_text=list_change_text,
    )


@router.post("/monitoring/{name}/changes/{change_id}/seen")
def mark_seen(
    request: Request,
    name: MonitorName,
    change_id: Annotated[int, Path(ge=1, le=2**62)],
    principal: Annotated[Principal, Depends(reviewer_page)],
) -> Response:
    """Mark a change seen (reviewers; the form carries the CSRF token); back to the monitor's changes."""
    try:
        monitoring.mark_seen(state_of(request), name, change_id, principal.name)
    except MonitorError:
        raise HTTPException(404, "no such change") from None
    return RedirectResponse(f"/ui/monitoring?monitor={name}&seen={change_id}", status_code=303)


def _rows(state: Any, name: str, row: int) -> list[dict[str, Any]]:
    """The monitor's stored rows numbered ``row`` (a removed row and a new one may share a number)."""
    with state.cases.db.session() as s:
        found = list(s.scalars(select(MonitorRow).where(MonitorRow.monitor == name, MonitorRow.row == row)))
        return [
            {
                "fields": record_from_json(r.record).fields if r.cause != "removed" else {},
                "vendor": r.vendor,
                "state": RowState.from_json(r.state) if r.state else None,
                "cause": r.cause,
            }
            for r in found
        ]


@router.get("/monitoring/{name}/rows/{row}")
def row_page(
    request: Request,
    name: MonitorName,
    row: Annotated[int, Path(ge=0, le=2**31 - 1)],
    principal: Annotated[Principal, Depends(viewer_page)],
) -> Response:
    state = state_of(request)
    book = MonitorBook(state.cases.db)
    try:
        info = book.get(name)
    except MonitorError:
        raise HTTPException(404, f"no monitor named {name!r}") from None
    rows = _rows(state, name, row)
    changes = [c for c in book.changes(name) if c.row == row]
    if not rows and not changes:
        raise HTTPException(404, f"monitor {name!r} has no row {row}")
    hits = (hit.entity_id for r in rows if r["state"] for hit in r["state"].hits)
    mentioned = mentions_by_entity(state.cases.db, hits)  # evidence beside the hits, never a flag
    return _render(
        request,
        "monitor_row.html",
        principal,
        monitor=info,
        row=row,
        rows=rows,
        changes=changes,
        mentioned=mentioned,
        list_change_text=list_change_text,
    )
