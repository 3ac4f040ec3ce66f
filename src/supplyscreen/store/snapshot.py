"""A snapshot: one immutable, versioned directory holding every list as it stood at one time.

Layout::

    <version>/manifest.json          what is inside: sources, their files and checksums, counts, dates
    <version>/sources/<code>.jsonl.gz  each source's entities as read, before cross-list linkage
    <version>/entities.jsonl.gz      the linked entities screened against
    <version>/rules.jsonl            category rules (e.g. all foreign-produced drones), never name hits
    <version>/changes.jsonl.gz       the change log per source record, through every version before
    <version>/seen.jsonl.gz          when each source record was first seen and last changed

Keeping each source's own entities lets an update of one list re-link against the others
without re-reading their files.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supplyscreen.errors import StoreError
from supplyscreen.model import Entity, Rule
from supplyscreen.store.changelog import CHANGES, SEEN, History, RecordChange

MANIFEST = "manifest.json"
ENTITIES = "entities.jsonl.gz"
RULES = "rules.jsonl"
SOURCES_DIR = "sources"


@dataclass(slots=True)
class SourceInfo:
    """What the manifest records of one source: its files, counts and the date of its data."""

    code: str
    title: str
    official: bool
    snapshot_date: str | None
    fetched: str  # ISO timestamp of download or build
    records: int
    entities: int
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # role → filename, sha256, size, url
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lists: dict[str, int] = field(default_factory=dict)  # list code → entities with a membership
    # names and addresses of the source's entities; None in snapshots written before they were counted
    names: int | None = None
    addresses: int | None = None
    # the folder or base URL `lists update --from` read the files from, None for the official
    # addresses (and for the embedded snapshot and user lists); ``fetched`` is then when it was installed
    mirror: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "official": self.official,
            "snapshot_date": self.snapshot_date,
            "fetched": self.fetched,
            "records": self.records,
            "entities": self.entities,
            "files": self.files,
            "skipped": self.skipped,
            "notes": self.notes,
            "lists": self.lists,
            "names": self.names,
            "addresses": self.addresses,
            "mirror": self.mirror,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceInfo:
        return cls(**data)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_jsonl_gz(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write JSON lines, gzip-compressed with a fixed mtime so equal content gives equal bytes."""
    n = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        for row in rows:
            gz.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            gz.write(b"\n")
            n += 1
    return n


def read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        raise StoreError(
            f"{path}: snapshot file is damaged ({exc}); run `supplyscreen lists update`"
        ) from exc


def _new_locks_after_fork() -> None:
    """A forked child has one thread: a lock another thread of its parent held stays held there."""
    for snapshot in list(_LOCKED):
        snapshot._lines_lock = threading.Lock()


_LOCKED: weakref.WeakSet[Snapshot] = weakref.WeakSet()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_locks_after_fork)


