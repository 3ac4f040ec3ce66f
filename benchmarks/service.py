"""Service benchmark: single-query ``POST /match/default`` requests against a real server on 127.0.0.1.

    python benchmarks/service.py [--requests 5000] [--concurrency 8] [--workers N] [--filters]
                                 [--workdir /tmp/service-bench]

Starts ``uvicorn supplyscreen.api.asgi:app`` in its own process on a fresh data directory (the name
index is built on the first start), creates an admin key, waits for /readyz, then sends the requests
over ``--concurrency`` keep-alive connections from one asyncio client (cheap, so the server gets the
cores). Authentication and audit logging are on, as in production. Query names cycle through 400
vendor names: listed entities (as written and upper-cased) and ordinary suppliers on no list.
Prints throughput, p50/p90/p99/max latency, errors, and the audit rows written. A request refused
with 503 by admission control is counted apart (not an error, not in the latencies) and its
connection waits the ``Retry-After`` it was given before the next request, as a client should.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

# the readiness wait is test support, shared with the tests (tests/support/server.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.server import free_port, wait_until_ready  # noqa: E402

CLEAN = [
    "Green Valley Office Furniture",
    "SafeRide Bus Integrators LLC",
    "Valley Security Systems Inc",
    "Metro Electronics Wholesale",
    "Campus Tech Supply Co",
    "Riverside Paper Products",
    "Acme Industrial Fasteners",
    "Northwind Traders",
    "Blue Harbor Logistics GmbH",
    "Sunrise Textiles Pvt Ltd",
]


def query_names(n: int = 400, seed: int = 7) -> list[str]:
    """Names to query: listed entities' names (half upper-cased) and ordinary vendor names."""
    from supplyscreen.store import Store

    rng = random.Random(seed)
    entities = [e for e in Store.open(os.environ.get("SUPPLYSCREEN_HOME")).entities() if e.schema != "Person"]
    listed = [rng.choice(entities).caption for _ in range(n * 3 // 4)]
    listed = [name.upper() if i % 2 else name for i, name in enumerate(listed)]
    clean = [f"{rng.choice(CLEAN)} {i}" if i >= len(CLEAN) else CLEAN[i] for i in range(n - len(listed))]
    names = listed + clean
    rng.shuffle(names)
    return names


#: yente filters a screening client sends (``--filters``): a reviewer's exclusions and a list scope
FILTERS = (
    "?exclude_dataset=un_sc&exclude_schema=Person&topics=sanction&topics=export.control"
    "&topics=debarment&topics=invest.ban&topics=forced.labor"
    "&exclude_entity_ids=us-ofac-sdn-1&exclude_entity_ids=curated-covered-14&algorithm=logic-v2"
)


async def one_connection(
    port: int,
    key: str,
    todo: deque[bytes],
    latencies: list[float],
    errors: list[str],
    refused: list[float],
    query: str = "",
) -> None:
    """Send requests from the shared ``todo`` until it is empty; a request refused with 503 goes back
    to the queue, and this connection waits the ``Retry-After`` it was given (as a client should)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /match/default{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: ApiKey {key}\r\n"
    )
    while todo:
        body = todo.popleft()
        request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        length, retry_after = 0, 1.0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "retry-after":
                retry_after = float(value.strip())
        payload = await reader.readexactly(length)
        status = int(status_line.split()[1]) if status_line else 0
        if status == 503:  # shed by admission control: counted apart, not an error
            refused.append(time.perf_counter() - started)
            todo.append(body)
            await asyncio.sleep(retry_after)
            continue
        latencies.append(time.perf_counter() - started)
        if status != 200 or b'"responses"' not in payload:
            errors.append(f"{status} {payload[:120]!r}")
    writer.close()


async def load(
    port: int, key: str, bodies: list[bytes], concurrency: int, query: str = ""
) -> tuple[float, list[float], list[str], list[float]]:
    latencies: list[float] = []
    errors: list[str] = []
    refused: list[float] = []
    todo = deque(bodies)
    started = time.perf_counter()
    await asyncio.gather(
        *(one_connection(port, key, todo, latencies, errors, refused, query) for _ in range(concurrency))
    )
    return time.perf_counter() - started, latencies, errors, refused


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/service-bench"))
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (2+: `supplyscreen serve --workers N`)"
    )
    parser.add_argument("--filters", action="store_true", help=f"send yente's filters: {FILTERS}")
    args = parser.parse_args()

    home = args.workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["SUPPLYSCREEN_HOME"] = str(home)
    os.environ.pop("SUPPLYSCREEN_DATABASE_URL", None)
    from supplyscreen.cases import Cases

    cases = Cases.open(home=home)
    key = cases.accounts.create_key("admin", label="benchmark")
    before = cases.audit.count()
    port = free_port()
    env = dict(os.environ, SUPPLYSCREEN_HOME=str(home))
    if args.workers > 1:  # forked after loading the lists once (supplyscreen.api.forked)
        command = [sys.executable, "-m", "supplyscreen", "serve", "--port", str(port)]
        command += ["--workers", str(args.workers), "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "uvicorn", "supplyscreen.api.asgi:app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    try:
        if not wait_until_ready(port, server, 300):
            raise SystemExit("the server did not become ready")
        names = query_names()
        bodies = [
            json.dumps(
                {"queries": {"q": {"schema": "Company", "properties": {"name": [names[i % len(names)]]}}}}
            ).encode()
            for i in range(args.requests)
        ]
        query = FILTERS if args.filters else ""
        asyncio.run(load(port, key, bodies[: args.warmup], args.concurrency, query))
        elapsed, latencies, errors, refused = asyncio.run(load(port, key, bodies, args.concurrency, query))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = [x * 1000 for x in latencies]
    processes = f"{args.workers} forked processes" if args.workers > 1 else "1 process"
    print(f"server: uvicorn, {processes}, {os.cpu_count()} cores; auth and audit logging on")
    sent = len(latencies) + len(refused)
    print(f"requests: {sent:,} single-query /match at concurrency {args.concurrency}")
    if args.filters:
        print(f"filters: {FILTERS}")
    print(f"answered: {len(latencies):,}; refused with 503 (admission control): {len(refused):,}")
    print(f"throughput (answered): {len(latencies) / elapsed:,.0f} requests/s ({elapsed:.1f} s)")
    print(
        f"latency ms: p50 {percentile(ms, 50):.1f}  p90 {percentile(ms, 90):.1f}  "
        f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}  mean {statistics.mean(ms):.1f}"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"audit rows written: {cases.audit.count() - before:,}; chain intact: {cases.audit.verify().ok}")


if __name__ == "__main__":
    main()
