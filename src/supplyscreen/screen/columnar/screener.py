"""``ColumnarScreener``: screens batches by distinct screening key, each part of a result computed
once per distinct combination of what it reads and each row's result once per combination of parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from supplyscreen.detect import (
    CoveredEquipmentDetector,
    HighPrioritySectorDetector,
    XinjiangLocationDetector,
    covered_equipment_detector,
    federal_vocabulary,
    high_priority_sector_detector,
    is_federal_funding,
    xinjiang_location_detector,
)
from supplyscreen.detect.text import COLUMN_FIELD, TextTokens
from supplyscreen.detect.xinjiang_location import country_of
from supplyscreen.io.dates import parse_date
from supplyscreen.io.record_builder import address_with_parts, text_value
from supplyscreen.model import SEVERITIES, Record, RowResult
from supplyscreen.report.columns import SCORE_COLUMN, AddedCells, clear_cells
from supplyscreen.report.escape import escaped_formulas
from supplyscreen.report.summary import flag_lists
from supplyscreen.report.tabular import added_values
from supplyscreen.screen.columnar.interning import (
    _Classes,
    _groups,
    _Interned,
    _KeyIds,
    _OtherValues,
    usable_cells,
)
from supplyscreen.screen.columnar.outcomes import _LEVEL, _NO_PART, _Outcome, _Part, _Segment
from supplyscreen.screen.columnar.reader import _Encoded, _encoded, place_ids
from supplyscreen.screen.engine import (
    SCREENED_FIELDS,
    NamePrefetch,
    RecordScreener,
    country_key,
    match_distinct_names,
)
from supplyscreen.screen.flags import date_matters
from supplyscreen.screen.policy import risk_of

_NAME_FIELDS = ("name", "country", "date", "funding")  # what the name's part reads of a record
NAME_PART = "name_hits"  # the part of a result its name's hits make; the detectors' parts go by flag code
_COVERED, _PLACES, _SECTORS = (
    CoveredEquipmentDetector.code,
    XinjiangLocationDetector.code,
    HighPrioritySectorDetector.code,
)
_CONTEXT_ONLY = [False, True, False, False, False, False]  # a covered-equipment context word, nothing more
_INTERNED_LIMIT = 2_000_000  # distinct values remembered across batches before starting afresh


class ColumnarScreener:
    """Screens batches by distinct screening key (see the package docstring).

    Each screening field of a row becomes an id of its value; each value, once, a few small ids of
    what each detector needs of it: the text itself where the detector finds a candidate in it, or
    else only the context it lends (the words around a brand or a place) — and for the name, whether
    its hits matter and whether the order date can change them. A part of the result (the name's
    flags, one detector's flags) is then computed once per distinct combination of those ids, from a
    representative row, and a row's result once per distinct combination of parts, from their flags.
    """

    def __init__(
        self,
        engine: RecordScreener,
        mapping: dict[str, str],
        parts: list[str],
        snapshot: str,
        places: list[tuple[str, str]] | None = None,
        others: list[str] | None = None,
    ) -> None:
        self.engine = engine
        self.mapping = mapping
        self.parts = parts
        self.places = places or []  # no country column: where the vendor is (``io.location``)
        self.others = others or []  # the columns without a role, which the detectors read too
        self.snapshot = snapshot
        self.prefetch: NamePrefetch | None = None
        # the registered detectors, in the order of their flags; the three below are classed per
        # distinct text with what they know of it (``_features``), any other once per distinct
        # combination of the fields it reads
        self.detector_codes = tuple(engine.gate.detectors)
        self.covered_detector = covered_equipment_detector()
        self.place_detector = xinjiang_location_detector()
        self.sector_detector = high_priority_sector_detector()
        self.federal = federal_vocabulary(free_text=True)
        self._other_detectors = {
            code: d.fields
            for code, d in engine.gate.detectors.items()
            if code not in (_COVERED, _PLACES, _SECTORS)
        }
        unread = {f for fields in self._other_detectors.values() for f in fields} - set(SCREENED_FIELDS)
        if unread:
            raise ValueError(f"the columnar path does not read the fields {sorted(unread)} detectors ask for")
        self._reset()

    def _reset(self) -> None:
        self.fields = {key: _Interned(parse_date if key == "date" else text_value) for key in SCREENED_FIELDS}
        self.covered, self.xinjiang, self.sectors = _Classes(), _Classes(), _Classes()
        # covered classes' flags: a candidate found in the text, dated, the text names a category
        self._any_context = self.covered.id_of("any context", (False, False, False))  # see prepare
        self.sectors.id_of(None, (False,))
        self.name_keys = _Classes()  # (name, country code) with hits that matter -> (True, date matters)
        self._code_ids: dict[str | None, int] = {}  # two-letter country codes (None: none)
        self._name_tables: dict[int, np.ndarray] = {}  # by code id: name value id -> name-key id
        self.part_ids: dict[str, _KeyIds] = {}  # by kind: the ids of its keys in part_values
        self.part_values: list[Any] = []
        self.part_summaries: dict[int, _Part] = {}  # by index in part_values (see _part)
        self._results: dict[tuple[tuple[int, ...], int], RowResult] = {}  # see result
        self._detected: dict[tuple[int, ...], tuple[list[_Segment], bool]] = {}  # see _outcome
        self.results = _KeyIds(1 + len(self.detector_codes))  # (name, *detectors) part ids + 1 -> outcome
        self.outcomes: list[_Outcome] = []
        self._columns: list[list[pa.Array]] = []  # see result_columns
        # a column without a role: what its empty cell (or one no detector could use) is to each detector
        absent = (self._covered_class(None, False, False, False), self._xinjiang_class(None, False, False))
        self.other_values = {column: _OtherValues((*absent, 0, 0)) for column in self.others}

    # -- field values ---------------------------------------------------------------------------

    def _ids(self, batch: pa.RecordBatch, key: str, encoded: _Encoded) -> np.ndarray:
        """Each row's id of its ``key`` field (the address with its detail columns), 0 when empty;
        ``encoded``: columns of the batch already dictionary-encoded (see ``ReadAhead``)."""
        names = batch.schema.names
        interned = self.fields[key]
        if key == "country" and key not in self.mapping and self.places:
            return place_ids(batch, self.places, encoded, self.fields["country"])
        columns = [self.mapping[key]] if key in self.mapping else []
        if key == "address":
            columns += self.parts
        columns = [c for c in columns if c in names]
        if not columns:
            return np.zeros(batch.num_rows, dtype=np.int64)
        locals_: list[np.ndarray] = []
        dictionaries: list[pa.Array] = []
        for column in columns:
            dictionary, local = encoded.get(column) or _encoded(batch.column(names.index(column)))
            dictionaries.append(dictionary)
            locals_.append(local)
        if len(columns) == 1 and not (key == "address" and self.parts):
            table = np.append(interned.ids_of_raw(dictionaries[0]), 0)  # last: an empty (null) cell
            return np.asarray(table[locals_[0]], dtype=np.int64)
        # the address and its detail columns, combined as the row path's RecordBuilder does
        values = [[*d.to_pylist(), None] for d in dictionaries]
        group, first = _groups(locals_)
        has_address = key in self.mapping and self.mapping[key] in names
        ids = []
        for row in first.tolist():
            cells = [values[j][locals_[j][row]] for j in range(len(columns))]
            address = text_value(cells[0]) if has_address else None
            ids.append(interned.id_of(address_with_parts(address, cells[1:] if has_address else cells)))
        return np.asarray(np.asarray(ids, dtype=np.int64)[group], dtype=np.int64)

    def _features(self, key: str) -> np.ndarray:
        """The detector ids of every value of a field seen so far: one row per feature, one column per
        value id (a row is contiguous: a batch takes its rows' values from it)."""
        interned = self.fields[key]
        done = interned.features.shape[1]
        if done < len(interned.values):
            texts = interned.values[done:]
            # which detector look-ups may find anything in each text, worked out for all at once
            # brand, covered context, place, context, sector, model
            may = np.ones((len(texts), 6), dtype=bool)
            present = [i for i, t in enumerate(texts) if t]
            bulk = np.zeros(len(texts), dtype=bool)  # classed by their covered context alone (below)
            width = len(self._feature(key, None, [False] * 6))  # how many ids each value gets
            if key in ("name", "description", "address") and present:
                kept = [texts[i] for i in present]
                array = pa.array(kept, type=pa.string())
                words = TextTokens(array)
                # in names and descriptions whole brands, not first words ("electronics" is common)
                covered = self.covered_detector.may_find_in(words, whole_brands=key != "address")
                found = [*covered, *self.place_detector.may_find_in(words)]
                found.append(self.sector_detector.may_find_in(words))
                models = self.covered_detector.models_possible(array) if key != "address" else []
                found.append(np.asarray(models or [False] * len(present), dtype=bool))
                may[present] = np.stack(found, axis=1)
                if key != "address":  # detect need not look in these again
                    self.covered_detector.known_empty(
                        [texts[i] for i in np.flatnonzero(~(may[:, 0] | may[:, 5])).tolist()]
                    )
                    category, unrelated = self.covered_detector.learn_contexts(kept, words)
                    # most texts hold nothing but a covered-equipment context word ("electronics",
                    # "foods"): in plain ASCII their features follow from that context (see _feature)
                    only = ~may[present, 0] & may[present, 1] & ~may[present, 2:].any(axis=1) & words.plain
                    at = np.asarray(present, dtype=np.int64)[only]
                    bulk[at] = True
                    # the features of each of the (at most four) contexts, from its first text
                    context = category[only] * 2 + unrelated[only]
                    by_context = [
                        self._feature(key, texts[int(at[np.argmax(context == c)])], _CONTEXT_ONLY)
                        if (context == c).any()
                        else ()
                        for c in range(4)
                    ]
                    table = np.asarray([f or (0,) * width for f in by_context], dtype=np.int64)
                    bulk_rows = table[context]
            # a text where no look-up may find anything lends no context either: all such are alike
            alike = ~may.any(axis=1)
            same = np.flatnonzero(alike)
            shared = self._feature(key, texts[int(same[0])], [False] * 6) if len(same) else ()
            others = np.flatnonzero(~alike & ~bulk)
            new = [
                self._feature(key, texts[i], m)
                for i, m in zip(others.tolist(), may[others].tolist(), strict=True)
            ]
            rows = np.empty((len(texts), width), dtype=np.int64)
            if len(same):
                rows[same] = shared
            if len(others):
                rows[others] = np.asarray(new, dtype=np.int64).reshape(len(others), rows.shape[1])
            if bulk.any():
                rows[bulk] = bulk_rows
            columns = rows.T
            interned.features = np.ascontiguousarray(
                np.concatenate([interned.features, columns], axis=1) if done else columns
            )
        return interned.features

    def _feature(self, key: str, text: str | None, may: list[bool]) -> tuple[int, ...]:
        """What each detector needs of one value (``may``: which look-ups may find anything in it)."""
        if key in ("name", "description", "address"):
            brand, covered_context, place, context, sector_word, models = may
            xinjiang = self._xinjiang_class(text, place, context)
            if key == "address":
                return (xinjiang,)
            ids: tuple[int, ...] = (self._covered_class(text, models, brand, covered_context), xinjiang)
            if key == "description":
                sector = text if text and sector_word and self.sector_detector.scan(text) else None
                ids += (self.sectors.id_of(sector, (sector is not None,)),)
            return ids
        if key == "country":
            # read as a place only when it is no known country; its text is context all the same
            place = text is not None and country_of(text) is None
            place = place and self.place_detector.names_a_place(text or "")
            return (self.xinjiang.id_of(("country", text), (place,)),)
        if key == "hs_code":
            hs = text if text and self.sector_detector.hs_matches(text) else None
            return (self.sectors.id_of(("hs", hs) if hs else None, (hs is not None,)),)
        if key == "funding":
            return (int(bool(text) and is_federal_funding(text or "")),)
        return (0,)

    def _other_ids(self, batch: pa.RecordBatch, column: str, encoded: _Encoded) -> np.ndarray:
        """Each row's id of its text in a column without a role (0: empty, or nothing any detector can
        use), each new text with its covered-equipment, Xinjiang and sector classes and federal money."""
        names = batch.schema.names
        if column not in names:
            return np.zeros(batch.num_rows, dtype=np.int64)
        dictionary, local = encoded.get(column) or _encoded(batch.column(names.index(column)))
        known = self.other_values[column]
        table = np.zeros(len(dictionary) + 1, dtype=np.int64)  # last: an empty (null) cell
        detectors = (self.covered_detector, self.place_detector, self.sector_detector, self.federal)
        for at, cell, may in zip(*usable_cells(dictionary, *detectors), strict=True):
            text = text_value(cell)
            if text is None:
                continue
            found = known.ids.get(text)
            if found is None:
                brand, covered_context, place, context, sector_word, models, federal = may
                sector = text if sector_word and self.sector_detector.scan(text) else None
                found = known.add(
                    text,
                    (
                        self._covered_class(text, models, brand, covered_context),
                        self._xinjiang_class(text, place, context),
                        self.sectors.id_of(sector, (sector is not None,)),
                        int(federal and is_federal_funding(text, free_text=True)),
                    ),
                )
            table[at] = found
        return np.asarray(table[local], dtype=np.int64)

    def _covered_class(self, text: str | None, models: bool, brands: bool, context: bool) -> int:
        """``brands``, ``context``: whether the text may hold a brand word, context words."""
        covered = self.covered_detector
        found = covered.scan(text, models=models) if text and (models or brands) else []
        words = covered.context_of(text) if text and context else (False, False)
        if found:  # the text itself decides: which brand or model, where, dated or not
            dated = any(m.attrs.get("end_date") for m in found)
            return self.covered.id_of(("text", text), (True, dated, words[0]))
        return self.covered.id_of(("context", bool(text), *words), (False, False, words[0]))

    def _xinjiang_class(self, text: str | None, places: bool, context: bool) -> int:
        """``places``, ``context``: whether the text may name a place, hold context words."""
        xinjiang = self.place_detector
        if text and places and xinjiang.names_a_place(text):
            return self.xinjiang.id_of(("text", text), (True,))
        words = xinjiang.context_of(text) if text and context else (False, False, False, False)
        return self.xinjiang.id_of(("context", *words), (False,))

    # -- screening ------------------------------------------------------------------------------

    def screen(self, batch: pa.RecordBatch, first_row: int, pool: Any = None, helpers: int = 1) -> np.ndarray:
        """The outcome index of each row of a batch (-1: clear, nothing found)."""
        return self.finish(batch, first_row, self.prepare(batch, first_row), pool, helpers)

    def prepare(
        self, batch: pa.RecordBatch, first_row: int, fresh: bool = True, encoded: _Encoded | None = None
    ) -> dict[str, np.ndarray]:
        """What a batch's result needs besides its names: the detectors' parts of each row, and the
        ids its name part will be keyed by. ``fresh``: the remembered values may be dropped first;
        ``encoded``: its columns already dictionary-encoded (see ``ReadAhead``)."""
        remembered = sum(len(f.values) for f in self.fields.values())
        remembered += sum(len(o.values) for o in self.other_values.values())
        if fresh and remembered > _INTERNED_LIMIT:
            self._reset()
        ids = {key: self._ids(batch, key, encoded or {}) for key in SCREENED_FIELDS}
        feats = {key: list(self._features(key)) for key in SCREENED_FIELDS if key != "date"}
        # the columns without a role: each row's id of its text (0: nothing any detector could use)
        other_keys = [COLUMN_FIELD + column for column in self.others]
        for key, column in zip(other_keys, self.others, strict=True):
            ids[key] = self._other_ids(batch, column, encoded or {})
            feats[key] = list(self.other_values[column].table())
        date, funding = ids["date"], ids["funding"]

        def feature(key: str, j: int) -> np.ndarray:
            return np.take(feats[key][j], ids[key])

        others_c = [feature(key, 0) for key in other_keys]  # their covered-equipment classes
        # a text naming federal money, which a flag cites: the row's id of it, else 0
        others_federal = [np.where(feature(key, 3) > 0, ids[key], 0) for key in other_keys]
        federal = np.logical_or.reduce([feature("funding", 0) > 0, *(f > 0 for f in others_federal)])

        name_c, desc_c = feature("name", 0), feature("description", 0)
        covered_dated = np.logical_or.reduce([self.covered.flag(c, 1) for c in (name_c, desc_c, *others_c)])
        # a name with nothing found in it lends the detector only its context, which does not count
        # once the description names an equipment category (CoveredEquipmentDetector.detect): rows
        # alike but for such a name share their part
        name_c_part = np.where(
            ~self.covered.flag(name_c, 0) & self.covered.flag(desc_c, 2), self._any_context, name_c
        )
        xj = [feature("name", 1), feature("address", 0), feature("description", 1), feature("country", 0)]
        xj += [feature(key, 1) for key in other_keys]
        sector_ids = [feature("hs_code", 0), feature("description", 2)]
        sector_ids += [feature(key, 2) for key in other_keys]
        records: dict[int, Record] = {}
        return {
            "name": ids["name"], "country": ids["country"], "date": date, "funding": funding,
            "federal": federal.astype(np.int64),
            **dict(zip(other_keys, others_federal, strict=True)),  # what the name's part reads of them
            _COVERED: self._parts(
                first_row, records, ids, _COVERED,
                np.logical_or.reduce([self.covered.flag(c, 0) for c in (name_c, desc_c, *others_c)]),
                [name_c_part, desc_c, np.where(covered_dated, date, 0), funding, *others_c, *others_federal],
            ),
            _PLACES: self._parts(
                first_row, records, ids, _PLACES,
                np.logical_or.reduce([self.xinjiang.flag(c, 0) for c in xj]), xj,
            ),
            _SECTORS: self._parts(
                first_row, records, ids, _SECTORS,
                np.logical_or.reduce([self.sectors.flag(c, 0) for c in sector_ids]), sector_ids,
            ),
            **{
                code: self._parts(
                    first_row, records, ids, code,
                    np.ones(batch.num_rows, dtype=bool), [ids[f] for f in (*fields, *other_keys)],
                )
                for code, fields in self._other_detectors.items()
            },
        }  # fmt: skip

    def finish(
        self, batch: pa.RecordBatch, first_row: int, parts: dict[str, np.ndarray], pool: Any, helpers: int
    ) -> np.ndarray:
        """The outcome index of each row of a prepared batch: its name part, then the parts combined."""
        n = batch.num_rows
        name_key = self._name_keys(parts["name"], parts["country"], pool, helpers)
        dated_name = self.name_keys.flag(name_key, 1)
        read = {k: parts[k] for k in (*_NAME_FIELDS, *(COLUMN_FIELD + c for c in self.others))}
        h = self._parts(
            first_row, {}, read, NAME_PART, self.name_keys.flag(name_key, 0),
            [name_key, np.where(dated_name, parts["date"], 0), parts["federal"]],
        )  # fmt: skip
        parts = {**parts, NAME_PART: h}
        combined = [parts[k] + 1 for k in (NAME_PART, *self.detector_codes)]
        active = np.flatnonzero(np.logical_or.reduce([c > 0 for c in combined]))
        out = np.full(n, -1, dtype=np.int64)
        if not len(active):
            return out
        group, first = _groups([c[active] for c in combined])
        keys = np.stack([c[active][first] for c in combined], axis=1)
        outcome = self.results.find(keys)
        new = np.flatnonzero(outcome < 0)
        if len(new):
            for key, row in zip(keys[new].tolist(), active[first[new]].tolist(), strict=True):
                self.outcomes.append(self._outcome(tuple(key), first_row + row))
            outcome[new] = np.arange(len(self.outcomes) - len(new), len(self.outcomes))
            self.results.add(keys[new], outcome[new])
        out[active] = outcome[group]
        return out

    def _part(self, index: int, name: bool) -> _Part:
        """The ``_Part`` of part value ``index`` (``name``: the name's part), made once."""
        found = self.part_summaries.get(index)
        if found is None:
            value = self.part_values[index]
            flags, hits = value if name else (value, None)
            found = self.part_summaries[index] = _Part.of(flags, hits, self.engine.snapshot)
        return found

    def _outcome(self, key: tuple[int, ...], row: int) -> _Outcome:
        """The outcome of a combination of parts (their ids + 1, 0: none; the name's first), its
        cells as ``added_values`` gives them for the RowResult that ``result`` makes of it."""
        h, *found_by = key
        detected_key = tuple(found_by)
        found = self._detected.get(detected_key)
        if found is None:  # the detectors' parts merged, shared by the outcomes of every name
            parts = [self._part(p - 1, False) for p in detected_key if p]
            merged = sorted([segment for part in parts for segment in part.segments], key=_LEVEL)
            found = self._detected[detected_key] = (merged, any(part.listed for part in parts))
        detected, listed = found
        if listed:  # a detector's list flags: not so far
            result = self._assembled(key, row)
            return _Outcome(
                result.risk, added_values(result, False), tuple(result.flag_codes),
                tuple(flag_lists(result)), key, row,
            )  # fmt: skip
        name = self._part(h - 1, True) if h else _NO_PART
        # stable: within a severity the name's flags come before the detectors', as assemble has them
        segments = sorted(name.segments + tuple(detected), key=_LEVEL) if name.segments else detected
        if len(segments) == 1:
            distinct, cell = segments[0].distinct, segments[0].cell
        else:
            distinct = tuple(dict.fromkeys(code for segment in segments for code in segment.codes))
            cell = ";".join(distinct)
        risk = risk_of(SEVERITIES[segments[0].level] if segments else None)
        reasons = " | ".join(segment.reasons for segment in segments)
        caption, score = name.top
        cells = AddedCells(risk, cell, reasons, caption, score, ";".join(name.lists), self.engine.snapshot)
        return _Outcome(risk, list(cells), distinct, name.lists, key, row)

    def result(self, outcome: _Outcome) -> RowResult:
        """The RowResult of an outcome, as the row path assembles it (its record only numbers the
        first of its rows), made once (compare mode asks for it row by row)."""
        return self._assembled(outcome.key, outcome.row)

    def _assembled(self, key: tuple[int, ...], row: int) -> RowResult:
        found = self._results.get((key, row))
        if found is None:
            h, *found_by = key
            name_flags, hits = self.part_values[h - 1] if h else ([], [])
            detected = [f for p in found_by if p for f in self.part_values[p - 1]]
            found = self._results[(key, row)] = self.engine.assemble(Record(row), name_flags, hits, detected)
        return found

    def result_columns(self) -> list[pa.ChunkedArray]:
        """The added columns' cells of every outcome so far, escaped for CSV; position 0 is a clear
        row, position k + 1 outcome k. New outcomes are appended as a chunk each time: they are not
        copied again with the old (the writer thread takes each batch's cells from the chunks)."""
        done = sum(len(c) for c in self._columns[0]) - 1 if self._columns else -1
        if done < len(self.outcomes):
            new = [list(clear_cells(self.snapshot))] if done < 0 else []
            new += [o.values for o in self.outcomes[max(done, 0) :]]
            arrays = [
                pa.array([v[j] for v in new], type=pa.float64())
                if j == SCORE_COLUMN
                else escaped_formulas(pa.array([v[j] for v in new], type=pa.string()))
                for j in range(len(new[0]))
            ]
            if not self._columns:
                self._columns = [[] for _ in arrays]
            for chunks, array in zip(self._columns, arrays, strict=True):
                chunks.append(array)
        return [pa.chunked_array(chunks) for chunks in self._columns]

    def _name_keys(self, names: np.ndarray, countries: np.ndarray, pool: Any, helpers: int) -> np.ndarray:
        """Each row's name-key id (the name and a two-letter country, as ``RecordScreener.name_key``),
        the names not seen before matched first; flags: hits that matter, an order date that does."""
        country_values = self.fields["country"].values
        code_of = np.asarray(
            [self._code_ids.setdefault(country_key(c), len(self._code_ids)) for c in country_values],
            dtype=np.int64,
        )
        codes = code_of[countries]
        out = np.zeros(len(names), dtype=np.int64)
        size = len(self.fields["name"].values)
        for code in np.flatnonzero(np.bincount(codes)).tolist():  # the codes present (small ids)
            rows = np.flatnonzero(codes == code)
            table = self._name_tables.get(code)
            if table is None or len(table) < size:
                grown = np.full(size, -1, dtype=np.int64)
                if table is not None:
                    grown[: len(table)] = table
                table = self._name_tables[code] = grown
            found = table[names[rows]]
            new = np.unique(names[rows][found < 0]).tolist()
            if new:
                self._learn_names(table, new, code, pool, helpers)
                found = table[names[rows]]
            out[rows] = found
        return out

    def _learn_names(self, table: np.ndarray, names: list[int], code: int, pool: Any, helpers: int) -> None:
        """Match new names (with one country code) and give each its name-key id in ``table``."""
        country = next(c for c, i in self._code_ids.items() if i == code)
        texts = self.fields["name"].values
        pairs = [(texts[n], country) for n in names]
        if self.prefetch is not None:
            self.prefetch.wait_for(p for p in pairs if p[0])
        if pool is not None:  # else each is matched as it comes below
            match_distinct_names(self.engine, [p for p in pairs if p[0]], pool, helpers)
        nothing = self.name_keys.id_of(None, (False, False))  # shared by every name without hits that matter
        match_key, entity = self.engine.match_key, self.engine.entity
        for n, pair in zip(names, pairs, strict=True):
            found = match_key(pair) if pair[0] else []
            hits = [h for h in found if h.match or h.review or h.reviewer_context]
            if hits:
                dated = any(date_matters(entity(h.entity_id)) for h in hits)
                table[n] = self.name_keys.id_of(pair, (True, dated))
            else:
                table[n] = nothing

    def _parts(
        self,
        first_row: int,
        records: dict[int, Record],
        fields: dict[str, np.ndarray],
        kind: str,
        active: np.ndarray,
        cols: list[np.ndarray],
    ) -> np.ndarray:
        """Each row's id of one part of its result (-1: the part has nothing to say), computed once
        per distinct combination of ``cols`` among the ``active`` rows, from a representative row's
        Record (``fields``: each row's value id of the fields the part reads)."""
        out = np.full(len(active), -1, dtype=np.int64)
        rows = np.flatnonzero(active)
        if not len(rows):
            return out
        group, first = _groups([c[rows] for c in cols])
        keys = np.stack([c[rows][first] for c in cols], axis=1)
        table = self.part_ids.setdefault(kind, _KeyIds(len(cols)))
        ids = table.find(keys)
        new = np.flatnonzero(ids < 0)
        if len(new):
            todo = rows[first[new]].tolist()
            self._load_records(first_row, records, todo, fields)
            ids[new] = np.arange(len(self.part_values), len(self.part_values) + len(new))
            table.add(keys[new], ids[new])
            self.part_values.extend(self._compute(kind, records[row]) for row in todo)
        out[rows] = ids[group]
        return out

    def _compute(self, kind: str, record: Record) -> Any:
        """A part's value for a representative record: the name's flags and hits, or a detector's flags."""
        if kind == NAME_PART:
            return self.engine.name_flags(record)
        return self.engine.gate.detectors[kind].detect(record)

    def _load_records(
        self, first_row: int, records: dict[int, Record], rows: list[int], fields: dict[str, np.ndarray]
    ) -> None:
        """Build the Records of those rows that are not built yet, with the fields given (each row's
        value id): the values are those the row path's RecordBuilder reads (see ``_Interned``)."""
        rows = [r for r in dict.fromkeys(rows) if r not in records]
        if not rows:
            return
        at = np.asarray(rows, dtype=np.int64)
        values = {
            key: [self.fields[key].values[i] for i in ids[at].tolist()]
            for key, ids in fields.items()
            if not key.startswith(COLUMN_FIELD)
        }
        others = [
            (column, [self.other_values[column].values[i] for i in fields[key][at].tolist()])
            for column in self.others
            if (key := COLUMN_FIELD + column) in fields
        ]
        for j, row in enumerate(rows):
            record = Record(first_row + row, **{key: column[j] for key, column in values.items()})
            record.others = tuple((column, texts[j]) for column, texts in others if texts[j] is not None)
            records[row] = record
