"""The Python API: one object that holds the active lists and answers match and compare questions.

from supplyscreen import Screener
s = Screener.open()
s.match("Dahua Technology", schema="Company", country="cn", limit=5)
s.compare("Bank of Chad", "Bank of China", schema="Company")
"""

from __future__ import annotations

import json
from pathlib import Path

from supplyscreen.model import Hit
from supplyscreen.names.index import NameIndex, load_or_build
from supplyscreen.names.matcher import Comparison, Matcher
from supplyscreen.store import Store


class Screener:
    """Screening against the active list snapshot of a store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._matcher: Matcher | None = None

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
            fingerprint = json.dumps(snapshot.manifest.get("sources", {}), sort_keys=True)
            index: NameIndex = load_or_build(
                snapshot.entities, version=snapshot.version, fingerprint=fingerprint, home=self.store.home
            )
            self._matcher = Matcher(index)
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
    ) -> list[Hit]:
        """List entities for one name, best first; see :meth:`Matcher.match`."""
        return self.matcher.match(
            name,
            schema=schema,
            country=country,
            limit=limit,
            birth_date=birth_date,
            identifiers=identifiers,
            threshold=threshold,
        )

    def compare(self, a: str, b: str, *, schema: str | None = None) -> Comparison:
        return self.matcher.compare(a, b, schema=schema)
