"""`supplyscreen match` and `supplyscreen compare`: one name on the command line, or a JSONL batch."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from supplyscreen.cli.common import HomeOption, err, out
from supplyscreen.errors import SupplyscreenError
from supplyscreen.report.atomic import atomic_output
from supplyscreen.screener import Screener
from supplyscreen.settings import PROGRESS_ENV


class BatchInputError(SupplyscreenError):
    """A line of a batch input file cannot be used."""


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        fh = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise BatchInputError(f"{path}: cannot read ({exc.strerror})") from exc
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BatchInputError(f"{path}, line {n}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise BatchInputError(f"{path}, line {n}: expected a JSON object")
            yield n, obj


def _progress(console: Any) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal and not os.environ.get(PROGRESS_ENV),
    )


def _count_lines(path: Path) -> int:
    """Non-blank lines of ``path``, the progress bar's total (raises as :func:`_lines` does)."""
    try:
        with open(path, "rb") as fh:
            return sum(1 for line in fh if line.strip())
    except OSError as exc:
        raise BatchInputError(f"{path}: cannot read ({exc.strerror})") from exc


def _write_atomic(out: Path, rows: Iterator[dict[str, Any]], input_path: Path) -> int:
    """Write JSON lines to ``out`` all at once (``atomic_output``: never half-written, never over
    the input); the number of lines."""
    n = 0
    with atomic_output(out, input_path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _batch_paths(input_path: Path | None, output_path: Path | None) -> tuple[Path, Path] | None:
    """The input and output file of a batch run (``--input`` needs ``--output``); None without ``--input``."""
    if input_path is None:
        return None
    if output_path is None:
        raise typer.BadParameter("--input needs --output", param_hint="--output")
    return input_path, output_path


def register(app: typer.Typer) -> None:
    """Add the match and compare commands to the main app."""

    @app.command("match")
    def match(
        name: Annotated[str | None, typer.Argument(help="The name to look up (or use --input).")] = None,
        schema: Annotated[str | None, typer.Option(help="Person, Company, Organization, Vessel …")] = None,
        country: Annotated[str | None, typer.Option(help="ISO country code of the query, e.g. cn.")] = None,
        limit: Annotated[int, typer.Option(help="Hits per query.")] = 5,
        workers: Annotated[int, typer.Option(help="Processes for --input batches (0: one per core).")] = 1,
        threshold: Annotated[
            float | None, typer.Option(help="Match threshold (default: calibrated).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        input_path: Annotated[
            Path | None, typer.Option("--input", help="JSONL of {qid, query, schema, country}.")
        ] = None,
        output_path: Annotated[
            Path | None, typer.Option("--output", help="JSONL results, one per input line.")
        ] = None,
        home: HomeOption = None,
    ) -> None:
        """Find the list entities a name refers to, with scores and explanations."""
        screener = Screener.open(home)
        batch = _batch_paths(input_path, output_path)
        if batch is not None:
            _match_batch(screener, *batch, limit, threshold, workers)
            return
        if not name:
            raise typer.BadParameter("give a NAME or --input FILE", param_hint="NAME")
        hits = screener.match(name, schema=schema, country=country, limit=limit, threshold=threshold)
        if as_json:
            print(
                json.dumps({"query": name, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False, indent=1)
            )
            return
        if not hits:
            out.print(f"no list entity resembles {name!r}", highlight=False)
            return
        table = Table(title=f"Hits for {name!r} (snapshot {screener.snapshot_version})")
        for col in ("score", "match", "entity", "lists", "matched name", "why"):
            table.add_column(col, overflow="fold")
        for h in hits:
            verdict = "[red]match[/]" if h.match else ("[yellow]review[/]" if h.review else "no")
            table.add_row(
                f"{h.score:.2f}",
                verdict,
                f"{h.caption}\n{h.entity_id}",
                ", ".join(h.lists),
                h.matched_name,
                h.explanation,
            )
        out.print(table)

    @app.command("compare")
    def compare(
        a: Annotated[str | None, typer.Argument(help="First name.")] = None,
        b: Annotated[str | None, typer.Argument(help="Second name.")] = None,
        schema: Annotated[str | None, typer.Option(help="Person, Company …")] = None,
        input_path: Annotated[
            Path | None, typer.Option("--input", help="JSONL of {id, a, b, schema}.")
        ] = None,
        output_path: Annotated[
            Path | None, typer.Option("--output", help="JSONL of {id, score, match, …}.")
        ] = None,
        home: HomeOption = None,
    ) -> None:
        """Score two names against each other, with the same engine as `match`."""
        screener = Screener.open(home)
        batch = _batch_paths(input_path, output_path)
        if batch is not None:
            source, target = batch

            def rows() -> Iterator[dict[str, Any]]:
                for n, obj in _lines(source):
                    if not isinstance(obj.get("a"), str) or not isinstance(obj.get("b"), str):
                        raise BatchInputError(f"{source}, line {n}: fields 'a' and 'b' must be strings")
                    c = screener.compare(obj["a"], obj["b"], schema=obj.get("schema") or None)
                    yield {
                        "id": obj.get("id"),
                        "score": c.score,
                        "match": c.match,
                        "review": c.review,
                        "explanation": c.explanation,
                    }

            n = _write_atomic(target, rows(), source)
            out.print(f"compared {n:,} pairs → {target}")
            return
        if a is None or b is None:
            raise typer.BadParameter("give two names, or --input FILE", param_hint="A B")
        c = screener.compare(a, b, schema=schema)
        verdict = "match" if c.match else ("review" if c.review else "no match")
        out.print(f"{c.score:.2f} {verdict}: {c.explanation}", highlight=False)


_WORKER: Screener | None = None


def _match_one(args: tuple[int, dict[str, Any], int, float | None, Path]) -> dict[str, Any]:
    n, obj, limit, threshold, path = args
    assert _WORKER is not None
    query = obj.get("query")
    if not isinstance(query, str):
        raise BatchInputError(f"{path}, line {n}: field 'query' must be a string")
    hits = _WORKER.match(
        query,
        schema=obj.get("schema") or None,
        country=obj.get("country") or None,
        limit=limit,
        threshold=threshold,
    )
    return {"qid": obj.get("qid"), "hits": [h.to_dict() for h in hits]}


def _match_batch(
    screener: Screener, input_path: Path, output_path: Path, limit: int, threshold: float | None, workers: int
) -> None:
    """Match every line of a JSONL file; output lines keep the input order, across worker processes."""
    global _WORKER
    progress = _progress(err)
    total = None if progress.disable else _count_lines(input_path)  # a bar's total, only when it is shown
    screener.matcher  # load the index before forking, so workers share it  # noqa: B018
    _WORKER = screener
    workers = workers if workers > 0 else (os.cpu_count() or 1)
    jobs = ((n, obj, limit, threshold, input_path) for n, obj in _lines(input_path))
    started = time.perf_counter()
    with progress:
        task = progress.add_task("matching", total=total, rate="")
        pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 else None
        try:
            results = pool.imap(_match_one, jobs, chunksize=64) if pool else map(_match_one, jobs)

            def rows() -> Iterator[dict[str, Any]]:
                for i, row in enumerate(results, 1):
                    rate = i / max(1e-9, time.perf_counter() - started)
                    progress.update(task, advance=1, rate=f"{rate:,.0f} queries/s")
                    yield row

            n = _write_atomic(output_path, rows(), input_path)
        finally:
            if pool:
                pool.close()
                pool.join()
    err.print(f"matched {n:,} queries → {output_path} in {time.perf_counter() - started:.2f}s")
