"""The Spark engine (issue 6): the same values as the local engine, row for row, on local[2].

One SparkSession serves the whole module. Skipped where pyspark or a Java runtime is missing
(CI installs both: pyspark with the dev extra, Java in .ci/run).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE
from support.generate import generate

from supplyscreen.io import read_records
from supplyscreen.model import FLAG_CODES
from supplyscreen.report.columns import ADDED_COLUMNS
from supplyscreen.report.tabular import added_values
from supplyscreen.screen.engine import screen_records
from supplyscreen.screen.run import screen_file


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (install default-jre-headless)")
    from supplyscreen.screen.engines import spark as ss

    session = ss.session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, screener_home: Path) -> Path:
    """100,000 purchase rows in which every flag code is on at least 5% of rows (7% of each kind drawn)."""
    path = tmp_path_factory.mktemp("spark") / "orders_100k.csv"
    with pytest.MonkeyPatch.context() as patch:  # the generator reads list names from the test lists
        patch.setenv("SUPPLYSCREEN_HOME", str(screener_home))
        generate(path, 100_000, 10_000, 5_000, flag_share=0.07, uflpa_share=0.07)
    return path


def local_values(screener: Any, path: Path) -> dict[str, list[Any]]:
    """The local engine's added values (risk … list_snapshot) of each row, by PO number."""
    results = screen_records(screener, read_records(path))
    return {str(r.record.fields["po_number"]): added_values(r, False) for r in results}


def spark_values(frame: Any) -> dict[str, list[Any]]:
    """Spark's added values of each screened row, by PO number."""
    rows = frame.select("po_number", *ADDED_COLUMNS, "errors").collect()
    assert all(row["errors"] is None for row in rows), [row["errors"] for row in rows if row["errors"]][:3]
    return {row["po_number"]: [row[c] for c in ADDED_COLUMNS] for row in rows}


def csv_risk_and_flags(path: Path) -> dict[str, tuple[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["po_number"]: (row["risk"], row["flags"]) for row in csv.DictReader(fh)}


def test_cli_without_engine_spark_does_not_import_pyspark() -> None:
    code = "import sys, supplyscreen.cli; assert 'pyspark' not in sys.modules, 'pyspark imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_example_orders_get_the_same_values_on_spark_as_locally(
    spark: Any, screener: Any, screener_home: Path
) -> None:
    from supplyscreen.screen.engines import spark as ss

    screened = ss.screen(ss.read(spark, EXAMPLE), home=screener_home)
    got = spark_values(screened)
    assert got == local_values(screener, EXAMPLE)
    assert len(got) == 24
    assert got["PO-2022-0051"][:2] == [
        "high",
        "restricted_party;uflpa_entity;xinjiang_location;high_priority_sector",
    ]
    assert got["PO-2022-0211"] == ["clear", "", "", "", None, "", screener.snapshot_version]
    names = screened.columns
    assert names[-8:] == [*ADDED_COLUMNS, "errors"]


def test_lists_shipped_through_sparkfiles_give_the_same_values(
    spark: Any, screener: Any, screener_home: Path
) -> None:
    from supplyscreen.screen.engines import spark as ss

    screened = ss.screen(ss.read(spark, EXAMPLE), home=screener_home, ship_lists=True, partitions=3)
    assert spark_values(screened) == local_values(screener, EXAMPLE)


def test_100k_generated_rows_get_identical_risk_and_flags_on_spark_and_locally(
    spark: Any, screener: Any, screener_home: Path, generated: Path, tmp_path: Path
) -> None:
    from supplyscreen.screen.engines import spark as ss

    local = local_values(screener, generated)
    assert len(local) == 100_000
    shares = Counter(code for values in local.values() for code in set(values[1].split(";")) if code)
    for code in FLAG_CODES:
        assert shares[code] >= 5_000, (code, shares[code])
    got = spark_values(ss.screen(ss.read(spark, generated), home=screener_home))
    assert len(got) == 100_000
    differing = [po for po, values in local.items() if got.get(po) != values]
    assert differing == [], [(po, local[po][:2], got.get(po, [None, None])[:2]) for po in differing[:5]]
    # and the file path the CLI takes (columnar for CSV in and out) agrees on risk and flags
    screen_file(screener, generated, tmp_path / "local.csv", workers=1)
    assert csv_risk_and_flags(tmp_path / "local.csv") == {po: (v[0], v[1]) for po, v in got.items()}


def test_malformed_lines_land_in_the_errors_column_and_the_job_goes_on(
    spark: Any, screener: Any, screener_home: Path, tmp_path: Path
) -> None:
    from supplyscreen.screen.engines import spark as ss

    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    extra = [  # one value too many (skipped); too few (padded); an empty one too many (dropped): as locally
        "PO-BAD-1,2023-01-01,Acme, Inc,1 Main St,US,paper,,1,10.00,USD,General fund,Buyer",
        "PO-SHORT-1,2023-01-02,Hikvision USA Inc",
        lines[2].replace("PO-2021-0102", "PO-TRAIL-1") + ",",
    ]
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    rows = {r["po_number"]: r for r in ss.screen(ss.read(spark, path), home=screener_home).collect()}
    assert len(rows) == 27
    bad = rows["PO-BAD-1"]
    assert bad["risk"] is None and bad["flags"] is None
    assert "13 values where the header has 12" in bad["errors"]
    assert bad["list_snapshot"] == screener.snapshot_version
    stream = read_records(path)
    local = {
        str(r.record.fields["po_number"]): added_values(r, False) for r in screen_records(screener, stream)
    }
    assert [e.row for e in stream.errors] == [25]  # the local engine skips the same line
    assert {po for po, r in rows.items() if r["errors"] is None} == set(local)
    assert rows["PO-SHORT-1"]["risk"] == local["PO-SHORT-1"][0] == "high"
    assert rows["PO-TRAIL-1"]["flags"] == local["PO-TRAIL-1"][1] == "covered_equipment"


