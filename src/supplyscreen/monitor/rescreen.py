"""Screening a monitor's vendor master: in full, or again after a list update, only where it can change.

A row's :class:`RowState` is what a monitor keeps of its screening: the row's risk, its name hits
(entity, source records, match or review level) and the flags of the detectors (covered equipment,
Xinjiang places, sectors), which do not depend on the name lists.

:func:`incremental` re-screens after a list update. The entities the update added or changed are
indexed on their own and every distinct name of the master is matched against that small index,
with the whole lists' word weights and word knowledge, so a name scores against them as it would
against the whole lists. The names that hit one of them, and those whose earlier hits lie on a
record the update changed or removed, are matched again against the whole lists (which also puts
them in the right order among the rest). Detector flags are kept as they were unless the
detectors' data changed (then the caller screens in full). :func:`full` is the reference the
incremental result equals (tests/monitor, ``benchmarks/monitor.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from supplyscreen.model import Entity, Flag, Hit, Record
from supplyscreen.names.index import NameIndex
from supplyscreen.names.matcher import Matcher
from supplyscreen.screen.engine import HIT_LIMIT, RecordScreener, screening_settings
from supplyscreen.store.changelog import RecordChange
from supplyscreen.store.linkage import source_of

NameKey = tuple[str, str | None]


@dataclass(slots=True)
class HitState:
    """One name hit of a row, as a monitor keeps it."""

    entity_id: str
    caption: str
    source_ids: list[str]
    lists: list[str]
    level: str  # match or review
    score: float

    @classmethod
    def of(cls, hit: Hit) -> HitState:
        return cls(
            hit.entity_id,
            hit.caption,
            list(hit.source_ids),
            list(hit.lists),
            "match" if hit.match else "review",
            round(hit.score, 4),
        )

    @property
    def sources(self) -> list[str]:
        """The sources of the hit's records (``us_ofac_nonsdn`` …), in order."""
        return list(dict.fromkeys(source_of(s) for s in self.source_ids))

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "caption": self.caption,
            "source_ids": self.source_ids,
            "lists": self.lists,
            "level": self.level,
            "score": self.score,
        }


