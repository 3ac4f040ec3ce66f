"""Input columns are recognised from common English and Chinese headers, or mapped with --map."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyscreen.io import InputError, detect_mapping, parse_mapping_override, read_records
from supplyscreen.io.columns import detect_address_parts, resolve_mapping


def test_english_purchase_headers_map_to_every_key() -> None:
    headers = [
        "PO #", "Vendor_Name", "Vendor Address", "COUNTRY", "Item Description", "HS Code",
        "Amount (USD)", "Currency", "Funding Source", "PO Date", "Manufacturer",
    ]  # fmt: skip
    assert detect_mapping(headers) == {
        "id": "PO #",
        "name": "Vendor_Name",
        "address": "Vendor Address",
        "country": "COUNTRY",
        "description": "Item Description",
        "hs_code": "HS Code",
        "amount": "Amount (USD)",
        "currency": "Currency",
        "funding": "Funding Source",
        "date": "PO Date",
    }


def test_chinese_headers_map_to_every_key() -> None:
    headers = [
        "序号",
        "订单号",
        "供应商名称",
        "地址",
        "国家",
        "品名",
        "海关编码",
        "金额（元）",
        "币种",
        "资金来源",
        "日期",
    ]
    assert detect_mapping(headers) == {
        "id": "订单号",
        "name": "供应商名称",
        "address": "地址",
        "country": "国家",
        "description": "品名",
        "hs_code": "海关编码",
        "amount": "金额（元）",
        "currency": "币种",
        "funding": "资金来源",
        "date": "日期",
    }


def test_supplier_beats_manufacturer_and_leftmost_breaks_ties() -> None:
    assert detect_mapping(["Manufacturer", "supplier", "Vendor"]) == {"name": "Vendor"}
    assert detect_mapping(["Manufacturer", "Amount", "Total"]) == {"name": "Manufacturer", "amount": "Amount"}


def test_city_and_province_columns_join_the_address(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("supplier,street,province,city\nAcme,1 Renmin Rd,Xinjiang,Kashgar\n", encoding="utf-8")
    stream = read_records(path, mapping={"address": "street"})
    assert detect_address_parts(stream.columns, stream.mapping) == ["city", "province"]
    assert next(iter(stream)).address == "1 Renmin Rd, Kashgar, Xinjiang"


def test_map_override_is_parsed_and_checked_against_columns() -> None:
    assert parse_mapping_override("name=Lieferant, address = Anschrift") == {
        "name": "Lieferant",
        "address": "Anschrift",
    }
    assert parse_mapping_override("name=lieferant", ["Nr", "Lieferant"]) == {"name": "Lieferant"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vendor=Lieferant", r"unknown key 'vendor'; keys are id, name, address"),
        ("name", r"'name' is not KEY=COLUMN"),
        ("name=", r"'name=' is not KEY=COLUMN"),
        ("name=Firma", r"column 'Firma'.*no column 'Firma'; columns are 'Nr', 'Lieferant'"),
    ],
)
def test_bad_map_override_names_the_key_or_column(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_mapping_override(text, ["Nr", "Lieferant"])


def test_a_file_without_a_name_column_is_read_for_the_detectors_alone(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("Nr;Artikel;Menge\n1;Kamera;3\n", encoding="utf-8")
    stream = read_records(path)
    assert "name" not in stream.mapping
    (record,) = list(stream)
    assert record.name is None and ("Artikel", "Kamera") in record.others


def test_a_sheet_without_a_name_column_is_an_error_listing_columns_where_one_is_required() -> None:
    message = r"items\.csv: no vendor/supplier name column.*'Nr', 'Artikel'.*--map name="
    with pytest.raises(InputError, match=message):
        resolve_mapping(["Nr", "Artikel"], None, "items.csv", require_name=True)


def test_explicit_map_allows_product_only_screening(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("Nr;Artikel;Menge\n1;DS-2CD2143G2-I Kamera;3\n", encoding="utf-8")
    stream = read_records(path, mapping="description=Artikel,id=Nr")
    assert stream.mapping == {"id": "Nr", "description": "Artikel"}
    record = next(iter(stream))
    assert (record.id, record.name, record.description) == ("1", None, "DS-2CD2143G2-I Kamera")
    assert record.fields == {"Nr": "1", "Artikel": "DS-2CD2143G2-I Kamera", "Menge": "3"}


def test_explicit_map_overrides_detection_key_by_key(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("Vendor,Payee,Address\nA,B,C\n", encoding="utf-8")
    stream = read_records(path, mapping={"name": "Payee"})
    assert stream.mapping == {"name": "Payee", "address": "Address"}
    with pytest.raises(InputError, match=r"v\.csv, column 'Nope': no column 'Nope'"):
        read_records(path, mapping={"name": "Nope"})
