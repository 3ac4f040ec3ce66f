"""News as evidence: documents kept beside the list entities they name, in the case database.

``add_document`` reads a file (a news article saved as HTML, a PDF report, an e-mail …), scans it
for list entities and stores, with the document's title, publication date, source and SHA-256, one
row per list entity it names: the verified mentions only (verdict ``match``), each with the sentence
that names it. An entity named equally by the same words (``also``: a parent and its listed
affiliates) gets its row too. A document that names no list entity is refused, so evidence never
holds unrelated documents (nor anything about the private persons they may name); a document whose
hash is stored already is refused unless it replaces the stored one.

Evidence is information beside a hit, never a flag by itself: screening does not read it. ``lists
show``, ``/entities/{id}`` and the web UI show where an entity is "mentioned in" (``mentions_of``).
Adding and removing evidence writes the audit log, as decisions do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from supplyscreen.cases.audit import AuditEvent
from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import EvidenceDocument, EvidenceMention
from supplyscreen.errors import SupplyscreenError

if TYPE_CHECKING:
    from supplyscreen.cases.casebook import Cases
    from supplyscreen.scan.model import Mention
    from supplyscreen.screener import Screener

MAX_TITLE = 1000
MAX_SOURCE = 500
MAX_URL = 2000
_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)


class EvidenceError(SupplyscreenError):
    """Evidence that cannot be stored or removed: a bad date, a document naming no list entity, a
    document stored already, an unknown evidence id."""


def check_date(value: str) -> str:
    """A publication date as stored: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, a real date."""
    text = (value or "").strip()
    ok = bool(_DATE.fullmatch(text))
    if ok:
        parts = [int(p) for p in text.split("-")]
        try:
            Date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError:
            ok = False
    if not ok:
        raise EvidenceError(
            f"date: {value!r} is not a publication date; give --date as YYYY-MM-DD, YYYY-MM or YYYY"
        )
    return text


def _check_text(name: str, value: str | None, limit: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise EvidenceError(f"{name}: evidence needs a {name} (--{name})")
    if len(text) > limit:
        raise EvidenceError(f"{name}: longer than {limit} characters")
    return text


def check_url(value: str | None) -> str | None:
    """Where the document was published: an http(s) address, or None."""
    text = (value or "").strip()
    if not text:
        return None
    if not _URL.fullmatch(text) or len(text) > MAX_URL:
        raise EvidenceError(f"url: {value!r} is not an http:// or https:// address")
    return text


def check_fields(*, date: str, source: str, title: str | None = None, url: str | None = None) -> None:
    """Refuse a bad date, source, title (when given) or URL before any document is read."""
    check_date(date)
    _check_text("source", source, MAX_SOURCE)
    if title is not None:
        _check_text("title", title, MAX_TITLE)
    check_url(url)


@dataclass(slots=True)
class StoredMention:
    """One list entity a document names, as stored: the first verified mention of it."""

    entity_id: str
    entity_name: str
    lists: list[str]
    text: str
    page: int
    start: int
    end: int
    sentence: str
    score: float | None
    verdict: str = "match"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verified_mentions(mentions: Iterable[Mention]) -> list[StoredMention]:
    """The list entities ``mentions`` name with a verified mention (verdict ``match``), one each (its
    first mention), the entities the same words name equally (``also``) included."""
    found: dict[str, StoredMention] = {}
    for m in mentions:
        if m.kind != "entity" or m.verdict != "match" or not m.entity_id:
            continue
        named = [
            (m.entity_id, m.entity_name or m.entity_id, list(m.lists)),
            *(
                (str(a["entity_id"]), str(a.get("entity_name") or a["entity_id"]), list(a.get("lists") or []))
                for a in m.detail.get("also") or []
                if a.get("entity_id")
            ),
        ]
        for entity_id, name, lists in named:
            if entity_id in found:
                continue
            found[entity_id] = StoredMention(
                entity_id=entity_id,
                entity_name=name,
                lists=lists,
                text=m.text,
                page=m.page,
                start=m.start,
                end=m.end,
                sentence=m.sentence,
                score=None if m.score is None else round(float(m.score), 4),
            )
    return list(found.values())


@dataclass(slots=True)
class EvidenceInfo:
    """A stored document and the list entities it names."""

    id: int
    sha256: str
    title: str
    date: str
    source: str
    url: str | None
    filename: str
    kind: str
    list_version: str
    added_by: str
    added_at: str
    mentions: list[StoredMention] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mentions"] = [m.to_dict() for m in self.mentions]
        return data

    def audit_payload(self) -> dict[str, Any]:
        """What the audit log keeps of it: the document and the entities, not their sentences."""
        return {
            "evidence_id": self.id,
            "sha256": self.sha256,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "filename": self.filename,
            "kind": self.kind,
            "entities": [m.entity_id for m in self.mentions],
        }

    @classmethod
    def of(cls, doc: EvidenceDocument, rows: Iterable[EvidenceMention]) -> EvidenceInfo:
        return cls(
            id=doc.id,
            sha256=doc.sha256,
            title=doc.title,
            date=doc.date,
            source=doc.source,
            url=doc.url,
            filename=doc.filename,
            kind=doc.kind,
            list_version=doc.list_version,
            added_by=doc.added_by,
            added_at=doc.added_at,
            mentions=[_stored(r) for r in rows],
        )


def _stored(row: EvidenceMention) -> StoredMention:
    return StoredMention(
        entity_id=row.entity_id,
        entity_name=row.entity_name,
        lists=list(json.loads(row.lists or "[]")),
        text=row.text,
        page=row.page,
        start=row.start,
        end=row.end,
        sentence=row.sentence,
        score=row.score,
        verdict=row.verdict,
    )


@dataclass(frozen=True, slots=True)
class MentionedIn:
    """Where an entity is mentioned: a stored document's title, date and source, and the sentence."""

    evidence_id: int
    title: str
    date: str
    source: str
    url: str | None
    snippet: str
    page: int
    entity_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def api_dict(self) -> dict[str, Any]:
        """The shape ``/entities/{id}`` answers in ``mentioned_in``."""
        return {
            "evidence_id": self.evidence_id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "snippet": self.snippet,
            "page": self.page,
        }


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``add_evidence`` stored, the evidence it replaced (with ``replace``), how many verified
    mentions the document holds (an entity named twice counts twice; one row is kept per entity), and
    the attachments that could not be read."""

    evidence: EvidenceInfo
    replaced: EvidenceInfo | None = None
    mentions: int = 0
    skipped: tuple[str, ...] = ()


def _existing(s: Any, sha256: str) -> EvidenceInfo | None:
    doc = s.scalars(select(EvidenceDocument).where(EvidenceDocument.sha256 == sha256)).first()
    if doc is None:
        return None
    return EvidenceInfo.of(doc, _rows(s, [doc.id]).get(doc.id, []))


def _rows(s: Any, ids: list[int]) -> dict[int, list[EvidenceMention]]:
    out: dict[int, list[EvidenceMention]] = {}
    if not ids:
        return out
    query = (
        select(EvidenceMention)
        .where(EvidenceMention.document_id.in_(ids))
        .order_by(EvidenceMention.document_id, EvidenceMention.id)
    )
    for row in s.scalars(query):
        out.setdefault(row.document_id, []).append(row)
    return out


def _already(found: EvidenceInfo, filename: str) -> EvidenceError:
    return EvidenceError(
        f"{filename} is stored already as evidence {found.id} ({found.title!r}, {found.date}, added by "
        f"{found.added_by} on {found.added_at[:10]}); give --replace to store it again"
    )


def add_evidence(
    cases: Cases,
    mentions: Iterable[Mention],
    *,
    sha256: str,
    title: str,
    date: str,
    source: str,
    filename: str,
    kind: str,
    user: str,
    url: str | None = None,
    list_version: str = "",
    replace: bool = False,
) -> AddResult:
    """Store a scanned document's verified entity mentions as evidence, and its audit rows.

    Refused (:class:`EvidenceError`): a bad date, title or source; a document that names no list
    entity; a document whose ``sha256`` is stored already, unless ``replace`` (the stored one and its
    mentions are then removed, in the same transaction)."""
    date = check_date(date)
    title = _check_text("title", title, MAX_TITLE)
    source = _check_text("source", source, MAX_SOURCE)
    url = check_url(url)
    mentions = list(mentions)
    stored = verified_mentions(mentions)
    if not stored:
        raise EvidenceError(f"no list entity is named in {filename}; nothing stored")
    replaced: EvidenceInfo | None = None
    try:
        with cases.db.session() as s:
            found = _existing(s, sha256)
            if found is not None:
                if not replace:
                    raise _already(found, filename)
                replaced = found
                s.execute(delete(EvidenceMention).where(EvidenceMention.document_id == found.id))
                s.execute(delete(EvidenceDocument).where(EvidenceDocument.id == found.id))
                s.flush()
            doc = EvidenceDocument(
                sha256=sha256,
                title=title,
                date=date,
                source=source,
                url=url,
                filename=filename[:500],
                kind=kind[:20],
                list_version=list_version,
                added_by=user,
                added_at=utc_now(),
            )
            s.add(doc)
            s.flush()
            rows = [
                EvidenceMention(
                    document_id=doc.id,
                    entity_id=m.entity_id,
                    entity_name=m.entity_name,
                    lists=json.dumps(m.lists),
                    text=m.text,
                    page=m.page,
                    start=m.start,
                    end=m.end,
                    sentence=m.sentence,
                    score=m.score,
                    verdict=m.verdict,
                )
                for m in stored
            ]
            s.add_all(rows)
            s.flush()
            info = EvidenceInfo.of(doc, rows)
    except IntegrityError:  # the same document stored meanwhile by another process
        with cases.db.session() as s:
            found = _existing(s, sha256)
        if found is None:
            raise
        raise _already(found, filename) from None
    events = []
    if replaced is not None:
        events.append(
            AuditEvent(
                "evidence_remove",
                user,
                {**replaced.audit_payload(), "replaced_by": info.id},
                list_version,
            )
        )
    events.append(
        AuditEvent(
            "evidence_add",
            user,
            {**info.audit_payload(), "replaces": replaced.id if replaced else None},
            list_version,
        )
    )
    cases.audit.append(events)
    verified = sum(1 for m in mentions if m.kind == "entity" and m.verdict == "match" and m.entity_id)
    return AddResult(info, replaced, verified)


def add_document(
    cases: Cases,
    screener: Screener,
    path: Path,
    *,
    date: str,
    source: str,
    user: str,
    title: str | None = None,
    url: str | None = None,
    replace: bool = False,
) -> AddResult:
    """Read a file (``scan.documents.read_document``), scan it with ``screener`` and store what it
    names (:func:`add_evidence`). The title defaults to the document's own (an HTML ``<title>``, an
    e-mail's subject), else the file's name. The date, title and source are checked before the file
    is read."""
    from supplyscreen.scan.documents import read_document
    from supplyscreen.scan.run import scan_document

    check_fields(date=date, source=source, title=title, url=url)
    path = Path(path)
    doc = read_document(path)
    mentions = scan_document(screener, doc)
    result = add_evidence(
        cases,
        mentions,
        sha256=doc.sha256,
        title=title if title is not None else (" ".join(doc.title.split())[:MAX_TITLE] or path.name),
        date=date,
        source=source,
        filename=path.name,
        kind=doc.kind,
        user=user,
        url=url,
        list_version=screener.snapshot_version,
        replace=replace,
    )
    skipped = tuple(str(e) for e in _errors(doc))
    return AddResult(result.evidence, result.replaced, result.mentions, skipped)


def _errors(doc: Any) -> list[Any]:
    """The attachments of a document (at any depth) that could not be read."""
    return [*doc.errors, *(e for a in doc.attachments for e in _errors(a))]


def list_evidence(db: CaseDatabase, entity_id: str | None = None) -> list[EvidenceInfo]:
    """The stored documents (those naming ``entity_id`` when given), oldest first."""
    with db.session() as s:
        query = select(EvidenceDocument).order_by(EvidenceDocument.id)
        if entity_id is not None:
            named = select(EvidenceMention.document_id).where(EvidenceMention.entity_id == entity_id)
            query = query.where(EvidenceDocument.id.in_(named))
        docs = list(s.scalars(query))
        rows = _rows(s, [d.id for d in docs])
        return [EvidenceInfo.of(d, rows.get(d.id, [])) for d in docs]


def get_evidence(db: CaseDatabase, evidence_id: int) -> EvidenceInfo:
    """One stored document; :class:`EvidenceError` when there is none of that id."""
    with db.session() as s:
        doc = s.get(EvidenceDocument, evidence_id)
        if doc is None:
            raise EvidenceError(f"no evidence {evidence_id} (`evidence list` shows what is stored)")
        return EvidenceInfo.of(doc, _rows(s, [doc.id]).get(doc.id, []))


def mentions_of(db: CaseDatabase, entity_id: str) -> list[MentionedIn]:
    """Where the entity ``entity_id`` (its list key) is mentioned: newest publication first."""
    return mentions_by_entity(db, [entity_id]).get(entity_id, [])


def mentions_by_entity(db: CaseDatabase, entity_ids: Iterable[str]) -> dict[str, list[MentionedIn]]:
    """:func:`mentions_of` for several entities at once (a row's hits), by entity id; an entity no
    document mentions is left out."""
    wanted = sorted(set(entity_ids))
    if not wanted:
        return {}
    with db.session() as s:
        query = (
            select(EvidenceMention, EvidenceDocument)
            .join(EvidenceDocument, EvidenceDocument.id == EvidenceMention.document_id)
            .where(EvidenceMention.entity_id.in_(wanted))
        )
        found = [
            MentionedIn(
                evidence_id=doc.id,
                title=doc.title,
                date=doc.date,
                source=doc.source,
                url=doc.url,
                snippet=row.sentence,
                page=row.page,
                entity_id=row.entity_id,
            )
            for row, doc in s.execute(query)
        ]
    found.sort(key=lambda m: (m.date, m.evidence_id), reverse=True)
    out: dict[str, list[MentionedIn]] = {}
    for m in found:
        out.setdefault(m.entity_id, []).append(m)
    return out


def remove_evidence(cases: Cases, evidence_id: int, *, user: str, list_version: str = "") -> EvidenceInfo:
    """Remove a stored document and its mentions, and write the audit row; returns what was removed."""
    with cases.db.session() as s:
        doc = s.get(EvidenceDocument, evidence_id)
        if doc is None:
            raise EvidenceError(f"no evidence {evidence_id} (`evidence list` shows what is stored)")
        info = EvidenceInfo.of(doc, _rows(s, [doc.id]).get(doc.id, []))
        s.execute(delete(EvidenceMention).where(EvidenceMention.document_id == evidence_id))
        s.execute(delete(EvidenceDocument).where(EvidenceDocument.id == evidence_id))
    cases.audit.record("evidence_remove", user, info.audit_payload(), list_version)
    return info
