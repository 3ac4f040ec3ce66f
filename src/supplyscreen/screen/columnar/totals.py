"""The columnar path's report totals: what ``ReportAggregator.add`` counts row by row, counted for
whole batches at once, amounts at risk summed by vendor and by flag in row order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from supplyscreen.io.dates import parse_amount
from supplyscreen.io.record_builder import text_value
from supplyscreen.model import Record, RowResult
from supplyscreen.report import ReportAggregator
from supplyscreen.report.summary import AT_RISK, NO_NAME
from supplyscreen.screen.columnar.interning import _groups, _Interned, _KeyIds
from supplyscreen.screen.columnar.outcomes import _Outcome
from supplyscreen.screen.columnar.screener import ColumnarScreener


class _Totals:
    """What ``ReportAggregator.add`` counts row by row, counted for whole batches at once.

    Rows are counted by distinct outcome in numpy and handed to the aggregator at ``flush`` (before a
    checkpoint, and when the outcomes are started afresh). Amounts at risk are summed in row order,
    as ``add`` would one by one: by vendor into numpy totals of the aggregator's own slots (written
    back at ``flush``), by flag straight into the aggregator.
    """

    def __init__(self, aggregator: ReportAggregator, snapshot: str) -> None:
        self.aggregator = aggregator
        self.snapshot = snapshot
        self.clear = RowResult(row=0, record=Record(0), risk="clear", list_snapshot=snapshot)
        self._outcomes: list[_Outcome] = []
        self._names: _Interned | None = None
        self._seen = 0  # outcomes looked at so far
        self.rows = np.zeros(1, dtype=np.int64)  # rows not yet counted, by outcome index + 1 (0: clear)
        self.at_risk = np.zeros(1, dtype=bool)  # by outcome index + 1
        self.codes: dict[str, np.ndarray] = {}  # flag code -> whether an outcome has it (index + 1)
        self.slots: list[list[float]] = []  # the aggregator's vendor amount slots in use
        self.totals = np.zeros(0, dtype=np.float64)
        self.counts = np.zeros(0, dtype=np.float64)
        self._slot_of: dict[int, int] = {}  # id() of an aggregator slot -> its index here
        self._currency_ids: dict[str, int] = {}
        self._vendor_slots = _KeyIds(2, pairs=True)  # (name value id, currency id) -> index in slots

    def count(
        self, batch: pa.RecordBatch, outcome_of: np.ndarray, names: np.ndarray, columnar: ColumnarScreener
    ) -> None:
        """Count a batch: ``outcome_of`` as ``ColumnarScreener.finish`` gives it, ``names`` each row's
        name value id."""
        if columnar.outcomes is not self._outcomes:  # started afresh: count what the old ones hold
            self.flush()
            self._outcomes, self._seen = columnar.outcomes, 0
            self.rows, self.at_risk, self.codes = self.rows[:1], self.at_risk[:1], {}
        if columnar.fields["name"] is not self._names:  # started afresh: other name value ids
            self._names, self._vendor_slots = columnar.fields["name"], _KeyIds(2, pairs=True)
        self._learn_outcomes()
        self.rows += np.bincount(outcome_of + 1, minlength=len(self.rows))
        rows = np.flatnonzero(self.at_risk[outcome_of + 1])
        amount_column = columnar.mapping.get("amount")
        columns = batch.schema.names
        if not len(rows) or amount_column not in columns:
            return
        amounts = _amounts(batch.column(columns.index(amount_column)).take(pa.array(rows)))
        keep = ~np.isnan(amounts)
        rows, amounts = rows[keep], amounts[keep]
        if not len(rows):
            return
        currencies, currency_of = [""], np.zeros(len(rows), dtype=np.int64)
        currency_column = columnar.mapping.get("currency")
        if currency_column in columns:
            encoded = batch.column(columns.index(currency_column)).take(pa.array(rows)).dictionary_encode()
            currencies = [text_value(v) or "" for v in encoded.dictionary.to_pylist()] + [""]
            currency_of = pc.fill_null(encoded.indices, len(currencies) - 1).to_numpy(zero_copy_only=False)
        self._vendor_amounts(names[rows], currencies, currency_of, amounts)
        # each flag's amounts, flags in the order the rows show them
        outcome = outcome_of[rows] + 1
        firsts = []
        for code, has in self.codes.items():
            mine = has[outcome]
            if mine.any():
                at = int(np.argmax(mine))
                codes = self._outcomes[int(outcome[at]) - 1].codes
                firsts.append((at, codes.index(code), code, np.flatnonzero(mine)))
        for _, _, code, mine in sorted(firsts, key=lambda f: f[:2]):
            group, first = _groups([currency_of[mine]])
            keys = [(code, currencies[c]) for c in currency_of[mine][first].tolist()]
            self.aggregator.add_amounts("flag", keys, group, amounts[mine])

    def _learn_outcomes(self) -> None:
        outcomes = self._outcomes
        if self._seen == len(outcomes):
            return
        size = len(outcomes) + 1
        self.rows = np.concatenate([self.rows, np.zeros(size - len(self.rows), dtype=np.int64)])
        self.at_risk = np.concatenate([self.at_risk, np.zeros(size - len(self.at_risk), dtype=bool)])
        for code in self.codes:
            self.codes[code] = np.concatenate(
                [self.codes[code], np.zeros(size - len(self.codes[code]), dtype=bool)]
            )
        for k in range(self._seen, len(outcomes)):
            self.at_risk[k + 1] = outcomes[k].risk in AT_RISK
            if self.at_risk[k + 1]:
                for code in outcomes[k].codes:
                    if code not in self.codes:
                        self.codes[code] = np.zeros(size, dtype=bool)
                    self.codes[code][k + 1] = True
        self._seen = len(outcomes)

    def _vendor_amounts(
        self, name_of: np.ndarray, currencies: list[str], currency_of: np.ndarray, amounts: np.ndarray
    ) -> None:
        """Sum amounts by vendor and currency, slots made in the order the rows first show them."""
        assert self._names is not None  # set by count
        code_of = np.asarray([self._currency_ids.setdefault(c, len(self._currency_ids)) for c in currencies])
        group, first = _groups([name_of, currency_of])
        pairs = np.stack([name_of[first], code_of[currency_of[first]]], axis=1)
        slot_of_pair = self._vendor_slots.find(pairs)
        new = np.flatnonzero(slot_of_pair < 0)
        values, at = self._names.values, first[new]
        labels = [
            (values[n] or NO_NAME, currencies[c])
            for n, c in zip(name_of[at].tolist(), currency_of[at].tolist(), strict=True)
        ]
        indices, slot_of = [], self._slot_of
        for slot in self.aggregator.amount_slots("vendor", labels):
            index = slot_of.get(id(slot))
            if index is None:
                index = slot_of[id(slot)] = len(self.slots)
                self.slots.append(slot)
            indices.append(index)
        if len(new):
            slot_of_pair[new] = indices
            self._vendor_slots.add(pairs[new], slot_of_pair[new])
            fresh = self.slots[len(self.totals) :]
            self.totals = np.concatenate([self.totals, np.array([s[0] for s in fresh], dtype=np.float64)])
            self.counts = np.concatenate([self.counts, np.array([s[1] for s in fresh], dtype=np.float64)])
        slot_of_row = slot_of_pair[group]
        np.add.at(self.totals, slot_of_row, amounts)  # unbuffered, in row order: the sums of one by one
        self.counts += np.bincount(slot_of_row, minlength=len(self.totals))

    def flush(self) -> None:
        """Hand what is counted so far to the aggregator (in outcome order, as rows first showed them)."""
        for index in np.flatnonzero(self.rows).tolist():
            rows = int(self.rows[index])
            if index == 0:
                self.aggregator.count(self.clear, rows)
            else:
                o = self._outcomes[index - 1]
                self.aggregator.count_codes(o.risk, o.codes, o.lists, rows, self.snapshot)
        self.rows[:] = 0
        for slot, total, count in zip(self.slots, self.totals.tolist(), self.counts.tolist(), strict=True):
            slot[0], slot[1] = total, count


def _amounts(column: pa.Array) -> np.ndarray:
    """A column of amounts as floats (NaN: none), as ``parse_amount`` reads each cell."""
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    plain = pc.fill_null(pc.match_substring_regex(column, r"^-?[0-9]+(\.[0-9]+)?$"), False)
    numbers = pc.cast(pc.if_else(plain, column, "nan"), pa.float64()).to_numpy(zero_copy_only=False).copy()
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
        value = parse_amount(column[i].as_py())
        numbers[i] = np.nan if value is None else value
    return np.asarray(numbers, dtype=np.float64)
