"""read_records opens CSV/TSV of any delimiter, XLSX, Parquet and JSON lines, and survives bad rows."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from supplyscreen.io import InputError, read_records
from supplyscreen.io.delimited import sniff_delimiter

ROWS = [
    ["Vendor Name", "Address", "Item Description", "Amount", "PO Date"],
    ["Hikvision; Ltd", "Hangzhou, China", "IP camera", "$1,234.50", "06/21/2022"],
    ["Acme", "1 Main St", "Gloves", "12", "2022-06-22"],
]


def _delimited(rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or "," in value else value

    return "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in rows)


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"), ("|", ".txt")]
)
def test_delimiter_is_sniffed_and_rows_read(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = tmp_path / f"purchases{suffix}"
    path.write_text(_delimited(ROWS, delimiter), encoding="utf-8", newline="")
    stream = read_records(path)
    records = list(stream)
    assert stream.delimiter == delimiter
    assert stream.format == ("tsv" if delimiter == "\t" else "csv")
    assert stream.columns == ROWS[0]
    assert [(r.row, r.name, r.address, r.amount, r.date) for r in records] == [
        (1, "Hikvision; Ltd", "Hangzhou, China", 1234.5, "2022-06-21"),
        (2, "Acme", "1 Main St", 12.0, "2022-06-22"),
    ]
    assert records[0].fields["Amount"] == "$1,234.50"


def test_semicolon_wins_over_decimal_commas() -> None:
    assert sniff_delimiter("supplier;amount\nAcme;1,5\nFoo;2,75\n") == ";"
    assert sniff_delimiter("supplier\nAcme, Inc\n") == ","


def test_xlsx_reads_every_sheet_with_sheet_and_row_numbers(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    stream = read_records(path)
    records = list(stream)
    assert stream.format == "xlsx"
    assert stream.sheets == ["Q1", "供应商"]
    assert stream.skipped_sheets == {"Notes": "no vendor/supplier name column found; columns are 'Remark'; "
                                              "use --map name=COLUMN"}  # fmt: skip
    assert stream.sheet_mappings["供应商"] == {"name": "供应商名称", "amount": "金额", "date": "日期"}
    assert [(r.sheet, r.row, r.name, r.amount, r.date) for r in records] == [
        ("Q1", 1, "Hikvision", 1200.0, "2022-06-21"),
        ("Q1", 3, "12345", None, "2022-06-21"),
        ("供应商", 1, "新疆某某公司", 88.5, "2022-06-21"),
    ]
    # a date-formatted cell without a time of day is a date (its text "2022-06-21", not "…T00:00:00")
    assert records[0].fields == {"Supplier": "Hikvision", "Amount": 1200, "Date": date(2022, 6, 21)}
    assert records[1].fields["column_4"] == "stray note"
    assert stream.unreadable == {"amount": 1}


def test_xlsx_sheet_argument_reads_one_sheet(tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    stream = read_records(path, sheet="供应商")
    assert [(r.sheet, r.name) for r in stream] == [("供应商", "新疆某某公司")]
    with pytest.raises(InputError, match=r"no sheet 'Q9'; sheets are 'Q1', 'Notes', '供应商'"):
        read_records(path, sheet="Q9")
    # a sheet asked for by name is read even without a name column: by the detectors alone
    notes = read_records(path, sheet="Notes")
    assert "name" not in notes.mapping and notes.others == ["Remark"]


def _workbook(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "Q1"
    first.append(["Purchases, first quarter"])  # a title line above the header
    first.append(["Supplier", "Amount", "Date"])
    first.append(["Hikvision", 1200, datetime(2022, 6, 21)])
    first.append([None, None, None])
    first.append([12345.0, "n/a", 44733, "stray note"])
    workbook.create_sheet("Notes").append(["Remark"])
    chinese = workbook.create_sheet("供应商")
    chinese.append(["供应商名称", "金额", "日期"])
    chinese.append(["新疆某某公司", "88.50", "2022年6月21日"])
    path = tmp_path / "purchases.xlsx"
    workbook.save(path)
    return path


def test_parquet_keeps_native_values(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "supplier_name": ["Hikvision", "Acme", None],
            "amount": [1234.5, None, 3.0],
            "order_date": pa.array([datetime(2022, 6, 21).date(), None, None], pa.date32()),
            "hs": ["852589", "401519", "630231"],
        }
    )
    path = tmp_path / "purchases.parquet"
    pq.write_table(table, path)
    stream = read_records(path)
    records = list(stream)
    assert stream.format == "parquet"
    assert stream.mapping == {
        "name": "supplier_name",
        "hs_code": "hs",
        "amount": "amount",
        "date": "order_date",
    }
    assert [(r.row, r.name, r.amount, r.date, r.hs_code) for r in records] == [
        (1, "Hikvision", 1234.5, "2022-06-21", "852589"),
        (2, "Acme", None, None, "401519"),
        (3, None, 3.0, None, "630231"),
    ]


def test_json_lines_rows_are_line_numbers_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "vendors.jsonl"
    lines = [
        json.dumps({"vendor": "Hikvision", "country": "CN", "tags": ["cctv"]}),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"vendor": "Acme", "amount": "1,000", "extra": 1}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stream = read_records(path)
    records = list(stream)
    assert stream.format == "jsonl"
    assert stream.columns == ["vendor", "country", "tags", "amount", "extra"]
    assert [(r.row, r.name, r.country, r.amount) for r in records] == [
        (1, "Hikvision", "CN", None),
        (5, "Acme", None, 1000.0),
    ]
    assert records[0].fields["tags"] == ["cctv"]
    assert [(e.row, e.message.split(" (")[0]) for e in stream.errors] == [
        (3, "not valid JSON"),
        (4, "a JSON list, not an object; row skipped"),
    ]


def test_json_array_of_objects_and_format_sniffed_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "export"
    path.write_text(json.dumps([{"Supplier": "Acme", "Value": 5}, {"Supplier": "Foo"}]), encoding="utf-8")
    stream = read_records(path)
    assert stream.format == "json"
    assert [(r.row, r.name, r.amount) for r in stream] == [(1, "Acme", 5.0), (2, "Foo", None)]


def test_csv_content_in_json_named_file_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "vendors.data"
    path.write_text("supplier\nAcme\n", encoding="utf-8")
    assert [r.name for r in read_records(path, format="csv")] == ["Acme"]
    with pytest.raises(InputError, match="unknown format 'xml'"):
        read_records(path, format="xml")


def test_malformed_csv_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    text = (
        "supplier,city,amount\n"
        "Acme,Paris,1\n"
        "Acme, Inc,Lyon,2\n"  # an unquoted comma: one value too many
        'Bad "quote",Nice,3\n'  # a quote inside an unquoted value is literal
        '"Broken"x,Nice,4\n'  # text after a closing quote
        "Short\n"
        "Trailing,Comma,5,,\n"
        "\n"
        '"Unterminated,Rome,6\n'
        "Zeta,Oslo,7\n"
    )
    path.write_text(text, encoding="utf-8")
    stream = read_records(path)
    records = list(stream)
    assert [(r.row, r.name, r.amount) for r in records] == [
        (1, "Acme", 1.0),
        (3, 'Bad "quote"', 3.0),
        (5, "Short", None),
        (6, "Trailing", 5.0),
        (9, "Zeta", 7.0),
    ]
    assert [(e.row, e.message.split(" (")[0].split(":")[0]) for e in stream.errors] == [
        (2, "4 values where the header has 3"),
        (4, "malformed CSV on line 5"),
        (8, "unterminated quote starting on line 9; row skipped"),
    ]
    assert str(stream.errors[0]).startswith(f"{path}, row 2: ")
    assert len(list(stream)) == 5 and len(stream.errors) == 3  # a second pass reads afresh


def test_one_megabyte_cell_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    description = "x" * (1 << 20)
    path.write_text(f'supplier,description\nAcme,"{description}"\nFoo,small\n', encoding="utf-8")
    assert [(r.name, len(r.description or "")) for r in read_records(path)] == [("Acme", 1 << 20), ("Foo", 5)]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        read_records(path)


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("supplier,address\n", encoding="utf-8")
    stream = read_records(path)
    assert list(stream) == [] and stream.errors == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old Excel .xls"),
        ("data.csv.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 16, "gzip-compressed"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "cannot read as an Excel workbook"),
        ("broken.parquet", b"PAR1 not really parquet", "cannot read as a Parquet file"),
        ("random.bin", bytes(range(256)) * 4, "binary file"),
    ],
)
def test_unreadable_files_are_input_errors_naming_the_file(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message) as caught:
        read_records(path)
    assert caught.value.path == str(path) and name in str(caught.value)


def test_missing_file_and_folder_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.csv: cannot read the file"):
        read_records(tmp_path / "nowhere.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_records(tmp_path)
