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
import hmac
import json
import os
import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from supplyscreen.cases.db import CaseDatabase, sqlite_path, utc_now
from supplyscreen.cases.tables import AuditEntry, AuditHead
from supplyscreen.errors import SupplyscreenError
from supplyscreen.settings import default_home

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


#: The audit key, as text (else ``$SUPPLYSCREEN_AUDIT_KEY_FILE``, else ``<home>/audit.key``, made 0600).
KEY_ENV = "SUPPLYSCREEN_AUDIT_KEY"
KEY_FILE_ENV = "SUPPLYSCREEN_AUDIT_KEY_FILE"
KEY_FILENAME = "audit.key"


def audit_key(home: str | Path | None = None, database: str | None = None) -> bytes:
    """The key that marks audit rows, kept outside the database: ``$SUPPLYSCREEN_AUDIT_KEY``, else
    the file ``$SUPPLYSCREEN_AUDIT_KEY_FILE``, else ``audit.key`` beside a SQLite database file (the
    database URL ``database``), else in the data directory ``home`` (made on first use, 0600).
    Whoever can rewrite the database but not read this key cannot forge the rows' marks."""
    text = os.environ.get(KEY_ENV)
    if text:
        return text.encode()
    beside = sqlite_path(database) if database else None
    base = beside.parent if beside else Path(home).expanduser() if home else default_home()
    path = Path(os.environ.get(KEY_FILE_ENV) or base / KEY_FILENAME)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made meanwhile by another process
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    key = path.read_bytes().strip()
    if not key:
        raise AuditError(f"{path}: the audit key file is empty")
    return key


def mark(key: bytes, text: str) -> str:
    """HMAC-SHA256 of ``text`` under ``key``, hex."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


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
    unkeyed: int = 0  # rows written before the log was keyed (no mark to check)

    @property
    def ok(self) -> bool:
        return self.bad_seq is None and not self.reason


class AuditError(SupplyscreenError):
    """The audit log cannot be written or exported."""


class AuditLog:
    """Appending to, checking and exporting the audit log of one case database."""

    def __init__(self, db: CaseDatabase, key: bytes | None = None, home: str | Path | None = None) -> None:
        self.db = db
        self._key = key
        self._home = home

    @property
    def key(self) -> bytes:
        """The audit key (see :func:`audit_key`), read on first use."""
        if self._key is None:
            self._key = audit_key(self._home, self.db.url)
        return self._key

    def append(self, events: Sequence[AuditEvent]) -> list[int]:
        """Append events in order, in one transaction; returns their sequence numbers."""
        if not events:
            return []
        key = self.key
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
                        mac=mark(key, digest),
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
        """Check every row's hash, key mark and link, the sequence, and the head; name the first bad
        row. Rows written before the log was keyed have no mark (counted in ``unkeyed``); a row
        without a mark after a marked one is a bad row."""
        prev, expected, n, unkeyed, keyed = GENESIS, 1, 0, 0, False
        key = self.key
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
            if row.mac is None:
                if keyed:
                    return VerifyResult(n, row.seq, f"row {row.seq} has lost its key mark")
                unkeyed += 1
            elif not hmac.compare_digest(row.mac, mark(key, row.hash)):
                return VerifyResult(
                    n,
                    row.seq,
                    f"row {row.seq} was changed after it was written (its key mark does not match)",
                )
            else:
                keyed = True
            prev, expected = row.hash, expected + 1
        with self.db.session() as s:
            head = s.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
        if head.seq != n or head.hash != prev:
            return VerifyResult(
                n, n + 1 if head.seq > n else None, f"the log ends at row {n} but its head says {head.seq}"
            )
        return VerifyResult(n, unkeyed=unkeyed)

    def signed_head(self) -> dict[str, Any]:
        """The log's head (last row and its hash) signed with the key: kept apart from the database (an
        export writes it beside itself), it later shows a tail cut off or rewritten (``verify_against``)."""
        with self.db.session() as s:
            head = s.scalars(select(AuditHead).where(AuditHead.id == 1)).one()
            seq, digest = head.seq, head.hash
        return {
            "seq": seq,
            "hash": digest,
            "signed": utc_now(),
            "signature": mark(self.key, f"{seq}:{digest}"),
        }

    def verify_against(self, head: dict[str, Any]) -> VerifyResult:
        """:meth:`verify`, and that the log still holds the signed head of an earlier export as it was:
        a row cut off the end, or any row up to it rewritten, breaks this."""
        try:
            seq, digest, signature = int(head["seq"]), str(head["hash"]), str(head["signature"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditError(f"not a signed audit head ({exc})") from exc
        if not hmac.compare_digest(signature, mark(self.key, f"{seq}:{digest}")):
            raise AuditError("the signed head's signature does not match this log's key")
        result = self.verify()
        if not result.ok:
            return result
        if seq > result.rows:
            why = f"the log ends at row {result.rows}, but an export signed it up to row {seq}"
            return VerifyResult(result.rows, result.rows + 1, why + ": rows were cut off")
        if seq:
            (row,) = list(self.rows(since=seq - 1, limit=1)) or [None]
            if row is None or row.hash != digest:
                return VerifyResult(
                    result.rows, seq, f"row {seq} is not the row an export signed: the log was rewritten"
                )
        return result

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
        write_head(head_path(out), self.signed_head())
        return n - (1 if fmt == "csv" else 0)


def head_path(export: Path) -> Path:
    """Where an export's signed head is written: ``<export>.head.json`` beside it."""
    return export.with_name(export.name + ".head.json")


