#!/usr/bin/env python3
"""Fuzz ``supplyscreen screen`` with hostile purchase files of every format (issue 19), and
``supplyscreen scan`` with hostile documents (PDF, DOCX, HTML, e-mail, text; issue 18).

    python scripts/fuzz.py --seconds N [--workdir DIR] [--seed S] [--home DIR]

For N seconds it builds random files (CSV/TSV, XLSX, Parquet, JSON, JSON lines, OCDS; built by
``tests/fuzz/inputs.py``), most of them damaged, and screens each into a random output format
(csv, jsonl, xlsx, html) with ``supplyscreen screen FILE --out OUT --workers 1``. A screening must
end with exit code 0 (screened) or 2 (a clear error), never another code or a traceback, within
``TIMEOUT`` seconds and under ``MEMORY_LIMIT`` bytes of address space.

The screenings run in one warm child process (``--worker``) that imports supplyscreen and opens the
lists once, then runs the command's entry point in-process for each file, under the address-space
limit; the parent waits ``TIMEOUT`` seconds for each answer. After a crash, a hang or a memory error
the child is killed and started again, and the input is screened once more by a fresh
``python -m supplyscreen screen`` process under the same limits, to tell whether it fails cold too.

Counts are printed per input format: inputs tried, screened (0), refused (2), crashes, hangs and
memory failures. Each failing input is kept in ``DIR/failures`` with a note of the command and what
it said. The exit status is 1 when anything failed. The same seed gives the same inputs in the same
order (how many are tried in N seconds depends on the machine).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import io
import json
import os
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# the loader of files by path is test support, shared with the tests (tests/support/scripts.py)
sys.path.insert(0, str(REPO / "tests"))
from support.scripts import load_path  # noqa: E402

TIMEOUT = 30.0  # seconds a screening may take
MEMORY_LIMIT = 2 << 30  # bytes of address space (RLIMIT_AS) a screening may use
START_TIMEOUT = 600.0  # the first start of a fresh home builds the name index
LARGE_SHARE = 0.1  # of inputs built at the large size (more rows, huge cells, wide headers)
MUTATED_SHARE = 0.6  # of inputs damaged after they are built
RESTART_RSS = 1_500 << 20  # the worker starts afresh past this resident size
# … or past this much address space: native libraries (pyarrow's allocator, PDFium) reserve address
# space they do not touch, and a warm worker that has read many files can meet the limit with it
RESTART_VSIZE = 1_600 << 20


def load_inputs() -> Any:
    """``tests/fuzz/inputs.py``, loaded by its path (a package named ``fuzz`` would be this file)."""
    return load_path(REPO / "tests" / "fuzz" / "inputs.py", "supplyscreen_fuzz_inputs")


def limit_child() -> None:
    """In the child, before it runs: the address-space limit, and a session of its own (so that a
    hang is killed with any process it started)."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    os.setsid()


def child_env() -> dict[str, str]:
    """The environment of a screening: no case database of the user's (no audit rows, no decisions),
    wide piped output, a fatal error's Python stack in the log. pyarrow's allocator (mimalloc)
    reserves 1 GB of address space at its first allocation, memory never touched: a 64 MB
    reservation lets ``MEMORY_LIMIT`` count what is used rather than what is reserved."""
    env = {k: v for k, v in os.environ.items() if k not in ("SUPPLYSCREEN_DATABASE_URL", "SUPPLYSCREEN_HOME")}
    return {**env, "COLUMNS": "160", "PYTHONFAULTHANDLER": "1", "MIMALLOC_ARENA_RESERVE": "64MiB"}


def command(source: Path, out: Path, home: Path, scan: bool = False) -> list[str]:
    """The command a file is given to: ``screen`` for a purchase file, ``scan`` for a document."""
    if scan:
        return ["scan", str(source), "--out", str(out), "--home", str(home)]
    return ["screen", str(source), "--out", str(out), "--workers", "1", "--home", str(home)]


def verdict(code: int | None, said: str) -> str:
    """``ok`` (exit 0), ``refused`` (exit 2), else ``crash``; a traceback is a crash whatever the code."""
    if "Traceback (most recent call last)" in said:
        return "crash"
    return {0: "ok", 2: "refused"}.get(code if code is not None else -1, "crash")


