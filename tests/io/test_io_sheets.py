"""XLSX cells read by python-calamine give the records openpyxl gave (io/sheet_cells.py), and the sheets
calamine must not read (damaged, too far-flung, cells without a reference) are read by openpyxl."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.workbooks import orders_with_damaged_sheet, write_workbook

from supplyscreen.io import InputError, read_records, sheet_cells, xlsx_scan
from supplyscreen.io.sheet_cells import cell_value, open_book

day = datetime.date


def _records(path: Path, **options: Any) -> list[tuple[Any, ...]]:
    stream = read_records(path, **options)
    rows = [(r.sheet, r.row, r.fields, r.name, r.amount, r.date, r.others) for r in stream]
    return [(stream.sheets, stream.skipped_sheets, stream.columns, stream.sheet_mappings), *rows]


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> list[tuple[Any, ...]]:
    """The records as read with calamine, asserted equal to those read with openpyxl alone."""
    read = _records(path, **options)
    with monkeypatch.context() as patched:
        patched.setattr(sheet_cells, "_calamine", lambda: None)  # as if python-calamine were not installed
        assert _records(path, **options) == read
    return read


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """{sheet: whether calamine read it} for every sheet loaded from here on where calamine could."""
    found: dict[str, bool] = {}
    load = sheet_cells.Book.load

    def spy(self: sheet_cells.Book, name: str) -> Any:
        loaded = load(self, name)
        if self._calamine is not None:
            found[name] = loaded is not None
        return loaded

    monkeypatch.setattr(sheet_cells.Book, "load", spy)
    return found


def test_a_workbook_reads_alike_with_calamine_and_with_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: dict[str, bool]
) -> None:
    """A title line above a header that starts in column B, blank rows, typed cells, a value beyond
    the header, a hidden sheet and a chart sheet."""
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Orders"
    sheet["B2"] = "Purchases, 2024"  # a title line, column A and row 1 empty
    rows = [
        ["Vendor", "Amount", "Order date", "Paid", "At", "Took", "Note"],
        ["Hikvision", 5, datetime.datetime(2024, 1, 1), True, datetime.time(13, 30), None, "#N/A"],
        [],
        ["Acme", 5.5, datetime.datetime(2024, 1, 1, 12, 30), False, None, datetime.timedelta(hours=30), " "],
        ["  ", None, None, None, None, None, "\t"],  # blank: whitespace only
        ["Big Id", 1234567890123456, datetime.date(2024, 2, 3), None, None, None, None, None, "stray"],
        ["Float", 12345.0, 45292, None, None, None, "=cmd|' /C calc'!A0"],
        [12345.0, -0.0, "2024-03-04", None, None, None, "乌鲁木齐"],
    ]
    for n, row in enumerate(rows, start=4):
        for column, value in enumerate(row, start=2):
            if value is not None:
                sheet.cell(n, column, value)
    sheet["D5"].number_format = "yyyy-mm-dd"
    hidden = book.create_sheet("Hidden")
    hidden.append(["Supplier"])
    hidden.append(["Dahua Technology"])
    hidden.sheet_state = "hidden"
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=3, min_row=4, max_row=8))
    book.create_chartsheet("Chart").add_chart(chart)
    path = tmp_path / "typed.xlsx"
    book.save(path)

    read = _both_ways(path, monkeypatch)
    assert loads == {"Orders": True, "Hidden": True}  # calamine read both (then openpyxl, to compare)
    head, *records = read
    assert head[0] == ["Orders", "Hidden"] and head[1] == {"Chart": "not a worksheet (a chart?)"}
    assert head[2][:8] == ["column_1", "Vendor", "Amount", "Order date", "Paid", "At", "Took", "Note"]
    orders = [r for r in records if r[0] == "Orders"]
    assert [r[1] for r in orders] == [1, 3, 5, 6, 7]  # data rows count the blank ones
    first = orders[0][2]
    assert first["Amount"] == 5 and type(first["Amount"]) is int
    assert first["Order date"] == day(2024, 1, 1)  # a date without a time of day: a date
    assert first["At"] == datetime.time(13, 30) and first["Paid"] is True and first["Note"] == "#N/A"
    assert orders[1][2]["Order date"] == datetime.datetime(2024, 1, 1, 12, 30)
    assert orders[1][2]["Took"] == datetime.timedelta(hours=30)
    assert orders[2][2]["Amount"] == 1234567890123456 and orders[2][2]["column_10"] == "stray"
    assert orders[2][5] == "2024-02-03" and orders[3][5] == "2024-01-01"  # an Excel serial
    assert orders[4][3] == "12345" and orders[4][2]["Amount"] == 0
    assert records[-1][:4] == ("Hidden", 1, {"Supplier": "Dahua Technology"}, "Dahua Technology")


def _craft(path: Path, prefix: str = "") -> Path:
    """Cells openpyxl does not write: shared and rich-text strings, cached values of formulas, error
    cells, dates by their style, an ISO date cell, numbers written oddly."""
    p = prefix

    def row(number: int, cells: str) -> str:
        return f'<{p}row r="{number}">{cells}</{p}row>'

    def cell(ref: str, inside: str, attributes: str = "") -> str:
        return f'<{p}c r="{ref}"{attributes}>{inside}</{p}c>'

    def v(text: str, name: str = "v") -> str:
        return f"<{p}{name}>{text}</{p}{name}>"

    def inline(*runs: str) -> str:
        return v("".join(v(v(text, "t"), "r") if len(runs) > 1 else v(text, "t") for text in runs), "is")

    shared = [
        "<t>Vendor</t>",
        "<r><t>Hik</t></r><r><rPr><b/></rPr><t>vision</t></r>",  # rich text
        '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh>',  # a phonetic reading
        '<t xml:space="preserve">  spaced  </t>',
        "<t>Amount</t>",
    ]
    rows = [
        cell("A1", v("0"), ' t="s"') + cell("B1", v("4"), ' t="s"'),
        cell("C1", inline("When"), ' t="inlineStr"'),
        cell("A2", v("1"), ' t="s"') + cell("B2", v("5")) + cell("C2", v("45292"), ' s="1"'),
        cell("A3", v("2"), ' t="s"') + cell("B3", v("#N/A"), ' t="e"') + cell("C3", v("45292.5"), ' s="2"'),
        cell("A4", v("3"), ' t="s"') + cell("B4", v("1/0", "f") + v("#DIV/0!"), ' t="e"'),
        cell("C4", v("0.25"), ' s="3"'),
        cell("A5", v('"a"&amp;"b"', "f") + v("ab"), ' t="str"') + cell("B5", v("1+1", "f") + v("2")),
        cell("C5", v("TRUE()", "f") + v("1"), ' t="b"'),
        cell("A6", inline("Da", "hua"), ' t="inlineStr"') + cell("B6", v("1.5E+3")),
        cell("C6", v("2024-03-04T05:06:07"), ' t="d"'),
        cell("A8", inline("Acme"), ' t="inlineStr"') + cell("B8", v("007")),
        f'<{p}c t="e" r="C8">{v("#REF!")}</{p}c>',  # the type before the reference
    ]
    # the cells of a row are written by twos and threes: a row of each sheet row's cells
    numbers = [1, 1, 2, 3, 4, 4, 5, 5, 6, 6, 8, 8]
    sheet = "".join(
        row(number, "".join(c for n, c in zip(numbers, rows, strict=True) if n == number))
        for number in dict.fromkeys(numbers)
    )
    return write_workbook(path, {"S": sheet}, shared, prefix=prefix)


@pytest.mark.parametrize("prefix", ["", "x:"], ids=["plain", "prefixed elements"])
def test_cells_openpyxl_does_not_write_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: dict[str, bool], prefix: str
) -> None:
    path = _craft(tmp_path / "crafted.xlsx", prefix)
    head, *records = _both_ways(path, monkeypatch)
    assert loads == {"S": True}
    assert head[2] == ["Vendor", "Amount", "When"]
    assert [(r[1], r[2]) for r in records] == [
        (1, {"Vendor": "Hikvision", "Amount": 5, "When": day(2024, 1, 1)}),
        (2, {"Vendor": "東京", "Amount": "#N/A", "When": datetime.datetime(2024, 1, 1, 12, 0)}),
        (3, {"Vendor": "  spaced  ", "Amount": "#DIV/0!", "When": datetime.time(6, 0)}),
        (4, {"Vendor": "ab", "Amount": 2, "When": True}),
        (5, {"Vendor": "Dahua", "Amount": 1500, "When": datetime.datetime(2024, 3, 4, 5, 6, 7)}),
        (7, {"Vendor": "Acme", "Amount": 7, "When": "#REF!"}),
    ]


def test_cells_without_a_reference_are_read_by_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: dict[str, bool]
) -> None:
    sheet = (
        '<row r="1"><c t="inlineStr"><is><t>Vendor</t></is></c>'
        '<c t="inlineStr"><is><t>Amount</t></is></c></row>'
        '<row r="2"><c t="inlineStr"><is><t>Acme</t></is></c><c><v>3</v></c></row>'
        '<row><c t="inlineStr"><is><t>Hikvision</t></is></c><c><v>4.5</v></c></row>'
    )
    path = write_workbook(tmp_path / "unreferenced.xlsx", {"S": sheet})
    head, *records = _both_ways(path, monkeypatch)
    assert loads == {"S": False}  # the extent is not known from the references
    assert [(r[1], r[2]) for r in records] == [
        (1, {"Vendor": "Acme", "Amount": 3}),
        (2, {"Vendor": "Hikvision", "Amount": 4.5}),
    ]


def test_a_sheet_spanning_too_many_cells_is_read_by_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loads: dict[str, bool]
) -> None:
    """calamine would allocate every cell from A1 to the last used one (and abort the process when
    it cannot): a stray value far away sends the sheet to openpyxl, which streams it."""
    far = write_workbook(
        tmp_path / "far.xlsx",
        {"S": '<row r="1"><c r="A1" t="inlineStr"><is><t>Vendor</t></is></c></row>'
              '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'},
    )  # fmt: skip
    with zipfile.ZipFile(far) as archive:
        assert xlsx_scan.scan_sheet(archive, "xl/worksheets/sheet1.xml") is None
    beyond = write_workbook(tmp_path / "beyond.xlsx", {"S": '<row r="1"><c r="ZZZZZ1"><v>1</v></c></row>'})
    with zipfile.ZipFile(beyond) as archive:
        assert xlsx_scan.scan_sheet(archive, "xl/worksheets/sheet1.xml") is None
    # read end to end: the limit lowered, so that openpyxl need not stream a million rows
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 20)
    book = openpyxl.Workbook()
    for n in range(8):
        book.active.append([f"Vendor {n}" if n else "Vendor", n, "x"])
    book.save(tmp_path / "wide.xlsx")
    _, *records = _both_ways(tmp_path / "wide.xlsx", monkeypatch)
    assert loads == {"Sheet": False} and len(records) == 7


def test_xml_calamine_would_read_past_is_refused_by_openpyxl_naming_the_row(
    tmp_path: Path, loads: dict[str, bool]
) -> None:
    """calamine reads over a mangled tag, and the cells after it, without a word: the sheet's XML is
    checked, and openpyxl names the row the damage starts in."""
    path = orders_with_damaged_sheet(
        tmp_path, "mangled.xlsx", lambda xml: xml.replace(b'<row r="4">', b'<row r="4"><<<')
    )
    with pytest.raises(InputError, match=r"sheet 'Orders', row 3: the sheet is damaged from sheet row 4 on"):
        list(read_records(path))
    assert loads == {"Orders": False}


def test_a_sheet_calamine_fails_on_is_read_by_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _craft(tmp_path / "crafted.xlsx")
    read = _records(path)

    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def failing(self: Any, name: str) -> Any:
        raise PanicException("index out of bounds")

    import python_calamine

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_name", failing, raising=False)
    assert _records(path) == read

    def unopenable(*args: Any, **kwargs: Any) -> Any:
        raise python_calamine.CalamineError("cannot open")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", unopenable)
    assert _records(path) == read


def test_a_workbook_neither_reader_opens_is_openpyxls_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="cannot read as an Excel workbook"):
        read_records(path)


def test_a_kept_sheet_is_read_once_then_read_again(tmp_path: Path, loads: dict[str, bool]) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Vendor"])
    book.active.append(["Acme"])
    book.save(tmp_path / "one.xlsx")
    stream = read_records(tmp_path / "one.xlsx")
    assert stream.sheet_tables[0].loaded is not None  # kept from the header's reading
    assert [r.name for r in stream] == ["Acme"] and stream.sheet_tables[0].loaded is None
    assert [r.name for r in stream] == ["Acme"]  # read again


def test_cell_values_are_made_alike() -> None:
    assert cell_value("") is None and cell_value(" ") == " " and cell_value(None) is None
    assert type(cell_value(5.0)) is int and cell_value(-0.0) == 0 and cell_value(5.5) == 5.5
    assert type(cell_value(2.0**53)) is float  # no longer exact: left as read
    assert cell_value(datetime.datetime(2024, 1, 1)) == day(2024, 1, 1)
    assert cell_value(datetime.datetime(2024, 1, 1, 0, 0, 1)) == datetime.datetime(2024, 1, 1, 0, 0, 1)
    assert cell_value(True) is True


def test_the_book_reads_rows_from_a1_wherever_the_used_cells_start(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["C3"] = "Vendor"
    book.active["D5"] = 1
    book.save(tmp_path / "offset.xlsx")
    with open_book(tmp_path / "offset.xlsx") as opened:
        rows = [(n, [cell_value(c) for c in cells]) for n, cells in opened.rows("Sheet")]
    assert [(n, cells) for n, cells in rows if any(cells)] == [
        (3, [None, None, "Vendor", None]),
        (5, [None, None, None, 1]),
    ]
    assert [n for n, _ in rows] == [1, 2, 3, 4, 5]


def test_a_sheet_whose_cells_are_missing_from_the_workbook_is_refused(tmp_path: Path) -> None:
    """calamine lists the sheets the workbook names; openpyxl left out one whose part is missing."""
    book = openpyxl.Workbook()
    book.active.append(["Vendor"])
    book.save(tmp_path / "good.xlsx")
    path = tmp_path / "partless.xlsx"
    with zipfile.ZipFile(tmp_path / "good.xlsx") as good, zipfile.ZipFile(path, "w") as partless:
        for item in good.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                partless.writestr(item, good.read(item.filename))
    with pytest.raises(InputError, match=r"sheet 'Sheet': the sheet's cells are missing from the workbook"):
        read_records(path)
