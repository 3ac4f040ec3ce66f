"""When each entity was first seen, last seen and last changed, from the active snapshot's change log.

yente gives every entity ``first_seen``, ``last_seen`` and ``last_change``: when the data first held
it, when it last held it, and when what it says of it last changed. supplyscreen keeps, in each
snapshot, when every source record was first seen and last changed (``store.changelog``); a merged
entity was first seen when its first record was, last changed when any of its records did (or one
left it), and was last seen at the active version's date.

This is not a list's own listing date (the Entity List's start date, a UFLPA effective date): that is
a fact of the list, shown as the membership's listing date (docs/domain.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supplyscreen.store.changelog import iso_date


@dataclass(frozen=True, slots=True)
class Seen:
    """yente's three dates of an entity, as ISO date-times without a zone (``2026-12-07T10:00:00``)."""

    first_seen: str
    last_seen: str
    last_change: str


def entity_history(store: Any) -> dict[str, Seen]:
    """{entity key: Seen} for the entities of the active snapshot."""
    snapshot = store.snapshot
    seen = snapshot.history().seen
    records = snapshot.entity_records()
    when = iso_date(snapshot.created) or snapshot.created[:19]
    last_seen = max([when, *(c for _, c in seen.values())])  # the version was made after its data
    out: dict[str, Seen] = {}
    for record in records:
        dates = [seen[sid] for sid in record.get("source_ids") or (record["id"],) if sid in seen]
        if not dates:
            out[record["id"]] = Seen(when, when, when)
            continue
        out[record["id"]] = Seen(min(f for f, _ in dates), last_seen, max(c for _, c in dates))
    return out
