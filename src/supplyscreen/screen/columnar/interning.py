"""Ids for the columnar path: rows grouped by their ids, the distinct values of a field, what a
detector needs to know of a text, and distinct keys of a few ints, all found for a whole batch at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from supplyscreen.detect.text import TextTokens
from supplyscreen.io.record_builder import text_value


def _groups(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of equal-length columns of ids (>= 0): each row's group and each group's
    first row, groups numbered in the order the rows first show them."""
    key = np.zeros(len(cols[0]), dtype=np.int64)
    bound = 1  # key < bound
    for col in cols:
        wide = col.astype(np.int64)
        size = int(wide.max(initial=0)) + 1
        if bound * size >= 1 << 62:  # renumber the key so far densely before it could overflow
            key = np.unique(key, return_inverse=True)[1].reshape(-1)
            bound = int(key.max(initial=0)) + 1
            if bound * size >= 1 << 62:  # and the column too: both then stay below the row count
                wide = np.unique(wide, return_inverse=True)[1].reshape(-1)
                size = int(wide.max(initial=0)) + 1
        key, bound = key * size + wide, bound * size
    if not len(key):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # pyarrow's hash table numbers the keys in the order they first show (no sort, unlike np.unique)
    group = np.asarray(pa.array(key).dictionary_encode().indices.to_numpy(), dtype=np.int64)
    # so a row shows its group first exactly where its group number exceeds every one before it
    new = np.empty(len(group), dtype=bool)
    new[0] = True
    np.greater(group[1:], np.maximum.accumulate(group)[:-1], out=new[1:])
    return group, np.flatnonzero(new)


