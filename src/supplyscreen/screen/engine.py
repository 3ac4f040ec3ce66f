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

from supplyscreen.detect import detect_all
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


class RecordScreener:
    """Screens one record at a time against a :class:`~supplyscreen.screener.Screener`'s lists."""

    def __init__(self, screener: Any) -> None:
        self.screener = screener
        self.snapshot = screener.snapshot_version
        self._names = _LRU(_CACHE_SIZE)
        self._detections = _LRU(_CACHE_SIZE)
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
        key = (
            record.name,
            record.address,
            record.country,
            record.description,
            record.hs_code,
            record.date,
            record.funding,
        )
        found = self._detections.get(key)
        if found is None:
            found = detect_all(record)
            self._detections.put(key, found)
        return list(found)

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
