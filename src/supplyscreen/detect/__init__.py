"""Text detectors that need no list entity: covered equipment, Xinjiang places, UFLPA sectors.

Each detector is built once from the curated tables (``data/curated``) and its configuration
(``data/detect``) and then called per record::

    from supplyscreen.detect import detect_all
    flags = detect_all(record)        # list[Flag] from all three detectors

or one at a time: ``covered_equipment_detector().detect(record)``; ``scan(text)`` gives the raw matches.
"""

from __future__ import annotations

from typing import cast

from supplyscreen.detect.base import REGISTRY, Detector, detector, detectors, detectors_reading
from supplyscreen.detect.covered_equipment import (
    CoveredEquipmentDetector,
    federal_funding_text,
    federal_vocabulary,
    is_federal_funding,
)
from supplyscreen.detect.high_priority_sector import HighPrioritySectorDetector, normalize_hs
from supplyscreen.detect.text import Match
from supplyscreen.detect.xinjiang_location import XinjiangLocationDetector
from supplyscreen.model import Flag, Record

__all__ = [
    "REGISTRY",
    "CoveredEquipmentDetector",
    "Detector",
    "HighPrioritySectorDetector",
    "Match",
    "XinjiangLocationDetector",
    "covered_equipment_detector",
    "detect_all",
    "detector",
    "detectors",
    "detectors_reading",
    "federal_funding_text",
    "federal_vocabulary",
    "high_priority_sector_detector",
    "is_federal_funding",
    "normalize_hs",
    "xinjiang_location_detector",
]


def covered_equipment_detector() -> CoveredEquipmentDetector:
    """The shared covered-equipment detector (built on first use)."""
    return cast(CoveredEquipmentDetector, detector(CoveredEquipmentDetector.code))


def xinjiang_location_detector() -> XinjiangLocationDetector:
    """The shared Xinjiang-location detector (built on first use)."""
    return cast(XinjiangLocationDetector, detector(XinjiangLocationDetector.code))


def high_priority_sector_detector() -> HighPrioritySectorDetector:
    """The shared high-priority-sector detector (built on first use)."""
    return cast(HighPrioritySectorDetector, detector(HighPrioritySectorDetector.code))


def detect_all(record: Record) -> list[Flag]:
    """The flags of every registered detector for one record: covered equipment, Xinjiang places,
    sectors."""
    return [flag for d in detectors().values() for flag in d.detect(record)]