def write_head(path: Path, head: dict[str, Any]) -> None:
    path.write_text(json.dumps(head, indent=1) + "\n", encoding="utf-8")


def read_head(path: Path) -> dict[str, Any]:
    """The signed head of an export: ``path`` itself when it is one, else ``<path>.head.json``."""
    target = path if path.name.endswith(".head.json") else head_path(path)
    try:
        found = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditError(f"{target}: cannot read the export's signed head ({exc})") from exc
    if not isinstance(found, dict):
        raise AuditError(f"{target}: not a signed audit head")
    return found


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


def sanitised(value: Any) -> Any:
    """``value`` with every text made valid Unicode: a lone surrogate ("\\ud800", which JSON can carry
    but UTF-8 cannot) becomes U+FFFD, in keys and values at any depth; other values as they are."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {sanitised(k): sanitised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sanitised(v) for v in value]
    return value


class AuditWriter:
    """Appends audit events from a background thread, in batches, so callers never wait on the database.

    One event never costs another: events are made valid text before they are queued; a batch the
    database refuses is retried, then written event by event; an event that still cannot be written
    goes to the spool file (``spool``, JSON lines, created 0600), which is written back to the log
    first thing when a writer starts and whenever a later write succeeds. ``pending`` counts the
    events in the spool: readiness reflects it (0: nothing is waiting)."""

    def __init__(self, log: AuditLog, *, batch: int = BATCH, spool: Path | None = None) -> None:
        self.log = log
        self.batch = batch
        self.spool = spool
        self._queue: queue.Queue[AuditEvent | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="supplyscreen-audit", daemon=True)
        self._pending = len(self._spooled())
        self._retry_wait = 0.2
        self._thread.start()

    def submit(self, action: str, user: str, payload: dict[str, Any], list_version: str = "") -> None:
        """Queue an event; its time is taken now, its row is written shortly after."""
        event = AuditEvent(sanitised(action), sanitised(user), sanitised(payload), sanitised(list_version))
        self._queue.put(AuditEvent(event.action, event.user, event.payload, event.list_version, utc_now()))

    @property
    def pending(self) -> int:
        """Events that could not be written yet (kept in the spool, written back when the database takes
        them again); 0 when every event is in the log."""
        return self._pending

    def _run(self) -> None:
        self._replay()
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

    def _append(self, events: list[AuditEvent], attempts: int) -> bool:
        for attempt in range(attempts):
            try:
                self.log.append(events)
                return True
            except Exception:  # noqa: BLE001 - a locked or unreachable database, or one bad event
                if attempt + 1 < attempts:
                    threading.Event().wait(self._retry_wait * (attempt + 1))
        return False

    def _write(self, events: list[AuditEvent]) -> None:
        if self._append(events, 3):
            if self._pending:
                self._replay()
            return
        for event in events:  # one by one: a bad event costs no other
            if not self._append([event], 2):
                self._keep(event)

    def _spooled(self) -> list[AuditEvent]:
        if self.spool is None or not self.spool.is_file():
            return []
        out = []
        for line in self.spool.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                raw = json.loads(line)
                out.append(
                    AuditEvent(raw["action"], raw["user"], raw["payload"], raw["list_version"], raw["ts"])
                )
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by a crash while it was written
        return out

    def _keep(self, event: AuditEvent) -> None:
        """Put an event the database would not take in the spool (without a spool, count it lost)."""
        self._pending += 1
        if self.spool is None:
            return
        line = canonical_json(
            {"action": event.action, "user": event.user, "payload": event.payload,
             "list_version": event.list_version, "ts": event.ts}
        )  # fmt: skip
        self.spool.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.spool, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def _replay(self) -> None:
        """Write the spooled events back to the log, in their order; the spool is emptied once they are."""
        events = self._spooled()
        if not events or self.spool is None:
            return
        if self._append(events, 2):
            self.spool.unlink(missing_ok=True)
            self._pending = 0

    def flush(self) -> None:
        """Wait until every queued event is written."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)
