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
"""

from supplyscreen.cases.accounts import ROLES, AccountError, Accounts, Principal
from supplyscreen.cases.audit import AuditLog, AuditWriter, VerifyResult
from supplyscreen.cases.casebook import Cases, local_user
from supplyscreen.cases.db import DATABASE_ENV, CaseDatabase, CaseDatabaseError, database_url
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

__all__ = [
    "DATABASE_ENV",
    "ROLES",
    "STATUSES",
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
    "VerifyResult",
    "database_url",
    "local_user",
    "membership_fingerprint",
    "name_subject",
]
