"""Monitor benchmark: a 200,000-row vendor master (50,000 distinct vendors) re-screened after a list
change of 1,000 entities, incrementally and in full, in the same run; the results must be identical.

    python benchmarks/monitor.py [--rows 200000] [--vendors 50000] [--changed 1000]
                                 [--workdir /tmp/monitor-bench] [--end-to-end]

The master is the screening benchmark's generated purchase file (tests/support/generate.py: real
list names, Xinjiang addresses, covered equipment). The list change is a licensed list loaded with
`lists add` (2,000 organisations named as entities of the embedded lists, so they merge with them),
then replaced by a version with 30% of the change removed, 40% renamed (half keeping the old name as
an alias) and 30% added. Both re-screens run in this process on the same loaded lists (the name
index of the new version is built first, as `lists add` or `lists update` leave it cached); the
incremental one runs first, so it does not profit from the full one's warm caches. With
``--end-to-end`` it also times ``monitor run`` itself (the case database read and written) against
a ``monitor run`` forced to screen in full.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.generate import generate  # noqa: E402

from supplyscreen.io.readers import read_records  # noqa: E402
from supplyscreen.monitor.rescreen import IncrementalStats, full, incremental, master_names  # noqa: E402
from supplyscreen.screener import Screener  # noqa: E402
from supplyscreen.store import Store  # noqa: E402


def write_list(path: Path, entries: dict[str, tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "aliases", "country", "notes", "schema"])
        for key, (name, aliases) in sorted(entries.items()):
            w.writerow([key, name, aliases, "CN", "licensed feed", "Company"])
    return path


def list_versions(
    store: Store, changed: int, rng: random.Random
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """A licensed list of 2×``changed`` organisations, and its next version with ``changed`` of them
    removed, renamed or added."""
    names = sorted({e.caption for e in store.entities() if e.schema != "Person" and e.memberships})
    rng.shuffle(names)
    v1 = {f"L{i}": (names[i], "") for i in range(2 * changed)}
    v2 = dict(v1)
    removed, renamed = int(changed * 0.3), int(changed * 0.4)
    added = changed - removed - renamed
    keys = list(v1)
    for key in keys[:removed]:
        del v2[key]
    for i, key in enumerate(keys[removed : removed + renamed]):
        old = v1[key][0]
        v2[key] = (f"{old} Holdings", old if i % 2 else "")
    for i in range(added):
        v2[f"N{i}"] = (names[2 * changed + i], "")
    return v1, v2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--vendors", type=int, default=50_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monitor-bench"))
    parser.add_argument("--end-to-end", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    home = args.workdir / f"home-{time.strftime('%Y%m%dT%H%M%S')}"
    master = args.workdir / f"master_{args.rows}_{args.vendors}.csv"
    if not master.exists():
        generate(master, args.rows, args.vendors, 20_000)
    store = Store.open(home)
    v1, v2 = list_versions(store, args.changed, random.Random(22))
    started = time.perf_counter()
    store.add_user_list("feed", write_list(args.workdir / "feed_v1.csv", v1))
    screener = Screener.open(home)
    screener.matcher  # noqa: B018
    print(f"list version 1 installed and indexed: {time.perf_counter() - started:.1f} s")
    stream = read_records(master)
    records = list(stream)
    print(f"master: {len(records):,} rows, {len({r.name for r in records}):,} distinct vendors")
    started = time.perf_counter()
    forms: dict = {}
    before = full(screener, records, forms)
    names = master_names(records, before, forms)  # what a monitor keeps of its master's names
    print(f"baseline (full screening, version 1, and the names kept): {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    version = Store.open(home).add_user_list("feed", write_list(args.workdir / "feed_v2.csv", v2))
    screener = Screener.open(home)
    screener.matcher  # noqa: B018
    screener.store.preload()
    print(f"list version 2 installed and indexed: {time.perf_counter() - started:.1f} s")
    log = [c for c in screener.store.snapshot.history().changes if c.version == version]
    kinds = {k: sum(c.change == k for c in log) for k in ("added", "removed", "changed")}
    print(f"list change: {len(log):,} records {kinds}")

    stats = IncrementalStats()
    started = time.perf_counter()
    fast = incremental(screener, records, before, log, stats, names)
    t_incremental = time.perf_counter() - started
    started = time.perf_counter()
    whole = full(screener, records)
    t_full = time.perf_counter() - started
    differing = [i for i, (a, b) in enumerate(zip(fast, whole, strict=True)) if a.outcome() != b.outcome()]
    changed_rows = sum(a.outcome() != b.outcome() for a, b in zip(before, whole, strict=True))
    print(
        f"incremental: {t_incremental:.2f} s ({stats.delta_entities:,} entities indexed on their own, "
        f"{stats.names:,} distinct names, {stats.rematched:,} matched again, "
        f"{stats.rows_rescreened:,} rows re-screened)"
    )
    print(f"full:        {t_full:.2f} s")
    print(f"incremental / full: {t_incremental / t_full:.1%} (target ≤ 5%)")
    print(f"rows whose screening the change altered: {changed_rows:,}")
    print(
        f"rows where incremental and full differ: {len(differing)}"
        + (f" (first: {differing[:5]})" if differing else "")
    )
    if args.end_to_end:
        end_to_end(home, master, v1, v2, args.workdir)
    if differing:
        raise SystemExit(1)


def end_to_end(
    home: Path, master: Path, v1: dict[str, tuple[str, str]], v2: dict[str, tuple[str, str]], workdir: Path
) -> None:
    """``monitor run`` with the case database, incremental and forced full (its lists' log removed)."""
    from supplyscreen.cases import Cases
    from supplyscreen.monitor.book import MonitorBook
    from supplyscreen.monitor.run import add_monitor, run_monitor

    store = Store.open(home)
    store.add_user_list("feed", write_list(workdir / "feed_v1.csv", v1))
    cases = Cases.open(home=home)
    started = time.perf_counter()
    add_monitor(cases, Screener.open(home), "bench", master, user="bench")
    print(f"monitor add (read, save, baseline): {time.perf_counter() - started:.1f} s")
    Store.open(home).add_user_list("feed", write_list(workdir / "feed_v2.csv", v2))
    screener = Screener.open(home)
    screener.matcher  # noqa: B018
    started = time.perf_counter()
    result = run_monitor(cases, screener, "bench", user="bench")
    t_run = time.perf_counter() - started
    print(f"monitor run ({result.mode}): {t_run:.1f} s, {len(result.changes):,} changes")
    with cases.db.session() as s:  # forget the lists' version: the next run cannot use the log
        from sqlalchemy import update

        from supplyscreen.cases.tables import Monitor

        s.execute(update(Monitor).where(Monitor.name == "bench").values(list_version="unknown"))
    started = time.perf_counter()
    forced = run_monitor(cases, screener, "bench", user="bench")
    print(
        f"monitor run ({forced.mode}): {time.perf_counter() - started:.1f} s, {len(forced.changes):,} changes"
    )
    print(f"rows: {MonitorBook(cases.db).get('bench').rows:,}")
    cases.close()


if __name__ == "__main__":
    main()
