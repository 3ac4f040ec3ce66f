"""Hostile input files (issue 19): each gives a clear error naming the file (exit 2), or a result, never
a traceback or a hang. Every test screens a small generated file with the CLI, in-process."""

from __future__ import annotations

import csv
import json
import time
import zipfile
from pathlib import Path

import pytest
from support.cli import run_cli
from support.guards import deadline

from supplyscreen.io import ocds, read_records
from supplyscreen.io.delimited import header_names
from supplyscreen.io.errors import InputError
from supplyscreen.io.limits import MAX_COLUMNS, MAX_JSON_DEPTH


@pytest.fixture
def home(screener_home: Path) -> Path:
    """The session's data directory, its name index built once."""
    return screener_home


def _screen(
    source: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> tuple[int, str, Path]:
    """``supplyscreen screen SOURCE --out out.csv`` in-process: (exit code, what it said, the output)."""
    target = source.with_name("out.csv")
    args = ["screen", str(source), "--out", str(target), "--home", str(home)]
    with deadline(30):
        code, stdout, stderr = run_cli(args, capsys, monkeypatch)
    return code, stdout + stderr, target


def _errors(out: Path) -> list[dict[str, str]]:
    with out.with_name(f"{out.stem}.errors.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _rows(out: Path) -> list[dict[str, str]]:
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# D2: a header of one name repeated 100,000 times (400 KB) hung in the de-duplication of names


def test_a_header_repeating_one_name_100000_times_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    source = tmp_path / "wide.csv"
    source.write_text(",".join(["x"] * 100_000) + "\n" + ",".join(["a"] * 100_000) + "\n", encoding="utf-8")
    started = time.monotonic()
    code, said, _ = _screen(source, capsys, monkeypatch, home)
    assert code == 2, said
    assert "wide.csv" in said and "100,000 columns" in said and f"{MAX_COLUMNS:,}" in said
    assert time.monotonic() - started < 5


def test_a_header_line_of_millions_of_characters_is_refused_before_it_is_split(tmp_path: Path) -> None:
    # one line of 3.5 million characters and 700,000 columns: split into cells it took about 100 bytes
    # a cell before the column count refused it (a fuzzed 264 MB header: 2 GB)
    import resource

    source = tmp_path / "one-line.tsv"
    source.write_text("name\t" * 700_000 + "\nAcme\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputError, match=r"one-line.tsv.*header runs past 2,000,000 characters"):
        read_records(source)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 60_000  # KB


def test_repeated_header_names_are_numbered_as_before_in_linear_time() -> None:
    assert header_names(["x", "x", "x_2", "", "x", " "]) == [
        "x",
        "x_2",
        "x_2_2",
        "column_4",
        "x_3",
        "column_6",
    ]
    assert header_names(["a", "a_3", "a", "a", "a"]) == ["a", "a_3", "a_2", "a_4", "a_5"]
    with deadline(5):
        names = header_names(["x"] * 100_000)
    assert names[:3] == ["x", "x_2", "x_3"] and names[-1] == "x_100000" and len(set(names)) == 100_000


def test_a_header_cell_of_200000_brackets_does_not_hang_the_column_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    source = tmp_path / "brackets.csv"
    source.write_text("vendor," + "(" * 200_000 + "\nAcme,x\n", encoding="utf-8")
    code, said, out = _screen(source, capsys, monkeypatch, home)
    assert code == 0, said
    assert [row["vendor"] for row in _rows(out)] == ["Acme"]


# D4: JSON nested 1,000 deep (RecursionError), integers of more than 4,300 digits (ValueError)

DEEP = "[" * 1000 + "]" * 1000
HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'[{{"vendor": "Acme", "x": {DEEP}}}]', f"nested more than {MAX_JSON_DEPTH} levels deep"),
        (f'[{{"vendor": "Acme", "amount": {HUGE}}}]', "a JSON number of more than 4,300 digits"),
        (
            f'{{"releases": [{{"ocid": "o1", "awards": [{{"suppliers": [{{"name": "Acme"}}], '
            f'"value": {{"amount": {HUGE}}}}}]}}]}}',
            "a JSON number of more than 4,300 digits",
        ),
    ],
    ids=["nested array", "huge number", "huge number in OCDS"],
)
def test_a_json_document_beyond_the_limits_is_a_clear_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
    text: str,
    expected: str,
) -> None:
    source = tmp_path / "orders.json"
    source.write_text(text, encoding="utf-8")
    code, said, _ = _screen(source, capsys, monkeypatch, home)
    assert code == 2, said
    assert "orders.json" in said and expected in said and "at character" in said


def test_json_lines_beyond_the_limits_are_skipped_and_reported_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    source = tmp_path / "orders.jsonl"
    lines = [
        {"vendor": "Acme", "amount": 1},
        f'{{"vendor": "Deep", "x": {DEEP}}}',
        f'{{"vendor": "Huge", "amount": {HUGE}}}',
        f'{{"vendor": "Big", "amount": {"9" * 400}}}',  # a number too big for a float: unreadable
    ]
    source.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines), encoding="utf-8")
    code, said, out = _screen(source, capsys, monkeypatch, home)
    assert code == 0, said
    assert [row["vendor"] for row in _rows(out)] == ["Acme", "Big"]
    assert [(e["row"], e["message"]) for e in _errors(out)] == [
        ("2", f"JSON nested more than {MAX_JSON_DEPTH} levels deep; row skipped"),
        ("3", "a JSON number of more than 4,300 digits; row skipped"),
    ]


