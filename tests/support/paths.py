"""The columnar path and the row path must write the same output: screening a file both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from supplyscreen.screen.run import screen_file


def screened_both_ways(screener: Any, source: Path, folder: Path, workers: int = 1) -> tuple[Path, Path]:
    """``source`` screened on the columnar path (with ``workers``) and on the row path into
    ``folder``/fast.csv and, on one worker, ``folder``/slow.csv; the two runs' totals are asserted equal."""
    fast, slow = folder / "fast.csv", folder / "slow.csv"
    fast_totals = screen_file(screener, source, fast, workers=workers).summary.to_dict()
    slow_totals = screen_file(screener, source, slow, force_rows=True).summary.to_dict()
    for key in ("output", "format"):
        fast_totals.pop(key, None), slow_totals.pop(key, None)
    assert fast_totals == slow_totals  # totals, and amounts at risk by vendor and flag
    return fast, slow
