"""The yente-compatible endpoints: ``/match/{dataset}``, ``/search/{dataset}``, ``/entities/{id}``,
``/algorithms`` and ``/catalog``, answering the shapes an OpenSanctions yente client expects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from supplyscreen.api.deps import state_of, viewer
from supplyscreen.api.matching import (
    ALGORITHM,
    MATCHER_DOCS,
    check_algorithm,
    check_dataset,
    datasets,
    match_properties,
    our_schema,
    public_entity,
    scored_json,
)
from supplyscreen.api.models import (
    AlgorithmResponse,
    CatalogResponse,
    EntityMatchQuery,
    EntityMatchResponse,
    EntityResponse,
    ErrorResponse,
    SearchResponse,
)
from supplyscreen.cases.accounts import Principal
from supplyscreen.names.matcher import MATCH_THRESHOLD, MAX_LIMIT

router = APIRouter(tags=["Matching"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid query"},
    401: {"model": ErrorResponse, "description": "No or invalid API key"},
    404: {"model": ErrorResponse, "description": "Unknown dataset or entity"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded"},
}
DatasetPath = Annotated[str, Path(description="`default` (every list) or a list code from /catalog")]


@router.post("/match/{dataset}", response_model=EntityMatchResponse, responses=ERRORS)
async def match(
    request: Request,
    body: EntityMatchQuery,
    dataset: DatasetPath,
    principal: Annotated[Principal, Depends(viewer)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results per query")] = 5,
    threshold: Annotated[float, Query(ge=0.0, le=1.0, description="Score from which a result is a match")] = (
        MATCH_THRESHOLD
    ),
    cutoff: Annotated[float, Query(ge=0.0, le=1.0, description="Lowest score returned")] = 0.5,
    algorithm: Annotated[str, Query(description=f"Scoring algorithm: {ALGORITHM}")] = "best",
) -> JSONResponse:
    """Match entities (yente's request and response shapes): each query's names, countries, identifiers
    and birth date against the lists of ``dataset``."""
    state = state_of(request)
    check_algorithm(algorithm)
    check_dataset(state, dataset)
    # the matching is CPU work: done in a worker thread, so the event loop keeps answering the
    # other requests (health checks, admission control's 503s) meanwhile
    return await run_in_threadpool(_match, state, body, dataset, principal, limit, threshold, cutoff)


def _match(
    state: Any,
    body: EntityMatchQuery,
    dataset: str,
    principal: Principal,
    limit: int,
    threshold: float,
    cutoff: float,
) -> JSONResponse:
    responses: dict[str, Any] = {}
    audit: dict[str, Any] = {}
    for qid, example in body.queries.items():
        schema = our_schema(example.schema_)
        found = match_properties(
            state,
            schema,
            example.properties,
            dataset=dataset,
            limit=limit,
            threshold=threshold,
            cutoff=cutoff,
        )
        results = [scored_json(s) for s in found]
        responses[qid] = {
            "status": 200,
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "query": example.model_dump(by_alias=True),
        }
        audit[qid] = {
            "schema": example.schema_,
            "names": [str(v) for v in _as_list(example.properties.get("name"))][:3],
            "results": [r["id"] for r in results[:3]],
            "matches": sum(1 for r in results if r["match"]),
        }
    if state.settings.audit_matches:
        state.audit.submit(
            "match", principal.name, {"dataset": dataset, "queries": audit}, state.list_version
        )
    return JSONResponse({"responses": responses, "matcher": MATCHER_DOCS, "limit": limit})


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


@router.get("/search/{dataset}", response_model=SearchResponse, responses=ERRORS)
async def search(
    request: Request,
    dataset: DatasetPath,
    principal: Annotated[Principal, Depends(viewer)],
    q: Annotated[str, Query(max_length=1000, description="Name to look for")] = "",
    schema: Annotated[str | None, Query(description="Only this schema (Company, Person …)")] = None,
    countries: Annotated[list[str] | None, Query(description="Only entries of these countries")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 0,
) -> JSONResponse:
    """Entries whose names resemble ``q``, best first."""
    state = state_of(request)
    check_dataset(state, dataset)
    fetch = min(MAX_LIMIT, offset + limit)
    props: dict[str, Any] = {"name": [q]}
    found = match_properties(
        state, our_schema(schema), props, dataset=dataset, limit=fetch, threshold=MATCH_THRESHOLD, cutoff=0.3
    )
    wanted = {c.lower() for c in countries or [] if c}
    entities = [
        public_entity(s.entity)
        for s in found
        if not wanted or wanted & set(s.entity["properties"].get("country", []))
    ]
    page = entities[offset : offset + limit]
    return JSONResponse(
        {
            "results": page,
            "facets": {},
            "total": {"value": len(entities), "relation": "eq"},
            "limit": limit,
            "offset": offset,
        }
    )


@router.get("/entities/{entity_id}", response_model=EntityResponse, responses=ERRORS)
async def entity(
    request: Request,
    entity_id: Annotated[str, Path(max_length=300)],
    principal: Annotated[Principal, Depends(viewer)],
) -> JSONResponse:
    """One entity as FollowTheMoney JSON, its list memberships nested as ``properties.sanctions``."""
    found = state_of(request).entity_ftm(entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id!r} in the active lists")
    data = public_entity(found)
    data["properties"] = {**data["properties"], "sanctions": found["_sanctions"]}
    return JSONResponse(data)


@router.get("/algorithms", response_model=AlgorithmResponse, responses=ERRORS)
async def algorithms(principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    """The scoring algorithms (one) and their features."""
    return {"algorithms": [MATCHER_DOCS], "default": ALGORITHM, "best": ALGORITHM}


@router.get("/catalog", response_model=CatalogResponse, responses=ERRORS)
async def catalog(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    """The datasets: ``default`` (every list) and each list of the active snapshot."""
    state = state_of(request)
    version = state.list_version
    out = [
        {
            "name": name,
            "title": info["title"],
            "summary": None,
            "url": info["url"],
            "load": True,
            "entities_url": None,
            "version": version,
            "index_version": version,
            "index_current": True,
            "children": info["children"],
            "entity_count": info["entities"],
        }
        for name, info in datasets(state).items()
    ]
    return {"datasets": out, "current": [d["name"] for d in out], "outdated": [], "index_stale": False}
