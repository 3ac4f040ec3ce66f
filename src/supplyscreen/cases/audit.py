"""The append-only audit log: every screening, decision and list update, chained by SHA-256.

Each row holds a sequence number, time, user, action, the list snapshot version in force and a
JSON payload; its ``hash`` is SHA-256 over the previous row's hash and the row's canonical JSON, so
changing, removing or reordering any row breaks the chain from there on. ``verify`` walks the chain
and names the first bad row; the chain's head (kept in ``audit_head``) also exposes rows cut off the
end. Database triggers refuse UPDATE and DELETE on the log.

The server writes through :class:`AuditWriter`, a background thread that appends queued rows in
batches, so a match request never waits for the database.
"""

from __future__ import annotations

import csv
import hashlib
import json
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from supplyscreen.cases.db import CaseDatabase, utc_now
from supplyscreen.cases.tables import AuditEntry, AuditHead
from supplyscreen.errors import SupplyscreenError

GENESIS = "0" * 64
EXPORT_FORMATS = ("csv", "jsonl")
COLUMNS = ("seq", "ts", "user", "action", "list_version", "payload", "prev_hash", "hash")
BATCH = 500


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the one text form a payload is stored and hashed as."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_hash(
    prev_hash: str, seq: int, ts: str, user: str, action: str, list_version: str, payload: str
) -> str:
    """SHA-256 over the previous hash and the row's canonical form."""
    body = canonical_json(
        {
            "seq": seq,
            "ts": ts,
            "user": user,
            "action": action,
            "list_version": list_version,
            "payload": payload,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A row to append: who did what, against which list version, with what details."""

    action: str
    user: str
    payload: dict[str, Any]
    list_version: str = ""
    ts: str = ""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of checking the chain: rows checked, and the first bad row with why (None when intact)."""

    rows: int
    bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None and not self.reason


class AuditError(SupplyscreenError):
    """The audit log cannot be written or exported."""


class AuditLog:
    """Appending to, checking and exporting the audit log of one case database."""

    def __init__(self, db: CaseDatabase) -> None:
        self.db = db

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        """Append events in order, in one transaction; returns their sequence numbers."""
        if not events:
            return []
        with self.db.session() as s:
            # update first: it takes the write lock on the head row (SQLite: the database), so
            # concurrent appenders chain one after the other
            s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 0))
            head = s.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
            seq, prev = head.seq, head.hash
            numbers = []
            for event in events:
                seq += 1
                ts = event.ts or utc_now()
                payload = canonical_json(event.payload)
                digest = row_hash(prev, seq, ts, event.user, event.action, event.list_version, payload)
                s.add(
                    AuditEntry(
                        seq=seq,
                        ts=ts,
                        user_name=event.user,
                        action=event.action,
                        list_version=event.list_version,
                        payload=payload,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                prev = digest
                numbers.append(seq)
            head.seq, head.hash = seq, prev
        return numbers

    def record(self, action: str, user: str, payload: dict[str, Any], list_version: str = "") -> int:
        """Append one event now (the CLI's way); returns its sequence number."""
        return self.append([AuditEvent(action, user, payload, list_version)])[0]

    def rows(
        self, *, since: int = 0, limit: int | None = None, action: str | None = None
    ) -> Iterator[AuditEntry]:
        """Rows in chain order, from sequence number ``since + 1``, streamed in pages."""
        page = 2000
        last = since
        left = limit
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            with self.db.session() as s:
                query = select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(size)
                if action:
                    query = query.where(AuditEntry.action == action)
                batch = list(s.scalars(query))
            if not batch:
                return
            yield from batch
            last = batch[-1].seq
            if left is not None:
                left -= len(batch)

    def count(self) -> int:
        with self.db.session() as s:
            return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def verify(self) -> VerifyResult:
        """Check every row's hash and link, the sequence, and the head; name the first bad row."""
        prev, expected, n = GENESIS, 1, 0
        for row in self.rows():
            n += 1
            if row.seq != expected:
                return VerifyResult(n, expected, f"row {expected} is missing (the next row is {row.seq})")
            if row.prev_hash != prev:
                return VerifyResult(n, row.seq, f"row {row.seq} does not link to row {row.seq - 1}")
            digest = row_hash(
                row.prev_hash, row.seq, row.ts, row.user_name, row.action, row.list_version, row.payload
            )
            if digest != row.hash:
                return VerifyResult(n, row.seq, f"row {row.seq} was changed after it was written")
            prev, expected = row.hash, expected + 1
        with self.db.session() as s:
            head = s.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
        if head.seq != n or head.hash != prev:
            return VerifyResult(
                n, n + 1 if head.seq > n else None, f"the log ends at row {n} but its head says {head.seq}"
            )
        return VerifyResult(n)

    def export(self, out: Path, fmt: str, *, since: int = 0) -> int:
        """Write the log (from ``since``) as CSV or JSON lines; returns the number of rows written."""
        if fmt not in EXPORT_FORMATS:
            raise AuditError(f"unknown export format {fmt!r}; use {' or '.join(EXPORT_FORMATS)}")
        tmp = out.with_name(out.name + ".tmp")
        n = 0
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for line in export_lines(self.rows(since=since), fmt):
                fh.write(line)
                n += 1
        tmp.replace(out)
        return n - (1 if fmt == "csv" else 0)


def entry_dict(row: AuditEntry) -> dict[str, Any]:
    """One row as a dict with the export's column names."""
    return {
        "seq": row.seq,
        "ts": row.ts,
        "user": row.user_name,
        "action": row.action,
        "list_version": row.list_version,
        "payload": row.payload,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


class _Line:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)


def export_lines(rows: Iterator[AuditEntry], fmt: str) -> Iterator[str]:
    """The export, line by line (CSV with a header row, or JSON lines); payloads stay the hashed text."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(entry_dict(row), ensure_ascii=False) + "\n"
        return
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(COLUMNS)
    yield line.text
    for row in rows:
        line.text = ""
        values = entry_dict(row)
        writer.writerow([values[c] for c in COLUMNS])
        yield line.text


class AuditWriter:
    """Appends audit events from a background thread, in batches, so callers never wait on the database."""

    def __init__(self, log: AuditLog, *, batch: int = BATCH) -> None:
        self.log = log
        self.batch = batch
        self._queue: queue.Queue[AuditEvent | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="supplyscreen-audit", daemon=True)
        self._failures = 0
        self._thread.start()

    def submit(self, action: str, user: str, payload: dict[str, Any], list_version: str = "") -> None:
        """Queue an event; its time is taken now, its row is written shortly after."""
        self._queue.put(AuditEvent(action, user, payload, list_version, utc_now()))

    @property
    def failures(self) -> int:
        """Batches that could not be written (they are retried; a persistent failure shows in /readyz)."""
        return self._failures

    def _run(self) -> None:
        stopping = False
        while True:
            if stopping:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    return
            else:
                item = self._queue.get()
            taken, events = 1, []
            while True:
                if item is None:
                    stopping = True
                else:
                    events.append(item)
                if len(events) >= self.batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
            if events:
                self._write(events)
            for _ in range(taken):
                self._queue.task_done()

    def _write(self, events: list[AuditEvent]) -> None:
        for attempt in range(5):
            try:
                self.log.append(events)
                return
            except Exception:  # a locked or unreachable database: retry, then count the loss
                if attempt == 4:
                    self._failures += 1
                threading.Event().wait(0.2 * (attempt + 1))

    def flush(self) -> None:
        """Wait until every queued event is written."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)
