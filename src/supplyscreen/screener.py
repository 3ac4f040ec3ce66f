"""The Python API: one object that holds the active lists and answers match and compare questions.

from supplyscreen import Screener
s = Screener.open()
s.match("Dahua Technology", schema="Company", country="cn", limit=5)
s.compare("Bank of Chad", "Bank of China", schema="Company")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplyscreen.io.dates import parse_amount, parse_date
from supplyscreen.model import Hit, Record, RowResult
from supplyscreen.names.index import NameIndex, index_cache_path, load_or_build
from supplyscreen.names.matcher import Comparison, Matcher
from supplyscreen.store import Store

if TYPE_CHECKING:
    from supplyscreen.screen.run import ScreenOutcome


class Screener:
    """Screening against the active list snapshot of a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._matcher: Matcher | None = None
        #: Reviewer decisions applied when screening (a ``supplyscreen.cases.DecisionLookup``), or None.
        self.decisions: Any = None

    @classmethod
    def open(cls, home: str | Path | None = None) -> Screener:
        return cls(Store.open(home))

    @property
    def snapshot_version(self) -> str:
        return self.store.snapshot.version

    @property
    def matcher(self) -> Matcher:
        """The name matcher, its index loaded from cache or built on first use."""
        if self._matcher is None:
            snapshot = self.store.snapshot
            path = index_cache_path(self.store.home, snapshot)
            index: NameIndex = load_or_build(snapshot.entities, version=snapshot.version, path=path)
            self._matcher = Matcher(index)
            self._matcher.cache_path = path
        return self._matcher

    def match(
        self,
        name: str,
        *,
        schema: str | None = None,
        country: str | None = None,
        limit: int = 5,
        birth_date: str | None = None,
        identifiers: list[str] | None = None,
        threshold: float | None = None,
        forms_out: list[Any] | None = None,
    ) -> list[Hit]:
        """List entities for one name, best first; see :meth:`Matcher.match` (``forms_out`` receives
        the forms the name was compared by)."""
        return self.matcher.match(
            name,
            schema=schema,
            country=country,
            limit=limit,
            forms_out=forms_out,
            birth_date=birth_date,
            identifiers=identifiers,
            threshold=threshold,
        )

    def context_hit(self, name: str) -> Hit | None:
        """The curated reviewer-context row (on no list) ``name`` matches, or None; see
        :meth:`Matcher.context_hit`."""
        return self.matcher.context_hit(name)

    def compare(self, a: str, b: str, *, schema: str | None = None) -> Comparison:
        """How well two names match, with the same scoring as :meth:`match`."""
        return self.matcher.compare(a, b, schema=schema)

    def screen_records(
        self, records: Iterable[Record | dict[str, Any]], *, workers: int = 1
    ) -> Iterator[RowResult]:
        """Screen records (``Record`` objects, or dicts with the keys name, address, country, description,
        hs_code, amount, currency, funding, date, id), in order."""
        from supplyscreen.screen.engine import screen_records  # loads the engine only when used

        return screen_records(self, (_as_record(r, n) for n, r in enumerate(records, 1)), workers=workers)

    def screen_file(
        self,
        path: str | Path,
        mapping: dict[str, str] | str | None = None,
        *,
        out: str | Path | None = None,
        **options: Any,
    ) -> ScreenOutcome:
        """Screen a whole file into ``out`` (default ``<input>.screened.csv``); see ``screen_file``."""
        from supplyscreen.screen.run import screen_file

        return screen_file(self, Path(path), Path(out) if out else None, mapping=mapping, **options)


_RECORD_KEYS = ("id", "name", "address", "country", "description", "hs_code", "currency", "funding", "date")


def _as_record(value: Record | dict[str, Any], n: int) -> Record:
    """A record from a dict of the screening keys (the rest kept in ``fields``)."""
    if isinstance(value, Record):
        return value
    known = {k: (str(value[k]) if value.get(k) is not None else None) for k in _RECORD_KEYS}
    if known["date"]:
        known["date"] = parse_date(known["date"]) or known["date"]
    amount = value.get("amount")
    return Record(
        row=n, fields=dict(value), amount=parse_amount(str(amount)) if amount is not None else None, **known
    )
