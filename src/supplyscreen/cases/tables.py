"""The case database's tables: users, API keys, reviewer decisions, screening jobs, the audit log,
monitors and evidence.

Times are ISO 8601 UTC strings (``2026-03-01T09:30:00.123456Z``): they sort as text, read the same
on SQLite and PostgreSQL, and the audit hash is computed over exactly the stored text.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the case tables (Alembic migrations create them; see ``migrations/``)."""


class User(Base):
    """A person who signs in to the web UI; the password is stored as an scrypt hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    created: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: sessions issued at or before this time are refused (set when the user signs out)
    sessions_valid_after: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ApiKey(Base):
    """An API key: only its SHA-256 digest is kept, with a short prefix to recognise it by."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(20))
    user_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[str] = mapped_column(String(40))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Decision(Base):
    """A reviewer's decision on one (input name or identifier, list entity) pair.

    ``fingerprint`` is the entity's list memberships when the decision was made: a decision only
    applies while the entity's memberships are unchanged.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_pair", "subject", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(500))
    input_name: Mapped[str] = mapped_column(Text, default="")
    entity_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    user_name: Mapped[str] = mapped_column(String(200))
    created: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    list_version: Mapped[str] = mapped_column(String(100), default="")
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Job(Base):
    """A file screening started through the API or the web UI; ``user_name`` owns it."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[str] = mapped_column(String(40))
    finished: Mapped[str | None] = mapped_column(String(40), nullable=True)
    list_version: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """One row of the append-only audit log; ``hash`` chains it to the row before."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))
    user_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    list_version: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 of ``hash`` under the audit key (kept outside the database); None before revision 0003
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """The chain's head (one row): the last sequence number and hash, updated with every append.

    Appends lock this row first, so concurrent writers (server threads, the CLI) chain in turn; the
    head also reveals rows cut off the end of the log.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Monitor(Base):
    """A saved vendor master, re-screened when the lists change (``supplyscreen.monitor``)."""

    __tablename__ = "monitors"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    created: Mapped[str] = mapped_column(String(40))
    updated: Mapped[str] = mapped_column(String(40))
    user_name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    options: Mapped[str] = mapped_column(Text, default="{}")  # column mapping and sheet, as JSON
    rows: Mapped[int] = mapped_column(Integer, default=0)
    last_run: Mapped[str | None] = mapped_column(String(40), nullable=True)
    list_version: Mapped[str] = mapped_column(
        String(100), default=""
    )  # the lists its rows were screened with
    detectors: Mapped[str] = mapped_column(
        String(64), default=""
    )  # the detector data they were screened with


class MonitorRow(Base):
    """One row of a monitor's master: the record as read, and what its last screening found."""

    __tablename__ = "monitor_rows"
    __table_args__ = (Index("ix_monitor_rows_index", "monitor", "row", "key", "cause"),)

    monitor: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # digest of the row's identity
    row: Mapped[int] = mapped_column(Integer)
    vendor: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[str] = mapped_column(Text)  # JSON
    state: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON; None until screened
    previous: Mapped[str | None] = mapped_column(Text, nullable=True)  # state before an edit of the master
    cause: Mapped[str | None] = mapped_column(String(40), nullable=True)  # why it awaits a screening


class MonitorRun(Base):
    """One run of a monitor."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(String(200), index=True)
    started: Mapped[str] = mapped_column(String(40))
    finished: Mapped[str] = mapped_column(String(40))
    user_name: Mapped[str] = mapped_column(String(200))
    list_version: Mapped[str] = mapped_column(String(100))
    previous_version: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[str] = mapped_column(String(20))  # baseline, incremental, full, unchanged
    changes: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[str] = mapped_column(Text, default="{}")


class MonitorChange(Base):
    """One change a run reported: a (row, entity, source) that appeared, went away or changed, or a
    row whose risk changed; open until a reviewer marks it seen or a notification delivers it."""

    __tablename__ = "monitor_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(String(200), index=True)
    run_id: Mapped[int] = mapped_column(Integer)
    created: Mapped[str] = mapped_column(String(40))
    row: Mapped[int] = mapped_column(Integer)
    vendor: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    entity_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(String(100), nullable=True)
    list_change: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    cause: Mapped[str] = mapped_column(String(40))
    risk_before: Mapped[str | None] = mapped_column(String(20), nullable=True)
    risk_after: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, delivered, seen
    seen_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    seen_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    delivered_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class MonitorDelivery(Base):
    """One attempt series to deliver a run's changes to a webhook or a mailbox."""

    __tablename__ = "monitor_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    monitor: Mapped[str] = mapped_column(String(200), index=True)
    run_id: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(1000))
    ok: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(40))
    changes: Mapped[str] = mapped_column(Text, default="[]")  # the ids of the changes it carried


class EvidenceDocument(Base):
    """A document kept as evidence (a news article, a report), known by the SHA-256 of its bytes
    (``supplyscreen.cases.evidence``); ``date`` is its publication date (``YYYY-MM-DD``, ``YYYY-MM``
    or ``YYYY``)."""

    __tablename__ = "evidence_documents"
    __table_args__ = {"sqlite_autoincrement": True}  # a removed document's id is never given to another

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    filename: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))  # the format read: html, pdf, docx, eml, text …
    list_version: Mapped[str] = mapped_column(String(100), default="")  # the lists it was scanned with
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[str] = mapped_column(String(40))


class EvidenceMention(Base):
    """One list entity a stored document names (a verified mention): where, and the sentence."""

    __tablename__ = "evidence_mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evidence_documents.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[str] = mapped_column(String(200), index=True)
    entity_name: Mapped[str] = mapped_column(Text)
    lists: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of list codes
    text: Mapped[str] = mapped_column(Text)  # the mention as written
    page: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    verdict: Mapped[str] = mapped_column(String(20))
