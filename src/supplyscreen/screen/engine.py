"""Screen records: names through the matcher, text through the detectors, both cached.

Purchase files repeat vendors and item descriptions, so each distinct name is matched once and
each distinct combination of the fields the detectors read is scanned once per process. Work is
spread over processes in order-preserving chunks; results come back in input order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from supplyscreen.detect import detectors
from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Entity, Flag, Hit, Record, RowResult
from supplyscreen.screen.flags import hit_flags
from supplyscreen.screen.policy import keep_name_flags, order_flags, row_risk

_P = ParamSpec("_P")
_T = TypeVar("_T")
CHUNK = 2000
BLOCK_CHUNKS = 4  # chunks per worker whose new names are matched together before screening
HIT_LIMIT = 3
_CACHE_SIZE = 200_000  # distinct names whose hits are remembered


def country_key(country: str | None) -> str | None:
    """The country part of a name's match key: a two-letter code as given (lower-cased), else None."""
    code = (country or "").strip().lower()
    return code if len(code) == 2 and code.isalpha() else None


class _LRU(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class _DetectorGate:
    """Runs each registered detector only on records with a text in which it finds something.

    Most rows of a purchase file flag nothing, and their texts repeat: each detector remembers what
    it found per distinct text (``worth_detecting``), so a clean row costs a few dictionary look-ups
    instead of full detections.
    """

    def __init__(self) -> None:
        self.detectors = detectors()

    def detect(self, record: Record) -> list[Flag]:
        return [f for d in self.detectors.values() if d.worth_detecting(record) for f in d.detect(record)]


class RecordScreener:
    """Screens one record at a time against a :class:`~supplyscreen.screener.Screener`'s lists."""

    def __init__(self, screener: Any, decisions: Any = None) -> None:
        self.screener = screener
        self.snapshot = screener.snapshot_version
        # reviewer decisions (a supplyscreen.cases.DecisionLookup): cleared pairs are not flagged again
        self.decisions = decisions if decisions is not None else getattr(screener, "decisions", None)
        self._names = _LRU(_CACHE_SIZE)
        self.gate = _DetectorGate()
        self._entities: dict[str, Entity | None] = {}

    def entity(self, entity_id: str) -> Entity | None:
        if entity_id not in self._entities:
            try:
                self._entities[entity_id] = self.screener.store.get(entity_id)
            except SupplyscreenError:
                self._entities[entity_id] = None
        return self._entities[entity_id]

    @staticmethod
    def name_key(record: Record) -> tuple[str, str | None] | None:
        """What a name is matched by: the name and the record's country code (if two letters)."""
        name = (record.name or "").strip()
        if not name:
            return None
        return name, country_key(record.country)

    def match_key(self, key: tuple[str, str | None], forms_out: list[Any] | None = None) -> list[Hit]:
        """The hits of a name key; with no hit at the review threshold, the curated reviewer-context
        row it matches (if any), which a row shows as information only (``screen.flags``).
        ``forms_out`` receives the forms the name was compared by (when it is matched now)."""
        found = self._names.get(key)
        if found is None:
            if forms_out is None:
                found = self.screener.match(key[0], country=key[1], limit=HIT_LIMIT)
            else:
                found = self.screener.match(key[0], country=key[1], limit=HIT_LIMIT, forms_out=forms_out)
            if not any(h.match or h.review for h in found):
                extra = self.screener.context_hit(key[0])
                if extra is not None:
                    found = [*found, extra]
            self._names.put(key, found)
        return list(found)

    def knows(self, key: tuple[str, str | None]) -> bool:
        return key in self._names

    def remember(self, key: tuple[str, str | None], hits: list[Hit]) -> None:
        self._names.put(key, hits)

    def hits(self, record: Record) -> list[Hit]:
        key = self.name_key(record)
        return self.match_key(key) if key else []

    def detections(self, record: Record) -> list[Flag]:
        return self.gate.detect(record)

    def name_flags(self, record: Record) -> tuple[list[Flag], list[Hit]]:
        """The flags of the record's name hits, and the hits worth keeping (match or review level)."""
        hits = self.hits(record)
        flags: list[Flag] = []
        for hit in hits:
            found = hit_flags(record, hit, self.entity(hit.entity_id))
            if self.decisions and found:
                found = self.decisions.apply(record, hit, self.entity(hit.entity_id), found)
            flags.extend(found)
        return keep_name_flags(flags), [h for h in hits if h.match or h.review]

    def assemble(
        self, record: Record, name_flags: list[Flag], hits: list[Hit], detected: list[Flag]
    ) -> RowResult:
        """The row result from its parts, strongest flags first (the order is stable within a severity)."""
        flags = order_flags([*name_flags, *detected])
        return RowResult(
            row=record.row,
            record=record,
            risk=row_risk(flags),
            flags=flags,
            hits=hits,
            list_snapshot=self.snapshot,
        )

    def screen(self, record: Record) -> RowResult:
        flags, hits = self.name_flags(record)
        return self.assemble(record, flags, hits, self.detections(record))


_WORKER: RecordScreener | None = None
#: The record fields screening reads (besides amount and currency for the totals).
SCREENED_FIELDS = ("name", "address", "country", "description", "hs_code", "date", "funding")
#: What a helper process gets of each record: the fields screening reads, and the columns without a role.
_SENT_FIELDS = (*SCREENED_FIELDS, "others")


def _screen_light(chunk: list[tuple[Any, ...]]) -> list[tuple[int, str, list[Flag], list[Hit]]]:
    """In a worker: screen the fields screening reads; send back only the rows with flags or hits."""
    assert _WORKER is not None
    out: list[tuple[int, str, list[Flag], list[Hit]]] = []
    for i, values in enumerate(chunk):
        record = Record(row=values[0], **dict(zip(_SENT_FIELDS, values[1:], strict=True)))
        result = _WORKER.screen(record)
        if result.flags or result.hits:
            out.append((i, result.risk, result.flags, result.hits))
    return out


def _match_names(keys: list[tuple[str, str | None]]) -> list[list[Hit]]:
    """In a worker: the hits of distinct names."""
    assert _WORKER is not None
    return [_WORKER.match_key(k) for k in keys]


def _teach(
    payload: tuple[dict[tuple[str, str | None], list[Hit]], list[tuple[Any, ...]]],
) -> list[tuple[int, str, list[Flag], list[Hit]]]:
    """In a worker: take the hits the parent already has for this chunk's names, then screen it."""
    assert _WORKER is not None
    known, chunk = payload
    for key, hits in known.items():
        _WORKER.remember(key, hits)
    return _screen_light(chunk)


def match_distinct_names(
    engine: RecordScreener, keys: Iterable[tuple[str, str | None]], pool: Any = None, helpers: int = 1
) -> None:
    """Match the names the engine does not know yet, once each, across ``pool``'s workers if given."""
    todo = [k for k in dict.fromkeys(keys) if not engine.knows(k)]
    if not todo:
        return
    if pool is None:
        for key in todo:
            engine.match_key(key)
        return
    size = max(1, -(-len(todo) // (helpers * 4)))
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    for batch, hits in zip(batches, pool.map(_match_names, batches), strict=True):
        for key, found in zip(batch, hits, strict=True):
            engine.remember(key, found)


QUIET_GC_THRESHOLD = 1_000_000  # new live objects between young collections while files are screened
SWITCH_INTERVAL = 0.001  # seconds a thread holds the GIL while another waits, while files are screened
ARROW_DECAY_MS = 10_000  # how long pyarrow's allocator keeps freed pages for reuse, while files are screened
_QUIET_LOCK = threading.Lock()
_QUIET: dict[str, Any] = {"runs": 0, "pool": None}  # and, while runs are open, what they changed


def _arrow() -> Any:
    """pyarrow, imported when first screening a file (``match`` and the service start without it)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa


def _reusing_arrow_pool() -> Any:
    """pyarrow's jemalloc pool, keeping freed pages for ``ARROW_DECAY_MS`` (None where pyarrow has
    no jemalloc, or it cannot be set up: screening then goes on with the default pool). Set once per
    process, and for good: the setting holds for the jemalloc arenas made after it, in the whole
    process (the arena of the thread that first used jemalloc keeps pyarrow's own setting)."""
    if "jemalloc" not in _QUIET:
        try:
            pa = _arrow()
            pool = pa.jemalloc_memory_pool()
            pa.jemalloc_set_decay_ms(ARROW_DECAY_MS)
        except Exception:  # noqa: BLE001 - a speed-up only (NotImplementedError: no jemalloc)
            pool = None
        _QUIET["jemalloc"] = pool
    return _QUIET["jemalloc"]


@contextmanager
def screening_settings() -> Iterator[None]:
    """The interpreter's settings while a file is screened, undone afterwards (a service screens many
    files in one process: the first run sets them, the last one restores them).

    - The garbage collector keeps off the loaded lists. The name index and entities are millions of
      long-lived objects; every full collection would walk them all again (about a fifth of a
      million-row run). They are frozen, and young collections made rarer: one per million more live
      objects (a screening keeps what it learns of each distinct value; with one per 50,000, a
      million-row run spent 0.23 s collecting, now 0.1 s).
    - Threads take turns with the GIL every millisecond instead of every five. The reader and writer
      threads (see ``screen.columnar``) make dozens of short pyarrow calls per batch, each waiting
      for the GIL while the screening runs Python: at 5 ms the writer fell behind and the screening
      waited for it at the end of a million-row file.
    - pyarrow allocates from jemalloc, which keeps the pages it frees for reuse for 10 s. Its
      default allocator hands them back to the system at once, and each batch's new arrays then
      fault fresh pages in (about 0.08 s of a million-row run, most of it in the writer). While any
      run is open this is the default pool of the whole process; the 10 s stay (see
      ``_reusing_arrow_pool``).
    """
    with _QUIET_LOCK:
        if _QUIET["runs"] == 0:  # the first run (what could fail comes first: nothing is set then)
            pool = _reusing_arrow_pool()
            if pool is not None:
                _QUIET["pool"] = _arrow().default_memory_pool()
                _arrow().set_memory_pool(pool)
            _QUIET["thresholds"] = gc.get_threshold()
            gc.set_threshold(max(_QUIET["thresholds"][0], QUIET_GC_THRESHOLD), *_QUIET["thresholds"][1:])
            _QUIET["switch"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_QUIET["switch"], SWITCH_INTERVAL))
        _QUIET["runs"] += 1
        gc.freeze()
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET["runs"] -= 1
            if _QUIET["runs"] == 0:
                gc.set_threshold(*_QUIET["thresholds"])
                sys.setswitchinterval(_QUIET["switch"])
                if _QUIET["pool"] is not None:
                    _arrow().set_memory_pool(_QUIET["pool"])
                    _QUIET["pool"] = None
                gc.unfreeze()


def with_screening_settings(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run ``function`` under :func:`screening_settings`."""

    @wraps(function)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        with screening_settings():
            return function(*args, **kwargs)

    return run


class NamePrefetch:
    """Matches a file's distinct names in helper processes ahead of the screening that needs them.

    The keys are found in a thread (pyarrow, mostly without the GIL) while screening starts; they go
    to the helpers in small chunks, in the order the file shows them, each finished chunk sending the
    next, so the helpers stay busy while this process does other work. While the screening waits
    for names still to come, it matches the next chunks itself rather than sit idle. A name that
    ``wait_for`` does not bring is matched by the caller as usual.
    """

    def __init__(
        self,
        engine: RecordScreener,
        pool: Any,
        keys: Callable[[], list[tuple[str, str | None]]],
        helpers: int,
        chunk: int = 200,
    ) -> None:
        self.engine = engine
        self.pool = pool
        self.chunk = chunk
        self.limit = 2 * helpers
        self._lock = threading.Lock()
        self._todo: deque[list[tuple[str, str | None]]] = deque()
        self._flying = 0
        self._done: queue.SimpleQueue[tuple[list[tuple[str, str | None]], Any]] = queue.SimpleQueue()
        self._start = threading.Thread(target=self._begin, args=(keys,), daemon=True)
        self._start.start()

    def _begin(self, keys: Callable[[], list[tuple[str, str | None]]]) -> None:
        found = keys()
        with self._lock:
            self._todo.extend(found[i : i + self.chunk] for i in range(0, len(found), self.chunk))
        self._send()

    def _send(self) -> None:
        with self._lock:
            while self._todo and self._flying < self.limit:
                chunk = self._todo.popleft()
                try:
                    self.pool.apply_async(
                        _match_names,
                        (chunk,),
                        callback=lambda hits, chunk=chunk: self._received(chunk, hits),
                        error_callback=lambda exc, chunk=chunk: self._received(chunk, exc),
                    )
                except ValueError:  # the pool is closing (the run ended or failed): send no more
                    self._todo.clear()
                    return
                self._flying += 1

    def _received(self, chunk: list[tuple[str, str | None]], hits: Any) -> None:
        """In the pool's result thread: hand the hits over and send the next chunk."""
        with self._lock:
            self._flying -= 1
        self._done.put((chunk, hits))
        self._send()

    def _drain(self, block: bool) -> None:
        while True:
            try:
                chunk, hits = self._done.get(block=block)
            except queue.Empty:
                return
            block = False
            if isinstance(hits, BaseException):
                continue  # those names are matched by the caller
            for key, found in zip(chunk, hits, strict=True):
                self.engine.remember(key, found)

    def wait_for(self, keys: Iterable[tuple[str, str | None]]) -> None:
        self._start.join()
        needed = [k for k in keys if not self.engine.knows(k)]
        while True:
            self._drain(block=False)
            needed = [k for k in needed if not self.engine.knows(k)]
            if not needed:
                return
            with self._lock:
                mine = self._todo.popleft() if self._todo else None
                flying = self._flying
            if mine is not None:  # the helpers are busy: match the next chunk here
                for key in mine:
                    self.engine.match_key(key)
            elif flying:
                self._drain(block=True)
            else:
                return


def start_pool(engine: RecordScreener, helpers: int) -> Any:
    """A pool of forked helpers that share what the engine has loaded (the name index; the entity
    records too when the caller preloaded them), with the collector kept off those pages."""
    global _WORKER
    _WORKER = engine
    store = getattr(engine.screener, "store", None)
    if store is not None:
        store.snapshot.wait_for_reading()
    gc.freeze()
    return multiprocessing.get_context("fork").Pool(helpers)


def chunked(records: Iterable[Record], size: int = CHUNK) -> Iterator[list[Record]]:
    """Records in lists of ``size``, in order."""
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
    """Screen chunks of records, chunk by chunk in input order. ``workers`` counts the processes at
    work (0: one per core): 1 screens here; more forks ``workers - 1`` helpers with the lists already
    loaded, which match and detect while this process reads, assembles and writes.

    Workers get only the fields screening reads and return only the rows that have flags or hits;
    the input rows themselves never cross a process boundary.
    """
    engine = RecordScreener(screener)
    screener.matcher  # load the index before forking so workers share it  # noqa: B018
    gc.freeze()  # the loaded index joins what the collector leaves alone (see screening_settings)
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield [engine.screen(r) for r in chunk]
        return
    screener.store.preload()  # these helpers detect too: they look entities up
    # the parent reads, assembles and writes; the other processes match and detect
    helpers = max(1, workers - 1)
    with start_pool(engine, helpers) as pool:
        block: list[list[Record]] = []
        for chunk in chunks:
            block.append(chunk)
            if len(block) >= helpers * BLOCK_CHUNKS:
                yield from _screen_block(engine, pool, block, helpers)
                block = []
        if block:
            yield from _screen_block(engine, pool, block, helpers)


def _screen_block(
    engine: RecordScreener, pool: Any, block: list[list[Record]], workers: int
) -> Iterator[list[RowResult]]:
    """Match the block's new distinct names across the workers, then screen its rows across them.

    Each distinct name is matched once per run, whichever worker sees it: the parent keeps every
    name's hits and hands each chunk the hits of its names.
    """
    keys = [{k: None for r in chunk if (k := RecordScreener.name_key(r))} for chunk in block]
    match_distinct_names(engine, (k for chunk_keys in keys for k in chunk_keys), pool, workers)

    def payloads() -> Iterator[tuple[dict[tuple[str, str | None], list[Hit]], list[tuple[Any, ...]]]]:
        for chunk, chunk_keys in zip(block, keys, strict=True):
            known = {key: engine.match_key(key) for key in chunk_keys}
            yield known, [(r.row, *(getattr(r, f) for f in _SENT_FIELDS)) for r in chunk]

    for chunk, flagged in zip(block, pool.imap(_teach, payloads()), strict=True):
        results = [RowResult(row=r.row, record=r, risk="clear", list_snapshot=engine.snapshot) for r in chunk]
        for i, risk, flags, hits in flagged:
            results[i].risk, results[i].flags, results[i].hits = risk, flags, hits
        yield results


def screen_records(
    screener: Any, records: Iterable[Record], *, workers: int = 1, chunk_size: int = CHUNK
) -> Iterator[RowResult]:
    """Screen many records, in input order (see :func:`screen_chunks`)."""
    for results in screen_chunks(screener, chunked(records, chunk_size), workers=workers):
        yield from results
