"""The list store: versioned snapshots under a data directory, one of them active.

The active version is named in ``<home>/ACTIVE``, replaced atomically; until the first update the
snapshot embedded in the package is active, so screening works offline on first run. An update
builds a complete new snapshot beside the others and only then switches ``ACTIVE``; a failure at
any point leaves the previous version active.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from supplyscreen.errors import StoreError, SupplyscreenError, UnknownEntityError, UpdateError
from supplyscreen.model import STALE_AFTER_DAYS, Entity, to_ftm
from supplyscreen.settings import SOURCES_BASE_URL_ENV, default_home
from supplyscreen.sources.base import SourceSpec
from supplyscreen.sources.registry import UPDATABLE, min_share, source_spec
from supplyscreen.sources.user_list import user_list_spec, validate_list_name
from supplyscreen.store.build import SourceData, build_snapshot, carry_over, new_version, read_source
from supplyscreen.store.changelog import carry_forward
from supplyscreen.store.fetch import fetch_source
from supplyscreen.store.history import entity_history
from supplyscreen.store.linkage import link_key
from supplyscreen.store.snapshot import ENTITIES, Snapshot, SourceInfo

ACTIVE = "ACTIVE"
SNAPSHOTS = "snapshots"
KEEP_VERSIONS = 5
EMBEDDED = "embedded"
#: What the shrink guard of an update counts, per source, against the active snapshot.
SHRINK_GUARDED = ("entities", "names", "addresses")
#: Called after the active snapshot changes, as ``listener(store, previous_version, new_version)``;
#: the case database's audit trail registers here (``supplyscreen.cases.hooks``).
ACTIVATION_LISTENERS: list[Callable[[Store, str, str], None]] = []


def embedded_snapshot_path() -> Path:
    """The snapshot shipped inside the package, built by ``scripts/build_snapshot.py``."""
    return Path(str(resources.files("supplyscreen").joinpath("data/snapshot")))


@dataclass(slots=True)
class ListStatus:
    """One row of ``lists status``: a list as one source provides it."""

    list_code: str
    source: str
    title: str
    entities: int
    snapshot_date: str | None
    age_days: int | None
    official: bool
    skipped: dict[str, int] = field(default_factory=dict)
    #: the folder or base URL a `lists update --from` read the list from, and the date (UTC,
    #: YYYY-MM-DD) that update installed it; both None for lists from the official addresses
    mirror: str | None = None
    mirrored_on: str | None = None

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > STALE_AFTER_DAYS


@dataclass(slots=True)
class UpdateResult:
    """What an update did: the new active version (None if nothing changed) and each list's outcome."""

    version: str | None
    updated: dict[str, SourceData] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    #: of the failed sources, those whose files were fetched but refused: damaged or incomplete
    #: files, companion files missing, a list that shrank (the others could not be fetched)
    refused: set[str] = field(default_factory=set)


def age_in_days(snapshot_date: str | None, today: date | None = None) -> int | None:
    """Days since a snapshot date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, taken as its first day)."""
    if not snapshot_date:
        return None
    parts = snapshot_date[:10].split("-")
    try:
        d = date(
            int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1
        )
    except (ValueError, IndexError):
        return None
    return ((today or datetime.now(UTC).date()) - d).days


