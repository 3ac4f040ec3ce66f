"""Hostile input files (issue 19) at the screening and the output: Parquet columns of every type on the
columnar path, a result too wide for an Excel sheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support.cli import run_cli
from support.paths import screened_both_ways

from supplyscreen.report.xlsx import EXCEL_MAX_COLUMNS


def _cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


# D6: a valid Parquet file with binary, struct or list columns raised on the columnar path


def test_parquet_columns_of_any_type_give_the_row_paths_cells_on_the_columnar_path(
    screener, tmp_path: Path
) -> None:
    import datetime
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "vendor": ["Hikvision", "Acme", None],
            "blob": pa.array([b"Hikvision", b"\xff\x00", None], pa.binary()),
            "info": pa.array([{"city": "Aksu", "n": 1}, None, {"city": "=cmd", "n": 2}]),
            "tags": pa.array([["Xinjiang", "b"], [], None]),
            "kv": pa.array([[("k", "v")], None, []], pa.map_(pa.string(), pa.string())),
            "flag": [True, False, None],
            "amount": [1.5, float("nan"), 1e15],
            "f32": pa.array([0.1, None, 2.0], pa.float32()),
            "ts": pa.array([datetime.datetime(2021, 5, 1, 3, 4), None, datetime.datetime(2022, 1, 1)]),
            "dec": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-2")], pa.decimal128(5, 2)),
            "cat": pa.array(["x", "Kashgar", None]).dictionary_encode(),
        }
    )
    source = tmp_path / "typed.parquet"
    pq.write_table(table, source)
    for workers in (1, 2):
        fast, slow = screened_both_ways(screener, source, tmp_path, workers)
        assert _cells(fast) == _cells(slow)
    header, *rows = _cells(fast)
    assert rows[0][:11] == [
        "Hikvision", "b'Hikvision'", '{"city": "Aksu", "n": 1}', '["Xinjiang", "b"]', '[["k", "v"]]', "true",
        "1.5", "0.10000000149011612", "2021-05-01T03:04:00", "1.50", "x",
    ]  # fmt: skip
    assert [row[header.index("risk")] for row in rows] == ["high", "high", "clear"]


def test_parquet_dates_and_times_past_year_9999_read_alike_on_both_paths(screener, tmp_path: Path) -> None:
    # Python's datetime ends at 9999: the row path refused such a date, the columnar path crashed on a
    # timestamp (a traceback); both now write pyarrow's text of the value
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    late = 253402300800 * 10**6  # 10000-01-01 in microseconds
    table = pa.table(
        {
            "vendor": ["Acme", "Hikvision", "Beta"],
            "due": pa.array([2932900, 0, None], pa.date32()),
            "at": pa.array([late, 0, None], pa.timestamp("us")),
            "ok": pa.array([datetime.date(2024, 2, 29), None, datetime.date(9999, 12, 31)]),
        }
    )
    source = tmp_path / "late.parquet"
    pq.write_table(table, source)
    fast, slow = screened_both_ways(screener, source, tmp_path, 1)
    assert _cells(fast) == _cells(slow)
    header, *rows = _cells(fast)
    assert [row[:4] for row in rows] == [
        ["Acme", "10000-01-04", "10000-01-01 00:00:00.000000", "2024-02-29"],
        ["Hikvision", "1970-01-01", "1970-01-01T00:00:00", ""],
        ["Beta", "", "", "9999-12-31"],
    ]
    assert [row[header.index("risk")] for row in rows] == ["clear", "high", "clear"]


# D8: more than 16,384 columns written to XLSX


def test_a_result_wider_than_an_excel_sheet_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, screener_home: Path
) -> None:
    width = EXCEL_MAX_COLUMNS - 3  # the input fits, not with the columns screening adds
    source = tmp_path / "wide.csv"
    source.write_text(
        "vendor,"
        + ",".join(f"c{n}" for n in range(width - 1))
        + "\nAcme,"
        + ",".join(["1"] * (width - 1))
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "wide.xlsx"
    args = ["screen", str(source), "--out", str(out), "--home", str(screener_home)]
    code, _, err = run_cli(args, capsys, monkeypatch)
    assert code == 2, err
    said = " ".join(err.split())
    assert "wide.xlsx: 16,388 columns (16,381 of the input and 7 added)" in said
    assert f"more than the {EXCEL_MAX_COLUMNS:,} an Excel sheet holds" in said and "--out FILE.csv" in said
    assert not out.exists()
