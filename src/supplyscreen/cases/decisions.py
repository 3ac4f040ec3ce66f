"""Reviewer decisions: "false positive, cleared by X on date, because …" or "confirmed", remembered.

A decision is kept against a pair: the input's normalised name (``name:hangzhou hikvision digital
technology``, legal forms and punctuation folded, so "Hikvision Co., Ltd." and "HIKVISION CO LTD"
are one subject) or identifier (``id:…``), and a list entity id. It carries the fingerprint of the
entity's list memberships when it was made: once they change (a new listing, a delisting, a changed
program or date) the decision no longer applies and the hit is raised again.

Screening applies decisions through :class:`DecisionLookup`, an in-memory snapshot handed to the
screening engine: a cleared pair keeps its hit, but its flags drop to ``info`` with the note
"cleared by … on …: comment", so nothing is silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from supplyscreen.cases.audit import AuditLog
from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import Decision
from supplyscreen.errors import SupplyscreenError
from supplyscreen.model import Entity, Flag, Hit, Record
from supplyscreen.names.index import normalise_identifier
from supplyscreen.screen.policy import clear_by_decision
from supplyscreen.store.linkage import link_key

STATUSES = ("confirmed", "false_positive")
MAX_COMMENT = 4000


class DecisionError(SupplyscreenError):
    """A decision cannot be recorded (unknown status, no name, unknown entity)."""


def name_subject(name: str) -> str:
    """The subject key of an input name: legal forms, case, accents and punctuation folded."""
    return "name:" + link_key(name)


def identifier_subject(value: str) -> str:
    """The subject key of an input identifier (registration number, USCC …)."""
    return "id:" + normalise_identifier(value)


def membership_fingerprint(entity: Entity | None) -> str:
    """SHA-256 over the entity's list memberships (list, program, dates, status), order-independent."""
    rows = sorted(
        json.dumps([m.list_code, m.program, m.listed_on, m.ends_on, m.status])
        for m in (entity.memberships if entity else [])
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DecisionNote:
    """One recorded decision, as screening and the UI read it."""

    id: int
    subject: str
    input_name: str
    entity_id: str
    status: str
    comment: str
    user: str
    created: str
    fingerprint: str
    list_version: str = ""
    job_id: str | None = None
    row: int | None = None

    @property
    def wording(self) -> str:
        """``cleared by alice on 2026-03-01: different company`` (or ``confirmed by …``)."""
        verb = "cleared" if self.status == "false_positive" else "confirmed"
        text = f"{verb} by {self.user} on {self.created[:10]}"
        return f"{text}: {self.comment}" if self.comment else text

    def to_dict(self) -> dict[str, Any]:
        """Every field but the membership fingerprint, which only screening compares."""
        return {k: v for k, v in asdict(self).items() if k != "fingerprint"}

    @classmethod
    def from_row(cls, row: Decision) -> DecisionNote:
        return cls(
            id=row.id,
            subject=row.subject,
            input_name=row.input_name,
            entity_id=row.entity_id,
            status=row.status,
            comment=row.comment,
            user=row.user_name,
            created=row.created,
            fingerprint=row.fingerprint,
            list_version=row.list_version,
            job_id=row.job_id,
            row=row.row,
        )


class DecisionLookup:
    """The decisions in force, by entity id and subject: what the screening engine consults per hit."""

    def __init__(self, notes: Iterable[DecisionNote] = ()) -> None:
        self._by_entity: dict[str, dict[str, DecisionNote]] = {}
        for note in sorted(notes, key=lambda n: n.id):  # the latest decision on a pair wins
            self._by_entity.setdefault(note.entity_id, {})[note.subject] = note

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_entity.values())

    def __bool__(self) -> bool:
        return bool(self._by_entity)

    def find(self, name: str | None, entity_id: str) -> DecisionNote | None:
        """The latest decision on (this input name, this entity), if any."""
        by_subject = self._by_entity.get(entity_id)
        if not by_subject or not name:
            return None
        return by_subject.get(name_subject(name))

    def apply(self, record: Record, hit: Hit, entity: Entity | None, flags: list[Flag]) -> list[Flag]:
        """The flags of one hit with its decision applied: cleared flags drop to ``info`` with the note.

        A decision whose entity has changed memberships since is reported in the evidence but applies
        no more.
        """
        note = self.find(record.name, hit.entity_id)
        if note is None:
            return flags
        evidence: dict[str, Any] = {**note.to_dict(), "note": note.wording, "applies": True}
        if note.fingerprint != membership_fingerprint(entity):
            evidence["applies"] = False
            evidence["note"] = (
                f"an earlier decision ({note.wording}) no longer applies: "
                "the entry's list memberships changed since"
            )
            for flag in flags:
                flag.evidence["decision"] = evidence
            return flags
        for flag in flags:
            flag.evidence["decision"] = evidence
            if note.status == "false_positive":
                clear_by_decision(flag, note.wording)
            else:
                flag.reason = f"{flag.reason} ({note.wording})"
        return flags


class DecisionBook:
    """Decisions in a case database, each with its row in ``audit`` when one is given."""

    def __init__(self, db: CaseDatabase, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit

    def record(
        self,
        *,
        entity_id: str,
        status: str,
        user: str,
        entity: Entity | None,
        name: str | None = None,
        identifier: str | None = None,
        comment: str = "",
        list_version: str = "",
        job_id: str | None = None,
        row: int | None = None,
    ) -> DecisionNote:
        """Store a decision on (name or identifier, entity), and its audit row (written at once:
        decisions are few and must not be lost); return it."""
        if status not in STATUSES:
            raise DecisionError(f"unknown decision {status!r}; use {' or '.join(STATUSES)}")
        if not (name and name.strip()) and not (identifier and identifier.strip()):
            raise DecisionError("a decision needs the input name or identifier it is about")
        subject = name_subject(name) if name and name.strip() else identifier_subject(identifier or "")
        if subject in ("name:", "id:"):
            raise DecisionError("the name or identifier has nothing left to match on once normalised")
        decision = Decision(
            subject=subject,
            input_name=(name or identifier or "").strip(),
            entity_id=entity_id,
            status=status,
            comment=comment.strip()[:MAX_COMMENT],
            user_name=user,
            created=utc_now(),
            fingerprint=membership_fingerprint(entity),
            list_version=list_version,
            job_id=job_id,
            row=row,
        )
        with self.db.session() as s:
            s.add(decision)
            s.flush()
            note = DecisionNote.from_row(decision)
        if self.audit is not None:
            self.audit.record(
                "decision", user, {**note.to_dict(), "fingerprint": note.fingerprint}, list_version
            )
        return note

    def all(self) -> list[DecisionNote]:
        with self.db.session() as s:
            return [DecisionNote.from_row(d) for d in s.scalars(select(Decision).order_by(Decision.id))]

    def lookup(self) -> DecisionLookup:
        """Every decision, latest per pair in force, for screening."""
        return DecisionLookup(self.all())

    def latest_id(self) -> int:
        """The newest decision's id (0 when none): tells a server whether its lookup is current."""
        with self.db.session() as s:
            return int(s.scalar(select(func.max(Decision.id))) or 0)

    def for_entity(self, entity_id: str) -> list[DecisionNote]:
        """Decisions on one entity, newest first."""
        with self.db.session() as s:
            rows = s.scalars(
                select(Decision).where(Decision.entity_id == entity_id).order_by(Decision.id.desc())
            )
            return [DecisionNote.from_row(d) for d in rows]
