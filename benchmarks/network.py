"""Supply-network benchmark: a generated graph of 200,000 nodes and 1,000,000 edges, 10,000 suppliers.

    python benchmarks/network.py [--nodes 200000] [--edges 1000000] [--suppliers 10000]
                                 [--workers 2] [--max-tier 4] [--home DIR] [--resolve-limit N]

The graph: the embedded lists' entities (with their relations), addresses (one in fifty in
Xinjiang), and user companies in supply tiers (buyers to suppliers), with ownership, subsidiary and
brand edges; 500 user companies bear the names of list entities so the matcher links them. The edges
are written to a CSV and read back like a user's file. Prints the time of each step: reading the
edges, building the graph, name resolution (the matching engine, timed and reported on its own),
flagging, and the exposure paths of all suppliers (the target: flagging plus paths <= 30 s on the
2-core machine), then writing the JSONL report, and the peak memory.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from supplyscreen import Screener  # noqa: E402
from supplyscreen.network import find_exposures, flag_network, read_relations, resolve_network  # noqa: E402
from supplyscreen.network.graph import SupplyNetwork  # noqa: E402
from supplyscreen.network.paths import SupplierRef  # noqa: E402
from supplyscreen.network.report import write_jsonl  # noqa: E402
from supplyscreen.network.screen import NetworkResult, linked_entities  # noqa: E402

WORDS = (
    "Golden Pacific Northern Eastern Bright Star River Mountain Ocean Summit Harbor Silver Green Blue Royal "
    "United Global Prime Apex Delta Alpha Sun Moon Crystal Pioneer Liberty Eagle Falcon Cedar Maple Oak Pine "
    "Jade Lotus Phoenix Orchid Bamboo Coral Amber Ivory Onyx Granite Willow Aspen Birch Meadow Valley Canyon"
).split()
TRADES = (
    "Textile Solar Silicon Wafer Module Garment Cotton Camera Optics Electronics Logistics Trading Metals "
    "Chemical Plastics Glass Packaging Machinery Components Cable Battery Steel Paper Foods Tomato Yarn"
).split()
FORMS = ("Co., Ltd.", "Inc.", "LLC", "GmbH", "Ltd.", "S.A.", "Corporation", "Industrial Co., Ltd.")
XINJIANG = ("Aksu, Xinjiang, China", "Shihezi Economic Development Zone, Xinjiang", "Hotan, Xinjiang, China")
ELSEWHERE = ("Suzhou, Jiangsu", "Shenzhen, Guangdong", "Ho Chi Minh City, Vietnam", "Penang, Malaysia")
TIERS = 6


def generate(path: Path, screener: Screener, n_nodes: int, n_edges: int, rng: random.Random) -> list[str]:
    """Write the edges CSV; returns the user company names, tier by tier (tier 0 first)."""
    entities = screener.store.entities()
    listed = [e.caption for e in entities if e.memberships and e.schema != "Person" and len(e.caption) < 60]
    n_addresses = n_nodes // 20
    n_companies = n_nodes - len(entities) - n_addresses
    names = [
        f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {i} {rng.choice(FORMS)}"
        for i in range(n_companies)
    ]
    for i in rng.sample(range(n_companies // 3, n_companies), 500):
        names[i] = rng.choice(listed)
    addresses = [
        f"{i} {rng.choice(WORDS)} Road, " + (rng.choice(XINJIANG) if i % 50 == 0 else rng.choice(ELSEWHERE))
        for i in range(n_addresses)
    ]
    size = len(names) // TIERS
    tier = [names[t * size : (t + 1) * size] for t in range(TIERS)]
    counts = {"located_at": n_addresses * 2, "owns": n_edges // 15, "subsidiary_of": n_edges // 50}
    counts["brand_of"] = n_edges // 200
    counts["supplies"] = n_edges - sum(counts.values())

    def pair(first: list[str], second: list[str]) -> tuple[str, str]:
        while True:  # a company never relates to itself
            a, b = rng.choice(first), rng.choice(second)
            if a.casefold() != b.casefold():
                return a, b

    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["from", "to", "relation", "share", "product"])
        for _ in range(counts["supplies"]):
            t = rng.randrange(TIERS - 1)
            target = tier[t + 1] if rng.random() < 0.9 else tier[rng.randrange(TIERS)]
            out.writerow([*pair(tier[t], target), "supplies", "", rng.choice(TRADES).lower()])
        for _ in range(counts["owns"]):
            out.writerow([*pair(names, names), "owns", rng.choice((10, 20, 25, 30, 51, 60)), ""])
        for relation in ("subsidiary_of", "brand_of"):
            for _ in range(counts[relation]):
                out.writerow([*pair(names, names), relation, "", ""])
        for i in range(counts["located_at"]):
            out.writerow([rng.choice(names), addresses[i % n_addresses], "located_at", "", ""])
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=200_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--suppliers", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-tier", type=int, default=4)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--resolve-limit", type=int, default=0, help="resolve only the first N names (0: all)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        t = time.perf_counter()
        screener = Screener.open(home)
        screener.matcher  # noqa: B018
        print(f"name index ready in {time.perf_counter() - t:.1f}s")
        edges = Path(tmp) / "edges.csv"
        t = time.perf_counter()
        names = generate(edges, screener, args.nodes, args.edges, rng)
        print(f"generated {edges.stat().st_size / 1e6:.0f} MB of edges in {time.perf_counter() - t:.1f}s")
        run(screener, edges, names, args, rng)


def _step(label: str, started: float, timings: dict[str, float]) -> float:
    now = time.perf_counter()
    timings[label] = now - started
    print(f"{label:>10}: {now - started:7.2f}s", flush=True)
    return now


def run(
    screener: Screener, edges: Path, names: list[str], args: argparse.Namespace, rng: random.Random
) -> None:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    rows = read_relations(edges)
    t = _step("read", t, timings)
    net = SupplyNetwork(date(2026, 11, 26))
    net.add_entities(screener.store.entities())
    net.add_relations(rows)
    del rows
    pool = names[: len(names) // TIERS * 2]  # suppliers from the top two tiers
    refs = [
        SupplierRef(name, i, net.add_name(name)) for i, name in enumerate(rng.sample(pool, args.suppliers), 1)
    ]
    t = _step("build", t, timings)
    graph = net.graph
    print(f"graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges", flush=True)
    if args.resolve_limit:
        match = screener.match
        limited = set(net.nodes_of_kind("name")[: args.resolve_limit])
        for node in sorted(limited):
            for hit in match(net.caption(node), limit=3):
                if hit.match:
                    net.add_same_as(node, hit)
    else:
        resolve_network(net, screener.match, workers=args.workers)
    t = _step("resolve", t, timings)
    names_total = len(net.nodes_of_kind("name"))
    linked = sum(1 for n in net.nodes_of_kind("name") if any(True for _ in linked_entities(net, n)))
    print(f"names: {names_total:,}; linked to list entities: {linked:,}", flush=True)
    statuses = flag_network(net)
    t = _step("flag", t, timings)
    exposures = find_exposures(net, refs, args.max_tier)
    t = _step("paths", t, timings)
    result = NetworkResult(exposures, net, statuses, args.max_tier, screener.snapshot_version, timings)
    with tempfile.TemporaryDirectory() as tmp:
        write_jsonl(result, Path(tmp) / "out.jsonl")
        size = (Path(tmp) / "out.jsonl").stat().st_size
    t = _step("write", t, timings)
    summary = result.summary()
    paths = sum(len(e.paths) for e in exposures)
    flagged = {code: len(net.flagged(code)) for code in summary["by_flag"]}
    print(f"flagged nodes by code: {flagged}")
    print(f"suppliers: {len(exposures):,}; exposed: {summary['exposed']:,}; paths: {paths:,}")
    print(f"exposed suppliers by flag: {summary['by_flag']}")
    print(f"JSONL report: {size / 1e6:.1f} MB")
    after = timings["flag"] + timings["paths"]
    print(f"after name resolution (flag + paths): {after:.2f}s (target <= 30 s)")
    print(f"with the JSONL report written: {after + timings['write']:.2f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
