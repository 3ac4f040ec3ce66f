"""The relations input: CSV, XLSX, JSON lines and FtM, and errors that name the file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from supplyscreen.io.errors import InputError
from supplyscreen.network.relations import RelationRow, parse_share, read_relations

NETWORK = FIXTURES / "network"


def test_csv_fixture_reads_every_edge_with_share_and_product() -> None:
    rows = read_relations(NETWORK / "edges.csv")
    assert len(rows) == 23
    assert rows[0] == RelationRow(
        "Sunrise Solar Imports LLC",
        "Pacific Module Manufacturing Co. Ltd.",
        "supplies",
        None,
        "solar modules, HS 8541.43",
        "edges.csv row 1",
    )
    sinotech = rows[16]
    assert (sinotech.from_name, sinotech.relation, sinotech.share) == (
        "Sinotech Industry Co., Ltd.",
        "owns",
        25.0,
    )
    assert sum(r.relation == "located_at" for r in rows) == 3


def test_jsonl_edges_skip_blank_lines_and_accept_percent_strings() -> None:
    rows = read_relations(NETWORK / "edges.jsonl")
    assert [(r.relation, r.share) for r in rows] == [("supplies", None), ("owns", 30.0), ("owns", 25.0)]
    assert rows[2].origin == "edges.jsonl line 4"


def test_xlsx_edges_from_the_first_sheet(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Edges"
    ws.append(["From", "To", "Relation", "Share", "Product"])
    ws.append(["Acme Holdings", "Acme Factory", "owns", 51, None])
    ws.append([None, None, None, None, None])
    ws.append(["Acme Factory", "Urumqi Road 1, Urumqi", "located_at", None, None])
    path = tmp_path / "edges.xlsx"
    wb.save(path)
    rows = read_relations(path)
    assert rows == [
        RelationRow("Acme Holdings", "Acme Factory", "owns", 51.0, None, "edges.xlsx sheet Edges row 1"),
        RelationRow(
            "Acme Factory", "Urumqi Road 1, Urumqi", "located_at", None, None, "edges.xlsx sheet Edges row 2"
        ),
    ]


def test_gb18030_csv_keeps_chinese_names(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    text = "from,to,relation\n华东贸易有限公司,新疆大全新能源股份有限公司,supplies\n"
    path.write_bytes(text.encode("gb18030"))
    assert read_relations(path)[0].to_name == "新疆大全新能源股份有限公司"


def test_ftm_ownership_and_directorship_become_edges() -> None:
    rows = read_relations(NETWORK / "ownership.ftm.jsonl")
    assert [(r.from_name, r.to_name, r.relation, r.share) for r in rows] == [
        ("Dandong Hongxiang Industrial Development Co., Ltd.", "Riverside Metals Ltd.", "owns", 30.0),
        ("Sinotech Industry Co., Ltd.", "Riverside Metals Ltd.", "owns", 25.0),
        ("Jane Example", "Riverside Metals Ltd.", "director_of", None),
    ]
    assert rows[0].origin == "ownership.ftm.jsonl line 4 (Ownership own-1)"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("A,B,buys,,", "relation", "unknown relation 'buys'"),
        ("A,B,owned_by,,", "relation", "reverse the columns"),
        ("A,B,owns,abc,", "share", "'abc' is not a percentage"),
        ("A,B,owns,130,", "share", "outside 0-100"),
        ("A,B,supplies,20,", "share", "applies to owns and subsidiary_of only"),
        (",B,supplies,,", "from", "missing or empty"),
        ("A,a,supplies,,", "to", "relates to itself"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path: Path, line: str, column: str, message: str) -> None:
    path = tmp_path / "bad_edges.csv"
    path.write_text("from,to,relation,share,product\nX,Y,supplies,,\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_relations(path)
    assert (info.value.row, info.value.column) == (2, column)
    assert "bad_edges.csv, row 2, column" in str(info.value)
    assert message in str(info.value)


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_text("from,target_company,relation\nA,B,supplies\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"edges.csv, row 0: missing column 'to'"):
        read_relations(path)


def test_bad_json_line_and_truncated_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "edges.jsonl"
    path.write_text(
        '{"from": "A", "to": "B", "relation": "supplies"}\n{"from": "A", "to"\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"edges.jsonl, row 2: not valid JSON"):
        read_relations(path)
    broken = tmp_path / "edges.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(InputError, match=r"edges.xlsx: cannot read as an Excel workbook"):
        read_relations(broken)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    path.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(InputError, match="the file is empty"):
        read_relations(path)


def test_share_forms() -> None:
    assert [parse_share(v) for v in ("30", "30%", " 30.5 % ", "30,5", 12, None, "")] == [
        30.0,
        30.0,
        30.5,
        30.5,
        12.0,
        None,
        None,
    ]
    with pytest.raises(ValueError):
        parse_share(-1)


def _edges_with_a_bad_byte_per_row(path: Path, rows: int, tail: bytes = b"") -> None:
    lines = [b"from,to,relation,share,product"]
    for i in range(rows):
        lines.append(
            f"Käufer Größe {i} ".encode() + b"\xff" + f" GmbH,Lieferant Müller {i} AG,supplies,,".encode()
        )
    path.write_bytes(b"\n".join(lines) + b"\n" + tail)


def test_many_rows_with_an_undecodable_byte_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    _edges_with_a_bad_byte_per_row(path, 3000)
    rows = read_relations(path)
    assert len(rows) == 3000
    assert rows[0] == RelationRow(
        "Käufer Größe 0 \ufffd GmbH", "Lieferant Müller 0 AG", "supplies", None, None, "edges.csv row 1"
    )
    assert [r.origin for r in rows] == [f"edges.csv row {i}" for i in range(1, 3001)]
    assert all(r.from_name == f"Käufer Größe {i} \ufffd GmbH" for i, r in enumerate(rows))


def test_a_skipped_row_after_rows_with_undecodable_bytes_still_stops_the_read(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv"
    _edges_with_a_bad_byte_per_row(path, 3000, b"A,B,supplies,,,extra\nC,D,supplies,,\n")
    with pytest.raises(InputError) as info:
        read_relations(path)
    assert (info.value.row, info.value.column) == (3001, None)
    assert "6 values where the header has 5 (line 3002" in str(info.value)
