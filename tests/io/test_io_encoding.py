"""User files arrive in every encoding: BOMs, UTF-16, GB18030 from Chinese suppliers, Windows-1252."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from supplyscreen.io import InputError, detect_encoding, read_records

CHINESE = "供应商,地址\n新疆某某公司,乌鲁木齐\n"
FRENCH = "supplier,city\nSociété Générale,Paris\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("encoded", "expected_codec"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), "utf-8-sig"),
        (CHINESE.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"), "utf-16"),
        (CHINESE.encode("gb18030"), "gb18030"),
        (CHINESE.encode("gbk"), "gb18030"),
    ],
    ids=["utf8", "utf8-bom", "utf16-native", "utf16-le-bom", "utf16-be-bom", "gb18030", "gbk"],
)
def test_short_chinese_file_is_read_in_its_encoding(
    tmp_path: Path, encoded: bytes, expected_codec: str
) -> None:
    path = _write(tmp_path, "vendors.csv", encoded)
    assert detect_encoding(path) == expected_codec
    stream = read_records(path)
    records = list(stream)
    assert stream.columns == ["供应商", "地址"]
    assert [(r.name, r.address) for r in records] == [("新疆某某公司", "乌鲁木齐")]
    assert stream.errors == []


@pytest.mark.parametrize("codec", ["cp1252", "latin-1", "utf-8", "utf-16-le", "utf-16-be"])
def test_french_name_is_read_without_mojibake(tmp_path: Path, codec: str) -> None:
    data = FRENCH.encode(codec)
    if codec.startswith("utf-16"):  # no BOM: told apart by where the zero bytes fall
        assert detect_encoding(_write(tmp_path, "x.csv", data)) == codec
    path = _write(tmp_path, "vendors.csv", data)
    assert [r.name for r in read_records(path)] == ["Société Générale"]


def test_cp1252_quotes_and_euro_sign_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "vendor,description\nMüller GmbH,“Zubehör” für 100 €\n".encode("cp1252"))
    assert detect_encoding(path) == "cp1252"
    record = next(iter(read_records(path)))
    assert (record.name, record.description) == ("Müller GmbH", "“Zubehör” für 100 €")


def test_portuguese_capitals_are_not_taken_for_chinese(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "supplier\nINFORMAÇÃO LTDA\n".encode("cp1252"))
    assert detect_encoding(path) == "cp1252"


def test_undecodable_text_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "odd.csv", b"supplier\nAcme\x81 Ltd\n")
    with pytest.raises(InputError, match=r"odd\.csv.*cannot tell the text encoding"):
        read_records(path)


def test_stray_byte_in_utf8_file_is_replaced_and_reported(tmp_path: Path) -> None:
    data = "supplier,address\nMüller,Köln\nCafé,Zürich\nÆrø A/S,Århus\n".encode().replace(
        b"K\xc3\xb6ln", b"K\xf6ln"
    )
    path = _write(tmp_path, "mixed.csv", data)
    stream = read_records(path)
    records = list(stream)
    assert stream.encoding == "utf-8"
    assert [r.address for r in records] == ["K\ufffdln", "Zürich", "Århus"]
    assert [(e.row, e.column) for e in stream.errors] == [(1, "address")]
    assert "row kept" in stream.errors[0].message and "mixed.csv" in str(stream.errors[0])


def test_binary_file_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    with pytest.raises(InputError, match=r"photo\.csv.*binary file"):
        read_records(path)


def test_explicit_encoding_overrides_detection(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "supplier\nSociété\n".encode("cp1252"))
    assert [r.name for r in read_records(path, encoding="latin-1")] == ["Société"]


def test_unknown_encoding_name_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", b"supplier\nAcme\n")
    with pytest.raises(InputError, match=r"v\.csv: unknown text encoding 'klingon'"):
        read_records(path, encoding="klingon")
