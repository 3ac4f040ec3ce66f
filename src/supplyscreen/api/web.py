"""The web UI: sign in, upload a file and watch it being screened, review flagged rows, record
decisions, see the lists' ages, download the report. Server-rendered pages; the one script
(progress polling) is served from /static, nothing from a CDN."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from supplyscreen.api.deps import state_of, web_user
from supplyscreen.api.jobs import RESULT_FORMATS
from supplyscreen.api.models import DecisionRequest
from supplyscreen.api.screening import find_job, record_decision, runner, start_job
from supplyscreen.api.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, tokens_equal
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.evidence import mentions_by_entity
from supplyscreen.cases.jobs import JobInfo
from supplyscreen.listcodes import list_info
from supplyscreen.model import STALE_AFTER_DAYS, Flag
from supplyscreen.report.flagged import flag_view

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
router = APIRouter(prefix="/ui", include_in_schema=False)
viewer_page = web_user("viewer")
reviewer_page = web_user("reviewer")


def _render(request: Request, template: str, principal: Principal | None, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"user": principal, "csrf": getattr(request.state, "csrf", ""), **context},
    )


def _safe_next(target: str | None) -> str:
    """Only local UI pages are followed after sign-in (no open redirect)."""
    return (
        target
        if target and target.startswith("/ui") and "//" not in target and "\\" not in target
        else "/ui/"
    )


@router.get("/login")
def login_page(request: Request, next: str = "/ui/", error: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = _render(request, "login.html", None, login_csrf=token, next=_safe_next(next), error=error)
    state = state_of(request)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=state.settings.secure_cookies
    )
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    state = state_of(request)
    target = _safe_next(next)
    if not tokens_equal(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return RedirectResponse(f"/ui/login?next={quote(target)}&error=expired", status_code=303)
    client = request.client.host if request.client else "?"
    if state.login_limiter.allow(f"login:{client}"):
        raise HTTPException(429, "too many sign-in attempts; wait a little")
    principal = state.cases.accounts.authenticate(username, password)
    if principal is None:
        return RedirectResponse(f"/ui/login?next={quote(target)}&error=wrong", status_code=303)
    cookie, _ = state.sessions.issue(principal.name)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        max_age=int(state.sessions.seconds),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, principal: Annotated[Principal, Depends(viewer_page)]) -> Response:
    """Sign out: the user's sessions are revoked on the server (a copied cookie stops working too)."""
    if principal.via == "session":
        state_of(request).auth.sign_out(principal.name)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, principal: Annotated[Principal, Depends(viewer_page)]) -> Response:
    owner = None if principal.can("admin") else principal.name  # an admin sees everyone's
    jobs = state_of(request).cases.jobs.recent(20, user=owner)
    return _render(request, "home.html", principal, jobs=jobs)


@router.post("/upload")
def upload(
    request: Request,
    principal: Annotated[Principal, Depends(viewer_page)],
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(max_length=2000)] = "",
    sheet: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    info = start_job(request, principal, file, mapping, sheet)
    return RedirectResponse(f"/ui/jobs/{info.id}", status_code=303)


def _job(request: Request, job_id: str, principal: Principal) -> JobInfo:
    """The job if ``principal`` may see it, else 404 (another user's job is not confirmed to exist)."""
    info = find_job(request, job_id, principal)
    if info is None:
        raise HTTPException(404, "no such screening")
    return info


def _name_of(row: dict[str, Any], mapping: dict[str, str]) -> str:
    column = mapping.get("name")
    value = row["record"].get(column) if column else None
    return str(value) if value is not None else ""


def _decision_of(row: dict[str, Any]) -> dict[str, Any] | None:
    """The decision applied to a row's flags (the first one found), for the table's status column."""
    for flag in row["flags"]:
        decision = flag.get("evidence", {}).get("decision")
        if decision:
            return dict(decision)
    return None


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer_page)]
) -> Response:
    info = _job(request, job_id, principal)
    rows: list[dict[str, Any]] = []
    mapping = info.summary.get("mapping", {})
    if info.status == "done":
        for row in runner(request).flagged_rows(job_id):
            rows.append({**row, "name": _name_of(row, mapping), "decision": _decision_of(row)})
    return _render(request, "job.html", principal, job=info, rows=rows, formats=list(RESULT_FORMATS))


