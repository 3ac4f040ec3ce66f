"""OpenRefine reconciliation (Reconciliation Service API v0.2) at ``/reconcile/{dataset}``.

``GET`` answers the service manifest; ``POST`` (or ``GET`` with ``queries=``) takes a batch of
queries, as a ``queries`` form field holding JSON or as a JSON body, and answers each with scored
candidates; ``/suggest/entity``, ``/suggest/type`` and ``/suggest/property`` feed OpenRefine's
auto-completion. The ``api_key`` query parameter is passed on in the manifest's service URLs, since
OpenRefine cannot send an ``Authorization`` header.
"""

from __future__ import annotations

import bisect
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from supplyscreen.api.deps import state_of, viewer
from supplyscreen.api.matching import check_dataset, datasets, match_properties, our_schema
from supplyscreen.api.service import ServiceState
from supplyscreen.cases.accounts import Principal
from supplyscreen.model import SCHEMAS
from supplyscreen.names.matcher import MATCH_THRESHOLD, MAX_LIMIT
from supplyscreen.store.linkage import link_key

router = APIRouter(tags=["Reconciliation"])
MAX_BATCH = 100
TYPES = [
    {"id": s, "name": s} for s in ("Company", "Organization", "LegalEntity", "Person", "Vessel", "Airplane")
]
PROPERTIES = [
    {"id": "country", "name": "Country"},
    {"id": "registrationNumber", "name": "Registration number"},
    {"id": "alias", "name": "Other name"},
    {"id": "birthDate", "name": "Birth date"},
]


def _base(request: Request, dataset: str) -> tuple[str, str]:
    base = str(request.base_url).rstrip("/") + f"/reconcile/{dataset}"
    key = request.query_params.get("api_key")
    return base, (f"?api_key={key}" if key else "")


@router.get("/reconcile/{dataset}", response_model=None)
async def manifest(
    request: Request,
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    queries: Annotated[str | None, Query(description="JSON batch of queries (GET form of a batch)")] = None,
) -> Response:
    """The reconciliation service manifest; with ``queries=`` the answers to a batch instead."""
    state = state_of(request)
    check_dataset(state, dataset)
    if queries:
        return JSONResponse(_answer(state, principal, dataset, queries))
    base, suffix = _base(request, dataset)
    root = str(request.base_url).rstrip("/")
    title = datasets(state)[dataset]["title"]
    return JSONResponse(
        {
            "versions": ["0.2"],
            "name": f"supplyscreen: {title}",
            "identifierSpace": f"{root}/entities/",
            "schemaSpace": f"{root}/reconcile/schema/",
            "documentation": f"{root}/docs",
            "batchSize": 25,
            "defaultTypes": TYPES,
            "view": {"url": f"{root}/entities/{{{{id}}}}{suffix}"},
            "suggest": {
                "entity": {"service_url": base, "service_path": f"/suggest/entity{suffix}"},
                "type": {"service_url": base, "service_path": f"/suggest/type{suffix}"},
                "property": {"service_url": base, "service_path": f"/suggest/property{suffix}"},
            },
        }
    )


@router.post("/reconcile/{dataset}", response_model=None)
async def reconcile(
    request: Request, dataset: str, principal: Annotated[Principal, Depends(viewer)]
) -> Response:
    """Answer a batch of queries: ``{"q0": {"query": "…", "type": "Company", "limit": 3,
    "properties": [{"pid": "country", "v": "cn"}]}}`` → ``{"q0": {"result": [...]}}``."""
    state = state_of(request)
    check_dataset(state, dataset)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(400, "the body is not valid JSON") from None
        raw = body.get("queries", body) if isinstance(body, dict) else None
        text = raw if isinstance(raw, str) else json.dumps(raw)
    else:
        form = await request.form()
        text = str(form.get("queries") or "")
    if not text or text == "null":
        raise HTTPException(400, "send the queries as a 'queries' form field holding JSON")
    return JSONResponse(_answer(state, principal, dataset, text))


