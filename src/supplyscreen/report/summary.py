"""Totals of a screening, gathered one row at a time: rows by risk and by flag, amounts at risk.

The writers feed every `RowResult` to a `ReportAggregator` as it streams past, so a million-row file
is summarised without being held in memory; only the distinct vendors, buyers and flags of rows at
risk are kept, with their amounts. An amount is "at risk" when its row's risk is ``high`` or
``review``; amounts in different currencies are never added together.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplyscreen.model import FLAG_CODES, RISKS, RowResult

AT_RISK = ("high", "review")
#: How many vendors, buyers or flags a summary keeps in its amount tables.
AMOUNT_ROWS_KEPT = 50
NO_NAME = "(no name)"
NO_BUYER = "(no buyer)"


@dataclass(slots=True, frozen=True)
class AmountRow:
    """One line of an amount-at-risk table: a vendor, buyer or flag, its currency, total and row count."""

    label: str
    currency: str
    amount: float
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "currency": self.currency, "amount": self.amount, "rows": self.rows}


@dataclass(slots=True)
class ReportSummary:
    """The totals of one screening, as the CLI prints them and the XLSX/HTML reports show them.

    ``by_flag`` counts rows carrying each flag code (a clear row with a high-priority sector counts
    too); ``by_list`` counts rows whose list flags name each list code. The amount tables hold the
    largest `AMOUNT_ROWS_KEPT` entries, largest first; ``amount_at_risk`` is the total per currency
    (``""`` when the file gives none).
    """

    rows_total: int = 0
    rows_flagged: int = 0
    rows_information: int = 0
    by_risk: dict[str, int] = field(default_factory=dict)
    by_flag: dict[str, int] = field(default_factory=dict)
    by_list: dict[str, int] = field(default_factory=dict)
    by_change: dict[str, int] = field(default_factory=dict)
    amount_at_risk: dict[str, float] = field(default_factory=dict)
    amount_by_vendor: list[AmountRow] = field(default_factory=list)
    amount_by_buyer: list[AmountRow] = field(default_factory=list)
    amount_by_flag: list[AmountRow] = field(default_factory=list)
    errors: int = 0
    truncated_cells: int = 0
    list_snapshot: str = ""
    output: Path | None = None
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for the API and ``--json`` output)."""
        return {
            "rows_total": self.rows_total,
            "rows_flagged": self.rows_flagged,
            "rows_information": self.rows_information,
            "by_risk": self.by_risk,
            "by_flag": self.by_flag,
            "by_list": self.by_list,
            "by_change": self.by_change,
            "amount_at_risk": self.amount_at_risk,
            "amount_by_vendor": [a.to_dict() for a in self.amount_by_vendor],
            "amount_by_buyer": [a.to_dict() for a in self.amount_by_buyer],
            "amount_by_flag": [a.to_dict() for a in self.amount_by_flag],
            "errors": self.errors,
            "truncated_cells": self.truncated_cells,
            "list_snapshot": self.list_snapshot,
            "output": str(self.output) if self.output else None,
            "format": self.format,
        }

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs of the short summary table the CLI prints."""
        rows = [("Rows screened", f"{self.rows_total:,}")]
        rows += [(f"  {risk}", f"{self.by_risk.get(risk, 0):,}") for risk in RISKS]
        rows += [(f"Flag {code}", f"{n:,}") for code, n in self.by_flag.items() if n]
        for change, n in self.by_change.items():
            rows.append((f"Change {change}", f"{n:,}"))
        for currency, amount in sorted(self.amount_at_risk.items()):
            rows.append(("Amount at risk", format_amount(amount, currency)))
        if self.amount_by_vendor:
            top = self.amount_by_vendor[0]
            rows.append(
                ("Largest vendor at risk", f"{top.label} ({format_amount(top.amount, top.currency)})")
            )
        rows.append(("Rows with errors", f"{self.errors:,}"))
        if self.truncated_cells:
            rows.append(("Cells cut to Excel's limit", f"{self.truncated_cells:,}"))
        if self.list_snapshot:
            rows.append(("List snapshot", self.list_snapshot))
        if self.output:
            rows.append(("Written to", f"{self.output} ({self.format})"))
        return rows

    def format_table(self) -> str:
        """The short summary as plain text, one ``label  value`` line each."""
        pairs = self.table_rows()
        width = max(len(label) for label, _ in pairs)
        return "\n".join(f"{label.ljust(width)}  {value}" for label, value in pairs)


def format_amount(amount: float, currency: str = "") -> str:
    """An amount with thousands separators and two decimals, after its currency code when known."""
    text = f"{amount:,.2f}"
    return f"{currency} {text}" if currency else text


class ReportAggregator:
    """Counts `RowResult`s as they stream past and gives their `ReportSummary`.

    Use ``agg.add(result)`` for each row (or `add_all`), then ``agg.summary()``. Writers also count
    cells cut to Excel's limit in ``truncated_cells``; a front end sets ``errors``.
    """

    def __init__(self, amount_rows: int = AMOUNT_ROWS_KEPT) -> None:
        self.amount_rows = amount_rows
        self.rows_total = 0
        self.rows_information = 0
        self.by_risk: Counter[str] = Counter()
        self.by_flag: Counter[str] = Counter()
        self.by_list: Counter[str] = Counter()
        self.by_change: Counter[str] = Counter()
        self.errors = 0
        self.truncated_cells = 0
        self.list_snapshot = ""
        # kind -> (label, currency) -> [total amount, row count]
        self._amounts: dict[str, dict[tuple[str, str], list[float]]] = {"vendor": {}, "buyer": {}, "flag": {}}

    def add(self, result: RowResult) -> None:
        """Count one row."""
        codes = self.count(result)
        amount = result.record.amount
        if result.risk in AT_RISK and amount is not None and amount == amount:
            currency = result.record.currency or ""
            self._add_amount("vendor", result.record.name or NO_NAME, currency, amount)
            if result.record.buyer:
                self._add_amount("buyer", result.record.buyer, currency, amount)
            for code in codes:
                self._add_amount("flag", code, currency, amount)

    def count(self, result: RowResult, rows: int = 1) -> list[str]:
        """Count ``rows`` rows with this result, their amounts aside; returns its flag codes."""
        codes = result.flag_codes if result.flags else []
        lists = flag_lists(result) if codes else []
        self.count_codes(result.risk, codes, lists, rows, result.list_snapshot, result.change)
        return codes

    def count_codes(
        self,
        risk: str,
        codes: Sequence[str],
        lists: Sequence[str],
        rows: int,
        list_snapshot: str,
        change: str | None = None,
    ) -> None:
        """``count`` from what it reads of a result: its risk, flag codes (each once), the list codes
        of its list flags (``flag_lists``), snapshot and change."""
        self.rows_total += rows
        self.by_risk[risk] += rows
        if codes:
            for code in codes:
                self.by_flag[code] += rows
            for code in lists:
                self.by_list[code] += rows
        if change:
            self.by_change[change] += rows
        if list_snapshot and not self.list_snapshot:
            self.list_snapshot = list_snapshot
        if risk == "clear" and codes:
            self.rows_information += rows

    def add_all(self, results: Any) -> ReportAggregator:
        """Count every row of an iterable of `RowResult`; returns itself."""
        for result in results:
            self.add(result)
        return self

    def _add_amount(self, kind: str, label: str, currency: str, amount: float) -> None:
        slot = self.amount_slot(kind, label, currency)
        slot[0] += amount
        slot[1] += 1.0

    def amount_slot(self, kind: str, label: str, currency: str) -> list[float]:
        """Where the rows of one label and currency are totalled: [total amount, row count], kept by
        this aggregator (a caller may total many rows in it at once, in row order)."""
        return self._amounts[kind].setdefault(_amount_key(label, currency), [0.0, 0])

    def amount_slots(self, kind: str, labels: Sequence[tuple[str, str]]) -> list[list[float]]:
        """``amount_slot`` for many (label, currency) pairs at once."""
        table = self._amounts[kind]
        return [table.setdefault(_amount_key(label, currency), [0.0, 0]) for label, currency in labels]

    def add_amounts(self, kind: str, keys: Sequence[tuple[str, str]], slot_of_row: Any, amounts: Any) -> None:
        """Add many rows' amounts at once, as ``add`` would one by one and in the same order.

        ``keys`` are (label, currency) pairs; ``slot_of_row`` (numpy ints) gives each amount's pair.
        """
        import numpy as np

        place: dict[tuple[str, str], int] = {}
        remap = [place.setdefault(_amount_key(label, cur), len(place)) for label, cur in keys]
        slot_of_row = np.asarray(remap, dtype=np.int64)[slot_of_row]
        slots = [self._amounts[kind].setdefault(key, [0.0, 0]) for key in place]
        totals = np.array([slot[0] for slot in slots], dtype=np.float64)
        np.add.at(totals, slot_of_row, amounts)  # unbuffered, in row order: the same sums as one by one
        counts = np.bincount(slot_of_row, minlength=len(slots))
        for slot, total, count in zip(slots, totals.tolist(), counts.tolist(), strict=True):
            slot[0] = total
            slot[1] += float(count)

    def _top(self, kind: str) -> list[AmountRow]:
        """The largest amounts (ties by label): ``sorted(...)[:n]``, without sorting them all."""
        top = heapq.nsmallest(
            self.amount_rows, self._amounts[kind].items(), key=lambda a: (-a[1][0], a[0][0])
        )
        return [AmountRow(label, cur, total, int(n)) for (label, cur), (total, n) in top]

    def summary(self) -> ReportSummary:
        """The totals so far."""
        totals: dict[str, float] = {}
        for (_, currency), (total, _) in self._amounts["vendor"].items():
            totals[currency] = totals.get(currency, 0.0) + total
        return ReportSummary(
            rows_total=self.rows_total,
            rows_flagged=sum(self.by_risk[r] for r in AT_RISK),
            rows_information=self.rows_information,
            by_risk={risk: self.by_risk[risk] for risk in RISKS},
            by_flag={
                code: self.by_flag[code]
                for code in (*FLAG_CODES, *sorted(set(self.by_flag) - set(FLAG_CODES)))
            },
            by_list=dict(self.by_list.most_common()),
            by_change=dict(self.by_change.most_common()),
            amount_at_risk={cur: round(total, 2) for cur, total in sorted(totals.items())},
            amount_by_vendor=self._top("vendor"),
            amount_by_buyer=self._top("buyer"),
            amount_by_flag=self._top("flag"),
            errors=self.errors,
            truncated_cells=self.truncated_cells,
            list_snapshot=self.list_snapshot,
        )


def _amount_key(label: str, currency: str) -> tuple[str, str]:
    """Where an amount is totalled: the label with its spaces collapsed (200 characters at most),
    and the currency code in capitals."""
    return " ".join(label.split())[:200], currency.strip().upper()


def flag_lists(result: RowResult) -> list[str]:
    """The list codes behind a row's list flags (in force at the order date), in order of appearance.

    Taken from the ``lists`` evidence of its ``restricted_party`` flags; a flag without that key falls
    back to the lists of its hit (by ``entity_id``, else the top hit).
    """
    codes: dict[str, None] = {}
    for flag in result.flags:
        if flag.code != "restricted_party":
            continue
        lists = flag.evidence.get("lists")
        if lists is None:  # an empty list says no list applies (a listing that ended before the order)
            hit = _hit_for(result, flag.evidence.get("entity_id"))
            lists = hit.lists if hit else []
        codes.update((str(code), None) for code in lists)
    return list(codes)


def _hit_for(result: RowResult, entity_id: object) -> Any:
    for hit in result.hits:
        if hit.entity_id == entity_id:
            return hit
    return result.top_hit
