"""Review decisions and the audit trail, through SQLAlchemy: SQLite by default, PostgreSQL when configured.

Public API::

    from supplyscreen.cases import Cases
    cases = Cases.open()                      # $SUPPLYSCREEN_DATABASE_URL or <home>/supplyscreen.db
    cases.accounts.add_user("alice", "a long password", "reviewer")
    key = cases.accounts.create_key("viewer")
    cases.decide(user="alice", name="Hikvision USA", entity_id="…", status="false_positive",
                 comment="different company", entity=store.get("…"))
    screener.decisions = cases.decisions.lookup()   # cleared pairs are not flagged again
    cases.audit.verify().ok

Names load on first use, so ``supplyscreen.cases.hooks`` can be imported without SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplyscreen.cases.accounts import ROLES, AccountError, Accounts, Principal
    from supplyscreen.cases.audit import AuditLog, AuditWriter, VerifyResult
    from supplyscreen.cases.casebook import Cases, local_user
    from supplyscreen.cases.db import CaseDatabase, CaseDatabaseError, database_url
    from supplyscreen.cases.decisions import (
        STATUSES,
        DecisionBook,
        DecisionError,
        DecisionLookup,
        DecisionNote,
        membership_fingerprint,
        name_subject,
    )
    from supplyscreen.cases.jobs import JobBook, JobInfo

_EXPORTS = {
    "ROLES": "accounts",
    "AccountError": "accounts",
    "Accounts": "accounts",
    "Principal": "accounts",
    "AuditLog": "audit",
    "AuditWriter": "audit",
    "VerifyResult": "audit",
    "Cases": "casebook",
    "local_user": "casebook",
    "CaseDatabase": "db",
    "CaseDatabaseError": "db",
    "database_url": "db",
    "STATUSES": "decisions",
    "DecisionBook": "decisions",
    "DecisionError": "decisions",
    "DecisionLookup": "decisions",
    "DecisionNote": "decisions",
    "membership_fingerprint": "decisions",
    "name_subject": "decisions",
    "JobBook": "jobs",
    "JobInfo": "jobs",
}

__all__ = [
    "AccountError",
    "Accounts",
    "AuditLog",
    "AuditWriter",
    "CaseDatabase",
    "CaseDatabaseError",
    "Cases",
    "DecisionBook",
    "DecisionError",
    "DecisionLookup",
    "DecisionNote",
    "JobBook",
    "JobInfo",
    "Principal",
    "ROLES",
    "STATUSES",
    "VerifyResult",
    "database_url",
    "local_user",
    "membership_fingerprint",
    "name_subject",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'supplyscreen.cases' has no attribute {name!r}")
    return getattr(import_module(f"supplyscreen.cases.{module}"), name)
