"""Request and response shapes of the API, as the OpenAPI spec documents them (yente's where it has one)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorResponse(BaseModel):
    detail: str = Field(..., examples=["Detailed error message"])


class EntityExample(BaseModel):
    """One query: a schema and FollowTheMoney properties (``name``, ``country``, ``registrationNumber`` …)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = None
    schema_: str = Field(..., alias="schema", examples=["Company"])
    properties: dict[str, str | list[Any]] = Field(
        default_factory=dict, examples=[{"name": ["Hikvision"], "country": ["cn"]}]
    )


class EntityMatchQuery(BaseModel):
    """``{"queries": {"q1": {"schema": "Company", "properties": {"name": [...]}}}}`` (yente's shape)."""

    queries: dict[str, EntityExample] = Field(..., max_length=100)
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class EntityResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(..., alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str] = Field(default_factory=list)
    referents: list[str] = Field(default_factory=list)
    target: bool = False
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None


class MentionedIn(BaseModel):
    """A document kept as evidence that mentions the entity (`supplyscreen evidence add`):
    information beside a hit, never a flag."""

    evidence_id: int
    title: str
    date: str = Field(..., description="Publication date: YYYY-MM-DD, YYYY-MM or YYYY")
    source: str
    url: str | None = None
    snippet: str = Field(..., description="The sentence that names the entity, as written")
    page: int


class EntityDetailResponse(EntityResponse):
    """``/entities/{id}``: yente's entity, and the documents kept as evidence that mention it."""

    mentioned_in: list[MentionedIn] = Field(default_factory=list)


class FeatureExplanation(BaseModel):
    score: float
    detail: str


class ScoredEntityResponse(EntityResponse):
    score: float
    match: bool
    features: dict[str, float]
    explanations: dict[str, FeatureExplanation] = Field(default_factory=dict)


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: EntityExample


class FeatureDoc(BaseModel):
    description: str
    coefficient: float
    url: str


class MatcherDocs(BaseModel):
    name: str
    description: str
    features: dict[str, FeatureDoc]


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    matcher: MatcherDocs
    limit: int


class SearchResponse(BaseModel):
    results: list[EntityResponse]
    facets: dict[str, Any] = Field(default_factory=dict)
    total: TotalSpec
    limit: int
    offset: int = 0


class AlgorithmDocs(BaseModel):
    name: str
    description: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    features: dict[str, FeatureDoc]


class AlgorithmModel(MatcherDocs):
    docs: AlgorithmDocs


class AlgorithmResponse(BaseModel):
    algorithms: list[AlgorithmModel]
    default: str
    best: str


class DatasetModel(BaseModel):
    name: str
    title: str
    summary: str | None = None
    url: str | None = None
    load: bool = True
    entities_url: str | None = None
    version: str
    index_version: str | None = None
    index_current: bool = True
    children: list[str] = Field(default_factory=list)
    entity_count: int = 0


class CatalogResponse(BaseModel):
    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str] = Field(default_factory=list)
    index_stale: bool = False


class ScreenRecordsRequest(BaseModel):
    """Records to screen, each with any of the keys id, name, address, country, description, hs_code,
    amount, currency, funding, date (other keys are kept as given)."""

    records: list[dict[str, Any]] = Field(
        ...,
        max_length=1000,
        examples=[[{"id": "PO-1", "name": "Hikvision", "description": "DS-2CD2143G0-I camera"}]],
    )


class ScreenRecordsResponse(BaseModel):
    results: list[dict[str, Any]]
    list_snapshot: str
    risks: dict[str, int]


class DecisionRequest(BaseModel):
    """A reviewer's decision on a hit: the input name (or identifier) and the list entity it hit."""

    entity_id: str = Field(..., min_length=1, max_length=200)
    status: str = Field(..., pattern="^(confirmed|false_positive)$")
    name: str | None = Field(None, max_length=1000)
    identifier: str | None = Field(None, max_length=200)
    comment: str = Field("", max_length=4000)
    job_id: str | None = Field(None, max_length=64)
    row: int | None = Field(None, ge=0, le=2**31 - 1)


class JobResponse(BaseModel):
    id: str
    user: str
    filename: str
    status: str
    rows_done: int
    created: str
    finished: str | None
    list_version: str
    summary: dict[str, Any]
    error: str | None
    links: dict[str, str] = Field(default_factory=dict)
