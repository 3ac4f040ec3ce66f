"""Monitors over list versions written here (issue 22): each new hit is reported once, a second run
reports nothing, a delisting is ``hit_removed``, a renaming ``hit_changed``, a false-positive
decision keeps its hit quiet, an edited master reports its rows, and the incremental re-screen
equals a full one."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.homes import small_home

from supplyscreen.cases import Cases
from supplyscreen.monitor.book import MonitorBook, MonitorError
from supplyscreen.monitor.changes import HIT_CHANGED, HIT_REMOVED, NEW_HIT
from supplyscreen.monitor.run import add_monitor, run_monitor
from supplyscreen.screener import Screener
from supplyscreen.store import Store

WATCH_HEADER = ["id", "name", "aliases", "country", "notes", "schema"]
V1 = [
    ["W1", "Zorblax Industrial Holdings", "", "CN", "", "Company"],
    ["W2", "Quibbleton Marine Services", "", "AE", "", "Company"],
    ["W3", "Vextron Photonics Ltd", "", "CN", "", "Company"],
]
V2 = [
    ["W1", "Zorblax Industrial Holdings", "", "CN", "", "Company"],  # unchanged
    # W2 delisted
    ["W3", "Vextron Photonics Group Ltd", "Vextron Photonics Ltd", "CN", "", "Company"],  # renamed
    ["W4", "Plumbrook Avionics Corporation", "", "CN", "", "Company"],  # added
    ["W6", "Glimmerdale Textile Trading", "", "CN", "", "Company"],  # added
    ["W7", "Orvanta Cable Works", "", "CN", "", "Company"],  # added
]
V3 = [
    ["W1", "Zorblax Industrial Holdings", "", "CN", "", "Company"],
    ["W3", "Vextron Photonics Group Ltd", "Vextron Photonics Ltd", "CN", "", "Company"],
    ["W4", "Plumbrook Avionics Corporation", "", "CN", "", "Company"],
    # W6 delisted after a reviewer cleared its hit: quiet
    ["W7", "Orvanta Cable Works Group", "Orvanta Cable Works", "CN", "", "Company"],  # renamed after clearing
]
MASTER = [
    ["vendor_id", "vendor name", "address"],
    ["1", "Zorblax Industrial Holdings", "Shenzhen, China"],
    ["2", "Quibbleton Marine Services", "Dubai"],
    ["3", "Vextron Photonics Ltd", "Wuhan"],
    ["4", "Plumbrook Avionics Corp", "Xian"],
    ["5", "Acme Office Supplies", "Phoenix, AZ"],
    ["6", "Glimmerdale Textile Trading", "Ningbo"],
    ["7", "Orvanta Cable Works", "Suzhou"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def watch(home: Path, tmp: Path, name: str, rows: list[list[str]]) -> str:
    return Store.open(home).add_user_list("watch", write_csv(tmp / f"{name}.csv", [WATCH_HEADER, *rows]))


def by_row(changes: list[Any]) -> dict[int, list[tuple[str, str | None]]]:
    out: dict[int, list[tuple[str, str | None]]] = {}
    for c in changes:
        out.setdefault(c.row, []).append((c.change, c.entity_id))
    return out


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Lists v1 → monitor added → v2 → run → decisions → run → v3 → run, with what each run said."""
    tmp = tmp_path_factory.mktemp("monitor")
    home = small_home(tmp / "home")  # the lists are the watchlist's versions: no need of the embedded
    watch(home, tmp, "v1", V1)
    cases = Cases.open(home=home)
    master = write_csv(tmp / "master.csv", MASTER)
    added = add_monitor(cases, Screener.open(home), "vendors", master, user="alice")
    watch(home, tmp, "v2", V2)
    run2 = run_monitor(cases, Screener.open(home), "vendors", user="alice")
    again = run_monitor(cases, Screener.open(home), "vendors", user="alice")
    store = Store.open(home)
    for vendor, entity_id in (
        ("Glimmerdale Textile Trading", "user_watch:W6"),
        ("Orvanta Cable Works", "user_watch:W7"),
    ):
        cases.decide(
            entity_id=entity_id,
            status="false_positive",
            user="bob",
            entity=store.get(entity_id),
            name=vendor,
            comment="a different company",
        )
    watch(home, tmp, "v3", V3)
    run3 = run_monitor(cases, Screener.open(home), "vendors", user="alice")
    yield {
        "home": home,
        "tmp": tmp,
        "cases": cases,
        "added": added,
        "run2": run2,
        "again": again,
        "run3": run3,
        "master": master,
    }
    cases.close()


def test_the_baseline_reports_nothing_and_screens_every_row(scenario: dict[str, Any]) -> None:
    added = scenario["added"]
    assert added.baseline is not None and added.baseline.mode == "baseline"
    assert added.baseline.changes == []
    assert added.edit.rows == 7 and not added.edit.replaced
    assert added.baseline.stats["by_risk"] == {"high": 3, "clear": 4}


