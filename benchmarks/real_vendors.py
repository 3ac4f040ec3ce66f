"""False alerts on real public-sector vendor files, with OpenSanctions' logic-v2 side by side.

    python benchmarks/real_vendors.py [--bench ../shared/bench/real_vendors] [--home DIR]
                                      [--skip-nomenklatura] [--workdir DIR]

Reads the four vendor files and ``known_covered.csv`` from ``--bench`` (not part of the repository:
real records are measured, never copied). Prints:

* the distinct vendor names of the four files screened as a one-column file: how many come out
  ``high`` and ``review``, whether DJI (the one listed vendor) is high, and every high name;
* logic-v2 (nomenklatura) on the same names behind supplyscreen's candidate search: names with a hit
  at 0.7 or more, and at 0.5 or more;
* each file screened whole: the rows ``known_covered.csv`` says are high (are they?), Montgomery row
  1318 (at least review?), the rows of its traps (clear?), and whether the output's header and rows
  have one width.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "real_vendors"
FILES = {
    "phoenix_vendor_payments_2017-12_sample.csv": "Vendor Name",
    "dallas_isd_vendor_list_fy2022-2025.csv": "vendor",
    "montgomery_county_md_contracts_2020-05.csv": "Vendor",
    "aos_border_counties_2020-01.csv": "Vendor",
}
RANK = {"clear": 0, "review": 1, "high": 2}


def distinct_names(folder: Path) -> list[str]:
    names: dict[str, None] = {}
    for name, column in FILES.items():
        with (folder / name).open(encoding="utf-8", errors="replace", newline="") as handle:
            for row in csv.DictReader(handle):
                value = (row.get(column) or "").strip()
                if value:
                    names.setdefault(value)
    return list(names)


def read_output(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def logic_v2(screener: Any, names: list[str]) -> tuple[int, int, float]:
    """Names with a logic-v2 hit at 0.7 or more and at 0.5 or more, and seconds taken."""
    from followthemoney import model
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    from supplyscreen.names.normalize import name_form

    algorithm = get_algorithm("logic-v2")
    assert algorithm is not None
    config = ScoringConfig(weights={}, config={})
    index = screener.matcher.index
    proxies: dict[int, Any] = {}
    high = low = 0
    started = time.perf_counter()
    for k, name in enumerate(names):
        query = model.make_entity("LegalEntity")
        query.id = f"vendor-{k}"
        query.add("name", name)
        found = index.candidates(name_form(name), min_share=0.0)
        best = 0.0
        for e_idx in list(dict.fromkeys(index.name_entity[n] for n in found))[:40]:
            proxy = proxies.get(e_idx)
            if proxy is None:
                info = index.entities[e_idx]
                schema = info.schema if info.schema in model.schemata else "LegalEntity"
                proxy = model.make_entity(schema)
                proxy.id = info.id
                proxy.add("name", info.names[:1])
                proxy.add("alias", info.names[1:])
                proxies[e_idx] = proxy
            try:
                best = max(best, algorithm.compare(query, proxy, config).score)
            except Exception:  # noqa: BLE001 - a schema pair logic-v2 refuses counts as no hit
                continue
        high += best >= 0.7
        low += best >= 0.5
    return high, low, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=BENCH)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-nomenklatura", action="store_true")
    args = parser.parse_args()
    missing = [n for n in (*FILES, "known_covered.csv") if not (args.bench / n).is_file()]
    if missing:
        sys.exit(
            f"error: {args.bench} lacks {', '.join(missing)}: the real vendor files are not part of the "
            "repository; pass --bench with the folder that holds them"
        )
    home = args.home or Path(tempfile.mkdtemp(prefix="supplyscreen-bench-"))
    os.environ["SUPPLYSCREEN_HOME"] = str(home)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="real-vendors-"))
    work.mkdir(parents=True, exist_ok=True)

    from supplyscreen import Screener
    from supplyscreen.screen.run import screen_file

    screener = Screener.open(home)

    # -- the distinct names, one column ------------------------------------------------------------
    names = distinct_names(args.bench)
    one_column = work / "names.csv"
    with one_column.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["vendor"])
        writer.writerows([n] for n in names)
    out = work / "names.screened.csv"
    started = time.perf_counter()
    screen_file(screener, one_column, out)
    seconds = time.perf_counter() - started
    header, rows = read_output(out)
    risk, match = header.index("risk"), header.index("top_match")
    counts = Counter(row[risk] for row in rows)
    highs = [(row[0], row[match]) for row in rows if row[risk] == "high"]
    dji = [row for row in rows if row[0].strip().upper() == "DJI"]
    false_high = [h for h in highs if h[0].strip().upper() != "DJI"]
    print(f"one column: {len(rows):,} distinct vendor names screened in {seconds:.1f} s")
    print(
        f"  supplyscreen: {counts['high']} high ({counts['high'] / len(rows):.2%}), "
        f"{counts['review']} review ({counts['review'] / len(rows):.2%}); "
        f"false high {len(false_high)} (target ≤ 6), review target ≤ 65; "
        f"DJI {'high' if dji and all(r[risk] == 'high' for r in dji) else 'NOT high'}"
    )
    for name, top in highs:
        print(f"    high: {name!r} → {top}")
    if not args.skip_nomenklatura:
        high, low, taken = logic_v2(screener, names)
        print(
            f"  logic-v2 behind the same candidates: {high} names at ≥ 0.7 ({high / len(names):.2%}), "
            f"{low} at ≥ 0.5 ({low / len(names):.2%}); {taken:.0f} s"
        )

    # -- each file, whole --------------------------------------------------------------------------
    expected: dict[tuple[str, int], str] = {}
    for row in csv.DictReader((args.bench / "known_covered.csv").open(encoding="utf-8", newline="")):
        key = (row["file"], int(row["row"]))
        wanted = row["expected"] if row["expected"] in RANK else "clear"
        expected[key] = max(expected.get(key, "clear"), wanted, key=RANK.__getitem__)
    print("\nwhole files:")
    failures: dict[str, list[str]] = defaultdict(list)
    for name in FILES:
        out = work / (Path(name).stem + ".screened.csv")
        started = time.perf_counter()
        screen_file(screener, args.bench / name, out)
        seconds = time.perf_counter() - started
        header, rows = read_output(out)
        risk = header.index("risk")
        widths = {len(row) for row in rows}
        file_counts = Counter(row[risk] for row in rows)
        print(
            f"  {name}: {len(rows):,} rows in {seconds:.1f} s; high {file_counts['high']}, review "
            f"{file_counts['review']}; header {len(header)} cells, rows {sorted(widths)}"
        )
        if widths != {len(header)}:
            failures[name].append(f"header of {len(header)} cells over rows of {sorted(widths)}")
        for (file, number), wanted in sorted(expected.items()):
            if file != name:
                continue
            got = rows[number - 1][risk] if number <= len(rows) else "missing"
            ok = got == wanted if wanted != "review" else RANK.get(got, -1) >= RANK["review"]
            print(f"    row {number}: expected {wanted}, got {got}{'' if ok else '  ✗'}")
            if not ok:
                failures[name].append(f"row {number}: expected {wanted}, got {got}")
    print("\nall whole-file checks hold" if not failures else f"\nfailed: {dict(failures)}")


if __name__ == "__main__":
    main()
