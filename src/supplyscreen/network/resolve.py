"""Name resolution: each user name in the network goes through the matching engine once.

A hit at the calibrated match threshold (``Hit.match``) links the name to that list entity with a
``same_as`` edge whose evidence is the score and the matcher's explanation. Names are matched in
one process, or across ``workers`` forked processes that share the loaded name index.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence

from supplyscreen.model import Hit

#: How many hits per name are considered (a name may be two list entities, rarely more).
HIT_LIMIT = 3

MatchFunction = Callable[..., list[Hit]]
Progress = Callable[[int], None]

_WORKER_MATCH: MatchFunction | None = None


def _match_one(name: str) -> list[Hit]:
    assert _WORKER_MATCH is not None
    return [h for h in _WORKER_MATCH(name, limit=HIT_LIMIT) if h.match]


def resolve_names(
    names: Sequence[str],
    match: MatchFunction,
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[list[Hit]]:
    """The match-threshold hits of each name, in input order (``match(name, limit=…)`` is the matcher).

    ``workers`` > 1 forks that many processes (0: one per core); the matcher should be loaded first so
    the children share its index. ``progress`` is called with the number of names done so far.
    """
    global _WORKER_MATCH
    _WORKER_MATCH = match
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    results: list[list[Hit]] = []
    try:
        if workers == 1 or len(names) < 1000 or "fork" not in multiprocessing.get_all_start_methods():
            for name in names:
                results.append(_match_one(name))
                if progress and len(results) % 500 == 0:
                    progress(len(results))
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for hits in pool.imap(_match_one, names, chunksize=256):
                    results.append(hits)
                    if progress and len(results) % 500 == 0:
                        progress(len(results))
    finally:
        _WORKER_MATCH = None
    if progress:
        progress(len(results))
    return results
