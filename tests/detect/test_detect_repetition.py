"""A cell repeating a brand or a place makes one piece of evidence with a count, in bounded memory
(issue 19, D3: one match and one evidence object per mention took 2.4 GB for a 10 MB cell)."""

from __future__ import annotations

import tracemalloc

from supplyscreen.detect import detect_all, detectors
from supplyscreen.detect.text import DETECT_CHARS
from supplyscreen.model import Record


def test_a_5_mb_cell_repeating_a_brand_is_one_piece_of_evidence_with_a_count() -> None:
    detectors()  # built before measuring
    unit = "Hikvision camera "
    text = unit * (5_000_000 // len(unit))
    tracemalloc.start()
    try:
        flags = detect_all(Record(row=1, description=text))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300_000_000, f"{peak / 1e6:.0f} MB"
    (flag,) = [f for f in flags if f.code == "covered_equipment"]
    (match,) = flag.evidence["matches"]
    assert match["text"] == "Hikvision" and match["start"] == 0
    assert match["count"] == DETECT_CHARS // len(unit) + 1  # the detectors read the first million characters


def test_a_place_named_again_and_again_is_one_match_with_a_count() -> None:
    text = "Shipped from Kashgar, Xinjiang. " * 1000
    (flag,) = [f for f in detect_all(Record(row=1, address=text)) if f.code == "xinjiang_location"]
    counts = {(m["text"], m.get("count")) for m in flag.evidence["matches"]}
    assert ("Kashgar", 1000) in counts and len(flag.evidence["matches"]) <= 3
