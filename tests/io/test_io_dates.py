"""Dates and amounts as users type them become ISO dates and floats, or None, never an exception."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from supplyscreen.io import parse_amount, parse_date


@pytest.mark.parametrize(
    "value",
    [
        "2022-06-21",
        "2022-06-21T10:00:00Z",
        "2022-06-21T10:00:00+08:00",
        "2022-06-21 10:00:00",
        "06/21/2022",
        "6/21/2022 10:00 AM",
        "6/21/22",
        "21/06/2022",
        "21.06.2022",
        "June 21, 2022",
        "21 June 2022",
        "Jun 21 2022",
        "21-Jun-2022",
        "2022/06/21",
        "2022年6月21日",
        "20220621",
        44733,
        44733.6,
        "44733",
        datetime(2022, 6, 21, 23, 59),
        date(2022, 6, 21),
    ],
)
def test_each_date_form_reads_as_21_june_2022(value: object) -> None:
    assert parse_date(value) == "2022-06-21"


@pytest.mark.parametrize(
    "value", ["", "  ", None, "soon", "2022-02-30", "13/13/2022", 12, 100000, True, "Foo 21 2022", [1]]
)
def test_unreadable_dates_are_none(value: object) -> None:
    assert parse_date(value) is None


def test_us_order_wins_when_both_numbers_could_be_a_month() -> None:
    assert parse_date("03/04/2022") == "2022-03-04"
    assert parse_date("03.04.2022") == "2022-04-03"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("$1,234.50", 1234.5),
        ("1,234", 1234.0),
        ("1,234,567.89", 1234567.89),
        ("1.234,56", 1234.56),
        ("1 234,50", 1234.5),
        ("12,5", 12.5),
        ("USD 1,000", 1000.0),
        ("US$ 1,000", 1000.0),
        ("¥5,000元", 5000.0),
        ("€ 99", 99.0),
        ("(300.00)", -300.0),
        ("-$5.00", -5.0),
        ("42", 42.0),
        (7, 7.0),
        (Decimal("2.50"), 2.5),
    ],
)
def test_amounts_lose_symbols_and_separators(value: object, expected: float) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize("value", ["", None, "abc", "12 apples", "nan", "inf", True, float("nan"), {"a": 1}])
def test_unreadable_amounts_are_none(value: object) -> None:
    assert parse_amount(value) is None
