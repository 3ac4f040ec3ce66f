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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast

from supplyscreen.model import Entity, Flag, Hit, Record
from supplyscreen.monitor.names import MasterNames
from supplyscreen.names.matcher import Matcher, QueryForm
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


def full(
    screener: Any, records: Iterable[Record], forms: dict[NameKey, list[QueryForm]] | None = None
) -> list[RowState]:
    """Every row screened against the whole lists, in order; ``forms`` receives the forms each
    distinct name was compared by, for :func:`incremental` to use again."""
    engine = RecordScreener(screener, decisions=False)
    out: list[RowState] = []
    with screening_settings():
        for record in records:
            key = engine.name_key(record)
            if forms is not None and key is not None and not engine.knows(key):
                found: list[QueryForm] = []
                engine.match_key(key, forms_out=found)
                forms[key] = found
            out.append(_state(engine, record, engine.detections(record)))
    return out


@dataclass(slots=True)
class IncrementalStats:
    """What an incremental re-screen did, for the run's record and the benchmark."""

    changed_records: int = 0
    delta_entities: int = 0
    names: int = 0
    rematched: int = 0
    rows_rescreened: int = 0


def master_names(
    records: Sequence[Record],
    states: Sequence[RowState | None],
    forms: dict[NameKey, list[QueryForm]] | None = None,
) -> MasterNames:
    """What a monitor keeps of its master's names (``monitor.names``): with the ``forms`` a full
    screening filled, or without (when the kept tables are missing: :func:`affected` reads the
    names again)."""
    hits = ((p, [sid for h in s.hits for sid in h.source_ids]) for p, s in enumerate(states) if s and s.hits)
    return MasterNames.build(_name_keys(records), forms or {}, hits)


def incremental(
    screener: Any,
    records: Sequence[Record],
    before: Sequence[RowState | None],
    changes: Iterable[RecordChange],
    stats: IncrementalStats | None = None,
    names: MasterNames | None = None,
) -> list[RowState]:
    """The rows' states after the list ``changes``, from their states ``before`` (in the same order;
    see the module docstring); a row without a state before is screened in full. ``names``: what
    the monitor keeps of the master's names (:func:`master_names`; made here, slowly, without it),
    brought up to date with the rows screened again."""
    stats = stats if stats is not None else IncrementalStats()
    if names is None:
        names = master_names(records, before)
    positions = affected(screener, names, changes, stats)
    positions.update(p for p, state in enumerate(before) if state is None)
    fresh = rescreen_at(screener, names, sorted(positions), records.__getitem__, before.__getitem__, stats)
    after: list[RowState | None] = list(before)
    for p, state in fresh.items():
        after[p] = state
    return cast(list[RowState], after)  # every row has its state now


def affected(
    screener: Any, names: MasterNames, changes: Iterable[RecordChange], stats: IncrementalStats
) -> set[int]:
    """The rows the list ``changes`` can affect: those bearing a name that hits an added or changed
    entity, or whose hits lie on a changed or removed record (their positions in ``names``)."""
    missing = [key for key in names.rows if key not in names.forms]
    if missing:  # names never read with these lists' word knowledge: read them now
        words = screener.matcher
        for key in missing:
            names.add_forms(key, words.query_forms(key[0]))
    touched = {c.source_id for c in changes}
    stats.changed_records = len(touched)
    stats.names = len(names.rows)
    again: set[NameKey] = {k for p in names.rows_hitting(touched) if (k := names.row_keys[p]) is not None}
    entities = _entities_of(screener.store, touched)
    stats.delta_entities = len(entities)
    if entities:
        again.update(_hitting(screener.matcher, entities, names, exclude=again))
    stats.rematched = len(again)
    return {p for key in again for p in names.rows.get(key, ())}


def rescreen_at(
    screener: Any,
    names: MasterNames,
    positions: Iterable[int],
    record_at: Callable[[int], Record],
    state_at: Callable[[int], RowState | None],
    stats: IncrementalStats,
) -> dict[int, RowState]:
    """These rows screened again (a row without a state before in full, the others by name, their
    detector flags kept), ``names`` brought up to date: {position: state}."""
    engine = RecordScreener(screener, decisions=False)
    out: dict[int, RowState] = {}
    with screening_settings():
        for p in positions:
            record, state = record_at(p), state_at(p)
            row_key = names.row_keys[p]
            if row_key is not None and not engine.knows(row_key):  # matched once per name, forms kept
                found: list[QueryForm] = []
                engine.match_key(row_key, forms_out=found)
                names.add_forms(row_key, found)
            if state is not None:
                names.drop_hits(p, (sid for h in state.hits for sid in h.source_ids))
            detected = engine.detections(record) if state is None else [Flag(**d) for d in state.detected]
            fresh = out[p] = _state(engine, record, detected)
            names.add_hits(p, (sid for h in fresh.hits for sid in h.source_ids))
            stats.rows_rescreened += 1
    return out


def _name_keys(records: Sequence[Record]) -> list[NameKey | None]:
    """Each row's name key (``RecordScreener.name_key``), made once per distinct name and country."""
    made: dict[tuple[str | None, str | None], NameKey | None] = {}
    out: list[NameKey | None] = []
    for record in records:
        pair = (record.name, record.country)
        key = made.get(pair, ())
        if key == ():
            key = made[pair] = RecordScreener.name_key(record)
        out.append(key)  # type: ignore[arg-type]
    return out


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


def _hitting(
    whole: Matcher, entities: list[Entity], names: MasterNames, exclude: set[NameKey]
) -> set[NameKey]:
    """The names that hit (review level or above) one of ``entities``, matched against an index of
    those entities alone (made from the whole lists' index: same forms, word weights and word
    knowledge). Only the names that share a word with them can (``MasterNames.suspects``); of those,
    a name that shares too little to be a candidate is ruled out before it is compared
    (``NameIndex.may_find``)."""
    delta = whole.index.subset(e.id for e in entities)
    matcher = Matcher(delta, whole.match_threshold, whole.review_threshold, words=whole.index)
    memo: dict[Any, Any] = {}
    out: set[NameKey] = set()
    for key in names.suspects(delta) - exclude:
        found = names.forms_of(key)
        if found is None:
            found = whole.query_forms(key[0])
            names.add_forms(key, found)
        if not any(
            delta.may_find(f.query, memo=memo)
            or (f.person is not None and delta.may_find(f.person, person=True, memo=memo))
            for f in found
        ):
            continue
        hits = matcher.match(key[0], country=key[1], limit=HIT_LIMIT, forms=found)
        if any(h.match or h.review for h in hits):
            out.add(key)
    return out
