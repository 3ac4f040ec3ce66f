"""OpenRefine reconciliation (Reconciliation Service API v0.2) at ``/reconcile/{dataset}``.

``GET`` answers the service manifest; ``POST`` (or ``GET`` with ``queries=``) takes a batch of
queries, as a ``queries`` form field holding JSON or as a JSON body, and answers each with scored
candidates; ``/suggest/entity``, ``/suggest/type`` and ``/suggest/property`` feed OpenRefine's
auto-completion, ``/preview`` shows a candidate and ``extend`` adds columns of reconciled values.

The manifest is served without credentials and declares how to authenticate (an API key in the
``api_key`` query parameter or the ``Authorization`` header). The key is never echoed: when the
manifest was asked for with one, its suggest, preview and view links carry a reading token instead
(``api.security.ReadTokens``), which reads entities and suggestions and nothing else.
"""

from __future__ import annotations

import bisect
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from supplyscreen.api.deps import identify, state_of, viewer
from supplyscreen.api.filters import COLLECTIONS
from supplyscreen.api.matching import (
    COUNTRY_PROPS,
    IDENTIFIER_PROPS,
    NAME_PROPS,
    check_dataset,
    datasets,
    match_properties,
    off_the_loop,
    our_schema,
)
from supplyscreen.api.reconcile_extend import EXTEND_PROPERTIES, extend_rows, preview_card
from supplyscreen.api.security import api_key_from
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
#: Every query property the matcher reads (``api.matching``), for property suggest
PROPERTIES = [
    {"id": pid, "name": pid}
    for pid in (*NAME_PROPS, *COUNTRY_PROPS, *IDENTIFIER_PROPS, "birthDate")
    if pid != "name"
]


def _token_suffix(request: Request, state: ServiceState, first: str = "?") -> str:
    """``?token=…`` for links handed to OpenRefine: a reading token when the request came with an API
    key (never the key), the request's own token, or nothing (a signed-in browser needs none)."""
    key = api_key_from(request.headers, request.query_params)
    token = state.read_tokens.issue(key) if key else request.query_params.get("token")
    return f"{first}token={token}" if token else ""


