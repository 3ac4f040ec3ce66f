"""What changed for a monitor between two screenings of its rows, one record per change.

A change is one (row, entity, source) that appeared (``new_hit``), went away (``hit_removed``) or
changed (``hit_changed``: the source's record of the entity changed, the entity gained or lost a
source's membership, or the hit moved between match and review), or a row whose risk changed with
no change of its hits (``risk_changed``). An entity is the same across list versions when it keeps
a source record: an entity merged across lists is renamed after its most authoritative record, so
its id can change when that record leaves it.

``list_change`` names the list change behind a change (added, removed or changed, with the version
and its date); it is None when the cause is an edit of the master or new detector data, which
``cause`` then says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from supplyscreen.monitor.rescreen import HitState, RowState
from supplyscreen.store.changelog import REMOVED, RecordChange
from supplyscreen.store.linkage import source_of

NEW_HIT, HIT_REMOVED, HIT_CHANGED, RISK_CHANGED = "new_hit", "hit_removed", "hit_changed", "risk_changed"
KINDS = (NEW_HIT, HIT_REMOVED, HIT_CHANGED, RISK_CHANGED)
#: Why a change happened, when no list change caused it.
LIST_UPDATE, MASTER_EDIT, DETECTOR_DATA = "list_update", "master_edit", "detector_data"
#: The fields of a change record, in order (the CSV's columns).
FIELDS = (
    "monitor",
    "row",
    "vendor",
    "change",
    "entity_id",
    "entity_name",
    "source",
    "list_change",
    "cause",
    "risk_before",
    "risk_after",
)


@dataclass(slots=True)
class Change:
    """One change a monitor run reports."""

    monitor: str
    row: int
    vendor: str
    change: str
    entity_id: str | None
    entity_name: str | None
    source: str | None
    list_change: dict[str, Any] | None
    cause: str
    risk_before: str | None
    risk_after: str | None
    id: int | None = None  # once stored
    status: str = "open"

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in FIELDS}
        if self.id is not None:
            out = {"id": self.id, **out, "status": self.status}
        return out


@dataclass(slots=True)
class RowChange:
    """A row's screening before and after (None: the row was not there), and its vendor name."""

    row: int
    vendor: str
    before: RowState | None
    after: RowState | None
    cause: str  # what made the row be screened again: a list update, a master edit, detector data


def _same_entity(a: HitState, b: HitState) -> bool:
    return a.entity_id == b.entity_id or bool(set(a.source_ids) & set(b.source_ids))


def _list_change(
    log: Mapping[str, RecordChange], source_ids: Iterable[str], source: str
) -> RecordChange | None:
    """The newest logged change of the hit's record from ``source``."""
    found = [log[s] for s in source_ids if s in log and source_of(s) == source]
    return max(found, key=lambda c: (c.date, c.version)) if found else None


def _described(change: RecordChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        "change": change.change,
        "source_id": change.source_id,
        "version": change.version,
        "date": change.date,
        "fields": change.fields,
    }


def row_changes(monitor: str, item: RowChange, log: Mapping[str, RecordChange]) -> list[Change]:
    """The changes of one row (see the module docstring). ``log``: source id → its newest list
    change since the monitor's last run."""
    before_hits = item.before.hits if item.before else []
    after_hits = item.after.hits if item.after else []
    risk_before = item.before.risk if item.before else None
    risk_after = item.after.risk if item.after else None
    out: list[Change] = []

    def add(kind: str, hit: HitState, source: str, cause_change: RecordChange | None) -> None:
        cause = LIST_UPDATE if cause_change is not None else item.cause
        out.append(
            Change(
                monitor,
                item.row,
                item.vendor,
                kind,
                hit.entity_id,
                hit.caption,
                source,
                _described(cause_change),
                cause,
                risk_before,
                risk_after,
            )
        )

    matched: set[int] = set()
    for old in before_hits:
        new = next((h for i, h in enumerate(after_hits) if i not in matched and _same_entity(old, h)), None)
        if new is None:
            for source in old.sources:
                add(HIT_REMOVED, old, source, _list_change(log, old.source_ids, source))
            continue
        matched.add(after_hits.index(new))
        gone = [s for s in old.sources if s not in new.sources]
        came = [s for s in new.sources if s not in old.sources]
        for source in gone:
            add(HIT_CHANGED, new, source, _list_change(log, old.source_ids, source))
        for source in came:
            add(HIT_CHANGED, new, source, _list_change(log, new.source_ids, source))
        for source in new.sources:
            if source in gone or source in came:
                continue
            logged = _list_change(log, new.source_ids, source)
            if logged is not None and logged.change != REMOVED:
                add(HIT_CHANGED, new, source, logged)
            elif new.level != old.level:
                add(HIT_CHANGED, new, source, None)
    for i, new in enumerate(after_hits):
        if i not in matched:
            for source in new.sources:
                add(NEW_HIT, new, source, _list_change(log, new.source_ids, source))
    if not out and (risk_before or "clear") != (risk_after or "clear"):
        out.append(
            Change(
                monitor,
                item.row,
                item.vendor,
                RISK_CHANGED,
                None,
                None,
                None,
                None,
                item.cause,
                risk_before,
                risk_after,
            )
        )
    return out
