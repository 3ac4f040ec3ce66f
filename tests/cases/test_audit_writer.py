"""The audit writer loses no event (issue 19, D1 and point 3): text that is no valid Unicode is made
valid before it is queued, a batch the database refuses is written event by event, an event the
database cannot take waits in a spool file that is written back later, and readiness says so while
anything waits."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.cases import AuditWriter, Cases
from supplyscreen.cases.audit import sanitised


@pytest.fixture
def cases(tmp_path: Path) -> Cases:
    return Cases.open(home=tmp_path / "home")


class FlakyLog:
    """The real log, whose database is down for the first ``down`` appends (as if its connection was
    killed mid-batch), and refuses any batch holding ``poison`` text."""

    def __init__(self, log: Any, down: int = 0, poison: str | None = None) -> None:
        self.log, self.down, self.poison = log, down, poison
        self.calls = 0
        self.lock = threading.Lock()

    def append(self, events: list[Any]) -> list[int]:
        with self.lock:
            self.calls += 1
            if self.calls <= self.down:
                raise ConnectionError("server closed the connection unexpectedly")
        if self.poison and any(self.poison in json.dumps(e.payload) for e in events):
            raise ValueError("a value the database will not take")
        return list(self.log.append(events))


def _users(cases: Cases) -> list[str]:
    return [row.user_name for row in cases.audit.rows()]


def test_a_lone_surrogate_among_1000_lookups_with_the_database_down_mid_batch_loses_nothing(
    cases: Cases, tmp_path: Path
) -> None:
    flaky = FlakyLog(cases.audit, down=4)
    writer = AuditWriter(flaky, batch=100, spool=tmp_path / "spool.jsonl")  # type: ignore[arg-type]
    writer._retry_wait = 0.001  # noqa: SLF001 - keep the retries short in a test
    for n in range(1000):
        writer.submit("match", f"user{n}", {"q": f"Acme {n}"})
        if n == 500:
            writer.submit("match", "mallory", {"q": "\ud800x", "\udfff": ["\ud83d"]})
    writer.flush()
    writer.close()
    users = _users(cases)
    assert sorted(u for u in users if u != "mallory") == sorted(f"user{n}" for n in range(1000))
    (bad,) = [row for row in cases.audit.rows() if row.user_name == "mallory"]
    assert json.loads(bad.payload) == {"q": "\ufffdx", "\ufffd": ["\ufffd"]}
    assert writer.pending == 0 and cases.audit.verify().ok


def test_an_event_the_database_refuses_waits_in_the_spool_and_is_written_when_a_writer_starts(
    cases: Cases, tmp_path: Path
) -> None:
    spool = tmp_path / "spool.jsonl"
    writer = AuditWriter(FlakyLog(cases.audit, poison="poison"), spool=spool)  # type: ignore[arg-type]
    writer._retry_wait = 0.001  # noqa: SLF001
    for n in range(10):
        writer.submit("match", f"user{n}", {"q": "poison" if n == 3 else f"Acme {n}"})
    writer.flush()
    assert writer.pending == 1  # readiness: something waits
    assert sorted(_users(cases)) == sorted(f"user{n}" for n in range(10) if n != 3)  # the others are in
    assert stat.S_IMODE(os.stat(spool).st_mode) == 0o600
    writer.close()
    again = AuditWriter(cases.audit, spool=spool)  # the database takes it now: replayed at start
    again.flush()
    again.submit("match", "later", {"q": "x"})
    again.flush()
    again.close()
    assert "user3" in _users(cases) and again.pending == 0 and not spool.exists()
    assert cases.audit.verify().ok


def test_sanitised_keeps_valid_text_and_other_values_as_they_are() -> None:
    value = {"name": "华为 Ürümqi 😀", "n": 3, "ok": True, "none": None, "list": ["a", 1.5]}
    assert sanitised(value) == value
    assert sanitised("\ud800") == "\ufffd"
