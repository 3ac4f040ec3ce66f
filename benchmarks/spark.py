"""Spark benchmark: the local engine and Spark ``local[2]`` side by side on a generated 1,000,000-row file.

    python benchmarks/spark.py [--rows 1000000] [--workdir /tmp/spark-bench] [--repeat 3]

Each run is a fresh process. The local engine screens the CSV file into a CSV file with one process
pinned to one core (``--workers 1``) and with two (``--workers 2``); Spark reads the same file, screens
it with ``supplyscreen.screen.engines.spark.screen`` and writes a CSV folder. Start-up is timed apart
from the screening: for the local engine, loading the lists and the name index; for Spark, the JVM and
the session, then a first small job that starts the Python workers and loads the lists in each. Besides
wall time, the CPU seconds of the whole process tree (JVM and Python workers included) are read from
/proc, which a busy machine disturbs less. Figures are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the purchase-file generator is test support, shared with the tests (tests/support/generate.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from proctree import tree_cpu_seconds  # noqa: E402
from support.generate import generate  # noqa: E402


def local_child(path: Path, out: Path, workers: int) -> dict[str, Any]:
    """In a child process: load the lists, then screen the file with the local engine."""
    started = time.perf_counter()
    from supplyscreen import Screener
    from supplyscreen.screen.run import screen_file

    screener = Screener.open()
    screener.matcher  # noqa: B018
    screener.store.preload()
    ready = time.perf_counter()
    cpu_before = tree_cpu_seconds(os.getpid())
    outcome = screen_file(screener, path, out, workers=workers)
    done = time.perf_counter()
    return {
        "startup_s": ready - started,
        "screen_s": done - ready,
        "cpu_s": tree_cpu_seconds(os.getpid()) - cpu_before,
        "risks": {k: v for k, v in outcome.summary.by_risk.items() if v},
    }


def spark_child(path: Path, out: Path, master: str, partitions: int | None) -> dict[str, Any]:
    """In a child process: start Spark, warm its Python workers, then screen the file."""
    started = time.perf_counter()
    from supplyscreen.screen.engines import spark as ss

    session = ss.session(master)
    up = time.perf_counter()
    example = Path(__file__).resolve().parents[1] / "examples" / "purchase_orders.csv"
    ss.screen(ss.read(session, example)).collect()  # Python workers start and load the lists
    warm = time.perf_counter()
    cpu_before = tree_cpu_seconds(os.getpid())
    frame = ss.screen(ss.read(session, path), partitions=partitions, csv_cells=True)  # as the CLI does
    ss.write(frame, out, fmt="csv", escaped=True)
    done = time.perf_counter()
    cpu = tree_cpu_seconds(os.getpid()) - cpu_before
    counts = session.read.options(header=True, escape='"', multiLine=True).csv(str(out)).groupBy("risk")
    risks = {row["risk"]: row["count"] for row in counts.count().collect()}
    session.stop()
    return {
        "session_s": up - started,
        "workers_s": warm - up,
        "screen_s": done - warm,
        "cpu_s": cpu,
        "cores": int(master.split("[")[1].rstrip("]")) if "[" in master else os.cpu_count(),
        "risks": risks,
    }


def run_child(args: list[str], pin: str | None = None) -> dict[str, Any]:
    """Run this script in a child process (pinned to CPUs ``pin``) and return what it printed."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    if pin:
        cmd = ["taskset", "-c", pin, *cmd]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the shortest screening time (the least disturbed by other work on the machine)."""
    return min(runs, key=lambda r: float(r["screen_s"]))


def report(rows: int, local1: dict[str, Any], local2: dict[str, Any], spark: dict[str, Any]) -> None:
    def per_core(r: dict[str, Any], cores: int) -> str:
        by_wall = rows / r["screen_s"] / cores
        return f"{by_wall:,.0f} rows/s per core, {rows / r['cpu_s']:,.0f} rows per CPU-second"

    print("| engine | start-up | screening | total wall | CPU s | throughput after start-up |")
    print("|---|---|---|---|---|---|")
    for label, r, cores in (
        ("local, 1 core (--workers 1)", local1, 1),
        ("local, 2 cores (--workers 2)", local2, 2),
    ):
        print(
            f"| {label} | {r['startup_s']:.1f} s lists | {r['screen_s']:.1f} s | {r['wall_s']:.1f} s | "
            f"{r['cpu_s']:.1f} | {per_core(r, cores)} |"
        )
    cores = int(spark["cores"])
    print(
        f"| Spark local[{cores}] | {spark['session_s']:.1f} s JVM + session, {spark['workers_s']:.1f} s "
        f"Python workers + lists | {spark['screen_s']:.1f} s | {spark['wall_s']:.1f} s | "
        f"{spark['cpu_s']:.1f} | "
        f"{per_core(spark, cores)} |"
    )
    ratio = (rows / local1["screen_s"]) / (rows / spark["screen_s"] / cores)
    print(f"local 1-core throughput / Spark per-core throughput: {ratio:.2f}x (goal: within 2x)")
    same = "identical" if local1["risks"] == spark["risks"] else "DIFFER"
    print(f"rows per risk: local {local1['risks']}, Spark {spark['risks']} ({same})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/spark-bench"))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("local", "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.workdir
    big = work / f"po_{args.rows}.csv"
    if args.child == "local":
        print(json.dumps(local_child(big, work / f"local{args.workers}.csv", args.workers)))
        return
    if args.child == "spark":
        print(json.dumps(spark_child(big, work / "spark.csv", args.master, args.partitions)))
        return
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SUPPLYSCREEN_HOME", str(work / "home"))
    if not big.exists():
        generate(big, args.rows, 50_000, 20_000)
    print(f"file: {big} ({big.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows); load: {os.getloadavg()}")
    common = ["--rows", str(args.rows), "--workdir", str(work), "--master", args.master]
    if args.partitions:
        common += ["--partitions", str(args.partitions)]
    local1, local2, spark = [], [], []
    for n in range(args.repeat):
        local1.append(run_child([*common, "--child", "local", "--workers", "1"], pin="0"))
        local2.append(run_child([*common, "--child", "local", "--workers", "2"]))
        spark.append(run_child([*common, "--child", "spark"]))
        print(
            f"run {n + 1}: local 1 core {local1[-1]['screen_s']:.1f} s, local 2 cores "
            f"{local2[-1]['screen_s']:.1f} s, Spark {spark[-1]['screen_s']:.1f} s; load {os.getloadavg()}",
            flush=True,
        )
    report(args.rows, best(local1), best(local2), best(spark))


if __name__ == "__main__":
    main()