def _answer(state: ServiceState, principal: Principal, dataset: str, text: str) -> dict[str, Any]:
    try:
        batch = json.loads(text)
    except ValueError:
        raise HTTPException(400, "queries is not valid JSON") from None
    if not isinstance(batch, dict) or not all(isinstance(q, dict) for q in batch.values()):
        raise HTTPException(400, 'queries must be an object like {"q0": {"query": "name"}}')
    if len(batch) > MAX_BATCH:
        raise HTTPException(400, f"at most {MAX_BATCH} queries in one batch")
    out = {str(qid): {"result": _query(state, dataset, query)} for qid, query in batch.items()}
    if state.settings.audit_matches:
        summary = {qid: [r["id"] for r in v["result"][:3]] for qid, v in out.items()}
        state.audit.submit(
            "reconcile", principal.name, {"dataset": dataset, "results": summary}, state.list_version
        )
    return out


def _query(state: ServiceState, dataset: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    kind = query.get("type")
    schema = kind[0] if isinstance(kind, list) and kind else kind if isinstance(kind, str) else None
    try:
        limit = max(1, min(MAX_LIMIT, int(query.get("limit") or 5)))
    except (TypeError, ValueError):
        raise HTTPException(400, "limit must be a number") from None
    props: dict[str, list[Any]] = {"name": [query.get("query") or ""]}
    for p in query.get("properties") or []:
        if isinstance(p, dict) and isinstance(p.get("pid"), str):
            value = p.get("v")
            value = value.get("id") if isinstance(value, dict) else value
            props.setdefault(p["pid"], []).extend(value if isinstance(value, list) else [value])
    found = match_properties(
        state, our_schema(schema), props, dataset=dataset, limit=limit, threshold=MATCH_THRESHOLD
    )
    return [
        {
            "id": s.entity["id"],
            "name": s.hit.caption,
            "type": [{"id": s.entity["schema"], "name": s.entity["schema"]}],
            "score": round(s.hit.score * 100, 1),
            "match": s.hit.match,
            "description": ", ".join(s.entity["datasets"]),
        }
        for s in found
    ]


def _suggest_keys(state: ServiceState) -> tuple[list[str], list[tuple[str, str]]]:
    """Every entity name's folded form, sorted, for prefix look-ups."""
    cached = state.memo.get("suggest")
    if cached is None:
        pairs = sorted(
            {(link_key(n.value), e.id) for e in state.screener.store.entities() for n in e.names if n.value}
        )
        cached = ([k for k, _ in pairs], pairs)
        state.memo["suggest"] = cached
    keys: list[str] = cached[0]
    pairs_out: list[tuple[str, str]] = cached[1]
    return keys, pairs_out


@router.get("/reconcile/{dataset}/suggest/entity")
async def suggest_entity(
    request: Request,
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    prefix: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Entries whose names start with ``prefix`` (case, accents, punctuation and legal forms folded)."""
    state = state_of(request)
    check_dataset(state, dataset)
    key = link_key(prefix) if prefix.strip() else ""
    result: list[dict[str, Any]] = []
    if key:
        keys, pairs = _suggest_keys(state)
        seen: set[str] = set()
        for i in range(bisect.bisect_left(keys, key), len(keys)):
            if not keys[i].startswith(key) or len(result) >= limit:
                break
            entity_id = pairs[i][1]
            entity = state.entity_ftm(entity_id)
            if entity_id in seen or entity is None:
                continue
            if dataset != "default" and dataset not in entity["datasets"]:
                continue
            seen.add(entity_id)
            result.append(
                {
                    "id": entity["id"],
                    "name": entity["caption"],
                    "description": ", ".join(entity["datasets"]),
                    "notable": [{"id": entity["schema"], "name": entity["schema"]}],
                }
            )
    return {"prefix": prefix, "result": result}


@router.get("/reconcile/{dataset}/suggest/type")
async def suggest_type(
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    prefix: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    """Schemas whose names start with ``prefix``."""
    p = prefix.lower()
    return {
        "prefix": prefix,
        "result": [t for t in TYPES if t["id"].lower().startswith(p) and t["id"] in SCHEMAS],
    }


@router.get("/reconcile/{dataset}/suggest/property")
async def suggest_property(
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    prefix: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    """Query properties whose id or name starts with ``prefix``."""
    p = prefix.lower()
    found = [x for x in PROPERTIES if x["id"].lower().startswith(p) or x["name"].lower().startswith(p)]
    return {"prefix": prefix, "result": found}
