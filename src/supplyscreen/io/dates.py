"""Read the dates and amounts users type: ISO, US, written-out months, Excel serials, Chinese; money text.

Both functions return None for what they cannot read and never raise: a purchase file with one odd
cell must still be screened.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_EXCEL_EPOCH = date(1899, 12, 30)
#: Excel serial day numbers accepted as dates: 1954-10-03 .. 2119-01-11.
EXCEL_SERIAL_RANGE = (20000, 80000)

#: An ISO date, or only its year and month, or its year: ``2021-03-12``, ``2021-03``, ``2021``; the
#: groups are year, month and day (the list readers use it on dates the lists write in ISO form).
PARTIAL_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[T ].*)?")
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[T ].*)?")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?.*")
_MONTH_FIRST = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4}).*")
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4}|\d{2})(?:\s.*)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")

_AMOUNT = re.compile(
    r"(?P<sign>[-+])?\s*(?:[A-Z]{0,3}\s?[$€£¥₹₩₽]|[A-Z]{3}\b)?\s*(?P<sign2>[-+])?\s*"
    r"(?P<number>\d[\d.,'\s\u00a0\u202f]*)\s*(?:[A-Z]{3}|元|[$€£¥])?",
    re.IGNORECASE,
)
_COMMON_AMOUNT = re.compile(r"(-)?[$€£¥]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_GROUPING = re.compile(r"[\s'\u00a0\u202f]")


def parse_date(value: object) -> str | None:
    """`value` as an ISO date (YYYY-MM-DD), or None when it is empty or cannot be read as a date.

    Accepts date/datetime objects, Excel serial numbers (int, float or digits in
    `EXCEL_SERIAL_RANGE`), ISO dates and timestamps, YYYY/MM/DD, MM/DD/YYYY (US; read as DD/MM
    when the first number cannot be a month), DD.MM.YYYY, "June 21, 2022", "21 June 2022",
    "Jun 21 2022", "21-Jun-22", YYYYMMDD and 2022年6月21日.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        try:
            return _excel_serial(float(value))
        except OverflowError:  # an integer too big for a float (JSON allows any)
            return None
    if isinstance(value, str):
        return _parse_date_text(value.strip())
    return None


def parse_amount(value: object) -> float | None:
    """`value` as a number: "$1,234.50", "USD 1 234,50", "(300.00)", "¥5,000元"; None when unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = float(value)
        except OverflowError:  # an integer too big for a float (JSON allows any)
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    match = _COMMON_AMOUNT.fullmatch(text)  # "1234.5", "$1,234.50", "-€99": most cells, no exceptions
    if match:
        number = float(match[2].replace(",", "") + (match[3] or ""))
        return -number if match[1] else number
    try:
        number = float(text)
    except ValueError:
        return _parse_amount_text(text)
    return number if math.isfinite(number) else None


@lru_cache(maxsize=8192)
def _parse_date_text(text: str) -> str | None:
    if not text:
        return None
    for pattern in (_ISO, _YEAR_FIRST, _CHINESE, _COMPACT):  # year, month, day
        match = pattern.fullmatch(text)
        if match:
            return _iso(int(match[1]), int(match[2]), int(match[3]))
    match = _NUMERIC.fullmatch(text)
    if match:
        return _numeric_date(int(match[1]), int(match[3]), _year(match[4]), day_first=match[2] == ".")
    match = _MONTH_FIRST.fullmatch(text)
    if match:
        return _named_month_date(match[1], int(match[2]), _year(match[3]))
    match = _DAY_FIRST.fullmatch(text)
    if match:
        return _named_month_date(match[2], int(match[1]), _year(match[3]))
    if _SERIAL.fullmatch(text):
        return _excel_serial(float(text))
    return None


def month_number(name: str) -> int | None:
    """The number of an English month, written out or cut short ("June", "Jun", "Sept."), else None."""
    return _MONTHS.get(name[:3].lower())


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _numeric_date(first: int, second: int, year: int, *, day_first: bool) -> str | None:
    month, day = (second, first) if day_first else (first, second)
    if month > 12 and day <= 12:
        month, day = day, month
    return _iso(year, month, day)


def _named_month_date(month_name: str, day: int, year: int) -> str | None:
    month = month_number(month_name)
    if month is None:
        return None
    return _iso(year, month, day)


def _iso(year: int, month: int, day: int) -> str | None:
    if not 1800 <= year <= 2200:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _excel_serial(number: float) -> str | None:
    low, high = EXCEL_SERIAL_RANGE
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return (_EXCEL_EPOCH + timedelta(days=int(number))).isoformat()


def _parse_amount_text(text: str) -> float | None:
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    match = _AMOUNT.fullmatch(text)
    if not match:
        return None
    digits = _GROUPING.sub("", match["number"])
    number = _number_with_separators(digits)
    if number is None:
        return None
    if negative or "-" in (match["sign"], match["sign2"]):
        number = -number
    return number


def _number_with_separators(digits: str) -> float | None:
    """Digits with "," and "." read as thousands or decimal separators by where they stand."""
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        digits = digits.replace(grouping, "").replace(decimal_mark, ".")
    elif "," in digits:
        whole, _, fraction = digits.rpartition(",")
        if digits.count(",") == 1 and len(fraction) in (1, 2):
            digits = f"{whole}.{fraction}"
        else:
            digits = digits.replace(",", "")
    elif digits.count(".") > 1:
        digits = digits.replace(".", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
