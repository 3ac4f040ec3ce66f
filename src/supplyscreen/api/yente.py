"""The yente-compatible endpoints: ``/match/{dataset}``, ``/search/{dataset}``, ``/entities/{id}``
(and ``/adjacent``), ``/algorithms`` and ``/catalog`` (``/manifest``), answering the shapes and
parameters of OpenSanctions' yente 5.5 (the differences are listed in ``docs/api.md``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from supplyscreen.api.deps import state_of, viewer
from supplyscreen.api.entities import (
    FACETS,
    adjacent_json,
    entity_json,
    facets,
    mentioned_in_json,
    normalised_query,
)
from supplyscreen.api.filters import result_filter
from supplyscreen.api.matching import (
    ALGORITHM,
    MATCHER_DOCS,
    check_algorithm,
    check_dataset,
    datasets,
    match_properties,
    off_the_loop,
    our_schema,
    public_entity,
    scored_json,
)
from supplyscreen.api.models import (
    AlgorithmResponse,
    CatalogResponse,
    EntityDetailResponse,
    EntityMatchQuery,
    EntityMatchResponse,
    ErrorResponse,
    SearchResponse,
)
from supplyscreen.cases.accounts import Principal
from supplyscreen.cases.evidence import mentions_of
from supplyscreen.names.matcher import MATCH_THRESHOLD

#: yente's limits: results per query and per search page, and the deepest search offset
MAX_RESULTS = 500
MAX_OFFSET = 9499

router = APIRouter(tags=["Matching"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid query"},
    401: {"model": ErrorResponse, "description": "No or invalid API key"},
    404: {"model": ErrorResponse, "description": "Unknown dataset or entity"},
    422: {"model": ErrorResponse, "description": "Invalid request body"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded"},
}
Datasets = Annotated[list[str], Query(description="Only results on these datasets (list codes)")]
NoDatasets = Annotated[list[str], Query(description="No results on these datasets alone")]
NoSchemas = Annotated[list[str], Query(description="No results of these schemas")]
Topics = Annotated[list[str], Query(description="Only results with one of these topics (sanction …)")]
ChangedSince = Annotated[str | None, Query(description="Only entities changed since this date (last_change)")]
Fuzzy = Annotated[bool, Query(description="Accepted for yente clients: names are always compared fuzzily")]
DatasetPath = Annotated[str, Path(description="`default` (every list) or a list code from /catalog")]


@router.post("/match/{dataset}", response_model=EntityMatchResponse, responses=ERRORS)
async def match(
    request: Request,
    body: EntityMatchQuery,
    dataset: DatasetPath,
    principal: Annotated[Principal, Depends(viewer)],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS, description="Results per query")] = 5,
    threshold: Annotated[float, Query(ge=0.0, le=1.0, description="Score from which a result is a match")] = (
        MATCH_THRESHOLD
    ),
    cutoff: Annotated[float, Query(ge=0.0, le=1.0, description="Lowest score returned")] = 0.5,
    algorithm: Annotated[str, Query(description=f"{ALGORITHM}, or one of yente's names for it")] = "best",
    include_dataset: Datasets = [],  # noqa: B006 - FastAPI copies defaults
    exclude_dataset: NoDatasets = [],  # noqa: B006
    exclude_schema: NoSchemas = [],  # noqa: B006
    exclude_entity_ids: Annotated[
        list[str], Query(max_length=50, description="Entities (ids or referents) never returned")
    ] = [],  # noqa: B006
    topics: Topics = [],  # noqa: B006
    changed_since: ChangedSince = None,
    fuzzy: Fuzzy = False,
) -> JSONResponse:
    """Match entities (yente's request and response shapes): each query's names, countries, identifiers
    and birth date against the lists of ``dataset``, with yente's filters."""
    state = state_of(request)
    check_algorithm(algorithm)
    check_dataset(state, dataset)
    if not body.queries:
        raise HTTPException(400, "No queries provided.")
    for key in body.config:
        raise HTTPException(400, f"Invalid configuration parameter: {key} for algorithm {ALGORITHM}")
    for key in body.weights:
        raise HTTPException(400, f"Invalid weight: {key}; the features of {ALGORITHM} are fixed")
    filters = result_filter(
        datasets(state),
        dataset,
        include_dataset=include_dataset,
        exclude_dataset=exclude_dataset,
        exclude_schema=exclude_schema,
        exclude_entity_ids=exclude_entity_ids,
        topics=topics,
        changed_since=changed_since,
    )
    schemas = {qid: our_schema(example.schema_) for qid, example in body.queries.items()}  # 400 first
    cutoff = min(cutoff, threshold)
    # the matching is CPU work: done in a worker thread, so the event loop keeps answering the
    # other requests (health checks, admission control's 503s) meanwhile
    return await off_the_loop(
        _match, state, body, schemas, dataset, principal, limit, threshold, cutoff, filters
    )


def _match(
    state: Any,
    body: EntityMatchQuery,
    schemas: dict[str, str | None],
    dataset: str,
    principal: Principal,
    limit: int,
    threshold: float,
    cutoff: float,
    filters: Any,
) -> JSONResponse:
    responses: dict[str, Any] = {}
    audit: dict[str, Any] = {}
    for qid, example in body.queries.items():
        found = match_properties(
            state,
            schemas[qid],
            example.properties,
            dataset=dataset,
            limit=limit,
            threshold=threshold,
            cutoff=cutoff,
            filters=filters,
        )
        results = [scored_json(s, threshold) for s in found]
        matches = sum(1 for r in results if r["match"])
        responses[qid] = {
            "status": 200,
            "results": results,
            "total": {"value": matches, "relation": "eq"},
            "query": normalised_query(example),
        }
        audit[qid] = {
            "schema": example.schema_,
            "names": [str(v) for v in _as_list(example.properties.get("name"))][:3],
            "results": [r["id"] for r in results[:3]],
            "matches": matches,
        }
    if state.settings.audit_matches:
        state.audit.submit(
            "match", principal.name, {"dataset": dataset, "queries": audit}, state.list_version
        )
    return JSONResponse(
        {"responses": responses, "matcher": MATCHER_DOCS, "limit": limit},
        headers={"x-batch-size": str(len(responses))},
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


@router.get("/search/{dataset}", response_model=SearchResponse, responses=ERRORS)
async def search(
    request: Request,
    dataset: DatasetPath,
    principal: Annotated[Principal, Depends(viewer)],
    q: Annotated[str, Query(max_length=1000, description="Name to look for")] = "",
    schema: Annotated[str | None, Query(description="Only this schema (Company, Person …)")] = None,
    countries: Annotated[list[str], Query(description="Only entries of these countries")] = [],  # noqa: B006
    topics: Topics = [],  # noqa: B006
    datasets_: Annotated[list[str], Query(alias="datasets", description="Same as include_dataset")] = [],  # noqa: B006
    include_dataset: Datasets = [],  # noqa: B006
    exclude_dataset: NoDatasets = [],  # noqa: B006
    exclude_schema: NoSchemas = [],  # noqa: B006
    target: Annotated[bool | None, Query(description="Only targets (true) or only non-targets")] = None,
    changed_since: ChangedSince = None,
    fuzzy: Fuzzy = False,
    simple: Annotated[bool, Query(description="Accepted for yente clients: q is always plain text")] = False,
    filter_op: Annotated[str, Query(description="OR: one of the countries/topics; AND: all")] = "OR",
    facets_: Annotated[
        list[str], Query(alias="facets", description="countries, topics, datasets, schema")
    ] = [],  # noqa: B006
    sort: Annotated[list[str], Query(description="Not supported: answered with 400")] = [],  # noqa: B006
    filter_: Annotated[list[str], Query(alias="filter", description="Not supported: answered with 400")] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=0, le=MAX_RESULTS)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JSONResponse:
    """Entries whose names resemble ``q``, best first (without ``q``: every entry, in list order),
    with yente's filters and facets."""
    state = state_of(request)
    check_dataset(state, dataset)
    for name, given in (("sort", sort), ("filter", filter_)):
        if given:
            raise HTTPException(400, f"{name} is not supported (docs/api.md); leave it out")
    unknown = [f for f in facets_ if f not in FACETS]
    if unknown:
        raise HTTPException(400, f"unknown facet {unknown[0]!r}; use {', '.join(FACETS)}")
    filters = result_filter(
        datasets(state),
        dataset,
        include_dataset=[*include_dataset, *datasets_],
        exclude_dataset=exclude_dataset,
        exclude_schema=exclude_schema,
        topics=topics,
        countries=countries,
        target=target,
        changed_since=changed_since,
        filter_op=filter_op,
    )
    ours = our_schema(schema)
    if not q.strip():  # yente lists the entries without a query
        listed = [e for e in state.summaries() if filters.accepts(e) and _of_schema(e, ours)]
        page = [state.entity_ftm(e["id"]) for e in listed[offset : offset + limit]]
        results = [public_entity(e) for e in page if e is not None]
        counted = facets(listed, facets_)
    else:
        found = await off_the_loop(
            lambda: match_properties(
                state,
                ours,
                {"name": [q]},
                dataset=dataset,
                limit=min(MAX_RESULTS, offset + limit),
                threshold=MATCH_THRESHOLD,
                cutoff=0.3,
                filters=filters,
            )
        )
        listed = [public_entity(s.entity) for s in found]
        results, counted = listed[offset : offset + limit], facets(listed, facets_)
    return JSONResponse(
        {
            "results": results,
            "facets": counted,
            "total": {"value": len(listed), "relation": "eq"},
            "limit": limit,
            "offset": offset,
        }
    )


def _of_schema(entity: dict[str, Any], schema: str | None) -> bool:
    """Whether a listed entity is of the schema asked for (LegalEntity: anything but a vessel or
    an aircraft)."""
    if schema is None:
        return True
    if schema == "LegalEntity":
        return entity["schema"] not in ("Vessel", "Airplane")
    return bool(entity["schema"] == schema)


@router.get("/entities/{entity_id}", response_model=EntityDetailResponse, responses=ERRORS)
async def entity(
    request: Request,
    entity_id: Annotated[str, Path(max_length=300)],
    principal: Annotated[Principal, Depends(viewer)],
    nested: Annotated[bool, Query(description="Include the entity's sanctions and relations")] = True,
) -> Response:
    """One entity as FollowTheMoney JSON, its list memberships nested as ``properties.sanctions``;
    an id it was known by before (a referent) redirects to it with 308. ``mentioned_in`` lists the
    documents kept as evidence that mention it (`supplyscreen evidence add`): information beside a
    hit, never a flag."""
    found = _found(request, entity_id)
    if found["id"] != entity_id:
        return RedirectResponse(request.url_for("entity", entity_id=found["id"]).path, status_code=308)
    state = state_of(request)
    mentions = await run_in_threadpool(mentions_of, state.cases.db, state.links().key(entity_id))
    return JSONResponse(entity_json(found, nested, state.entity_ftm, mentioned_in_json(mentions)))


@router.get("/entities/{entity_id}/adjacent", responses=ERRORS)
async def adjacent(
    request: Request,
    entity_id: Annotated[str, Path(max_length=300)],
    principal: Annotated[Principal, Depends(viewer)],
    limit: Annotated[int, Query(ge=1, le=MAX_RESULTS)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """The entity and what is attached to it, by property: its sanctions, ownerships and other links
    (yente's shape: each property a page of results)."""
    found = _found(request, entity_id)
    if found["id"] != entity_id:
        return RedirectResponse(request.url_for("adjacent", entity_id=found["id"]).path, status_code=308)
    return JSONResponse(adjacent_json(found, limit, offset))


def _found(request: Request, entity_id: str) -> dict[str, Any]:
    """The entity ``entity_id`` names: its id, its list key or a referent (``api.ids``); 404."""
    found = state_of(request).entity_ftm(entity_id)
    if found is None:
        raise HTTPException(404, f"no entity {entity_id!r} in the active lists")
    return found


@router.get("/algorithms", response_model=AlgorithmResponse, responses=ERRORS)
async def algorithms(principal: Annotated[Principal, Depends(viewer)]) -> dict[str, Any]:
    """The scoring algorithm (one: yente's names are answered by it) and its features."""
    docs = {
        "name": ALGORITHM,
        "description": MATCHER_DOCS["description"],
        "config": {},  # nothing to set: a request's config is refused (400)
        "features": MATCHER_DOCS["features"],
    }
    return {"algorithms": [{**MATCHER_DOCS, "docs": docs}], "default": ALGORITHM, "best": ALGORITHM}


@router.get("/catalog", response_model=CatalogResponse, responses=ERRORS)
async def catalog(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> Response:
    """The datasets: ``default`` and ``sanctions`` (every list) and each list of the active snapshot.
    It carries an ETag of the list version; a request with that ETag in ``If-None-Match`` gets 304."""
    state = state_of(request)
    version = state.list_version
    etag = f'"{version}"'
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
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
    body = {"datasets": out, "current": [d["name"] for d in out], "outdated": [], "index_stale": False}
    return JSONResponse(body, headers={"ETag": etag})


@router.get("/manifest", response_model=CatalogResponse, responses=ERRORS, include_in_schema=False)
async def manifest(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> Response:
    """yente's older name of ``/catalog``."""
    return await catalog(request, principal)
