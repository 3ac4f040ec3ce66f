"""When each entity was first seen, last seen and last changed, across the installed list versions.

yente gives every entity ``first_seen``, ``last_seen`` and ``last_change``: when the data first held
it, when it last held it, and when what it says of it last changed. supplyscreen keeps each installed
snapshot (``lists versions``); :func:`entity_history` reads them in the order they were made, up to
the active one, and compares each entity's stored record with the version before. An entity of the
only installed version was first seen, last seen and last changed at that version's date.

This is not a list's own listing date (the Entity List's start date, a UFLPA effective date): that is
a fact of the list, shown as the membership's listing date (docs/api.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from supplyscreen.errors import SupplyscreenError
from supplyscreen.store.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Seen:
    """yente's three dates of an entity, as ISO date-times without a zone (``2026-12-07T10:00:00``)."""

    first_seen: str
    last_seen: str
    last_change: str


def entity_history(store: Any) -> dict[str, Seen]:
    """{entity key: Seen} for the entities of the active snapshot, from the installed versions made
    up to it (a version that cannot be read is passed over)."""
    active = store.snapshot
    snapshots: list[Snapshot] = []
    for version in store.versions():
        if version == active.version:
            snapshots.append(active)
            continue
        try:
            snapshot = Snapshot(store.snapshot_path(version))
        except SupplyscreenError:
            continue
        if snapshot.created <= active.created:
            snapshots.append(snapshot)
    snapshots.sort(key=lambda s: (s.created, s is active))
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    changed: dict[str, str] = {}
    digests: dict[str, str] = {}
    for snapshot in snapshots:
        when = snapshot.created[:19]
        try:
            records = _digests(snapshot)
        except SupplyscreenError:
            if snapshot is active:
                raise
            continue  # an older version that cannot be read is passed over
        for key, digest in records.items():
            first.setdefault(key, when)
            last[key] = when
            if digests.get(key) != digest:  # new, changed, or back after a version without it
                changed[key] = when
                digests[key] = digest
        for key in [k for k in digests if k not in records]:
            del digests[key]
        if snapshot is active:
            break
    # the active version was read last: ``digests`` holds its entities, and only those
    return {key: Seen(first[key], last[key], changed[key]) for key in digests}


def _digests(snapshot: Snapshot) -> dict[str, str]:
    """{entity key: digest of its stored line} of a snapshot, in file order (the lines are written
    alike for alike records; the records are not kept)."""
    out: dict[str, str] = {}
    for line in snapshot._entity_lines():
        try:
            key = str(json.loads(line)["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SupplyscreenError(f"{snapshot.path}: a damaged entity line ({exc})") from exc
        out[key] = hashlib.sha1(line).hexdigest()
    return out