# D5: XLSX damage met while the rows are read: a shared string that does not exist, malformed XML


def _damaged_workbook(tmp_path: Path, damage: str) -> Path:
    import openpyxl

    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Vendor", "Amount"])
    for n in range(5):
        sheet.append([f"Vendor {n}", n])
    workbook.save(good)
    bad = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b'<row r="4">')
                end = data.index(b"</row>", start) + len(b"</row>")
                if damage == "shared string":  # row 4 (data row 3): a shared string index out of range
                    data = data[:start] + b'<row r="4"><c r="A4" t="s"><v>99</v></c></row>' + data[end:]
                else:  # row 4 cut off mid-tag
                    data = data[:start] + b'<row r="4"><<<' + data[start + len(b'<row r="4">') :]
            zout.writestr(item, data)
    return bad


@pytest.mark.parametrize("damage", ["shared string", "malformed XML"])
def test_an_xlsx_damaged_after_its_header_is_a_clear_error_naming_the_sheet_and_row(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    home: Path,
    damage: str,
) -> None:
    source = _damaged_workbook(tmp_path, damage)
    code, said, out = _screen(source, capsys, monkeypatch, home)
    assert code == 2, said
    said = " ".join(said.split())
    assert "damaged.xlsx, sheet 'Orders', row 3: the sheet is damaged from sheet row 4 on" in said
    assert "export the sheet as CSV" in said
    assert not out.exists()  # nothing half-written: the rows before it are not reported as screened


# D7: UTF-16 without a BOM, cut after an odd byte


def test_utf16_without_bom_and_an_odd_byte_count_is_screened_with_the_damage_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    source = tmp_path / "utf16.csv"
    source.write_bytes("vendor,amount\r\nHikvision,1\r\nAcme,2\r\n".encode("utf-16-le") + b"A")
    code, said, out = _screen(source, capsys, monkeypatch, home)
    assert code == 0, said
    rows = _rows(out)
    assert [row["vendor"] for row in rows[:2]] == ["Hikvision", "Acme"] and rows[0]["risk"] == "high"
    assert any("not valid utf-16-le" in e["message"] for e in _errors(out))


# D9: OCDS fields of the wrong type


def test_ocds_fields_of_the_wrong_type_are_read_as_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    releases = [
        {"ocid": "o1", "parties": "x", "tender": 5, "awards": [
            {"id": "a1", "suppliers": [{"id": "s", "name": "Hikvision"}], "value": {"amount": {"x": 1}}}]},
        {"ocid": "o2", "awards": "x", "contracts": 7, "buyer": "x", "planning": {"budget": "x"}},
        {"ocid": "o3", "awards": [{"suppliers": "x", "items": "y", "value": 5}]},
        {"ocid": "o4", "awards": [{"id": "a", "date": {"x": 1}, "suppliers": [{"id": "p1"}],
                                   "items": [{"classification": "x", "additionalClassifications": 5}]}],
         "contracts": [{"awardID": {"a": 1}, "period": "x"}],
         "parties": [{"id": "p1", "name": "Acme", "roles": 5, "address": {"countryName": {"a": 1}}},
                     {"id": {"a": 1}, "roles": ["buyer"]}]},
    ]  # fmt: skip
    source = tmp_path / "package.json"
    source.write_text(json.dumps({"releases": releases, "records": 5}), encoding="utf-8")
    code, said, out = _screen(source, capsys, monkeypatch, home)
    assert code == 0, said
    rows = _rows(out)
    assert [(row["ocid"], row["supplier_name"]) for row in rows] == [
        ("o1", "Hikvision"),
        ("o3", ""),
        ("o4", "Acme"),
        ("o4", ""),
    ]
    assert rows[0]["risk"] == "high" and rows[0]["amount"] == '{"x": 1}'


def test_an_ocds_release_that_cannot_be_read_is_skipped_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "package.json"
    releases = [{"ocid": "bad", "awards": [{"suppliers": [{"name": "A"}]}]},
                {"ocid": "good", "awards": [{"suppliers": [{"name": "B"}]}]}]  # fmt: skip
    source.write_text(json.dumps({"releases": releases}), encoding="utf-8")
    release_fields = ocds._release_fields

    def unforeseen(release, parties, index):  # type: ignore[no-untyped-def]
        if release["ocid"] == "bad":
            raise TypeError("an unforeseen shape")
        return release_fields(release, parties, index)

    monkeypatch.setattr(ocds, "_release_fields", unforeseen)
    stream = read_records(source)
    assert [(r.row, r.name) for r in stream] == [(1, "B")]
    assert [str(e) for e in stream.errors] == [
        f"{source}, row 1: OCDS release 1 (bad) cannot be read, a field of the wrong type? "
        "(TypeError: an unforeseen shape); release skipped"
    ]