@router.get("/reconcile/{dataset}", response_model=None)
async def manifest(
    request: Request,
    dataset: str,
    queries: Annotated[str | None, Query(description="JSON batch of queries (GET form of a batch)")] = None,
    extend: Annotated[str | None, Query(description="JSON data extension request (GET form)")] = None,
) -> Response:
    """The reconciliation service manifest (no credentials needed); with ``queries=`` the answers to a
    batch, with ``extend=`` a data extension (both need a key)."""
    state = state_of(request)
    check_dataset(state, dataset)
    if queries or extend:
        principal = await viewer(request)
        if extend:
            return JSONResponse(_extend(state, extend))
        return JSONResponse(await off_the_loop(_answer, state, principal, dataset, str(queries)))
    await identify(request)  # a wrong key is still a 401
    base = str(request.base_url).rstrip("/") + f"/reconcile/{dataset}"
    root = str(request.base_url).rstrip("/")
    suffix = _token_suffix(request, state)
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
            "authentication": {
                "type": "apiKey",
                "name": "api_key",
                "in": "query",
                "description": "an API key, as ?api_key=KEY or the header 'Authorization: ApiKey KEY'",
            },
            "view": {"url": f"{root}/entities/{{{{id}}}}{suffix}"},
            "preview": {
                "url": f"{base}/preview?id={{{{id}}}}{_token_suffix(request, state, '&')}",
                "width": 430,
                "height": 300,
            },
            "suggest": {
                "entity": {"service_url": base, "service_path": f"/suggest/entity{suffix}"},
                "type": {"service_url": base, "service_path": f"/suggest/type{suffix}"},
                "property": {"service_url": base, "service_path": f"/suggest/property{suffix}"},
            },
            "extend": {
                "propose_properties": {"service_url": base, "service_path": f"/extend/propose{suffix}"},
                "property_settings": [],
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
        if isinstance(body, dict) and "extend" in body:
            extend = body["extend"]
            return JSONResponse(_extend(state, extend if isinstance(extend, str) else json.dumps(extend)))
        raw = body.get("queries", body) if isinstance(body, dict) else None
        text = raw if isinstance(raw, str) else json.dumps(raw)
    else:
        form = await request.form()
        if form.get("extend"):
            return JSONResponse(_extend(state, str(form.get("extend"))))
        text = str(form.get("queries") or "")
    if not text or text == "null":
        raise HTTPException(400, "send the queries as a 'queries' form field holding JSON")
    return JSONResponse(await off_the_loop(_answer, state, principal, dataset, text))


def _answer(state: ServiceState, principal: Principal, dataset: str, text: str) -> dict[str, Any]:
    try:
        batch = json.loads(text)
    except ValueError:
        raise HTTPException(400, "queries is not valid JSON") from None
    if not isinstance(batch, dict) or not all(isinstance(q, dict) for q in batch.values()):
        raise HTTPException(400, 'queries must be an object like {"q0": {"query": "name"}}')
    if len(batch) > MAX_BATCH:
        raise HTTPException(400, f"at most {MAX_BATCH} queries in one batch")
    for qid, query in batch.items():
        if not str(query.get("query") or "").strip() and not query.get("properties"):
            raise HTTPException(400, f"query {qid!r} has neither 'query' nor 'properties' (spec 0.2, 3.4)")
    out = {str(qid): {"result": _query(state, dataset, query)} for qid, query in batch.items()}
    if state.settings.audit_matches:
        summary = {qid: [r["id"] for r in v["result"][:3]] for qid, v in out.items()}
        state.audit.submit(
            "reconcile", principal.name, {"dataset": dataset, "results": summary}, state.list_version
        )
    return out


def _schema(kind: Any) -> str | None:
    """Our schema for a query's type; a type that is none of ours is "any type" (the spec's own
    examples send types of other services)."""
    name = kind[0] if isinstance(kind, list) and kind else kind if isinstance(kind, str) else None
    try:
        return our_schema(name)
    except HTTPException:
        return None


def _query(state: ServiceState, dataset: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        limit = max(1, min(MAX_LIMIT, int(query.get("limit") or 5)))
    except (TypeError, ValueError):
        raise HTTPException(400, "limit must be a number") from None
    text = str(query.get("query") or "")
    by_id = state.entity_ftm(text.strip()) if text.strip() else None
    if by_id is not None:  # an id (or list key, or referent) as the query: that entity, a sure match
        return [_candidate(by_id, by_id["caption"], 100.0, True)]
    props: dict[str, list[Any]] = {"name": [text]}
    for p in query.get("properties") or []:
        if isinstance(p, dict) and isinstance(p.get("pid"), str):
            value = p.get("v")
            value = value.get("id") if isinstance(value, dict) else value
            pid = p["pid"].rsplit(":", 1)[-1]  # qualified ids: "LegalEntity:country"
            props.setdefault(pid, []).extend(value if isinstance(value, list) else [value])
    found = match_properties(
        state, _schema(query.get("type")), props, dataset=dataset, limit=limit, threshold=MATCH_THRESHOLD
    )
    return [_candidate(s.entity, s.hit.caption, round(s.hit.score * 100, 1), s.hit.match) for s in found]


def _candidate(entity: dict[str, Any], name: str, score: float, match: bool) -> dict[str, Any]:
    return {
        "id": entity["id"],
        "name": name,
        "type": [{"id": entity["schema"], "name": entity["schema"]}],
        "score": score,
        "match": match,
        "description": ", ".join(entity["datasets"]),
    }


def _extend(state: ServiceState, text: str) -> dict[str, Any]:
    """A data extension answer: ``{"ids": [...], "properties": [{"id": "lists"}, …]}`` in."""
    try:
        request = json.loads(text)
        ids = [str(i) for i in request["ids"]]
        props = [str(p["id"]) for p in request["properties"]]
    except (ValueError, KeyError, TypeError):
        raise HTTPException(
            400, 'extend must be like {"ids": ["…"], "properties": [{"id": "lists"}]}'
        ) from None
    known = {p["id"]: p["name"] for p in EXTEND_PROPERTIES}
    unknown = [p for p in props if p not in known]
    if unknown:
        raise HTTPException(
            400, f"unknown extension property {unknown[0]!r}; GET …/extend/propose lists them"
        )
    if len(ids) > 1000:
        raise HTTPException(400, "at most 1000 ids in one extension request")
    found = {i: state.entity_ftm(i) for i in ids}
    return {"meta": [{"id": p, "name": known[p]} for p in props], "rows": extend_rows(found, props)}


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
    cursor: Annotated[int, Query(ge=0, le=10_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Entries whose names start with ``prefix`` (case, accents, punctuation and legal forms folded),
    from the ``cursor``-th on; an entity's id (or list key, or referent) as the prefix finds it."""
    state = state_of(request)
    check_dataset(state, dataset)
    result: list[dict[str, Any]] = []
    by_id = state.entity_ftm(prefix.strip()) if prefix.strip() else None
    if by_id is not None and _in_dataset(by_id, dataset):
        result.append(_suggestion(by_id))
    key = link_key(prefix) if prefix.strip() else ""
    if key:
        keys, pairs = _suggest_keys(state)
        seen: set[str] = {r["id"] for r in result}
        skipped = 0
        for i in range(bisect.bisect_left(keys, key), len(keys)):
            if not keys[i].startswith(key) or len(result) >= limit:
                break
            entity = state.entity_ftm(pairs[i][1])
            if entity is None or entity["id"] in seen or not _in_dataset(entity, dataset):
                continue
            seen.add(entity["id"])
            if skipped < cursor:
                skipped += 1
                continue
            result.append(_suggestion(entity))
    return {"prefix": prefix, "result": result[:limit]}


def _in_dataset(entity: dict[str, Any], dataset: str) -> bool:
    return dataset in COLLECTIONS or dataset in entity["datasets"]


def _suggestion(entity: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entity["id"],
        "name": entity["caption"],
        "description": ", ".join(entity["datasets"]),
        "notable": [{"id": entity["schema"], "name": entity["schema"]}],
    }


@router.get("/reconcile/{dataset}/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    id: Annotated[str, Query(max_length=300)],  # noqa: A002 - the spec's parameter name
) -> HTMLResponse:
    """The card OpenRefine shows for a candidate: names, lists, programmes and listing dates."""
    entity = state_of(request).entity_ftm(id)
    if entity is None:
        raise HTTPException(404, f"no entity {id!r} in the active lists")
    return HTMLResponse(preview_card(entity))


@router.get("/reconcile/{dataset}/extend/propose")
async def propose_properties(
    dataset: str,
    principal: Annotated[Principal, Depends(viewer)],
    type: Annotated[str, Query(max_length=100)] = "LegalEntity",  # noqa: A002 - the spec's name
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict[str, Any]:
    """The properties data extension can add for entities of ``type`` (the same for every type)."""
    return {"type": type, "properties": EXTEND_PROPERTIES[:limit]}


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
