"""CSV and JSON-lines results, the errors file, formula-injection escaping and atomic, streamed writing."""

from __future__ import annotations

import csv
import json
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.results import jsonl_rows
from test_report_rows import (
    COLUMNS,
    DAHUA_REASONS,
    FORMULA_VENDOR,
    HEADER,
    SNAPSHOT,
    clean_row,
    cotton_row,
    dahua_row,
    sample_context,
    sample_results,
    write_sample,
)

from supplyscreen.io.errors import RowError
from supplyscreen.model import Flag, Record, RowResult
from supplyscreen.report import (
    ADDED_COLUMNS,
    ReportContext,
    ReportError,
    escape_formula,
    write_errors,
    write_results,
)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_csv(tmp_path: Path, results: list[RowResult] | None = None, **extra: object) -> Path:
    out = tmp_path / "po.screened.csv"
    write_sample(out, results, **extra)
    return out


def test_csv_keeps_every_input_column_and_adds_the_screening_columns(tmp_path: Path) -> None:
    out = _write_csv(tmp_path)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == HEADER
    rows = _read_csv(out)
    assert len(rows) == 7
    dahua = rows[0]
    assert dahua["PO Number"] == "PO-2024-0117"
    assert dahua["Vendor"] == "Zhejiang Dahua Technology Co., Ltd."
    assert dahua["Amount"] == "48355"
    assert dahua["risk"] == "high"
    assert dahua["flags"] == "covered_equipment;restricted_party"
    assert dahua["reasons"] == " | ".join(DAHUA_REASONS)
    assert dahua["top_match"] == "Dahua Technology Company"
    assert dahua["top_score"] == "0.97"
    assert dahua["lists"] == "us_ndaa_889;us_fcc_covered;us_bis_entity_list"
    assert dahua["list_snapshot"] == SNAPSHOT


def test_csv_rows_without_a_hit_have_empty_match_columns_and_keep_chinese(tmp_path: Path) -> None:
    rows = _read_csv(_write_csv(tmp_path))
    xinjiang, cotton, clean = rows[1], rows[2], rows[3]
    assert xinjiang["Address"] == "阿克苏市纺织工业城, 新疆, China"
    assert (xinjiang["risk"], xinjiang["flags"]) == ("high", "xinjiang_location;high_priority_sector")
    assert (cotton["risk"], cotton["flags"], cotton["HS Code"]) == (
        "clear",
        "high_priority_sector",
        "5205.12",
    )
    assert (clean["risk"], clean["flags"], clean["reasons"]) == ("clear", "", "")
    for row in (xinjiang, cotton, clean):
        assert (row["top_match"], row["top_score"], row["lists"]) == ("", "", "")


def test_csv_review_hit_shows_its_top_match_and_lists(tmp_path: Path) -> None:
    script = _read_csv(_write_csv(tmp_path))[6]
    assert script["risk"] == "review"
    assert script["top_match"] == "Hoshine Silicon Industry (Shanshan) Co., Ltd."
    assert (script["top_score"], script["lists"]) == ("0.71", "us_dhs_uflpa")


def test_csv_is_utf8_with_a_byte_order_mark_unless_asked_not_to(tmp_path: Path) -> None:
    out = _write_csv(tmp_path)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfPO Number,")
    plain = tmp_path / "plain.csv"
    write_results([clean_row()], plain, fmt="csv", context=ReportContext(), columns=COLUMNS, csv_bom=False)
    assert plain.read_bytes().startswith(b"PO Number,")


