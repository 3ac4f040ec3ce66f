"""Adding and running monitors: save a master and screen it as the baseline; after list updates,
re-screen what can have changed and report only the changes, honouring reviewer decisions.

A run's mode is ``baseline`` (a new monitor), ``incremental`` (after list updates the active
version's change log covers), ``full`` (the detectors' data changed, or the log does not reach back
to the monitor's last version: a rolled-back or much older version) or ``unchanged`` (nothing new:
nothing is screened and nothing reported). Rows added or edited in the master since are screened
in every mode, their changes reported as edits of the master.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.cases.audit import AuditEvent
from supplyscreen.cases.db import utc_now
from supplyscreen.io.readers import read_records
from supplyscreen.model import Record
from supplyscreen.monitor.book import MasterEdit, MonitorBook, StoredRow, id_column
from supplyscreen.monitor.changes import (
    DETECTOR_DATA,
    HIT_REMOVED,
    LIST_UPDATE,
    MASTER_EDIT,
    Change,
    RowChange,
    row_changes,
)
from supplyscreen.monitor.names import MasterNames, NamesCache
from supplyscreen.monitor.rescreen import (
    IncrementalStats,
    RowState,
    affected,
    detector_fingerprint,
    full,
    master_names,
    rescreen_at,
)
from supplyscreen.store.build import sha256_file
from supplyscreen.store.changelog import RecordChange


@dataclass(slots=True)
class RunResult:
    """What one monitor run did."""

    monitor: str
    run_id: int
    mode: str
    list_version: str
    previous_version: str
    changes: list[Change] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    deliveries: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "run_id": self.run_id,
            "mode": self.mode,
            "list_version": self.list_version,
            "previous_version": self.previous_version,
            "changes": [c.to_dict() for c in self.changes],
            "stats": self.stats,
            "deliveries": [
                {"target": d.target, "ok": d.ok, "attempts": d.attempts, "status": d.status}
                for d in self.deliveries
            ],
        }


@dataclass(slots=True)
class AddResult:
    """What `monitor add` did: the master saved (or replaced), its unreadable rows, the baseline run."""

    edit: MasterEdit
    errors: list[str]
    baseline: RunResult | None


def add_monitor(
    cases: Any,
    screener: Any,
    name: str,
    path: Path,
    *,
    user: str,
    mapping: dict[str, str] | str | None = None,
    sheet: str | None = None,
) -> AddResult:
    """Save the master at ``path`` as monitor ``name`` (replacing its master if it exists) and, for a
    new monitor, screen it once as the baseline."""
    book = MonitorBook(cases.db)
    stream = read_records(path, mapping, sheet=sheet)
    records = list(stream)
    errors = [str(e) for e in stream.errors]
    id_col = id_column(stream.columns, stream.mapping)
    options = {
        "mapping": stream.mapping,
        "sheet": sheet,
        "columns": stream.columns,
        "format": stream.format,
        "id_column": id_col,
    }
    edit = book.save_master(
        name,
        records,
        user=user,
        file_name=Path(path).name,
        file_sha256=sha256_file(Path(path)),
        options=options,
        id_col=id_col,
    )
    cases.audit.record(
        "monitor_add",
        user,
        {"monitor": name, "file": Path(path).name, "sha256": sha256_file(Path(path)), **edit.to_dict()},
        screener.store.active_version,
    )
    baseline = None if edit.replaced else run_monitor(cases, screener, name, user=user)
    return AddResult(edit, errors, baseline)


def remove_monitor(cases: Any, name: str, *, user: str) -> None:
    info = MonitorBook(cases.db).remove(name)
    cases.audit.record("monitor_remove", user, {"monitor": name, "rows": info.rows, "file": info.file_name})


def _log_since(history: Any, version: str, previous: str) -> list[RecordChange] | None:
    """The list changes from ``previous`` to ``version`` (the active one) as its log records them;
    None when the log does not reach back to ``previous``."""
    if previous == version:
        return []
    lineage = list(history.lineage)
    if previous not in lineage:
        return None
    after = set(lineage[lineage.index(previous) + 1 :])
    return [c for c in history.changes if c.version in after]


def run_monitor(
    cases: Any,
    screener: Any,
    name: str,
    *,
    user: str,
    notify: Sequence[str] = (),
    sleep: Any = time.sleep,
) -> RunResult:
    """Run one monitor (see the module docstring); its changes are stored, audited and, with
    ``notify`` targets, delivered (with the monitor's earlier undelivered open changes)."""
    book = MonitorBook(cases.db)
    info = book.get(name)
    started = utc_now()
    snapshot = screener.store.snapshot
    version = snapshot.version
    history = snapshot.history()
    detectors = detector_fingerprint(snapshot.rules())
    baseline = info.last_run is None
    detectors_changed = not baseline and detectors != book.detectors(name)
    log = [] if baseline else _log_since(history, version, info.list_version)
    stats: dict[str, Any] = {}
    began = time.perf_counter()
    mode, rows, states, kept, cache = _screen(
        screener, book, name, cases.db.url, log, baseline or detectors_changed, stats
    )
    stats["seconds"] = round(time.perf_counter() - began, 3)
    if baseline:
        mode = "baseline"
    changes: list[Change] = []
    if not baseline:
        newest = {c.source_id: c for c in sorted(log or (), key=lambda c: (c.date, c.version))}
        default_cause = DETECTOR_DATA if detectors_changed else LIST_UPDATE
        for row in rows:
            item = _row_change(row, states.get(row.key), default_cause)
            if item is not None:
                changes.extend(row_changes(name, item, newest))
        changes = _without_decided(cases, changes)
    by_key = {r.key: r for r in rows}
    stored = {
        key: text
        for key, state in states.items()
        if (text := state.to_json()) != by_key[key].state or by_key[key].cause
    }
    run_id = book.finish_run(
        name,
        states=stored,
        user=user,
        started=started,
        list_version=version,
        previous_version=info.list_version,
        detectors=detectors,
        mode=mode,
        changes=changes,
        stats=stats,
    )
    if kept is not None:  # the names' tables, for the next run: only once the run is stored
        cache.save(kept)
    result = RunResult(name, run_id, mode, version, info.list_version, changes, stats)
    cases.audit.append(
        [
            AuditEvent(
                "monitor_run",
                user,
                {
                    "monitor": name,
                    "run": run_id,
                    "mode": mode,
                    "changes": len(changes),
                    "previous": info.list_version,
                },
                version,
            ),
            *(AuditEvent("monitor_change", user, {"run": run_id, **c.to_dict()}, version) for c in changes),
        ]
    )
    if notify:
        result.deliveries = deliver_open(cases, name, run_id, notify, user=user, sleep=sleep)
    return result


def _screen(
    screener: Any,
    book: MonitorBook,
    name: str,
    database: str,
    log: list[RecordChange] | None,
    in_full: bool,
    stats: dict[str, Any],
) -> tuple[str, list[StoredRow], dict[str, RowState], MasterNames | None, NamesCache]:
    """Screen what a run must: every row (a new monitor, new detector data, a log that does not reach
    back), nothing (nothing new), or the rows the list changes and the edits of the master reach.
    Returns the mode, the rows read (their changes are computed), their new states by key, the
    names' tables to keep and where. Only the rows a change reaches are read from the database when
    the names' tables are kept (``monitor.names``)."""
    index = book.row_index(name)
    live_keys = [key for key, _, cause in index if cause != "removed"]
    pending = {key for key, _, cause in index if cause}
    cache = NamesCache(screener.store.home, database, name, live_keys)
    stats["rows"] = len(live_keys)
    if in_full or log is None:
        rows = book.rows(name)
        live = [r for r in rows if r.record is not None]
        records = [r.record for r in live if r.record is not None]
        forms: dict[Any, Any] = {}
        states = full(screener, records, forms)
        stats["by_risk"] = dict(Counter(s.risk for s in states))
        return (
            "full",
            rows,
            {r.key: s for r, s in zip(live, states, strict=True)},
            master_names(records, states, forms),
            cache,
        )
    if not log and not pending:
        return "unchanged", [], {}, None, cache
    counted = IncrementalStats()
    names = cache.load()
    stats["names_kept"] = names is not None
    if names is None:  # the tables are rebuilt from every row (their forms read again)
        every = book.rows(name)
        live = [r for r in every if r.record is not None]
        records = [r.record for r in live if r.record is not None]
        before = [None if r.cause else _parse(r.state) for r in live]
        names = master_names(records, before)
        loaded = {r.key: r for r in every if r.cause == "removed"}
    else:
        records, before, live = [], [], []
        loaded = {}
    positions = affected(screener, names, log, counted)
    positions.update(p for p, key in enumerate(live_keys) if key in pending)
    if not live:
        wanted = [live_keys[p] for p in positions] + [key for key, _, cause in index if cause == "removed"]
        loaded = book.rows_at(name, wanted)
    else:
        loaded.update((live[p].key, live[p]) for p in positions)

    def record_at(p: int) -> Record:
        record = loaded[live_keys[p]].record
        assert record is not None
        return record

    def state_at(p: int) -> RowState | None:
        row = loaded[live_keys[p]]
        return None if row.cause else _parse(row.state)

    fresh = rescreen_at(screener, names, sorted(positions), record_at, state_at, counted)
    stats.update(
        changed_records=counted.changed_records,
        delta_entities=counted.delta_entities,
        names=counted.names,
        rematched=counted.rematched,
        rows_rescreened=counted.rows_rescreened,
    )
    return "incremental", list(loaded.values()), {live_keys[p]: s for p, s in fresh.items()}, names, cache


def _parse(text: str | None) -> RowState:
    assert text is not None
    return RowState.from_json(text)


def _row_change(row: StoredRow, after: RowState | None, default_cause: str) -> RowChange | None:
    """A row's screening before and after, and why it was screened again."""
    if row.cause in ("master_edit", "removed"):
        before = RowState.from_json(row.previous) if row.previous else None
        return RowChange(row.row, row.vendor, before, after, MASTER_EDIT)
    if row.cause == "baseline" or row.state is None:
        return None  # screened for the first time in a run after the baseline: nothing to compare
    return RowChange(row.row, row.vendor, RowState.from_json(row.state), after, default_cause)


def _without_decided(cases: Any, changes: list[Change]) -> list[Change]:
    """Changes without those a reviewer's false-positive decision keeps quiet: a decided hit is not
    reported again unless its entity changed (in the lists) after the decision."""
    lookup = cases.decisions.lookup()
    if not lookup:
        return changes
    kept = []
    for change in changes:
        note = lookup.find(change.vendor, change.entity_id) if change.entity_id else None
        if note is not None and note.status == "false_positive":
            listed = change.list_change
            changed_since = (
                listed is not None
                and change.change != HIT_REMOVED
                # a version is dated to the second: one made in the second of the decision counts as
                # after it (a change is reported rather than hidden)
                and str(listed.get("date", ""))[:19] >= note.created[:19]
            )
            if not changed_since:
                continue
        kept.append(change)
    return kept


def deliver_open(
    cases: Any, name: str, run_id: int, targets: Iterable[str], *, user: str, sleep: Any = time.sleep
) -> list[Any]:
    """Deliver the monitor's open changes (this run's and any earlier undelivered) to each target;
    each delivery is recorded and audited, and a delivered change is no longer open."""
    from supplyscreen.monitor.notify import deliver, parse_target

    book = MonitorBook(cases.db)
    targets = list(targets)
    for target in targets:
        parse_target(target)  # a malformed target is refused before anything is sent
    pending = book.changes(name, status="open")
    if not pending:
        return []
    payload = {"monitor": name, "run": run_id, "changes": [c.to_dict() for c in pending]}
    subject = f"supplyscreen: {len(pending)} change{'s' if len(pending) != 1 else ''} in monitor {name}"
    text = summary_text(name, pending)
    out = []
    for target in targets:
        delivery = deliver(target, subject, payload, text=text, sleep=sleep)
        ids = [c.id for c in pending if c.id is not None]
        book.record_delivery(
            name, run_id, delivery.target, delivery.ok, delivery.attempts, delivery.status, ids
        )
        cases.audit.record(
            "monitor_notify",
            user,
            {
                "monitor": name,
                "run": run_id,
                "target": delivery.target,
                "ok": delivery.ok,
                "attempts": delivery.attempts,
                "status": delivery.status,
                "changes": ids,
            },
        )
        out.append(delivery)
    return out


def summary_text(name: str, changes: Sequence[Change]) -> str:
    """A plain-text summary: one line per change."""
    lines = [f"Monitor {name}: {len(changes)} change(s) to review.", ""]
    for c in changes:
        what = f"{c.entity_name} ({c.source})" if c.entity_name else f"risk {c.risk_before} -> {c.risk_after}"
        lines.append(f"row {c.row} {c.vendor!r}: {c.change} {what}; cause {c.cause}")
    return "\n".join(lines) + "\n"