def test_a_row_the_core_fails_on_gets_an_error_while_its_batch_is_screened(
    screener_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("pyspark")
    from supplyscreen.io import detect_mapping
    from supplyscreen.screen.engines import spark as ss

    columns = ("po", "vendor", "country")
    version = ss.Screener.open(screener_home).snapshot_version
    mapping = tuple(detect_mapping(columns).items())
    plan = ss._Plan(columns, mapping, str(screener_home), False, version, False, None)
    engine = ss._engine(plan)
    match_key = engine.match_key

    def failing(key: tuple[str, str | None]) -> Any:
        if key[0] == "Broken Vendor":
            raise ValueError("cannot match this one")
        return match_key(key)

    monkeypatch.setattr(engine, "match_key", failing)
    vendors = ["Hoshine Silicon Industry", "Broken Vendor", "Office Depot"]
    batch = pa.RecordBatch.from_pydict(
        {"po": ["1", "2", "3"], "vendor": vendors, "country": ["CN", "US", "US"]}
    )
    (out,) = list(ss._screen_partition(plan, iter([batch])))
    result = out.to_pydict()
    assert result["risk"] == ["high", None, "clear"]
    assert result["errors"][0] is None and result["errors"][2] is None
    assert result["errors"][1] == "not screened: ValueError: cannot match this one"
    assert result["vendor"] == vendors


def test_cli_engine_spark_screens_parquet_into_a_parquet_folder(
    spark: Any, screener: Any, screener_home: Path, tmp_path: Path
) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from supplyscreen.cli import app

    source = tmp_path / "orders.parquet"
    pq.write_table(pacsv.read_csv(EXAMPLE), source)
    out = tmp_path / "orders.screened.parquet"
    args = ["screen", str(source), "--engine", "spark", "--master", "local[2]", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--home", str(screener_home), "--fail-on", "high"])
    assert result.exit_code == 3, result.output
    assert "high" in result.output and "flag uflpa_entity" in result.output
    written = pq.read_table(out).to_pylist()
    assert len(written) == 24
    local = local_values(screener, source)
    assert {r["po_number"]: [r[c] for c in ADDED_COLUMNS] for r in written} == local
    assert spark.sparkContext._jsc is not None  # the CLI left the session it found running


def test_csv_output_escapes_formulas_like_the_local_writer(spark: Any, tmp_path: Path) -> None:
    frame = spark.createDataFrame(
        [("=cmd|' /C calc'!A0", "-12.50", "@SUM(A1)", "plain")], ["vendor", "amount", "note", "other"]
    )
    from supplyscreen.screen.engines import spark as ss

    out = tmp_path / "out.csv"
    ss.write(frame, out)
    rows = [
        row for part in sorted(out.glob("part-*.csv")) for row in csv.DictReader(part.open(encoding="utf-8"))
    ]
    assert len(rows) == 1
    assert rows[0]["vendor"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["amount"] == "-12.50"  # a plain number stays a number
    assert rows[0]["note"] == "'@SUM(A1)" and rows[0]["other"] == "plain"


def test_formulas_escaped_by_the_python_workers_match_the_jvm_escaping(spark: Any, tmp_path: Path) -> None:
    """``screen(..., csv_cells=True)`` + ``write(..., escaped=True)`` (what the CLI does) writes the
    same CSV cells as escaping in the JVM."""
    from supplyscreen.screen.engines import spark as ss

    frame = spark.createDataFrame(
        [("=cmd|' /C calc'!A0", "-12.50", "\tcams", "Hikvision DS-2CD2143G0-I camera"),
         ("+1 555 0100", "+7", "@SUM(A1)", "copy paper")],
        ["vendor", "amount", "note", "description"],
    )  # fmt: skip

    def written(folder: Path) -> list[dict[str, str]]:
        parts = sorted(folder.glob("part-*.csv"))
        rows = [r for part in parts for r in csv.DictReader(part.open(encoding="utf-8", newline=""))]
        return sorted(rows, key=lambda r: r["amount"])

    ss.write(ss.screen(frame), tmp_path / "jvm.csv")
    ss.write(ss.screen(frame, csv_cells=True), tmp_path / "python.csv", escaped=True)
    jvm, python = written(tmp_path / "jvm.csv"), written(tmp_path / "python.csv")
    assert python == jvm and len(python) == 2
    assert {r["vendor"] for r in python} == {"'=cmd|' /C calc'!A0", "'+1 555 0100"}
    assert {r["amount"] for r in python} == {"-12.50", "+7"}
    assert {r["note"] for r in python} == {"'\tcams", "'@SUM(A1)"}
    assert any("covered_equipment" in r["flags"] for r in python)