class Store:
    """Versioned list snapshots under ``home``; see the module docstring."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._snapshot: Snapshot | None = None
        self._index: dict[str, int] | None = None

    @classmethod
    def open(cls, home: str | Path | None = None) -> Store:
        return cls(Path(home).expanduser() if home else default_home())

    # -- versions -------------------------------------------------------------------------------
    @property
    def active_version(self) -> str:
        path = self.home / ACTIVE
        if path.is_file():
            version = path.read_text(encoding="utf-8").strip()
            if version:
                return version
        return EMBEDDED

    def snapshot_path(self, version: str) -> Path:
        return embedded_snapshot_path() if version == EMBEDDED else self.home / SNAPSHOTS / version

    @property
    def snapshot(self) -> Snapshot:
        """The active snapshot (loaded lazily)."""
        if self._snapshot is None:
            version = self.active_version
            path = self.snapshot_path(version)
            if not (path / "manifest.json").is_file():
                raise StoreError(
                    f"active snapshot {version!r} is missing at {path}; "
                    f"remove {self.home / ACTIVE} to fall back to the embedded lists"
                )
            self._snapshot = Snapshot(path)
        return self._snapshot

    def versions(self) -> list[str]:
        """Installed snapshot versions, oldest first (the embedded one is always available)."""
        root = self.home / SNAPSHOTS
        found = (
            sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []
        )
        return [EMBEDDED, *found]

    def activate(self, version: str) -> None:
        """Make ``version`` the active snapshot, atomically (also used to roll back)."""
        if version != EMBEDDED:
            Snapshot(self.snapshot_path(version))  # validates that it is a complete snapshot
        previous = self.active_version
        self.home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.home, prefix=".active-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(version + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.home / ACTIVE)
        self._snapshot = None
        self._index = None
        for listener in ACTIVATION_LISTENERS:
            listener(self, previous, version)

    # -- entities -------------------------------------------------------------------------------
    def entities(self) -> list[Entity]:
        return self.snapshot.entities()

    def _by_id(self) -> dict[str, int]:
        """Positions in the snapshot's entity records by entity id and by source id; entities are made
        from their records only when asked for (a screening run looks up a few of them)."""
        if self._index is None:
            snapshot = self.snapshot
            cache = self.home / "cache" / f"entity-ids-{self._entities_stamp()}.json"
            try:
                index: dict[str, int] = json.loads(cache.read_text(encoding="utf-8"))
                if len(set(index.values())) != snapshot.entity_count():
                    raise ValueError("stale")
            except (OSError, ValueError):
                index = {}
                for position, record in enumerate(snapshot.entity_records()):
                    index[record["id"]] = position
                    for sid in record.get("source_ids", ()):
                        index.setdefault(sid, position)
                _write_quietly(cache, json.dumps(index))
            self._index = index
        return self._index

    def _entities_stamp(self) -> str:
        """What identifies the active entity file: snapshot version, size and modification time, hashed."""
        snapshot = self.snapshot
        stat = (snapshot.path / ENTITIES).stat()
        key = f"{snapshot.version}:{snapshot.path}:{stat.st_size}:{stat.st_mtime_ns}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def preload(self) -> None:
        """Read the entity records and their id index now (before forking workers that look them up)."""
        self._by_id()

    def get(self, key: str) -> Entity:
        """An entity by its id or any of its source ids (``us_ofac_sdn:29299``, ``us_trade_csl:…``)."""
        try:
            position = self._by_id()[key]
        except KeyError:
            raise UnknownEntityError(
                f"no entity with id or source id {key!r} in snapshot {self.active_version}"
            ) from None
        return self.snapshot.entity_at(position)

    def find_by_name(self, name: str, limit: int = 10) -> list[Entity]:
        """Entities bearing ``name`` exactly (after legal forms and punctuation are folded), most lists first;
        failing that, those whose name contains it. A lookup aid for `lists show`, not the matcher."""
        key = link_key(name)
        exact = [e for e in self.entities() if any(link_key(n.value) == key for n in e.names)]
        found = exact or [e for e in self.entities() if any(key in link_key(n.value) for n in e.names)]
        found.sort(key=lambda e: (-len(e.list_codes), e.caption))
        return found[:limit]

    # -- status ---------------------------------------------------------------------------------
    def status(self, today: date | None = None) -> list[ListStatus]:
        """One row per (list, source) in the active snapshot, with entity counts and data age."""
        rows: list[ListStatus] = []
        for code, info in self.snapshot.sources.items():
            for list_code, count in info.lists.items():
                rows.append(
                    ListStatus(
                        list_code,
                        code,
                        info.title,
                        count,
                        info.snapshot_date,
                        age_in_days(info.snapshot_date, today),
                        info.official,
                        info.skipped,
                        info.mirror,
                        info.fetched[:10] if info.mirror else None,
                    )
                )
        return rows

    # -- changes --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[Path]:
        """An exclusive lock on the store and a scratch directory inside it (same file system)."""
        self.home.mkdir(parents=True, exist_ok=True)
        lock_path = self.home / ".lock"
        with open(lock_path, "w") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # pragma: no cover - Windows: no advisory lock
                pass
            except OSError:
                raise StoreError(f"{self.home}: another update is running") from None
            scratch = Path(tempfile.mkdtemp(dir=self.home, prefix=".work-"))
            try:
                yield scratch
            finally:
                shutil.rmtree(scratch, ignore_errors=True)

    def _commit(
        self,
        base: Snapshot,
        new_sources: dict[str, SourceData],
        raw_files: dict[str, dict[str, Path]],
        drop: Sequence[str] = (),
    ) -> str:
        """Write a new snapshot of ``base`` with ``new_sources`` replaced or added, then activate it."""
        sources: dict[str, SourceData] = {}
        for code in base.sources:
            if code in new_sources:
                sources[code] = new_sources[code]
            elif code not in drop:
                sources[code] = carry_over(base, code)
        for code, data in new_sources.items():
            sources.setdefault(code, data)
        version = new_version()
        (self.home / SNAPSHOTS).mkdir(parents=True, exist_ok=True)
        build_snapshot(
            self.home / SNAPSHOTS / version, sources, version=version, raw_files=raw_files, previous=base
        )
        self.activate(version)
        self._prune()
        return version

    def update(
        self,
        codes: Sequence[str] = (),
        base_url: str | None = None,
        *,
        force: bool = False,
        min_ratio: float | None = None,
    ) -> UpdateResult:
        """Fetch, validate and activate new versions of the given sources (all official ones by default).

        Each list is parsed completely; the reader refuses a file cut short (OFAC's end-of-file
        marker missing, a last line without its end, malformed XML). Unless ``force``, an
        update must also bring every companion file the active version of the source was built
        with (alt.csv, add.csv, sdn_comments.csv beside sdn.csv; a source of alternative formats
        may switch formats), and keep at least ``min_ratio``
        of the active source's entities, names and addresses each (default: the source's
        ``min_share`` in ``data/sources.yaml``, 95%). Lists that fail keep their previous data; if
        none succeeds the active version is unchanged.
        """
        codes = list(codes) or list(UPDATABLE)
        specs = {code: source_spec(code) for code in codes}
        base_url = base_url or os.environ.get(SOURCES_BASE_URL_ENV) or None
        result = UpdateResult(version=None)
        raw_files: dict[str, dict[str, Path]] = {}
        with self._locked() as scratch:
            base = self.snapshot
            current = base.sources
            for code, spec in specs.items():
                try:
                    files, locations = fetch_source(spec, scratch / code, base_url)
                except SupplyscreenError as exc:
                    result.failed[code] = str(exc)
                    continue
                try:
                    old = current.get(code)
                    if old is not None and not force:
                        _require_companions(spec, old, files, base_url)
                    data = read_source(spec, files, urls=locations)
                    data.info.mirror = base_url
                    if old is not None:
                        _carry_forward(base, code, data)
                    if data.info.entities == 0:
                        raise UpdateError(f"{code}: the new file has no entities")
                    if old is not None and not force:
                        share = min_share(code) if min_ratio is None else min_ratio
                        _check_shrink(code, base.source_counts(code), data.info, share)
                    result.updated[code] = data
                    raw_files[code] = files
                except SupplyscreenError as exc:
                    result.failed[code] = str(exc)
                    result.refused.add(code)
            if result.updated:
                result.version = self._commit(base, result.updated, raw_files)
        return result

    def add_user_list(self, name: str, path: Path) -> str:
        """Load a user's own watchlist (CSV or FtM JSON) as list ``name``, in a new active version."""
        name = validate_list_name(name)
        spec = user_list_spec(name)
        role = spec.files[0].role
        data = read_source(spec, {role: Path(path)})
        if data.info.entities == 0:
            raise UpdateError(f"{path}: no entries with a name; list {name!r} not added")
        with self._locked():
            return self._commit(self.snapshot, {spec.code: data}, {spec.code: {role: Path(path)}})

    def remove_user_list(self, name: str) -> str:
        code = f"user_{name}"
        if code not in self.snapshot.sources:
            raise StoreError(f"no user list named {name!r}")
        with self._locked():
            return self._commit(self.snapshot, {}, {}, drop=[code])

    def _prune(self) -> None:
        """Keep the newest few versions (and the active one); older ones are removed."""
        versions = [v for v in self.versions() if v != EMBEDDED]
        active = self.active_version
        for old in versions[:-KEEP_VERSIONS]:
            if old != active:
                shutil.rmtree(self.home / SNAPSHOTS / old, ignore_errors=True)

    # -- export ---------------------------------------------------------------------------------
    def export_ftm(self, out: Path) -> int:
        """Write every entity (with its Sanction and link objects) as FollowTheMoney JSON lines, each
        entity with its ``first_seen``, ``last_seen`` and ``last_change`` (``store.history``)."""
        n = 0
        tmp = out.with_name(out.name + ".tmp")
        history = entity_history(self)
        with open(tmp, "w", encoding="utf-8") as fh:
            for entity in self.entities():
                seen = history.get(entity.id)
                for i, obj in enumerate(to_ftm(entity)):
                    if i == 0 and seen is not None:  # yente's dates, from the installed versions
                        obj.update(
                            first_seen=seen.first_seen, last_seen=seen.last_seen, last_change=seen.last_change
                        )
                    fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, out)
        return n


