"""One object for a case database: accounts, decisions, jobs and the audit log together."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from supplyscreen.cases.accounts import Accounts
from supplyscreen.cases.audit import AuditLog
from supplyscreen.cases.db import CaseDatabase, database_exists, database_url
from supplyscreen.cases.decisions import DecisionBook
from supplyscreen.cases.jobs import JobBook
from supplyscreen.settings import USER_ENV
from supplyscreen.store.build import sha256_file


def local_user() -> str:
    """Who runs a CLI command: ``$SUPPLYSCREEN_USER``, else the operating-system user."""
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "unknown"


class Cases:
    """Accounts, decisions, jobs and the audit log of one case database."""

    def __init__(self, db: CaseDatabase, home: str | Path | None = None) -> None:
        self.db = db
        self.accounts = Accounts(db)
        # the audit key lives outside the database: the environment, or a file in the data directory
        self.audit = AuditLog(db, home=home)
        self.decisions = DecisionBook(db, self.audit)
        #: Record a decision and its audit row: :meth:`DecisionBook.record`.
        self.decide = self.decisions.record
        self.jobs = JobBook(db)

    @classmethod
    def open(cls, url: str | None = None, home: str | Path | None = None) -> Cases:
        """Open (creating or migrating) the database named by ``url``, the environment or the home dir."""
        return cls(CaseDatabase.open(url, home), home)

    @classmethod
    def open_existing(cls, url: str | None = None, home: str | Path | None = None) -> Cases | None:
        """The case database if there is one (a configured server, or an existing SQLite file), else None."""
        resolved = database_url(url, home)
        return cls(CaseDatabase(resolved), home) if database_exists(resolved) else None

    def close(self) -> None:
        self.db.close()


def screening_payload(input_path: Path, outcome: Any, *, decisions: int, via: str) -> dict[str, Any]:
    """What the audit log keeps of a file screening: the input's name and digest, totals, output."""
    summary = outcome.summary
    return {
        "via": via,
        "input": input_path.name,
        "input_sha256": sha256_file(input_path) if input_path.is_file() else None,
        "rows": summary.rows_total,
        "by_risk": dict(summary.by_risk),
        "by_flag": dict(summary.by_flag),
        "errors": summary.errors,
        "output": str(outcome.output),
        "decisions_in_force": decisions,
    }
