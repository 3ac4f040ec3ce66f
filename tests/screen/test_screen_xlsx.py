"""An XLSX file of one table goes the columnar path into CSV, with exactly the row path's output; what
the columnar path would read otherwise (a value beyond the header, a damaged sheet) goes to the row path."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.paths import screened_both_ways
from support.workbooks import orders_with_damaged_sheet

from supplyscreen.io import InputError, read_records
from supplyscreen.screen import columnar, run
from supplyscreen.screen.columnar import xlsx
from supplyscreen.screen.run import screen_file

HEADER = ["PO", "Vendor", "Vendor address", "Description", "Amount", "Currency", "Order date", "Paid", "Note"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _purchases(path: Path, rows: int = 80, beyond: int | None = None, dates: str = "typed") -> Path:
    """A workbook of one sheet: a title line and a blank row above the header, blank rows between
    the rows (a run of them too), listed vendors, covered brands, Xinjiang addresses, typed cells;
    ``beyond``: a value past the header in that data row; ``dates="numbers"``: YYYYMMDD numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet.append(["Purchase orders, FY2024 (generated)"])
    sheet.append([])
    sheet.append(HEADER)
    vendors = [
        ("Hangzhou Hikvision Digital Technology Co., Ltd.", "Hangzhou, China"),
        ("Acme Office Supply Inc", "1 Main St, Denver, CO 80202"),
        ("Meitai Textile Co., Ltd.", "No. 18 Renmin Road, Aksu, Xinjiang, China"),
        ("Zhejiang Dahua Technology Co., Ltd.", "Hangzhou, China"),
        ("Office Depot", "Boca Raton, FL"),
        ("  ", None),
    ]
    goods = [
        "DS-2CD2143G0-I dome camera",
        "copy paper",
        "cotton yarn 40s",
        "Hikvision NVR",
        "@SUM(A1:A9)",
    ]
    when = [
        datetime.datetime(2024, 1, 1),
        datetime.datetime(2024, 1, 2, 13, 30),
        datetime.date(2024, 3, 1),
        "2024-04-01",
        45292,
        None,
    ]
    for n in range(rows):
        if n % 11 == 5:
            sheet.append([])
        if n == 40:
            for _ in range(20):  # a whole batch of blank rows when batches are small
                sheet.append([None, None, "   "])
        vendor, address = vendors[n % len(vendors)]
        amount = [1200.5, 5, -12.5, 1234567890123456, None, 0.1][n % 6]
        date: Any = 20240100 + 1 + n % 28 if dates == "numbers" else when[n % len(when)]
        note = ["#N/A", "rush order", "", " ", "Hikvision cameras for the depot", None][n % 6]
        row: list[Any] = [
            n + 1,
            vendor,
            address,
            goods[n % len(goods)],
            amount,
            "USD",
            date,
            n % 3 == 0,
            note,
        ]
        if beyond is not None and n == beyond:
            row += [None, "a note past the header"]
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files ``screen_file`` opens: a file read twice went to the row path after the columnar."""
    opened: list[str] = []
    original = run.read_records

    def spy(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(Path(path).name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(run, "read_records", spy)
    return opened


@pytest.mark.parametrize("workers", [1, 2])
def test_an_xlsx_file_is_screened_the_same_both_ways(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str], workers: int
) -> None:
    monkeypatch.setattr(xlsx, "XLSX_BATCH_ROWS", 16)  # several batches, one of blank rows only
    source = _purchases(tmp_path / "po.xlsx")
    fast, slow = screened_both_ways(screener, source, tmp_path, workers)
    assert reads == ["po.xlsx", "po.xlsx"]  # once on each path: the columnar one took the file
    a, b = _rows(fast), _rows(slow)
    assert a == b and len(a) == 80
    assert list(a[0]) == [
        *HEADER,
        "risk",
        "flags",
        "reasons",
        "top_match",
        "top_score",
        "lists",
        "list_snapshot",
    ]
    codes = {code for row in a for code in row["flags"].split(";") if code}
    assert {"restricted_party", "covered_equipment", "xinjiang_location", "high_priority_sector"} <= codes
    first = a[0]
    assert (first["Order date"], first["Amount"], first["Paid"], first["Note"]) == (
        "2024-01-01",
        "1200.5",
        "true",
        "#N/A",
    )
    assert a[1]["Order date"] == "2024-01-02T13:30:00" and a[3]["Amount"] == "1234567890123456"
    assert a[4]["Description"] == "'@SUM(A1:A9)"  # escaped alike


@pytest.mark.parametrize("workers", [1, 2])
def test_a_value_beyond_the_header_sends_the_file_to_the_row_path(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str], workers: int
) -> None:
    """The row path keeps it (``column_N``): the columnar path, which would not, hands the file over
    when it meets it, batches in, and leaves nothing of its own behind."""
    monkeypatch.setattr(xlsx, "XLSX_BATCH_ROWS", 16)
    source = _purchases(tmp_path / "po.xlsx", beyond=70)
    out = tmp_path / "out.csv"
    outcome = screen_file(screener, source, out, workers=workers)
    assert reads == ["po.xlsx", "po.xlsx"]  # the columnar path, then the row path
    assert not out.with_name(out.name + ".partial").exists() and outcome.summary.rows_total == 80
    slow = tmp_path / "slow.csv"
    screen_file(screener, source, slow, force_rows=True)
    assert _rows(out) == _rows(slow)
    kept = [r.fields["column_11"] for r in read_records(source) if "column_11" in r.fields]
    assert kept == ["a note past the header"]


def test_numbers_read_as_other_dates_than_their_text_go_to_the_row_path(
    screener, tmp_path: Path, reads: list[str]
) -> None:
    """The row path reads a number in the date column as an Excel serial (20240101 is none), the
    columnar path the text it writes ("20240101", a date)."""
    source = _purchases(tmp_path / "po.xlsx", rows=30, dates="numbers")
    fast, slow = screened_both_ways(screener, source, tmp_path)
    assert reads == ["po.xlsx", "po.xlsx", "po.xlsx"]
    assert _rows(fast) == _rows(slow)


@pytest.mark.parametrize("workers", [1, 2])
def test_compare_mode_keys_a_sheets_rows_as_the_row_path_does(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str], workers: int
) -> None:
    """A sheet's data rows count its blank rows (``Record.row``): so does the change column."""
    monkeypatch.setattr(xlsx, "XLSX_BATCH_ROWS", 16)
    source = _purchases(tmp_path / "po.xlsx")
    for earlier in (tmp_path / "before.jsonl", tmp_path / "before.csv"):
        screen_file(screener, _purchases(tmp_path / "before.xlsx", rows=70), earlier, force_rows=True)
        fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
        reads.clear()
        screen_file(screener, source, fast, workers=workers, compare_to=earlier)
        screen_file(screener, source, slow, force_rows=True, compare_to=earlier)
        assert reads == ["po.xlsx", "po.xlsx"]
        assert _rows(fast) == _rows(slow)
        assert {"new", "unchanged"} <= {row["change"] for row in _rows(fast)}


