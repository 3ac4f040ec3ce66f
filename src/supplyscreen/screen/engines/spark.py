"""Screening on Apache Spark: ``screen(df)`` adds the columns ``supplyscreen screen`` adds, on a cluster.

    from supplyscreen.screen.engines import spark as ss
    session = ss.session("local[2]")
    screened = ss.screen(ss.read(session, "orders.csv"))   # or any DataFrame with a vendor column
    ss.write(screened, "orders.screened.parquet")

Thin: each Arrow batch goes through the core as the local engine's columnar path takes it
(``screen.columnar.ColumnarScreener``: rows with the same screening key share one result of
``RecordScreener``, records built by ``RecordBuilder`` with the local column mapping, date and amount
parsing, values from ``report.tabular.added_values``). What this module adds is distribution:

* the list snapshot and its compiled name index go to the executors once per application
  (``SparkContext.addFile``; on a local master the driver's data directory is read in place), and
  are loaded once per Python worker process (a module-level cache: Spark reuses Python workers);
* rows are repartitioned by the key the matcher caches hits under (trimmed name, two-letter
  country), so every distinct name is in one partition and is matched once per job;
* a row that cannot be screened (a malformed CSV line that Spark kept in ``_corrupt_record``, or an
  error raised by the core) gets a message in the ``errors`` column and no results; the job goes on.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplyscreen.errors import StoreError, SupplyscreenError
from supplyscreen.io.columns import parse_mapping_override, resolve_mapping
from supplyscreen.io.delimited import DelimitedFile
from supplyscreen.io.encoding import detect_encoding, read_sample
from supplyscreen.io.errors import InputError
from supplyscreen.io.readers import choose_format
from supplyscreen.io.record_builder import RecordBuilder
from supplyscreen.names.index import index_cache_path
from supplyscreen.report.columns import (
    ADDED_COLUMNS,
    CLASH_PREFIX,
    SCORE_COLUMN,
    AddedCells,
    added_columns,
    clear_cells,
)
from supplyscreen.report.escape import FORMULA_STARTS, PLAIN_NUMBER, escaped_columns
from supplyscreen.report.tabular import added_values
from supplyscreen.screen.columnar import ColumnarScreener
from supplyscreen.screen.engine import RecordScreener
from supplyscreen.screener import Screener

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark.sql import Column, DataFrame, SparkSession

#: Where Spark's CSV reader keeps the text of a line it could not split into the header's columns.
CORRUPT_COLUMN = "_corrupt_record"
#: The column added beside ``ADDED_COLUMNS``: why a row could not be screened (null when it was).
ERRORS_COLUMN = "errors"
#: Spark's names of Python's text codecs, for reading CSV files in the encoding the local engine detects.
JAVA_CHARSETS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32": "UTF-32",
    "gb18030": "GB18030",
    "cp1252": "windows-1252",
    "latin-1": "ISO-8859-1",
    "iso8859-1": "ISO-8859-1",
}
#: Metadata of the corrupt-record column naming the CSV delimiter (set by `read`).
DELIMITER_KEY = "supplyscreen.delimiter"
#: Partitions per core when none are asked for: enough to even out the work, few enough to stay cheap.
PARTITIONS_PER_CORE = 4
_TRIM = r"(?U)^\s+|\s+$"  # what Python's str.strip() removes (the matcher's cache key is stripped)


def session(master: str | None = None, app_name: str = "supplyscreen") -> SparkSession:
    """A SparkSession for screening (``master`` such as ``local[2]``; None: what spark-submit set).

    Python workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise; times are read in
    UTC, so a timestamp column gives the same order date as the local engine reads. Spark's log is
    cut down to errors.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config("spark.sql.session.timeZone", "UTC")
    if master:
        builder = builder.master(master)
    # Python workers get Arrow batches of 100,000 rows, not 10,000: fewer, larger batches screen faster
    builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
    if master and master.startswith("local"):  # a laptop: no web UI, no progress bars in the terminal
        builder = builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an executor needs to screen a partition; pickled once per task, a few hundred bytes."""

    columns: tuple[str, ...]
    mapping: tuple[tuple[str, str], ...]
    lists: str  # the data directory, or its name among the SparkFiles when shipped
    shipped: bool
    version: str
    corrupt: bool  # the last input column is Spark's corrupt-record column
    delimiter: str | None  # the CSV delimiter, to tell a padded short line from a broken one
    csv_cells: bool = False  # escape formula-like text cells here, for a CSV file


def screen(
    df: DataFrame,
    mapping: Mapping[str, str] | str | None = None,
    *,
    home: str | Path | None = None,
    partitions: int | None = None,
    ship_lists: bool | None = None,
    csv_cells: bool = False,
) -> DataFrame:
    """``df`` with the columns risk, flags, reasons, top_match, top_score, lists, list_snapshot, errors.

    ``mapping`` picks the columns as ``--map`` does ({key: column} or "name=COL,..."; default:
    detected from the headers, as for a file). ``home`` is the data directory whose active list
    snapshot is used (default: ``$SUPPLYSCREEN_HOME``). ``partitions`` sets how many partitions the
    rows are spread over by name (default: four per core). ``ship_lists`` sends the lists to the
    executors through SparkFiles (default: unless the master is local); False means every executor
    reads ``home`` itself (a path they all see, such as a Databricks volume).

    ``csv_cells=True`` escapes text cells a spreadsheet would run as formulas, as the CSV output
    does, in the Python workers (cheaper than :func:`write` doing it in the JVM): for a DataFrame
    written as CSV with ``write(..., escaped=True)``.

    A ``_corrupt_record`` column (Spark's malformed lines, as :func:`read` leaves it) is left out
    of the result. An added column whose name the input already uses gets the prefix
    ``supplyscreen_``. Rows come back in no particular order, as after any shuffle.
    """
    corrupt = CORRUPT_COLUMN in df.columns
    columns = [c for c in df.columns if c != CORRUPT_COLUMN]
    resolved = column_mapping(df, mapping)
    screener = Screener.open(home)
    screener.matcher  # noqa: B018 - build (or load) and cache the name index once, here
    lists, shipped = _lists_for_executors(df.sparkSession, screener, ship_lists)
    plan = _Plan(
        tuple(columns),
        tuple(resolved.items()),
        lists,
        shipped,
        screener.snapshot_version,
        corrupt,
        df.schema[CORRUPT_COLUMN].metadata.get(DELIMITER_KEY) if corrupt else None,
        csv_cells,
    )
    ordered = df.select(*(_col(c) for c in [*columns, *([CORRUPT_COLUMN] if corrupt else [])]))
    key = _name_key(resolved, columns)
    partitions = partitions or _default_partitions(df.sparkSession)
    spread = ordered.repartition(partitions, key) if partitions else ordered.repartition(key)
    return spread.mapInArrow(partial(_screen_partition, plan), _output_schema(ordered, columns))


def column_mapping(df: DataFrame, mapping: Mapping[str, str] | str | None = None) -> dict[str, str]:
    """{key: column} that :func:`screen` reads ``df`` with: detected from the headers, ``mapping`` on top."""
    explicit = parse_mapping_override(mapping) if isinstance(mapping, str) else mapping
    return resolve_mapping([c for c in df.columns if c != CORRUPT_COLUMN], explicit, "the DataFrame")


def output_columns(columns: list[str]) -> list[str]:
    """Names of the columns :func:`screen` adds after ``columns`` (``supplyscreen_`` before a taken name)."""
    errors = CLASH_PREFIX + ERRORS_COLUMN if ERRORS_COLUMN in columns else ERRORS_COLUMN
    return [*added_columns(columns, False), errors]


def _default_partitions(spark: SparkSession) -> int | None:
    """Four partitions per core, so that cores stay busy to the end; None where Spark has no context
    to ask (Spark Connect), which leaves the number to ``spark.sql.shuffle.partitions``."""
    try:
        return int(spark.sparkContext.defaultParallelism) * PARTITIONS_PER_CORE
    except Exception:  # noqa: BLE001 - Spark Connect raises its own error types here
        return None


def _col(name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _name_key(mapping: Mapping[str, str], columns: list[str]) -> Column:
    """The matcher's cache key of a row as a Spark column; rows without a name are spread by their values."""
    from pyspark.sql import functions as F

    spread = F.xxhash64(*(_col(c) for c in columns)).cast("string")
    if "name" not in mapping:
        return spread
    name = F.regexp_replace(_col(mapping["name"]).cast("string"), _TRIM, "")
    country = F.lit(None).cast("string")
    if "country" in mapping:
        code = F.lower(F.regexp_replace(_col(mapping["country"]).cast("string"), _TRIM, ""))
        country = F.when(code.rlike(r"^\p{L}{2}$"), code)
    return F.coalesce(F.when(F.length(name) > 0, F.concat_ws("\u001f", name, country)), spread)


def _output_schema(ordered: DataFrame, columns: list[str]) -> Any:
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    fields = [ordered.schema[c] for c in columns]
    for j, name in enumerate(output_columns(columns)):
        fields.append(StructField(name, DoubleType() if j == SCORE_COLUMN else StringType(), True))
    return StructType(fields)


# -- the lists on the executors ---------------------------------------------------------------------
_SHIPPED: dict[tuple[str, str], str] = {}  # (application id, snapshot) -> the SparkFiles name
_BUNDLES: dict[str, Path] = {}  # snapshot version -> bundle directory (driver)
_ENGINES: dict[tuple[str, str], RecordScreener] = {}  # (lists, version) -> engine (each Python worker)


def _lists_for_executors(spark: SparkSession, screener: Screener, ship: bool | None) -> tuple[str, bool]:
    """Where executors find the lists: (driver's data directory, False) or (SparkFiles name, True)."""
    if ship is None:
        ship = not str(spark.conf.get("spark.master", "")).startswith("local")
    if not ship:
        return str(screener.store.home.resolve()), False
    bundle = _bundle(screener)
    try:
        context = spark.sparkContext
    except Exception as exc:  # noqa: BLE001 - Spark Connect has no SparkContext
        raise SupplyscreenError(
            "this Spark session cannot ship files to the executors; put the data directory where they "
            "can read it and pass home=..., ship_lists=False"
        ) from exc
    key = (str(context.applicationId), bundle.name)
    if key not in _SHIPPED:
        context.addFile(str(bundle), recursive=True)
        _SHIPPED[key] = bundle.name
    return bundle.name, True


def _bundle(screener: Screener) -> Path:
    """A data directory holding only the active snapshot and its cached name index (~25 MB)."""
    snapshot = screener.store.snapshot
    found = _BUNDLES.get(snapshot.version)
    if found is not None and found.is_dir():
        return found
    index = index_cache_path(screener.store.home, snapshot)
    parent = Path(tempfile.mkdtemp(prefix="supplyscreen-"))
    atexit.register(shutil.rmtree, parent, True)
    bundle = parent / f"supplyscreen-lists-{index.stem[6:]}"
    shutil.copytree(snapshot.path, bundle / "snapshots" / snapshot.version)
    (bundle / "ACTIVE").write_text(snapshot.version + "\n", encoding="utf-8")
    if index.is_file():  # else (a read-only data directory) each Python worker builds the index
        (bundle / "cache").mkdir()
        shutil.copyfile(index, index_cache_path(bundle, snapshot))
    _BUNDLES[snapshot.version] = bundle
    return bundle


def _engine(plan: _Plan) -> RecordScreener:
    """This Python worker's screening engine for the plan's lists, loaded on first use."""
    key = (plan.lists, plan.version)
    engine = _ENGINES.get(key)
    if engine is None:
        if plan.shipped:
            from pyspark import SparkFiles

            home = SparkFiles.get(plan.lists)
        else:
            home = plan.lists
        screener = Screener.open(home)
        if screener.snapshot_version != plan.version:
            raise StoreError(
                f"the executor's lists at {home} are snapshot {screener.snapshot_version}, the driver's "
                f"{plan.version}; give both the same data directory or ship the lists (ship_lists=True)"
            )
        screener.matcher  # noqa: B018
        screener.store.preload()
        engine = _ENGINES[key] = RecordScreener(screener)
    return engine


# -- on the executors ------------------------------------------------------------------------------
#: Distinct outcomes a worker keeps per plan before starting afresh (memory stays bounded on big jobs).
MAX_OUTCOMES = 200_000
_COLUMNAR: dict[_Plan, ColumnarScreener] = {}


def _screen_partition(plan: _Plan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Screen each Arrow batch of a partition; the input columns pass through untouched."""
    engine = _engine(plan)
    mapping = dict(plan.mapping)
    whole = RecordBuilder(list(plan.columns), mapping, Counter())
    parts, places = whole.address_parts, whole.vendor_places
    # the columns screening reads: the mapped ones, address details, vendor places and the columns
    # without a role (the detectors read them)
    read = {*mapping.values(), *parts, *dict(places), *whole.others}
    used = [c for c in plan.columns if c in read]
    builder = RecordBuilder(used, mapping, Counter(), places=places)
    for batch in batches:
        yield _screen_batch(plan, engine, builder, parts, batch)


def _columnar(
    plan: _Plan, engine: RecordScreener, builder: RecordBuilder, parts: list[str]
) -> ColumnarScreener:
    """This worker's columnar screener for the plan: rows with the same screening key share one result."""
    columnar = _COLUMNAR.get(plan)
    if columnar is None or len(columnar.outcomes) > MAX_OUTCOMES:
        columnar = _COLUMNAR[plan] = ColumnarScreener(
            engine, dict(plan.mapping), parts, plan.version, builder.vendor_places, builder.others
        )
    return columnar


def _screen_batch(
    plan: _Plan, engine: RecordScreener, builder: RecordBuilder, parts: list[str], batch: pa.RecordBatch
) -> pa.RecordBatch:
    """One batch: the screening fields as text (as the local engine reads Parquet), screened columnar;
    should that raise, row by row, so that only the rows that fail get an error."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    width = len(plan.columns)
    fields = [batch.column(plan.columns.index(c)) for c in builder.columns]
    errors: list[str | None] = [None] * batch.num_rows
    kinds = [pa.float64() if j == SCORE_COLUMN else pa.string() for j in range(len(ADDED_COLUMNS))]
    try:
        text = pa.RecordBatch.from_arrays([_as_text(pa, pc, c) for c in fields], names=builder.columns)
        columnar = _columnar(plan, engine, builder, parts)
        outcome = columnar.screen(text, 1)
        # each distinct outcome's values once; rows take theirs by index
        used, position = np.unique(outcome, return_inverse=True)
        clear = clear_cells(plan.version)
        table = [clear if k < 0 else columnar.outcomes[k].values for k in used.tolist()]
        take = pa.array(position.reshape(-1).astype(np.int32))
        values = [pc.take(pa.array([v[j] for v in table], type=kind), take) for j, kind in enumerate(kinds)]
    except Exception:  # noqa: BLE001 - find the failing rows one by one
        rows = _screen_rows(plan, engine, builder, fields, errors)
        values = [pa.array([row[j] for row in rows], type=kind) for j, kind in enumerate(kinds)]
    if plan.corrupt and batch.column(width).null_count < batch.num_rows:
        unscreened = _unscreened(plan)
        cells = [v.to_pylist() for v in values]
        for n, raw in enumerate(batch.column(width).to_pylist()):
            problem = _malformed(raw, width, plan.delimiter) if raw else None
            if problem:
                for j, cell in enumerate(unscreened):
                    cells[j][n] = cell
                errors[n] = problem
        values = [pa.array(c, type=kind) for c, kind in zip(cells, kinds, strict=True)]
    arrays = [batch.column(i) for i in range(width)]
    schema = [batch.schema.field(i) for i in range(width)]
    for j, name in enumerate(output_columns(list(plan.columns))):
        kind = kinds[j] if j < len(kinds) else pa.string()  # the last: errors
        arrays.append(values[j] if j < len(kinds) else pa.array(errors, type=kind))
        schema.append(pa.field(name, kind))
    if plan.csv_cells:
        arrays = escaped_columns(arrays)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(schema))


def _unscreened(plan: _Plan) -> list[Any]:
    """The added values of a row that could not be screened: none but the snapshot."""
    return list(AddedCells(None, None, None, None, None, None, plan.version))  # type: ignore[arg-type]


def _as_text(pa: Any, pc: Any, column: Any) -> Any:
    return column if pa.types.is_string(column.type) else pc.cast(column, pa.string())


def _screen_rows(
    plan: _Plan, engine: RecordScreener, builder: RecordBuilder, fields: list[Any], errors: list[str | None]
) -> list[list[Any]]:
    """The added values of each row screened alone; a row that raises gets its error and no values."""
    unscreened = _unscreened(plan)
    rows: list[list[Any]] = []
    for n, values in enumerate(zip(*(column.to_pylist() for column in fields), strict=True)):
        try:
            rows.append(added_values(engine.screen(builder.from_values(n + 1, values)), False))
        except Exception as exc:  # noqa: BLE001 - one bad row must not fail the job
            rows.append(unscreened)
            errors[n] = f"not screened: {type(exc).__name__}: {exc}"
    return rows


def _malformed(raw: str, width: int, delimiter: str | None) -> str | None:
    """Why a line Spark flagged as corrupt is skipped by the local engine too, or None if it is kept.

    The local engine pads a short line and drops empty trailing values; it skips a line with more
    values than the header or with a broken quote. Without a delimiter, every flagged line is skipped.
    """
    shown = raw if len(raw) <= 200 else raw[:200] + "…"
    if delimiter is None:
        return f"malformed input row, not screened: {shown!r}"
    try:
        parsed = list(csv.reader(raw.splitlines(keepends=True), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return f"malformed CSV ({exc}), not screened: {shown!r}"
    if len(parsed) != 1:
        return f"malformed CSV, not screened: {shown!r}"
    values = parsed[0]
    if len(values) > width and any(v.strip() for v in values[width:]):
        return (
            f"{len(values)} values where the header has {width} (an unquoted delimiter inside a "
            f"value?), not screened: {shown!r}"
        )
    return None


# -- files ------------------------------------------------------------------------------------------
def input_format(path: str | Path, fmt: str | None = None) -> str:
    """``csv``, ``tsv`` or ``parquet`` for a file or a folder of part files (as Spark writes them)."""
    path = Path(path)
    first = _first_part(path) if path.is_dir() else path
    kind = choose_format(first, read_sample(first, 4096)[0], fmt)
    if kind not in ("csv", "tsv", "parquet"):
        raise InputError(path, f"the spark engine reads CSV, TSV and Parquet, not {kind}; use --engine local")
    return kind


def _first_part(folder: Path) -> Path:
    parts = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))
    if not parts:
        raise InputError(folder, "the folder holds no data files")
    return parts[0]


def read(spark: SparkSession, path: str | Path, *, fmt: str | None = None) -> DataFrame:
    """A CSV/TSV/Parquet file or folder as a DataFrame, its columns as the local engine names them.

    A delimited file is read with the encoding, delimiter and header the local engine detects, every
    column as text, quoted line breaks allowed, and broken lines kept in ``_corrupt_record`` (which
    :func:`screen` turns into an ``errors`` message).
    """
    from pyspark.sql.types import StringType, StructField, StructType

    path = Path(path)
    kind = input_format(path, fmt)
    if kind == "parquet":
        return spark.read.parquet(str(path))
    first = _first_part(path) if path.is_dir() else path
    sample, complete = read_sample(first)
    codec = detect_encoding(first, sample, complete)
    table = DelimitedFile.open(first, codec, "\t" if kind == "tsv" else None, sample, complete)
    fields = [StructField(c, StringType(), True) for c in [*table.columns, CORRUPT_COLUMN]]
    frame = (
        spark.read.schema(StructType(fields))
        .options(
            header=True,
            enforceSchema=True,
            sep=table.delimiter,
            encoding=JAVA_CHARSETS.get(codec, codec),
            quote='"',
            escape='"',
            multiLine=True,
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=CORRUPT_COLUMN,
        )
        .csv(str(path))
    )
    corrupt = _col(CORRUPT_COLUMN).alias(CORRUPT_COLUMN, metadata={DELIMITER_KEY: table.delimiter})
    frame = frame.select(*(_col(c) for c in table.columns), corrupt)
    return frame.dropna(how="all")  # blank lines: the local engine skips them too


def output_format(out: str | Path, fmt: str | None = None) -> str:
    """``csv`` or ``parquet``: as asked, else from the output's extension (default Parquet)."""
    kind = (fmt or ("csv" if Path(out).suffix.lower() == ".csv" else "parquet")).lower()
    if kind not in ("csv", "parquet"):
        raise InputError(out, f"the spark engine writes csv or parquet, not {kind}")
    return kind


def escape_formulas(df: DataFrame) -> DataFrame:
    """Text cells a spreadsheet would run as formulas get a leading ``'``, as in the local CSV output."""
    from pyspark.sql import functions as F  # noqa: N812
    from pyspark.sql.types import StringType

    columns = []
    for field in df.schema.fields:
        c = F.col(f"`{field.name}`")
        if isinstance(field.dataType, StringType):
            # the first character first (cheap); the number pattern only for those few cells
            risky = c.substr(1, 1).isin(*FORMULA_STARTS) & ~c.rlike(f"^{PLAIN_NUMBER}$")
            c = F.when(risky, F.concat(F.lit("'"), c)).otherwise(c)
        columns.append(c.alias(field.name))
    return df.select(*columns)


def write(df: DataFrame, out: str | Path, *, fmt: str | None = None, escaped: bool = False) -> str:
    """Write ``df`` to the folder ``out`` (replaced) as CSV with a header or Parquet; returns the format.

    CSV text cells are escaped against formula injection unless ``escaped`` says that was done
    (``screen(..., csv_cells=True)``)."""
    kind = output_format(out, fmt)
    if kind == "csv" and not escaped:
        df = escape_formulas(df)
    writer = df.write.mode("overwrite")
    if kind == "csv":
        writer.options(header=True, quote='"', escape='"').csv(str(out))
    else:
        writer.parquet(str(out))
    return kind
