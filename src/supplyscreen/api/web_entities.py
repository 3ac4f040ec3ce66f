"""The web UI's entity page: one list entity as a reviewer reads it (its names, addresses, countries
and identifiers; each list membership with its listing date and whether it is a list hit or only a
lead for review; when supplyscreen's copy of the lists first held, last held and last changed it; its
recent list changes; its relations; the documents kept as evidence that mention it, information and
never a flag), found by its API id, its list key or a referent as ``/entities/{id}`` finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from supplyscreen.api.deps import state_of
from supplyscreen.api.service import ServiceState
from supplyscreen.api.web import _render, viewer_page
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.evidence import MentionedIn, mentions_of
from supplyscreen.listcodes import list_info
from supplyscreen.model import Entity
from supplyscreen.model.entity import Membership
from supplyscreen.report.flagged import official_url
from supplyscreen.store.changelog import RecordChange
from supplyscreen.store.history import Seen

router = APIRouter(prefix="/ui", include_in_schema=False)
#: the most recent list changes shown, and the most entities naming this one
MAX_CHANGES = 20
MAX_INCOMING = 50


@dataclass(slots=True, frozen=True)
class MembershipView:
    """A list membership as the page shows it."""

    list_code: str
    list_title: str
    list_url: str | None  # the list's official page
    program: str | None
    authority: str | None
    listed_on: str | None
    ends_on: str | None
    federal_register: str | None
    status: str
    status_text: str
    is_hit: bool
    official: bool
    source_id: str | None
    source_url: str | None  # an http(s) address, else None (the text is in source_text)
    source_text: str | None
    note: str | None


def status_text(membership: Membership) -> str:
    """What a membership's status means: an official entry, a curated entry that is a list hit, or
    (``low``, ``unverified``) a lead for review that is never a list hit."""
    if membership.status == "official":
        return "official list entry"
    if not membership.is_hit:
        return f"lead for review ({membership.status} confidence), not a list hit"
    return f"curated entry ({membership.status}), a list hit"


def membership_view(membership: Membership) -> MembershipView:
    info = list_info(membership.list_code)
    return MembershipView(
        list_code=membership.list_code,
        list_title=info.title,
        list_url=official_url(info.url),
        program=membership.program,
        authority=membership.authority,
        listed_on=membership.listed_on,
        ends_on=membership.ends_on,
        federal_register=membership.federal_register,
        status=membership.status,
        status_text=status_text(membership),
        is_hit=membership.is_hit,
        official=membership.status == "official",
        source_id=membership.source_id,
        source_url=official_url(membership.source_url),
        source_text=membership.source_url,
        note=membership.note,
    )


def change_text(change: RecordChange) -> list[str]:
    """What a change did, field by field: ``programs: added RUSSIA-EO14024``."""
    out = []
    for name, values in change.fields.items():
        parts = []
        if values.get("added"):
            parts.append("added " + "; ".join(values["added"]))
        if values.get("removed"):
            parts.append("removed " + "; ".join(values["removed"]))
        if parts:
            out.append(f"{name.replace('_', ' ')}: {', '.join(parts)}")
    return out


def recent_changes(changes: dict[str, list[RecordChange]], entity: Entity) -> list[RecordChange]:
    """The changes of the entity's source records, newest first, at most :data:`MAX_CHANGES`."""
    found: list[RecordChange] = []
    for source_id in dict.fromkeys([*entity.source_ids, entity.id]):
        found.extend(changes.get(source_id, ()))
    found.sort(key=lambda c: (c.date, c.version), reverse=True)
    return found[:MAX_CHANGES]


def changes_by_source(state: ServiceState) -> dict[str, list[RecordChange]]:
    """The active snapshot's change log by source id (read once per loaded version)."""
    found: dict[str, list[RecordChange]] | None = state.memo.get("changes_by_source")
    if found is None:
        found = {}
        for change in state.screener.store.snapshot.history().changes:
            found.setdefault(change.source_id, []).append(change)
        state.memo["changes_by_source"] = found
    return found


def _incoming(state: ServiceState, entity: Entity) -> list[dict[str, Any]]:
    """The entities whose relations name this one, with how they name it."""
    out = []
    for key in list(dict.fromkeys(state.links().incoming.get(entity.id, ())))[:MAX_INCOMING]:
        other = state.entity(key)
        if other is None:
            continue
        types = [r.type for r in other.relations if r.target_id == entity.id]
        out.append({"id": other.id, "caption": other.caption, "types": list(dict.fromkeys(types))})
    return out


def when(value: str | None) -> str:
    """A date-time as the page shows it: the date alone at midnight, else date and time."""
    if not value:
        return "-"
    return value[:10] if value[10:] in ("", "T00:00:00") else value[:19].replace("T", " ")


def entity_context(
    entity: Entity,
    *,
    api_id: str,
    seen: Seen | None,
    changes: list[RecordChange],
    incoming: list[dict[str, Any]] | None = None,
    mentioned_in: list[MentionedIn] | None = None,
) -> dict[str, Any]:
    """What ``entity.html`` shows of an entity (the page's context, less the user's); ``mentioned_in``:
    the documents kept as evidence that mention it (information, never a flag)."""
    return {
        "entity": entity,
        "api_id": api_id,
        "memberships": [membership_view(m) for m in entity.memberships],
        "seen": seen,
        "changes": [{"change": c, "what": change_text(c)} for c in changes],
        "incoming": incoming or [],
        "mentioned_in": mentioned_in or [],
        "missing": None,
        "when": when,
    }


@router.get("/entities/{entity_id}")
def entity_page(
    request: Request,
    entity_id: Annotated[str, Path(max_length=300)],
    principal: Annotated[Principal, Depends(viewer_page)],
) -> Response:
    """One list entity (by API id, list key or referent); a page saying so (404) for an unknown id."""
    state = state_of(request)
    entity = state.entity(entity_id)
    if entity is None:
        response = _render(request, "entity.html", principal, entity=None, missing=entity_id)
        response.status_code = 404
        return response
    context = entity_context(
        entity,
        api_id=state.links().public_id(entity.id),
        seen=state.history().get(entity.id),
        changes=recent_changes(changes_by_source(state), entity),
        incoming=_incoming(state, entity),
        mentioned_in=mentions_of(state.cases.db, entity.id),
    )
    return _render(request, "entity.html", principal, **context)
