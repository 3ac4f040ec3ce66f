"""What screening asks of a detector, and the registry of the detectors every screening runs.

A detector finds something in a record's texts that needs no list entity (covered equipment, a
place in Xinjiang, a UFLPA high-priority sector) and says so as flags. Screening (the row path in
``screen/engine.py``, the columnar path in ``screen/columnar/``) loops over :func:`detectors`, in
their order, which is also the order of their flags within a severity. A new detector is a class
with the four members of :class:`Detector` and a line in :data:`REGISTRY`; the columnar path screens
it once per distinct combination of the fields it reads.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from supplyscreen.detect.covered_equipment import CoveredEquipmentDetector
from supplyscreen.detect.high_priority_sector import HighPrioritySectorDetector
from supplyscreen.detect.xinjiang_location import XinjiangLocationDetector
from supplyscreen.model import Flag, Record


class Detector(Protocol):
    """A detector, as screening sees it."""

    #: the flag code it raises (a code of ``model.FLAG_CODES``)
    code: str
    #: the record fields it reads
    fields: tuple[str, ...]

    def worth_detecting(self, record: Record) -> bool:
        """A cheap, cached test: whether :meth:`detect` can find anything in this record."""
        ...

    def detect(self, record: Record) -> list[Flag]:
        """The record's flags (none: nothing found)."""
        ...


#: Every detector screening runs, by flag code, in the order of their flags.
REGISTRY: dict[str, type[Detector]] = {
    CoveredEquipmentDetector.code: CoveredEquipmentDetector,
    XinjiangLocationDetector.code: XinjiangLocationDetector,
    HighPrioritySectorDetector.code: HighPrioritySectorDetector,
}


@cache
def detector(code: str) -> Detector:
    """The shared detector of a flag code (built on first use, from its data)."""
    return REGISTRY[code]()


def detectors() -> dict[str, Detector]:
    """Every registered detector, built once, by flag code in registry order."""
    return {code: detector(code) for code in REGISTRY}


def detectors_reading(field: str) -> dict[str, Detector]:
    """The registered detectors that read ``field`` of a record (``address``: those that find places),
    built once, by flag code in registry order; the others are not built."""
    return {code: detector(code) for code, kind in REGISTRY.items() if field in kind.fields}
