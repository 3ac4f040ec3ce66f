"""Screening jobs started through the service: who uploaded what (the job's owner), progress, outcome.

A job is ``queued``, ``running``, then ``done``, ``failed`` or ``cancelled``. Updates made while a
job runs can be made conditional on its state (``when``), so a cancellation recorded by any process
is seen by the one screening at its next progress update.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import Job


@dataclass(slots=True)
class JobInfo:
    """A job as the API reports it."""

    id: str
    user: str
    filename: str
    status: str
    rows_done: int
    created: str
    finished: str | None
    list_version: str
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _info(row: Job) -> JobInfo:
    return JobInfo(
        id=row.id,
        user=row.user_name,
        filename=row.filename,
        status=row.status,
        rows_done=row.rows_done,
        created=row.created,
        finished=row.finished,
        list_version=row.list_version,
        summary=json.loads(row.summary or "{}"),
        error=row.error,
    )


UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")


class JobBook:
    """Jobs in a case database."""

    def __init__(self, db: CaseDatabase) -> None:
        self.db = db

    def create(self, job_id: str, user: str, filename: str, list_version: str) -> JobInfo:
        row = Job(
            id=job_id,
            user_name=user,
            filename=filename,
            status="queued",
            rows_done=0,
            created=utc_now(),
            list_version=list_version,
            summary="{}",
        )
        with self.db.session() as s:
            s.add(row)
        return _info(row)

    def update(self, job_id: str, *, when: tuple[str, ...] | None = None, **values: Any) -> bool:
        """Set fields (``status``, ``rows_done``, ``summary`` as a dict, ``error``); finishing sets a time.

        With ``when``, only a job in one of those states is changed. Whether a row was changed.
        """
        if "summary" in values:
            values["summary"] = json.dumps(values["summary"], ensure_ascii=False, default=str)
        if values.get("status") in FINISHED:
            values.setdefault("finished", utc_now())
        query = update(Job).where(Job.id == job_id)
        if when is not None:
            query = query.where(Job.status.in_(when))
        with self.db.session() as s:
            result = s.execute(query.values(**values))
            return bool(getattr(result, "rowcount", 0))

    def start(self, job_id: str) -> bool:
        """Mark a queued job running; False when it is not queued (cancelled before it started)."""
        return self.update(job_id, when=("queued",), status="running")

    def cancel(self, job_id: str, by: str = "") -> bool:
        """Mark a queued or running job cancelled; False when it had finished already."""
        reason = f"cancelled by {by}" if by else "cancelled"
        return self.update(job_id, when=UNFINISHED, status="cancelled", error=reason)

    def get(self, job_id: str) -> JobInfo | None:
        with self.db.session() as s:
            row = s.get(Job, job_id)
            return _info(row) if row else None

    def recent(self, limit: int = 20, user: str | None = None) -> list[JobInfo]:
        with self.db.session() as s:
            query = select(Job).order_by(Job.created.desc()).limit(limit)
            if user:
                query = query.where(Job.user_name == user)
            return [_info(r) for r in s.scalars(query)]

    def expired(self, before: str) -> list[str]:
        """The finished jobs created before ``before`` (a time as the table stores it)."""
        with self.db.session() as s:
            query = select(Job.id).where(Job.created < before, Job.status.in_(FINISHED))
            return list(s.scalars(query))

    def delete(self, job_ids: list[str]) -> int:
        """Remove jobs' rows; returns how many."""
        removed = 0
        with self.db.session() as s:
            for start in range(0, len(job_ids), 500):
                result = s.execute(delete(Job).where(Job.id.in_(job_ids[start : start + 500])))
                removed += int(getattr(result, "rowcount", 0) or 0)
        return removed

    def interrupt_unfinished(self) -> int:
        """Mark jobs left queued or running by a stopped server as failed; returns how many."""
        with self.db.session() as s:
            result = s.execute(
                update(Job)
                .where(Job.status.in_(UNFINISHED))
                .values(status="failed", error="interrupted: the server stopped", finished=utc_now())
            )
            return int(getattr(result, "rowcount", 0) or 0)
