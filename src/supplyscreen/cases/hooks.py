"""Where cases meet the rest: decisions and audit for a CLI screening, audit rows for list changes.

The list store knows nothing of cases; it calls the listeners in
``supplyscreen.store.store.ACTIVATION_LISTENERS`` after switching snapshots, and
:func:`install_list_audit` adds one that writes a ``lists.activate`` audit row when a case
database exists. This module imports SQLAlchemy only when there is a database to talk to, so the
CLI can register the listener at start-up for free.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from supplyscreen.settings import DATABASE_ENV, DB_FILENAME, default_home
from supplyscreen.store.store import ACTIVATION_LISTENERS


def has_database(url: str | None, home: str | Path | None) -> bool:
    """Whether a case database is configured or exists, decided without importing SQLAlchemy."""
    if url or os.environ.get(DATABASE_ENV):
        return True
    base = Path(home).expanduser() if home else default_home()
    return (base / DB_FILENAME).is_file()


class ScreeningCases:
    """A CLI screening's link to the case database: the decisions it applies, the audit row it leaves."""

    def __init__(self, cases: Any, screener: Any) -> None:
        self.cases = cases
        self.screener = screener
        self.lookup = cases.decisions.lookup()
        screener.decisions = self.lookup if self.lookup else None

    def record(self, input_path: Path, outcome: Any) -> None:
        """Write the screening's audit row."""
        from supplyscreen.cases.casebook import local_user, screening_payload

        payload = screening_payload(Path(input_path), outcome, decisions=len(self.lookup), via="cli")
        self.cases.audit.record("screening", local_user(), payload, self.screener.snapshot_version)

    def close(self) -> None:
        self.cases.close()


def screening_cases(url: str | None, home: str | Path | None, screener: Any) -> ScreeningCases | None:
    """Decisions applied to ``screener`` and an audit trail, when a case database exists; else None."""
    if not has_database(url, home):
        return None
    from supplyscreen.cases.casebook import Cases

    cases = Cases.open_existing(url, home)
    return ScreeningCases(cases, screener) if cases else None


def list_change_payload(store: Any, previous: str, version: str) -> dict[str, Any]:
    """What an audit row keeps of a snapshot switch: both versions and each source's counts and digests."""
    sources = {}
    for code, info in store.snapshot.sources.items():
        sources[code] = {
            "entities": info.entities,
            "snapshot_date": info.snapshot_date,
            "files": {role: f.get("sha256") for role, f in info.files.items()},
        }
    return {"previous": previous, "version": version, "sources": sources}


def audit_list_change(store: Any, previous: str, version: str) -> None:
    """Listener: a ``lists.activate`` audit row in the store's case database, if it has one."""
    if not has_database(None, store.home):
        return
    from supplyscreen.cases.casebook import Cases, local_user

    try:
        cases = Cases.open(None, store.home)
        try:
            payload = list_change_payload(store, previous, version)
            cases.audit.record("lists.activate", local_user(), payload, version)
        finally:
            cases.close()
    except Exception as exc:  # the switch has happened; a failed audit write is reported, not hidden
        print(f"warning: could not write the audit row for the list change: {exc}", file=sys.stderr)


def install_list_audit() -> None:
    """Register :func:`audit_list_change` with the store (once)."""
    if audit_list_change not in ACTIVATION_LISTENERS:
        ACTIVATION_LISTENERS.append(audit_list_change)
