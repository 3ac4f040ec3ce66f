"""The web UI's document scans: an upload form (one or more files), and a scan's page, which follows
its progress (``/static/app.js`` polls ``GET /scan/{id}``, as it polls a screening) and then shows
each document's pages of text with every mention highlighted: a list entity linked to its entity
page, covered equipment, a Xinjiang place or a high-priority sector titled with what it is and why.
The documents' text is untrusted: it is only ever written through the templates' escaping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from supplyscreen.api.deps import state_of
from supplyscreen.api.scan_jobs import MAX_TEXT_BYTES
from supplyscreen.api.scanning import (
    MAX_FILES,
    cancel_scan,
    find_scan,
    read_documents,
    read_mentions,
    recent_scans,
    start_scan,
)
from supplyscreen.api.web import _render, viewer_page
from supplyscreen.cases.accounts import Principal
from supplyscreen.listcodes import list_info
from supplyscreen.scan.model import KINDS

router = APIRouter(prefix="/ui", include_in_schema=False)


@dataclass(slots=True)
class PageView:
    """One page as the scan's page shows it: its text cut into plain runs and highlighted mentions
    (``(text, None)`` or ``(text, mention)``), the mentions that overlap a highlighted one, and those
    beyond the text kept."""

    number: int
    segments: list[tuple[str, dict[str, Any] | None]]
    overlapping: list[dict[str, Any]] = field(default_factory=list)
    beyond: list[dict[str, Any]] = field(default_factory=list)
    cut: bool = False
    length: int = 0


def mention_title(m: dict[str, Any]) -> str:
    """What a highlighted mention's tooltip says: the list entity, its lists, score and verdict; or
    for equipment, a place or a sector its key and the reason."""
    if m.get("kind") == "entity":
        lists = ", ".join(list_info(code).title for code in m.get("lists") or [])
        score = m.get("score")
        scored = f"score {score:.2f}, " if isinstance(score, int | float) else ""
        return f"{m.get('entity_name') or m.get('key')}: {lists} ({scored}{m.get('verdict') or 'match'})"
    reason = (m.get("detail") or {}).get("reason") or ""
    return f"{m.get('kind')}: {m.get('key')}" + (f". {reason}" if reason else "")


def page_view(number: int, text: str, mentions: list[dict[str, Any]], *, cut: bool, length: int) -> PageView:
    """``text`` with ``mentions`` highlighted, none overlapping: of overlapping mentions the one that
    starts first is kept (the longest of those starting together; an entity before a detector's
    finding), the others are listed below the page."""
    ordered = sorted(mentions, key=lambda m: (m["start"], -(m["end"] - m["start"]), m["kind"] != "entity"))
    view = PageView(number, [], cut=cut, length=length)
    shown: list[dict[str, Any]] = []
    reached = 0
    for m in ordered:
        start, end = int(m["start"]), int(m["end"])
        if not 0 <= start < end <= len(text):
            view.beyond.append(m)  # on the part of a page whose text was not kept
        elif start < reached:
            view.overlapping.append(m)
        else:
            shown.append(m)
            reached = end
    pos = 0
    for m in shown:
        if m["start"] > pos:
            view.segments.append((text[pos : m["start"]], None))
        view.segments.append((text[m["start"] : m["end"]], {**m, "title": mention_title(m)}))
        pos = m["end"]
    if pos < len(text):
        view.segments.append((text[pos:], None))
    return view


def document_views(documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document with its pages' views."""
    by_page: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for m in mentions:
        by_page.setdefault((m["file"], m["page"]), []).append(m)
    views = []
    for doc in documents:
        pages = [
            page_view(
                p["number"],
                p["text"],
                by_page.get((doc["file"], p["number"]), []),
                cut=bool(p.get("cut")),
                length=int(p.get("length", len(p["text"]))),
            )
            for p in doc["pages"]
        ]
        found = sum(len(by_page.get((doc["file"], p["number"]), [])) for p in doc["pages"])
        views.append({**doc, "pages": pages, "mentions": found})
    return views


def entity_rows(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The list entities found, each once: name, lists, how often, at which verdicts."""
    rows: dict[str, dict[str, Any]] = {}
    for m in mentions:
        if m["kind"] != "entity" or not m.get("entity_id"):
            continue
        row = rows.setdefault(
            m["entity_id"],
            {
                "entity_id": m["entity_id"],
                "name": m.get("entity_name"),
                "lists": m.get("lists") or [],
                "count": 0,
                "verdicts": set(),
            },
        )
        row["count"] += 1
        row["verdicts"].add(m.get("verdict") or "match")
    return sorted(rows.values(), key=lambda r: (-r["count"], str(r["name"])))


@router.get("/scan")
def scan_page(request: Request, principal: Annotated[Principal, Depends(viewer_page)]) -> Response:
    """The upload form and the user's recent scans."""
    scans = recent_scans(state_of(request), principal, 20)
    return _render(
        request,
        "scan.html",
        principal,
        scans=scans,
        max_files=MAX_FILES,
        max_mb=state_of(request).settings.max_upload_bytes >> 20,
    )


@router.post("/scan")
def scan_upload(
    request: Request,
    principal: Annotated[Principal, Depends(viewer_page)],
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - never changed
) -> Response:
    data = start_scan(request, principal, files)
    return RedirectResponse(f"/ui/scan/{data['id']}", status_code=303)


def _scan(request: Request, job_id: str, principal: Principal) -> dict[str, Any]:
    data = find_scan(state_of(request), job_id, principal)
    if data is None:
        raise HTTPException(404, "no such scan")
    return data


@router.get("/scan/{job_id}")
def scan_job_page(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer_page)]
) -> Response:
    data = _scan(request, job_id, principal)
    documents: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    if data["status"] == "done":
        state = state_of(request)
        mentions = read_mentions(state, job_id)
        documents = document_views(read_documents(state, job_id), mentions)
        entities = entity_rows(mentions)
    return _render(
        request,
        "scan_job.html",
        principal,
        job=data,
        documents=documents,
        entities=entities,
        kinds=KINDS,
        list_info=list_info,
        text_limit_mb=MAX_TEXT_BYTES >> 20,
    )


@router.post("/scan/{job_id}/cancel")
def scan_cancel(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(viewer_page)]
) -> Response:
    """Cancel a queued or running scan; the page then shows it cancelled."""
    data = _scan(request, job_id, principal)
    if data["status"] in ("queued", "running"):
        cancel_scan(request, data)
    return RedirectResponse(f"/ui/scan/{job_id}", status_code=303)