def test_csv_escapes_formula_cells_with_a_leading_quote(tmp_path: Path) -> None:
    row = _read_csv(_write_csv(tmp_path))[4]
    assert row["Vendor"] == "'" + FORMULA_VENDOR
    assert row["Description"] == "'+SUM(A1:A9)"
    assert row["Address"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["HS Code"] == "'\t=1+1"
    assert row["Funding"] == "'-2+3"
    # plain numbers are no formula and stay numbers
    assert (row["Amount"], row["PO Number"]) == ("-1200.50", "-1200.50")


def test_added_cells_are_escaped_too(tmp_path: Path) -> None:
    result = clean_row()
    result.flags = [Flag("restricted_party", "review", '=HYPERLINK("http://evil")', {"lists": ["@x"]})]
    result.risk = "review"
    row = _read_csv(_write_csv(tmp_path, [result]))[0]
    assert row["reasons"] == '\'=HYPERLINK("http://evil")'
    assert row["lists"] == "'@x"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-", "'-"),
        ("@user", "'@user"),
        ("\rX", "'\rX"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("1,234.50", "1,234.50"),
        ("a=b", "a=b"),
    ],
)
def test_escape_formula_follows_owasp(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped


def test_change_column_is_added_in_compare_mode(tmp_path: Path) -> None:
    first, second = dahua_row(), clean_row()
    first.change, second.change = "new", "unchanged"
    rows = _read_csv(_write_csv(tmp_path, [first, second]))
    assert list(rows[0])[-1] == "change"
    assert [r["change"] for r in rows] == ["new", "unchanged"]
    without = _read_csv(_write_csv(tmp_path, [clean_row()]))
    assert "change" not in without[0]


def test_added_column_whose_name_the_input_already_has_gets_a_prefix(tmp_path: Path) -> None:
    record = Record(row=1, fields={"Vendor": "Acme", "risk": "low (our rating)"}, name="Acme")
    out = tmp_path / "again.csv"
    write_results(
        [RowResult(1, record, "clear")], out, fmt=None, context=ReportContext(), columns=["Vendor", "risk"]
    )
    row = _read_csv(out)[0]
    assert (row["risk"], row["supplyscreen_risk"]) == ("low (our rating)", "clear")


def test_columns_default_to_the_first_records_fields(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    write_results([cotton_row()], out, fmt=None, context=ReportContext())
    assert list(_read_csv(out)[0]) == [*COLUMNS, *ADDED_COLUMNS]


def test_jsonl_lines_are_exactly_the_row_results_to_dict(tmp_path: Path) -> None:
    out = tmp_path / "po.jsonl"
    summary = write_results(sample_results(), out, fmt=None, context=sample_context(tmp_path))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert set(json.loads(lines[0])) == {"metadata"}  # the first record describes the screening
    assert jsonl_rows(out) == [r.to_dict() for r in sample_results()]
    assert "阿克苏市" in lines[2]  # not \u-escaped
    assert (summary.format, summary.rows_total, summary.output) == ("jsonl", 7, out)


def test_jsonl_writes_nan_as_null(tmp_path: Path) -> None:
    result = clean_row()
    result.record.fields["Amount"] = float("nan")
    out = tmp_path / "nan.jsonl"
    write_results([result], out, fmt="jsonl", context=ReportContext())
    assert jsonl_rows(out)[0]["record"]["Amount"] is None


def test_errors_file_lists_row_sheet_column_and_message(tmp_path: Path) -> None:
    errors = [
        RowError(12, "Amount", "unreadable amount 'twelve'", path="po.xlsx", sheet="Orders"),
        RowError(40, None, "=cmd|' /C calc'!A0: row has 14 cells, the header 9"),
    ]
    path, count = write_errors(errors, tmp_path / "po.screened.csv")
    assert (path, count) == (tmp_path / "po.screened.errors.csv", 2)
    assert _read_csv(path) == [
        {"row": "12", "sheet": "Orders", "column": "Amount", "message": "unreadable amount 'twelve'"},
        {
            "row": "40",
            "sheet": "",
            "column": "",
            "message": "'=cmd|' /C calc'!A0: row has 14 cells, the header 9",
        },
    ]


def test_no_errors_writes_no_errors_file(tmp_path: Path) -> None:
    path, count = write_errors([], tmp_path / "po.screened.csv")
    assert count == 0 and not path.exists()


def test_output_that_is_the_input_is_refused_before_reading(tmp_path: Path) -> None:
    source = tmp_path / "purchase_orders.csv"
    source.write_text("Vendor\nAcme\n", encoding="utf-8")

    def never() -> Iterator[RowResult]:
        raise AssertionError("results must not be read")
        yield  # pragma: no cover

    context = sample_context(tmp_path)
    with pytest.raises(ReportError, match="overwrite the input"):
        write_results(never(), source, fmt="csv", context=context)
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    with pytest.raises(ReportError, match="overwrite the input"):
        write_results(never(), link, fmt="csv", context=context)
    assert source.read_text(encoding="utf-8") == "Vendor\nAcme\n"


def test_write_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    out = _write_csv(tmp_path)
    before = out.read_bytes()

    def failing() -> Iterator[RowResult]:
        yield dahua_row()
        raise RuntimeError("screening interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        write_results(failing(), out, fmt=None, context=sample_context(tmp_path), columns=COLUMNS)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["po.screened.csv"]
    assert oct(out.stat().st_mode & 0o777) != "0o600"


@pytest.mark.parametrize(
    ("name", "fmt", "message"), [("r.txt", None, "extension"), ("r.csv", "pdf", "unknown")]
)
def test_unknown_format_is_a_report_error(tmp_path: Path, name: str, fmt: str | None, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        write_results([], tmp_path / name, fmt=fmt, context=ReportContext())


def test_missing_output_folder_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        write_results([], tmp_path / "nowhere" / "r.csv", fmt=None, context=ReportContext())


def _many(count: int, vendors: int = 5_000) -> Iterator[RowResult]:
    """A purchase file of ``count`` rows repeating ``vendors`` vendors; every 50th row is high risk."""
    records = [
        Record(
            row=index,
            fields={
                "id": str(index),
                "vendor": f"Vendor {index}",
                "description": "IP camera kit",
                "amount": "120.00",
            },
            name=f"Vendor {index}",
            description="IP camera kit",
            amount=120.0,
        )
        for index in range(vendors)
    ]
    flags = [Flag("covered_equipment", "high", "Hikvision model number", {"text": "DS-2CD"})]
    for row in range(1, count + 1):
        if row % 50 == 0:
            yield RowResult(row, records[row % vendors], "high", flags)
        else:
            yield RowResult(row, records[row % vendors], "clear")


def test_a_100000_row_csv_streams_with_bounded_memory(tmp_path: Path) -> None:
    out = tmp_path / "big.csv"
    tracemalloc.start()
    began = time.perf_counter()
    try:
        summary = write_results(
            _many(100_000),
            out,
            fmt=None,
            context=ReportContext(),
            columns=["id", "vendor", "description", "amount"],
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - began
    assert summary.rows_total == 100_000
    assert summary.by_risk["high"] == 2_000
    assert summary.amount_at_risk == {"": 240_000.0}
    assert peak < 50 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert elapsed < 20, f"{elapsed:.1f} s"
    with out.open(encoding="utf-8-sig") as handle:
        assert sum(1 for _ in handle) == 100_001


def test_columns_and_compare_mode_can_come_from_the_context(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    context = ReportContext(columns=["Vendor", "Amount"], compare_to=tmp_path / "last_month.csv")
    write_results([clean_row()], out, fmt=None, context=context)
    assert list(_read_csv(out)[0]) == ["Vendor", "Amount", *ADDED_COLUMNS, "change"]


def test_a_callers_aggregator_is_filled_as_rows_are_written(tmp_path: Path) -> None:
    from supplyscreen.report import ReportAggregator

    agg = ReportAggregator()
    summary = write_results(
        sample_results(), tmp_path / "r.jsonl", fmt=None, context=ReportContext(), aggregator=agg
    )
    assert agg.rows_total == summary.rows_total == 7


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_replace_over_an_earlier_result_keeps_no_file_open(tmp_path: Path) -> None:
    import threading

    from supplyscreen.report.atomic import replace

    out = tmp_path / "result.csv"
    out.write_text("old\n", encoding="utf-8")
    open_before = len(list(Path("/proc/self/fd").iterdir()))
    for k in range(20):
        new = tmp_path / f"new{k}.csv"
        new.write_text(f"run {k}\n", encoding="utf-8")
        replace(new, out)
        assert out.read_text(encoding="utf-8") == f"run {k}\n" and not new.exists()
    deadline = time.monotonic() + 10
    while any(t.name != "MainThread" and t.is_alive() and "close" in t.name for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.05)
    assert len(list(Path("/proc/self/fd").iterdir())) <= open_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv"]


def test_replace_closes_the_earlier_result_itself_when_no_thread_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import threading

    from supplyscreen.report.atomic import replace

    out, new = tmp_path / "result.csv", tmp_path / "new.csv"
    out.write_text("old\n", encoding="utf-8")
    new.write_text("new\n", encoding="utf-8")
    closed: list[int] = []
    real_close = os.close

    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    monkeypatch.setattr(os, "close", lambda fd: closed.append(fd) or real_close(fd))
    replace(new, out)
    assert out.read_text(encoding="utf-8") == "new\n" and len(closed) == 1