def test_each_new_hit_is_reported_once_with_the_list_change_behind_it(scenario: dict[str, Any]) -> None:
    run2 = scenario["run2"]
    assert run2.mode == "incremental"
    rows = by_row(run2.changes)
    assert rows[4] == [(NEW_HIT, "user_watch:W4")]
    assert rows[6] == [(NEW_HIT, "user_watch:W6")]
    assert rows[7] == [(NEW_HIT, "user_watch:W7")]
    new = next(c for c in run2.changes if c.row == 4)
    assert new.vendor == "Plumbrook Avionics Corp" and new.source == "user_watch"
    assert new.list_change is not None and new.list_change["change"] == "added"
    assert new.list_change["source_id"] == "user_watch:W4" and new.cause == "list_update"
    assert (new.risk_before, new.risk_after) == ("clear", "high")
    assert 1 not in rows and 5 not in rows  # unchanged entity, no hit
    assert run2.stats["names_kept"] is True  # the baseline's tables of the master's names were used
    assert scenario["again"].changes == [] and scenario["again"].mode == "unchanged"


def test_a_delisting_is_hit_removed_and_a_renaming_hit_changed(scenario: dict[str, Any]) -> None:
    rows = by_row(scenario["run2"].changes)
    assert rows[2] == [(HIT_REMOVED, "user_watch:W2")]
    assert rows[3] == [(HIT_CHANGED, "user_watch:W3")]
    renamed = next(c for c in scenario["run2"].changes if c.row == 3)
    assert renamed.list_change is not None
    assert renamed.list_change["fields"]["name"] == {
        "added": ["Vextron Photonics Group Ltd"],
        "removed": ["Vextron Photonics Ltd"],
    }
    removed = next(c for c in scenario["run2"].changes if c.row == 2)
    assert (removed.risk_before, removed.risk_after) == ("high", "clear")


def test_a_false_positive_decision_keeps_its_hit_quiet_until_the_entity_changes(
    scenario: dict[str, Any],
) -> None:
    rows = by_row(scenario["run3"].changes)
    assert 6 not in rows  # cleared, then delisted: nothing to say
    assert rows[7] == [(HIT_CHANGED, "user_watch:W7")]  # cleared, then renamed: the entity changed since
    assert set(rows) == {7}


def test_changes_are_stored_open_and_audited(scenario: dict[str, Any]) -> None:
    cases = scenario["cases"]
    book = MonitorBook(cases.db)
    info = book.get("vendors")
    assert info.open_changes == len(scenario["run2"].changes) + len(scenario["run3"].changes)
    first = book.changes("vendors", status="open")[0]
    seen = book.mark_seen("vendors", first.id, "carol")
    assert seen.status == "seen"
    assert book.get("vendors").open_changes == info.open_changes - 1
    actions = [r.action for r in cases.audit.rows()]
    assert actions.count("monitor_run") == 4
    assert actions.count("monitor_change") == len(scenario["run2"].changes) + len(scenario["run3"].changes)
    assert "monitor_add" in actions
    assert cases.audit.verify().ok
    with pytest.raises(MonitorError, match="no monitor named 'nope'"):
        book.get("nope")


def test_an_edited_master_reports_its_rows_by_id(scenario: dict[str, Any], tmp_path: Path) -> None:
    home, cases = scenario["home"], scenario["cases"]
    edited = [
        MASTER[0],
        ["1", "Zorblax Industrial Holdings", "Shenzhen, China"],  # unchanged
        ["3", "Vextron Photonics Ltd", "Wuhan"],
        ["4", "Plumbrook Avionics Corp", "Xian"],
        ["5", "Acme Office Supplies", "Phoenix, AZ"],
        ["6", "Glimmerdale Textile Trading", "Ningbo"],
        ["7", "Orvanta Cable Works", "Suzhou"],
        ["8", "Plumbrook Avionics Corporation", "Chengdu"],  # added, hits W4
        ["2", "Quibbleton Marine", "Dubai"],  # edited, moved to the end
    ]
    result = add_monitor(
        cases, Screener.open(home), "vendors", write_csv(tmp_path / "m2.csv", edited), user="alice"
    )
    assert result.edit.to_dict() == {
        "replaced": True,
        "rows": 8,
        "added": 1,
        "removed": 0,
        "changed": 1,
        "unchanged": 6,
    }
    assert result.baseline is None
    for kept in (home / "cache").glob("monitor-*.pickle"):
        kept.write_bytes(b"damaged")  # only ever a shortcut: the run reads the names again
    run = run_monitor(cases, Screener.open(home), "vendors", user="alice")
    assert run.stats["names_kept"] is False
    rows = by_row(run.changes)
    assert rows == {7: [(NEW_HIT, "user_watch:W4")]}  # the 7th data row of the edited master
    (change,) = run.changes
    assert change.cause == "master_edit" and change.list_change is None
    assert change.vendor == "Plumbrook Avionics Corporation"
    assert run_monitor(cases, Screener.open(home), "vendors", user="alice").changes == []


def test_monitor_names_are_checked(scenario: dict[str, Any]) -> None:
    with pytest.raises(MonitorError, match="monitor name"):
        add_monitor(scenario["cases"], Screener.open(scenario["home"]), "../x", scenario["master"], user="a")


def test_a_change_record_has_every_field_the_issue_names(scenario: dict[str, Any]) -> None:
    record = scenario["run2"].changes[0].to_dict()
    assert list(record)[1:12] == [
        "monitor",
        "row",
        "vendor",
        "change",
        "entity_id",
        "entity_name",
        "source",
        "list_change",
        "cause",
        "risk_before",
        "risk_after",
    ]
    json.dumps(record)
