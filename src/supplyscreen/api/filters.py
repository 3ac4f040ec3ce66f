"""yente's result filters and names for ``/match`` and ``/search``: which entities a query may return.

A yente client narrows results with ``include_dataset``, ``exclude_dataset``, ``exclude_schema``,
``exclude_entity_ids``, ``topics`` (and, on ``/search``, ``countries`` and ``target``). Each is applied
here to the candidates the matcher found, so that a filter is never ignored: a parameter this
service cannot honour is refused with 400 naming it. ``changed_since`` reads each entity's
``last_change`` (``store.history``). yente's algorithm names are accepted and answered by supplyscreen's one
matcher, whose name the response reports (``docs/api.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

#: yente's form of ``changed_since``: a date, with an hour, minutes and seconds if wanted
CHANGED_SINCE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$")
#: The collections that hold every loaded list: supplyscreen's ``default`` and OpenSanctions' name
COLLECTIONS = ("default", "sanctions")
#: yente's algorithm names (yente 5.5), each answered by supplyscreen's matcher
YENTE_ALGORITHMS = (
    "logic-v2",
    "logic-v1",
    "name-based",
    "name-qualified",
    "ofac",
    "ofac-249",
    "regression-v1",
    "regression-v2",
)


@dataclass(frozen=True, slots=True)
class ResultFilter:
    """What a result must be: a list in ``datasets`` (None: any), not a schema of ``exclude_schemas``,
    not one of ``exclude_ids`` (an id or a referent), a topic of ``topics`` and a country of
    ``countries`` when given, and ``target`` when it is not None."""

    datasets: frozenset[str] | None = None
    exclude_schemas: frozenset[str] = frozenset()
    exclude_ids: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    target: bool | None = None
    every: bool = False  # filter_op AND: every topic and country asked for, not one of them
    changed_since: str | None = None  # only entities whose last_change is this or later

    @property
    def active(self) -> bool:
        return bool(
            self.datasets is not None
            or self.exclude_schemas
            or self.exclude_ids
            or self.topics
            or self.countries
            or self.target is not None
            or self.changed_since is not None
        )

    def accepts(self, entity: dict[str, Any]) -> bool:
        """Whether the FtM entity passes every filter."""
        if self.datasets is not None and not self.datasets.intersection(entity.get("datasets", ())):
            return False
        if entity.get("schema") in self.exclude_schemas:
            return False
        if self.exclude_ids and (
            entity.get("id") in self.exclude_ids or self.exclude_ids.intersection(entity.get("referents", ()))
        ):
            return False
        properties = entity.get("properties", {})
        for wanted, prop in ((self.topics, "topics"), (self.countries, "country")):
            have = properties.get(prop, ())
            if wanted and not (wanted.issubset(have) if self.every else wanted.intersection(have)):
                return False
        if self.changed_since is not None and (entity.get("last_change") or "") < self.changed_since:
            return False
        return self.target is None or bool(entity.get("target")) == self.target


def result_filter(
    known: Iterable[str],
    dataset: str,
    *,
    include_dataset: list[str] | None = None,
    exclude_dataset: list[str] | None = None,
    exclude_schema: list[str] | None = None,
    exclude_entity_ids: list[str] | None = None,
    topics: list[str] | None = None,
    countries: list[str] | None = None,
    target: bool | None = None,
    changed_since: str | None = None,
    filter_op: str = "OR",
) -> ResultFilter:
    """The filter for a request on ``dataset`` (a collection or a list code of ``known``); 400 for a
    dataset name that is not loaded, or a filter this service cannot apply."""
    if changed_since is not None and not CHANGED_SINCE.match(changed_since):
        raise HTTPException(
            400, f"changed_since must be a date or date and time (2024-05-30T06:40), not {changed_since!r}"
        )
    if filter_op.upper() not in ("OR", "AND"):
        raise HTTPException(400, f"filter_op must be OR or AND, not {filter_op!r}")
    names = set(known)
    unknown = [name for name in [*(include_dataset or ()), *(exclude_dataset or ())] if name not in names]
    if unknown:
        raise HTTPException(400, f"unknown dataset {unknown[0]!r} in include_dataset/exclude_dataset")
    scope: set[str] | None = None if dataset in COLLECTIONS else {dataset}
    lists = names - set(COLLECTIONS)
    if include_dataset:
        wanted = _expand(include_dataset, lists)
        scope = wanted if scope is None else scope & wanted
    if exclude_dataset:
        scope = (set(lists) if scope is None else scope) - _expand(exclude_dataset, lists)
    return ResultFilter(
        datasets=None if scope is None else frozenset(scope),
        exclude_schemas=frozenset(exclude_schema or ()),
        exclude_ids=frozenset(exclude_entity_ids or ()),
        topics=frozenset(topics or ()),
        countries=frozenset(c.lower() for c in countries or () if c),
        target=target,
        every=filter_op.upper() == "AND",
        changed_since=changed_since,
    )


def _expand(names: Iterable[str], lists: set[str]) -> set[str]:
    """List codes of dataset names: a collection stands for every list."""
    out: set[str] = set()
    for name in names:
        out |= lists if name in COLLECTIONS else {name}
    return out
