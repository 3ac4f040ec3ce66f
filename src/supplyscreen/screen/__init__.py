"""Screening: one record in, flags and a risk out; whole files with deduplication, workers and resume."""

from supplyscreen.screen.engine import RecordScreener, screen_records
from supplyscreen.screen.flags import row_risk

__all__ = ["RecordScreener", "row_risk", "screen_records"]
