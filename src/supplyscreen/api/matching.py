"""Matching for the yente-style and reconciliation endpoints: FtM query properties in, scored hits out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from fastapi import HTTPException

from supplyscreen.api.filters import COLLECTIONS, YENTE_ALGORITHMS, ResultFilter
from supplyscreen.api.service import ServiceState
from supplyscreen.countries import country_code
from supplyscreen.listcodes import list_info
from supplyscreen.model import SCHEMAS, Hit, ftm_schema
from supplyscreen.names.matcher import MATCH_THRESHOLD, MAX_LIMIT

ALGORITHM = "supplyscreen-v1"
ALGORITHM_ALIASES = frozenset({ALGORITHM, "best", "default", *YENTE_ALGORITHMS})
DEFAULT_DATASET = "default"
NAME_PROPS = ("name", "alias", "previousName")
COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "mainCountry", "citizenship")
IDENTIFIER_PROPS = (
    "registrationNumber",
    "idNumber",
    "taxNumber",
    "leiCode",
    "innCode",
    "ogrnCode",
    "swiftBic",
    "imoNumber",
    "uscCode",
    "unifiedSocialCreditCode",
    "vatCode",
    "dunsCode",
    "okpoCode",
    "passportNumber",
)
MATCHER_DOCS: dict[str, Any] = {
    "name": ALGORITHM,
    "description": (
        "supplyscreen's name matcher: names normalised across scripts (Chinese to pinyin syllables, legal "
        "forms in English and Chinese folded), candidates by rare tokens and n-grams, a weighted token "
        f"score with edit distance; a match from {MATCH_THRESHOLD}. Country and birth year lower the score "
        "when they disagree with the entry; an identical identifier is a full match."
    ),
    "features": {
        "name_match": {
            "description": "How well the best query name agrees with the best entry name (0-1).",
            "coefficient": 1.0,
            "url": "https://github.com/supplyscreen/supplyscreen/blob/main/src/supplyscreen/names/score.py",
        },
        "identifier_match": {
            "description": "An identifier of the query equals one of the entry's.",
            "coefficient": 1.0,
            "url": "https://github.com/supplyscreen/supplyscreen/blob/main/src/supplyscreen/names/matcher.py",
        },
        "country_mismatch": {
            "description": "The query's country is not among the entry's (score multiplied by 0.9).",
            "coefficient": -0.1,
            "url": "https://github.com/supplyscreen/supplyscreen/blob/main/src/supplyscreen/names/matcher.py",
        },
        "dob_year_mismatch": {
            "description": "The query's birth year is not the listed one (score multiplied by 0.75).",
            "coefficient": -0.25,
            "url": "https://github.com/supplyscreen/supplyscreen/blob/main/src/supplyscreen/names/matcher.py",
        },
    },
}


#: Threads that match at once, per process; the others wait their turn in arrival order. The matcher
#: is used by one thread at a time (it keeps per-query state); a few threads let some write their
#: answers while one matches, where 40 (anyio's default) left 64 connections' requests waiting on its
#: lock in no order: p99 375 ms against 101 ms with 4 (``docs/benchmarks.md``).
MATCHING = anyio.CapacityLimiter(4)
T = TypeVar("T")


async def off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in a matching thread, so the event loop keeps answering other requests (health
    checks, admission control's 503s) meanwhile; requests wait their turn in arrival order."""
    return await anyio.to_thread.run_sync(work, *args, limiter=MATCHING)


def check_algorithm(name: str) -> None:
    """400 for an algorithm name that is neither supplyscreen's nor one of yente's (which
    supplyscreen's matcher answers; the response's ``matcher`` names it)."""
    if name not in ALGORITHM_ALIASES:
        names = ", ".join(("best", "default", *YENTE_ALGORITHMS))
        raise HTTPException(400, f"unknown algorithm {name!r}; use {ALGORITHM} (or {names})")


def datasets(state: ServiceState) -> dict[str, dict[str, Any]]:
    """``default`` and one dataset per list code in the active snapshot, with titles and counts."""
    cached: dict[str, dict[str, Any]] | None = state.memo.get("datasets")
    if cached is not None:
        return cached
    rows = state.screener.store.status()
    lists: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = lists.setdefault(
            row.list_code,
            {"title": list_info(row.list_code).title, "entities": 0, "url": list_info(row.list_code).url},
        )
        entry["entities"] += row.entities
    total = sum(v["entities"] for v in lists.values())
    everything = {"entities": total, "url": None, "children": list(lists)}
    found = {
        DEFAULT_DATASET: {"title": "All loaded lists", **everything},
        "sanctions": {"title": "All loaded lists (OpenSanctions' collection name)", **everything},
        **{code: {**v, "children": []} for code, v in lists.items()},
    }
    state.memo["datasets"] = found
    return found