def _carry_forward(base: Snapshot, code: str, data: SourceData) -> None:
    """Keep what the active version of a source holds and the new file's format cannot (listing
    dates, names in other scripts): that is no change of the list (``store.changelog``)."""
    notes = carry_forward(base.source_entities(code), data.entities)
    if notes:
        data.info.notes.extend(notes)
        data.info.names = sum(len(e.names) for e in data.entities)


def _require_companions(
    spec: SourceSpec, old: SourceInfo, files: Mapping[str, Path], base_url: str | None
) -> None:
    """Refuse an update that lacks an optional file the active version of the source was built
    with: without alt.csv the SDN list keeps its entries but loses thousands of aliases.

    Only files of the format the update reads count: a source published in alternative formats
    (the non-SDN list's enhanced XML or CSV set) may switch from one to the other.
    """
    fmt = spec.format_of(files)
    missing = [
        f.filename for f in spec.files if f.format == fmt and f.role in old.files and f.role not in files
    ]
    if missing:
        where = base_url or "the official addresses"
        raise UpdateError(
            f"{spec.code}: {', '.join(missing)} not found at {where}, but the active snapshot was "
            f"built with {'it' if len(missing) == 1 else 'them'}; refusing the update, which would "
            f"lose what {'it holds' if len(missing) == 1 else 'they hold'} (use --force to install "
            f"the list without {'it' if len(missing) == 1 else 'them'})"
        )


def _check_shrink(code: str, old: Mapping[str, int], new: SourceInfo, share: float) -> None:
    """Refuse an update keeping less than ``share`` of the active source's entities, names or
    addresses (each counted over the source's own entities, before cross-list linkage)."""
    after = {"entities": new.entities, "names": new.names or 0, "addresses": new.addresses or 0}
    for what in SHRINK_GUARDED:
        before = old.get(what, 0)
        if before and after[what] < share * before:
            raise UpdateError(
                f"{code}: the new files have {after[what]:,} {what}, fewer than {share * 100:g}% of "
                f"the {before:,} in the active snapshot (a drop of {1 - after[what] / before:.1%}, "
                f"over the {(1 - share) * 100:g}% allowed); refusing them (use --force to install "
                f"them anyway if the list really shrank)"
            )


def _write_quietly(path: Path, text: str) -> None:
    """Write a cache file atomically; a read-only data directory only costs the work next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