@router.post("/jobs/{job_id}/cancel")
def cancel(request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer_page)]) -> Response:
    """Cancel a queued or running screening; the page then shows it cancelled."""
    _job(request, job_id, principal)
    runner(request).cancel(job_id, principal.name)
    return RedirectResponse(f"/ui/jobs/{job_id}", status_code=303)


@router.post("/jobs/{job_id}/rescreen")
def rescreen(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer_page)]
) -> Response:
    """Screen the same file again, with the decisions in force now."""
    info = _job(request, job_id, principal)
    jobs = runner(request)
    source = jobs.input_path(job_id)
    if source is None:
        raise HTTPException(404, "the file of that screening is gone")
    with open(source, "rb") as fh:
        upload = UploadFile(fh, filename=info.filename)
        new = start_job(request, principal, upload, "", "")
    return RedirectResponse(f"/ui/jobs/{new.id}", status_code=303)


@router.get("/jobs/{job_id}/rows/{row}")
def row_page(
    request: Request,
    job_id: str,
    row: int,
    principal: Annotated[Principal, Depends(viewer_page)],
    sheet: str = "",
    saved: str = "",
) -> Response:
    info = _job(request, job_id, principal)
    if info.status != "done":
        raise HTTPException(409, "the screening has not finished")
    found = next(
        (
            r
            for r in runner(request).flagged_rows(job_id)
            if r["row"] == row and (r.get("sheet") or "") == sheet
        ),
        None,
    )
    if found is None:
        raise HTTPException(404, "that row has no flags or hits")
    name = _name_of(found, info.summary.get("mapping", {}))
    decisions = state_of(request).cases.decisions
    earlier = {h["entity_id"]: decisions.for_entity(h["entity_id"])[:5] for h in found["hits"]}
    # documents kept as evidence that name a hit's entity: shown beside the hit, never a flag
    mentioned = mentions_by_entity(state_of(request).cases.db, (h["entity_id"] for h in found["hits"]))
    # the evidence in words, as the HTML report words it: labelled items, research sources marked so
    views = [
        flag_view(Flag(f["code"], f["severity"], f["reason"], dict(f.get("evidence") or {})))
        for f in found["flags"]
    ]
    return _render(
        request,
        "row.html",
        principal,
        job=info,
        row=found,
        views=views,
        name=name,
        earlier=earlier,
        mentioned=mentioned,
        saved=saved,
        can_decide=principal.can("reviewer"),
        list_info=list_info,
    )


@router.post("/decisions")
def decide(
    request: Request,
    principal: Annotated[Principal, Depends(reviewer_page)],
    entity_id: Annotated[str, Form(max_length=200)],
    status: Annotated[str, Form(pattern="^(confirmed|false_positive)$")],
    name: Annotated[str, Form(max_length=1000)],
    job_id: Annotated[str, Form(max_length=64)] = "",
    row: Annotated[int | None, Form(ge=0, le=2**31 - 1)] = None,
    sheet: Annotated[str, Form(max_length=200)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    body = DecisionRequest(
        entity_id=entity_id,
        status=status,
        name=name,
        identifier=None,
        comment=comment,
        job_id=job_id or None,
        row=row,
    )
    record_decision(state_of(request), principal, body)
    if job_id and row is not None:
        return RedirectResponse(
            f"/ui/jobs/{job_id}/rows/{row}?sheet={quote(sheet)}&saved={status}", status_code=303
        )
    return RedirectResponse("/ui/", status_code=303)


@router.get("/lists")
def lists_page(request: Request, principal: Annotated[Principal, Depends(viewer_page)]) -> Response:
    store = state_of(request).screener.store
    return _render(
        request,
        "lists.html",
        principal,
        version=store.active_version,
        created=store.snapshot.created,
        rows=store.status(),
        stale_after=STALE_AFTER_DAYS,
        list_info=list_info,
    )
