"""A monitor's rows, runs, changes and deliveries in the case database, on SQLite and (when CI
provides one) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.casedb import BACKENDS, database_url

from supplyscreen.cases import Cases
from supplyscreen.model import Record
from supplyscreen.monitor.book import MonitorBook, MonitorError
from supplyscreen.monitor.changes import Change
from supplyscreen.monitor.rescreen import RowState


@pytest.fixture(params=BACKENDS)
def cases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cases]:
    with database_url(request.param, tmp_path) as url:
        opened = Cases.open(url)
        yield opened
        opened.close()


def _record(row: int, vendor_id: str, name: str, address: str = "") -> Record:
    fields = {"vendor_id": vendor_id, "vendor": name, "address": address}
    return Record(row=row, fields=fields, name=name, address=address)


def test_rows_runs_changes_and_deliveries_are_kept(cases: Cases) -> None:
    book = MonitorBook(cases.db)
    master = [_record(1, "A", "Acme 海康", "Urumqi"), _record(2, "B", "Beta"), _record(3, "C", "Gamma")]
    edit = book.save_master(
        "m1", master, user="u", file_name="m.csv", file_sha256="0" * 64, options={}, id_col="vendor_id"
    )
    assert (edit.replaced, edit.rows) == (False, 3)
    index = book.row_index("m1")
    assert [(row, cause) for _, row, cause in index] == [(1, "baseline"), (2, "baseline"), (3, "baseline")]
    keys = [key for key, _, _ in index]
    state = RowState("high", [], [], ["list_hit"])
    change = Change(
        "m1",
        1,
        "Acme 海康",
        "new_hit",
        "e:1",
        "Acme",
        "s",
        {"change": "added"},
        "list_update",
        "clear",
        "high",
    )
    run = book.finish_run(
        "m1",
        states={key: state.to_json() for key in keys},
        user="u",
        started="2026-12-08T00:00:00Z",
        list_version="v1",
        previous_version="",
        detectors="d",
        mode="baseline",
        changes=[change],
        stats={"rows": 3},
    )
    assert change.id is not None
    rows = book.rows_at("m1", keys[:2])
    assert set(rows) == set(keys[:2]) and rows[keys[0]].record is not None
    assert rows[keys[0]].record.name == "Acme 海康" and rows[keys[0]].cause is None
    assert RowState.from_json(rows[keys[0]].state or "").risk == "high"
    # an edited master: B changed, C gone, D new; the same row by its vendor id
    edited = [
        _record(1, "A", "Acme 海康", "Urumqi"),
        _record(2, "B", "Beta Trading"),
        _record(3, "D", "Delta"),
    ]
    edit = book.save_master(
        "m1", edited, user="u", file_name="m2.csv", file_sha256="1" * 64, options={}, id_col="vendor_id"
    )
    assert (edit.added, edit.removed, edit.changed, edit.unchanged) == (1, 1, 1, 1)
    causes = sorted(cause or "" for _, _, cause in book.row_index("m1"))
    assert causes == ["", "master_edit", "master_edit", "removed"]
    assert book.get("m1").open_changes == 1 and book.runs("m1")[0]["id"] == run
    book.record_delivery("m1", run, "https://hooks.example/x", False, 4, "HTTP 500", [change.id])
    assert book.changes("m1", status="open")[0].status == "open"  # a failed delivery leaves it open
    book.record_delivery("m1", run, "https://hooks.example/x", True, 1, "HTTP 200", [change.id])
    assert [c.status for c in book.changes("m1")] == ["delivered"]
    assert book.changes("m1", status="unseen")[0].id == change.id
    seen = book.mark_seen("m1", change.id, "rita")
    assert seen.status == "seen" and book.changes("m1", status="unseen") == []
    with pytest.raises(MonitorError, match="no change"):
        book.mark_seen("m1", change.id + 99, "rita")
    assert [m.name for m in book.all()] == ["m1"]
    book.remove("m1")
    assert book.names() == [] and book.row_index("m1") == []