@pytest.mark.parametrize("workers", [1, 2])
def test_an_xlsx_run_resumes_after_an_interruption(
    screener, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt_and_resume, workers: int
) -> None:
    from supplyscreen.screen.columnar import writer

    monkeypatch.setattr(xlsx, "XLSX_BATCH_ROWS", 16)
    monkeypatch.setattr(writer, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint between every two batches
    source = _purchases(tmp_path / "po.xlsx")
    straight = tmp_path / "straight.csv"
    screen_file(screener, source, straight, force_rows=True)
    outcome = interrupt_and_resume(source, tmp_path / "resumed.csv", after=50, workers=workers)
    assert 0 < outcome.resumed_rows < 80 and outcome.summary.rows_total == 80
    assert _rows(tmp_path / "resumed.csv") == _rows(straight)


def test_a_workbook_of_several_tables_stays_on_the_row_path(tmp_path: Path) -> None:
    source = _purchases(tmp_path / "po.xlsx", rows=10)
    book = openpyxl.load_workbook(source)
    book.create_sheet("More").append(["Vendor"])
    book["More"].append(["Acme"])
    book.create_sheet("Notes").append(["Remark"])  # no vendor column: skipped
    book.save(source)
    assert not columnar.eligible(read_records(source), "csv")
    assert columnar.eligible(read_records(source, sheet="Orders"), "csv")
    assert not columnar.eligible(read_records(source, sheet="Orders"), "xlsx")
    book.remove(book["More"])
    book.save(source)
    assert columnar.eligible(read_records(source), "csv")  # one table, a sheet skipped


def test_a_sheet_damaged_after_its_header_is_refused_naming_the_row(
    screener, tmp_path: Path, reads: list[str]
) -> None:
    """calamine fails on it (a shared string that does not exist): the row path's openpyxl names the row."""

    def missing_string(xml: bytes) -> bytes:
        start = xml.index(b'<row r="4">')
        end = xml.index(b"</row>", start) + len(b"</row>")
        return xml[:start] + b'<row r="4"><c r="A4" t="s"><v>99</v></c></row>' + xml[end:]

    source = orders_with_damaged_sheet(tmp_path, "damaged.xlsx", missing_string, values=True)
    out = tmp_path / "out.csv"
    with pytest.raises(InputError, match=r"damaged.xlsx, sheet 'Orders', row 3: the sheet is damaged"):
        screen_file(screener, source, out)
    assert reads == ["damaged.xlsx", "damaged.xlsx"] and not out.exists()


def test_the_sheets_batches_are_read_once_for_every_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplyscreen.screen.columnar import reader

    monkeypatch.setattr(xlsx, "XLSX_BATCH_ROWS", 16)
    stream = read_records(_purchases(tmp_path / "po.xlsx"))
    made = []
    original = xlsx._batch

    def counting(*args: Any) -> Any:
        made.append(1)
        return original(*args)

    monkeypatch.setattr(xlsx, "_batch", counting)
    first = list(reader._batches(stream, []))
    names = list(reader._batches(stream, [], ["Vendor"]))
    assert len(made) == 7  # 103 sheet rows after the header, 16 at a time
    assert [b.num_rows for b in first] == [b.num_rows for b in names] and sum(b.num_rows for b in first) == 80
    assert names[0].schema.names == ["Vendor"]
    numbers = [int(n) for b in first for n in xlsx.row_numbers(b, 0)]
    assert numbers == [r.row for r in read_records(tmp_path / "po.xlsx")]


def test_whitespace_is_what_python_strips() -> None:
    assert xlsx.PY_WHITESPACE == "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())
