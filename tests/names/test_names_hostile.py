"""Names that are no valid text do not crash the matcher."""

from __future__ import annotations

from supplyscreen.names.normalize import clean


def test_a_lone_surrogate_is_no_crash_but_a_space(screener) -> None:  # type: ignore[no-untyped-def]
    """Issue 19, D1: "\\ud800x" (valid JSON, invalid UTF-8) made the matcher raise UnicodeEncodeError."""
    assert clean("\ud800Hikvision\udfff") == "Hikvision"
    assert [h.caption for h in screener.match("\ud800Hikvision", limit=1)] == [
        h.caption for h in screener.match("Hikvision", limit=1)
    ]
