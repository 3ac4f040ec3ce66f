"""Screen records: names through the matcher, text through the detectors, both cached.

Purchase files repeat vendors and item descriptions, so each distinct name is matched once and
each distinct combination of the fields the detectors read is scanned once per process. Work is
spread over processes in order-preserving chunks; results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from supplyscreen.detect import (
    covered_equipment_detector,
    high_priority_sector_detector,
    xinjiang_location_detector,
)
from supplyscreen.detect.xinjiang_location import _country as xinjiang_country_code
from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Entity, Flag, Hit, Record, RowResult
from supplyscreen.screen.flags import hit_flags, row_risk

CHUNK = 2000
HIT_LIMIT = 3
_CACHE_SIZE = 200_000


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class _DetectorGate:
    """Runs a detector only on records with a text in which it finds something.

    Most rows of a purchase file flag nothing, and their texts repeat: whether a text holds a
    candidate (a brand, a model number, a place, a sector word) is remembered per distinct text, so
    a clean row costs a few dictionary look-ups instead of three full scans.
    """

    def __init__(self) -> None:
        self.covered = covered_equipment_detector()
        self.xinjiang = xinjiang_location_detector()
        self.sector = high_priority_sector_detector()
        self._seen: _LRU = _LRU(_CACHE_SIZE * 2)

    def _has(self, kind: str, text: str) -> bool:
        key = (kind, text)
        found = self._seen.get(key)
        if found is None:
            if kind == "covered":
                found = bool(self.covered.scan(text))
            elif kind == "xinjiang":
                found = bool(self.xinjiang._candidates("text", text))
            elif kind == "hs":
                found = bool(self.sector.hs_matches(text))
            else:
                found = bool(self.sector.scan(text))
            self._seen.put(key, found)
        return bool(found)

    def detect(self, record: Record) -> list[Flag]:
        flags: list[Flag] = []
        name, description = record.name or "", record.description or ""
        if any(self._has("covered", t) for t in (name, description) if t):
            flags.extend(self.covered.detect(record))
        texts = [t for t in (name, record.address or "", description) if t]
        if record.country and xinjiang_country_code(record.country) is None:
            texts.append(record.country)
        if any(self._has("xinjiang", t) for t in texts):
            flags.extend(self.xinjiang.detect(record))
        if (record.hs_code and self._has("hs", str(record.hs_code))) or (
            description and self._has("sector", description)
        ):
            flags.extend(self.sector.detect(record))
        return flags


class RecordScreener:
    """Screens one record at a time against a :class:`~supplyscreen.screener.Screener`'s lists."""

    def __init__(self, screener: Any) -> None:
        self.screener = screener
        self.snapshot = screener.snapshot_version
        self._names = _LRU(_CACHE_SIZE)
        self._gate = _DetectorGate()
        self._entities: dict[str, Entity | None] = {}

    def entity(self, entity_id: str) -> Entity | None:
        if entity_id not in self._entities:
            try:
                self._entities[entity_id] = self.screener.store.get(entity_id)
            except SupplyscreenError:
                self._entities[entity_id] = None
        return self._entities[entity_id]

    def hits(self, record: Record) -> list[Hit]:
        name = (record.name or "").strip()
        if not name:
            return []
        key = (name, (record.country or "").lower()[:2] or None)
        found = self._names.get(key)
        if found is None:
            country = key[1] if key[1] and len(key[1]) == 2 else None
            found = self.screener.match(name, country=country, limit=HIT_LIMIT)
            self._names.put(key, found)
        return list(found)

    def detections(self, record: Record) -> list[Flag]:
        return self._gate.detect(record)

    def screen(self, record: Record) -> RowResult:
        hits = self.hits(record)
        flags: list[Flag] = []
        for hit in hits:
            flags.extend(hit_flags(record, hit, self.entity(hit.entity_id)))
        if any(f.code == "restricted_party" and f.severity == "high" for f in flags):
            # the name is a listed entity: weaker look-alikes stay in `hits`, not as flags of their own
            flags = [f for f in flags if not (f.code == "restricted_party" and f.severity == "review")]
        flags.extend(self.detections(record))
        flags.sort(key=lambda f: ("high", "review", "info").index(f.severity))
        return RowResult(
            row=record.row,
            record=record,
            risk=row_risk(flags),
            flags=flags,
            hits=[h for h in hits if h.match or h.review],
            list_snapshot=self.snapshot,
        )


_WORKER: RecordScreener | None = None


def _screen_chunk(records: list[Record]) -> list[RowResult]:
    assert _WORKER is not None
    return [_WORKER.screen(r) for r in records]


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def screen_chunks(
    screener: Any, chunks: Iterable[list[Record]], *, workers: int = 1
) -> Iterator[list[RowResult]]:
    """Screen chunks of records, chunk by chunk in input order; ``workers`` > 1 forks that many
    processes (0: one per core), each with the lists already loaded."""
    global _WORKER
    engine = RecordScreener(screener)
    screener.matcher  # load the index before forking so workers share it  # noqa: B018
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield [engine.screen(r) for r in chunk]
        return
    _WORKER = engine
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_screen_chunk, chunks)


def chunked(records: Iterable[Record], size: int = CHUNK) -> Iterator[list[Record]]:
    return _chunks(records, size)


def screen_records(
    screener: Any, records: Iterable[Record], *, workers: int = 1, chunk_size: int = CHUNK
) -> Iterator[RowResult]:
    """Screen many records, in input order (see :func:`screen_chunks`)."""
    for results in screen_chunks(screener, _chunks(records, chunk_size), workers=workers):
        yield from results
