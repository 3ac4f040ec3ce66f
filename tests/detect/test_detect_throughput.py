"""Each detector must keep up with batch screening: thousands of distinct texts per second on one core.

The measured rates (about 50,000 texts/s for the covered-equipment and Xinjiang detectors and over
150,000 texts/s for sectors on a development machine) are far above the floor asserted here, which only
guards against an accidental per-text regex compilation or quadratic loop.
"""

from __future__ import annotations

import random
import time

from supplyscreen.detect import (
    covered_equipment_detector,
    high_priority_sector_detector,
    xinjiang_location_detector,
)

FLOOR = 5_000  # texts per second


def _descriptions(n: int) -> list[str]:
    rnd = random.Random(7)
    goods = [
        "office chairs", "cotton t-shirts", "solar panels", "tomato paste", "IP camera DS-2CD2143G0-I",
        "HiLook NVR", "steel pipe", "two-way radio", "printer paper", "Dahua IPC-HFW2431S-S camera",
    ]  # fmt: skip
    places = ["Shanghai", "Urumqi, Xinjiang", "Aksu", "Ningbo", "London", "Kashgar", "Yiwu, Zhejiang"]
    return [f"{rnd.choice(goods)} lot {i} shipped from {rnd.choice(places)}" for i in range(n)]


def test_each_detector_scans_thousands_of_texts_per_second() -> None:
    texts = _descriptions(20_000)
    for detector in (
        covered_equipment_detector(),
        xinjiang_location_detector(),
        high_priority_sector_detector(),
    ):
        start = time.perf_counter()
        found = sum(len(detector.scan(t)) for t in texts)
        rate = len(texts) / (time.perf_counter() - start)
        assert found > 0
        assert rate > FLOOR, f"{type(detector).__name__}: {rate:.0f} texts/s"