def memory_words(text: str) -> bool:
    """Whether what a process said last is an allocation failure (MemoryError, std::bad_alloc...)."""
    tail = "\n".join(text.strip().splitlines()[-6:])
    return any(w in tail for w in ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory"))


# ---------------------------------------------------------------------------------------------------
# the warm child


def worker(home: Path) -> None:
    """Screen the files named on stdin (one JSON object a line), answering on the original stdout.

    The process's own stdout and stderr go to the parent's log (anything written below Python, a
    fatal error's dump); each screening's stdout and stderr are caught and answered."""
    import faulthandler

    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    faulthandler.enable()
    from supplyscreen.cli import main
    from supplyscreen.screener import Screener

    opened: dict[str, Screener] = {}
    open_fresh = Screener.open

    def open_once(cls: type[Screener], home: str | Path | None = None) -> Screener:
        key = str(home)
        if key not in opened:
            opened[key] = open_fresh(home)
        return opened[key]

    Screener.open = classmethod(open_once)  # type: ignore[method-assign, assignment]
    open_once(Screener, home).matcher  # noqa: B018 - loads the index before the first file
    channel.write(json.dumps({"ready": True}) + "\n")
    for n, line in enumerate(sys.stdin):
        job = json.loads(line)
        sys.argv = [
            "supplyscreen",
            *command(Path(job["input"]), Path(job["out"]), home, job.get("scan", False)),
        ]
        caught_out, caught_err = io.StringIO(), io.StringIO()
        code: int | None = None
        kind, trace = "exit", None
        started = time.perf_counter()
        faulthandler.dump_traceback_later(TIMEOUT - 1)  # a hang's stack, in the log before it is killed
        try:
            with contextlib.redirect_stdout(caught_out), contextlib.redirect_stderr(caught_err):
                main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except MemoryError:
            kind, trace = "memory", traceback.format_exc()
        except BaseException:  # noqa: BLE001 - whatever escapes the entry point is the finding
            kind, trace = "exception", traceback.format_exc()
        faulthandler.cancel_dump_traceback_later()
        said = caught_err.getvalue() + caught_out.getvalue()
        answer = {
            "code": code,
            "kind": kind,
            "traceback": trace,
            "said": said[-6000:],
            "seconds": time.perf_counter() - started,
            "rss": _rss(),
            "vsize": _rss(0),
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }
        channel.write(json.dumps(answer) + "\n")
        if kind == "memory":
            return  # what a MemoryError left behind is not to be trusted: start afresh
        if n % 50 == 49:
            gc.collect()


def _rss(field: int = 1) -> int:
    """The process's resident size (``field`` 0: its address space), in bytes."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Worker:
    """The parent's handle on the warm child: started on demand, killed after a failure."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home = home
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.starts = 0

    def start(self) -> None:
        self.buffer = b""
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--worker", "--home", str(self.home)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=limit_child,
                env=child_env(),
            )
        self.starts += 1
        ready = self._read(START_TIMEOUT)
        if ready is None or not ready.get("ready"):
            tail = self.log.read_text(errors="replace")[-3000:]
            self.kill()
            raise SystemExit(f"error: the fuzzing worker did not start:\n{tail}")

    def screen(self, source: Path, out: Path, scan: bool = False) -> dict[str, Any]:
        """The child's answer for one file (``scan``: a document, given to ``supplyscreen scan``), or
        ``{"kind": "hang"}`` / ``{"kind": "died", ...}``."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            job = {"input": str(source), "out": str(out), "scan": scan}
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            return self._died()
        answer = self._read(TIMEOUT)
        if answer is None:
            if self.proc.poll() is None:
                self.kill()
                return {"kind": "hang", "said": self._log_tail()}
            return self._died()
        if (
            answer["kind"] == "memory"
            or answer.get("rss", 0) > RESTART_RSS
            or answer.get("vsize", 0) > RESTART_VSIZE
        ):
            self.kill()
        return answer

    def _died(self) -> dict[str, Any]:
        assert self.proc is not None
        code = self.proc.wait()
        tail = self._log_tail()
        self.proc = None
        name = (
            signal.Signals(-code).name
            if code < 0 and -code in signal.Signals._value2member_map_
            else str(code)
        )
        return {
            "kind": "memory" if memory_words(tail) else "died",
            "code": code,
            "said": f"exit {name}\n{tail}",
        }

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """One line of the child's answers, or None when none came within ``timeout`` or it ended."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return dict(json.loads(line))

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def cold_check(source: Path, out: Path, home: Path, scan: bool = False) -> str:
    """The outcome of one fresh ``python -m supplyscreen screen`` (or ``scan``) under the same limits."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "supplyscreen", *command(source, out, home, scan)],
            capture_output=True,
            timeout=TIMEOUT,
            preexec_fn=limit_child,
            env=child_env(),
        )
    except subprocess.TimeoutExpired:
        return "hang"
    said = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
    if done.returncode < 0 or memory_words(said):
        return "memory" if memory_words(said) else f"crash (signal {-done.returncode})"
    return verdict(done.returncode, said)


# ---------------------------------------------------------------------------------------------------
# the parent


def run(seconds: float, workdir: Path, seed: int, home: Path) -> int:
    inputs = load_inputs()
    cases, failures = workdir / "case", workdir / "failures"
    failures.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    worker_ = Worker(home, workdir / "worker.log")
    print(f"fuzzing supplyscreen screen and scan for {seconds:g} s, seed {seed}, in {workdir}", flush=True)
    started = time.monotonic()
    worker_.start()
    print(f"worker ready in {time.monotonic() - started:.1f} s", flush=True)
    formats = inputs.FORMATS + inputs.DOCUMENT_FORMATS
    counts: dict[str, collections.Counter[str]] = {fmt: collections.Counter() for fmt in formats}
    by_output: collections.Counter[str] = collections.Counter()
    rng = random.Random(seed)
    large = inputs.LARGE
    slowest = (0.0, "")
    began = time.monotonic()
    n = 0
    try:
        while time.monotonic() - began < seconds:
            n += 1
            fmt = rng.choice(formats)
            scan = fmt in inputs.DOCUMENT_FORMATS
            output = rng.choice(inputs.DOCUMENT_OUTPUTS if scan else inputs.OUTPUTS)
            case_seed = rng.getrandbits(64)
            case_rng = random.Random(case_seed)
            size = large if case_rng.random() < LARGE_SHARE else inputs.SMALL
            try:
                make = inputs.make_document if scan else inputs.make_input
                suffix, data = make(case_rng, fmt, size)
                mutated = case_rng.random() < MUTATED_SHARE
                if mutated:
                    data = inputs.mutate(case_rng, data)
            except Exception as exc:  # a bug of the generator, not of supplyscreen: said, not counted
                print(f"case {n} (case seed {case_seed}): no {fmt} input built: {exc!r}", flush=True)
                continue
            shutil.rmtree(cases, ignore_errors=True)
            cases.mkdir()
            source, out = cases / f"input{suffix}", cases / f"out.{output}"
            source.write_bytes(data)
            answer = worker_.screen(source, out, scan)
            by_output[output] += 1
            counts[fmt]["tried"] += 1
            kind = answer["kind"]
            if kind == "exit":
                outcome = verdict(answer["code"], answer["said"])
            elif kind == "memory":
                outcome = "memory"
            elif kind == "hang":
                outcome = "hang"
            else:  # an exception out of the entry point, or the child died
                outcome = "crash"
            counts[fmt][outcome] += 1
            if answer.get("seconds", 0) > slowest[0]:
                slowest = (answer["seconds"], f"{fmt} ({len(data):,} bytes) into {output}")
            if outcome in ("crash", "hang", "memory"):
                cold = cold_check(source, cases / f"cold.{output}", home, scan)
                kept = failures / f"{outcome}-{n:05d}-{fmt}{suffix}"
                shutil.copyfile(source, kept)
                replay = " ".join(command(kept, Path(f"OUT.{output}"), Path("HOME"), scan)[:-2])
                note = (
                    f"case {n} of seed {seed} (case seed {case_seed}): {fmt}, {len(data):,} bytes, "
                    f"{'mutated' if mutated else 'as built'}, {'large' if size is large else 'small'}\n"
                    f"warm worker: {outcome} (exit {answer.get('code')})\n"
                    f"fresh process: {cold}\n"
                    f"command: supplyscreen {replay}\n\n"
                    f"{answer.get('traceback') or ''}\n{answer.get('said', '')}"
                )
                Path(f"{kept}.txt").write_text(note, encoding="utf-8", errors="replace")
                print(f"FAILED {outcome} (fresh process: {cold}): {kept}", flush=True)
    finally:
        worker_.kill()
        shutil.rmtree(cases, ignore_errors=True)
    elapsed = time.monotonic() - began
    report(counts, by_output, n, elapsed, worker_.starts, slowest)
    failed = sum(counts[fmt][k] for fmt in counts for k in ("crash", "hang", "memory"))
    if failed:
        print(f"{failed} failing input(s) kept in {failures}", flush=True)
    return 1 if failed else 0


def report(
    counts: dict[str, collections.Counter[str]],
    by_output: collections.Counter[str],
    n: int,
    elapsed: float,
    starts: int,
    slowest: tuple[float, str],
) -> None:
    columns = ("tried", "ok", "refused", "crash", "hang", "memory")
    print(f"{'format':<10}" + "".join(f"{c:>9}" for c in columns))
    total: collections.Counter[str] = collections.Counter()
    for fmt, counter in counts.items():
        total.update(counter)
        print(f"{fmt:<10}" + "".join(f"{counter[c]:>9,}" for c in columns))
    print(f"{'total':<10}" + "".join(f"{total[c]:>9,}" for c in columns))
    print("outputs: " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_output.items())))
    print(
        f"{n:,} inputs in {elapsed:.0f} s ({n / max(elapsed, 1e-9):.1f}/s); worker started {starts} time(s); "
        f"slowest screening {slowest[0]:.1f} s: {slowest[1]}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long to fuzz (default 60)")
    parser.add_argument(
        "--workdir", type=Path, help="where failing inputs are kept (default: a new temp dir)"
    )
    parser.add_argument("--seed", type=int, help="random seed (default: random, printed)")
    parser.add_argument("--home", type=Path, help="supplyscreen data directory (default: WORKDIR/home)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.home)
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="supplyscreen-fuzz-"))
    workdir = workdir.resolve()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    return run(args.seconds, workdir, seed, (args.home or workdir / "home").resolve())


if __name__ == "__main__":
    sys.exit(main())