def check_dataset(state: ServiceState, dataset: str) -> None:
    if dataset not in datasets(state):
        raise HTTPException(404, f"no dataset {dataset!r}; GET /catalog lists them")


def values(properties: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The non-empty string values of some properties, in order, without repeats."""
    out: dict[str, None] = {}
    for key in keys:
        raw = properties.get(key)
        for value in raw if isinstance(raw, list) else [raw]:
            if isinstance(value, str | int | float) and str(value).strip():
                out[" ".join(str(value).split())[:500]] = None
    return list(out)


def our_schema(schema: str | None) -> str | None:
    """Our schema for a query's FtM schema (None: any); 400 for a schema that is not matchable."""
    if not schema or schema in ("Thing", "LegalEntity"):
        return None if not schema or schema == "Thing" else "LegalEntity"
    mapped = ftm_schema(schema)
    if mapped is None or mapped not in SCHEMAS:
        raise HTTPException(400, f"cannot match schema {schema!r}; use one of {', '.join(SCHEMAS)} or Thing")
    return mapped


@dataclass(slots=True)
class Scored:
    """A hit with the entity it names, as FollowTheMoney JSON."""

    hit: Hit
    entity: dict[str, Any]


def match_properties(
    state: ServiceState,
    schema: str | None,
    properties: dict[str, Any],
    *,
    dataset: str,
    limit: int,
    threshold: float,
    cutoff: float = 0.0,
    filters: ResultFilter | None = None,
) -> list[Scored]:
    """The best entities for a query's names, countries, identifiers and birth date, best first;
    only those ``filters`` accepts (by default, those of ``dataset``)."""
    names = values(properties, NAME_PROPS)[:5]
    identifiers = values(properties, IDENTIFIER_PROPS)[:10]
    if not names and not identifiers:
        return []
    countries: list[str | None] = []
    for value in values(properties, COUNTRY_PROPS):
        code = country_code(value)
        if code and code not in countries and len(countries) < 3:
            countries.append(code)
    births = values(properties, ("birthDate",))
    if filters is None:
        filters = ResultFilter(datasets=None if dataset in COLLECTIONS else frozenset({dataset}))
    # results a filter drops leave room for others: more candidates are scored then
    fetch = min(MAX_LIMIT, max(limit * 5, 50) if filters.active else limit)
    best: dict[str, Hit] = {}
    for name in names or [""]:
        for country in countries or [None]:
            hits = state.match(
                name,
                schema=schema,
                country=country,
                limit=fetch,
                birth_date=births[0] if births else None,
                identifiers=identifiers or None,
                threshold=threshold,
            )
            for hit in hits:
                if hit.entity_id not in best or hit.score > best[hit.entity_id].score:
                    best[hit.entity_id] = hit
    out: list[Scored] = []
    for hit in sorted(best.values(), key=lambda h: (-h.score, h.entity_id)):
        if hit.score < cutoff:
            continue
        entity = state.entity_ftm(hit.entity_id)
        if entity is None or not filters.accepts(entity):
            continue
        out.append(Scored(hit, entity))
        if len(out) >= limit:
            break
    return out


def public_entity(entity: dict[str, Any]) -> dict[str, Any]:
    """The cached FtM entity without its private parts."""
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def features(hit: Hit) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """yente-style features and their explanations, read from the hit's score and explanation."""
    text = hit.explanation
    feats = {"name_match": hit.score}
    explained: dict[str, dict[str, Any]] = {"name_match": {"score": hit.score, "detail": text}}
    checks = (
        ("identifier_match", "identical registration number", 1.0),
        ("country_mismatch", "not among the entry's", 1.0),
        ("dob_year_mismatch", "not the listed", 1.0),
    )
    for name, marker, value in checks:
        if marker in text:
            feats[name] = value
            detail = next((part for part in text.split("; ") if marker in part), marker)
            explained[name] = {"score": value, "detail": detail}
    return feats, explained


def scored_json(scored: Scored, threshold: float) -> dict[str, Any]:
    """One yente ``ScoredEntityResponse``: a match is a score from ``threshold`` on, as in yente."""
    feats, explained = features(scored.hit)
    return {
        **public_entity(scored.entity),
        "score": scored.hit.score,
        "match": scored.hit.score >= threshold,
        "features": feats,
        "explanations": explained,
    }
