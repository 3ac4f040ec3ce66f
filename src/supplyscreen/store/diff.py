"""`lists diff`: the entities added, removed and changed between two list versions, per list.

By default the active version against the one before it, as the active version's change log
records it (``store.changelog``); between any two installed versions, by comparing their sources'
records directly. Written as text, CSV, JSON lines or HTML (which opens with the counts per list).
"""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.errors import StoreError
from supplyscreen.report.atomic import atomic_output
from supplyscreen.report.escape import csv_cell
from supplyscreen.store.changelog import (
    ADDED,
    CHANGED,
    REMOVED,
    RecordChange,
    iso_date,
    merged_ids,
    source_changes,
)
from supplyscreen.store.snapshot import Snapshot

KINDS = (ADDED, REMOVED, CHANGED)
FORMATS = (".csv", ".jsonl", ".html")
CSV_COLUMNS = (
    "version",
    "date",
    "source",
    "lists",
    "change",
    "source_id",
    "entity_id",
    "name",
    "what_changed",
)


@dataclass(slots=True)
class Diff:
    """The changes from one version to another (``old`` is None where the log does not name it)."""

    old: str | None
    new: str
    changes: list[RecordChange] = field(default_factory=list)

    def counts(self) -> dict[str, Counter[str]]:
        """{list code: Counter(added=…, removed=…, changed=…)}; a record on several lists counts on each."""
        out: dict[str, Counter[str]] = {}
        for change in self.changes:
            for code in change.lists or [change.source]:
                out.setdefault(code, Counter())[change.change] += 1
        return dict(sorted(out.items()))

    def totals(self) -> Counter[str]:
        return Counter(c.change for c in self.changes)


def what_changed(change: RecordChange) -> str:
    """One line: ``programs +RUSSIA-EO14024; name +NEW −OLD``."""
    parts = []
    for what, values in change.fields.items():
        shown = [f"+{v}" for v in values.get("added", ())] + [f"-{v}" for v in values.get("removed", ())]
        parts.append(f"{what} {' '.join(shown)}".strip())
    return "; ".join(parts)


def version_diff(
    store: Any, old: str | None = None, new: str | None = None, source: str | None = None
) -> Diff:
    """The diff ``lists diff`` shows: see the module docstring. ``source`` keeps one source's records."""
    new_version = new or store.active_version
    newer = _snapshot(store, new_version)
    if old is None:
        history = newer.history()
        lineage = history.lineage
        before = lineage[-2] if len(lineage) > 1 else None
        changes = [c for c in history.changes if c.version == newer.version]
        diff = Diff(before, newer.version, changes)
    else:
        older = _snapshot(store, old)
        diff = Diff(older.version, newer.version, compare_snapshots(older, newer))
    if source:
        known = set(newer.sources) | {c.source for c in diff.changes}
        if source not in known:
            raise StoreError(
                f"--source {source!r}: no such source in {newer.version}; known: {', '.join(sorted(known))}"
            )
        diff.changes = [c for c in diff.changes if c.source == source]
    return diff


def _snapshot(store: Any, version: str) -> Snapshot:
    if version not in store.versions():
        raise StoreError(f"no installed list version {version!r}; see `supplyscreen lists versions`")
    return store.snapshot if version == store.active_version else Snapshot(store.snapshot_path(version))


def compare_snapshots(older: Snapshot, newer: Snapshot) -> list[RecordChange]:
    """Every source record added, removed or changed from ``older`` to ``newer`` (sources whose files
    are the same are the same)."""
    before, after = older.sources, newer.sources
    codes = [c for c in after if c not in before or before[c].files != after[c].files]
    codes += [c for c in before if c not in after]
    if not codes:
        return []
    old_ids, new_ids = merged_ids(older.entity_records()), merged_ids(newer.entity_records())
    date = iso_date(newer.created) or newer.created
    out: list[RecordChange] = []
    for code in codes:
        out.extend(
            source_changes(
                code,
                older.source_entities(code) if code in before else (),
                newer.source_entities(code) if code in after else (),
                version=newer.version,
                date=date,
                old_ids=old_ids,
                new_ids=new_ids,
            )
        )
    return out


# -- writing --------------------------------------------------------------------------------------


def write_diff(diff: Diff, path: Path) -> None:
    """Write the diff as CSV, JSON lines or HTML, by the file's suffix (atomically)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise StoreError(
            f"--out {path}: unknown format {suffix or '(none)'}; use one of {', '.join(FORMATS)}"
        )
    try:
        with atomic_output(path) as tmp:
            if suffix == ".csv":
                _write_csv(diff.changes, tmp)
            elif suffix == ".jsonl":
                with open(tmp, "w", encoding="utf-8") as fh:
                    for c in diff.changes:
                        fh.write(json.dumps({**c.to_dict(), "name": c.caption}, ensure_ascii=False) + "\n")
            else:
                tmp.write_text(render_html(diff), encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{path}: cannot write the diff ({exc.strerror or exc})") from exc


def _write_csv(changes: Iterable[RecordChange], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for c in changes:
            row = (
                c.version,
                c.date,
                c.source,
                " ".join(c.lists),
                c.change,
                c.source_id,
                c.entity_id,
                c.caption,
            )
            writer.writerow([csv_cell(v) for v in (*row, what_changed(c))])


def render_html(diff: Diff) -> str:
    """A page that opens with the counts per list, then one row per change."""
    e = html.escape
    counts = diff.counts()
    head = "".join(f"<th>{k}</th>" for k in KINDS)
    count_rows = "".join(
        f"<tr><th scope=row>{e(code)}</th>" + "".join(f"<td>{n[k]}</td>" for k in KINDS) + "</tr>"
        for code, n in counts.items()
    )
    totals = diff.totals()
    rows = "".join(
        f"<tr class={e(c.change)}><td>{e(c.change)}</td><td>{e(c.caption)}</td><td>{e(c.source_id)}</td>"
        f"<td>{e(' '.join(c.lists))}</td><td>{e(what_changed(c))}</td><td>{e(c.date[:10])}</td></tr>"
        for c in diff.changes
    )
    title = f"List changes: {diff.old or 'previous version'} → {diff.new}"
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{e(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
        ".removed{background:#fdecea}.added{background:#e8f5e9}</style>"
        f"<h1>{e(title)}</h1>"
        f"<p id=totals>{totals[ADDED]} added, {totals[REMOVED]} removed, {totals[CHANGED]} changed.</p>"
        "<table id=counts><caption>Changes per list</caption>"
        f"<tr><th>list</th>{head}</tr>{count_rows}</table>"
        "<h2>Changes</h2><table id=changes><tr><th>change</th><th>name</th><th>source record</th>"
        f"<th>lists</th><th>what changed</th><th>date</th></tr>{rows}</table></html>\n"
    )
