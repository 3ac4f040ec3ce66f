"""Screening benchmark: a generated 1,000,000-row purchase file (50,000 vendors, 20,000 descriptions).

    python benchmarks/screen.py [--rows 1000000] [--workdir /tmp/screen-bench] [--splits 3] [--extra-columns]

Prints pyarrow's time merely to read the file, the time of `supplyscreen screen` on 1 core and on 2
cores (wall, incl. start-up) with the peak memory of the whole process tree, the split between name
matching and everything else (reading, deduplication, detectors, writing) measured in one process
with one worker (the median of ``--splits`` fresh processes), and the 10,000-row / 2,000-vendor
end-to-end time. ``--extra-columns`` screens a file with two more free-text columns that have no
role, a location and a note (``po_1m_extra.csv``), which the detectors read too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the purchase-file generator is test support, shared with the tests (tests/support/generate.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from proctree import tree_rss_mb  # noqa: E402
from support.generate import generate  # noqa: E402


def run_measured(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of the whole process tree of ``cmd``."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {stderr.decode()[-2000:]}")
    return time.perf_counter() - started, peak


def split_matching(path: Path, out: Path) -> tuple[float, float]:
    """One process, one worker: (total seconds, seconds spent matching distinct names). Run in a
    fresh process each time (``--split``), after the lists and the matcher are loaded and pyarrow
    has read the file once (as for the read it is compared with)."""
    import pyarrow.csv as pacsv

    pacsv.read_csv(path)
    from supplyscreen import Screener
    from supplyscreen.screen.run import screen_file

    screener = Screener.open()
    screener.matcher  # noqa: B018
    spent = [0.0]
    original = screener.match

    def timed(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent[0] += time.perf_counter() - t

    screener.match = timed  # type: ignore[method-assign]
    started = time.perf_counter()
    screen_file(screener, path, out, workers=1)
    return time.perf_counter() - started, spent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/screen-bench"))
    parser.add_argument("--split", nargs=2, type=Path, metavar=("FILE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--splits", type=int, default=3, help="fresh processes for the split (median)")
    parser.add_argument("--extra-columns", action="store_true", help="add a location and a note column")
    args = parser.parse_args()
    if args.splits < 1:
        parser.error("--splits must be 1 or more")
    if args.split:  # a child of the run below
        print(json.dumps(split_matching(*args.split)))
        return
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SUPPLYSCREEN_HOME", str(work / "home"))
    big, small = work / ("po_1m_extra.csv" if args.extra_columns else "po_1m.csv"), work / "po_10k.csv"
    if not big.exists():
        generate(big, args.rows, 50_000, 20_000, extra_columns=args.extra_columns)
    if not small.exists():
        generate(small, 10_000, 2_000, 2_000)
    import pyarrow.csv as pacsv

    def read(threads: bool) -> tuple[float, float, int]:
        """pyarrow's read of the file: the median of 3 warm reads, the first read, the rows."""
        reads, rows = [], 0
        for _ in range(4):  # the first read warms the page cache and pyarrow; the median of the rest
            started = time.perf_counter()
            rows = pacsv.read_csv(big, read_options=pacsv.ReadOptions(use_threads=threads)).num_rows
            reads.append(time.perf_counter() - started)
        return sorted(reads[1:])[1], reads[0], rows

    arrow_s, first_s, rows = read(True)
    single_s, _, _ = read(False)
    print(f"file: {big} ({big.stat().st_size / 1e6:.0f} MB, {rows:,} rows)")
    print(
        f"pyarrow.csv.read_csv: {arrow_s:.2f} s (multi-threaded, as by default: median of 3 warm reads; "
        f"first read {first_s:.2f} s); {single_s:.2f} s on one thread (use_threads=False)"
    )

    cli = [sys.executable, "-m", "supplyscreen", "screen"]
    subprocess.run([*cli, str(small), "--out", str(work / "warm.csv")], check=True, capture_output=True)
    small_s, _ = run_measured([*cli, str(small), "--out", str(work / "small.csv")])
    print(f"10,000 rows / 2,000 vendors, end to end incl. start-up: {small_s:.2f} s")
    wall1, rss1 = run_measured(
        ["taskset", "-c", "0", *cli, str(big), "--out", str(work / "out1.csv"), "--workers", "1"]
    )
    print(f"1,000,000 rows, 1 core:  {wall1:.1f} s, peak RSS {rss1} MB ({args.rows / wall1:,.0f} rows/s)")
    wall2, rss2 = run_measured([*cli, str(big), "--out", str(work / "out2.csv"), "--workers", "2"])
    print(f"1,000,000 rows, 2 cores: {wall2:.1f} s, peak RSS {rss2} MB ({args.rows / wall2:,.0f} rows/s)")
    splits = []
    for _ in range(args.splits):
        child = [sys.executable, __file__, "--split", str(big), str(work / "split.csv")]
        done = subprocess.run(child, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(child)} failed: {done.stderr[-2000:]}")
        splits.append(json.loads(done.stdout.strip().splitlines()[-1]))
    total, matching = sorted(splits, key=lambda s: s[0] - s[1])[len(splits) // 2]  # the median rest
    rest = total - matching
    each = ", ".join(f"{t - m:.2f}" for t, m in splits)
    print(
        f"one process, median of {len(splits)} (each a fresh process): {total:.1f} s, of which name "
        f"matching {matching:.1f} s; everything else {rest:.2f} s (runs: {each}) = {rest / arrow_s:.1f}x "
        f"pyarrow's read ({rest / single_s:.1f}x its one-thread read)"
    )


if __name__ == "__main__":
    main()