class _Interned:
    """Ids of the distinct values of one field across batches, as the row path's Record holds them
    (trimmed text, an ISO date); 0 is an empty cell. Raw cells already seen are found by pyarrow."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        self.convert = convert
        self.raw = pa.array([], type=pa.string())
        self.raw_ids = np.zeros(0, dtype=np.int64)
        self.ids: dict[Any, int] = {None: 0}
        self.values: list[Any] = [None]
        self.features = np.zeros((0, 0), dtype=np.int64)  # ColumnarScreener._features: a row per feature

    def ids_of_raw(self, dictionary: pa.Array) -> np.ndarray:
        """The value ids of a batch's distinct raw cells (a dictionary-encoded column's dictionary)."""
        found = pc.index_in(dictionary, value_set=self.raw)
        position = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        new = position < 0
        if new.any():
            fresh = dictionary.filter(pa.array(new))
            ids = self._ids_of(fresh.to_pylist())
            # the dictionary's cells are distinct: the fresh ones go after the known, in its order
            position = position.copy()
            position[new] = np.arange(len(self.raw), len(self.raw) + len(fresh))
            self.raw = pa.concat_arrays([self.raw, fresh.cast(pa.string())])
            self.raw_ids = np.concatenate([self.raw_ids, np.asarray(ids, dtype=np.int64)])
        return np.asarray(self.raw_ids[position], dtype=np.int64)

    def _ids_of(self, cells: list[Any]) -> list[int]:
        """The value ids of raw cells, new values numbered as they come (text converted in line:
        a million-row file has a hundred thousand distinct cells)."""
        if self.convert is text_value:
            values = [(c.strip() or None) if type(c) is str else text_value(c) for c in cells]
        else:
            values = [self.convert(c) for c in cells]
        id_of = self.id_of
        return [id_of(v) for v in values]

    def id_of(self, value: Any) -> int:
        found = self.ids.get(value)
        if found is None:
            found = self.ids[value] = len(self.values)
            self.values.append(value)
        return found


class _Classes:
    """Ids of what one detector needs to know of a text, with a flag per id (has it a candidate...)."""

    def __init__(self) -> None:
        self.ids: dict[Any, int] = {}
        self.flags: list[tuple[bool, ...]] = []
        self._tables: dict[int, np.ndarray] = {}

    def id_of(self, key: Any, flags: tuple[bool, ...]) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.flags)
            self.flags.append(flags)
            self._tables.clear()
        return found

    def flag(self, ids: np.ndarray, which: int) -> np.ndarray:
        table = self._tables.get(which)
        if table is None:
            table = self._tables[which] = np.array([f[which] for f in self.flags] or [False], dtype=bool)
        return np.asarray(table[ids], dtype=bool)


class _KeyIds:
    """Ids of distinct keys (rows of a few ints: a part's or a row result's key), found for a whole
    batch of keys at once by numpy; a key not seen before has none until ``add``. ``pairs``: keys of
    two ints in [0, 2**31), packed into one int64 (numbers sort much faster than bytes)."""

    def __init__(self, width: int, pairs: bool = False) -> None:
        self.width = width
        self.pairs = pairs and width == 2
        kind = np.dtype(np.int64) if self.pairs else np.dtype((np.void, 8 * width))
        self.known = np.zeros(0, dtype=kind)  # sorted
        self.ids = np.zeros(0, dtype=np.int64)  # of the known keys, in their sorted order
        self.size = 0

    def _bytes(self, keys: np.ndarray) -> np.ndarray:
        rows = np.ascontiguousarray(keys, dtype=np.int64).reshape(-1, self.width)
        if self.pairs:
            return np.asarray((rows[:, 0] << 31) | rows[:, 1], dtype=np.int64)
        return rows.view(np.dtype((np.void, 8 * self.width))).reshape(-1)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The id of each key (one per row of ``keys``), -1 for one not seen before."""
        wanted = self._bytes(keys)
        if not self.size:
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.known, wanted), self.size - 1)
        return np.where(self.known[at] == wanted, self.ids[at], -1)

    def add(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Remember new, distinct keys with their ids."""
        known = np.concatenate([self.known, self._bytes(keys)])
        order = np.argsort(known, kind="stable")
        self.known, self.ids = known[order], np.concatenate([self.ids, ids])[order]
        self.size = len(self.known)


class _OtherValues:
    """The texts of a column without a role that some detector can use, by id (0: none), each with
    what each detector needs of it (see ``ColumnarScreener._other_feature``); ``absent``: that of
    id 0."""

    def __init__(self, absent: tuple[int, int, int, int]) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[str | None] = [None]
        self.features: list[tuple[int, int, int, int]] = [absent]
        self._table: np.ndarray | None = None

    def add(self, text: str, feature: tuple[int, int, int, int]) -> int:
        found = self.ids[text] = len(self.values)
        self.values.append(text)
        self.features.append(feature)
        self._table = None
        return found

    def table(self) -> np.ndarray:
        """The features of every id: one row per feature, one column per id."""
        if self._table is None:
            self._table = np.ascontiguousarray(np.asarray(self.features, dtype=np.int64).T)
        return self._table


def usable_cells(
    dictionary: pa.Array, covered: Any, places: Any, sectors: Any, federal: Any
) -> tuple[Any, ...]:
    """The distinct cells of a column without a role that some detector may use (hold a letter, and
    a word, model number or listing number that ``covered``, ``places``, ``sectors`` or ``federal``
    may find or take as context), found by pyarrow for all at once: their positions, texts, and for
    each what may be found (brand, covered context, place, place context, sector word, model
    number, federal money)."""
    if not len(dictionary):
        return [], [], []
    array = dictionary.cast(pa.string())
    words = TextTokens(array)
    may = np.stack(
        [
            *covered.may_find_in(words, whole_brands=True),
            *places.may_find_in(words),
            sectors.may_find_in(words),
            np.asarray(covered.models_possible(array), dtype=bool),
            federal.may_find_in(array, words),
        ],
        axis=1,
    )
    letter = pc.fill_null(pc.match_substring_regex(array, r"\pL"), False).to_numpy(zero_copy_only=False)
    wanted = np.flatnonzero(letter & may.any(axis=1))
    if not len(wanted):
        return [], [], []
    return wanted.tolist(), array.take(pa.array(wanted)).to_pylist(), may[wanted].tolist()
