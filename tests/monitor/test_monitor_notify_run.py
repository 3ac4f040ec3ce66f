"""A monitor run delivers its changes: a failed webhook is retried with backoff and recorded, the
changes stay open and go again with the next run, a delivered change is no longer open, and every
delivery is in the audit trail (issue 22)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from support.homes import small_home
from support.hooks import Waits, hook_server

from supplyscreen.cases import Cases
from supplyscreen.monitor.book import MonitorBook
from supplyscreen.monitor.run import add_monitor, run_monitor
from supplyscreen.screener import Screener
from supplyscreen.store import Store


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_changes_stay_open_until_a_delivery_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPPLYSCREEN_WEBHOOK_SECRET", "s3cret")
    home = small_home(tmp_path / "home")  # small lists: each new version is built in a moment
    cases = Cases.open(home=home)
    master = _csv(
        tmp_path / "m.csv", [["vendor", "address"], ["Quorvex Lumen Optics", "Wuhan"], ["Acme", "Phoenix"]]
    )
    add_monitor(cases, Screener.open(home), "m", master, user="u")
    header = ["id", "name", "aliases", "country", "notes", "schema"]
    Store.open(home).add_user_list(
        "watch", _csv(tmp_path / "w.csv", [header, ["1", "Quorvex Lumen Optics", "", "CN", "", "Company"]])
    )
    waits = Waits()
    with hook_server(500) as down:
        failed = run_monitor(cases, Screener.open(home), "m", user="u", notify=[down.url], sleep=waits)
    assert [c.change for c in failed.changes] == ["new_hit"]
    (delivery,) = failed.deliveries
    assert not delivery.ok and delivery.attempts == 4 and "500" in delivery.status
    assert waits == [1.0, 2.0, 4.0]  # backoff between the attempts
    book = MonitorBook(cases.db)
    assert [c.status for c in book.changes("m")] == ["open"]
    with hook_server(200) as up:
        again = run_monitor(cases, Screener.open(home), "m", user="u", notify=[up.url], sleep=Waits())
        assert again.changes == []  # nothing new, but the open change is sent again
        (received_headers, body) = up.received[0]
    payload = json.loads(body)
    assert [c["vendor"] for c in payload["changes"]] == ["Quorvex Lumen Optics"]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert received_headers["X-Supplyscreen-Signature"] == expected
    assert again.deliveries[0].ok
    assert [c.status for c in book.changes("m")] == ["delivered"]
    assert book.changes("m", status="open") == []
    notified = [json.loads(r.payload) for r in cases.audit.rows() if r.action == "monitor_notify"]
    assert [(n["ok"], n["attempts"]) for n in notified] == [(False, 4), (True, 1)]
    cases.close()
