"""Turn one input row (a list of cell values, or a dict) into a `Record` through a column mapping."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from supplyscreen.io.columns import detect_address_parts
from supplyscreen.io.dates import parse_amount, parse_date
from supplyscreen.io.location import place_country, vendor_place_columns
from supplyscreen.model import Record

_Parsed = TypeVar("_Parsed")
_TEXT_KEYS = ("id", "name", "address", "country", "description", "hs_code", "currency", "funding")


def text_value(value: object) -> str | None:
    """A cell as trimmed text, None when empty; whole floats lose ".0" (Excel stores ids as floats)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str) or None
    return str(value).strip() or None


def other_text(value: object) -> str | None:
    """A cell of a column without a role as the detectors read it: its text when it holds a letter
    (of any script), else None (amounts, dates and codes of digits name no brand, place or sector)."""
    text = text_value(value)
    return text if text is not None and any(ch.isalpha() for ch in text) else None


def other_columns(
    columns: Sequence[str],
    mapping: Mapping[str, str],
    parts: Sequence[str],
    places: Sequence[tuple[str, str]],
) -> list[str]:
    """The columns without a role, in file order: no key of the mapping, no address detail, no vendor
    place. The detectors read them (``Record.others``); name matching does not."""
    read = set(mapping.values()) | set(parts) | {column for column, _ in places}
    return [column for column in columns if column not in read]


class RecordBuilder:
    """Builds `Record`s for one table (a CSV file, one sheet...) whose columns and mapping are known.

    Values that are present but cannot be read as an amount or a date are counted in `unreadable`
    (by key), and the record's field is None. Address detail columns (city, province, postal code;
    see `detect_address_parts`) are appended to the record's address. The text of every other column
    goes to the record's ``others`` (see `other_columns`).
    """

    def __init__(
        self,
        columns: Sequence[str],
        mapping: Mapping[str, str],
        unreadable: Counter[str],
        sheet: str | None = None,
        places: list[tuple[str, str]] | None = None,
    ) -> None:
        self.columns = list(columns)
        self.sheet = sheet
        self.unreadable = unreadable
        position = {column: index for index, column in enumerate(self.columns)}
        self._text = [(key, mapping[key], position[mapping[key]]) for key in _TEXT_KEYS if key in mapping]
        self._amount = (mapping["amount"], position[mapping["amount"]]) if "amount" in mapping else None
        self._date = (mapping["date"], position[mapping["date"]]) if "date" in mapping else None
        self.address_parts = detect_address_parts(self.columns, mapping)
        self._part_positions = [position[column] for column in self.address_parts]
        # no country column: the vendor's state or ZIP code may still say where it is
        if places is None:
            places = [] if "country" in mapping else vendor_place_columns(self.columns, mapping)
        self.vendor_places = places
        self._place_positions = [(kind, position[column]) for column, kind in self.vendor_places]
        self.others = other_columns(self.columns, mapping, self.address_parts, self.vendor_places)
        self._other_positions = [(column, position[column]) for column in self.others]

    def from_values(self, row: int, values: Sequence[Any], extra: Mapping[str, Any] | None = None) -> Record:
        """The record of data row `row` from `values` in column order (as many as there are columns)."""
        fields = dict(zip(self.columns, values, strict=False))
        if extra:
            fields.update(extra)
        record = Record(row, fields, sheet=self.sheet)
        for key, _, index in self._text:  # the hot path of a million-row file: plain strings first
            value = values[index]
            setattr(record, key, (value.strip() or None) if type(value) is str else text_value(value))
        if self._amount is not None:
            record.amount = self._parsed(parse_amount, "amount", values[self._amount[1]])
        if self._date is not None:
            record.date = self._parsed(parse_date, "date", values[self._date[1]])
        if self._part_positions:
            record.address = address_with_parts(
                record.address, [values[index] for index in self._part_positions]
            )
        if self._place_positions:
            record.country = place_country((kind, values[index]) for kind, index in self._place_positions)
        if self._other_positions:
            record.others = tuple(
                (column, text)
                for column, index in self._other_positions
                if index < len(values) and (text := other_text(values[index])) is not None
            )
        return record

    def from_mapping(self, row: int, obj: Mapping[str, Any]) -> Record:
        """The record of data row `row` from a dict of column → value (JSON, Parquet); keeps all keys."""
        record = Record(row, dict(obj), sheet=self.sheet)
        for key, column, _ in self._text:
            setattr(record, key, text_value(obj.get(column)))
        if self._amount is not None:
            record.amount = self._parsed(parse_amount, "amount", obj.get(self._amount[0]))
        if self._date is not None:
            record.date = self._parsed(parse_date, "date", obj.get(self._date[0]))
        if self.address_parts:
            record.address = address_with_parts(
                record.address, [obj.get(column) for column in self.address_parts]
            )
        if self.vendor_places:
            record.country = place_country((kind, obj.get(column)) for column, kind in self.vendor_places)
        if self.others:
            record.others = tuple(
                (column, text) for column in self.others if (text := other_text(obj.get(column))) is not None
            )
        return record

    def _parsed(self, parse: Callable[[object], _Parsed | None], key: str, value: object) -> _Parsed | None:
        parsed = parse(value)
        if parsed is None and value is not None and value != "" and text_value(value) is not None:
            self.unreadable[key] += 1
        return parsed


def address_with_parts(address: str | None, parts: list[Any]) -> str | None:
    """`address` followed by those of `parts` it does not already contain, comma separated."""
    pieces = [address] if address else []
    for part in parts:
        text = text_value(part)
        if text and not any(text.casefold() in piece.casefold() for piece in pieces):
            pieces.append(text)
    return ", ".join(pieces) or None