class Snapshot:
    """A read-only view of one snapshot directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise StoreError(f"{path}: not a list snapshot (no {MANIFEST})")
        try:
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{manifest_path}: unreadable manifest ({exc})") from exc
        self._entities: list[Entity] | None = None
        self._records: list[dict[str, Any]] | None = None
        self._lines: list[bytes] | None = None
        self._objects: list[Entity | None] = []
        self._lines_lock = threading.Lock()
        _LOCKED.add(self)
        self._reading: threading.Thread | None = None

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def created(self) -> str:
        return str(self.manifest["created"])

    @property
    def sources(self) -> dict[str, SourceInfo]:
        return {code: SourceInfo.from_dict(d) for code, d in self.manifest["sources"].items()}

    def entities(self) -> list[Entity]:
        """All linked entities (loaded once, then cached)."""
        if self._entities is None:
            self.entity_records()
            self._entities = [self.entity_at(i) for i in range(self.entity_count())]
        return self._entities

    def entity_records(self) -> list[dict[str, Any]]:
        """The linked entities as their stored dicts, in file order (parsed once)."""
        if self._records is None:
            self._records = [self._parse(i, line) for i, line in enumerate(self._entity_lines())]
        return self._records

    def _entity_lines(self) -> list[bytes]:
        """The entity file's lines, unparsed (read once): a look-up parses only the line it needs."""
        if self._lines is None:
            with self._lines_lock:  # read in a thread too (read_in_background)
                if self._lines is None:
                    path = self.path / ENTITIES
                    try:
                        # decompressed in one call, which leaves the GIL to other threads
                        data = gzip.decompress(path.read_bytes())
                    except (OSError, EOFError, gzip.BadGzipFile) as exc:
                        raise StoreError(
                            f"{path}: snapshot file is damaged ({exc}); run `supplyscreen lists update`"
                        ) from exc
                    lines = [line for line in data.split(b"\n") if line.strip()]
                    self._objects = [None] * len(lines)
                    self._lines = lines
        return self._lines

    def read_in_background(self) -> None:
        """Start reading the entity file in a thread, for look-ups to come (a file screening: its
        first hits need it); a damaged file is reported by the look-up that needs it."""

        def read() -> None:
            try:
                self._entity_lines()
            except StoreError:
                pass

        if self._lines is None and self._reading is None:
            self._reading = threading.Thread(target=read, name="entities", daemon=True)
            self._reading.start()

    def wait_for_reading(self) -> None:
        """Wait for ``read_in_background`` to finish (before a fork: a child must not inherit the
        lock of a thread that is not there)."""
        if self._reading is not None:
            self._reading.join()

    def _parse(self, position: int, line: bytes) -> dict[str, Any]:
        try:
            found: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError as exc:
            raise StoreError(
                f"{self.path / ENTITIES}: line {position + 1} is damaged ({exc}); "
                "run `supplyscreen lists update`"
            ) from exc
        return found

    def entity_at(self, position: int) -> Entity:
        """The entity at a position of the entity file (made once: the same object every time)."""
        lines = self._entity_lines()
        found = self._objects[position]
        if found is None:
            record = (
                self._records[position]
                if self._records is not None
                else self._parse(position, lines[position])
            )
            found = self._objects[position] = Entity.from_dict(record)
        return found

    def entity_count(self) -> int:
        return len(self._entity_lines())

    def rules(self) -> list[Rule]:
        path = self.path / RULES
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as fh:
            return [Rule.from_dict(json.loads(line)) for line in fh if line.strip()]

    def source_entities(self, code: str) -> Iterator[Entity]:
        """The entities one source contributed, as read before linkage."""
        for d in read_jsonl_gz(self.path / SOURCES_DIR / f"{code}.jsonl.gz"):
            yield Entity.from_dict(d)

    def history(self) -> History:
        """The change log, first-seen and last-change dates and lineage (``store.changelog``). A
        snapshot written before they were kept has an empty log, and its records were first seen and
        last changed at its own date."""
        lineage = list(self.manifest.get("lineage") or [self.version])
        if not (self.path / SEEN).is_file():
            when = self.created[:19]
            seen = {
                sid: (when, when)
                for record in self.entity_records()
                for sid in record.get("source_ids") or (record["id"],)
            }
            return History([], seen, lineage)
        changes = (
            [RecordChange.from_dict(d) for d in read_jsonl_gz(self.path / CHANGES)]
            if (self.path / CHANGES).is_file()
            else []
        )
        seen = {
            str(d["id"]): (str(d["first_seen"]), str(d["last_change"]))
            for d in read_jsonl_gz(self.path / SEEN)
        }
        return History(changes, seen, lineage)

    def source_counts(self, code: str) -> dict[str, int]:
        """Entities, names and addresses one source contributed: from the manifest, or counted in
        its entity file for a snapshot written before the manifest recorded names and addresses."""
        info = self.sources[code]
        if info.names is not None and info.addresses is not None:
            return {"entities": info.entities, "names": info.names, "addresses": info.addresses}
        counts = {"entities": 0, "names": 0, "addresses": 0}
        for d in read_jsonl_gz(self.path / SOURCES_DIR / f"{code}.jsonl.gz"):
            counts["entities"] += 1
            counts["names"] += len(d.get("names") or ())
            counts["addresses"] += len(d.get("addresses") or ())
        return counts


def list_counts(entities: Iterable[Entity]) -> Counter[str]:
    """Entities per list code (an entity counts once per list it is on)."""
    counts: Counter[str] = Counter()
    for e in entities:
        for code in e.list_codes:
            counts[code] += 1
    return counts


def write_snapshot(
    target: Path,
    version: str,
    sources: dict[str, tuple[SourceInfo, list[Entity], list[Rule]]],
    linked: list[Entity],
    raw_files: dict[str, dict[str, Path]] | None = None,
    *,
    history: History | None = None,
    created: str | None = None,
) -> Snapshot:
    """Write a complete snapshot into ``target`` (a fresh temporary directory) and return it.

    The caller renames ``target`` into place; nothing here touches an active snapshot.
    """
    (target / SOURCES_DIR).mkdir(parents=True, exist_ok=False)
    manifest_sources: dict[str, Any] = {}
    all_rules: list[Rule] = []
    for code, (info, entities, rules) in sources.items():
        write_jsonl_gz(target / SOURCES_DIR / f"{code}.jsonl.gz", (e.to_dict() for e in entities))
        manifest_sources[code] = info.to_dict()
        all_rules.extend(rules)
        for role, src in (raw_files or {}).get(code, {}).items():
            dest = target / "files" / code
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / info.files[role]["filename"])
    write_jsonl_gz(target / ENTITIES, (e.to_dict() for e in linked))
    with open(target / RULES, "w", encoding="utf-8") as fh:
        for rule in all_rules:
            fh.write(json.dumps(rule.to_dict(), ensure_ascii=False) + "\n")
    if history is not None:
        write_jsonl_gz(target / CHANGES, (c.to_dict() for c in history.changes))
        write_jsonl_gz(
            target / SEEN,
            ({"id": sid, "first_seen": f, "last_change": c} for sid, (f, c) in sorted(history.seen.items())),
        )
    manifest = {
        "format": 1,
        "version": version,
        "created": created or utc_now(),
        "entities": len(linked),
        "lists": dict(sorted(list_counts(linked).items())),
        "sources": manifest_sources,
    }
    if history is not None:
        manifest["lineage"] = history.lineage
    tmp = target / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target / MANIFEST)
    return Snapshot(target)
