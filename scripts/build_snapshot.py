"""Build the list snapshot embedded in the package from a folder of official list files.

    python scripts/build_snapshot.py [FOLDER] [--out src/supplyscreen/data/snapshot] [--version V]

FOLDER (default ``../shared/data``) holds the dated official files at the paths that
``data/sources.yaml`` gives under ``embedded``: the OFAC SDN CSV files, OFAC's non-SDN enhanced XML
(ZIP), the trade.gov Consolidated Screening List CSV (gzip), the UN Security Council consolidated
XML and the FCC Covered List page.
The curated research files come from the package itself. The result is committed: the package then
screens offline on first run. Every source keeps the date its data is as of (from the file itself
where it says, else the date declared beside the paths).

Users do not need this script: ``supplyscreen lists update`` downloads current lists.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from supplyscreen.sources import registry
from supplyscreen.sources.registry import embedded_files, embedded_history, source_spec
from supplyscreen.store.build import SourceData, build_snapshot, read_source
from supplyscreen.store.changelog import carry_forward, iso_date
from supplyscreen.store.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
CURATED_DIR = ROOT / "src" / "supplyscreen" / "data" / "curated"

#: source code → ({file role: path in FOLDER}, data date where the file does not say), from the
#: ``embedded`` entries of data/sources.yaml
SHARED_FILES = embedded_files()
#: source code → [(data date, {file role: path in FOLDER}), …]: earlier versions whose changes the
#: embedded snapshot carries in its change log, oldest first
HISTORY = embedded_history()
#: the curated research files of the package, by source code
CURATED_FILES = {code: source_spec(code).files[0].filename for code in registry.CURATED}


def newest_listing(data: SourceData) -> str | None:
    """For curated files without a publication date: the newest listing date they record."""
    dates = [m.listed_on for e in data.entities for m in e.memberships if m.listed_on]
    dates += [r.listed_on for r in data.rules if r.listed_on]
    return max(dates) if dates else None


def dates_of(sources: dict[str, SourceData]) -> dict[str, str]:
    """Each source's version date: the date its data is as of (the embedded versions are dated by
    their data, not by when this script ran)."""
    return {code: d for code, data in sources.items() if (d := iso_date(data.info.snapshot_date))}


def build_history(folder: Path, sources: dict[str, SourceData], scratch: Path) -> Snapshot | None:
    """The earlier versions of the sources with a ``history`` in data/sources.yaml, built one after
    the other into ``scratch`` (each with the change log against the one before), the newest
    returned: the embedded snapshot is built on it. The current version of each such source keeps
    what its older files' format carries and its own does not (``store.changelog.carry_forward``)."""
    if not HISTORY:
        return None
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    steps = sorted((date, code, files) for code, versions in HISTORY.items() for date, files in versions)
    previous: Snapshot | None = None
    state = dict(sources)
    for n, (date, code, files) in enumerate(steps):
        older = read_source(
            source_spec(code), {r: folder / rel for r, rel in files.items()}, snapshot_date=date
        )
        state[code] = older
        previous = build_snapshot(
            scratch / f"v{n}",
            state,
            version=f"embedded-{code}-{date}",
            previous=previous,
            dates=dates_of(state),
        )
        print(f"history: {code} as of {date}: {older.info.entities} entities")
    assert previous is not None
    for code in HISTORY:
        notes = carry_forward(previous.source_entities(code), sources[code].entities)
        sources[code].info.notes.extend(notes)
        sources[code].info.names = sum(len(e.names) for e in sources[code].entities)
    return previous


def missing_files(folder: Path) -> list[str]:
    """The official files ``folder`` lacks, as paths relative to it."""
    paths = [rel for files, _ in SHARED_FILES.values() for rel in files.values()]
    paths += [rel for versions in HISTORY.values() for _, files in versions for rel in files.values()]
    return [rel for rel in paths if not (folder / rel).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "data", help="official list files"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "supplyscreen" / "data" / "snapshot")
    parser.add_argument("--version", help="snapshot version (default: embedded-YYYYMMDD of today)")
    args = parser.parse_args(argv)
    missing = missing_files(args.folder)
    if missing:
        print(
            f"error: {args.folder} lacks {len(missing)} of the official list files this script reads "
            f"(first: {missing[0]}); it needs the folder of dated official files (OFAC SDN and non-SDN, "
            "trade.gov CSL, UN consolidated list, FCC Covered List, as published by each authority); "
            "where each comes from: docs/sources.md; to screen against current lists, run "
            "`supplyscreen lists update`",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    sources: dict[str, SourceData] = {}
    for code, (files, date) in SHARED_FILES.items():
        spec = source_spec(code)
        sources[code] = read_source(
            spec, {role: args.folder / rel for role, rel in files.items()}, snapshot_date=date
        )
    for code, filename in CURATED_FILES.items():
        spec = source_spec(code)
        data = read_source(spec, {spec.files[0].role: CURATED_DIR / filename})
        data.info.snapshot_date = data.info.snapshot_date or newest_listing(data)
        sources[code] = data
    for code, data in sources.items():
        print(
            f"{code:22s} records={data.info.records:6d} entities={data.info.entities:6d} "
            f"date={data.info.snapshot_date} skipped={data.info.skipped}"
        )
    tmp_out = args.out.with_name(args.out.name + ".new")
    if tmp_out.exists():
        shutil.rmtree(tmp_out)
    version = args.version or "embedded-" + time.strftime("%Y%m%d")
    previous = build_history(args.folder, sources, tmp_out.with_name(tmp_out.name + ".history"))
    snapshot = build_snapshot(tmp_out, sources, version=version, previous=previous, dates=dates_of(sources))
    if previous is not None:
        shutil.rmtree(previous.path.parent)
    if args.out.exists():
        shutil.rmtree(args.out)
    tmp_out.rename(args.out)
    print(f"linked entities: {snapshot.manifest['entities']}; lists: {snapshot.manifest['lists']}")
    print(f"built {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
