"""Read source files into a new snapshot: parse completely, link across lists, write, never in place."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from supplyscreen.errors import StoreError
from supplyscreen.model import Entity, Rule
from supplyscreen.sources.base import ReadReport, SourceSpec
from supplyscreen.store.changelog import History, entity_sources, iso_date, merged_ids, next_history
from supplyscreen.store.linkage import link_entities, source_of
from supplyscreen.store.snapshot import Snapshot, SourceInfo, list_counts, utc_now, write_snapshot


@dataclass(slots=True)
class SourceData:
    """One source read into memory, ready to be written into a snapshot."""

    info: SourceInfo
    entities: list[Entity]
    rules: list[Rule]


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex (read a megabyte at a time)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_source(
    spec: SourceSpec,
    files: Mapping[str, Path],
    *,
    snapshot_date: str | None = None,
    fetched: str | None = None,
    urls: Mapping[str, str] | None = None,
) -> SourceData:
    """Parse every file of one source completely; any format error propagates before anything is written."""
    missing = [f.role for f in spec.files if f.required and f.role not in files]
    if missing:
        raise StoreError(f"source {spec.code}: missing file(s) for {', '.join(missing)}")
    report = ReadReport(source=spec.code)
    entities = list(spec.read(files, report))
    by_role = {f.role: f for f in spec.files}
    file_info = {}
    for role, path in files.items():
        official = by_role.get(role)
        file_info[role] = {
            "filename": official.filename if official else Path(path).name,
            "local_name": Path(path).name,
            "sha256": sha256_file(Path(path)),
            "size": Path(path).stat().st_size,
            "url": (urls or {}).get(role) or (official.url if official else ""),
        }
    lists = list_counts(entities)
    info = SourceInfo(
        code=spec.code,
        title=spec.title,
        official=spec.official,
        snapshot_date=report.snapshot_date or snapshot_date,
        fetched=fetched or utc_now(),
        records=report.records,
        entities=len(entities),
        files=file_info,
        skipped=dict(report.skipped),
        notes=list(report.notes),
        lists=dict(sorted(lists.items())),
        names=sum(len(e.names) for e in entities),
        addresses=sum(len(e.addresses) for e in entities),
    )
    return SourceData(info, entities, list(report.rules))


def carry_over(base: Snapshot, code: str) -> SourceData:
    """A source of an existing snapshot, unchanged, for inclusion in a new one."""
    info = base.sources[code]
    rules = [r for r in base.rules() if source_of(r.id) == code]
    entities = list(base.source_entities(code))
    if info.names is None or info.addresses is None:  # a snapshot written before they were counted
        info.names = sum(len(e.names) for e in entities)
        info.addresses = sum(len(e.addresses) for e in entities)
    return SourceData(info, entities, rules)


def new_version() -> str:
    """A sortable, unique snapshot version name: UTC time plus a short random suffix."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def build_snapshot(
    target: Path,
    sources: Mapping[str, SourceData],
    *,
    version: str | None = None,
    raw_files: Mapping[str, Mapping[str, Path]] | None = None,
    previous: Snapshot | None = None,
    dates: Mapping[str, str] | None = None,
) -> Snapshot:
    """Link all sources and write a snapshot to ``target`` via a temporary sibling directory.

    With ``previous`` (the version it is made from), the snapshot keeps the change log against it
    and every record's first-seen and last-change dates (``store.changelog``). ``dates`` gives a
    source's date for this version (default: the time of writing), for the embedded snapshot, whose
    versions are dated by their data.
    """
    version = version or new_version()
    tmp = target.with_name(f".tmp-{target.name}-{secrets.token_hex(4)}")
    created = utc_now()
    try:
        all_entities = [e for data in sources.values() for e in data.entities]
        linked = link_entities(all_entities)
        history = _history(previous, sources, linked, version, created, dates or {})
        write_snapshot(
            tmp,
            version,
            {code: (d.info, d.entities, d.rules) for code, d in sources.items()},
            linked,
            raw_files={k: dict(v) for k, v in (raw_files or {}).items()},
            history=history,
            created=created,
        )
        if target.exists():
            raise StoreError(f"{target}: snapshot directory already exists")
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return Snapshot(target)


def _history(
    previous: Snapshot | None,
    sources: Mapping[str, SourceData],
    linked: list[Entity],
    version: str,
    created: str,
    dates: Mapping[str, str],
) -> History:
    """The new version's history: the previous one's, with the changes of every source whose files
    differ from the previous version's (or that was added or dropped)."""
    when = iso_date(created) or created
    by_source = {code: dates.get(code) or when for code in sources}
    new_ids = {sid: e.id for e in linked for sid in (e.source_ids or [e.id])}
    entities = {code: d.entities for code, d in sources.items()}
    if previous is None:
        return next_history(
            None, None, {}, {}, entities, new_ids, version=version, dates=by_source, compare_sources=()
        )
    before = previous.sources
    compared = [
        code for code, d in sources.items() if code not in before or before[code].files != d.info.files
    ] + [code for code in before if code not in sources]
    records = previous.entity_records()
    return next_history(
        previous.history(),
        previous.version,
        {code: list(previous.source_entities(code)) for code in compared if code in before},
        merged_ids(records),
        entities,
        new_ids,
        version=version,
        dates=by_source,
        compare_sources=compared,
        previous_entities=entity_sources(records),
    )