@dataclass(slots=True)
class RowState:
    """What a monitor keeps of one row's screening."""

    risk: str
    hits: list[HitState] = field(default_factory=list)
    detected: list[dict[str, Any]] = field(default_factory=list)  # the detectors' flags, as dicts
    flags: list[str] = field(default_factory=list)  # every flag code of the row, sorted

    def to_json(self) -> str:
        return json.dumps(
            {
                "risk": self.risk,
                "hits": [h.to_dict() for h in self.hits],
                "detected": self.detected,
                "flags": self.flags,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> RowState:
        data = json.loads(text)
        return cls(
            data["risk"],
            [HitState(**h) for h in data.get("hits", ())],
            data.get("detected", []),
            data["flags"],
        )

    def outcome(self) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]:
        """What two screenings are compared on: risk, hits (entity and level), flag codes."""
        return self.risk, tuple(sorted((h.entity_id, h.level) for h in self.hits)), tuple(self.flags)


def detector_fingerprint(rules: Iterable[Any] = ()) -> str:
    """What the detectors' flags depend on besides the row: their data files shipped in the package
    and the snapshot's category rules. A monitor re-runs the detectors when it changes."""
    digest = hashlib.sha256()
    found: list[tuple[str, bytes]] = []
    for folder in ("data/detect", "data/curated"):
        found.extend(_files(resources.files("supplyscreen").joinpath(folder), folder))
    for item in sorted(found, key=lambda t: t[0]):
        digest.update(item[0].encode())
        digest.update(item[1])
    for rule in rules:
        digest.update(json.dumps(rule.to_dict(), sort_keys=True).encode())
    return digest.hexdigest()


def _files(root: Any, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    for item in root.iterdir():
        name = f"{prefix}/{item.name}"
        if item.is_dir():
            yield from _files(item, name)
        else:
            yield name, item.read_bytes()


def _state(engine: RecordScreener, record: Record, detected: list[Flag]) -> RowState:
    name_flags, hits = engine.name_flags(record)
    result = engine.assemble(record, name_flags, hits, detected)
    return RowState(
        result.risk,
        [HitState.of(h) for h in hits],
        [f.to_dict() for f in detected],
        sorted(set(result.flag_codes)),
    )


def full(screener: Any, records: Iterable[Record]) -> list[RowState]:
    """Every row screened against the whole lists, in order."""
    engine = RecordScreener(screener, decisions=False)
    with screening_settings():
        return [_state(engine, r, engine.detections(r)) for r in records]


@dataclass(slots=True)
class IncrementalStats:
    """What an incremental re-screen did, for the run's record and the benchmark."""

    changed_records: int = 0
    delta_entities: int = 0
    names: int = 0
    rematched: int = 0
    rows_rescreened: int = 0


def incremental(
    screener: Any,
    records: Sequence[Record],
    before: Sequence[RowState | None],
    changes: Iterable[RecordChange],
    stats: IncrementalStats | None = None,
) -> list[RowState]:
    """The rows' states after the list ``changes``, from their states ``before`` (in the same order;
    see the module docstring); a row without a state before is screened in full."""
    stats = stats if stats is not None else IncrementalStats()
    touched = {c.source_id for c in changes}
    stats.changed_records = len(touched)
    engine = RecordScreener(screener, decisions=False)
    keys: dict[NameKey, None] = {}
    for record in records:
        key = engine.name_key(record)
        if key is not None:
            keys[key] = None
    stats.names = len(keys)
    again: set[NameKey] = set()
    # names whose hits lie on a changed or removed record
    for record, state in zip(records, before, strict=True):
        key = engine.name_key(record)
        if (
            key is not None
            and state is not None
            and any(touched.intersection(h.source_ids) for h in state.hits)
        ):
            again.add(key)
    # names that hit an added or changed entity
    entities = _entities_of(screener.store, touched)
    stats.delta_entities = len(entities)
    if entities:
        again.update(_hitting(screener.matcher, entities, [k for k in keys if k not in again]))
    stats.rematched = len(again)
    after: list[RowState] = []
    with screening_settings():
        for record, state in zip(records, before, strict=True):
            key = engine.name_key(record)
            if state is None:
                after.append(_state(engine, record, engine.detections(record)))
                stats.rows_rescreened += 1
            elif key is not None and key in again:
                detected = [Flag(**d) for d in state.detected]
                after.append(_state(engine, record, detected))
                stats.rows_rescreened += 1
            else:
                after.append(state)
    return after


def _entities_of(store: Any, source_ids: Iterable[str]) -> list[Entity]:
    """The active snapshot's entities holding any of these source records (added or changed ones;
    a removed record is in none)."""
    found: dict[str, Entity] = {}
    for sid in source_ids:
        try:
            entity = store.get(sid)
        except Exception:  # noqa: BLE001 - a removed record: no entity holds it now
            continue
        found.setdefault(entity.id, entity)
    return list(found.values())


def _hitting(whole: Matcher, entities: list[Entity], keys: Iterable[NameKey]) -> set[NameKey]:
    """The name keys that hit (review level or above) one of ``entities``, matched against an index
    of those entities alone, scored with the whole lists' word weights and word knowledge."""
    delta = NameIndex.build(entities, whole.index.version + "+delta")
    delta.idf, delta.default_idf = whole.index.idf, whole.index.default_idf
    delta.legal_words = whole.index.legal_words
    delta.common_org, delta.common_person = whole.index.common_org, whole.index.common_person
    matcher = Matcher(delta, whole.match_threshold, whole.review_threshold, words=whole.index)
    out: set[NameKey] = set()
    for key in keys:
        hits = matcher.match(key[0], country=key[1], limit=HIT_LIMIT)
        if any(h.match or h.review for h in hits):
            out.add(key)
    return out
