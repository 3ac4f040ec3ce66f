"""The detector protocol and registry (detect/base.py): screening loops over the registered
detectors, and a detector added to the registry is run by the row path and the columnar path alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyscreen import Screener
from supplyscreen.detect import base, detectors
from supplyscreen.model import Flag, Record
from supplyscreen.screen.engine import RecordScreener


def test_the_registry_holds_the_three_detectors_in_the_order_of_their_flags() -> None:
    assert list(detectors()) == ["covered_equipment", "xinjiang_location", "high_priority_sector"]
    for code, detector in detectors().items():
        assert detector.code == code and detector.fields
        assert isinstance(detector, object) and callable(detector.worth_detecting)
    assert detectors()["covered_equipment"] is base.detector("covered_equipment")  # built once


class _Widgets:
    """A detector written for this test: a description that says 'widget' is worth a review."""

    code = "widget"
    fields = ("description",)

    def __init__(self) -> None:
        self.calls = 0

    def worth_detecting(self, record: Record) -> bool:
        return "widget" in (record.description or "").lower()

    def detect(self, record: Record) -> list[Flag]:
        self.calls += 1
        if not self.worth_detecting(record):
            return []
        return [Flag("widget", "review", f"a widget: {record.description}", {"field": "description"})]


@pytest.fixture
def with_widgets(monkeypatch: pytest.MonkeyPatch) -> _Widgets:
    widgets = _Widgets()
    monkeypatch.setitem(base.REGISTRY, "widget", lambda: widgets)
    base.detector.cache_clear()
    yield widgets
    base.detector.cache_clear()


def test_a_registered_detector_is_run_by_the_row_path(screener: Screener, with_widgets: _Widgets) -> None:
    engine = RecordScreener(screener)
    result = engine.screen(Record(1, name="Acme Supplies", description="Blue widget, 10 pcs"))
    assert result.risk == "review" and [f.code for f in result.flags] == ["widget"]
    assert engine.screen(Record(2, name="Acme Supplies", description="paper")).risk == "clear"


@pytest.mark.parametrize("force_rows", [False, True], ids=["columnar", "rows"])
def test_a_registered_detector_is_run_by_both_file_paths_alike(
    screener: Screener, with_widgets: _Widgets, tmp_path: Path, force_rows: bool
) -> None:
    from supplyscreen.screen.run import screen_file

    source = tmp_path / "po.csv"
    rows = ["vendor,description"] + [f"Acme {i % 3},{'Blue widget' if i % 2 else 'paper'}" for i in range(40)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "po.screened.csv"
    outcome = screen_file(screener, source, out, force_rows=force_rows)
    assert outcome.summary.by_risk.get("review") == 20
    text = out.read_text(encoding="utf-8")
    assert text.count("widget") >= 20
