"""`supplyscreen screen INPUT --engine spark`: the same screening run by Apache Spark, for big files.

Reads a CSV/TSV or Parquet file (or a folder of part files), screens it with
:func:`supplyscreen.screen.engines.spark.screen` and writes a folder of CSV or Parquet part files, as
Spark does. pyspark is imported only when ``--engine spark`` is asked for, so the local engine never
loads it.
"""

from __future__ import annotations

import time
from pathlib import Path

from supplyscreen.cli.common import err, exit_if_failing, out, summary_table
from supplyscreen.errors import SupplyscreenError
from supplyscreen.report.columns import ADDED_COLUMNS
from supplyscreen.screen.engines import spark as ss


def default_output(input_path: Path, fmt: str | None) -> Path:
    """``<input stem>.screened.parquet`` beside the input (``.csv`` for CSV in, or as ``--format`` says)."""
    kind = fmt or ("parquet" if _is_parquet(input_path) else "csv")
    return input_path.with_name(f"{input_path.stem}.screened.{kind}")


def _is_parquet(path: Path) -> bool:
    return ss.input_format(path) == "parquet"


def screen_with_spark(
    input_path: Path,
    out_path: Path | None,
    *,
    fmt: str | None,
    mapping: str | None,
    master: str | None,
    home: Path | None,
    fail_on: str | None,
) -> None:
    """Screen ``input_path`` on Spark into the folder ``out_path`` and print the counts per risk and flag."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SupplyscreenError(
            "the spark engine needs pyspark and a Java runtime: install supplyscreen with its spark extra"
        ) from None

    ss.input_format(input_path)  # refuse an unsupported input before starting a JVM
    target = out_path or default_output(input_path, fmt)
    kind = ss.output_format(target, fmt)
    if target.resolve() == input_path.resolve():
        raise SupplyscreenError(f"{target}: the output would replace the input; choose another --out")
    started = time.perf_counter()
    running = _active_session()
    with err.status(f"starting Spark ({master or 'default master'})…"):
        session = ss.session(master)
    try:
        frame = ss.read(session, input_path)
        columns = ss.column_mapping(frame, mapping)
        err.print("columns: " + ", ".join(f"{k}={v}" for k, v in columns.items()), highlight=False)
        with err.status("screening on Spark…"):
            csv = kind == "csv"  # text cells escaped by the Python workers, not in the JVM
            ss.write(ss.screen(frame, mapping, home=home, csv_cells=csv), target, fmt=kind, escaped=csv)
            by_risk, by_flag, errors, snapshot = _counts(session, target, kind, frame.columns)
    finally:
        if running is None:  # a session this command started (one already running is left to its owner)
            session.stop()
    elapsed = time.perf_counter() - started
    _print_summary(input_path, target, by_risk, by_flag, errors, snapshot, elapsed)
    exit_if_failing(fail_on, by_risk)


def _active_session() -> object | None:
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def _counts(
    session: object, target: Path, kind: str, input_columns: list[str]
) -> tuple[dict[str, int], dict[str, int], int, str]:
    """Rows per risk and per flag, rows with errors and the list snapshot, read back from the output."""
    from pyspark.sql import functions as F

    names = ss.output_columns([c for c in input_columns if c != ss.CORRUPT_COLUMN])
    added = dict(zip(ADDED_COLUMNS, names, strict=False))  # the output's names of the added cells, by field
    risk, flags, snapshot, errors = added["risk"], added["flags"], added["list_snapshot"], names[-1]
    reader = session.read  # type: ignore[attr-defined]
    written = (
        reader.parquet(str(target))
        if kind == "parquet"
        else reader.options(header=True, escape='"', multiLine=True).csv(str(target))
    )
    by_risk = {str(r[0]): int(r[1]) for r in written.groupBy(risk).count().collect() if r[0] is not None}
    codes = F.explode(F.split(F.col(f"`{flags}`"), ";")).alias("flag")
    by_flag = {str(r[0]): int(r[1]) for r in written.select(codes).groupBy("flag").count().collect() if r[0]}
    n_errors = written.where(F.col(f"`{errors}`").isNotNull()).count()
    first = written.select(F.col(f"`{snapshot}`")).limit(1).collect()
    return by_risk, by_flag, n_errors, str(first[0][0]) if first else ""


def _print_summary(
    input_path: Path,
    target: Path,
    by_risk: dict[str, int],
    by_flag: dict[str, int],
    errors: int,
    snapshot: str,
    elapsed: float,
) -> None:
    total = sum(by_risk.values()) + errors
    title = f"{input_path.name}: {total:,} rows screened on Spark in {elapsed:.1f}s against lists {snapshot}"
    out.print(summary_table(title, by_risk, by_flag))
    out.print(f"output: {target} (a folder of part files)", highlight=False)
    if errors:
        err.print(f"[yellow]{errors:,} malformed row(s)[/]: see the errors column", highlight=False)
